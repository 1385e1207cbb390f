"""Figures by national outcome in a return (format 1.1): the report's figures, protected and
audited with the rest, and read beside returns of 1.0."""

from __future__ import annotations

import copy
from typing import Any

from django.test import Client
from django.urls import reverse

from meaningful.accounts.models import Organisation
from meaningful.demo.factories import Personas
from meaningful.reports.builder import ReportRequest, build_report
from meaningful.reports.period import parse_period
from meaningful.returns.build import assemble, build_return
from meaningful.returns.models import ReturnRelease
from meaningful.returns.national import NATIONAL
from meaningful.returns.schema import return_checksum, validate_return

YEAR = parse_period("2026")


def by_number(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {entry["number"]: entry for entry in document["national_outcomes"]}


def counts(document: dict[str, Any]) -> dict[int, tuple[int, int, int]]:
    """People, met and not met under each national outcome, exactly."""
    return {
        number: (entry["people"]["count"], entry["met"]["count"], entry["not_met"]["count"])
        for number, entry in by_number(document).items()
    }


def test_the_section_holds_the_organisation_report_s_figures(
    known: Organisation, personas: Personas
) -> None:
    document = build_return(personas.admin, known, YEAR)
    assert validate_return(document) == []
    assert document["format_version"] == "1.1"
    report = build_report(personas.analyst, ReportRequest("org", known.pk, YEAR))
    assert report.national
    assert counts(document) == {
        n.number: (n.people, n.met.count, n.people - n.met.count) for n in report.national
    }
    # worked out by hand in tests/reports/test_national.py: 12 people under 4 (2 met), 7 (7 met)
    assert counts(document)[4] == (12, 2, 10) and counts(document)[7] == (12, 7, 5)
    assert by_number(document)[7]["title"] == "Safe from harm"


def test_small_counts_by_national_outcome_are_hidden(
    known: Organisation, personas: Personas
) -> None:
    document = build_return(personas.admin, known, YEAR)
    policy = document["metadata"]["policy"]
    largest = policy["threshold"] - 1
    four = by_number(document)[4]
    assert four["met"] == {"count": 2, "published": None}
    for entry in document["national_outcomes"]:
        for part in ("people", "met", "not_met"):
            count, published = entry[part]["count"], entry[part]["published"]
            assert published is None or published == 0 or published > largest
            if 0 < count <= largest:
                assert published is None
    assert by_number(document)[1]["people"] == {"count": 0, "published": 0}


def test_the_audit_covers_the_section_as_a_part_of_its_own(
    known: Organisation, personas: Personas
) -> None:
    built = assemble(known, YEAR)
    national = next(p for p in built.parts if p.part.prefix == NATIONAL)
    hidden = sum(f.hidden for f in national.release.figures)
    assert hidden and national.release.audit.ranges and built.passed
    assert all(r.high is None or r.high - r.low >= 3 for r in national.release.audit.ranges)
    shown = [
        entry[part]["published"]
        for entry in built.document["national_outcomes"]
        for part in ("people", "met", "not_met")
    ]
    assert shown.count(None) == hidden


def test_a_release_keeps_the_section_and_a_later_overlapping_return_is_audited_with_it(
    known: Organisation, personas: Personas
) -> None:
    build_return(personas.admin, known, YEAR, final=True)
    figures = ReturnRelease.objects.get().figures
    assert any(f["table"] == f"{NATIONAL}by national outcome" for f in figures)
    quarter = assemble(known, parse_period("2026-Q1"))
    national = next(p for p in quarter.parts if p.part.prefix == NATIONAL)
    assert "2026" in {r.release for r in national.release.audit.ranges}
    assert quarter.passed, quarter.refusal()


def test_a_return_of_version_1_0_still_validates(known: Organisation, personas: Personas) -> None:
    older = copy.deepcopy(build_return(personas.admin, known, YEAR))
    del older["national_outcomes"]
    older["format_version"] = "1.0"
    older["metadata"]["checksum"] = return_checksum(older)
    assert validate_return(older) == []


def test_the_page_shows_the_section_beside_the_personal_outcome_tables(
    client: Client, known: Organisation, personas: Personas
) -> None:
    client.force_login(personas.admin)
    response = client.post(reverse("returns"), {"period": "2026"})
    text = response.content.decode()
    section = text[text.index('id="national-outcomes"') :]
    assert "7. Safe from harm" in section and "The personal outcome figures above" in section
    assert text.index("Latest rating") < text.index('id="national-outcomes"')
