"""Themes across narratives in Chromium: ask from the workbench, open a theme; axe on each page."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from meaningful.demo.factories import PERSONA_PASSWORD, make_person, make_personas
from meaningful.people.services import record_consent
from tests.browser.conftest import axe_violations
from tests.browser.test_accessibility import shoot, sign_in
from tests.search.conftest import say_and_agree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUSES = [
    "The bus into town stopped running at weekends.",
    "There is no bus that gets to the day centre in time.",
    "The bus timetable changed and now there is no way to get to town.",
]


def test_a_team_leader_opens_a_theme_and_every_page_meets_wcag_22_aa(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    personas.organisation.disclosure_threshold = 3
    personas.organisation.save()
    for i, text in enumerate(BUSES):
        person = make_person(personas.owner, personas.team, given_name=f"Person{i}")
        say_and_agree(personas, person, not_working=text)
        record_consent(
            personas.owner, person, "share-anonymised-quotes", given_on=timezone.localdate()
        )
    sign_in(page, live_server, personas.colleague.username, PERSONA_PASSWORD)
    page.goto(f"{live_server.url}/coding/")
    page.get_by_role("link", name="Themes across narratives").click()
    page.get_by_role("heading", name="Themes across narratives").wait_for()
    assert axe_violations(page) == []

    page.get_by_label("Period").fill("nonsense")
    page.get_by_role("button", name="Find themes").click()
    page.locator(".govuk-error-summary").wait_for()
    assert axe_violations(page) == []

    page.get_by_label("Period").fill("")
    page.get_by_role("button", name="Find themes").click()
    page.get_by_role("heading", name="1 theme: what is not working, North").wait_for()
    page.locator("a[href='#theme-1']").click()
    page.wait_for_function("location.hash === '#theme-1'")
    theme = page.locator("#theme-1")
    assert "3" in theme.locator(".govuk-summary-list__value").first.inner_text()
    assert theme.locator("blockquote").count() == 3
    shoot(page, "themes")
    assert axe_violations(page) == []
