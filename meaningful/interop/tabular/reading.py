"""Reading CSV and XLSX files into rows of text, whatever the spreadsheet did to them."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path


class UnreadableFile(ValueError):
    """The file cannot be read as a table; the message says what to do."""


@dataclass(frozen=True)
class Table:
    """The header and the data rows of a file, every cell as text."""

    header: list[str]
    rows: list[list[str]]
    encoding: str


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()  # Excel has no date type: a date comes back as midnight
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Drop trailing empty cells and wholly empty rows, as spreadsheets leave them behind."""
    trimmed = []
    for row in rows:
        while row and not row[-1].strip():
            row = row[:-1]
        trimmed.append(row)
    return trimmed


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # a fifth of a second to import (with numpy): only for XLSX

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableFile(
            "This is not a readable .xlsx workbook. Save it again from Excel as .xlsx or .csv."
        ) from error
    sheet = workbook.worksheets[0]
    rows = [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return _table(rows, "xlsx")


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_UNDECODED = re.compile("[\udc80-\udcff]")


def decode_csv(data: bytes) -> tuple[str, str]:
    """Return the text of a CSV file and the encoding it was read with.

    A file that is UTF-8 but for a few broken bytes is read as UTF-8, each broken byte kept as
    a stand-in character (see undecoded_bytes) so that only the rows holding one are refused.
    A file with no UTF-8 in it at all is Excel's "CSV" (not "CSV UTF-8"): Windows-1252 on UK
    machines, where the few bytes that are no character in it are kept the same way.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", errors="surrogateescape")
    broken = len(_UNDECODED.findall(text))
    if len(_UTF8_SEQUENCE.findall(data)) >= broken:
        return text, "utf-8"
    return data.decode("cp1252", errors="surrogateescape"), "windows-1252"


def undecoded_bytes(text: str) -> list[tuple[int, int]]:
    """The (position, byte) of each byte of a cell that was no character in the file's encoding."""
    return [(match.start(), ord(match.group()) - 0xDC00) for match in _UNDECODED.finditer(text)]


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    # Team names, dates, outcomes and ratings repeat down a file: keep one copy of each text.
    shared: dict[str, str] = {}
    try:
        rows = [[shared.setdefault(cell, cell) for cell in row] for row in reader]
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise UnreadableFile(
                f"Line {reader.line_num} of the file has a cell longer than "
                f"{csv.field_size_limit():,} characters, far more than any answer holds. "
                "Check the quotes around that line, or shorten the cell, and upload it again."
            ) from error
        raise UnreadableFile(
            f"The CSV file is malformed ({error}). Save it again as CSV UTF-8."
        ) from error
    return _table(rows, encoding)


def _table(rows: list[list[str]], encoding: str) -> Table:
    rows = _trim(rows)
    while rows and not any(cell.strip() for cell in rows[0]):
        rows = rows[1:]
    if not rows:
        raise UnreadableFile("The file is empty. The first row must hold the column headings.")
    header, data = rows[0], rows[1:]
    return Table(header=header, rows=data, encoding=encoding)


def read_table(path: Path) -> Table:
    """Read a .csv or .xlsx file; raise UnreadableFile with advice when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFile(f"Cannot open {path}: {error.strerror}.") from error
    if path.suffix.lower() in {".xlsx", ".xlsm"} or data[:2] == b"PK":
        return _read_xlsx(data)
    return _read_csv(data)
