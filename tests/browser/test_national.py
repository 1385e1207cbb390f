"""A national analyst uploads returns, reads the problems, then the national report."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.accounts.models import Role
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.demo.factories import PERSONA_PASSWORD, make_personas
from tests.browser.conftest import axe_violations
from tests.browser.test_accessibility import shoot, sign_in
from tests.national.returns import OUTCOMES, make_return, random_ratings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_with_problems_then_the_report_meet_wcag_22_aa(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    personas = make_personas()
    national = create_staff_user(
        personas.system,
        personas.organisation,
        username="nia-national",
        first_name="Nia",
        last_name="National",
        password=PERSONA_PASSWORD,
    )
    grant_role(personas.system, national, Role.NATIONAL_ANALYST)
    codes = [code for code, _ in OUTCOMES]
    files = []
    for code, seed in (("north", 3), ("south", 4), ("east", 5)):
        path = tmp_path / f"{code}.json"
        path.write_text(json.dumps(make_return(code, random_ratings(seed, 100, codes))))
        files.append(str(path))
    broken = copy.deepcopy(json.loads(Path(files[0]).read_text()))
    broken["tables"][3]["cells"][12]["count"] = -1
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "north.json").write_text(json.dumps(broken))

    sign_in(page, live_server, national.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="National returns").click()
    expect(page.get_by_role("heading", name="National returns")).to_be_visible()
    assert axe_violations(page) == []

    upload = page.get_by_label("Returns (.json)")
    upload.set_input_files([str(tmp_path / "broken" / "north.json"), *files[1:]])
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "north.json: tables[3].cells[12].count: -1 is less than the minimum of 0"
    )
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_returns"
    shoot(page, "national-upload-error")
    assert axe_violations(page) == []

    page.get_by_label("Returns (.json)").set_input_files(files[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text("Stored 1 return: North Partnership.")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="National report for 2026").click()
    expect(
        page.get_by_role("heading", name="Personal outcomes across 3 organisations, 2026")
    ).to_be_visible()
    page.locator("details").first.locator("summary").click()
    shoot(page, "national-report")
    assert axe_violations(page) == []
