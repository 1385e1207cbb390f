from __future__ import annotations

import pytest

from meaningful.disclosure.policy import NHS_STYLE, Policy


def test_the_default_hides_one_to_seven_and_rounds_the_rest_to_five() -> None:
    assert [NHS_STYLE.publish(n) for n in range(8)] == [0, None, None, None, None, None, None, None]
    # 8 -> 10, 12 -> 10, 13 -> 15 (halves cannot occur with a base of 5), 100 -> 100
    assert [NHS_STYLE.publish(n) for n in (8, 12, 13, 100)] == [10, 10, 15, 100]


def test_the_threshold_is_strict_less_than() -> None:
    policy = Policy(threshold=10, rounding_base=1, minimum_n=10)
    assert policy.is_unsafe(9) and not policy.is_unsafe(10) and not policy.is_unsafe(0)
    assert policy.publish(10) == 10 and policy.publish(9) is None


def test_a_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Policy(threshold=0)
    with pytest.raises(ValueError, match="never negative"):
        NHS_STYLE.publish(-1)


def test_what_may_stand_in_a_published_table() -> None:
    assert NHS_STYLE.smallest_shown == 10
    assert [NHS_STYLE.may_show(n) for n in (0, 5, 7, 10, 12, 15)] == [
        True, False, False, True, False, True,
    ]  # fmt: skip
    coarse = Policy(threshold=11, rounding_base=10, minimum_n=11)
    assert coarse.publish(12) == 10 and coarse.may_show(10)  # 11 to 14 are shown as 10


def test_secondary_suppression_follows_the_method_unless_a_policy_asks_for_it() -> None:
    assert NHS_STYLE.secondary_suppression is False
    assert Policy(method="suppression", rounding_base=1).secondary_suppression is True
    assert NHS_STYLE.published_range(None) == (1, 7)  # a * is known to be small
    asked = Policy(secondary_suppression=True)
    assert asked.published_range(None) == (1, None)  # a * may now hide any count
    assert "further counts" in asked.describe() and "further" not in NHS_STYLE.describe()
