from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from meaningful.accounts.models import Organisation, Service, Team
from meaningful.accounts.services import create_organisation, system_account
from meaningful.audit.models import AuditEvent
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.frameworks.models import Framework, Scale
from meaningful.interop.tabular.importer import import_records
from meaningful.interop.tabular.reading import UnreadableFile
from meaningful.people.models import Person
from meaningful.plans.models import Action

MESSY = Path(__file__).parent / "data" / "messy.csv"
pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation() -> Organisation:
    return create_organisation(system_account(), "Import Test Partnership")


def run(path: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    call_command(
        "import_records", str(path), "--framework", "talking-points-service-users", "--json", *extra
    )
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


EXPECTED = {
    "rows_read": 17,
    "rows_accepted": 7,
    "rows_already_imported": 0,
    "rows_rejected": 10,
    "rejected_by_reason": {
        "bad conversation date": 1,
        "bad date of birth": 2,
        "duplicate row": 1,
        "extra cells": 1,
        "missing person id": 1,
        "outcome twice in one conversation": 1,
        "refused by the rules": 1,
        "unknown conversation type": 1,
        "unknown outcome": 1,
    },
    "rows_flagged": 2,
    "flagged_by_reason": {
        "number rating with no scale chosen ('3'): rating left empty": 1,
        "rating not on the scale ('sort of'): rating left empty": 1,
    },
    "people_created": 3,
    "people_matched": 1,
    "conversations_created": 4,
    "ratings_stored": 4,
    "services_created": ["Care at Home", "Carers Support"],
    "teams_created": [
        "Care at Home / North",
        "Care at Home / South",
        "Carers Support / Carers Centre",
    ],
}


def test_a_messy_csv_keeps_the_good_rows_and_reports_every_bad_one(
    organisation: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run(MESSY, capsys=capsys)
    problems = report.pop("problems")
    assert report == {"dry_run": False, **EXPECTED}
    reasons = {(p["row"], p["column"]): p["reason"] for p in problems}  # type: ignore[attr-defined]
    assert reasons[(6, "date of birth")] == "'31/02/1950' is not a real date"
    assert reasons[(7, "date of birth")] == "12/12/2099 is in the future"
    assert reasons[(8, "conversation date")] == "'30/02/2024' is not a real date"
    assert reasons[(10, "outcome")] == "unknown outcome 'Flying lessons'"
    assert reasons[(11, "")] == "exact duplicate of row 9"
    assert reasons[(12, "outcome")].startswith(
        "Living where you want / as you want is already recorded for this conversation in row 9"
    )
    assert reasons[(15, "")] == "person P006 is new: give their forename and surname"
    assert reasons[(16, "person id")] == "no person id"
    assert reasons[(17, "")] == "more cells than there are column headings"
    assert reasons[(18, "conversation type")].startswith("unknown conversation type 'Exitt'")
    assert reasons[(4, "rating")].startswith("kept, but number rating with no scale chosen")


def test_what_was_kept_is_exactly_what_the_file_said(
    organisation: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    run(MESSY, capsys=capsys)
    agnes = Person.objects.get(identifiers__value="P001")
    assert (agnes.given_name, agnes.family_name, agnes.date_of_birth) == (
        "Agnes",
        "Millar",
        datetime.date(1941, 3, 14),
    )
    baseline = agnes.conversations.get(kind="baseline")
    assert baseline.held_on == datetime.date(2023, 12, 25) and baseline.status == "agreed"
    levels = {r.outcome.code: getattr(r.agreed_level, "code", None) for r in baseline.records.all()}
    assert levels == {
        "feeling-safe": "not-met",
        "seeing-people": "partly-met",
        "staying-well": "met",
    }
    assert baseline.records.get(outcome__code="staying-well").working == "line one\r\nline two"
    assert (
        baseline.records.get(outcome__code="feeling-safe").what_matters
        == "I want to feel safe at night, with the door locked"
    )
    review = agnes.conversations.get(kind="review")
    assert (
        review.records.get(outcome__code="seeing-people").what_matters
        == '=HYPERLINK("http://example.org")'
    )
    owners = dict(
        Action.objects.filter(plan__conversation=baseline).values_list("description", "owner")
    )
    assert owners == {"Fit a key safe": "service", "I will phone my sister": "person"}
    jean = Person.objects.get(identifiers__value="P004")
    assert jean.conversations.get().held_on == datetime.date(2024, 1, 10)
    assert Team.objects.filter(service__organisation=organisation).count() == 3
    assert (
        AuditEvent.objects.filter(action="conversation.record", actor_username="system").count()
        == 4
    )


def test_importing_the_same_file_twice_creates_nothing_new(
    organisation: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    run(MESSY, capsys=capsys)
    counts = (Person.objects.count(), Conversation.objects.count(), OutcomeRecord.objects.count())
    again = run(MESSY, capsys=capsys)
    assert (again["rows_accepted"], again["rows_already_imported"], again["people_created"]) == (
        0,
        7,
        0,
    )
    assert (again["conversations_created"], again["services_created"], again["teams_created"]) == (
        0,
        [],
        [],
    )
    assert (
        Person.objects.count(),
        Conversation.objects.count(),
        OutcomeRecord.objects.count(),
    ) == counts


def test_a_dry_run_reports_the_same_and_changes_nothing(
    organisation: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    events = AuditEvent.objects.count()
    report = run(MESSY, "--dry-run", capsys=capsys)
    report.pop("problems")
    assert report == {"dry_run": True, **EXPECTED}
    assert not Person.objects.exists() and not Service.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_numeric_scale_reads_number_ratings_from_an_xlsx(
    organisation: Organisation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "Person ID",
            "Forename",
            "Surname",
            "Date of birth",
            "Conversation date",
            "Conversation type",
            "Outcome",
            "Score",
            "What matters",
        ]
    )
    sheet.append(
        [
            "X1",
            "Iain",
            "Reid",
            datetime.datetime(1960, 4, 1),
            datetime.datetime(2024, 2, 3),
            "Baseline",
            "Improved confidence",
            2,
            "I want to feel like myself again",
        ]
    )
    sheet.append(
        [
            "X1",
            "Iain",
            "Reid",
            datetime.datetime(1960, 4, 1),
            datetime.datetime(2024, 8, 3),
            "Review",
            "Improved confidence",
            5.0,
            "I want to feel like myself again",
        ]
    )
    path = tmp_path / "records.xlsx"
    book.save(path)
    report = run(path, "--scale", "1-6", capsys=capsys)
    assert (report["rows_accepted"], report["ratings_stored"], report["rows_rejected"]) == (2, 2, 0)
    levels = list(
        OutcomeRecord.objects.order_by("conversation__held_on").values_list(
            "agreed_level__code", flat=True
        )
    )
    assert levels == ["2", "5"]
    assert Scale.objects.get(code="1-6").pk == Conversation.objects.first().scale_id  # type: ignore[union-attr]


def test_a_mapping_file_names_unusual_headings(
    organisation: Organisation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "odd.csv"
    data.write_text(
        "Ref No,Given,Family,When,Area,Result\nQ1,Ann,Lee,01/02/2024,Feeling safe,Met\n"
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "Ref No": "person_id",
                    "Given": "given_name",
                    "Family": "family_name",
                    "When": "held_on",
                    "Area": "outcome",
                    "Result": "rating",
                }
            }
        )
    )
    report = run(data, "--mapping", str(mapping), capsys=capsys)
    assert (report["rows_accepted"], report["ratings_stored"]) == (1, 1)


def test_missing_columns_stop_the_whole_file_with_advice(
    organisation: Organisation, tmp_path: Path
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("Name,Score\nAnn,3\n")
    with pytest.raises(CommandError, match="No column for: person id, conversation date, outcome"):
        call_command("import_records", str(data), "--framework", "talking-points-service-users")


def test_an_unknown_framework_is_named(organisation: Organisation) -> None:
    with pytest.raises(CommandError, match=r"No framework 'outcomes-star'\. Known:"):
        call_command("import_records", str(MESSY), "--framework", "outcomes-star")


def test_a_windows_1252_csv_is_read(
    organisation: Organisation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "excel.csv"
    data.write_bytes(
        "Person ID,Forename,Surname,Conversation date,Outcome,What matters\r\nW1,Siân,O\u2019Neil,01/02/2024,Feeling safe,I\u2019m fine\r\n".encode(
            "cp1252"
        )
    )
    report = run(data, capsys=capsys)
    assert report["rows_accepted"] == 1
    assert Person.objects.get().given_name == "Siân"


def test_a_team_leader_imports_into_their_own_team_only(
    capsys: pytest.CaptureFixture[str], personas: object
) -> None:
    from meaningful.demo.factories import Personas

    assert isinstance(personas, Personas)  # the colleague leads "North"; "South" is another team
    report = run(
        MESSY,
        "--as",
        personas.colleague.username,
        "--organisation",
        personas.organisation.slug,
        capsys=capsys,
    )
    assert report["rows_accepted"] == 5  # Agnes, on North
    assert report["rejected_by_reason"]["refused by the rules"] == 3  # type: ignore[index]
    reasons = {(p["row"], p["reason"]) for p in report["problems"]}  # type: ignore[attr-defined]
    assert (9, "You can only add people to your own team's caseload.") in reasons
    assert (
        13,
        "There is no service 'Carers Support', and only the organisation's administrators can "
        "add one: put the service and team you work in (Care at Home / North) in the Service "
        "and Team columns, or ask an administrator to import the file.",
    ) in reasons
    assert sorted(Person.objects.values_list("family_name", flat=True)) == ["Millar"]
    assert (
        AuditEvent.objects.filter(action="conversation.record", actor=personas.colleague).count()
        == 2
    )


CELLS = [
    "P1",
    "P2",
    "Ann",
    "Lee",
    "01/02/2024",
    "31/02/2024",
    "Feeling safe",
    "Met",
    "3",
    "",
    "x,y",
    '"q"',
    "\x00",
    "2099-01-01",
    "Seeing people",
    "Baseline",
    "Review",
]
RANDOM_ROWS = st.lists(st.lists(st.sampled_from(CELLS), max_size=7), max_size=8).map(
    lambda rows: "\n".join(",".join(row) for row in rows).encode()
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.binary(max_size=400), RANDOM_ROWS))
def test_random_bytes_and_rows_never_crash_or_store_half_a_row(tmp_path: Path, data: bytes) -> None:
    organisation = Organisation.objects.first() or create_organisation(
        system_account(), "Fuzz Partnership"
    )
    framework = Framework.objects.get(slug="talking-points-service-users")
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"Person ID,Forename,Surname,Conversation date,Outcome,Rating\n" + data)
    before = OutcomeRecord.objects.count()
    try:
        report = import_records(
            system_account(), path, organisation=organisation, framework=framework
        )
    except UnreadableFile:
        return
    # Never half a row: every accepted row is exactly one stored outcome record.
    assert OutcomeRecord.objects.count() - before == report.rows_accepted
    assert (
        report.rows_read
        == report.rows_accepted + report.rows_rejected + report.rows_already_imported
    )
