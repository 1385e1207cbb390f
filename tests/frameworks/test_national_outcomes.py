"""The national outcomes file: the nine outcomes, and a mapping for every built-in outcome."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from meaningful.frameworks.loading import BUILTIN_FRAMEWORKS, read_definition
from meaningful.frameworks.models import Framework
from meaningful.frameworks.national import (
    NATIONAL_OUTCOMES_FILE,
    builtin_outcome_codes,
    national_outcomes,
    national_outcomes_problems,
    read_national_outcomes,
)
from meaningful.frameworks.validation import DefinitionError

DOCS = Path(__file__).resolve().parents[2] / "docs"


def shipped() -> Any:
    return read_definition(NATIONAL_OUTCOMES_FILE)


def test_every_outcome_of_every_built_in_framework_feeds_a_national_outcome() -> None:
    builtin = builtin_outcome_codes()
    assert {"talking-points-service-users", "talking-points-carers"} <= set(builtin)
    assert national_outcomes_problems(shipped(), builtin) == []
    mapping = national_outcomes().numbers_by_outcome()
    for slug, codes in builtin.items():
        for code in codes:
            assert mapping[(slug, code)], (slug, code)
            assert all(1 <= number <= 9 for number in mapping[(slug, code)])


@pytest.mark.django_db
def test_every_built_in_outcome_in_the_database_is_mapped() -> None:
    mapping = national_outcomes().numbers_by_outcome()
    frameworks = Framework.objects.filter(organisation__isnull=True).prefetch_related("outcomes")
    assert frameworks.count() == len(BUILTIN_FRAMEWORKS)
    for framework in frameworks:
        for outcome in framework.outcomes.all():
            assert (framework.slug, outcome.code) in mapping, outcome.code


def test_a_new_built_in_outcome_without_a_mapping_fails_the_check() -> None:
    builtin = {slug: [*codes] for slug, codes in builtin_outcome_codes().items()}
    builtin["talking-points-carers"].append("carer-sleep")
    builtin["talking-points-new"] = ["first"]
    assert national_outcomes_problems(shipped(), builtin) == [
        "mapping.talking-points-carers.carer-sleep: the outcome is not mapped",
        "mapping.talking-points-new: the built-in framework is not mapped",
    ]


def test_the_nine_outcomes_carry_the_statutory_wording_and_their_source() -> None:
    outcomes = national_outcomes().outcomes
    assert [o.number for o in outcomes] == list(range(1, 10))
    assert outcomes[6].wording == (
        "People who use health and social care services are safe from harm."
    )
    assert outcomes[4].wording == (
        "Health and social care services contribute to reducing health inequalities."
    )
    assert all(o.source.startswith("https://www.gov.scot/") and o.title for o in outcomes)
    data = shipped()
    assert data["source"]["wording_address"].startswith("https://www.gov.scot/")
    assert "Regulations 2014" in data["source"]["legislation"]


def test_numbers_out_of_range_missing_reasons_and_strays_are_named() -> None:
    data = copy.deepcopy(shipped())
    safe = data["mapping"]["talking-points-service-users"]["feeling-safe"]
    safe[0]["national"] = 10
    safe[1]["reason"] = " "
    safe.append({"national": True, "reason": "A flag is not a number."})
    data["mapping"]["talking-points-carers"]["carer-caring"] = [{"national": 6, "reason": "x"}]
    data["mapping"]["talking-points-care-homes"]["ch-see-people"] = []
    data["mapping"]["our-own"] = {}
    data["outcomes"] = data["outcomes"][:8]
    place = "mapping.talking-points-service-users.feeling-safe"
    assert national_outcomes_problems(data, builtin_outcome_codes()) == [
        "outcomes: must hold each of the numbers 1 to 9 exactly once",
        "mapping.our-own: not a built-in framework",
        "mapping.talking-points-care-homes.ch-see-people: must list at least one national outcome",
        "mapping.talking-points-carers.carer-caring: no such outcome in the framework",
        f"{place}[0].national: 10 is not a whole number from 1 to 9",
        f"{place}[1].reason: required text is missing",
        f"{place}[2].national: True is not a whole number from 1 to 9",
    ]


def test_reading_a_broken_file_lists_its_problems(tmp_path: Path) -> None:
    data = copy.deepcopy(shipped())
    data["format"] = "something-else"
    path = tmp_path / "national.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DefinitionError, match="format: must be"):
        read_national_outcomes(path)


def test_the_documented_table_matches_the_data_file() -> None:
    text = (DOCS / "national-outcomes.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` [^|]+\| (\d) [^|]+\| ([^|]+) \|$", text, re.MULTILINE)
    documented = {(code, int(number), reason.strip()) for code, number, reason in rows}
    expected = {(c.outcome, c.national, c.reason) for c in national_outcomes().contributions}
    assert documented == expected
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/national-outcomes.md)" in readme
