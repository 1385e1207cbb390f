"""Concurrent edits on the web: two people open the same record, the second save is refused.

Each test opens the edit page in two signed-in browsers (test clients), saves in both, and
checks that the first save is stored, the second is refused with both versions shown and what
was typed kept in the form, and the refusal is audited.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meaningful.audit.models import AuditEvent
from meaningful.audit.services import revisions_of
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.conversations.services import agree_conversation
from meaningful.demo.factories import PERSONA_PASSWORD, Personas, make_conversation
from meaningful.people.models import Person
from meaningful.plans.models import Action
from meaningful.plans.services import ActionInput, create_plan
from meaningful.web.form_errors import MISSING_VERSION


def signed_in(personas: Personas, who: str) -> Client:
    client = Client()
    assert client.login(username=getattr(personas, who).username, password=PERSONA_PASSWORD)
    return client


@pytest.fixture
def owner(personas: Personas) -> Client:
    return signed_in(personas, "owner")


@pytest.fixture
def colleague(personas: Personas) -> Client:
    return signed_in(personas, "colleague")


@pytest.fixture
def conversation(personas: Personas, person: Person) -> Conversation:
    return make_conversation(personas.owner, person)


def opened_version(client: Client, url: str) -> str:
    """Open an edit page and return the version its form will send."""
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="version" value="(\d+)"', page.content.decode())
    assert found is not None, "the form carries no version"
    return found[1]


def record_form(record: OutcomeRecord, **changes: str) -> dict[str, Any]:
    code = record.outcome.code
    values = {
        "what_matters": record.what_matters,
        "why_it_matters": record.why_it_matters,
        "working": record.working,
        "not_working": record.not_working,
        "outcome_type": record.outcome_type,
        "agreed_level": record.agreed_level.code if record.agreed_level else "",
        **changes,
    }
    return {f"{code}-{name}": value for name, value in values.items()}


def refused_page(response: Any) -> str:
    assert response.status_code == 409
    html: str = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#conflict">' in html and 'id="conflict"' in html
    return html


def conflict_table(html: str) -> str:
    start = html.index('id="conflict"')
    return html[start : html.index("</table>", start)]


def test_two_people_correct_the_same_record_and_the_second_is_refused(
    owner: Client, colleague: Client, personas: Personas, conversation: Conversation
) -> None:
    record = conversation.records.select_related("outcome").get(outcome__code="seeing-people")
    url = reverse("record-edit", args=[conversation.pk, record.pk])
    owner_version = opened_version(owner, url)
    colleague_version = opened_version(colleague, url)
    assert owner_version == colleague_version == "1"

    first = owner.post(
        url,
        {
            **record_form(record, what_matters="To see my pals at the lunch club"),
            "version": owner_version,
            "reason": "her own words",
        },
    )
    assert first.status_code == 302
    second = colleague.post(
        url,
        {
            **record_form(record, what_matters="To go to the bowling club", agreed_level="met"),
            "version": colleague_version,
            "reason": "after the phone call",
        },
    )

    html = refused_page(second)
    assert "Owner Tester saved a change to this record at" in html
    assert "Nothing you sent has been saved." in html
    assert "Saved by Test-Partnership-Owner Tester" in html
    table = conflict_table(html)
    assert "To see my pals at the lunch club" in table and "To go to the bowling club" in table
    assert "Agreed level" in table and ">Met<" in table  # the level the colleague chose, by name
    assert "Why it matters" not in table  # only the fields that differ
    form = html[html.index("<form") :]
    assert "To go to the bowling club</textarea>" in form  # what was typed is kept
    assert 'value="after the phone call"' in form
    assert 'name="version" value="2"' in form  # saving again now replaces version 2, knowingly

    record.refresh_from_db()
    assert (record.what_matters, record.version) == ("To see my pals at the lunch club", 2)
    assert record.agreed_level is not None and record.agreed_level.code == "not-met"
    refused = AuditEvent.objects.get(action="outcome-record.update.refused")
    assert (refused.actor, refused.object_id, refused.person_id) == (
        personas.colleague,
        str(record.pk),
        conversation.person_id,
    )
    assert refused.detail == {"based_on_version": 1, "current_version": 2}


def test_after_seeing_both_versions_saving_again_keeps_both(
    owner: Client, colleague: Client, conversation: Conversation
) -> None:
    record = conversation.records.select_related("outcome").get(outcome__code="seeing-people")
    url = reverse("record-edit", args=[conversation.pk, record.pk])
    version = opened_version(colleague, url)
    owner.post(
        url,
        {**record_form(record, working="Jean visits"), "version": "1", "reason": "update"},
    )
    mine = {**record_form(record, working="The bus pass"), "reason": "after the call"}
    refused_page(colleague.post(url, {**mine, "version": version}))
    again = colleague.post(url, {**mine, "version": "2"})
    assert again.status_code == 302
    record.refresh_from_db()
    assert (record.working, record.version) == ("The bus pass", 3)
    assert [r.data["working"] for r in revisions_of(record)][-1] == "Jean visits"


def test_two_people_correct_the_same_conversation(
    owner: Client, colleague: Client, conversation: Conversation
) -> None:
    url = reverse("conversation-edit", args=[conversation.pk])
    held_on = conversation.held_on
    form = {
        "held_on_day": held_on.day,
        "held_on_month": held_on.month,
        "held_on_year": held_on.year,
        "participants": "Agnes",
        "version": opened_version(owner, url),
        "reason": "spelling",
    }
    stale = opened_version(colleague, url)
    assert owner.post(url, {**form, "story": "We met at home."}).status_code == 302
    earlier = held_on - timedelta(days=1)
    response = colleague.post(
        url,
        {
            **form,
            "version": stale,
            "held_on_day": earlier.day,
            "story": "We met at the day centre.",
        },
    )
    html = refused_page(response)
    table = conflict_table(html)
    assert "Date of the conversation" in table
    assert f"{held_on.day} " in table and f"{earlier.day} " in table
    assert "We met at home." in table and "We met at the day centre." in table
    conversation.refresh_from_db()
    assert (conversation.story, conversation.held_on) == ("We met at home.", held_on)


@pytest.fixture
def action(personas: Personas, person: Person, conversation: Conversation) -> Action:
    agree_conversation(personas.owner, conversation)
    plan = create_plan(
        personas.owner,
        person,
        starts_on=timezone.localdate(),
        conversation=conversation,
        actions=[ActionInput("Phone the lunch club", "service")],
    )
    return plan.actions.get()


def test_two_people_correct_the_same_action(
    owner: Client, colleague: Client, action: Action
) -> None:
    url = reverse("action-edit", args=[action.pk])
    first, second = opened_version(owner, url), opened_version(colleague, url)
    saved = owner.post(
        url, {"description": "Phone the lunch club on Monday", "owner": "service", "version": first}
    )
    assert saved.status_code == 302
    response = colleague.post(
        url, {"description": "Visit the lunch club", "owner": "person", "version": second}
    )
    html = refused_page(response)
    table = conflict_table(html)
    assert "Phone the lunch club on Monday" in table and "Visit the lunch club" in table
    assert "Service" in table and "The person" in table
    action.refresh_from_db()
    assert (action.description, action.owner) == ("Phone the lunch club on Monday", "service")


def test_two_people_change_an_action_status_on_the_plan_page(
    owner: Client, colleague: Client, personas: Personas, action: Action
) -> None:
    plan_url = reverse("plan", args=[action.plan.person_id])
    first, second = opened_version(owner, plan_url), opened_version(colleague, plan_url)
    status_url = reverse("action-status", args=[action.pk])
    assert owner.post(status_url, {"status": "done", "version": first}).status_code == 302
    response = colleague.post(status_url, {"status": "dropped", "version": second})
    html = refused_page(response)
    table = conflict_table(html)
    assert "Done" in table and "No longer needed" in table
    assert '<option value="dropped" selected>' in html  # the choice is kept in the table
    action.refresh_from_db()
    assert action.status == "done"
    assert AuditEvent.objects.filter(action="action.update.refused", actor=personas.colleague)


def test_agreeing_a_conversation_changed_since_it_was_read_back_is_refused(
    owner: Client, colleague: Client, conversation: Conversation
) -> None:
    check_page = reverse("conversation", args=[conversation.pk])
    read_back = opened_version(owner, check_page)
    edit = reverse("conversation-edit", args=[conversation.pk])
    held_on = conversation.held_on
    corrected = colleague.post(
        edit,
        {
            "held_on_day": held_on.day,
            "held_on_month": held_on.month,
            "held_on_year": held_on.year,
            "story": "Agnes would rather stay at home.",
            "version": opened_version(colleague, edit),
            "reason": "she changed her mind",
        },
    )
    assert corrected.status_code == 302
    agree = reverse("conversation-agree", args=[conversation.pk])
    response = owner.post(agree, {"version": read_back})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Colleague Tester saved a change to this record" in html
    assert "Read the conversation again below" in html
    assert "Agnes would rather stay at home." in html
    conversation.refresh_from_db()
    assert conversation.status == "draft"
    assert owner.post(agree, {"version": "2"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "agreed"


def test_a_form_without_its_version_saves_nothing(
    owner: Client, conversation: Conversation
) -> None:
    record = conversation.records.select_related("outcome").get(outcome__code="seeing-people")
    url = reverse("record-edit", args=[conversation.pk, record.pk])
    form = {**record_form(record, working="Jean visits"), "reason": "update"}
    for version in ("", "one", "-1", "99999999999"):
        html = refused_page(owner.post(url, {**form, "version": version}))
        assert MISSING_VERSION in html
    record.refresh_from_db()
    assert record.version == 1 and not revisions_of(record)


@pytest.mark.parametrize(
    "reason",
    ["", "x" * 301, "typo\x00"],
    ids=["missing", "too long", "NUL"],
)
def test_the_reason_for_a_correction_is_checked(
    owner: Client, conversation: Conversation, reason: str
) -> None:
    record = conversation.records.select_related("outcome").get(outcome__code="seeing-people")
    url = reverse("record-edit", args=[conversation.pk, record.pk])
    form = {**record_form(record, working="Jean visits"), "version": "1", "reason": reason}
    response = owner.post(url, form)
    assert response.status_code == 400
    assert '<a href="#reason">' in response.content.decode()
    record.refresh_from_db()
    assert record.version == 1
