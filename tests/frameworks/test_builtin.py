from __future__ import annotations

import pytest

from meaningful.frameworks.models import Framework, Scale

SERVICE_USER_CODES = [
    "feeling-safe",
    "having-things-to-do",
    "seeing-people",
    "staying-well",
    "living-as-you-want",
    "dealing-with-stigma",
    "listened-to",
    "having-a-say",
    "treated-with-respect",
    "responded-to",
    "reliability",
    "improved-confidence",
    "improved-skills",
    "improved-mobility",
    "reduced-symptoms",
]
CARER_CODES = [
    "carer-cared-for-qol",
    "carer-health-wellbeing",
    "carer-life-of-own",
    "carer-positive-relationship",
    "carer-financial",
    "carer-choices",
    "carer-informed-skilled",
    "carer-satisfaction",
    "carer-partnership",
    "carer-valued-respected",
    "carer-having-a-say",
    "carer-flexible-responsive",
    "carer-practitioner-relationship",
    "carer-accessible",
]

pytestmark = pytest.mark.django_db


def codes(slug: str) -> list[str]:
    framework = Framework.objects.get(slug=slug, version="1")
    return list(framework.outcomes.values_list("code", flat=True))


def test_the_service_users_framework_has_exactly_the_fifteen_talking_points_outcomes() -> None:
    assert codes("talking-points-service-users") == SERVICE_USER_CODES


def test_the_carers_framework_has_exactly_the_talking_points_carer_outcomes() -> None:
    assert codes("talking-points-carers") == CARER_CODES


def test_the_care_homes_framework_uses_ch_codes_in_the_first_person() -> None:
    framework = Framework.objects.get(slug="talking-points-care-homes")
    assert framework.population == "care-home-residents"
    outcomes = list(framework.outcomes.all())
    assert outcomes[0].code == "ch-safe-secure"
    assert all(o.code.startswith("ch-") and o.name.startswith("I ") for o in outcomes)
    assert {o.category for o in outcomes} == {"quality-of-life", "process"}


def test_every_outcome_has_a_description_and_two_or_three_prompts() -> None:
    for framework in Framework.objects.prefetch_related("outcomes"):
        for outcome in framework.outcomes.all():
            assert outcome.description.strip(), outcome.code
            assert 2 <= len(outcome.prompts) <= 3, outcome.code
            assert framework.category_name(outcome.category) != outcome.category, outcome.code


def test_categories_and_types_follow_talking_points() -> None:
    framework = Framework.objects.get(slug="talking-points-service-users")
    by_code = {o.code: o for o in framework.outcomes.all()}
    assert (by_code["feeling-safe"].category, by_code["feeling-safe"].outcome_type) == (
        "quality-of-life",
        "maintain",
    )
    assert (by_code["listened-to"].category, by_code["listened-to"].outcome_type) == (
        "process",
        "process",
    )
    assert (by_code["improved-mobility"].category, by_code["improved-mobility"].outcome_type) == (
        "change",
        "change",
    )


@pytest.mark.parametrize(
    ("code", "levels"),
    [
        ("met-partly-not", ["not-met", "partly-met", "met"]),
        (
            "importance-5",
            ["very-important", "important", "small-issue", "not-an-issue", "not-discussed"],
        ),
        ("1-4", ["1", "2", "3", "4"]),
        ("1-6", ["1", "2", "3", "4", "5", "6"]),
        ("1-10", [str(n) for n in range(1, 11)]),
        ("gas", ["much-less", "less", "expected", "more", "much-more"]),
    ],
)
def test_the_built_in_scales_have_their_levels_in_rank_order(code: str, levels: list[str]) -> None:
    assert list(Scale.objects.get(code=code).levels.values_list("code", flat=True)) == levels


def test_goal_attainment_levels_score_minus_two_to_plus_two() -> None:
    values = list(Scale.objects.get(code="gas").levels.values_list("value", flat=True))
    assert values == [-2, -1, 0, 1, 2]


def test_not_discussed_holds_no_rating() -> None:
    level = Scale.objects.get(code="importance-5").levels.get(code="not-discussed")
    assert (level.rank, level.counts_as_met) == (None, None)
