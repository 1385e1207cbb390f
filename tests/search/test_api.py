"""GET /api/search: the search page's rules through the API, with plain extracts and marks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from meaningful.api.tokens import issue_token
from meaningful.audit.models import AuditEvent
from meaningful.interop.tabular.export import pseudonym
from tests.search.conftest import Caseload

pytestmark = pytest.mark.django_db


def search(caseload: Caseload, who: str, **params: Any) -> tuple[int, Any]:
    personas = caseload.personas
    token = issue_token(personas.system, getattr(personas, who), "test")
    response = Client().get(
        f"/api/search?{urlencode(params)}", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


def marked_words(hit: dict[str, Any]) -> list[str]:
    return [hit["extract"][start:end] for start, end in hit["marks"]]


def test_a_practitioner_finds_their_caseloads_words_with_names_ids_and_marks(
    caseload: Caseload,
) -> None:
    status, body = search(caseload, "owner", q="walk")
    assert status == 200
    assert body["count"] == 3 and body["page"] == 1 and body["pages"] == 1
    assert not body["pseudonymised"]
    assert sorted(hit["person"] for hit in body["hits"]) == [
        "Agnes Millar",
        "Agnes Millar",
        "Bill Doig",
    ]
    bill = next(hit for hit in body["hits"] if hit["person"] == "Bill Doig")
    assert bill["person_id"] == str(caseload.bill.pk)
    assert bill["conversation_id"] == str(caseload.bill.conversations.get().pk)
    assert bill["outcome"] == "Seeing people" and bill["field"] == "what_matters"
    assert bill["extract"] == "I want to keep walking my dog in the park"
    assert marked_words(bill) == ["walking"]
    story = next(hit for hit in body["hits"] if hit["field"] == "story")
    assert story["outcome"] == "" and marked_words(story) == ["walking"]


def test_an_analyst_gets_pseudonyms_anonymised_extracts_and_no_ids(caseload: Caseload) -> None:
    status, body = search(caseload, "analyst", q="bus")
    assert status == 200 and body["pseudonymised"]
    (hit,) = body["hits"]
    assert hit["person"] == pseudonym(caseload.agnes.pk)
    assert hit["person_id"] is None and hit["conversation_id"] is None
    assert hit["extract"] == "My neighbour [name] walks with me to the bus"
    assert marked_words(hit) == ["bus"]


def test_never_a_narrative_the_caller_may_not_see(caseload: Caseload) -> None:
    _, outsider = search(caseload, "outsider", q="walking")
    assert [hit["person"] for hit in outsider["hits"]] == ["Sheena Rattray"]
    _, analyst = search(caseload, "analyst", q="dog")
    assert analyst["count"] == 0  # Bill never agreed to share quotes
    status, body = search(caseload, "admin", q="walking")
    assert status == 403 and "Searching narratives is for" in body["detail"]


def test_filters_narrow_the_search(caseload: Caseload) -> None:
    personas = caseload.personas
    _, story = search(caseload, "owner", q="walk", field="story")
    assert [hit["field"] for hit in story["hits"]] == ["story"]
    _, team = search(caseload, "colleague", q="walk", team=personas.team.pk)
    assert team["count"] == 3
    _, future = search(caseload, "owner", q="walk", held_from="2999-01-01")
    assert future["count"] == 0


def test_bad_requests_say_what_to_send_and_nothing_is_audited(caseload: Caseload) -> None:
    personas = caseload.personas
    status, body = search(caseload, "owner", q="---")
    assert status == 422 and "Type at least one word" in body["errors"]["q"]
    status, body = search(caseload, "owner", q="walk", team=personas.other_team.pk)
    assert status == 404 and "No team with that id among yours" in body["detail"]
    status, body = search(caseload, "owner", q="walk", held_from="2026-03-01", held_to="2026-02-01")
    assert status == 422 and "held_to" in body["errors"]
    status, body = search(caseload, "owner", q="walk", field="postcode")
    assert status == 422 and "field" in body["errors"]
    status, body = search(caseload, "owner", q="walk", colour="red")
    assert status == 422 and "colour" in body["errors"]
    assert not AuditEvent.objects.filter(action="search.narratives").exists()


def test_each_search_is_audited_without_its_words(caseload: Caseload) -> None:
    search(caseload, "owner", q="walk")
    event = AuditEvent.objects.get(action="search.narratives")
    assert event.purpose == "api: search"
    assert "walk" not in str(event.detail)
    assert sorted(event.detail["people_shown"]) == sorted(
        [str(caseload.agnes.pk), str(caseload.bill.pk)]
    )
