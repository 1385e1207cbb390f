from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.demo.factories import PERSONA_PASSWORD, make_person, make_personas
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_the_sign_in_page_meets_wcag_22_aa_and_loads_its_styles(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    # The GOV.UK Frontend stylesheet and script are served locally and took effect.
    assert (
        page.eval_on_selector(".govuk-button", "e => getComputedStyle(e).backgroundColor")
        == "rgb(15, 122, 82)"
    )  # GOV.UK Frontend 6 button green
    assert page.eval_on_selector("body", "e => e.classList.contains('govuk-frontend-supported')")
    shoot(page, "sign-in")
    assert axe_violations(page) == []


def test_a_failed_sign_in_moves_focus_to_an_accessible_error_summary(
    page: Page, live_server: LiveServer
) -> None:
    make_personas()
    sign_in(page, live_server, "nobody", "wrong-password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    # GOV.UK Frontend's script (a module, run after parsing) moves focus to the summary.
    page.wait_for_function(
        "document.activeElement.classList.contains('govuk-error-summary')", timeout=5000
    )
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_username"
    shoot(page, "sign-in-error")
    assert axe_violations(page) == []


def test_the_home_page_meets_wcag_22_aa(page: Page, live_server: LiveServer) -> None:
    personas = make_personas()
    make_person(personas.owner, personas.team)
    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    page.get_by_role("heading", name="Caseload").wait_for()
    assert "1\nperson on your teams' caseload." in page.inner_text("main")
    shoot(page, "home")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()


def test_the_pages_work_without_javascript(browser: object, live_server: LiveServer) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    personas = make_personas()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    page.get_by_role("heading", name=re.compile("^Hello, ")).wait_for()
    context.close()


def test_the_admin_pages_an_organisation_admin_uses_meet_wcag_22_aa(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    page.goto(f"{live_server.url}/admin/login/")  # the admin's sign-in is the service's own
    page.get_by_label("Username").fill(personas.admin.username)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{live_server.url}/admin/"
    for path in [
        "/admin/",
        "/admin/accounts/team/",
        f"/admin/accounts/team/{personas.team.pk}/change/",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page) == [], path


def test_the_import_page_and_its_report_meet_wcag_22_aa(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="Import outcome records from a spreadsheet").click()
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose a .csv or .xlsx file to upload.")
    expect(summary).to_contain_text("Choose the outcomes framework the records were made with.")
    assert axe_violations(page) == []
    summary.get_by_role("link", name="Choose the outcomes framework").click()
    expect(page.get_by_label("Talking Points: people living in care homes (v1)")).to_be_focused()
    messy = Path(__file__).resolve().parents[1] / "interop" / "data" / "messy.csv"
    page.get_by_label("Spreadsheet (.csv or .xlsx)").set_input_files(str(messy))
    page.get_by_label("Talking Points: people who use services (v1)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check").click()
    report = page.get_by_role("heading", name="Check of messy.csv: nothing was saved")
    expect(report).to_be_in_viewport()  # the page opens at the report, not at the form
    expect(page.get_by_role("row", name="12 outcome Living where you want")).to_be_visible()
    shoot(page, "import-report")
    assert axe_violations(page) == []


def test_the_subject_access_page_and_its_errors_meet_wcag_22_aa(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    page.goto(f"{live_server.url}/subject-access/")
    assert axe_violations(page) == []
    page.get_by_label("The person's number").fill("12")
    page.get_by_role("button", name="Download the pack").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("CHI")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/break-glass/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Open the record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why")
    assert axe_violations(page) == []


def test_the_audit_trail_page_meets_wcag_22_aa(page: Page, live_server: LiveServer) -> None:
    from meaningful.accounts.services import create_staff_user, grant_role

    personas = make_personas()
    make_person(personas.owner, personas.team)
    reader = create_staff_user(
        personas.system,
        personas.organisation,
        username="audit-reader",
        first_name="Ada",
        last_name="Reader",
        password=PERSONA_PASSWORD,
    )
    grant_role(personas.system, reader, "auditor", organisation=personas.organisation)
    sign_in(page, live_server, reader.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="Read the audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    assert "person.create" in page.inner_text("main")
    assert axe_violations(page) == []
    page.get_by_label("From").fill("last week")
    page.get_by_role("button", name="Show events").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 'from' date like")
    assert axe_violations(page) == []
    page.get_by_label("From").fill("")
    page.get_by_label("Whose record").fill("0000000000")
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_role("status")).to_contain_text("No events match these filters")
    assert axe_violations(page) == []


def test_the_api_tokens_page_and_a_revocation_meet_wcag_22_aa(
    page: Page, live_server: LiveServer
) -> None:
    from meaningful.api.tokens import issue_token

    personas = make_personas()
    issue_token(personas.system, personas.owner, "case system sync")
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke the token for case system sync").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The token 'case system sync' of"
    )
    expect(page.get_by_role("row", name="case system sync")).to_contain_text("Revoked")
    shoot(page, "api-tokens")
    assert axe_violations(page) == []


def test_the_refusal_pages_meet_wcag_22_aa_and_lead_somewhere(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    response = page.goto(f"{live_server.url}/audit/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You cannot use this page")).to_be_visible()
    assert axe_violations(page) == []
    response = page.goto(f"{live_server.url}/people/00000000-0000-0000-0000-000000000000/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Go to the caseload").click()
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()


def test_adding_a_member_of_staff_who_chooses_a_password_meets_wcag_22_aa(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="Add a member of staff").click()
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Add them and make their sign-in link").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter their first name.")
    assert axe_violations(page) == []
    page.get_by_label("First name").fill("Isla")
    page.get_by_label("Last name").fill("Reid")
    page.get_by_label("Username").fill("isla.reid")
    page.get_by_label("Practitioner", exact=True).check()
    page.get_by_label("Team", exact=True).select_option(
        label=f"{personas.team.service.name} / North"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Add them and make their sign-in link").click()
    expect(page.get_by_role("heading", name="Isla Reid is added")).to_be_visible()
    assert axe_violations(page) == []
    link = page.get_by_label("The link").input_value()
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("New password").fill("three quiet lighthouses")
    page.get_by_label("The same password again").fill("three quiet lighthouses")
    with page.expect_navigation():
        page.get_by_role("button", name="Set my password").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password is set.")
    page.goto(link)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert axe_violations(page) == []
