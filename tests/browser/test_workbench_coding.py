"""The coding workbench in Chromium: select words and code them, accept a suggestion, correct a
refused form from its error summary, compare two coders; every page checked with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.coding.codebook_services import add_theme
from meaningful.coding.models import CodedSegment, Origin
from meaningful.coding.services import apply_codes, set_finished
from meaningful.coding.suggesting import work_through_queue
from meaningful.demo.factories import make_person, make_personas
from tests.browser.conftest import axe_violations
from tests.browser.test_practitioner_flow import sign_in
from tests.coding.workbench_scene import (
    KeywordCoder,
    KeywordCoders,
    consent_to_quotes,
    key_of,
    outcome_code,
    spoken,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECT_WORDS = """([key, words]) => {
  const text = document.querySelector(`[data-narrative="${key}"]`);
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(words);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + words.length);
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    text.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    return true;
  }
  return false;
}"""


def accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def test_code_a_selection_accept_a_suggestion_and_compare_coders(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    conversation = spoken(personas, person)
    consent_to_quotes(personas, person)
    work_through_queue(KeywordCoders(KeywordCoder({"safe": "feeling-safe"})))
    key = key_of(conversation, "seeing-people", "what_matters")

    sign_in(page, live_server, personas.owner.username)
    page.get_by_role("link", name="Coding", exact=True).click()
    expect(page.get_by_role("heading", name="Coding workbench")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name=re.compile("Agnes Millar")).click()
    expect(page.get_by_role("heading", name="Code this conversation")).to_be_visible()
    accessible(page)

    # Selecting words fills in the form: which text, the passage and its offsets.
    assert page.evaluate(SELECT_WORDS, [key, "my sister Jean"])
    expect(page.locator("#selection-status")).to_contain_text("Selected 14 characters")
    expect(page.get_by_label("Passage", exact=True)).to_have_value("my sister Jean")
    expect(page.get_by_label("Which text")).to_have_value(key)
    page.get_by_label("Seeing people", exact=True).check()
    page.get_by_role("button", name="Apply codes").click()
    expect(page.get_by_text("1 code applied.")).to_be_visible()
    expect(page.locator(f'[data-narrative="{key}"] mark')).to_have_text("my sister Jean")
    segment = CodedSegment.objects.get(origin=Origin.HUMAN)
    assert segment.start == conversation.records.get(
        outcome__code="seeing-people"
    ).what_matters.index("my sister Jean")
    accessible(page)

    # A suggestion beside the text, accepted.
    suggestions = page.get_by_role("button", name=re.compile("^Accept Feeling safe"))
    expect(suggestions.first).to_be_visible()
    suggestions.first.click()
    expect(page.get_by_text("Suggestion accepted: Feeling safe.")).to_be_visible()
    assert CodedSegment.objects.filter(origin=Origin.MODEL, accepted=True).count() == 1
    accessible(page)

    # A refused form: the error summary takes focus and links to the field.
    page.get_by_label("Passage", exact=True).fill("words nobody wrote")
    page.get_by_role("button", name="Apply codes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose at least one code to apply.")
    accessible(page)
    summary.get_by_role("link", name="Choose at least one code to apply.").click()
    assert page.evaluate("document.activeElement.id") == "id_codes_0"

    # Two coders compared.
    safe = outcome_code(personas, "feeling-safe")
    apply_codes(personas.colleague, conversation, narrative_key=key, code_ids=[safe.pk])
    set_finished(personas.owner, conversation, finished=True)
    set_finished(personas.colleague, conversation, finished=True)
    page.goto(f"{live_server.url}/coding/agreement/")
    accessible(page)
    page.get_by_label("First coder").select_option(label=str(personas.owner))
    page.get_by_label("Second coder").select_option(label=str(personas.colleague))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_text("Krippendorff's alpha (nominal), all codes")).to_be_visible()
    expect(page.get_by_role("heading", name="Where they disagree")).to_be_visible()
    accessible(page)


def test_the_codebook_pages_and_an_analysts_pseudonymised_view_are_accessible(
    page: Page, live_server: LiveServer
) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    conversation = spoken(personas, person)
    consent_to_quotes(personas, person)
    barriers = add_theme(personas.analyst, name="Barriers", description="What gets in the way")
    add_theme(personas.analyst, name="Transport", parent_id=barriers.pk)
    apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[barriers.pk], quote="goes"
    )
    sign_in(page, live_server, personas.analyst.username)
    page.get_by_role("link", name="Coding", exact=True).click()
    page.get_by_role("link", name="The codebook").click()
    expect(page.get_by_role("heading", name="Codebook")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Barriers", exact=True).click()
    expect(page.locator("blockquote mark")).to_have_text("goes")
    accessible(page)
    page.get_by_role("link", name="Add a theme under it").click()
    page.get_by_role("button", name="Add the theme").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the theme.")
    accessible(page)
    page.goto(f"{live_server.url}/coding/co-occurrence/")
    accessible(page)
    page.goto(f"{live_server.url}/coding/conversations/{conversation.pk}/")
    expect(page.get_by_text("Shown pseudonymised")).to_be_visible()
    assert "Agnes" not in page.inner_text("main")
    accessible(page)
    page.get_by_role("link", name=re.compile("^Open")).first.click()
    expect(page.get_by_role("heading", name="Passage coded Barriers")).to_be_visible()
    accessible(page)


def test_the_selection_script_runs_under_the_content_security_policy_and_is_not_needed(
    browser: Browser, live_server: LiveServer
) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    conversation = spoken(personas, person)
    url = f"{live_server.url}/coding/conversations/{conversation.pk}/"
    kept = browser.new_context()  # keeps the site's policy, unlike the shared page
    page = kept.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content" in message.text else None,
    )
    sign_in(page, live_server, personas.owner.username)
    page.goto(url)
    assert page.evaluate(SELECT_WORDS, ["story", "Morrisons"])
    expect(page.get_by_label("Passage", exact=True)).to_have_value("Morrisons")
    assert refused == []
    kept.close()

    without = browser.new_context(java_script_enabled=False)
    page = without.new_page()
    sign_in(page, live_server, personas.owner.username)
    page.goto(url)
    page.get_by_label("Which text").select_option("story")
    page.get_by_label("Passage", exact=True).fill("with Jean every Tuesday")
    page.get_by_label("Seeing people", exact=True).check()
    page.get_by_role("button", name="Apply codes").click()
    expect(page.locator('[data-narrative="story"] mark')).to_have_text("with Jean every Tuesday")
    without.close()
