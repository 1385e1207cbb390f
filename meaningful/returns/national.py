"""The return's figures by national outcome (format version 1.1) as a part to protect.

Each unit is one person under one of Scotland's nine National Health and Wellbeing Outcomes,
met or not, as the organisation's report counts them ("By national outcome": the same query and
the same definition, `units.national_outcome_people`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from meaningful.disclosure.tables import flat
from meaningful.reports.period import Period
from meaningful.returns import units
from meaningful.returns.parts import Part, Unit, at, build_part

NATIONAL = "national outcomes "  # the part's prefix, which its figures in the register carry
NATIONAL_TABLE = "by national outcome"
MET = ("met", "not-met")


def national_part(organisation_id: int, period: Period, earlier: Sequence[Period]) -> Part:
    """People under each national outcome, met or not, as the organisation's report counts them:
    a table of its own (met + not met = people), with no total across national outcomes, which
    count the same people more than once.

    Whether a person counts under a national outcome at all is settled by their latest ratings on
    the period's last day, so a person counted in a quarter need not be in its year; each
    earlier release is linked through exactly whom it counted.
    """
    people = units.national_outcome_people(organisation_id, period)
    counted = {
        (e.start, e.end): units.national_outcome_people(organisation_id, e)
        for e in earlier
        if (e.start, e.end) != (period.start, period.end)
    }
    met = at("national outcome met", period)
    numbers = [str(number) for number in people]
    leaves = {"national outcome": numbers, met: MET}
    dimensions = (
        flat("national outcome", numbers, total=None),
        flat(met, MET, total="people"),
    )
    found = [
        Unit(
            (str(number), MET[0] if is_met else MET[1]),
            1,
            functools.partial(_counted_under, counted, number, person),
        )
        for number, by_person in people.items()
        for person, is_met in by_person.items()
    ]
    return build_part(
        NATIONAL, leaves, {NATIONAL_TABLE: dimensions}, found, period, earlier, nested=False
    )


def _counted_under(
    counted: dict[tuple[Any, Any], dict[int, dict[Any, bool]]],
    number: int,
    person: Any,
    other: Period,
) -> bool:
    return person in counted[(other.start, other.end)].get(number, {})
