"""The search page in a real browser: WCAG 2.2 AA by axe, empty, with results and with errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from meaningful.demo.factories import PERSONA_PASSWORD, make_person, make_personas
from meaningful.people.services import record_consent
from tests.browser.conftest import axe_violations
from tests.browser.test_accessibility import shoot, sign_in
from tests.search.conftest import say

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_search_page_meets_wcag_22_aa_empty_with_results_and_with_errors(
    page: Page,
    live_server: LiveServer,
) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    say(
        personas,
        person,
        what_matters="Getting to the lunch club <script>document.title='x'</script>",
        working="My neighbour walks with me to the bus",
        story="We talked about walking again after her fall.",
    )
    sign_in(page, live_server, personas.owner.username, PERSONA_PASSWORD)
    page.get_by_role("link", name="Search").click()
    page.get_by_role("heading", name="Search narratives").wait_for()
    assert axe_violations(page) == []

    page.get_by_label("Words to look for").fill("walk OR lunch")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="2 narratives found").wait_for()
    marks = page.locator("main mark").all_inner_texts()
    assert {"walking", "lunch"} <= set(marks)  # the best field of each narrative
    assert page.title().startswith("Search narratives")  # the stored script never ran
    shoot(page, "search-results")
    assert axe_violations(page) == []

    page.get_by_label("Words to look for").fill("-walk")
    page.get_by_role("button", name="Search").click()
    page.locator(".govuk-error-summary").wait_for()
    page.wait_for_function(
        "document.activeElement.classList.contains('govuk-error-summary')", timeout=5000
    )
    assert axe_violations(page) == []


def test_an_analyst_sees_the_pseudonymised_page_accessibly(
    page: Page,
    live_server: LiveServer,
) -> None:
    from django.utils import timezone

    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    record_consent(personas.owner, person, "share-anonymised-quotes", given_on=timezone.localdate())
    say(personas, person, what_matters="Seeing my sister Jean in Arbroath every week")
    sign_in(page, live_server, personas.analyst.username, PERSONA_PASSWORD)
    page.goto(f"{live_server.url}/search/?q=sister")
    page.get_by_role("heading", name="1 narrative found").wait_for()
    text = page.inner_text("main")
    assert "Jean" not in text and "Arbroath" not in text and "Agnes" not in text
    assert axe_violations(page) == []
