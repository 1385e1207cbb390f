"""The national analyst's pages: upload returns, see them by period, read and download the report."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from meaningful.accounts.models import Role, User
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.national.models import NationalReport, NationalReturn
from tests.national.returns import OUTCOMES, make_return, random_ratings

CODES = [code for code, _ in OUTCOMES]


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    return [
        make_return(code, random_ratings(seed, 100, CODES))
        for code, seed in (("north", 3), ("south", 4), ("east", 5))
    ]


@pytest.fixture
def national(personas: Personas) -> User:
    user = create_staff_user(
        personas.system,
        personas.organisation,
        username="nia-national",
        first_name="Nia",
        last_name="National",
        password=PERSONA_PASSWORD,
    )
    grant_role(personas.system, user, Role.NATIONAL_ANALYST)
    return user


def as_file(document: dict[str, Any], name: str | None = None) -> SimpleUploadedFile:
    name = name or f"{document['organisation']['code']}.json"
    return SimpleUploadedFile(name, json.dumps(document).encode(), "application/json")


def upload(client: Client, *files: SimpleUploadedFile) -> Any:
    return client.post(reverse("national"), {"returns": list(files)})


def test_a_national_analyst_uploads_three_returns_and_reads_the_report(
    client: Client, national: User, documents: list[dict[str, Any]]
) -> None:
    client.force_login(national)
    response = upload(client, *(as_file(d) for d in documents))
    assert response.status_code == 302
    page = client.get(reverse("national")).content.decode()
    assert "Stored 3 returns" in page and "2026: 3 returns" in page
    assert NationalReturn.objects.count() == 3
    report = client.get(reverse("national-report", args=["2026"]))
    text = report.content.decode()
    assert report.status_code == 200
    assert "Personal outcomes across 3 organisations, 2026" in text
    assert "Passed:" in text and "Counts from 1 to 7 are shown as *" in text
    assert "as each organisation published it" in text
    assert 'id="national-outcomes"' in text and "7. Safe from harm" in text
    for kind, start in (
        ("csv", b"\xef\xbb\xbf"),
        ("xlsx", b"PK"),
        ("pdf", b"%PDF"),
        ("json", b"{"),
    ):
        download = client.get(reverse("national-download", args=["2026", kind]))
        assert download.status_code == 200 and download.content.startswith(start)
        assert download["Cache-Control"] == "no-store"
    assert NationalReport.objects.count() == 1  # built once, read five times
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("national.return-stored") == 3
    assert actions.count("national.report-built") == 1
    assert actions.count("national.report-download") == 4


def test_problems_are_listed_per_file_and_linked_to_the_file_field(
    client: Client, national: User, documents: list[dict[str, Any]]
) -> None:
    client.force_login(national)
    broken = copy.deepcopy(documents[0])
    broken["tables"][3]["cells"][12]["count"] = -1
    tampered = copy.deepcopy(documents[1])
    tampered["tables"][0]["cells"][0]["count"] += 1
    response = upload(
        client,
        as_file(broken),
        as_file(tampered),
        SimpleUploadedFile("garbled.json", b'{"format": '),
        as_file(documents[2]),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert (
        '<a href="#id_returns">north.json: tables[3].cells[12].count: -1 is less than the minimum '
        "of 0</a>" in text
    )
    assert "south.json: metadata.checksum: the return has been changed since it was made" in text
    assert "garbled.json: the file is not valid JSON" in text
    assert "3 of the files were not accepted" in text
    assert list(NationalReturn.objects.values_list("organisation_code", flat=True)) == ["east"]
    refused = AuditEvent.objects.filter(action="national.return-refused")
    assert sorted(e.detail["file"] for e in refused) == ["garbled.json", "north.json", "south.json"]


def test_a_return_already_stored_or_a_second_from_one_organisation_is_refused(
    client: Client, national: User, documents: list[dict[str, Any]]
) -> None:
    client.force_login(national)
    upload(client, as_file(documents[0]))
    again = upload(client, as_file(documents[0], "north-again.json"))
    assert "north-again.json: this return is already stored: north.json" in again.content.decode()
    other = make_return("north", random_ratings(99, 50, CODES))
    second = upload(client, as_file(other, "north-v2.json"))
    text = second.content.decode()
    assert (
        "north-v2.json: a return from North Partnership (north) for 2026 is already stored" in text
    )
    assert "withdraw that one first" in text
    stored = NationalReturn.objects.get()
    assert client.post(reverse("national-withdraw", args=[stored.pk])).status_code == 302
    assert upload(client, as_file(other, "north-v2.json")).status_code == 302
    assert NationalReturn.objects.get().file_name == "north-v2.json"
    assert AuditEvent.objects.filter(action="national.return-withdrawn").count() == 1


def test_only_json_files_of_a_sensible_size_are_taken(client: Client, national: User) -> None:
    client.force_login(national)
    response = upload(client, SimpleUploadedFile("returns.csv", b"a,b\n1,2\n"))
    assert response.status_code == 400
    assert "returns.csv: a return is a .json file; this is not one." in response.content.decode()
    empty = client.post(reverse("national"), {})
    assert "Choose one or more .json returns to upload." in empty.content.decode()


@pytest.mark.parametrize("who", ["owner", "admin", "analyst"])
def test_organisation_staff_are_refused(
    client: Client, personas: Personas, who: str, documents: list[dict[str, Any]]
) -> None:
    client.force_login(getattr(personas, who))
    assert client.get(reverse("national")).status_code == 403
    assert upload(client, as_file(documents[0])).status_code == 403
    assert client.get(reverse("national-report", args=["2026"])).status_code == 403
    assert client.get(reverse("national-download", args=["2026", "csv"])).status_code == 403
    assert not NationalReturn.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="national.").exists()


def test_returns_that_cannot_be_combined_are_explained(
    client: Client, national: User, documents: list[dict[str, Any]]
) -> None:
    from tests.national.returns import seal

    client.force_login(national)
    south = copy.deepcopy(documents[1])
    south["frameworks"][0]["outcomes"][0]["code"] = "feeling-secure"
    for table in south["tables"]:
        for cell in table["cells"]:
            if cell["outcome"] == "feeling-safe":
                cell["outcome"] = "feeling-secure"
    for entry in south["change"]:
        if entry["outcome"] == "feeling-safe":
            entry["outcome"] = "feeling-secure"
    upload(client, as_file(documents[0]), as_file(seal(south)))
    response = client.get(reverse("national-report", args=["2026"]))
    assert response.status_code == 409
    assert (
        "talking-points-service-users@1 has other outcomes or levels" in response.content.decode()
    )
    assert client.get(reverse("national-download", args=["2026", "csv"])).status_code == 404
    assert AuditEvent.objects.filter(action="national.report-refused").exists()


def test_a_period_with_no_returns_is_not_found(client: Client, national: User) -> None:
    client.force_login(national)
    assert client.get(reverse("national-report", args=["2031"])).status_code == 404


def test_a_large_report_is_built_on_the_command_line_not_while_a_page_waits(
    client: Client, national: User, documents: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import meaningful.national.services as services

    monkeypatch.setattr(services, "LARGEST_BUILD_ON_A_PAGE", 10)
    client.force_login(national)
    upload(client, *(as_file(d) for d in documents))
    page = client.get(reverse("national-report", args=["2026"])).content.decode()
    assert "is not built yet" in page
    assert "meaningful combine-returns --stored 2026 --as nia-national" in page
    assert not NationalReport.objects.exists()
    services.rebuild_national_report(national, "2026", services.national_policy())
    assert "Passed:" in client.get(reverse("national-report", args=["2026"])).content.decode()
