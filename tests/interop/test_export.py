from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from meaningful.audit.models import AuditEvent
from meaningful.conversations.services import update_outcome_record
from meaningful.demo.factories import PERSONA_PASSWORD, Personas, make_conversation, make_person
from meaningful.errors import NotAllowed
from meaningful.interop.tabular.export import (
    age_band,
    as_csv,
    identifiable_extract,
    locality,
    neutralise,
    pseudonym,
    pseudonymised_extract,
    rows_of,
)
from meaningful.people.models import Person
from meaningful.people.services import record_consent


@pytest.fixture
def two_teams(personas: Personas) -> tuple[Person, Person]:
    mine = make_person(
        personas.owner,
        personas.team,
        given_name="Agnes",
        family_name="Millar",
        identifiers=[("local", "L-1")],
        postcode="DD1 4HN",
    )
    theirs = make_person(
        personas.outsider, personas.other_team, given_name="Hamish", family_name="Bell"
    )
    record = make_conversation(personas.owner, mine).records.get(outcome__code="seeing-people")
    update_outcome_record(
        personas.owner, record, {"what_matters": '=HYPERLINK("http://evil")'}, reason="test"
    )
    make_conversation(personas.outsider, theirs)
    return mine, theirs


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+44 1382", "'+44 1382"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("I want to go out", "I want to go out"),
        (None, ""),
    ],
)
def test_cells_that_could_run_as_formulas_are_neutralised(value: object, expected: str) -> None:
    assert neutralise(value) == expected


def test_a_practitioners_export_holds_only_their_teams_people(
    personas: Personas, two_teams: tuple[Person, Person]
) -> None:
    extract = identifiable_extract(personas.owner)
    rows = list(rows_of(extract))
    assert {row["family_name"] for row in rows} == {"Millar"}
    assert {row["person_id"] for row in rows} == {"L-1"}
    words = {row["outcome_code"]: row["what_matters"] for row in rows}
    assert words["seeing-people"] == '\'=HYPERLINK("http://evil")'
    event = AuditEvent.objects.get(action="export.records")
    assert event.detail == {"kind": "identifiable", "rows": 2, "people": 1}


def test_analysts_cannot_take_identifiable_exports(
    personas: Personas, two_teams: tuple[Person, Person]
) -> None:
    with pytest.raises(NotAllowed):
        identifiable_extract(personas.analyst)


def test_the_pseudonymised_extract_holds_no_identifiers(
    personas: Personas, two_teams: tuple[Person, Person]
) -> None:
    extract = pseudonymised_extract(personas.analyst)
    text = as_csv(extract).decode("utf-8-sig")
    for secret in ("Millar", "Agnes", "Bell", "L-1", "DD1 4HN", "1941", "HYPERLINK"):
        assert secret not in text
    rows = list(rows_of(extract))
    assert {row["locality"] for row in rows} == {"DD1", "unknown"}
    assert {row["age_band"] for row in rows} == {"85+"}
    mine, _ = two_teams
    assert pseudonym(mine.pk) in {row["pseudonym"] for row in rows}
    assert len({row["pseudonym"] for row in rows}) == 2


def test_words_come_only_from_people_who_consented(
    personas: Personas, two_teams: tuple[Person, Person]
) -> None:
    mine, theirs = two_teams
    record_consent(personas.outsider, theirs, "share-anonymised-quotes", given_on=date(2026, 1, 1))
    rows = list(rows_of(pseudonymised_extract(personas.admin, with_narratives=True)))
    said = {
        row["pseudonym"]: row["what_matters"]
        for row in rows
        if row["outcome_code"] == "feeling-safe"
    }
    assert said[pseudonym(theirs.pk)] == "In my words: feeling-safe"
    assert said[pseudonym(mine.pk)] == ""


def test_pseudonyms_are_stable_and_keyed(settings: object) -> None:
    first = pseudonym("abc")
    assert pseudonym("abc") == first and pseudonym("abd") != first
    settings.PSEUDONYM_KEY = "another key"  # type: ignore[attr-defined]
    assert pseudonym("abc") != first


def test_age_bands_and_localities() -> None:
    on = date(2026, 6, 1)
    assert age_band(date(1950, 6, 2), on) == "75-84" and age_band(date(1941, 1, 1), on) == "85+"
    assert age_band(date(2000, 6, 1), on) == "25-34" and age_band(None, on) == "unknown"
    assert locality("dd1 4hn") == "DD1" and locality("") == "unknown"


def test_the_command_writes_csv_and_xlsx(
    personas: Personas, two_teams: tuple[Person, Person], tmp_path: Path
) -> None:
    out = tmp_path / "records.xlsx"
    call_command("export_records", "--out", str(out), "--as", personas.owner.username)
    sheet = load_workbook(out).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["person_id", "family_name", "given_name"] and len(values) == 3
    csv_out = tmp_path / "pseudo.csv"
    call_command(
        "export_records",
        "--out",
        str(csv_out),
        "--as",
        personas.analyst.username,
        "--pseudonymised",
    )
    rows = list(csv.reader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "pseudonym" and len(rows) == 5
    with pytest.raises(CommandError, match="Only staff who work with a caseload"):
        call_command("export_records", "--out", str(csv_out), "--as", personas.analyst.username)


def test_downloads_follow_the_same_rules(
    client: Client, personas: Personas, two_teams: tuple[Person, Person]
) -> None:
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    response = client.get(reverse("export-records", args=["csv"]))
    assert response["Content-Disposition"] == 'attachment; filename="outcome-records.csv"'
    assert b"Millar" in response.content and b"Bell" not in response.content
    assert client.get(reverse("export-pseudonymised", args=["csv"])).status_code == 403
    client.login(username=personas.analyst.username, password=PERSONA_PASSWORD)
    assert client.get(reverse("export-records", args=["xlsx"])).status_code == 403
    pseudo = client.get(reverse("export-pseudonymised", args=["xlsx"]))
    assert pseudo.status_code == 200 and pseudo["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert client.get(reverse("export-pseudonymised", args=["pdf"])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    for name in ("export-records", "export-pseudonymised"):
        response = client.get(reverse(name, args=["csv"]))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
