"""Reading a return: parsing, the checksum of the contract, and the structural checks."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from meaningful.national.format import (
    UnreadableReturn,
    check_return,
    parse_return,
    return_checksum,
)
from tests.national.returns import make_return, many, seal


@pytest.fixture(scope="module")
def north() -> dict[str, Any]:
    return make_return("north", many(12, outcome="feeling-safe") + many(9, outcome="seeing-people"))


def test_a_return_made_by_the_contract_has_no_problems(north: dict[str, Any]) -> None:
    assert check_return(north) == []
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


def test_a_negative_count_is_named_by_its_place(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    broken["tables"][1]["cells"][3]["count"] = -1
    assert "tables[1].cells[3].count: -1 is less than 0" in check_return(broken)


def test_another_format_version_is_refused_clearly(north: dict[str, Any]) -> None:
    newer = seal({**copy.deepcopy(north), "format_version": "2.0"})
    assert check_return(newer) == [
        "format_version: \"2.0\" is not a version this installation reads (it reads '1.0')"
    ]


def test_missing_and_unexpected_fields_are_named(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    del broken["organisation"]["code"]
    del broken["period"]
    broken["tables"][0]["cells"][0]["person"] = "Ann Smith"
    broken["reviews"]["due"] = {"count": 3}
    problems = check_return(broken)
    assert "organisation.code: missing" in problems
    assert "period: missing" in problems
    assert "tables[0].cells[0]: unexpected field 'person'" in problems
    assert "reviews.due.published: missing" in problems


def test_codes_frameworks_and_periods_are_checked(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    broken["tables"][0]["cells"][2]["outcome"] = "flying"
    broken["tables"][1]["framework"] = "unknown@9"
    broken["tables"][2]["by"] = ["outcome", "level", "postcode"]
    broken["period"]["end"] = "2026-06-30"
    problems = check_return(broken)
    assert 'tables[0].cells[2].outcome: "flying" is not a known code' in problems
    assert any(
        p.startswith('tables[1].framework: "unknown@9" is not a framework') for p in problems
    )
    assert any(p.startswith("tables[2].by:") for p in problems)
    assert "period.end: \"2026-06-30\" should be 2026-12-31 for the period '2026'" in problems


def test_the_checksum_and_generated_at_must_look_right(north: dict[str, Any]) -> None:
    broken = copy.deepcopy(north)
    broken["metadata"]["checksum"] = "md5:abc"
    broken["metadata"]["generated_at"] = "2027-01-05T09:00:00"
    problems = check_return(broken)
    assert "metadata.checksum: \"md5:abc\" is not 'sha256:' and 64 hex digits" in problems
    assert any(p.startswith("metadata.generated_at:") for p in problems)
    assert check_return("a return") == ['should be an object, not "a return"']
