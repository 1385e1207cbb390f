"""Figures by national outcome for the known organisation (see known.py), worked out by hand."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from meaningful.conversations.services import OutcomeInput, agree_conversation, record_conversation
from meaningful.demo.factories import Personas, make_person
from meaningful.disclosure.policy import HIDDEN
from meaningful.frameworks.models import Framework, Scale
from meaningful.frameworks.services import load_definition_file
from meaningful.reports.builder import ReportRequest, build_report
from meaningful.reports.model import Filters, NationalOutcomeFigures, Report, as_plain
from meaningful.reports.period import parse_period
from meaningful.reports.publication import UnsafeRelease, check_publication
from meaningful.reports.render import render
from tests.reports.known import build_known_organisation, talk

YEAR = parse_period("2026")


@pytest.fixture
def known(personas: Personas) -> Personas:
    build_known_organisation(personas)
    return personas


def report_for(personas: Personas, audience: str = "internal", **options: Any) -> Report:
    request = ReportRequest("org", personas.organisation.pk, YEAR, Filters(), audience=audience)
    return build_report(personas.analyst, dataclasses.replace(request, **options))


def national(report: Report) -> dict[int, NationalOutcomeFigures]:
    return {figures.number: figures for figures in report.national}


def people_and_met(report: Report) -> dict[int, tuple[int, int]]:
    return {n.number: (n.people, n.met.count) for n in report.national if n.fed}


def test_people_are_counted_once_per_national_outcome(known: Personas) -> None:
    report = report_for(known)
    # feeling safe feeds 7 and 4; seeing people feeds 4. Latest ratings in 2026:
    # P1-P4 and P8 feeling safe met, P5 and P7 not met, P6, P9 and P10 partly; Q1 and Q2 met.
    # Seeing people: partly met for all ten North people; not rated for Q1 and Q2.
    assert people_and_met(report) == {
        1: (0, 0),
        2: (0, 0),
        3: (0, 0),
        4: (12, 2),  # ten North people rated on two feeding outcomes count once each
        5: (0, 0),
        6: (0, 0),
        7: (12, 7),
    }
    figures = national(report)
    assert figures[4].met.share == pytest.approx(2 / 12)  # only Q1 and Q2 have both met
    assert figures[7].met.share == pytest.approx(7 / 12)
    assert not figures[8].fed and not figures[9].fed
    assert figures[7].title == "Safe from harm"
    assert figures[7].wording.startswith("People who use health and social care services are safe")
    assert not figures[7].small and figures[3].small
    assert report.national_left_out == []
    assert "national-outcomes" in {c.code for c in report.caveats}


def test_the_database_and_the_pure_rule_give_the_same_figures(known: Personas) -> None:
    south: dict[str, Any] = {"scope": "team", "scope_id": known.other_team.pk}
    for options in ({}, {"filters": Filters(age_band="85+")}, south):
        quick = report_for(known, **options)
        slow = report_for(known, read_every_rating=True, **options)
        assert quick.national and as_plain(quick.national) == as_plain(slow.national), options
    assert people_and_met(report_for(known, **south))[4] == (2, 2)  # Q1 and Q2


def three_listened_to(personas: Personas) -> None:
    """Three more North people, listened to (feeds national outcome 3) and met."""
    for index in range(3):
        person = make_person(
            personas.owner, personas.team, given_name=f"L{index + 1}", family_name="North"
        )
        talk(personas.owner, person, date(2026, 4, 1), "baseline", {"listened-to": "met"}, None)


def test_a_national_outcome_with_three_people_is_hidden_in_publication(known: Personas) -> None:
    three_listened_to(known)
    assert people_and_met(report_for(known))[3] == (3, 3)
    report = report_for(known, audience="publication")
    figures = national(report)
    assert figures[3].people == HIDDEN and figures[3].met.suppressed
    # 12 people -> 10; 7 met and 2 met are hidden, so no share is given from them
    assert figures[7].people == 10 and figures[7].met.suppressed
    assert figures[4].people == 10 and figures[4].met.suppressed
    assert figures[1].people == 0 and figures[1].met.share is None
    assert not any(n.small for n in report.national)
    plain = as_plain(report)
    assert plain["national"][2]["people"] is None
    assert plain["national"][2]["met"]["count"] is None
    check_publication(report, report.policy)
    html = render(report, "html").decode()
    section = html[html.index('id="national-outcomes"') :]
    assert "3. Positive experiences" in section and ">*</td>" in section
    rows = national_rows(render(report, "csv"))
    assert rows["3"][3:5] == ["*", "*"]
    assert rows["7"][3:5] == ["10", "*"]


def test_the_organisations_own_policy_applies_to_the_national_figures(known: Personas) -> None:
    organisation = known.organisation
    organisation.disclosure_threshold, organisation.disclosure_rounding = 13, 10
    organisation.save()
    figures = national(report_for(known, audience="publication"))
    assert figures[7].people == HIDDEN  # 12 people: below 13


def test_an_unsafe_national_count_is_refused(known: Personas) -> None:
    report = report_for(known, audience="publication")
    report.national[2] = dataclasses.replace(report.national[2], people=3)
    with pytest.raises(UnsafeRelease, match="National outcome 3: a people of 3"):
        check_publication(report, report.policy)


def national_rows(content: bytes) -> dict[str, list[str]]:
    lines = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return {row[1]: row[1:] for row in lines if row and row[0] == "national_outcomes"}


def test_every_format_shows_the_national_figures_after_the_personal_ones(
    known: Personas, tmp_path: Path
) -> None:
    report = report_for(known)
    data = json.loads(render(report, "json"))
    assert [n["number"] for n in data["national"]] == list(range(1, 10))
    assert data["national"][6]["people"] == 12 and data["national"][6]["met"]["count"] == 7
    rows = national_rows(render(report, "csv"))
    assert rows["7"][:5] == ["7", "Safe from harm", "yes", "12", "7"]
    assert rows["4"][3:5] == ["12", "2"]
    assert rows["8"][2:4] == ["no", ""]
    path = tmp_path / "report.xlsx"
    path.write_bytes(render(report, "xlsx"))
    book = load_workbook(path)
    names = book.sheetnames
    assert names.index("teams") < names.index("national_outcomes") < names.index("caveats")
    sheet = [list(r) for r in book["national_outcomes"].iter_rows(values_only=True)]
    assert sheet[0][:5] == [
        "national_outcome",
        "title",
        "fed_by_personal_outcomes",
        "people",
        "met",
    ]
    assert sheet[7][:5] == [7, "Safe from harm", "yes", 12, 7]
    caveats = [r[1] for r in book["caveats"].iter_rows(values_only=True)]
    assert any("personal outcome figures are the primary figures" in str(t) for t in caveats)
    html = render(report, "html").decode()
    heading = html.index(">By national outcome</h2>")
    assert html.index("Latest agreed level for each outcome") < heading
    assert heading < html.index('id="recording-quality"') < html.index('id="caveats"')
    assert "The personal outcome figures above are the primary figures." in html
    assert "No personal outcome feeds it" in html and "2 (17%)" in html[heading:]
    pdf = PdfReader(io.BytesIO(render(report, "pdf")))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert text.index("By national outcome") < text.index("Caveats")
    assert text.index("Latest agreed level for each outcome") < text.index("By national outcome")
    assert "7. Safe from harm" in text and "2 (17%)" in text
    assert "personal outcome figures above are the primary figures" in " ".join(text.split())


def test_own_frameworks_and_numbered_scales_stay_out_of_the_national_view(
    known: Personas, tmp_path: Path
) -> None:
    own = {
        "format": "meaningful-framework/1",
        "slug": "our-recovery-outcomes",
        "version": "1",
        "name": "Our recovery outcomes",
        "population": "service-users",
        "default_scale": "met-partly-not",
        "categories": [{"code": "recovery", "name": "Recovery"}],
        "outcomes": [
            {
                "code": "feeling-safe",  # a built-in code, in a framework that is not built in
                "name": "Feeling safe",
                "category": "recovery",
                "type": "change",
                "description": "Feeling safe at home.",
                "prompts": ["What helps you feel safe?", "What gets in the way?"],
            }
        ],
    }
    path = tmp_path / "own.json"
    path.write_text(json.dumps(own))
    load_definition_file(known.admin, path, organisation=known.organisation)
    before = people_and_met(report_for(known))
    person = make_person(known.owner, known.team, given_name="R1", family_name="North")
    agree_conversation(
        known.owner,
        record_conversation(
            known.owner,
            person,
            framework=Framework.objects.get(slug="our-recovery-outcomes"),
            held_on=date(2026, 5, 1),
            kind="baseline",
            records=[
                OutcomeInput(
                    outcome="feeling-safe", what_matters="I want to feel safe.", agreed_level="met"
                )
            ],
        ),
    )
    numbered = make_person(known.owner, known.team, given_name="N1", family_name="North")
    agree_conversation(
        known.owner,
        record_conversation(
            known.owner,
            numbered,
            framework=Framework.objects.get(slug="talking-points-service-users"),
            scale=Scale.objects.get(code="1-4"),
            held_on=date(2026, 5, 1),
            kind="baseline",
            records=[
                OutcomeInput(
                    outcome="feeling-safe", what_matters="I want to feel safe.", agreed_level="4"
                )
            ],
        ),
    )
    report = report_for(known)
    assert len(report.sections) == 3  # the personal outcome figures show both
    assert people_and_met(report) == before
    assert report.national_left_out == ["Our recovery outcomes (version 1)"]
    caveat = next(c for c in report.caveats if c.code == "national-outcomes")
    assert caveat.text.endswith("those of Our recovery outcomes (version 1).")
    html = render(report, "html").decode()
    assert "not mapped to national outcomes: Our recovery outcomes (version 1)." in html
    slow = report_for(known, read_every_rating=True)
    assert as_plain(slow.national) == as_plain(report.national)
