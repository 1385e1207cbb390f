"""Cohen's kappa and Krippendorff's alpha against published worked examples and edge cases."""

from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from meaningful.analysis.agreement import (
    NO_VARIATION,
    TOO_FEW,
    cohens_kappa,
    coincidences,
    krippendorff_alpha_nominal,
)


def table(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[list[str], list[str]]:
    """Two raters' answers from a 2 x 2 table (first rater's answer first)."""
    first = ["yes"] * (yes_yes + yes_no) + ["no"] * (no_yes + no_no)
    second = ["yes"] * yes_yes + ["no"] * yes_no + ["yes"] * no_yes + ["no"] * no_no
    return first, second


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # 50 grant proposals read by two readers: p_o = 0.7, p_e = 0.5.
        ((20, 5, 10, 15), 0.4),
        # Equal agreement (60%), different margins: kappa 0.1304 and 0.2593.
        ((45, 15, 25, 15), 0.1304),
        ((25, 35, 5, 35), 0.2593),
    ],
)
def test_kappa_matches_the_worked_examples(
    counts: tuple[int, int, int, int], expected: float
) -> None:
    result = cohens_kappa(*table(*counts))
    assert result.kappa == pytest.approx(expected, abs=5e-5)
    assert result.units == sum(counts)


def test_kappa_agrees_with_an_independent_implementation_on_three_categories() -> None:
    first = list("aabbcccabcabccba")
    second = list("abbbccaabcaacbba")
    assert cohens_kappa(first, second).kappa == pytest.approx(cohen_kappa_score(first, second))


def test_kappa_is_one_for_perfect_agreement_and_undefined_with_one_category_only() -> None:
    assert cohens_kappa(["a", "b", "a"], ["a", "b", "a"]).kappa == pytest.approx(1.0)
    only = cohens_kappa([True] * 5, [True] * 5)
    assert only.kappa is None and only.why_undefined == NO_VARIATION and only.observed == 1.0


def test_kappa_leaves_out_units_either_coder_left_uncoded() -> None:
    result = cohens_kappa(["y", "n", None, "y", "n"], ["y", "n", "y", None, "n"])
    assert result.units == 3 and result.kappa == pytest.approx(1.0)
    assert cohens_kappa(["y", None], ["y", "n"]).why_undefined == TOO_FEW
    with pytest.raises(ValueError, match="every unit"):
        cohens_kappa(["y"], ["y", "n"])


N = None
# Krippendorff's reliability data: four observers, twelve units, values 1 to 5, some missing.
FOUR_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_alpha_matches_krippendorffs_four_observer_example_with_missing_values() -> None:
    result = krippendorff_alpha_nominal(FOUR_OBSERVERS)
    assert result.alpha == pytest.approx(0.743, abs=5e-4)
    assert result.pairable_values == 40  # unit 12 has one value and drops out
    assert result.units == 11


def test_alpha_matches_krippendorffs_two_observer_binary_example() -> None:
    result = krippendorff_alpha_nominal(
        [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    )
    assert result.alpha == pytest.approx(0.095, abs=5e-4)
    matrix = coincidences([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]])
    assert (matrix[(0, 0)], matrix[(0, 1)], matrix[(1, 0)], matrix[(1, 1)]) == (10, 4, 4, 2)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation() -> None:
    assert krippendorff_alpha_nominal([["a", "b", "c"], ["a", "b", "c"]]).alpha == 1.0
    flat = krippendorff_alpha_nominal([["a", "a", "a"], ["a", "a", None]])
    assert flat.alpha is None and flat.why_undefined == NO_VARIATION
    lonely = krippendorff_alpha_nominal([["a", None], [None, "b"]])
    assert lonely.alpha is None and lonely.why_undefined == TOO_FEW
    assert krippendorff_alpha_nominal([]).why_undefined == TOO_FEW


def test_alpha_for_two_coders_without_missing_values_is_close_to_kappa() -> None:
    first, second = table(20, 5, 10, 15)
    alpha = krippendorff_alpha_nominal([first, second]).alpha
    assert alpha is not None and alpha == pytest.approx(0.4, abs=0.02)
