"""Reading an organisation's return (format "meaningful-return" 1.0): parse, checksum, check.

The national side reads returns only through `parse_return`, `return_checksum` and
`check_return`, so the structural rules can be swapped for the shared schema in one place.
`check_return` names each problem by its place in the document, as in
"tables[3].cells[12].count: -1 is less than 0".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from meaningful.accounts.models import ServiceKind
from meaningful.people.models import ClientGroup, Sex
from meaningful.reports.period import parse_period
from meaningful.returns.schema import return_checksum as return_checksum

FORMAT = "meaningful-return"
FORMAT_VERSION = "1.0"
TOTAL = "Total"
STAGES = ("baseline", "latest")
AGE_BANDS = ("0-17", "18-64", "65-74", "75-84", "85+", "not known")
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "service_type": tuple(ServiceKind.values),
    "client_group": tuple(ClientGroup.values),
    "age_band": AGE_BANDS,
    "sex": tuple(Sex.values),
}
PAIR = ("count", "published")
_CHECKSUM = re.compile(r"^sha256:[0-9a-f]{64}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
TOP_LEVEL = (
    "format",
    "format_version",
    "organisation",
    "period",
    "frameworks",
    "tables",
    "change",
    "reviews",
    "recording_quality",
    "metadata",
)


class UnreadableReturn(ValueError):
    """The file is not a JSON document at all; the message says what to do."""


def parse_return(raw: bytes) -> dict[str, Any]:
    """Read a return's bytes as a JSON object, or raise UnreadableReturn saying why not."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableReturn(
            "the file is not UTF-8 text: upload the .json file the organisation sent, unchanged."
        ) from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableReturn(
            f"the file is not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}): ask the organisation to send the return again."
        ) from error
    if not isinstance(document, dict):
        raise UnreadableReturn("the file holds JSON but not a return (a JSON object).")
    return document


def stated_checksum(document: Mapping[str, Any]) -> str:
    """The checksum the return carries (empty when it has none)."""
    metadata = document.get("metadata")
    value = metadata.get("checksum") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else ""


