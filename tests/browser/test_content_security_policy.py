"""The pages keep to the Content Security Policy: the browser reports no blocked script or style."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from meaningful.conversations.services import agree_conversation
from meaningful.demo.factories import (
    PERSONA_PASSWORD,
    make_conversation,
    make_person,
    make_personas,
)
from tests.browser.test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page that keeps the site's Content Security Policy (the shared one bypasses it for axe)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    opened = context.new_page()
    yield opened
    context.close()


def test_no_page_is_refused_anything_by_the_policy(page: Page, live_server: LiveServer) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    agree_conversation(personas.owner, make_conversation(personas.owner, person))
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        # The header errors too: a feature the browser does not know is reported on every page.
        if any(
            words in message.text
            for words in (
                "Content Security Policy",
                "Content-Security-Policy",
                "Permissions-Policy",
            )
        ):
            refused.append(f"{page.url}: {message.text}")

    page.on("console", listen)
    page.goto(f"{live_server.url}/sign-in/")
    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    for path in (
        "/",
        "/people/",
        f"/people/{person.pk}/",
        f"/people/{person.pk}/plan/",
        f"/people/{person.pk}/my-plan/",
        f"/people/{person.pk}/conversations/new/",
        f"/people/{person.pk}/conversations/record/"
        "?kind=review&framework=talking-points-service-users&outcomes=feeling-safe",
        "/reports/?period=2026",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, personas.admin.username, PERSONA_PASSWORD)
    for path in ("/imports/", "/admin/", "/admin/accounts/user/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert refused == []


def test_the_policy_would_refuse_an_inline_script(page: Page, live_server: LiveServer) -> None:
    """The check above can fail: an inline script added to a page is refused and reported."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{live_server.url}/sign-in/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.ran === undefined")
    assert any("Content Security Policy" in text for text in messages)
