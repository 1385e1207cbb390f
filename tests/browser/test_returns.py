"""An organisation administrator builds a return, reads it, releases it and sees it listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.demo.factories import PERSONA_PASSWORD, make_personas
from meaningful.returns.models import ReturnRelease
from tests.browser.conftest import axe_violations
from tests.browser.test_accessibility import shoot, sign_in
from tests.reports.known import build_known_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_builds_reads_and_releases_a_return(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    build_known_organisation(personas)
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="Returns").click()
    expect(page.get_by_role("heading", name="Returns to the national body")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Period", exact=True).fill("next year")
    page.get_by_role("button", name="Build the return").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not a period")
    assert axe_violations(page) == []

    page.get_by_label("Period", exact=True).fill("2026")
    page.get_by_role("button", name="Build the return").click()
    expect(page.get_by_role("heading", name="Audit passed")).to_be_visible()
    expect(page.get_by_role("heading", name="Test Partnership, 2026")).to_be_visible()
    page.get_by_text("Baseline by outcome, level and age band").first.click()
    expect(
        page.get_by_role("table", name="Baseline by outcome, level and age band").first
    ).to_be_visible()
    shoot(page, "returns")
    assert axe_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("button", name="Release and download the final return").click()
    saved = download.value
    assert saved.suggested_filename == "return-test-partnership-2026.json"
    document = json.loads(Path(saved.path()).read_text(encoding="utf-8"))
    assert document["metadata"]["final"] is True
    assert ReturnRelease.objects.get().checksum == document["metadata"]["checksum"]
    page.goto(f"{live_server.url}/returns/")
    expect(
        page.get_by_role("table", name="Final returns recorded in the register")
    ).to_contain_text("2026")
