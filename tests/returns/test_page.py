"""The returns page: build, look, download, and who may do which."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from meaningful.accounts.models import Organisation, Role, User
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.conversations.services import OutcomeInput, agree_conversation, record_conversation
from meaningful.demo.factories import Personas, make_person
from meaningful.frameworks.models import Framework
from meaningful.returns.models import ReturnRelease
from meaningful.returns.schema import validate_return

PAGE, DOWNLOAD = reverse("returns"), reverse("return-download")


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_an_administrator_builds_looks_and_releases_a_return(
    client: Client, known: Organisation, personas: Personas
) -> None:
    signed_in(client, personas.admin)
    first = client.get(PAGE)
    assert first.status_code == 200
    assert "No return has been released yet." in first.content.decode()
    built = client.post(PAGE, {"period": "2026"})
    page = built.content.decode()
    assert built.status_code == 200
    assert "Test Partnership, 2026" in page and "Audit passed" in page
    assert "Counts from 1 to 7 are shown as *" in page
    assert (
        "Feeling safe" in page
        and '<td class="govuk-table__cell govuk-table__cell--numeric">*</td>' in page
    )
    assert "Release and download the final return" in page and "Download a draft" in page
    assert not ReturnRelease.objects.exists()  # looking records nothing

    final = client.post(DOWNLOAD, {"period": "2026", "kind": "final"})
    assert final.status_code == 200 and final["Content-Type"] == "application/json"
    assert final["Content-Disposition"] == (
        'attachment; filename="return-test-partnership-2026.json"'
    )
    document = json.loads(final.content)
    assert validate_return(document) == [] and document["metadata"]["final"] is True
    assert ReturnRelease.objects.get().checksum == document["metadata"]["checksum"]

    listed = client.get(PAGE).content.decode()
    assert "Final returns recorded in the register" in listed
    assert document["metadata"]["checksum"][:20] in listed


def test_a_draft_download_is_marked_and_not_recorded(
    client: Client, known: Organisation, personas: Personas
) -> None:
    signed_in(client, personas.admin)
    draft = client.post(DOWNLOAD, {"period": "2026-Q1", "kind": "draft"})
    assert draft["Content-Disposition"].endswith('2026-Q1-draft.json"')
    assert json.loads(draft.content)["metadata"]["final"] is False
    assert not ReturnRelease.objects.exists()


def test_a_period_that_is_not_one_is_shown_in_the_error_summary(
    client: Client, known: Organisation, personas: Personas
) -> None:
    response = signed_in(client, personas.admin).post(PAGE, {"period": "last year"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_period"' in page and "is not a period" in page


def test_a_final_return_the_audit_refuses_is_not_downloaded(
    client: Client, known: Organisation, personas: Personas
) -> None:
    known.disclosure_threshold, known.disclosure_rounding = 3, 1
    known.save()
    signed_in(client, personas.admin)
    assert client.post(DOWNLOAD, {"period": "2026", "kind": "final"}).status_code == 200
    late = make_person(personas.owner, personas.team, given_name="Late", family_name="Entry")
    conversation = record_conversation(
        personas.owner,
        late,
        framework=Framework.objects.get(slug="talking-points-service-users", version="1"),
        held_on=date(2026, 6, 1),
        kind="baseline",
        records=[OutcomeInput(outcome="feeling-safe", what_matters="Safe", agreed_level="met")],
    )
    agree_conversation(personas.owner, conversation)
    refused = client.post(DOWNLOAD, {"period": "2026", "kind": "final"})
    page = refused.content.decode()
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/html")
    assert "The return cannot be released as final" in page
    assert "differ from an earlier release of the same records" in page
    assert "The audit did not pass: this return can be downloaded only as a draft." in page
    assert "Release and download the final return" not in page
    assert ReturnRelease.objects.count() == 1


def test_an_analyst_may_look_but_not_download(
    client: Client, known: Organisation, personas: Personas
) -> None:
    signed_in(client, personas.analyst)
    looked = client.post(PAGE, {"period": "2026"})
    assert looked.status_code == 200
    assert "Your organisation's administrators release and download returns." in (
        looked.content.decode()
    )
    assert client.post(DOWNLOAD, {"period": "2026", "kind": "draft"}).status_code == 403


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "national"])
def test_practitioners_team_leaders_and_national_analysts_are_refused(
    client: Client, known: Organisation, personas: Personas, who: str
) -> None:
    if who == "national":
        user = create_staff_user(
            personas.system, known, username="nat", first_name="Nia", last_name="National"
        )
        grant_role(personas.system, user, Role.NATIONAL_ANALYST)
    else:
        user = getattr(personas, who)
    signed_in(client, user)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"period": "2026"}).status_code == 403
    assert client.post(DOWNLOAD, {"period": "2026", "kind": "final"}).status_code == 403
    assert not ReturnRelease.objects.exists()


def test_the_menu_offers_returns_to_administrators_and_analysts_only(
    client: Client, known: Organisation, personas: Personas
) -> None:
    for user, offered in (
        (personas.admin, True),
        (personas.analyst, True),
        (personas.owner, False),
    ):
        client.force_login(user)
        assert (f'href="{PAGE}"' in client.get(reverse("home")).content.decode()) is offered
