"""Earlier releases in the register are part of what readers know when a new return goes out."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from meaningful.accounts.models import Organisation, Role
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.audit.models import AuditEvent
from meaningful.conversations.services import OutcomeInput, agree_conversation, record_conversation
from meaningful.demo.factories import Personas, make_person, make_personas
from meaningful.disclosure.audit import PublishedFigure, audit
from meaningful.disclosure.policy import Policy
from meaningful.disclosure.protect import protect
from meaningful.disclosure.tables import Spec, flat
from meaningful.errors import NotAllowed
from meaningful.frameworks.models import Framework
from meaningful.reports.period import Period, parse_period
from meaningful.returns.build import assemble, build_return
from meaningful.returns.models import ReturnRelease
from meaningful.returns.parts import Part, Unit, build_part, counted_in
from meaningful.returns.schema import validate_return
from meaningful.returns.services import ReturnRefused

QUARTER, YEAR = parse_period("2026-Q4"), parse_period("2026")
LEVELS = ("a", "b", "c")
SUPPRESSION = Policy(threshold=5, rounding_base=1, minimum_n=5, method="suppression")
PRIMARY_ONLY = Policy(
    threshold=5, rounding_base=1, minimum_n=5, method="suppression", secondary_suppression=False
)


def year_part(earlier: list[Period]) -> Part:
    """Everyone rated in 2026 was rated in its last quarter: 3 at a, 9 at b, 10 at c."""
    counts = dict(zip(LEVELS, (3, 9, 10), strict=True))
    units = [Unit((level,), n, lambda period: True) for level, n in counts.items()]
    tables = {"by level": (flat("level", LEVELS),)}
    return build_part("fw latest ", {"level": LEVELS}, tables, units, YEAR, earlier)


def quarter_release() -> list[PublishedFigure]:
    """What the quarter's return published: b shown, a and c hidden (a small; c to protect it)."""
    here = (counted_in(QUARTER), ("yes",))
    spec_of: dict[str, Spec] = {code: (("level", (code,)), here) for code in LEVELS}
    spec_of["Total"] = (("level", LEVELS), here)
    shown = {"Total": 22, "a": None, "b": 9, "c": None}
    status = {"Total": "exact", "a": "primary", "b": "exact", "c": "secondary"}
    return [
        PublishedFigure.of(
            "fw latest by level",
            (code, "yes"),
            spec_of[code],
            shown[code],
            status[code],
            SUPPRESSION,
        )
        for code in ("Total", *LEVELS)
    ]


def test_a_year_alone_passes_but_would_expose_the_quarter_it_contains() -> None:
    """Both totals are 22, so nobody rated in the year was missing from its last quarter: the
    quarter showed b (9), the year alone would show c (10), and a is 22 - 9 - 10 = 3."""
    linked = year_part([QUARTER])  # the same tables, and that nobody in the quarter is outside
    release = protect(linked.universe, linked.tables, SUPPRESSION)
    assert release.passed
    assert release.table("fw latest by level") == {
        ("Total", "yes"): 22,
        ("a", "yes"): None,
        ("b", "yes"): None,
        ("c", "yes"): 10,
    }
    register = [PublishedFigure.from_json(f.to_json(), "2026-Q4") for f in quarter_release()]
    together = audit(release.published(), SUPPRESSION, linked.universe.leaves, register)
    assert not together.passed
    assert (
        "an earlier release (2026-Q4), table 'fw latest by level', cell a, yes: it could be "
        "worked out as exactly 3" in together.refusal()
    )
    protected = protect(linked.universe, linked.tables, SUPPRESSION, earlier=register)
    assert protected.passed, protected.audit.refusal()
    assert protected.table("fw latest by level")[("c", "yes")] is None  # hidden to protect a
    assert any(r.release == "2026-Q4" and r.safe for r in protected.audit.ranges)


def strict(organisation: Organisation) -> None:
    """Exact counts, 1 and 2 hidden: a small organisation's suppression policy."""
    organisation.disclosure_threshold, organisation.disclosure_rounding = 3, 1
    organisation.save()


def cell(document: dict[str, Any], table: str, **codes: str) -> dict[str, Any]:
    found = next(t for t in document["tables"] if t["name"] == table)
    return next(c for c in found["cells"] if all(c[k] == v for k, v in codes.items()))


