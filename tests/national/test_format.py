"""Reading a return at the hub: parsing, the checksum, and the format's one validator."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from meaningful.national.format import UnreadableReturn, parse_return
from meaningful.national.reading import SubmittedReturn, read_return
from meaningful.returns.schema import return_checksum, validate_return
from tests.national.returns import make_return, many, seal


@pytest.fixture(scope="module")
def north() -> dict[str, Any]:
    return make_return("north", many(12, outcome="feeling-safe") + many(9, outcome="seeing-people"))


def test_a_return_made_by_the_contract_has_no_problems(north: dict[str, Any]) -> None:
    assert validate_return(north) == []
    assert north["metadata"]["checksum"] == return_checksum(north)


def test_the_checksum_is_sha256_of_the_canonical_json_without_the_checksum(
    north: dict[str, Any],
) -> None:
    body = copy.deepcopy(north)
    del body["metadata"]["checksum"]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert return_checksum(north) == "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_changing_one_number_changes_the_checksum(north: dict[str, Any]) -> None:
    changed = copy.deepcopy(north)
    changed["tables"][0]["cells"][0]["count"] += 1
    assert return_checksum(changed) != return_checksum(north)


def test_malformed_json_is_refused_with_where_it_breaks() -> None:
    with pytest.raises(UnreadableReturn, match=r"not valid JSON .*line 1, column 14"):
        parse_return(b'{"format": 1,,}')
    with pytest.raises(UnreadableReturn, match="not a return"):
        parse_return(b"[1, 2]")
    with pytest.raises(UnreadableReturn, match="not UTF-8"):
        parse_return(b"\xff\xfe\x00{")


def problems_of(document: Any) -> list[str]:
    """What the hub says of the document, as it reads every return."""
    read, problems = read_return(SubmittedReturn("north.json", document))
    assert (read is None) == bool(problems)
    return problems


def test_the_hub_reads_a_sound_return(north: dict[str, Any]) -> None:
    read, problems = read_return(SubmittedReturn("north.json", north))
    assert problems == [] and read is not None
    assert read.code == "north" and read.period.label == "2026"


def test_a_negative_count_is_named_by_its_place(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    broken["tables"][1]["cells"][3]["count"] = -1
    assert "tables[1].cells[3].count: -1 is less than the minimum of 0" in problems_of(broken)


def test_another_format_version_is_refused_clearly(north: dict[str, Any]) -> None:
    newer = seal({**copy.deepcopy(north), "format_version": "2.0"})
    assert problems_of(newer) == [
        'format_version: "2.0" is not a version this installation reads (it reads 1.0 and 1.1): '
        "ask for the return in one of those, or update Meaningful"
    ]


def test_missing_and_unexpected_fields_are_named(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    del broken["organisation"]["code"]
    del broken["period"]
    broken["tables"][0]["cells"][0]["person"] = "Ann Smith"
    broken["reviews"]["due"] = {"count": 3}
    problems = problems_of(broken)
    assert "organisation: 'code' is a required property" in problems
    assert "(document): 'period' is a required property" in problems
    assert (
        "tables[0].cells[0]: Additional properties are not allowed ('person' was unexpected)"
        in problems
    )
    assert "reviews.due: 'published' is a required property" in problems


def test_unknown_codes_and_breakdowns_are_named(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    broken["tables"][2]["by"] = ["outcome", "level", "postcode"]
    broken["tables"][3]["cells"][0]["sex"] = "unknown"
    problems = problems_of(broken)
    assert any(p.startswith("tables[2].by[2]: 'postcode' is not one of [") for p in problems)
    assert any(p.startswith("tables[3].cells[0].sex: 'unknown' is not one of [") for p in problems)


def test_codes_frameworks_and_periods_are_checked(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    broken["tables"][0]["cells"][2]["outcome"] = "flying"
    broken["tables"][1]["framework"] = "unknown@9"
    broken["change"][0]["outcome"] = "swimming"
    broken["period"]["end"] = "2026-06-30"
    problems = problems_of(seal(broken))
    assert (
        "tables[0].cells[2].outcome: 'flying' is not a code of talking-points-service-users@1"
        in problems
    )
    assert "tables[1].framework: framework 'unknown@9' is not in frameworks" in problems
    assert "change[0].outcome: 'swimming' is not an outcome of talking-points-service-users@1" in (
        problems
    )
    assert "period.end: \"2026-06-30\" should be 2026-12-31 for the period '2026'" in problems


def test_a_framework_listed_twice_or_a_code_used_for_totals_is_refused(
    north: dict[str, Any],
) -> None:
    broken = copy.deepcopy(north)
    broken["frameworks"].append(copy.deepcopy(broken["frameworks"][0]))
    broken["frameworks"][0]["levels"][1]["code"] = "Total"
    broken["frameworks"][0]["outcomes"][1]["code"] = broken["frameworks"][0]["outcomes"][0]["code"]
    problems = problems_of(seal(broken))
    assert "frameworks[1]: talking-points-service-users@1 is listed twice" in problems
    assert "frameworks[0].levels[1].code: 'Total' is kept for totals" in problems
    assert "frameworks[0].outcomes[1].code: 'feeling-safe' appears twice" in problems


def test_a_tampered_return_is_refused_once_saying_to_ask_for_it_again(
    north: dict[str, Any],
) -> None:
    changed = copy.deepcopy(north)
    changed["tables"][0]["cells"][5]["count"] += 1  # the sums break too, but that is the same news
    (problem,) = problems_of(changed)
    assert problem.startswith("metadata.checksum: the return has been changed since it was made")
    assert "Ask the organisation to send it again" in problem
    assert "never edit a return by hand" in problem


def test_the_checksum_and_generated_at_must_look_right(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    broken["metadata"]["checksum"] = "md5:abc"
    broken["metadata"]["generated_at"] = "2027-01-05T09:00:00"
    problems = problems_of(broken)
    assert "metadata.checksum: 'md5:abc' does not match '^sha256:[0-9a-f]{64}$'" in problems
    assert any(p.startswith("metadata.generated_at:") for p in problems)


def test_what_is_not_an_object_is_refused() -> None:
    assert problems_of("a return") == ["(document): 'a return' is not of type 'object'"]


def test_a_draft_is_refused_by_the_hub_though_the_format_accepts_it(
    north: dict[str, Any],
) -> None:
    draft = copy.deepcopy(north)
    draft["metadata"]["final"] = False
    assert validate_return(seal(draft)) == []
    assert problems_of(draft) == [
        "metadata.final: this is a draft, which the organisation has not released; ask for the "
        "final return."
    ]


def test_a_return_of_version_1_0_is_still_read() -> None:
    older = make_return("north", many(12, outcome="feeling-safe"), version="1.0")
    assert validate_return(older) == []
    read, problems = read_return(SubmittedReturn("north.json", older))
    assert problems == [] and read is not None
    assert read.version == "1.0" and read.national is None


def test_the_section_by_national_outcome_belongs_to_version_1_1_only(
    north: dict[str, Any],
) -> None:
    assert north["format_version"] == "1.1" and len(north["national_outcomes"]) == 9
    missing = copy.deepcopy(north)
    del missing["national_outcomes"]
    assert problems_of(seal(missing)) == ["(document): 'national_outcomes' is a required property"]
    early = copy.deepcopy(north)
    early["format_version"] = "1.0"
    assert problems_of(seal(early)) == [
        "national_outcomes: a section of format version 1.1, in a document that says it is 1.0: "
        "ask the organisation to build the return again"
    ]


def test_figures_by_national_outcome_must_add_up_and_be_named_once(
    north: dict[str, Any],
) -> None:
    broken = copy.deepcopy(north)
    broken["national_outcomes"][6]["met"]["count"] += 1
    broken["national_outcomes"][8]["number"] = 1
    broken["national_outcomes"][0]["people"]["published"] = 3
    problems = problems_of(seal(broken))
    assert "national_outcomes[6].people.count: 12 is not met + not_met (13)" in problems
    assert "national_outcomes[8].number: 1 appears twice" in problems
    assert "national_outcomes[0].people.published: 3 is a count the policy hides (1 to 7)" in (
        problems
    )
