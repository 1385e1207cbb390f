"""A team leader opens the reports dashboard, filters, drills down and reads the stories."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.accounts.services import grant_role
from meaningful.demo.factories import PERSONA_PASSWORD, make_personas
from meaningful.people.models import Person
from meaningful.people.services import record_consent
from tests.browser.conftest import axe_violations
from tests.browser.test_accessibility import shoot, sign_in
from tests.reports.known import build_known_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_leader_filters_drills_down_and_reads_the_stories(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    build_known_organisation(personas)
    for person in Person.objects.filter(family_name="North"):
        record_consent(personas.owner, person, "share-anonymised-quotes", given_on=date(2026, 1, 5))
    # the owner leads both teams of the service, so may see the service's figures
    grant_role(personas.system, personas.owner, "team-leader", team=personas.team)
    grant_role(personas.system, personas.owner, "team-leader", team=personas.other_team)
    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("Figures for", exact=True).select_option(label="Care at Home (service)")
    page.get_by_label("Period", exact=True).fill("2026")
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("heading", name="Personal outcomes: Care at Home")).to_be_visible()
    national = page.get_by_role("region", name="National outcomes table")
    expect(page.get_by_role("heading", name="By national outcome")).to_be_visible()
    expect(national.get_by_role("row", name="7. Safe from harm")).to_contain_text("7 (58%)")
    assert axe_violations(page) == []
    shoot(page, "reports-service")

    page.get_by_label("Who", exact=True).select_option(label="People using services")
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_text("Filtered by who: people-using-services")).to_be_visible()

    page.get_by_role("navigation", name="Look closer").get_by_role("link", name="North").click()
    expect(page.get_by_role("heading", name="Personal outcomes: North")).to_be_visible()
    anchor = "#stories-talking-points-service-users-seeing-people-same"
    link = page.locator(f'a[href="{anchor}"]')
    expect(link).to_have_text("8 (100%): what people said")
    link.click()
    stories = page.locator(anchor)
    expect(stories).to_be_in_viewport()
    expect(stories.locator("blockquote").first).to_contain_text("[name] said: I want to feel")
    assert axe_violations(page) == []

    page.get_by_label("Period", exact=True).fill("last year")
    page.get_by_role("button", name="Show figures").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("is not a period")
    assert axe_violations(page) == []
