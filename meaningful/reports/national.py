"""The report's view by national outcome: people counted once per outcome, beside the rest.

The database groups each person's latest ratings on the built-in outcomes by the national
outcomes they feed and returns one row of totals. Reading every rating instead (tests compare
the two ways) hands each person's latest ratings to `count_by_national_outcome`, which is the
definition both follow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from meaningful.analysis.national import LatestRating, NationalCount, count_by_national_outcome
from meaningful.analysis.statistics import wilson
from meaningful.frameworks.models import Framework, Level, Outcome
from meaningful.frameworks.national import NationalOutcomes, national_outcomes
from meaningful.reports.model import NationalOutcomeFigures

# Runs a report query template (with {latest}, {scope} and {join}) for the report's scope and
# period; the list holds the values the template needs before the period's.
Run = Callable[[str, list[Any]], list[tuple[Any, ...]]]

# One pass over the latest ratings, grouped by person only: for each national outcome, the
# smallest "met" (1 or 0) among the person's ratings on the outcomes feeding it, or NULL when
# there are none. (A join with a table of (outcome, national) pairs let SQLite's planner start
# from the pairs and search the ratings once per pair: 20 s instead of about 1 s.)
NATIONAL_SQL = """
SELECT {totals} FROM (
  SELECT x.person_id, {per_person} FROM (
    SELECT s.person_id, s.outcome_id, CASE WHEN s.level_id IN ({met}) THEN 1 ELSE 0 END AS met
    FROM reports_ratingstep s {{join}}
    WHERE s.level_id IN ({judged}) AND s.outcome_id IN ({feeding}) AND {{latest}} AND {{scope}}
  ) x GROUP BY x.person_id
) y
"""

LATEST_RATINGS_SQL = """
SELECT s.person_id, fw.slug, o.code, l.counts_as_met
FROM reports_ratingstep s
JOIN frameworks_level l ON l.id = s.level_id
JOIN frameworks_outcome o ON o.id = s.outcome_id
JOIN frameworks_framework fw ON fw.id = s.framework_id {join}
WHERE {latest} AND fw.organisation_id IS NULL AND {scope}
"""

NATIONAL_PRIMARY = (
    "The personal outcome figures above are the primary figures. This view regroups the same "
    "ratings under Scotland's nine National Health and Wellbeing Outcomes through a mapping "
    "that is an interpretation: a personal outcome can feed several national outcomes, and each "
    "person is counted once for each national outcome."
)
NATIONAL_DEFINITION = (
    "People: those whose latest agreed rating in the period, on at least one personal outcome "
    "that feeds the national outcome, says whether it is met. Met: those for whom every such "
    "rating is met. Ratings that say neither (numbered points, 'not discussed') are left out."
)


def _feeding_outcomes(mapping: NationalOutcomes) -> dict[int, list[int]]:
    """National number -> the ids of the built-in outcomes (every version) feeding it."""
    numbers = mapping.numbers_by_outcome()
    outcomes = Outcome.objects.filter(framework__organisation__isnull=True).values_list(
        "pk", "framework__slug", "code"
    )
    feeding: dict[int, list[int]] = {}
    for pk, slug, code in outcomes.order_by("pk"):
        for number in numbers.get((slug, code), ()):
            feeding.setdefault(number, []).append(pk)
    return feeding


def _marks(values: list[int]) -> str:
    return ", ".join(["%s"] * len(values))


def _totals_query(feeding: dict[int, list[int]]) -> tuple[str, list[int]]:
    """NATIONAL_SQL for these feeding outcomes, and the values it takes before the period's."""
    numbers = sorted(feeding)
    levels = Level.objects.filter(counts_as_met__isnull=False).order_by("pk")
    judged = list(levels.values_list("pk", flat=True))
    met = list(levels.filter(counts_as_met=True).values_list("pk", flat=True))
    every = sorted({pk for ids in feeding.values() for pk in ids})
    sql = NATIONAL_SQL.format(
        totals=", ".join(f"COUNT(n{n}), SUM(n{n})" for n in numbers),
        per_person=", ".join(
            f"MIN(CASE WHEN x.outcome_id IN ({_marks(feeding[n])}) THEN x.met END) AS n{n}"
            for n in numbers
        ),
        met=_marks(met),
        judged=_marks(judged),
        feeding=_marks(every),
    )
    return sql, [pk for n in numbers for pk in feeding[n]] + met + judged + every


def _counted_in_the_database(run: Run, mapping: NationalOutcomes) -> list[NationalCount]:
    feeding = _feeding_outcomes(mapping)
    found: dict[int, tuple[int, int]] = {}
    if feeding:
        (row,) = run(*_totals_query(feeding))
        for index, number in enumerate(sorted(feeding)):
            found[number] = (int(row[2 * index]), int(row[2 * index + 1] or 0))
    return [NationalCount(o.number, *found.get(o.number, (0, 0))) for o in mapping.outcomes]


def latest_ratings(run: Run) -> Iterator[LatestRating]:
    """Every person's latest agreed rating on each built-in outcome, with whether it is met."""
    for person, slug, code, met in run(LATEST_RATINGS_SQL, []):
        yield LatestRating(person, slug, code, None if met is None else bool(met))


def _counted_person_by_person(run: Run, mapping: NationalOutcomes) -> list[NationalCount]:
    return count_by_national_outcome(
        latest_ratings(run), mapping.numbers_by_outcome(), [o.number for o in mapping.outcomes]
    )


def left_out(framework_ids: Iterable[int], mapping: NationalOutcomes) -> list[str]:
    """Names of the report's frameworks whose outcomes do not all feed a national outcome."""
    numbers = mapping.numbers_by_outcome()
    names = []
    for framework in Framework.objects.filter(pk__in=set(framework_ids)).prefetch_related(
        "outcomes"
    ):
        mapped = framework.organisation_id is None and all(
            (framework.slug, o.code) in numbers for o in framework.outcomes.all()
        )
        if not mapped:
            names.append(f"{framework.name} (version {framework.version})")
    return sorted(names)


def national_view(
    framework_ids: Iterable[int], run: Run, *, person_by_person: bool, small_number: int
) -> tuple[list[NationalOutcomeFigures], list[str]]:
    """The nine national outcome figures and the frameworks left out of them."""
    mapping = national_outcomes()
    counts = (
        _counted_person_by_person(run, mapping)
        if person_by_person
        else _counted_in_the_database(run, mapping)
    )
    fed = mapping.mapped_numbers()
    outcomes = {o.number: o for o in mapping.outcomes}
    figures = [
        NationalOutcomeFigures(
            number=count.number,
            title=outcomes[count.number].title,
            wording=outcomes[count.number].wording,
            fed=count.number in fed,
            people=count.people,
            met=wilson(count.met, count.people),
            small=count.people < small_number,
        )
        for count in counts
    ]
    return figures, left_out(framework_ids, mapping)