def test_a_final_return_is_recorded_as_readers_saw_it(
    known: Organisation, personas: Personas
) -> None:
    document = build_return(personas.admin, known, YEAR, final=True)
    release = ReturnRelease.objects.get()
    assert document["metadata"]["final"] is True
    assert (release.period_label, release.period_start, release.period_end) == (
        "2026",
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert (
        release.checksum == document["metadata"]["checksum"] and release.built_by == personas.admin
    )
    assert release.figures and all("value" not in f and "published" in f for f in release.figures)
    assert AuditEvent.objects.filter(action="return.release", object_id=str(release.pk)).exists()


def test_a_quarter_s_release_is_audited_again_with_its_year(
    known: Organisation, personas: Personas
) -> None:
    build_return(personas.admin, known, parse_period("2026-Q1"), final=True)
    year = assemble(known, YEAR)
    checked_again = {r.release for p in year.parts for r in p.release.audit.ranges}
    assert "2026-Q1" in checked_again
    assert year.passed


def test_a_stricter_policy_may_not_show_what_an_earlier_release_hid(
    known: Organisation, personas: Personas
) -> None:
    """Rounded to 5 with 1 to 7 hidden, then exact with 1 and 2 hidden: 5 people at partly met
    were hidden the first time, and showing them now would give the first release away."""
    build_return(personas.admin, known, YEAR, final=True)
    strict(known)
    linked = assemble(known, YEAR)
    table = "baseline by outcome and level"
    assert cell(linked.document, table, outcome="feeling-safe", level="partly-met") == {
        "outcome": "feeling-safe",
        "level": "partly-met",
        "count": 5,
        "published": None,
    }
    assert linked.passed
    ReturnRelease.objects.all().delete()
    alone = assemble(known, YEAR)
    assert cell(alone.document, table, outcome="feeling-safe", level="partly-met")["published"] == 5


def test_a_return_whose_records_changed_since_its_release_is_refused(
    known: Organisation, personas: Personas
) -> None:
    strict(known)
    build_return(personas.admin, known, YEAR, final=True)
    late = make_person(personas.owner, personas.team, given_name="Late", family_name="Entry")
    conversation = record_conversation(
        personas.owner,
        late,
        framework=Framework.objects.get(slug="talking-points-service-users", version="1"),
        held_on=date(2026, 6, 1),
        kind="baseline",
        records=[OutcomeInput(outcome="feeling-safe", what_matters="Safe", agreed_level="met")],
    )
    agree_conversation(personas.owner, conversation)
    with pytest.raises(ReturnRefused) as refused:
        build_return(personas.admin, known, YEAR, final=True)
    assert "differ from an earlier release of the same records" in refused.value.refusal
    assert refused.value.document["metadata"]["audit"]["passed"] is False
    assert refused.value.document["metadata"]["final"] is False
    assert ReturnRelease.objects.count() == 1
    draft = build_return(personas.admin, known, YEAR)
    assert draft["metadata"]["audit"]["problems"]


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_staff_on_teams_build_no_returns(known: Organisation, personas: Personas, who: str) -> None:
    with pytest.raises(NotAllowed):
        build_return(getattr(personas, who), known, YEAR)


def test_analysts_look_administrators_release_national_analysts_do_neither(
    known: Organisation, personas: Personas
) -> None:
    assert build_return(personas.analyst, known, YEAR)["metadata"]["final"] is False
    with pytest.raises(NotAllowed, match="Only administrators"):
        build_return(personas.analyst, known, YEAR, final=True)
    national = create_staff_user(
        personas.system, known, username="nat", first_name="Nia", last_name="National"
    )
    grant_role(personas.system, national, Role.NATIONAL_ANALYST)
    with pytest.raises(NotAllowed):
        build_return(national, known, YEAR)
    elsewhere = make_personas("Elsewhere Partnership")
    with pytest.raises(NotAllowed):
        build_return(elsewhere.admin, known, YEAR, final=True)
    assert not ReturnRelease.objects.exists()


def test_a_period_without_records_gives_an_empty_sound_return(
    known: Organisation, personas: Personas
) -> None:
    document = build_return(personas.admin, known, parse_period("2020"))
    assert validate_return(document) == []
    assert document["frameworks"] == [] and document["tables"] == [] and document["change"] == []
    assert document["reviews"]["due"] == {"count": 0, "published": 0}
    assert document["metadata"]["audit"]["passed"]
