"""The practitioner's day, end to end in Chromium: find, record, agree, review, plan, print."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.conversations.models import Conversation
from meaningful.demo.factories import PERSONA_PASSWORD, make_person, make_personas
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUTCOMES = {
    "Seeing people": "seeing-people",
    "Feeling safe": "feeling-safe",
    "Improved mobility": "improved-mobility",
}


def accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def fill_outcome(page: Page, code: str, *, words: str, level: str) -> None:
    page.locator(f"#id_{code}-what_matters").fill(words)
    page.locator(f"#id_{code}-why_it_matters").fill("Because it keeps me feeling like myself")
    page.locator(f"#id_{code}-working").fill("My daughter Jean phones every night")
    page.locator(f"[name='{code}-contributions'][value='person']").check()
    page.locator(f"#id_{code}-worker_level").select_option(level)
    page.locator(f"#id_{code}-person_level").select_option(level)
    page.locator(f"#id_{code}-agreed_level").select_option(level)


def test_record_agree_review_and_print_my_plan(page: Page, live_server: LiveServer) -> None:
    personas = make_personas()
    make_person(personas.owner, personas.team, given_name="Agnes", family_name="Millar")
    make_person(personas.owner, personas.team, given_name="Hamish", family_name="Bell")
    sign_in(page, live_server, personas.owner.username)

    page.get_by_role("link", name="Caseload", exact=True).click()
    accessible(page)
    page.get_by_label("Name, CHI or NHS number, local id or date of birth").fill("millar")
    page.get_by_role("button", name="Find people").click()
    expect(page.get_by_role("status")).to_contain_text("1 person found")
    page.get_by_role("link", name="Millar, Agnes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agnes Millar")
    accessible(page)

    # Baseline with three outcomes.
    page.get_by_role("button", name="Record a conversation").click()
    expect(page.get_by_label("Baseline (first conversation)")).to_be_checked()
    accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # nothing chosen: an error
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    accessible(page)
    for name in OUTCOMES:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline (first conversation)")
    accessible(page)

    page.locator("#id_held_on_day").fill("")
    page.get_by_role("button", name="Save as draft and check").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Date of the conversation must include a day."
    )
    accessible(page)
    today = timezone.localdate()
    page.locator("#id_held_on_day").fill(str(today.day))
    fill_outcome(
        page, "seeing-people", words="I want to get back to the lunch club", level="not-met"
    )
    fill_outcome(
        page, "feeling-safe", words="I want to feel safe on the stairs", level="partly-met"
    )
    fill_outcome(
        page, "improved-mobility", words="Care plan followed, no concerns", level="partly-met"
    )
    page.locator("#id_action-1-description").fill("Phone the lunch club about Tuesdays")
    page.locator("#id_action-1-outcome").select_option("seeing-people")
    page.locator("#id_action-1-owner").select_option("family-community")
    page.locator("#id_action-1-owner_name").fill("Jean (daughter)")
    review = today + timedelta(days=90)
    page.locator("#id_next_review_due_day").fill(str(review.day))
    page.locator("#id_next_review_due_month").fill(str(review.month))
    page.locator("#id_next_review_due_year").fill(str(review.year))
    # Live prompts point out service-led wording while writing (without blocking).
    expect(page.locator("[data-prompts-for='improved-mobility']")).to_contain_text(
        "not what matters", timeout=5000
    )
    page.get_by_role("button", name="Save as draft and check").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before agreeing")
    expect(page.locator(".app-prompt-list").first).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Agree and finish").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Conversation agreed")
    accessible(page)

    # A review: starts from last time, shows the earlier words, and records a change.
    page.get_by_role("link", name=re.compile("Back to Agnes Millar")).click()
    page.get_by_role("button", name="Record a conversation").click()
    expect(page.get_by_label("Review", exact=True)).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    for name in OUTCOMES:
        expect(page.get_by_label(name, exact=True)).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-outcome='seeing-people'] .app-earlier")).to_contain_text(
        "I want to get back to the lunch club"
    )
    expect(page.locator("#id_seeing-people-what_matters")).to_have_value(
        "I want to get back to the lunch club"
    )
    accessible(page)
    for code, level in (
        ("seeing-people", "met"),
        ("feeling-safe", "partly-met"),
        ("improved-mobility", "not-met"),
    ):
        page.locator(f"#id_{code}-agreed_level").select_option(level)
    page.get_by_role("button", name="Save as draft and check").click()
    page.get_by_role("button", name="Agree and finish").click()
    page.get_by_role("link", name=re.compile("Back to Agnes Millar")).click()

    journey = page.locator(
        "section.app-journey", has=page.get_by_role("heading", name=re.compile("Seeing people"))
    )
    expect(journey).to_contain_text("Better than at first")
    expect(journey.locator("svg[role=img]")).to_be_visible()
    expect(journey.locator("table")).to_contain_text("Met")
    accessible(page)
    assert Conversation.objects.filter(status="agreed").count() == 2

    # The support plan: mark an action done.
    page.get_by_role("link", name="Support plan").click()
    accessible(page)
    page.get_by_label(re.compile("Status of .Phone the lunch club about Tuesdays")).select_option(
        "done"
    )
    page.get_by_role(
        "button", name=re.compile("Update .Phone the lunch club about Tuesdays")
    ).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is now done")
    accessible(page)

    # Correct a record: the earlier words are kept and shown.
    page.get_by_role("link", name="Agnes Millar").click()
    page.locator("table").filter(has_text="Review").get_by_role("link").first.click()
    page.get_by_role("link", name="Change Seeing people").click()
    page.get_by_label("What matters, in their own words").fill(
        "I want to see my friends at the lunch club"
    )
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Say why you are changing this record."
    )
    accessible(page)
    page.get_by_label("Why are you changing it?").fill("Agnes asked for her own words")
    page.get_by_role("button", name="Save the change").click()
    page.get_by_role("link", name="See what it said before for Seeing people").click()
    expect(page.locator("#history ~ .govuk-inset-text").first).to_contain_text(
        "Agnes asked for her own words"
    )
    accessible(page)
    page.get_by_role("link", name="Back to the conversation").click()
    page.get_by_role("link", name="Agnes Millar").click()

    # My plan: readable on screen, prints without the navigation, downloads as PDF.
    page.get_by_role("link", name=re.compile("My plan")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My plan")
    expect(page.locator("main")).to_contain_text("I want to see my friends at the lunch club")
    expect(page.locator("main")).to_contain_text(
        "Phone the lunch club about Tuesdays"
    )  # carried forward
    accessible(page)
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.get_by_role("link", name="Download as PDF")).to_be_hidden()
    printed = page.pdf()
    assert printed.startswith(b"%PDF")
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename == "my-plan-agnes-millar.pdf"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_recording_form_can_be_completed_with_the_keyboard_alone(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    sign_in(page, live_server, personas.owner.username)
    page.goto(
        f"{live_server.url}/people/{person.pk}/conversations/record/"
        "?kind=baseline&framework=talking-points-service-users&outcomes=seeing-people"
    )
    answers = {
        "seeing-people-what_matters": "I want to see my sister every week",
        "seeing-people-why_it_matters": "She is all the family I have left",
        "seeing-people-working": "The community bus stops at my door",
        "participants": "Agnes",
    }
    selects = {
        "seeing-people-worker_level": "p",
        "seeing-people-person_level": "n",
        "seeing-people-agreed_level": "p",
    }
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => ({name: document.activeElement.name || '', type: document.activeElement.type || '',"
            " value: document.activeElement.value || '', text: document.activeElement.textContent || ''})"
        )
        name = focused["name"]
        if name in answers:
            page.keyboard.type(answers.pop(name))
        elif name in selects:
            page.keyboard.type(selects.pop(name))  # type-ahead picks the level
        elif name == "seeing-people-contributions" and focused["value"] == "person":
            page.keyboard.press("Space")
        elif focused["type"] == "submit" and "Save as draft" in focused["text"]:
            assert not answers and not selects, (answers, selects)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            break
    else:
        pytest.fail("Tabbing never reached the Save button")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before agreeing")
    record = Conversation.objects.get().records.get()
    assert record.what_matters == "I want to see my sister every week"
    assert record.contributions == ["person"]
    assert (record.worker_level.code, record.person_level.code, record.agreed_level.code) == (  # type: ignore[union-attr]
        "partly-met",
        "not-met",
        "partly-met",
    )


def test_the_session_warning_offers_to_stay_signed_in(
    page: Page, live_server: LiveServer, settings: object
) -> None:
    settings.SESSION_COOKIE_AGE = 123  # type: ignore[attr-defined]  # the warning shows 2 minutes before: after 3 s
    personas = make_personas()
    sign_in(page, live_server, personas.owner.username)
    warning = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(warning).to_be_visible(timeout=10_000)
    accessible(page)
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()


def test_pages_fit_a_phone_screen(page: Page, live_server: LiveServer) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    from meaningful.demo.factories import make_conversation

    make_conversation(personas.owner, person)
    sign_in(page, live_server, personas.owner.username)
    page.set_viewport_size({"width": 375, "height": 740})
    for path in [
        "/people/",
        f"/people/{person.pk}/",
        f"/people/{person.pk}/conversations/record/?kind=review&framework=talking-points-service-users&outcomes=seeing-people",
        f"/people/{person.pk}/my-plan/",
    ]:
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone screen"


def test_recording_works_without_javascript(browser: object, live_server: LiveServer) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    personas = make_personas()
    make_person(personas.owner, personas.team, given_name="Agnes", family_name="Millar")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, personas.owner.username)
    page.goto(f"{live_server.url}/people/?q=millar")
    page.get_by_role("link", name="Millar, Agnes").click()
    page.get_by_role("button", name="Record a conversation").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Seeing people", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    fill_outcome(
        page, "seeing-people", words="I want to get back to the lunch club", level="not-met"
    )
    page.get_by_role("button", name="Save as draft and check").click()
    page.get_by_role("button", name="Agree and finish").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Conversation agreed")
    assert Conversation.objects.get().status == "agreed"
    context.close()
