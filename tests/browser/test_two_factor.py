"""Two-factor sign-in in Chromium: setting up from the QR page, then signing in with a code
worked out from the key the page shows; every page checked with axe and under the policy."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from meaningful.accounts.models import TwoFactorDevice
from meaningful.demo.factories import PERSONA_PASSWORD, make_personas, set_up_two_factor
from tests.browser.conftest import axe_violations
from tests.browser.test_accessibility import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wrong_code(totp: pyotp.TOTP) -> str:
    """Six digits that are none of the codes accepted just now."""
    accepted = {totp.at(time.time(), counter_offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222") if code not in accepted)


def set_up_from_the_page(page: Page) -> pyotp.TOTP:
    """Read the key the set-up page shows, as someone typing it into their app would."""
    key = page.locator("#set-up-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)
    return pyotp.TOTP(key.replace(" ", ""))


def test_setting_up_and_signing_in_with_a_code(
    page: Page, live_server: LiveServer, settings: Settings
) -> None:
    settings.REQUIRE_TWO_FACTOR = True
    personas = make_personas()
    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    qr = page.get_by_role("img", name=re.compile("^QR code for setting up two-factor sign-in"))
    expect(qr).to_be_visible()
    shoot(page, "two-factor-set-up")
    assert axe_violations(page) == []

    totp = set_up_from_the_page(page)
    field = page.get_by_label("Code from the app")
    field.fill(wrong_code(totp))
    page.get_by_role("button", name="Confirm").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The code is not right")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_code"
    assert axe_violations(page) == []

    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Save your recovery codes").wait_for()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    shoot(page, "two-factor-recovery-codes")
    assert axe_violations(page) == []
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.get_by_role("heading", name=re.compile("^Hello, ")).wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    page.get_by_role("heading", name="Enter the code from your authenticator app").wait_for()
    shoot(page, "two-factor-code")
    assert axe_violations(page) == []
    code = totp.at(time.time(), counter_offset=1)  # the set-up used up the code of its step
    page.get_by_label("Code", exact=True).fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name=re.compile("^Hello, ")).wait_for()

    page.goto(f"{live_server.url}/two-factor/")
    expect(page.locator("main")).to_contain_text("10 of 10")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Make new recovery codes").click()
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit code")
    assert axe_violations(page) == []


def test_an_administrator_resets_a_lost_phone(page: Page, live_server: LiveServer) -> None:
    personas = make_personas()
    set_up_two_factor(personas.owner)
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="list of staff").click()
    page.get_by_role("link", name=f"reset for {personas.owner.username}").click()
    page.get_by_role("heading", name=re.compile("^Reset two-factor sign-in for")).wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Reset two-factor sign-in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why")
    shoot(page, "two-factor-reset-error")
    assert axe_violations(page) == []
    page.get_by_label("Why are you resetting it?").fill("Phone lost; checked with her manager.")
    page.get_by_role("button", name="Reset two-factor sign-in").click()
    expect(page.locator("body")).to_contain_text("is reset")
    assert not TwoFactorDevice.objects.filter(user=personas.owner).exists()


@pytest.fixture
def page_under_policy(browser: Browser) -> Iterator[Page]:
    """A page that keeps the site's Content Security Policy (the shared one bypasses it for axe)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    opened = context.new_page()
    yield opened
    context.close()


def test_the_qr_code_and_the_code_pages_keep_to_the_content_security_policy(
    page_under_policy: Page, live_server: LiveServer, settings: Settings
) -> None:
    settings.REQUIRE_TWO_FACTOR = True
    page = page_under_policy
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", listen)
    personas = make_personas()
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    qr = page.get_by_role("img", name=re.compile("^QR code"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] > 150 and box["height"] > 150
    totp = set_up_from_the_page(page)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.get_by_role("heading", name=re.compile("^Hello, ")).wait_for()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    page.get_by_role("heading", name="Enter the code from your authenticator app").wait_for()
    page.wait_for_load_state("networkidle")
    assert refused == []
