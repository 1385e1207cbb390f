"""Combining returns: sums, keeping versions apart, refusals, and the audit across organisations."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from meaningful.disclosure.policy import NHS_STYLE, Policy
from meaningful.national.combine import NationalRelease, ReturnsRefused, combine
from meaningful.national.output import release_json
from meaningful.national.protection import WITHHELD
from meaningful.national.reading import SubmittedReturn
from tests.national.returns import FRAMEWORK, OUTCOMES, make_return, many, random_ratings, seal

CODES = [code for code, _ in OUTCOMES]
SUPPRESSION = Policy(threshold=5, rounding_base=1, minimum_n=5, method="suppression")
PRIMARY_ONLY = Policy(
    threshold=5, rounding_base=1, minimum_n=5, method="suppression", secondary_suppression=False
)


def submitted(*documents: dict[str, Any]) -> list[SubmittedReturn]:
    return [SubmittedReturn(f"{d['organisation']['code']}.json", d) for d in documents]


def three(policy: Policy = NHS_STYLE) -> list[dict[str, Any]]:
    return [
        make_return(code, random_ratings(seed, 150, CODES), policy=policy)
        for code, seed in (("north", 11), ("south", 22), ("east", 33))
    ]


def national(release: NationalRelease, name: str) -> dict[tuple[str, ...], Any]:
    return {f.key: f for f in release.releases[name].figures}


def test_three_organisations_give_national_tables_that_pass_the_audit() -> None:
    documents = three()
    release = combine(submitted(*documents), NHS_STYLE)
    assert release.passed, release.refusal()
    summary = release.audit_summary()
    assert summary["checked"] > 0 and summary["linked_figures"] > 0
    figures = national(release, "talking-points-service-users@1/latest/sex")
    exact = sum(
        cell["count"]
        for d in documents
        for table in d["tables"]
        if table["stage"] == "latest" and table["by"] == ["outcome", "level", "sex"]
        for cell in table["cells"]
        if (cell["outcome"], cell["level"], cell["sex"]) == ("feeling-safe", "met", "female")
    )
    cell = figures["feeling-safe", "met", "female"]
    assert cell.value == exact
    assert cell.published == NHS_STYLE.publish(exact) or cell.reason == WITHHELD
    assert release.period.label == "2026"


def test_the_release_json_holds_published_figures_only() -> None:
    data = release_json(combine(submitted(*three()), NHS_STYLE))
    table = next(t for t in data["tables"] if t["name"] == "talking-points-service-users@1/latest")
    for row in table["rows"]:
        assert row["published"] is None or NHS_STYLE.may_show(row["published"])
    assert {o["organisation"] for o in table["organisations"]} == {"north", "south", "east"}
    assert "count" not in str(data["tables"])
    assert data["audit"]["passed"] and data["policy"]["threshold"] == 8


def small_organisation(policy: Policy) -> dict[str, Any]:
    ratings = (
        many(2, outcome="feeling-safe", latest="met", sex="female")
        + many(30, outcome="feeling-safe", latest="partly-met", sex="female")
        + many(25, outcome="feeling-safe", latest="not-met", sex="female")
        + many(28, outcome="feeling-safe", latest="met", sex="male")
        + many(31, outcome="seeing-people", latest="met", sex="female")
        + many(26, outcome="seeing-people", latest="met", sex="male")
    )
    return make_return("west", ratings, policy=policy)


def test_differencing_the_national_total_would_recover_a_hidden_count_and_is_refused() -> None:
    west = small_organisation(SUPPRESSION)
    assert west["metadata"]["audit"]["passed"]  # its own publication gives nothing away
    others = [
        make_return(code, random_ratings(seed, 300, CODES), policy=SUPPRESSION)
        for code, seed in (("north", 1), ("south", 2))
    ]
    release = combine(submitted(west, *others), PRIMARY_ONLY)
    assert not release.passed
    assert (
        "an earlier release (West Partnership's return), table "
        "'talking-points-service-users@1/latest/sex', cell west, feeling-safe, met, female: "
        "it could be worked out as exactly 2"
    ) in release.refusal()


def test_secondary_suppression_of_national_figures_protects_the_hidden_count() -> None:
    west = small_organisation(SUPPRESSION)
    others = [
        make_return(code, random_ratings(seed, 300, CODES), policy=SUPPRESSION)
        for code, seed in (("north", 1), ("south", 2))
    ]
    release = combine(submitted(west, *others), SUPPRESSION)
    assert release.passed, release.refusal()
    figures = national(release, "talking-points-service-users@1/latest/sex")
    assert figures["feeling-safe", "met", "female"].published is None


def test_rounded_national_totals_that_narrow_a_hidden_count_are_withheld() -> None:
    """Two organisations each hide 7; a national 14 rounded to 15 would prove each at least 6."""

    def organisation(code: str) -> dict[str, Any]:
        ratings = (
            many(7, outcome="feeling-safe", latest="met", sex="female")
            + many(40, outcome="feeling-safe", latest="partly-met", sex="female")
            + many(35, outcome="feeling-safe", latest="met", sex="male")
            + many(33, outcome="seeing-people", latest="not-met", sex="female")
        )
        return make_return(code, ratings)

    release = combine(submitted(organisation("north"), organisation("south")), NHS_STYLE)
    assert release.passed, release.refusal()
    cell = national(release, "talking-points-service-users@1/latest/sex")[
        "feeling-safe", "met", "female"
    ]
    assert cell.value == 14 and cell.published is None and cell.reason == WITHHELD
    assert release.audit_summary()["withheld"] >= 1
    assert "[c] are withheld" in release_json(release)["policy_text"]


def test_a_return_given_twice_is_refused_naming_both_files() -> None:
    north = three()[0]
    with pytest.raises(ReturnsRefused) as refused:
        combine([SubmittedReturn("a.json", north), SubmittedReturn("b.json", north)], NHS_STYLE)
    assert refused.value.problems == [
        f"b.json: the same return as a.json (checksum {north['metadata']['checksum'][:19]}...); "
        "each return counts once, so leave one of them out."
    ]


def test_two_returns_from_one_organisation_for_one_period_are_refused() -> None:
    first = make_return("north", random_ratings(1, 60, CODES))
    second = make_return("north", random_ratings(2, 60, CODES))
    with pytest.raises(ReturnsRefused, match=r"b\.json: a second return from North Partnership"):
        combine([SubmittedReturn("a.json", first), SubmittedReturn("b.json", second)], NHS_STYLE)


def test_a_tampered_return_is_refused() -> None:
    north, south, east = three()
    changed = copy.deepcopy(south)
    changed["tables"][0]["cells"][5]["count"] += 1  # the checksum is kept as it was
    with pytest.raises(ReturnsRefused) as refused:
        combine(submitted(north, changed, east), NHS_STYLE)
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith(
        "south.json: metadata.checksum: the return has been changed since it was made"
    )


def test_versions_of_a_framework_are_kept_apart() -> None:
    version_two = {**FRAMEWORK, "version": "2"}
    north, south = three()[:2]
    east = make_return(
        "east",
        [
            rating.__class__(**{**rating.__dict__, "framework": "talking-points-service-users@2"})
            for rating in random_ratings(33, 150, CODES)
        ],
        frameworks=[version_two],
    )
    release = combine(submitted(north, south, east), NHS_STYLE)
    names = {family.name for family in release.families}
    assert {
        "talking-points-service-users@1/latest",
        "talking-points-service-users@2/latest",
    } <= names
    one = next(f for f in release.families if f.name == "talking-points-service-users@1/latest")
    two = next(f for f in release.families if f.name == "talking-points-service-users@2/latest")
    assert one.organisations == ("north", "south") and two.organisations == ("east",)
    assert any("version 1 (north, south) and version 2 (east)" in note for note in release.notes)
    assert any("never added across" in note for note in release.notes)


def test_returns_for_different_periods_are_refused() -> None:
    north = make_return("north", random_ratings(1, 60, CODES), period="2026")
    south = make_return("south", random_ratings(2, 60, CODES), period="2026-Q3")
    with pytest.raises(ReturnsRefused) as refused:
        combine(submitted(north, south), NHS_STYLE)
    assert refused.value.problems == [
        "The returns are for different periods: 2026 (north.json); 2026-Q3 (south.json). "
        "Combine the returns of one period at a time."
    ]


def test_totals_that_do_not_add_up_are_refused() -> None:
    north = copy.deepcopy(three()[0])
    total = next(i for i, c in enumerate(north["tables"][0]["cells"]) if c["outcome"] == "Total")
    north["tables"][0]["cells"][total]["count"] += 3
    with pytest.raises(
        ReturnsRefused, match=rf"tables\[0\]\.cells\[{total}\]\.count: .*is not the sum"
    ):
        combine(submitted(seal(north)), NHS_STYLE)


def test_a_published_figure_its_own_policy_could_not_give_is_refused() -> None:
    north = copy.deepcopy(three()[0])
    cell = next(
        c for c in north["tables"][0]["cells"] if c["published"] is not None and c["count"] > 20
    )
    cell["published"] += 5
    with pytest.raises(ReturnsRefused, match="cannot stand for the count"):
        combine(submitted(seal(north)), NHS_STYLE)


def test_one_framework_version_described_two_ways_is_refused() -> None:
    north, south = three()[:2]
    south = copy.deepcopy(south)
    south["frameworks"][0]["levels"][0]["code"] = "not-at-all"
    for table in south["tables"]:
        for cell in table["cells"]:
            if cell["level"] == "not-met":
                cell["level"] = "not-at-all"
    with pytest.raises(
        ReturnsRefused, match=r"south\.json: talking-points-service-users@1 has other"
    ):
        combine(submitted(north, seal(south)), NHS_STYLE)


def test_problems_of_every_file_are_given_together() -> None:
    north = copy.deepcopy(three()[0])
    north["format_version"] = "0.9"
    with pytest.raises(ReturnsRefused) as refused:
        combine(
            [SubmittedReturn("north.json", seal(north)), SubmittedReturn("x.json", {})], NHS_STYLE
        )
    problems = refused.value.problems
    assert problems[0].startswith("north.json: format_version:")
    assert "x.json: (document): 'format' is a required property" in problems


def test_a_draft_return_is_refused() -> None:
    north = copy.deepcopy(three()[0])
    north["metadata"]["final"] = False
    with pytest.raises(ReturnsRefused, match=r"metadata\.final: this is a draft"):
        combine(submitted(seal(north)), NHS_STYLE)


def test_returns_made_for_the_tests_are_valid_by_the_builders_schema() -> None:
    from meaningful.returns.schema import return_checksum, validate_return

    north = three()[0]
    assert validate_return(north) == []
    assert return_checksum(north) == north["metadata"]["checksum"]


def test_a_hidden_national_total_known_to_be_small_would_pin_hidden_counts_at_one() -> None:
    """Seven people rated 'partly met', each alone in an organisation's cell (each hidden, so at
    least 1): a national total hidden as small (at most 7) proves every one of them is 1."""
    from meaningful.national.services import national_policy

    placed = {
        "north": [
            ("feeling-safe", "female"),
            ("feeling-safe", "male"),
            ("seeing-people", "female"),
        ],
        "south": [("feeling-safe", "not-known"), ("seeing-people", "male")],
        "east": [("seeing-people", "not-known"), ("feeling-safe", "other")],
    }
    as_returns_are = Policy(secondary_suppression=True)  # a * in a return: hidden, any size
    documents = []
    for seed, (code, cells) in enumerate(placed.items()):
        ratings = random_ratings(seed, 120, CODES)
        ratings = [r for r in ratings if "partly-met" not in (r.baseline, r.latest)]
        for outcome, sex in cells:
            ratings += many(1, outcome=outcome, latest="partly-met", sex=sex)
        documents.append(make_return(code, ratings, policy=as_returns_are))
    alone = combine(submitted(*documents), NHS_STYLE)
    assert not alone.passed
    assert "it could be worked out as exactly 1" in alone.refusal()
    assert combine(submitted(*documents), national_policy()).passed
