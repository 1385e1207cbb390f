"""The search page: a GOV.UK form, results with marked extracts, pages, and clear errors."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from meaningful.audit.models import AuditEvent
from meaningful.interop.tabular.export import pseudonym
from meaningful.search import services
from tests.conftest import ON_POSTGRESQL
from tests.search.conftest import Caseload, say


def page(client: Client, **query: str) -> tuple[int, str]:
    response = client.get(reverse("search"), query)
    return response.status_code, response.content.decode()


def test_the_empty_page_invites_a_search_and_audits_nothing(
    client: Client, caseload: Caseload
) -> None:
    client.force_login(caseload.personas.owner)
    status, body = page(client)
    assert status == 200
    assert "Type some words and choose Search" in body
    assert 'href="/search/"' in body  # the menu links to the page
    assert not AuditEvent.objects.filter(action="search.narratives").exists()


def test_results_show_who_what_when_and_the_match_marked_with_a_link(
    client: Client, caseload: Caseload
) -> None:
    client.force_login(caseload.personas.owner)
    status, body = page(client, q="lunch")
    assert status == 200
    assert "1 narrative found" in body
    assert "Agnes Millar: Seeing people" in body
    assert "Getting to the <mark>lunch</mark> club on Thursdays" in body
    conversation = caseload.agnes.conversations.get()
    assert f'href="/conversations/{conversation.pk}/"' in body
    assert "What matters, conversation on" in body


def test_an_analyst_sees_pseudonyms_and_no_links(client: Client, caseload: Caseload) -> None:
    client.force_login(caseload.personas.analyst)
    status, body = page(client, q="walk")
    assert status == 200
    assert f"Person {pseudonym(caseload.agnes.pk)}" in body
    assert "Agnes" not in body and "Millar" not in body and "Bill" not in body
    assert "/conversations/" not in body


def test_no_result_says_what_to_try(client: Client, caseload: Caseload) -> None:
    client.force_login(caseload.personas.owner)
    status, body = page(client, q="trampoline")
    assert status == 200
    assert "0 narratives found" in body and "check the spelling" in body


@pytest.mark.parametrize(
    ("query", "anchor", "message"),
    [
        ({"q": ""}, "id_q", "Enter the words to look for."),
        ({"q": "-walk"}, "id_q", "Add a word to look for"),
        ({"q": "walk", "field": "nowhere"}, "id_field", "Choose where to look from the list."),
        ({"q": "walk", "held_from_day": "31", "held_from_month": "2", "held_from_year": "2025"},
         "id_held_from_day", "Conversations from must be a real date: February 2025 has 28 days."),
        ({"q": "walk", "held_from_day": "2", "held_from_month": "2", "held_from_year": "2025",
          "held_to_day": "1", "held_to_month": "2", "held_to_year": "2025"},
         "id_held_to_day", "must be the same as or after the from date"),
        ({"q": "x" * 201}, "id_q", "Write at most 200 characters"),
        ({"q": "walk\x00"}, "id_q", "NUL"),
    ],
)  # fmt: skip
def test_bad_input_gets_an_error_summary_that_links_to_the_field(
    client: Client, caseload: Caseload, query: dict[str, str], anchor: str, message: str
) -> None:
    client.force_login(caseload.personas.owner)
    status, body = page(client, **query)
    assert status == 400
    assert "There is a problem" in body and f'href="#{anchor}"' in body
    assert message in body
    assert "<title>Error: " in body


def test_another_teams_id_in_the_team_choice_is_refused(client: Client, caseload: Caseload) -> None:
    client.force_login(caseload.personas.owner)
    status, body = page(client, q="walk", team=str(caseload.personas.other_team.pk))
    assert status == 400 and "Choose one of your teams from the list" in body


def test_pages_of_results_keep_the_search(
    client: Client, caseload: Caseload, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for n in range(4):
        say(caseload.personas, caseload.bill, what_matters=f"Birdwatching trip {n}")
    client.force_login(caseload.personas.owner)
    status, body = page(client, q="birdwatching", page="2")
    assert status == 200
    assert "4 narratives found, page 2 of 2" in body
    assert 'href="?q=birdwatching&amp;page=1"' in body
    assert len(re.findall("<mark>", body)) == 2


def test_markup_in_a_narrative_shows_as_text_on_the_page(
    client: Client, caseload: Caseload
) -> None:
    say(caseload.personas, caseload.bill, what_matters="<script>alert(1)</script> my garden")
    client.force_login(caseload.personas.owner)
    _, body = page(client, q="garden")
    assert "<script>alert(1)</script>" not in body
    assert "<mark>garden</mark>" in body
    if not ON_POSTGRESQL:  # PostgreSQL's headline leaves markup out altogether
        assert "&lt;script&gt;alert(1)&lt;/script&gt; my <mark>garden</mark>" in body


def test_roles_that_may_not_search_get_403_and_no_menu_link(
    client: Client, caseload: Caseload
) -> None:
    client.force_login(caseload.personas.admin)
    assert client.get(reverse("search"), {"q": "walk"}).status_code == 403
    assert 'href="/search/"' not in client.get(reverse("home")).content.decode()
