"""Bad input to the importer: its parsers fuzzed with random text and bytes, and whole files
with one bad row among good ones, whose good rows are kept and bad row reported."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meaningful.accounts.models import Organisation
from meaningful.accounts.services import create_organisation, system_account
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.frameworks.models import Framework
from meaningful.interop.tabular.importer import import_records
from meaningful.interop.tabular.reading import UnreadableFile, decode_csv, read_table
from meaningful.interop.tabular.values import KINDS, Levels, OutcomeNames, parse_kind, parse_uk_date
from meaningful.people.models import Person

TODAY = datetime.date(2026, 3, 1)
FAST = settings(max_examples=200, deadline=None)
DIGITS = "0123456789\u0660\u0661\u0662\u0663\uff10\uff11\uff12\u0966\u0967"
CELL = st.one_of(
    st.text(max_size=30),
    st.text(st.sampled_from(f"{DIGITS}/-. JanFebDecmetMetpartly"), max_size=14),
    st.sampled_from(
        [
            "25/12/2023",
            "2023-12-25",
            "25-Dec-23",
            "31/02/2024",
            "\u0662\u0665/\u0661\u0662/\u0662\u0660\u0662\u0663",
            "\uff12\uff15/\uff11\uff12/\uff12\uff10\uff12\uff13",
            '=HYPERLINK("https://example.com","x")',
            "+1",
            "@SUM(A1)",
            "\x00",
            "0/0/0",
            "99/99/9999",
            "1/1/10000",
            "Partly met",
            "\ufeffMet",
            "3",
            "-3",
            "\u0663",
        ]
    ),
    st.binary(max_size=20).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
)


@FAST
@given(CELL)
def test_the_date_parser_returns_a_date_or_says_why_not(text: str) -> None:
    try:
        parsed = parse_uk_date(text, today=TODAY)
    except ValueError as error:
        assert str(error)
        return
    assert isinstance(parsed, datetime.date)
    assert text.strip().isascii()  # no other digits are read as numbers


@FAST
@given(CELL)
def test_the_conversation_type_parser_returns_a_kind_or_says_why_not(text: str) -> None:
    try:
        kind = parse_kind(text)
    except ValueError as error:
        assert "use baseline, review or exit" in str(error)
        return
    assert kind in set(KINDS.values())


@pytest.fixture
def names_and_levels(db: None) -> tuple[OutcomeNames, list[Levels]]:
    framework = Framework.objects.get(slug="talking-points-service-users")
    names = OutcomeNames([(o.code, o.name, list(o.synonyms)) for o in framework.outcomes.all()])
    scale = [(lv.code, lv.label, lv.value) for lv in framework.default_scale.levels.all()]
    levels = [
        Levels(scale, numeric=numeric, explicit=explicit)
        for numeric in (False, True)
        for explicit in (False, True)
    ]
    return names, levels


def test_the_outcome_and_rating_parsers_match_or_say_why_not(
    names_and_levels: tuple[OutcomeNames, list[Levels]],
) -> None:
    names, all_levels = names_and_levels
    codes = set(names.codes.values())

    @FAST
    @given(CELL)
    def check(text: str) -> None:
        try:
            assert names.code_for(text) in codes
        except ValueError as error:
            assert str(error).startswith("unknown outcome")
        for levels in all_levels:
            rating = levels.read(text)
            assert rating.level is None or rating.level in set(levels.codes.values())
            assert rating.level is None or rating.flag is None

    check()


@FAST
@given(st.one_of(st.binary(max_size=200), st.text(max_size=60).map(str.encode)))
def test_decoding_a_csv_never_loses_a_byte(data: bytes) -> None:
    """Every byte is read as a character or kept as a stand-in, so a row is never shifted."""
    text, encoding = decode_csv(data)
    codec = "utf-8" if encoding == "utf-8" else "cp1252"
    body = data.removeprefix(b"\xef\xbb\xbf") if codec == "utf-8" else data
    assert text.encode(codec, "surrogateescape") == body


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda raw: b"PK\x03\x04" + raw),
        st.lists(st.lists(CELL, max_size=5), max_size=5).map(
            lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
        ),
    ),
    st.sampled_from(["upload.csv", "upload.xlsx"]),
)
def test_reading_any_file_gives_rows_or_says_why_not(data: bytes, name: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            table = read_table(path)
        except UnreadableFile as error:
            assert str(error)
            return
    assert table.header and all(isinstance(cell, str) for row in table.rows for cell in row)


HEADER = "Person ID,Forename,Surname,Conversation date,Outcome,Rating,What matters\n"
GOOD = [
    "G1,Zoë,Brown,01/02/2024,Feeling safe,Met,Feeling safe at home\n",
    "G2,Siân,Reid,02/02/2024,Seeing people,Partly met,Seeing my sister\n",
    'G3,Eilidh,Ross,03/02/2024,Feeling safe,Not met,=HYPERLINK("x") is what she typed\n',
]
BAD_ROWS = {
    "broken UTF-8": b"B1,Ann,Lee,01/02/2024,Feeling safe,Met,caf\xe9 with friends\n",
    "NUL": b"B1,Ann,Lee,01/02/2024,Feeling safe,Met,half\x00way\n",
    "long cell": b"B1,Ann,Lee,01/02/2024,Feeling safe,Met," + b"x" * 25_000 + b"\n",
    "formula as a date": b"B1,Ann,Lee,=DATE(2024;1;1),Feeling safe,Met,x\n",
    "Arabic-Indic date": "B1,Ann,Lee,\u0660\u0661/\u0660\u0662/\u0662\u0660\u0662\u0664,Feeling safe,Met,x\n".encode(),
    "full-width date": "B1,Ann,Lee,\uff10\uff11/\uff10\uff12/\uff12\uff10\uff12\uff14,Feeling safe,Met,x\n".encode(),
    "date in the future": b"B1,Ann,Lee,01/02/2099,Feeling safe,Met,x\n",
    "unknown outcome": b"B1,Ann,Lee,01/02/2024,Flying,Met,x\n",
    "no surname": b"B1,Ann,,01/02/2024,Feeling safe,Met,x\n",
    "long name": b"B1," + b"A" * 150 + b",Lee,01/02/2024,Feeling safe,Met,x\n",
    "extra cells": b"B1,Ann,Lee,01/02/2024,Feeling safe,Met,x,y,z\n",
}


@pytest.fixture
def organisation(db: None) -> Organisation:
    return create_organisation(system_account(), "Bad Input Partnership")


def import_rows(organisation: Organisation, path: Path, rows: list[bytes], one_by_one: bool) -> Any:
    path.write_bytes(HEADER.encode() + b"".join(rows))
    return import_records(
        system_account(),
        path,
        organisation=organisation,
        framework=Framework.objects.get(slug="talking-points-service-users"),
        one_by_one=one_by_one,
    )


def stored_people() -> list[str]:
    return sorted(
        OutcomeRecord.objects.values_list("conversation__person__identifiers__value", flat=True)
    )


@pytest.mark.parametrize("one_by_one", [False, True], ids=["in bulk", "one by one"])
@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_one_bad_row_among_good_ones_is_reported_and_the_good_rows_kept(
    organisation: Organisation, tmp_path: Path, kind: str, one_by_one: bool
) -> None:
    for place in range(len(GOOD) + 1):
        rows = [row.encode() for row in GOOD]
        rows.insert(place, BAD_ROWS[kind])
        Conversation.objects.all().delete()
        report = import_rows(organisation, tmp_path / "records.csv", rows, one_by_one)
        assert (report.rows_accepted, report.rows_rejected) == (len(GOOD), 1), place
        [problem] = [p for p in report.problems if p.row == place + 1]
        assert problem.reason and not problem.reason.startswith("kept"), place
        assert not Person.objects.filter(identifiers__value="B1").exists()
        assert stored_people() == ["G1", "G2", "G3"]


def csv_row(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)  # quotes a lone \r as well
    return out.getvalue().encode("utf-8", "surrogateescape")


@pytest.mark.parametrize("one_by_one", [False, True], ids=["in bulk", "one by one"])
def test_a_row_with_a_random_cell_is_kept_whole_or_reported(
    organisation: Organisation, tmp_path: Path, one_by_one: bool
) -> None:
    template = ["B1", "Ann", "Lee", "01/02/2024", "Feeling safe", "Met", "To feel safe"]

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.integers(min_value=0, max_value=len(template) - 1), CELL, st.integers(0, 3))
    def check(column: int, value: str, place: int) -> None:
        assume(value.strip().lower() not in {"g1", "g2", "g3"})
        cells = list(template)
        cells[column] = value
        rows = [row.encode() for row in GOOD]
        rows.insert(place, csv_row(cells))
        Conversation.objects.all().delete()
        report = import_rows(organisation, tmp_path / "records.csv", rows, one_by_one)
        good = [p for p in stored_people() if p in {"G1", "G2", "G3"}]
        assert good == ["G1", "G2", "G3"]
        refused = [
            p for p in report.problems if p.row == place + 1 and not p.reason.startswith("kept")
        ]
        others = Conversation.objects.exclude(person__identifiers__value__in=["G1", "G2", "G3"])
        if refused:
            assert report.rows_rejected == 1 and not others.exists()
        else:
            assert report.rows_accepted == len(GOOD) + 1
            assert OutcomeRecord.objects.filter(conversation__in=others).count() == 1

    check()


def test_a_broken_byte_rejects_its_row_naming_the_byte(
    organisation: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "records.csv"
    path.write_bytes(
        HEADER.encode() + GOOD[0].encode() + BAD_ROWS["broken UTF-8"] + GOOD[1].encode()
    )
    framework = Framework.objects.get(slug="talking-points-service-users")
    report = import_records(system_account(), path, organisation=organisation, framework=framework)
    assert report.rows_accepted == 2
    [problem] = report.problems
    assert (problem.row, problem.column) == (2, "what matters")
    assert problem.reason == (
        "byte 0xE9 (character 4 of the cell) is not UTF-8: save the file again as CSV UTF-8"
    )
    assert sorted(Person.objects.values_list("given_name", flat=True)) == ["Siân", "Zoë"]


def test_a_byte_windows_1252_lacks_rejects_its_row(
    organisation: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        HEADER.encode()
        + "W1,Siân,Reid,01/02/2024,Feeling safe,Met,She said \u201cyes\u201d\n".encode("cp1252")
        + b"W2,Ann,Lee,01/02/2024,Feeling safe,Met,odd \x81 byte\n"
    )
    framework = Framework.objects.get(slug="talking-points-service-users")
    report = import_records(system_account(), path, organisation=organisation, framework=framework)
    assert report.rows_accepted == 1
    [problem] = report.problems
    assert (
        "byte 0x81 (character 5 of the cell) is not a character in Windows-1252" in problem.reason
    )
    assert Person.objects.get().given_name == "Siân"


def test_a_10_mb_cell_stops_the_file_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_bytes(HEADER.encode() + GOOD[0].encode() + b"B1,Ann,Lee," + b"x" * 10_485_760)
    with pytest.raises(UnreadableFile, match=r"Line 3 of the file has a cell longer than"):
        read_table(path)


def test_uploading_a_file_with_a_10_mb_cell_says_which_line(
    client: Client, personas: Personas
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(username=personas.admin.username, password=PERSONA_PASSWORD)
    content = HEADER.encode() + b"B1,Ann,Lee," + b"x" * 10_485_760 + b"\n"
    response = client.post(
        reverse("import-upload"),
        {
            "file": SimpleUploadedFile("huge.csv", content),
            "framework": "talking-points-service-users",
        },
    )
    assert response.status_code == 400
    assert "Line 2 of the file has a cell longer than 131,072 characters" in (
        response.content.decode()
    )
    assert not Conversation.objects.exists()


def test_a_cell_over_20000_characters_rejects_its_row(
    organisation: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(HEADER.encode() + BAD_ROWS["long cell"] + GOOD[0].encode())
    framework = Framework.objects.get(slug="talking-points-service-users")
    report = import_records(system_account(), path, organisation=organisation, framework=framework)
    assert report.rows_accepted == 1
    [problem] = report.problems
    assert problem.reason == "the cell is 25,000 characters long; a cell holds at most 20,000"
