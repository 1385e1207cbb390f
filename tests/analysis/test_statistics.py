"""Report statistics against values worked out by hand (see each test's comment)."""

from __future__ import annotations

import pytest

from meaningful.analysis.outcomes import distribution, review_completion
from meaningful.analysis.statistics import (
    funnel,
    gas_t_score,
    paired_change,
    sign_test,
    summed_score,
    wilson,
)

LEVELS = [("met", "Met"), ("partly-met", "Partly met"), ("not-met", "Not met")]


def test_wilson_intervals_match_the_hand_formula() -> None:
    twelve = wilson(12, 40)
    assert (round(twelve.low or 0, 3), round(twelve.high or 0, 3)) == (0.181, 0.454)
    half = wilson(5, 10)
    assert (round(half.low or 0, 3), round(half.high or 0, 3)) == (0.237, 0.763)
    # none of 10: the upper limit is z^2 / (n + z^2) = 3.8415 / 13.8415
    none = wilson(0, 10)
    assert none.low == 0 and round(none.high or 0, 4) == 0.2775
    assert wilson(0, 0).share is None
    with pytest.raises(ValueError, match="between 0 and its total"):
        wilson(11, 10)


def test_the_sign_test_is_exact_and_two_sided() -> None:
    # 8 up, 2 down: 2 * P(X <= 2 | n=10, p=1/2) = 2 * (1 + 10 + 45) / 1024
    assert sign_test(8, 2) == pytest.approx(112 / 1024)
    assert sign_test(2, 8) == pytest.approx(112 / 1024)
    assert sign_test(5, 5) == pytest.approx(1.0)
    assert sign_test(0, 0) is None


def test_paired_change_counts_net_improvement_and_maintenance() -> None:
    change = paired_change(8, 5, 2, maintenance=True)
    assert change.people == 15
    assert (change.improved.count, change.same.count, change.worse.count) == (8, 5, 2)
    assert change.net_improvement == pytest.approx(6 / 15)
    assert change.p_value == pytest.approx(sign_test(8, 2) or 0)
    assert change.maintained is not None and change.maintained.count == 13
    assert paired_change(8, 5, 2).maintained is None  # only maintenance outcomes report it
    assert paired_change(0, 0, 0).net_improvement is None


def test_funnel_limits_and_positions() -> None:
    # overall 100/300; at n=100 the spread is sqrt(1/3 * 2/3 / 100) = 0.04714
    result = funnel([("A", 30, 100), ("B", 10, 100), ("C", 60, 100), ("D", 0, 0)])
    assert result.overall == pytest.approx(1 / 3)
    a = result.points[0]
    assert (round(a.low95, 4), round(a.high95, 4)) == (0.2409, 0.4257)
    assert (round(a.low998, 4), round(a.high998, 4)) == (0.1877, 0.4790)
    assert [p.position for p in result.points] == [
        "within",
        "below 99.8%",
        "above 99.8%",
        "no data",
    ]
    assert [p.name for p in result.points] == ["A", "B", "C", "D"]  # the order given, not a ranking
    curve = result.curve([25, 100])
    assert curve[1][1:] == (a.low95, a.high95, a.low998, a.high998)
    assert curve[0][2] > a.high95  # smaller units have wider limits


def test_goal_attainment_t_scores() -> None:
    assert round(gas_t_score([0, 1, -1, 2]), 2) == 57.25
    # three goals at -1: 50 + 10 * -3 / sqrt(0.7 * 3 + 0.3 * 9)
    assert round(gas_t_score([-1, -1, -1]), 2) == 36.31
    assert gas_t_score([0, 0]) == 50
    with pytest.raises(ValueError, match="-2 to \\+2"):
        gas_t_score([3])


def test_summed_scores_need_every_item() -> None:
    assert summed_score([3, 2, 0, 1]) == 6
    assert summed_score([3, None, 1]) is None
    assert summed_score([]) is None


def test_distribution_lists_every_level_in_scale_order() -> None:
    result = distribution(LEVELS, {"not-met": 12, "met": 28})
    assert result.total == 40
    assert [(lv.code, lv.share.count) for lv in result.levels] == [
        ("met", 28),
        ("partly-met", 0),
        ("not-met", 12),
    ]
    assert result.levels[2].share.share == pytest.approx(0.3)
    with pytest.raises(ValueError, match="not on the scale"):
        distribution(LEVELS, {"sometimes": 1})


def test_review_completion_compares_who_was_reviewed_with_who_was_not() -> None:
    # 4 people reviewed (10 baseline ratings), 6 not (10 ratings)
    result = review_completion(
        LEVELS, ["met"], (4, 6), {"met": 6, "partly-met": 4}, {"met": 1, "not-met": 9}
    )
    assert result.with_baseline == 10
    assert result.reviewed.count == 4 and result.reviewed.share == 0.4
    assert result.reviewed_baseline.total == result.not_reviewed_baseline.total == 10
    assert result.difference_in_met == pytest.approx(0.6 - 0.1)


def test_the_sign_test_agrees_with_the_exact_sum_for_large_numbers() -> None:
    from fractions import Fraction
    from math import comb

    for improved, worse in ((30, 12), (120, 95), (400, 360), (7, 0)):
        n, k = improved + worse, min(improved, worse)
        exact = Fraction(2 * sum(comb(n, i) for i in range(k + 1)), 2**n)
        assert sign_test(improved, worse) == pytest.approx(min(float(exact), 1.0), rel=1e-9)
    assert 0 < (sign_test(150_000, 149_000) or 0) < 0.1  # no overflow or underflow at scale
