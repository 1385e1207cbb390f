from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from meaningful.audit.services import revisions_of
from meaningful.conversations.models import Conversation
from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.people.models import Person
from meaningful.plans.models import SupportPlan

OUTCOMES = ["seeing-people", "feeling-safe", "improved-mobility"]


@pytest.fixture
def owner(client: Client, personas: Personas) -> Client:
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    return client


def record_url(person: Person, kind: str = "baseline", outcomes: list[str] = OUTCOMES) -> str:
    query = urlencode(
        {"kind": kind, "framework": "talking-points-service-users", "outcomes": outcomes},
        doseq=True,
    )
    return reverse("conversation-record", args=[person.pk]) + "?" + query


def filled(
    kind: str = "baseline", outcomes: list[str] = OUTCOMES, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    review = today + timedelta(days=180)
    data: dict[str, Any] = {
        "kind": kind,
        "framework": "talking-points-service-users",
        "outcomes": outcomes,
        "held_on_day": today.day,
        "held_on_month": today.month,
        "held_on_year": today.year,
        "next_review_due_day": review.day,
        "next_review_due_month": review.month,
        "next_review_due_year": review.year,
        "participants": "Agnes and Jean",
        "story": "We met at home. Agnes wants to get out more.",
        "action-1-description": "Phone the lunch club",
        "action-1-owner": "family-community",
        "action-1-owner_name": "Jean (daughter)",
        "action-1-outcome": "seeing-people",
    }
    for code in outcomes:
        data.update(
            {
                f"{code}-what_matters": "I want to get back to the lunch club on Tuesdays",
                f"{code}-why_it_matters": "It is the only time I see my old friends",
                f"{code}-working": "Jean drives me when she can",
                f"{code}-not_working": "",
                f"{code}-outcome_type": "maintain",
                f"{code}-contributions": ["person", "family-community"],
                f"{code}-worker_level": "partly-met",
                f"{code}-person_level": "not-met",
                f"{code}-agreed_level": "partly-met",
            }
        )
    data.update(extra or {})
    return data


def test_the_start_page_suggests_a_baseline_first(owner: Client, person: Person) -> None:
    html = owner.get(reverse("conversation-start", args=[person.pk])).content.decode()
    assert 'value="baseline" checked' in html
    assert 'value="talking-points-service-users" checked' in html


def test_choosing_no_outcome_shows_a_linked_error(owner: Client, person: Person) -> None:
    url = (
        reverse("conversation-start", args=[person.pk])
        + "?kind=baseline&framework=talking-points-service-users&chosen=1"
    )
    response = owner.get(url)
    assert response.status_code == 400
    assert (
        '<a href="#id_outcomes_0">Select at least one outcome you talked about.</a>'
        in response.content.decode()
    )


def test_choosing_outcomes_leads_to_the_recording_form(owner: Client, person: Person) -> None:
    url = (
        reverse("conversation-start", args=[person.pk])
        + "?"
        + urlencode(
            {"kind": "baseline", "framework": "talking-points-service-users", "outcomes": OUTCOMES},
            doseq=True,
        )
    )
    response = owner.get(url)
    assert response.status_code == 302 and response["Location"] == record_url(person)
    form = owner.get(response["Location"]).content.decode()
    for name in ("Seeing people", "Feeling safe", "Improved mobility"):
        assert f">{name}</h2>" in form


def test_a_saved_conversation_is_a_draft_with_a_draft_plan(owner: Client, person: Person) -> None:
    response = owner.post(record_url(person), filled())
    conversation = Conversation.objects.get()
    assert response["Location"] == reverse("conversation", args=[conversation.pk])
    assert conversation.status == "draft" and conversation.records.count() == 3
    record = conversation.records.get(outcome__code="seeing-people")
    assert (record.worker_level.code, record.person_level.code, record.agreed_level.code) == (  # type: ignore[union-attr]
        "partly-met",
        "not-met",
        "partly-met",
    )
    plan = SupportPlan.objects.get()
    assert plan.status == "draft" and plan.actions.get().owner_name == "Jean (daughter)"


def test_errors_are_listed_and_linked_and_nothing_is_saved(owner: Client, person: Person) -> None:
    future = timezone.localdate() + timedelta(days=3)
    data = filled(
        extra={
            "held_on_day": future.day,
            "held_on_month": future.month,
            "held_on_year": future.year,
            "action-2-description": "Ring the GP",
            "feeling-safe-agreed_level": "brilliant",
        }
    )
    data["next_review_due_month"] = "13"
    response = owner.post(record_url(person), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert (
        '<a href="#id_held_on_day">Date of the conversation must be today or in the past.</a>'
        in html
    )
    assert (
        '<a href="#id_next_review_due_day">The next review date must be a real date: a month is 1 to 12.</a>'
        in html
    )
    assert '<a href="#id_action-2-owner">Action 2: Select who will do this action.</a>' in html
    assert 'href="#id_feeling-safe-agreed_level">Feeling safe: Select a valid choice.' in html
    summary = html[html.index("govuk-error-summary__list") :]
    order = ["#id_held_on_day", "#id_feeling-safe-agreed_level", "#id_action-2-owner"]
    order.append("#id_next_review_due_day")
    assert [summary.index(anchor) for anchor in order] == sorted(
        summary.index(anchor) for anchor in order
    )  # as the fields come on the page
    assert "I want to get back to the lunch club on Tuesdays" in html  # what was typed is kept
    assert not Conversation.objects.exists()


def test_check_your_answers_shows_recording_prompts(owner: Client, person: Person) -> None:
    data = filled(extra={"feeling-safe-what_matters": "Needs to comply with care plan"})
    conversation_url = owner.post(record_url(person), data)["Location"]
    html = owner.get(conversation_url).content.decode()
    assert "Check your answers before agreeing" in html
    assert "not what matters to the person." in html
    assert "Agree and finish" in html


def test_agreeing_makes_the_plan_current_and_confirms(owner: Client, person: Person) -> None:
    conversation_url = owner.post(record_url(person), filled())["Location"]
    conversation = Conversation.objects.get()
    response = owner.post(reverse("conversation-agree", args=[conversation.pk]), {"version": 1})
    assert response["Location"] == reverse("conversation-agreed", args=[conversation.pk])
    assert "Conversation agreed" in owner.get(response["Location"]).content.decode()
    assert SupportPlan.objects.get().status == "active"
    assert "Agree and finish" not in owner.get(conversation_url).content.decode()


def test_a_review_starts_from_last_time_and_shows_the_earlier_words(
    owner: Client, person: Person
) -> None:
    owner.post(record_url(person), filled())
    owner.post(reverse("conversation-agree", args=[Conversation.objects.get().pk]), {"version": 1})
    start = owner.get(
        reverse("conversation-start", args=[person.pk])
        + "?kind=review&framework=talking-points-service-users"
    )
    html = start.content.decode()
    for code in OUTCOMES:
        assert (
            f'value="{code}" aria-describedby' in html
            and "checked" in html.split(f'value="{code}"')[1][:200]
        )
    form = owner.get(record_url(person, "review")).content.decode()
    assert "Last time (" in form
    assert (
        form.count("I want to get back to the lunch club on Tuesdays") >= 6
    )  # pre-filled and shown
    review = filled("review", extra={"seeing-people-agreed_level": "met"})
    owner.post(record_url(person, "review"), review)
    page = owner.get(reverse("person", args=[person.pk])).content.decode()
    assert "Latest: Met" not in page  # a draft: its levels are not agreed yet
    draft = Conversation.objects.get(kind="review")
    owner.post(reverse("conversation-agree", args=[draft.pk]), {"version": 1})
    page = owner.get(reverse("person", args=[person.pk])).content.decode()
    assert "Better than at first" in page
    assert "First: Partly met" in page and "Latest: Met" in page


def test_correcting_a_record_keeps_the_earlier_version(
    owner: Client, person: Person, personas: Personas
) -> None:
    owner.post(record_url(person), filled())
    conversation = Conversation.objects.get()
    record = conversation.records.get(outcome__code="seeing-people")
    url = reverse("record-edit", args=[conversation.pk, record.pk])
    form = {
        k.removeprefix("seeing-people-"): v
        for k, v in filled().items()
        if k.startswith("seeing-people-")
    }
    missing_reason = owner.post(url, {**form, "version": 1})
    assert (
        '<a href="#reason">Say why you are changing this record.</a>'
        in missing_reason.content.decode()
    )
    changed = {
        **form,
        "what_matters": "I want to see my pals at the lunch club",
        "version": 1,
        "reason": "Agnes asked for her own words",
    }
    changed_prefixed = {
        f"seeing-people-{k}" if k not in ("version", "reason") else k: v for k, v in changed.items()
    }
    assert owner.post(url, changed_prefixed).status_code == 302
    record.refresh_from_db()
    assert record.what_matters == "I want to see my pals at the lunch club"
    [revision] = revisions_of(record)
    assert revision.data["what_matters"] == "I want to get back to the lunch club on Tuesdays"
    history = owner.get(url).content.decode()
    assert "Agnes asked for her own words" in history and "Version 1" in history
    stale = owner.post(url, {**changed_prefixed, "seeing-people-working": "Other", "version": 1})
    assert stale.status_code == 409
    assert "saved a change to this record" in stale.content.decode()


def test_action_status_updates_on_the_plan_page(owner: Client, person: Person) -> None:
    owner.post(record_url(person), filled())
    owner.post(reverse("conversation-agree", args=[Conversation.objects.get().pk]), {"version": 1})
    action = SupportPlan.objects.get().actions.get()
    response = owner.post(
        reverse("action-status", args=[action.pk]), {"status": "done", "version": 1}, follow=True
    )
    assert "is now done." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "done" and revisions_of(action)[0].data["status"] == "planned"


def test_my_plan_shows_their_words_and_downloads_as_pdf(owner: Client, person: Person) -> None:
    owner.post(record_url(person), filled())
    owner.post(reverse("conversation-agree", args=[Conversation.objects.get().pk]), {"version": 1})
    team = Conversation.objects.get().team
    team.phone, team.phone_hours = "01632 960123", "weekdays, 9am to 5pm"
    team.save()
    html = owner.get(reverse("my-plan", args=[person.pk])).content.decode()
    assert "What matters to me" in html and "Jean (daughter)" in html
    assert "Phone: <strong>01632 960123 (weekdays, 9am to 5pm)</strong>" in html
    pdf = owner.get(reverse("my-plan-pdf", args=[person.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert 'filename="my-plan-agnes-millar.pdf"' in pdf["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "I want to get back to the lunch club on Tuesdays" in text
    assert "Phone the lunch club" in text
    assert "Phone: 01632 960123 (weekdays, 9am to 5pm)" in text


def test_the_live_checker_answers_with_prompts(owner: Client) -> None:
    response = owner.post(
        reverse("record-check"), {"what_matters": "Attends day centre twice weekly"}
    )
    prompts = response.json()["prompts"]
    assert any(p["phrase"].lower().startswith("attends day centre") for p in prompts)


def test_correcting_the_conversation_keeps_the_earlier_version(
    owner: Client, person: Person
) -> None:
    owner.post(record_url(person), filled())
    conversation = Conversation.objects.get()
    url = reverse("conversation-edit", args=[conversation.pk])
    day = conversation.held_on - timedelta(days=2)
    form = {
        "held_on_day": day.day,
        "held_on_month": day.month,
        "held_on_year": day.year,
        "participants": "Agnes, Jean and Tom",
        "story": "Corrected story",
        "version": 1,
    }
    assert '<a href="#reason">' in owner.post(url, form).content.decode()
    early_review = {
        **form,
        "next_review_due_day": day.day,
        "next_review_due_month": day.month,
        "next_review_due_year": day.year - 1,
        "reason": "typo",
    }
    assert (
        "The next review must be after the conversation."
        in owner.post(url, early_review).content.decode()
    )
    assert owner.post(url, {**form, "reason": "Wrong date entered"}).status_code == 302
    conversation.refresh_from_db()
    assert (conversation.held_on, conversation.story, conversation.version) == (
        day,
        "Corrected story",
        2,
    )
    assert (
        revisions_of(conversation)[0].data["story"]
        == "We met at home. Agnes wants to get out more."
    )
    assert "Wrong date entered" in owner.get(url).content.decode()


def test_an_action_can_be_corrected_and_keeps_its_history(owner: Client, person: Person) -> None:
    owner.post(record_url(person), filled())
    owner.post(reverse("conversation-agree", args=[Conversation.objects.get().pk]), {"version": 1})
    action = SupportPlan.objects.get().actions.get()
    url = reverse("action-edit", args=[action.pk])
    blank = owner.post(url, {"description": "", "owner": "service", "version": 1})
    assert '<a href="#id_description">Describe the action.</a>' in blank.content.decode()
    due = timezone.localdate() + timedelta(days=30)
    changed = owner.post(
        url,
        {
            "description": "Phone the lunch club on Monday",
            "owner": "person",
            "due_on_day": due.day,
            "due_on_month": due.month,
            "due_on_year": due.year,
            "version": 1,
        },
        follow=True,
    )
    assert "Its earlier version is kept." in changed.content.decode()
    action.refresh_from_db()
    assert (action.description, action.owner, action.due_on) == (
        "Phone the lunch club on Monday",
        "person",
        due,
    )
    assert revisions_of(action)[0].data["description"] == "Phone the lunch club"


def test_an_agreed_conversation_says_when_and_by_whom_and_is_not_called_corrected(
    owner: Client, person: Person
) -> None:
    owner.post(record_url(person), filled())
    conversation = Conversation.objects.get()
    url = reverse("conversation", args=[conversation.pk])
    draft = owner.get(url).content.decode()
    assert "Check your answers before agreeing" in draft and "Agreed</strong>" not in draft
    owner.post(reverse("conversation-agree", args=[conversation.pk]), {"version": 1})
    agreed = owner.get(url).content.decode()
    assert f"Agreed</strong> with {person.given_name} on " in agreed
    assert "corrected before" not in agreed
    assert "The person, Family and community" in agreed


def test_the_agreement_shown_is_the_agreement_not_an_earlier_correction(
    client: Client, personas: Personas, person: Person
) -> None:
    from meaningful.conversations.services import agree_conversation, update_conversation

    client.force_login(personas.owner)
    client.post(record_url(person), filled())
    conversation = Conversation.objects.get()
    update_conversation(
        personas.owner, conversation, {"participants": "Agnes"}, reason="typo in who took part"
    )
    conversation.refresh_from_db()
    agree_conversation(personas.colleague, conversation)
    page = client.get(reverse("conversation", args=[conversation.pk])).content.decode()
    agreed = page[page.index("Agreed</strong>") :][:300]
    assert str(personas.colleague) in agreed and str(personas.owner) not in agreed
    assert "corrected before" in page  # the correction before agreeing was a real one
