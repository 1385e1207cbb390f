"""Importing outcome records from a spreadsheet: every row checked, every write through the services.

Rows that break a rule are rejected with their row number, column and reason; the good rows are
kept. Rows for the same person, date and conversation type form one conversation. Importing the
same file again creates nothing new. A dry run does every check and every write, then rolls back.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from meaningful.accounts.access import can_administer, care_teams, import_grant
from meaningful.accounts.models import Organisation, Service, Team, User
from meaningful.accounts.services import add_service, add_team
from meaningful.conversations.models import Conversation
from meaningful.conversations.services import (
    OutcomeInput,
    agree_conversation,
    record_conversation,
)
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework, Scale
from meaningful.interop.tabular.batch import no_such_team, write_in_bulk
from meaningful.interop.tabular.columns import Columns, match_columns
from meaningful.interop.tabular.reading import Table, read_table, undecoded_bytes
from meaningful.interop.tabular.report import ImportReport
from meaningful.interop.tabular.values import (
    Levels,
    OutcomeNames,
    ParsedOnce,
    parse_kind,
    parse_uk_date,
)
from meaningful.people.models import Identifier, Person
from meaningful.people.services import register_person
from meaningful.plans.services import ActionInput, create_plan
from meaningful.text import LONG_TEXT

_FIRST_PERSON = ("i ", "i'll", "me ", "my ")


@dataclass(slots=True)
class Row:
    """One checked row."""

    number: int
    cells: dict[str, str]
    held_on: date
    kind: str
    outcome: str
    level: str | None
    born: date | None


class Importer:
    """Checks rows against one framework and scale, then writes them for one organisation."""

    def __init__(
        self,
        actor: User,
        organisation: Organisation,
        framework: Framework,
        scale: Scale | None,
        report: ImportReport,
    ) -> None:
        self.actor, self.organisation, self.report = actor, organisation, report
        self.encoding = "utf-8"  # of the file being read, for what a broken byte is not
        self.framework = framework
        self.scale = scale or framework.default_scale
        self.today = timezone.localdate()
        self.outcomes = OutcomeNames(
            [(o.code, o.name, list(o.synonyms)) for o in framework.outcomes.all()]
        )
        self.levels = Levels(
            [(lv.code, lv.label, lv.value) for lv in self.scale.levels.all()],
            numeric=self.scale.kind in ("numeric", "goal-attainment"),
            explicit=scale is not None,
        )
        today = self.today
        self.date = ParsedOnce(lambda text: parse_uk_date(text, today=today))
        self.kind = ParsedOnce(parse_kind)
        self.outcome = ParsedOnce(self.outcomes.code_for)
        self.rating = ParsedOnce(self.levels.read)

    def _cell_problem(self, text: str) -> tuple[str, str] | None:
        """Why a cell cannot be stored, and the kind of problem for the report; None if it can."""
        if "\x00" in text:
            return "contains an invisible NUL character", "NUL character"
        broken = undecoded_bytes(text)
        if broken:
            place, byte = broken[0]
            encoding = "UTF-8" if self.encoding == "utf-8" else "a character in Windows-1252"
            return (
                f"byte 0x{byte:02X} (character {place + 1} of the cell) is not {encoding}: "
                "save the file again as CSV UTF-8",
                "bytes not in the file's encoding",
            )
        if len(text) > LONG_TEXT:
            return (
                f"the cell is {len(text):,} characters long; a cell holds at most {LONG_TEXT:,}",
                "cell too long",
            )
        return None

    def check(self, number: int, cells: dict[str, str], columns: Columns) -> Row | None:
        """Return the row if it can be imported; otherwise record why not and return None."""
        joined = "".join(cells.values())
        if not joined.isascii() or "\x00" in joined or len(joined) > LONG_TEXT:
            for name, value in cells.items():
                problem = self._cell_problem(value)
                if problem:
                    self.report.reject(number, columns.heading(name), *problem)
                    return None
        if not cells.get("person_id", "").strip():
            self.report.reject(number, "person id", "no person id", "missing person id")
            return None
        try:
            held_on = self.date(cells.get("held_on", ""))
        except ValueError as error:
            self.report.reject(number, "conversation date", str(error), "bad conversation date")
            return None
        if held_on > self.today:
            self.report.reject(
                number,
                "conversation date",
                f"{held_on:%d/%m/%Y} is in the future",
                "bad conversation date",
            )
            return None
        born = None
        if cells.get("date_of_birth", "").strip():
            try:
                born = self.date(cells["date_of_birth"])
            except ValueError as error:
                self.report.reject(number, "date of birth", str(error), "bad date of birth")
                return None
            if born > self.today:
                self.report.reject(
                    number,
                    "date of birth",
                    f"{born:%d/%m/%Y} is in the future",
                    "bad date of birth",
                )
                return None
        try:
            kind = self.kind(cells.get("kind", ""))
        except ValueError as error:
            self.report.reject(number, "conversation type", str(error), "unknown conversation type")
            return None
        try:
            outcome = self.outcome(cells.get("outcome", ""))
        except ValueError as error:
            self.report.reject(number, "outcome", str(error), "unknown outcome")
            return None
        rating = self.rating(cells.get("rating", ""))
        if rating.flag:
            self.report.flag(
                number,
                "rating",
                f"{rating.flag} ({cells.get('rating', '').strip()!r}): rating left empty",
            )
        return Row(number, cells, held_on, kind, outcome, rating.level, born)

    def _team(self, cells: dict[str, str]) -> Team:
        service_name = cells.get("service", "").strip() or "Imported records"
        team_name = cells.get("team", "").strip() or service_name
        service = Service.objects.filter(
            organisation=self.organisation, name__iexact=service_name
        ).first()
        team = (
            Team.objects.filter(service=service, name__iexact=team_name).first()
            if service
            else None
        )
        if team is None and not can_administer(self.actor, self.organisation):
            raise NotAllowed(
                no_such_team(
                    service_name,
                    team_name,
                    service_exists=service is not None,
                    yours=[
                        t.with_service for t in care_teams(self.actor).select_related("service")
                    ],
                )
            )
        if service is None:
            service = add_service(self.actor, self.organisation, service_name, "other")
            self.report.services_created.append(service_name)
        if team is None:
            team = add_team(self.actor, service, team_name)
            self.report.teams_created.append(f"{service.name} / {team_name}")
        return team

    def person_fields(self, first: Row) -> dict[str, Any]:
        """The details a new person is registered with, from the first row about them."""
        return {
            "given_name": first.cells.get("given_name", "").strip(),
            "family_name": first.cells.get("family_name", "").strip(),
            "date_of_birth": first.born,
            "postcode": first.cells.get("postcode", "").strip()[:10],
        }

    def records(self, rows: list[Row]) -> list[OutcomeInput]:
        """What each row says about its outcome."""
        return [
            OutcomeInput(
                outcome=row.outcome,
                what_matters=row.cells.get("what_matters", "").strip(),
                why_it_matters=row.cells.get("why_it_matters", "").strip(),
                working=row.cells.get("working", "").strip(),
                not_working=row.cells.get("not_working", "").strip(),
                agreed_level=row.level,
            )
            for row in rows
        ]

    def actions(self, rows: list[Row]) -> list[ActionInput]:
        """The actions agreed in a conversation: "I ..." is the person's own, the rest the service's."""
        return [
            ActionInput(
                description=text.strip()[:500],
                outcome=row.outcome,
                owner="person" if text.strip().lower().startswith(_FIRST_PERSON) else "service",
            )
            for row in rows
            for text in row.cells.get("actions", "").split(";")
            if text.strip()
        ]

    def _person(self, first: Row, team: Team) -> Person:
        person_id = first.cells["person_id"].strip()
        existing = (
            Identifier.objects.filter(
                organisation=self.organisation, system="local", value=person_id
            )
            .select_related("person")
            .first()
        )
        if existing is not None:
            self.report.people_matched += 1
            return existing.person
        fields = self.person_fields(first)
        if not fields["given_name"] or not fields["family_name"]:
            raise InvalidInput(
                {"person": f"person {person_id} is new: give their forename and surname"}
            )
        person = register_person(
            self.actor,
            team,
            identifiers=[("local", person_id)],
            allocated_on=first.held_on,
            **fields,
        )
        self.report.people_created += 1
        return person

    def write_one(self, rows: list[Row]) -> None:
        """Write one conversation through the per-record services; if refused, reject its rows."""
        before = self.report.snapshot()
        try:
            with transaction.atomic():
                self.write(rows)
        except (InvalidInput, NotAllowed, NotFound) as error:
            self.report.restore(before)  # nothing of this conversation was kept
            reason = "; ".join(getattr(error, "errors", {}).values()) or str(error)
            for row in rows:
                self.report.reject(row.number, "", reason, "refused by the rules")

    def write(self, rows: list[Row]) -> None:
        """Write one conversation (rows sharing person, date and type) through the services."""
        first = rows[0]
        team = self._team(first.cells)
        person = self._person(first, team)
        if Conversation.objects.filter(
            person=person,
            held_on=first.held_on,
            kind=first.kind,
            framework__slug=self.framework.slug,
        ).exists():
            self.report.rows_already_imported += len(rows)
            return
        conversation = record_conversation(
            self.actor,
            person,
            framework=self.framework,
            scale=self.scale,
            held_on=first.held_on,
            kind=first.kind,
            records=self.records(rows),
            team=team,
            participants=first.cells.get("worker", "").strip()[:300],
        )
        actions = self.actions(rows)
        if actions:
            create_plan(
                self.actor,
                person,
                starts_on=first.held_on,
                conversation=conversation,
                actions=actions,
                draft=True,
            )
        agree_conversation(self.actor, conversation)  # records from a case system were agreed there
        self.report.conversations_created += 1
        self.report.ratings_stored += sum(1 for row in rows if row.level)
        self.report.rows_accepted += len(rows)


def _group(
    importer: Importer, rows: list[Row], report: ImportReport
) -> dict[tuple[str, date, str], list[Row]]:
    groups: dict[tuple[str, date, str], list[Row]] = {}
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        signature = tuple(map(str.strip, row.cells.values()))
        if signature in seen:
            report.reject(
                row.number, "", f"exact duplicate of row {seen[signature]}", "duplicate row"
            )
            continue
        seen[signature] = row.number
        key = (row.cells["person_id"].strip().lower(), row.held_on, row.kind)
        group = groups.setdefault(key, [])
        earlier = next((r for r in group if r.outcome == row.outcome), None)
        if earlier is not None:
            report.reject(
                row.number,
                "outcome",
                f"{importer.outcomes.names[row.outcome]} is already recorded for this "
                f"conversation in row {earlier.number}",
                "outcome twice in one conversation",
            )
            continue
        group.append(row)
    return groups


def _cells_getter(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """Pick the cells of the matched columns from a row long enough to hold them all."""
    pick = itemgetter(*indexes)
    if len(indexes) == 1:
        return lambda raw: (pick(raw),)
    return pick


def import_records(
    actor: User,
    path: Path,
    *,
    organisation: Organisation,
    framework: Framework,
    scale: Scale | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    one_by_one: bool = False,
) -> ImportReport:
    """Import a CSV or XLSX file of outcome records; raise UnreadableFile or ColumnError for the whole file.

    Conversations are written in bulk; ``one_by_one`` writes each through the per-record
    services instead, which is slower and leaves the same records.
    """
    report = ImportReport(dry_run=dry_run)
    with _cycle_collection_paused():
        table = read_table(path)
        columns = match_columns(table.header, mapping)
        importer = Importer(actor, organisation, framework, scale, report)
        checked = _checked_rows(importer, table, columns)
        del table  # the checked rows keep the cells they need
        groups = list(_group(importer, checked, report).values())
        del checked
        _write(importer, groups, one_by_one=one_by_one)
    return report


def _checked_rows(importer: Importer, table: Table, columns: Columns) -> list[Row]:
    """Every row of the table that passes the row checks; the report says why the others fail."""
    report = importer.report
    importer.encoding = table.encoding
    positions = list(columns.positions.items())
    names = [name for name, _ in positions]
    cells_of = _cells_getter([index for _, index in positions])
    last = max(index for _, index in positions)
    width = len(table.header)
    checked = []
    for number, raw in enumerate(table.rows, start=1):
        if not "".join(raw).strip():
            continue
        report.rows_read += 1
        if len(raw) > width and "".join(raw[width:]).strip():
            report.reject(number, "", "more cells than there are column headings", "extra cells")
            continue
        cells = (
            dict(zip(names, cells_of(raw), strict=True))
            if len(raw) > last
            else {name: raw[index] if index < len(raw) else "" for name, index in positions}
        )
        row = importer.check(number, cells, columns)
        if row is not None:
            checked.append(row)
    return checked


def _write(importer: Importer, groups: list[list[Row]], *, one_by_one: bool) -> None:
    actor, organisation = importer.actor, importer.organisation
    grant = (
        import_grant(actor, organisation) if can_administer(actor, organisation) else nullcontext()
    )
    with transaction.atomic(), grant:
        if one_by_one:
            for rows in groups:
                importer.write_one(rows)
        else:
            write_in_bulk(importer, groups)
        if importer.report.dry_run:
            transaction.set_rollback(True)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while an import holds its rows, then restore it.

    A large file becomes millions of small objects that live until the import ends. The
    collector runs after every few hundred new objects and, as the heap grows, walks all of
    them again and again: about a third of a 100,000-row import. The import makes no
    reference cycles of its own, so nothing is left for the collector to free until the end,
    when it runs as before. It is paused only if it was running, and restored even on error.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
