"""In Chromium, checked with axe: two people correct the same record; the second sees both
versions side by side and keeps what they typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.conversations.models import OutcomeRecord
from meaningful.demo.factories import (
    PERSONA_PASSWORD,
    make_conversation,
    make_person,
    make_personas,
)
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def signed_in(browser: Browser, live_server: LiveServer, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


def test_the_second_save_shows_both_versions_and_keeps_what_was_typed(
    browser: Browser, live_server: LiveServer
) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    conversation = make_conversation(personas.owner, person)
    record = conversation.records.get(outcome__code="seeing-people")
    url = f"{live_server.url}/conversations/{conversation.pk}/records/{record.pk}/edit/"
    owner = signed_in(browser, live_server, personas.owner.username)
    colleague = signed_in(browser, live_server, personas.colleague.username)
    owner.goto(url)
    colleague.goto(url)

    owner.get_by_label("What matters, in their own words").fill("To see my pals at the club")
    owner.get_by_label("Why are you changing it?").fill("her own words")
    with owner.expect_navigation():
        owner.get_by_role("button", name="Save the change").click()
    colleague.get_by_label("What matters, in their own words").fill("To go to the bowling")
    colleague.get_by_label("Why are you changing it?").fill("after the phone call")
    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Save the change").click()

    summary = colleague.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Owner Tester saved a change to this record at")
    colleague.wait_for_function(
        "document.activeElement.classList.contains('govuk-error-summary')", timeout=5000
    )
    expect(colleague.get_by_role("heading", name="Your change was not saved")).to_be_visible()
    table = colleague.get_by_role("table", name="Where the saved version and yours differ")
    row = table.get_by_role("row", name="What matters, in their own words")
    expect(row).to_contain_text("To see my pals at the club")
    expect(row).to_contain_text("To go to the bowling")
    expect(colleague.get_by_label("What matters, in their own words")).to_have_value(
        "To go to the bowling"
    )
    expect(colleague.get_by_label("Why are you changing it?")).to_have_value("after the phone call")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    colleague.screenshot(path=str(SCREENSHOTS / "edit-conflict.png"), full_page=True)
    violations = axe_violations(colleague)
    assert violations == [], violations
    assert OutcomeRecord.objects.get(pk=record.pk).what_matters == "To see my pals at the club"

    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Save the change").click()
    assert OutcomeRecord.objects.get(pk=record.pk).what_matters == "To go to the bowling"
    owner.context.close()
    colleague.context.close()
