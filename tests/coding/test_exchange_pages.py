"""The codebook's exchange pages: downloads from the codebook page, and the upload page."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from meaningful.coding.codebook_services import add_theme
from meaningful.coding.models import Code
from meaningful.demo.factories import Personas

pytestmark = pytest.mark.django_db
CODEBOOK = (
    b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    b'<Code guid="0f8fad5b-d9cb-469f-a165-70867728950e" name="Loneliness" isCodable="true">'
    b"<Description>Feeling alone</Description></Code></Codes></CodeBook>"
)


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_codebook_page_offers_both_downloads_and_they_are_files(personas: Personas) -> None:
    add_theme(personas.analyst, name="Barriers")
    client = signed_in(personas.owner)
    page = client.get(reverse("coding-codebook")).content.decode()
    assert reverse("coding-export", args=["qdc"]) in page
    assert reverse("coding-export", args=["qdpx"]) in page
    assert reverse("coding-import") not in page  # practitioners do not change the codebook
    qdc = client.get(reverse("coding-export", args=["qdc"]))
    assert qdc["Content-Disposition"].endswith('-codebook.qdc"')
    assert b'name="Barriers"' in qdc.content
    qdpx = client.get(reverse("coding-export", args=["qdpx"]))
    assert qdpx["Content-Type"] == "application/zip"
    assert "project.qde" in zipfile.ZipFile(io.BytesIO(qdpx.content)).namelist()
    assert client.get(reverse("coding-export", args=["pdf"])).status_code == 404


def test_an_analyst_checks_then_imports_a_codebook(personas: Personas) -> None:
    client = signed_in(personas.analyst)
    assert reverse("coding-import") in client.get(reverse("coding-codebook")).content.decode()
    checked = client.post(
        reverse("coding-import"),
        {"file": SimpleUploadedFile("book.qdc", CODEBOOK), "dry_run": "on"},
    )
    assert (
        checked.status_code == 200 and "Check only: nothing was changed" in checked.content.decode()
    )
    assert "Loneliness" in checked.content.decode()
    assert not Code.objects.filter(name="Loneliness").exists()
    done = client.post(reverse("coding-import"), {"file": SimpleUploadedFile("book.qdc", CODEBOOK)})
    assert done.status_code == 200 and "Added 1 themes" in done.content.decode()
    assert Code.objects.get(name="Loneliness").description == "Feeling alone"


def test_a_bad_upload_shows_what_to_do_and_a_practitioner_may_not_upload(
    personas: Personas,
) -> None:
    client = signed_in(personas.admin)
    refused = client.post(
        reverse("coding-import"), {"file": SimpleUploadedFile("book.qdc", b"Name\nBarriers\n")}
    )
    text = refused.content.decode()
    assert refused.status_code == 400 and 'class="govuk-error-summary"' in text
    assert "not well-formed XML" in text and "Export the codebook" in text
    empty = client.post(reverse("coding-import"), {})
    assert empty.status_code == 400 and "Choose a .qdc or .qdpx file" in empty.content.decode()
    practitioner = signed_in(personas.owner)
    assert practitioner.get(reverse("coding-import")).status_code == 403
    upload = {"file": SimpleUploadedFile("book.qdc", CODEBOOK)}
    assert practitioner.post(reverse("coding-import"), upload).status_code == 403
    assert not Code.objects.filter(name="Loneliness").exists()
