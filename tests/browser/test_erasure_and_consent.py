"""In Chromium, checked with axe: a practitioner records consent; administrators raise and decide
an erasure request."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.accounts.models import Role
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.demo.factories import PERSONA_PASSWORD, make_person, make_personas
from meaningful.people.models import Consent, ErasureRequest
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def fill_date(page: Page, prefix: str) -> None:
    today = timezone.localdate()
    page.locator(f"#id_{prefix}_day").fill(str(today.day))
    page.locator(f"#id_{prefix}_month").fill(str(today.month))
    page.locator(f"#id_{prefix}_year").fill(str(today.year))


def test_a_practitioner_records_and_withdraws_consent(page: Page, live_server: LiveServer) -> None:
    personas = make_personas()
    agnes = make_person(personas.owner, personas.team)
    sign_in(page, live_server, personas.owner.username)
    page.goto(f"{live_server.url}/people/{agnes.pk}/")
    page.get_by_role("link", name="Record consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record consent")
    accessible(page)
    page.get_by_label("Share with a named agency").check()
    page.get_by_role("button", name="Record consent").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Name the agency the person agrees to share with.")
    expect(summary).to_contain_text("Enter the date the person agreed.")
    accessible(page)
    summary.get_by_role("link", name="Name the agency the person agrees to share with.").click()
    assert page.evaluate("document.activeElement.id") == "id_agency"
    page.get_by_label("The agency's name").fill("Dundee Carers Centre")
    fill_date(page, "given_on")
    page.get_by_label("In writing (a signed form, letter or email)").check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Consent to share with Dundee Carers Centre is recorded."
    )
    expect(page.locator("#consent + .app-table-wrapper")).to_contain_text("In force")
    accessible(page)
    page.get_by_role(
        "link", name=re.compile("Withdraw consent to share with a named agency")
    ).click()
    accessible(page)
    fill_date(page, "withdrawn_on")
    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.locator("#consent + .app-table-wrapper")).to_contain_text("Withdrawn")
    accessible(page)
    consent = Consent.objects.get()
    assert consent.withdrawn_on == timezone.localdate()


def test_administrators_raise_and_decide_an_erasure_request(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    make_person(personas.owner, personas.team, identifiers=[("chi", "1403411239")])
    second = create_staff_user(
        personas.system,
        personas.organisation,
        username="second-admin",
        first_name="Second",
        last_name="Admin",
        password=PERSONA_PASSWORD,
    )
    grant_role(personas.system, second, Role.ORG_ADMIN, organisation=personas.organisation)
    sign_in(page, live_server, personas.admin.username)
    page.goto(f"{live_server.url}/erasure/")
    accessible(page)
    page.get_by_role("button", name="Raise an erasure request").click()
    page.get_by_role("button", name="Raise the request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what the person asked for.")
    accessible(page)
    page.get_by_label("The person's number").fill("140 341 1239")
    fill_date(page, "asked_on")
    page.get_by_label("What the person asked for").fill("Erase everything held; asked by letter.")
    page.get_by_role("button", name="Raise the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Erasure request"))
    expect(page.locator("main")).to_contain_text("another administrator of your organisation")
    accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, second.username)
    page.goto(f"{live_server.url}/erasure/")
    expect(page.locator("main")).to_contain_text("Still supported")
    accessible(page)
    page.get_by_role("link", name=re.compile("Request")).first.click()
    page.get_by_label("Approve: anonymise the record now").check()
    page.get_by_label("Why").fill("Asked in writing; checked the identity.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("still supported")
    accessible(page)
    page.get_by_label("Refuse the request").check()
    page.get_by_label("Why").fill("Still receiving support; the record must be kept.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is refused")
    accessible(page)
    assert ErasureRequest.objects.get().status == "refused"
