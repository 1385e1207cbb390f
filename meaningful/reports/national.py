"""The report's view by national outcome: people counted once per outcome, beside the rest.

The database groups each person's latest ratings on the built-in outcomes by the national
outcomes they feed and returns at most nine rows. Reading every rating instead (tests compare
the two ways) hands each person's latest ratings to `count_by_national_outcome`, which is the
definition both follow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from meaningful.analysis.national import LatestRating, NationalCount, count_by_national_outcome
from meaningful.analysis.statistics import wilson
from meaningful.frameworks.models import Framework, Outcome
from meaningful.frameworks.national import NationalOutcomes, national_outcomes
from meaningful.reports.model import NationalOutcomeFigures

# Runs a report query template (with {latest}, {scope} and {join}) for the report's scope and
# period; the list holds the values the template needs before the period's.
Run = Callable[[str, list[Any]], list[tuple[Any, ...]]]

NATIONAL_SQL = """
WITH feeds(outcome_id, national) AS (VALUES {pairs}),
judged AS (
  SELECT s.person_id, f.national, MIN(CASE WHEN l.counts_as_met THEN 1 ELSE 0 END) AS all_met
  FROM reports_ratingstep s
  JOIN frameworks_level l ON l.id = s.level_id
  JOIN feeds f ON f.outcome_id = s.outcome_id {join}
  WHERE {latest} AND l.counts_as_met IS NOT NULL AND {scope}
  GROUP BY s.person_id, f.national
)
SELECT national, COUNT(*), SUM(all_met) FROM judged GROUP BY national
"""

LATEST_RATINGS_SQL = """
SELECT s.person_id, fw.slug, o.code, l.counts_as_met
FROM reports_ratingstep s
JOIN frameworks_level l ON l.id = s.level_id
JOIN frameworks_outcome o ON o.id = s.outcome_id
JOIN frameworks_framework fw ON fw.id = s.framework_id {join}
WHERE {latest} AND fw.organisation_id IS NULL AND {scope}
"""

PAIR = "(CAST(%s AS INTEGER), CAST(%s AS INTEGER))"

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


def _feeding_outcomes(mapping: NationalOutcomes) -> list[tuple[int, int]]:
    """(outcome id, national number) for every outcome of the built-in frameworks."""
    numbers = mapping.numbers_by_outcome()
    outcomes = Outcome.objects.filter(framework__organisation__isnull=True).values_list(
        "pk", "framework__slug", "code"
    )
    return [(pk, number) for pk, slug, code in outcomes for number in numbers.get((slug, code), ())]


def _counted_in_the_database(run: Run, mapping: NationalOutcomes) -> list[NationalCount]:
    pairs = _feeding_outcomes(mapping)
    found: dict[int, tuple[int, int]] = {}
    if pairs:
        sql = NATIONAL_SQL.replace("{pairs}", ", ".join([PAIR] * len(pairs)))
        for number, people, met in run(sql, [value for pair in pairs for value in pair]):
            found[int(number)] = (int(people), int(met or 0))
    return [NationalCount(o.number, *found.get(o.number, (0, 0))) for o in mapping.outcomes]


def _counted_person_by_person(run: Run, mapping: NationalOutcomes) -> list[NationalCount]:
    ratings = (
        LatestRating(person, slug, code, None if met is None else bool(met))
        for person, slug, code, met in run(LATEST_RATINGS_SQL, [])
    )
    return count_by_national_outcome(
        ratings, mapping.numbers_by_outcome(), [o.number for o in mapping.outcomes]
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
