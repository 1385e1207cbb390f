"""People counted by national outcome, worked out by hand."""

from __future__ import annotations

from meaningful.analysis.national import LatestRating, NationalCount, count_by_national_outcome

MAPPING = {
    ("tp", "feeling-safe"): (7, 4),
    ("tp", "seeing-people"): (4,),
    ("tp", "staying-well"): (1, 4),
}


def rating(person: str, outcome: str, met: bool | None, framework: str = "tp") -> LatestRating:
    return LatestRating(person, framework, outcome, met)


def by_number(counts: list[NationalCount]) -> dict[int, tuple[int, int]]:
    return {count.number: (count.people, count.met) for count in counts}


def test_a_person_with_two_outcomes_feeding_one_national_outcome_counts_once() -> None:
    counts = count_by_national_outcome(
        [rating("ann", "feeling-safe", True), rating("ann", "seeing-people", True)], MAPPING
    )
    assert by_number(counts)[4] == (1, 1)
    assert by_number(counts)[7] == (1, 1)


def test_a_person_is_met_only_when_every_feeding_rating_is_met() -> None:
    ratings = [
        rating("ann", "feeling-safe", True),
        rating("ann", "seeing-people", False),
        rating("bob", "seeing-people", True),
        rating("cat", "feeling-safe", False),
    ]
    counts = by_number(count_by_national_outcome(ratings, MAPPING))
    assert counts[4] == (3, 1)  # ann (not met: seeing people), bob (met), cat (not met)
    assert counts[7] == (2, 1)  # ann met, cat not
    assert counts[1] == (0, 0)


def test_ratings_that_say_neither_and_unmapped_outcomes_are_left_out() -> None:
    ratings = [
        rating("ann", "feeling-safe", None),  # a numbered point: no met level
        rating("bob", "hope", True),  # not in the mapping
        rating("cat", "feeling-safe", True, framework="our-own"),  # another framework's code
        rating("dan", "staying-well", None),
        rating("dan", "seeing-people", True),
    ]
    counts = by_number(count_by_national_outcome(ratings, MAPPING))
    assert counts[7] == (0, 0)
    assert counts[4] == (1, 1)  # dan, on seeing people alone
    assert counts[1] == (0, 0)


def test_every_national_outcome_asked_for_is_listed_in_order() -> None:
    counts = count_by_national_outcome([], MAPPING)
    assert [c.number for c in counts] == list(range(1, 10))
    assert all((c.people, c.met) == (0, 0) for c in counts)
    only = count_by_national_outcome([rating("ann", "feeling-safe", True)], MAPPING, numbers=[7])
    assert only == [NationalCount(7, 1, 1)]


def test_the_same_outcome_rated_on_two_scales_needs_both_met() -> None:
    ratings = [rating("ann", "feeling-safe", True), rating("ann", "feeling-safe", False)]
    assert by_number(count_by_national_outcome(ratings, MAPPING))[7] == (1, 0)
