"""Report figures for a known organisation, worked out by hand (see known.py), in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.errors import NotFound
from meaningful.reports.builder import ReportRequest, build_report
from meaningful.reports.model import Filters, Report, as_plain
from meaningful.reports.period import Period, parse_period
from meaningful.reports.render import render
from tests.reports.known import build_known_organisation

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31), "2026")


@pytest.fixture
def known(personas: Personas) -> Personas:
    build_known_organisation(personas)
    return personas


def org_report(personas: Personas, audience: str = "internal", **filters: str) -> Report:
    request = ReportRequest(
        "org", personas.organisation.pk, YEAR, Filters(**filters), audience=audience
    )
    return build_report(personas.analyst, request)


def outcome(report: Report, code: str) -> Any:
    return next(o for o in report.sections[0].outcomes if o.code == code)


def counts(distribution: Any) -> dict[str, int]:
    return {level.code: level.share.count for level in distribution.levels}


def test_periods_are_read_as_people_write_them() -> None:
    assert parse_period("2026-Q3") == Period(date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert parse_period("2025-04..2026-03").end == date(2026, 3, 31)
    assert parse_period(" 2024 ").start == date(2024, 1, 1)
    for written in ("Q3 2026", "q3-2026", "2026 Q3"):
        assert parse_period(written) == parse_period("2026-Q3")
    for bad in ("2026-Q5", "Q5 2026", "Q3 26", "2026-13..2027-01", "2026-05..2026-01"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_the_internal_report_has_the_hand_worked_figures(known: Personas) -> None:
    report = org_report(known)
    assert len(report.sections) == 1
    section = report.sections[0]
    assert (section.slug, section.people) == ("talking-points-service-users", 12)
    safe = outcome(report, "feeling-safe")
    assert counts(safe.latest) == {"not-met": 2, "partly-met": 3, "met": 7}
    assert safe.latest.total == 12 and not safe.small
    change = safe.change
    assert (change.people, change.improved.count, change.same.count, change.worse.count) == (
        8,
        5,
        2,
        1,
    )
    assert change.net_improvement == pytest.approx(0.5)
    assert change.p_value == pytest.approx(14 / 64)  # 2 * P(X <= 1 | n = 6)
    assert change.maintained is not None and change.maintained.count == 7
    seeing = outcome(report, "seeing-people")
    assert counts(seeing.latest) == {"not-met": 0, "partly-met": 10, "met": 0}
    assert (seeing.change.same.count, seeing.change.p_value) == (8, None)
    done = section.completion
    assert (done.with_baseline, done.reviewed.count) == (12, 8)
    assert counts(done.reviewed_baseline) == {"not-met": 5, "partly-met": 11, "met": 0}
    assert counts(done.not_reviewed_baseline) == {"not-met": 0, "partly-met": 4, "met": 2}
    assert done.difference_in_met == pytest.approx(0 - 2 / 6)
    assert [(p.name, p.count, p.total) for p in section.teams.points] == [
        ("North", 5, 20),
        ("South", 2, 2),
    ]
    assert section.teams.overall == pytest.approx(7 / 22)
    north = next(q for q in report.quality if q.team == "North")
    assert (north.records, north.own_words.count, north.agreed_level.count) == (36, 36, 36)
    codes = {c.code for c in report.caveats}
    assert {"contribution", "rater-variation", "regression-to-the-mean", "maintenance"} <= codes
    assert "not-reviewed" in codes and "disclosure-control" not in codes


def test_filters_and_periods_narrow_the_figures(known: Personas) -> None:
    assert org_report(known, sex="male").sections == []  # make_person records everyone as female
    march = ReportRequest("org", known.organisation.pk, parse_period("2026-03..2026-03"))
    report = build_report(known.analyst, march)
    safe = outcome(report, "feeling-safe")
    assert counts(safe.latest) == {"not-met": 0, "partly-met": 0, "met": 2}  # South's baselines
    # make_person gives everyone 14 March 1941: 85 at the end of 2026
    team = build_report(
        known.owner, ReportRequest("team", known.team.pk, YEAR, Filters(age_band="85+"))
    )
    assert outcome(team, "feeling-safe").latest.total == 10
    younger = ReportRequest("team", known.team.pk, YEAR, Filters(age_band="75-84"))
    assert build_report(known.owner, younger).sections == []


def published_counts(value: Any, where: str = "") -> list[tuple[str, int]]:
    """Every count a published report shows (hidden ones excluded), found by walking its JSON."""
    found: list[tuple[str, int]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("count", "total", "people", "with_baseline", "records") and isinstance(
                item, int
            ):
                found.append((f"{where}.{key}", item))
            else:
                found += published_counts(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += published_counts(item, f"{where}[{index}]")
    return found


def test_the_publication_report_hides_small_counts_and_rounds_the_rest(known: Personas) -> None:
    report = org_report(known, audience="publication")
    safe = outcome(report, "feeling-safe")
    # 7 met -> hidden, 3 partly -> hidden, 2 not met -> hidden; 12 people -> 10
    assert safe.latest.total == 10
    assert all(level.share.suppressed for level in safe.latest.levels)
    seeing = outcome(report, "seeing-people")
    assert counts(seeing.latest) == {"not-met": 0, "partly-met": 10, "met": 0}
    assert [lv.share.share for lv in seeing.latest.levels] == [0.0, 1.0, 0.0]
    # change: 8 people -> 10; 5 improved, 2 same, 1 worse: all hidden, so no net figure or test
    assert safe.change.people == 10 and safe.change.net_improvement is None
    assert safe.change.p_value is None
    plain = as_plain(report)
    for where, count in published_counts(plain):
        assert not 1 <= count <= 7, where
        assert count % 5 == 0, where
    assert shares(plain)  # each share equals its published count over its published total
    assert "disclosure-control" in {c.code for c in report.caveats}
    funnel_names = [(p.name, p.position) for p in report.sections[0].teams.points]
    assert ("South", "not shown: too few people") in funnel_names


def shares(value: Any, where: str = "") -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = []
    if isinstance(value, dict):
        if isinstance(value.get("share"), float) and "count" in value:
            assert value["count"] is not None and value["total"], where
            assert value["share"] == pytest.approx(value["count"] / value["total"], abs=1e-4), where
            found.append((where, value["share"]))
        for key, item in value.items():
            found += shares(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += shares(item, f"{where}[{index}]")
    return found


def test_every_format_carries_the_same_figures(known: Personas, tmp_path: Path) -> None:
    report = org_report(known)
    data = json.loads(render(report, "json"))
    safe = next(o for o in data["sections"][0]["outcomes"] if o["code"] == "feeling-safe")
    assert [lv["share"]["count"] for lv in safe["latest"]["levels"]] == [2, 3, 7]
    rows = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    level_rows = [r for r in rows if r and r[0] == "levels" and r[3] == "feeling-safe"]
    assert [(r[4], r[5], r[6]) for r in level_rows] == [
        ("not-met", "2", "12"),
        ("partly-met", "3", "12"),
        ("met", "7", "12"),
    ]
    path = tmp_path / "report.xlsx"
    path.write_bytes(render(report, "xlsx"))
    book = load_workbook(path)
    assert {"about", "levels", "change", "completion", "teams", "caveats"} <= set(book.sheetnames)
    change = [list(r) for r in book["change"].iter_rows(values_only=True)]
    assert (change[1][:7]) == [
        "talking-points-service-users",
        "1",
        "feeling-safe",
        "maintain",
        "improved",
        5,
        8,
    ]
    html = render(report, "html").decode()
    assert "7 (58%)" in html and "Contribution, not effect" in html and "<svg" in html
    pdf = PdfReader(io.BytesIO(render(report, "pdf")))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "7 (58%)" in text and "Contribution, not effect" in text
    published = PdfReader(io.BytesIO(render(org_report(known, audience="publication"), "pdf")))
    assert "7 (58%)" not in " ".join(page.extract_text() for page in published.pages)


def test_who_may_build_which_report(known: Personas) -> None:
    # a practitioner reports on their own team, not on the organisation or another team
    assert build_report(known.owner, ReportRequest("team", known.team.pk, YEAR)).sections
    for scope, scope_id in (("org", known.organisation.pk), ("team", known.other_team.pk)):
        with pytest.raises(NotFound):
            build_report(known.owner, ReportRequest(scope, scope_id, YEAR))
    national = create_staff_user(
        known.system, known.organisation, username="nat", first_name="N", last_name="A"
    )
    grant_role(known.system, national, "national-analyst")
    with pytest.raises(NotFound):
        build_report(national, ReportRequest("org", known.organisation.pk, YEAR))
    event = AuditEvent.objects.filter(action="report.build").last()
    assert event is not None and event.actor == known.owner and event.detail["scope"] == "team"


def test_the_dashboard_and_downloads(client: Client, known: Personas) -> None:
    client.login(username=known.analyst.username, password=PERSONA_PASSWORD)
    url = reverse("reports")
    page = client.get(url, {"scope": f"org-{known.organisation.pk}", "period": "2026"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "7 (58%)" in body and "Look closer" in body and "Care at Home" in body
    wrong = client.get(url, {"scope": f"org-{known.organisation.pk}", "period": "2026-Q9"})
    assert wrong.status_code == 400 and "is not a period" in wrong.content.decode()
    download = client.get(
        reverse("report-download", args=["csv"]),
        {"scope": f"org-{known.organisation.pk}", "period": "2026", "audience": "publication"},
    )
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    figures = [  # the national outcome tables lead with the outcome's number, 1 to 9
        line.split(",", 2)[-1] if line.startswith("national_outcomes,") else line
        for line in download.content.decode("utf-8-sig").splitlines()
    ]
    assert not any(",7," in line for line in figures)
    client.login(username=known.owner.username, password=PERSONA_PASSWORD)
    assert client.get(url, {"scope": f"org-{known.organisation.pk}"}).status_code == 400
    assert "North (team)" in client.get(url).content.decode()


def test_the_command_writes_each_format(known: Personas, tmp_path: Path) -> None:
    for kind in ("json", "csv", "xlsx", "html", "pdf"):
        out = tmp_path / f"report.{kind}"
        call_command(
            "build_report",
            "--scope",
            "org",
            "--id",
            str(known.organisation.pk),
            "--period",
            "2026",
            "--format",
            kind,
            "--out",
            str(out),
            "--as",
            known.analyst.username,
        )
        assert out.stat().st_size > 500
    with pytest.raises(CommandError, match="not a period"):
        call_command(
            "build_report",
            "--scope",
            "org",
            "--period",
            "soon",
            "--format",
            "json",
            "--out",
            str(tmp_path / "x"),
        )
    with pytest.raises(CommandError, match="among those you report on"):
        call_command(
            "build_report",
            "--scope",
            "org",
            "--id",
            str(known.organisation.pk),
            "--format",
            "json",
            "--out",
            str(tmp_path / "x"),
            "--as",
            known.owner.username,
        )


def test_stories_need_consent_enough_people_and_lose_names(known: Personas) -> None:
    from meaningful.people.models import Person
    from meaningful.people.services import record_consent, withdraw_consent

    north = {p.given_name: p for p in Person.objects.filter(family_name="North")}
    consents = {
        name: record_consent(
            known.owner, north[name], "share-anonymised-quotes", given_on=date(2026, 1, 5)
        )
        for name in ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
    }
    report = org_report(known)
    seeing = outcome(report, "seeing-people")
    # 8 people held steady on seeing people: enough to show words, from those who agreed
    excerpts = seeing.stories["same"]
    assert len(excerpts) == 3
    for text in excerpts:
        assert text.startswith("[name] said: I want to feel better about seeing people")
        assert "Arbroath" not in text and "2025" not in text and "P8" not in text
    # 5 people improved on feeling safe: too few to show anyone's words, consent or not
    assert outcome(report, "feeling-safe").stories == {}
    published = org_report(known, audience="publication")
    assert outcome(published, "seeing-people").stories["same"] == excerpts
    # withdrawal takes effect for everything produced afterwards
    for name in ("P1", "P2", "P3", "P4", "P5", "P6"):
        withdraw_consent(known.owner, consents[name], withdrawn_on=date(2026, 11, 1))
    later = outcome(org_report(known), "seeing-people").stories["same"]
    assert len(later) == 1  # P7 alone still agrees
    html = render(report, "html").decode()
    assert 'href="#stories-talking-points-service-users-seeing-people-same"' in html


def test_reports_follow_corrections_and_the_derived_tables_rebuild_the_same(
    known: Personas,
) -> None:
    from meaningful.conversations.models import OutcomeRecord
    from meaningful.conversations.services import update_conversation, update_outcome_record
    from meaningful.reports.models import RatingStep, RecordQuality
    from meaningful.reports.refresh import refresh_all

    def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        return (
            sorted(RatingStep.objects.values_list()),
            sorted(RecordQuality.objects.values_list()),
        )

    record = OutcomeRecord.objects.get(
        conversation__person__given_name="P5",
        conversation__kind="review",
        outcome__code="feeling-safe",
    )
    update_outcome_record(
        known.owner, record, {"agreed_level": "met"}, reason="agreed level misread"
    )
    assert counts(outcome(org_report(known), "feeling-safe").latest)["met"] == 8
    # moving P6's review after the period's end: their baseline is their latest in the period
    review = record.conversation.person.conversations.get(kind="review")
    update_conversation(known.owner, review, {"held_on": date(2026, 11, 20)}, reason="date typo")
    other = OutcomeRecord.objects.get(
        conversation__person__given_name="P6",
        conversation__kind="review",
        outcome__code="feeling-safe",
    ).conversation
    update_conversation(known.owner, other, {"held_on": date(2026, 11, 25)}, reason="date typo")
    autumn = build_report(
        known.analyst,
        ReportRequest("org", known.organisation.pk, parse_period("2026-01..2026-10")),
    )
    assert outcome(autumn, "feeling-safe").change.people == 6  # P5 and P6 now reviewed later
    before = snapshot()
    refresh_all()
    assert snapshot() == before and before[0]


def test_the_month_counts_give_the_same_report_as_reading_every_rating(personas: Personas) -> None:
    import dataclasses

    from meaningful.accounts.services import system_account
    from meaningful.demo.generate import build_demo

    build_demo(people=40, seed=4, today=date(2026, 11, 26))
    system = system_account()
    from meaningful.accounts.models import Organisation, Team

    demo = Organisation.objects.exclude(pk=known_pk(personas)).get()
    team = Team.objects.filter(service__organisation=demo).order_by("id").first()
    assert team is not None
    compared = 0
    for text in ("2026", "2025-Q4", "2025-06..2026-11", "2026-07..2026-07"):
        for scope, scope_id, filters in (
            ("org", demo.pk, Filters()),
            ("team", team.pk, Filters()),
            ("org", demo.pk, Filters(framework="talking-points-carers")),
        ):
            request = ReportRequest(scope, scope_id, parse_period(text), filters)
            quick = as_plain(build_report(system, request))
            slow = as_plain(
                build_report(system, dataclasses.replace(request, read_every_rating=True))
            )
            for report in (quick, slow):
                report.pop("generated_at")
            assert quick == slow, (text, scope, filters)
            compared += bool(quick["sections"])
    assert compared >= 8  # most of the comparisons had figures to compare
    # and the quick way really reads the counts: without them its figures go
    from meaningful.reports.models import LatestCount

    LatestCount.objects.all().delete()
    request = ReportRequest("org", demo.pk, parse_period("2026"))
    assert as_plain(build_report(system, request))["sections"][0]["outcomes"] == []


def known_pk(personas: Personas) -> int:
    return personas.organisation.pk


def test_the_organisations_own_disclosure_policy_applies(known: Personas) -> None:
    organisation = known.organisation
    organisation.disclosure_threshold, organisation.disclosure_rounding = 11, 10
    organisation.save()
    report = org_report(known, audience="publication")
    safe = outcome(report, "feeling-safe")
    assert safe.latest.total == 10  # 12 people, rounded to a multiple of 10
    seeing = outcome(report, "seeing-people")
    assert seeing.latest.levels[1].share.suppressed  # 10 partly met: below 11, hidden
    assert as_plain(seeing)["latest"]["total"] is None  # and so is their total of 10
    html = render(report, "html").decode()
    assert ">*</td>" in html
    assert "from 1 to 10 are shown as *" in " ".join(c.text for c in report.caveats)
    policy = as_plain(report)["policy"]
    assert policy["threshold"] == 11 and policy["rounding_base"] == 10 and policy["minimum_n"] == 11
    assert policy["method"] == "rounding" and policy["comparison"] == "<"
