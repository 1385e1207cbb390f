from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.people.models import Person

MESSY = Path(__file__).parent / "data" / "messy.csv"


def upload(
    client: Client, *, dry_run: bool, name: str = "messy.csv", data: bytes | None = None
) -> str:
    form = {
        "file": SimpleUploadedFile(name, data if data is not None else MESSY.read_bytes()),
        "framework": "talking-points-service-users",
        "scale": "",
    }
    if dry_run:
        form["dry_run"] = "on"
    return client.post(reverse("import-upload"), form).content.decode()


def test_an_admin_checks_then_imports_and_sees_the_report(
    client: Client, personas: Personas
) -> None:
    client.login(username=personas.admin.username, password=PERSONA_PASSWORD)
    checked = upload(client, dry_run=True)
    assert "nothing was saved" in checked
    assert "exact duplicate of row 9" in checked
    assert not Person.objects.filter(family_name="Millar").exists()
    imported = upload(client, dry_run=False)
    assert "Imported messy.csv" in imported
    agnes = Person.objects.get(family_name="Millar")
    # The import grant ends with the import: the administrator still cannot open the record.
    assert client.get(reverse("person", args=[agnes.pk])).status_code == 404


@pytest.mark.parametrize("who", ["owner", "analyst", "outsider"])
def test_practitioners_and_analysts_cannot_import(
    client: Client, personas: Personas, who: str
) -> None:
    client.login(username=getattr(personas, who).username, password=PERSONA_PASSWORD)
    assert client.get(reverse("import-upload")).status_code == 403
    form = {
        "file": SimpleUploadedFile("messy.csv", MESSY.read_bytes()),
        "framework": "talking-points-service-users",
    }
    assert client.post(reverse("import-upload"), form).status_code == 403
    assert not Person.objects.exists()


def test_a_file_that_is_not_a_table_is_explained(client: Client, personas: Personas) -> None:
    client.login(username=personas.colleague.username, password=PERSONA_PASSWORD)
    page = upload(client, dry_run=True, name="notes.xlsx", data=b"PK this is not a workbook")
    assert "This is not a readable .xlsx workbook" in page
    assert '<a href="#id_file">' in page
    page = upload(client, dry_run=True, name="photo.png", data=b"\x89PNG")
    assert "The file must be a .csv or .xlsx spreadsheet." in page


def test_the_page_names_the_teams_a_team_leader_can_import_into(
    client: Client, personas: Personas
) -> None:
    client.login(username=personas.colleague.username, password=PERSONA_PASSWORD)
    page = client.get(reverse("import-upload")).content.decode()
    assert "<strong>Care at Home / North</strong>" in page
    assert "Care at Home / South" not in page  # another team's
    assert "What&#x27;s not working, What is not working" in page  # the columns recognised


def test_the_framework_must_be_chosen(client: Client, personas: Personas) -> None:
    client.login(username=personas.admin.username, password=PERSONA_PASSWORD)
    form = {"file": SimpleUploadedFile("messy.csv", MESSY.read_bytes()), "dry_run": "on"}
    response = client.post(reverse("import-upload"), form)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        'href="#id_framework_0">Choose the outcomes framework the records were made with.' in page
    )
    assert not Person.objects.exists()
