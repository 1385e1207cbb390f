"""A return built from the demo organisation: sound, protected, audited, and free of anyone's details."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from meaningful.accounts.models import Organisation, User
from meaningful.audit.models import AuditEvent
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.demo.generate import build_demo
from meaningful.demo.organisation import DEMO_ORGANISATION
from meaningful.people.models import Identifier, Person
from meaningful.reports.builder import ReportRequest, build_report
from meaningful.reports.period import parse_period
from meaningful.returns.build import build_return, return_policy
from meaningful.returns.models import ReturnRelease
from meaningful.returns.schema import SCHEMA_PATH, numbers, return_checksum, validate_return
from tests.returns.conftest import TODAY

pytestmark = pytest.mark.django_db  # the module's return is built once, in a transaction undone


@dataclass(frozen=True)
class Built:
    document: dict[str, Any]
    threshold: int
    names: list[str]
    identifiers: list[str]
    postcodes: list[str]
    words: list[str]
    audited: bool
    registered: int
    by_national_outcome: dict[int, tuple[int, int]]  # the report's people and met


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Built]:
    """The demo organisation's return for 2026, built once; the database is left as it was."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo(people=60, seed=7, today=TODAY)
        organisation = Organisation.objects.get(name=DEMO_ORGANISATION)
        admin = User.objects.get(username="graham.stewart")
        document = build_return(admin, organisation, parse_period("2026"))
        report = build_report(admin, ReportRequest("org", organisation.pk, parse_period("2026")))
        people = Person.objects.filter(organisation=organisation)
        records = OutcomeRecord.objects.filter(conversation__person__organisation=organisation)
        texts = [
            *records.values_list("what_matters", "why_it_matters", "working", "not_working"),
            *Conversation.objects.filter(person__in=people).values_list("story"),
            *people.values_list("about_me"),
        ]
        yield Built(
            document=document,
            threshold=return_policy(organisation).largest_unsafe,
            names=[n for pair in people.values_list("given_name", "family_name") for n in pair],
            identifiers=list(Identifier.objects.values_list("value", flat=True)),
            postcodes=[p for p in people.values_list("postcode", flat=True) if p],
            words=[t for row in texts for t in row if len(t) > 12],
            audited=AuditEvent.objects.filter(action="return.build").exists(),
            registered=ReturnRelease.objects.count(),
            by_national_outcome={n.number: (n.people, n.met.count) for n in report.national},
        )
        transaction.set_rollback(True)


def test_the_demo_return_validates_against_the_schema(built: Built) -> None:
    assert validate_return(built.document) == []
    assert built.document["format"] == "meaningful-return"
    assert built.document["format_version"] == "1.1"


def test_figures_by_national_outcome_are_the_organisation_report_s(built: Built) -> None:
    section = {
        entry["number"]: (entry["people"]["count"], entry["met"]["count"])
        for entry in built.document["national_outcomes"]
    }
    assert section == built.by_national_outcome
    assert sorted(section) == list(range(1, 10)) and any(people for people, _ in section.values())


def test_no_published_value_is_a_small_count(built: Built) -> None:
    published = [number["published"] for _, number in numbers(built.document)]
    assert published and any(value is None for value in published)
    for value in published:
        assert value is None or value == 0 or value > built.threshold
        assert value is None or value % 5 == 0


def test_the_audit_passed_and_every_hidden_count_keeps_a_wide_range(built: Built) -> None:
    audit = built.document["metadata"]["audit"]
    assert audit["passed"] and audit["problems"] == []
    hidden = [n for _, n in numbers(built.document) if n["published"] is None]
    assert audit["hidden"] == len(hidden) > 0 and audit["checked"] > 0
    assert audit["narrowest_range"] >= 3


def test_the_return_holds_no_names_identifiers_postcodes_or_words_from_records(
    built: Built,
) -> None:
    text = json.dumps(built.document, ensure_ascii=False)
    assert built.names and built.identifiers and built.words
    for name in built.names:
        assert not re.search(rf"\b{re.escape(name)}\b", text), name
    for value in [*built.identifiers, *built.postcodes, *built.words]:
        assert value not in text, value


def test_a_draft_build_is_audited_and_not_registered(built: Built) -> None:
    assert built.audited and built.registered == 0
    assert built.document["metadata"]["final"] is False


def test_every_table_carries_its_totals_and_every_code(built: Built) -> None:
    tables = built.document["tables"]
    by = {tuple(t["by"]) for t in tables}
    assert ("outcome", "level") in by and ("outcome", "level", "age_band") in by
    ages = next(t for t in tables if t["by"][-1] == "age_band")
    assert {c["age_band"] for c in ages["cells"]} == {
        "0-17", "18-64", "65-74", "75-84", "85+", "not known", "Total",
    }  # fmt: skip
    grand = next(c for c in ages["cells"] if set(c.values()) >= {"Total"} and len(c) == 5)
    assert grand["outcome"] == grand["level"] == grand["age_band"] == "Total"


def test_changing_one_number_breaks_the_checksum(built: Built) -> None:
    tampered = copy.deepcopy(built.document)
    tampered["tables"][3]["cells"][12]["count"] += 1
    (problem,) = validate_return(tampered)  # the sums it breaks are the same news
    assert problem.startswith("metadata.checksum: the return has been changed since it was made")
    assert "never edit a return by hand" in problem


def test_a_resealed_change_still_fails_the_sums(built: Built) -> None:
    tampered = copy.deepcopy(built.document)
    cell = next(c for c in tampered["tables"][0]["cells"] if c["outcome"] != "Total")
    cell["count"] += 1
    tampered["metadata"]["checksum"] = return_checksum(tampered)
    problems = validate_return(tampered)
    assert problems and all(p.startswith("tables[") for p in problems)
    assert problems[0].startswith("tables[0].cells[") and "is not the sum of its" in problems[0]
    assert any(
        "the tables of one framework and stage count the same ratings" in p for p in problems
    )


def test_errors_name_the_field(built: Built) -> None:
    broken = copy.deepcopy(built.document)
    broken["tables"][3]["cells"][12]["count"] = -1
    broken["tables"][2]["stage"] = "middle"
    del broken["reviews"]["overdue"]
    problems = validate_return(broken)
    assert "tables[3].cells[12].count: -1 is less than the minimum of 0" in problems
    assert "tables[2].stage: 'middle' is not one of ['baseline', 'latest']" in problems
    assert "reviews: 'overdue' is a required property" in problems


def test_published_values_are_checked_against_the_policy(built: Built) -> None:
    changed = copy.deepcopy(built.document)
    changed["tables"][0]["cells"][1]["published"] = 3
    changed["change"][0]["people"]["published"] = 12
    changed["tables"][1]["framework"] = "made-up@9"
    changed["metadata"]["checksum"] = return_checksum(changed)
    problems = validate_return(changed)
    assert "tables[0].cells[1].published: 3 is a count the policy hides (1 to 7)" in problems
    assert "change[0].people.published: 12 is not a multiple of 5" in problems
    assert "tables[1].framework: framework 'made-up@9' is not in frameworks" in problems


def test_the_published_schema_is_the_one_returns_are_checked_with() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "return.schema.json"
    assert docs.read_text() == SCHEMA_PATH.read_text()
    assert json.loads(docs.read_text())["$id"].endswith(":1.1")


def test_validation_refuses_what_is_not_a_return() -> None:
    assert validate_return([]) == ["(document): [] is not of type 'object'"]
