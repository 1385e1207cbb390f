"""REFI-QDA exchange in Chromium: download both files from the codebook page, check a codebook
from another tool, import it, and correct a refused upload from its error summary; every page
checked with axe."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from meaningful.coding.models import Code
from meaningful.coding.services import apply_codes
from meaningful.demo.factories import make_person, make_personas
from tests.browser.conftest import axe_violations
from tests.browser.test_practitioner_flow import sign_in
from tests.coding.workbench_scene import consent_to_quotes, outcome_code, spoken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODEBOOK = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    '<Code guid="0f8fad5b-d9cb-469f-a165-70867728950e" name="Barriers" isCodable="true">'
    "<Description>What gets in the way</Description>"
    '<Code guid="7c9e6679-7425-40de-944b-e07fc1f90ae7" name="Transport" isCodable="true"/>'
    "</Code></Codes></CodeBook>"
)


def accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], violations


def test_download_both_files_then_check_and_import_a_codebook(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    personas = make_personas()
    person = make_person(personas.owner, personas.team)
    conversation = spoken(personas, person)
    consent_to_quotes(personas, person)
    safe = outcome_code(personas, "feeling-safe")
    apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[safe.pk], quote="goes"
    )
    sign_in(page, live_server, personas.analyst.username)
    page.goto(f"{live_server.url}/coding/codebook/")
    accessible(page)

    # Both downloads arrive as files of the right kind.
    with page.expect_download() as codebook:
        page.get_by_role("button", name="Download the codebook (.qdc)").click()
    assert codebook.value.suggested_filename.endswith("-codebook.qdc")
    assert "urn:QDA-XML:codebook:1.0" in Path(codebook.value.path()).read_text(encoding="utf-8")
    with page.expect_download() as project:
        page.get_by_role("button", name="Download the coded narratives (.qdpx)").click()
    with zipfile.ZipFile(io.BytesIO(Path(project.value.path()).read_bytes())) as archive:
        assert "project.qde" in archive.namelist()
        assert "Agnes" not in archive.read("project.qde").decode("utf-8")

    # A file that is not a codebook is refused; the summary leads to the file field.
    page.get_by_role("button", name="Import a codebook").click()
    expect(page.get_by_role("heading", name="Import a codebook")).to_be_visible()
    accessible(page)
    wrong = tmp_path / "notes.qdc"
    wrong.write_text("Name,Description\nBarriers,What gets in the way\n", encoding="utf-8")
    page.get_by_label("Codebook file (.qdc or .qdpx)").set_input_files(str(wrong))
    page.get_by_role("button", name="Upload").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(page).to_have_title("Error: Import a codebook - Meaningful")
    accessible(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_file"

    # Checked first (nothing changes), then imported.
    book = tmp_path / "book.qdc"
    book.write_text(CODEBOOK, encoding="utf-8")
    page.get_by_label("Codebook file (.qdc or .qdpx)").set_input_files(str(book))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Check only: nothing was changed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Transport")
    assert not Code.objects.filter(name="Transport").exists()
    accessible(page)
    page.get_by_label("Codebook file (.qdc or .qdpx)").set_input_files(str(book))
    page.get_by_label("Check only: change nothing").uncheck()
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Added 2 themes to the codebook.")).to_be_visible()
    accessible(page)
    transport = Code.objects.get(name="Transport")
    assert transport.parent is not None and transport.parent.name == "Barriers"