def check_return(document: Any) -> list[str]:
    """Every way the document breaks the return format, each named by its place; [] when none."""
    checker = _Checker()
    checker.document(document)
    return checker.problems


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Walks a return, collecting problems; each method checks one part of the format."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.frameworks: dict[str, tuple[set[str], set[str]]] = {}  # key -> (outcomes, levels)

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def fields(
        self,
        value: Any,
        where: str,
        required: Sequence[str],
        optional: Sequence[str] = (),
        open_ended: bool = False,
    ) -> dict[str, Any] | None:
        """The object at `where`, if it is one with the required fields and no unknown ones."""
        if not isinstance(value, dict):
            self.fail(where, f"should be an object, not {_describe(value)}")
            return None
        for name in required:
            if name not in value:
                self.fail(f"{where}.{name}" if where else name, "missing")
        if not open_ended:
            for name in value:
                if name not in required and name not in optional:
                    self.fail(where or "the return", f"unexpected field {name!r}")
        return value

    def text(self, value: Any, where: str, pattern: re.Pattern[str] | None = None) -> bool:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"should be non-empty text, not {_describe(value)}")
            return False
        if pattern is not None and not pattern.match(value):
            self.fail(where, f"{_describe(value)} is not a code (letters, digits, - and _)")
            return False
        return True

    def count(self, value: Any, where: str, nullable: bool = False) -> None:
        if value is None and nullable:
            return
        if not _is_int(value):
            kind = "a whole number or null" if nullable else "a whole number"
            self.fail(where, f"should be {kind}, not {_describe(value)}")
        elif value < 0:
            self.fail(where, f"{value} is less than 0")

    def items(self, value: Any, where: str, allow_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"should be a list, not {_describe(value)}")
            return []
        if not value and not allow_empty:
            self.fail(where, "should not be empty")
        return value

    def document(self, document: Any) -> None:
        top = self.fields(document, "", TOP_LEVEL)
        if top is None:
            return
        if "format" in top and top["format"] != FORMAT:
            self.fail("format", f"should be {FORMAT!r}, not {_describe(top['format'])}")
        if "format_version" in top and top["format_version"] != FORMAT_VERSION:
            self.fail(
                "format_version",
                f"{_describe(top['format_version'])} is not a version this installation reads "
                f"(it reads {FORMAT_VERSION!r})",
            )
        parts: list[tuple[str, Callable[[Any, str], None]]] = [
            ("organisation", self.organisation),
            ("period", self.period),
            ("frameworks", self.framework_list),
            ("tables", self.tables),
            ("change", self.change),
            ("reviews", self.reviews),
            ("recording_quality", self.recording_quality),
            ("metadata", self.metadata),
        ]
        for name, check in parts:
            if name in top:
                check(top[name], name)

    def organisation(self, value: Any, where: str) -> None:
        found = self.fields(value, where, ("name", "code"))
        if found is not None:
            if "name" in found:
                self.text(found["name"], f"{where}.name")
            if "code" in found:
                self.text(found["code"], f"{where}.code", _CODE)

    def period(self, value: Any, where: str) -> None:
        found = self.fields(value, where, ("label", "start", "end"))
        if found is None or not all(k in found for k in ("label", "start", "end")):
            return
        if not self.text(found["label"], f"{where}.label"):
            return
        try:
            expected = parse_period(found["label"])
        except ValueError as error:
            self.fail(f"{where}.label", str(error))
            return
        for name, want in (("start", expected.start), ("end", expected.end)):
            given = found[name]
            try:
                ok = isinstance(given, str) and date.fromisoformat(given) == want
            except ValueError:
                ok = False
            if not ok:
                self.fail(
                    f"{where}.{name}",
                    f"{_describe(given)} should be {want.isoformat()} for the period "
                    f"{found['label']!r}",
                )

    def framework_list(self, value: Any, where: str) -> None:
        for i, entry in enumerate(self.items(value, where, allow_empty=False)):
            self.framework(entry, f"{where}[{i}]")

    def framework(self, value: Any, where: str) -> None:
        found = self.fields(value, where, ("slug", "version", "name", "outcomes", "levels"))
        if found is None:
            return
        ok = all(
            self.text(found.get(name), f"{where}.{name}") for name in ("slug", "version", "name")
        )
        outcomes = self.coded(found.get("outcomes", []), f"{where}.outcomes", ("code", "name"))
        levels = self.coded(found.get("levels", []), f"{where}.levels", ("code", "label", "rank"))
        for i, level in enumerate(found.get("levels") or []):
            rank = level.get("rank") if isinstance(level, dict) else None
            if rank is not None and not _is_int(rank):
                self.fail(f"{where}.levels[{i}].rank", f"{_describe(rank)} is not a whole number")
        if ok:
            key = f"{found['slug']}@{found['version']}"
            if key in self.frameworks:
                self.fail(where, f"the framework {key} is listed twice")
            self.frameworks[key] = (outcomes, levels)

    def coded(self, value: Any, where: str, required: tuple[str, ...]) -> set[str]:
        codes: set[str] = set()
        for i, entry in enumerate(self.items(value, where, allow_empty=False)):
            found = self.fields(entry, f"{where}[{i}]", required)
            if found is None or "code" not in found:
                continue
            code = found["code"]
            if not self.text(code, f"{where}[{i}].code"):
                continue
            if code == TOTAL:
                self.fail(f"{where}[{i}].code", f"{TOTAL!r} is kept for totals")
            elif code in codes:
                self.fail(f"{where}[{i}].code", f"{code!r} appears twice")
            codes.add(code)
            for name in required[1:2]:
                if name in found:
                    self.text(found[name], f"{where}[{i}].{name}")
        return codes

    def framework_key(self, value: Any, where: str) -> str | None:
        if not isinstance(value, str) or value not in self.frameworks:
            known = ", ".join(sorted(self.frameworks)) or "none"
            self.fail(
                where, f"{_describe(value)} is not a framework listed in frameworks ({known})"
            )
            return None
        return value

    def tables(self, value: Any, where: str) -> None:
        names: set[tuple[Any, str]] = set()  # a table's name is unique within its framework
        for i, entry in enumerate(self.items(value, where)):
            here = f"{where}[{i}]"
            found = self.fields(entry, here, ("name", "framework", "stage", "by", "cells"))
            if found is None:
                continue
            if self.text(found.get("name"), f"{here}.name"):
                named = (str(found.get("framework")), found["name"])
                if named in names:
                    self.fail(f"{here}.name", f"{found['name']!r} is used by another table")
                names.add(named)
            key = self.framework_key(found.get("framework"), f"{here}.framework")
            if found.get("stage") not in STAGES:
                self.fail(
                    f"{here}.stage",
                    f"should be baseline or latest, not {_describe(found.get('stage'))}",
                )
            by = self.by(found.get("by"), f"{here}.by")
            if key is not None and by is not None and "cells" in found:
                self.cells(found["cells"], f"{here}.cells", key, by)

    def by(self, value: Any, where: str) -> tuple[str, ...] | None:
        if (
            not isinstance(value, list)
            or value[:2] != ["outcome", "level"]
            or len(value) > 3
            or (len(value) == 3 and value[2] not in BREAKDOWNS)
        ):
            choices = ", ".join(BREAKDOWNS)
            self.fail(
                where,
                f'{_describe(value)} should be ["outcome", "level"], with at most one of '
                f"{choices} after them",
            )
            return None
        return tuple(value)

    def cells(self, value: Any, where: str, framework: str, by: tuple[str, ...]) -> None:
        outcomes, levels = self.frameworks[framework]
        known = {"outcome": outcomes, "level": levels, **{k: set(v) for k, v in BREAKDOWNS.items()}}
        seen: set[tuple[str, ...]] = set()
        for i, cell in enumerate(self.items(value, where)):
            here = f"{where}[{i}]"
            found = self.fields(cell, here, (*by, *PAIR))
            if found is None:
                continue
            key = []
            for variable in by:
                code = found.get(variable)
                if variable in found and code != TOTAL and code not in known[variable]:
                    self.fail(f"{here}.{variable}", f"{_describe(code)} is not a known code")
                key.append(str(code))
            if tuple(key) in seen:
                self.fail(here, f"the cell {', '.join(key)} appears twice")
            seen.add(tuple(key))
            self.pair(found, here)

    def pair(self, found: dict[str, Any], where: str) -> None:
        """The count and its published value, in an object already checked for its fields."""
        if "count" in found:
            self.count(found["count"], f"{where}.count")
        if "published" in found:
            self.count(found["published"], f"{where}.published", nullable=True)

    def strict_pair(self, value: Any, where: str) -> None:
        found = self.fields(value, where, PAIR)
        if found is not None:
            self.pair(found, where)

    def change(self, value: Any, where: str) -> None:
        for i, entry in enumerate(self.items(value, where)):
            here = f"{where}[{i}]"
            moves = ("improved", "same", "worse", "people")
            found = self.fields(entry, here, ("framework", "outcome", *moves))
            if found is None:
                continue
            key = self.framework_key(found.get("framework"), f"{here}.framework")
            if key is not None and found.get("outcome") not in self.frameworks[key][0]:
                self.fail(
                    f"{here}.outcome",
                    f"{_describe(found.get('outcome'))} is not an outcome of {key}",
                )
            for move in moves:
                if move in found:
                    self.strict_pair(found[move], f"{here}.{move}")

    def reviews(self, value: Any, where: str) -> None:
        found = self.fields(value, where, ("due", "on_time", "overdue"))
        if found is not None:
            for name in ("due", "on_time", "overdue"):
                if name in found:
                    self.strict_pair(found[name], f"{where}.{name}")

    def recording_quality(self, value: Any, where: str) -> None:
        measures: set[str] = set()
        for i, entry in enumerate(self.items(value, where)):
            here = f"{where}[{i}]"
            found = self.fields(entry, here, ("measure", *PAIR, "of"))
            if found is None:
                continue
            if self.text(found.get("measure"), f"{here}.measure", _CODE):
                if found["measure"] in measures:
                    self.fail(f"{here}.measure", f"{found['measure']!r} appears twice")
                measures.add(found["measure"])
            self.pair(found, here)
            if "of" in found:
                self.strict_pair(found["of"], f"{here}.of")

    def metadata(self, value: Any, where: str) -> None:
        required = ("policy", "audit", "software_version", "generated_at", "checksum")
        found = self.fields(value, where, required, optional=("final",))
        if found is None:
            return
        if "policy" in found:
            self.policy(found["policy"], f"{where}.policy")
        if "audit" in found:
            self.audit(found["audit"], f"{where}.audit")
        if "software_version" in found:
            self.text(found["software_version"], f"{where}.software_version")
        if "generated_at" in found:
            self.moment(found["generated_at"], f"{where}.generated_at")
        if "final" in found and not isinstance(found["final"], bool):
            self.fail(f"{where}.final", f"should be true or false, not {_describe(found['final'])}")
        checksum = found.get("checksum")
        if "checksum" in found and not (isinstance(checksum, str) and _CHECKSUM.match(checksum)):
            self.fail(
                f"{where}.checksum", f"{_describe(checksum)} is not 'sha256:' and 64 hex digits"
            )

    def policy(self, value: Any, where: str) -> None:
        found = self.fields(value, where, ("threshold", "rounding_base", "method"), open_ended=True)
        if found is None:
            return
        for name in ("threshold", "rounding_base", "minimum_n", "protection_level"):
            if name in found and (not _is_int(found[name]) or found[name] < 1):
                self.fail(
                    f"{where}.{name}",
                    f"{_describe(found[name])} is not a whole number of 1 or more",
                )
        if "method" in found and found["method"] not in ("rounding", "suppression"):
            self.fail(
                f"{where}.method",
                f"should be rounding or suppression, not {_describe(found['method'])}",
            )
        if "comparison" in found and found["comparison"] not in ("<", "<="):
            self.fail(
                f"{where}.comparison", f"should be < or <=, not {_describe(found['comparison'])}"
            )

    def audit(self, value: Any, where: str) -> None:
        found = self.fields(
            value, where, ("passed", "hidden", "checked", "narrowest_range", "problems")
        )
        if found is None:
            return
        if "passed" in found and not isinstance(found["passed"], bool):
            self.fail(
                f"{where}.passed", f"should be true or false, not {_describe(found['passed'])}"
            )
        for name in ("hidden", "checked"):
            if name in found:
                self.count(found[name], f"{where}.{name}")
        if "narrowest_range" in found:
            self.count(found["narrowest_range"], f"{where}.narrowest_range", nullable=True)
        if "problems" in found:
            for i, problem in enumerate(self.items(found["problems"], f"{where}.problems")):
                self.text(problem, f"{where}.problems[{i}]")

    def moment(self, value: Any, where: str) -> None:
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.fail(where, f"{_describe(value)} is not a date and time with its time zone")
