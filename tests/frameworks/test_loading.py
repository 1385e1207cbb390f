from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import Personas, make_conversation
from meaningful.errors import NotAllowed
from meaningful.frameworks.loading import BUILTIN_FRAMEWORKS, read_definition
from meaningful.frameworks.models import Framework
from meaningful.frameworks.services import load_definition_file
from meaningful.frameworks.validation import DefinitionError, framework_problems, scales_problems


def own_framework() -> dict[str, Any]:
    return {
        "format": "meaningful-framework/1",
        "slug": "our-recovery-outcomes",
        "version": "2026.1",
        "name": "Our recovery outcomes",
        "population": "service-users",
        "default_scale": "1-6",
        "categories": [{"code": "recovery", "name": "Recovery"}],
        "outcomes": [
            {
                "code": "hope",
                "name": "Hope",
                "category": "recovery",
                "type": "change",
                "description": "Feeling that things can get better.",
                "prompts": ["What gives you hope just now?", "What gets in the way?"],
            },
        ],
    }


def write(tmp_path: Path, data: object, name: str = "framework.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_the_shipped_files_are_valid() -> None:
    for path in BUILTIN_FRAMEWORKS:
        assert framework_problems(read_definition(path), {"met-partly-not"}) == [], path


def test_each_problem_is_named_by_its_place() -> None:
    data = own_framework()
    data["outcomes"].append(copy.deepcopy(data["outcomes"][0]))
    data["outcomes"][1]["type"] = "better"
    data["outcomes"][1]["category"] = "wellbeing"
    data["outcomes"][1]["prompts"] = []
    data["default_scale"] = "1-7"
    data["slug"] = "Our Outcomes"
    problems = framework_problems(data, {"1-6"})
    assert "outcomes[1].code: duplicate outcome code 'hope'" in problems
    assert "outcomes[1].type: must be one of ['change', 'maintain', 'process']" in problems
    assert "outcomes[1].category: 'wellbeing' is not a listed category" in problems
    assert "outcomes[1].prompts: give at least one conversation prompt" in problems
    assert any(p.startswith("framework.default_scale: unknown scale '1-7'") for p in problems)
    assert any(p.startswith("framework.slug: 'Our Outcomes' must be lower-case") for p in problems)


def test_a_scale_needs_distinct_levels_and_ranks() -> None:
    data = {
        "format": "meaningful-scales/1",
        "scales": [
            {
                "code": "x",
                "name": "X",
                "kind": "ordinal",
                "levels": [
                    {"code": "a", "label": "A", "rank": 1},
                    {"code": "a", "label": "B", "rank": 1},
                ],
            }
        ],
    }
    assert scales_problems(data) == [
        "scales[0].levels[1].code: duplicate level 'a'",
        "scales[0].levels[1].rank: rank 1 is used twice",
    ]


@pytest.mark.django_db
def test_an_organisation_admin_loads_their_own_framework_and_it_is_audited(
    personas: Personas, tmp_path: Path
) -> None:
    result = load_definition_file(
        personas.admin, write(tmp_path, own_framework()), organisation=personas.organisation
    )
    assert (result.status, result.name) == ("created", "our-recovery-outcomes v2026.1")
    framework = Framework.objects.get(slug="our-recovery-outcomes")
    assert framework.organisation == personas.organisation
    assert AuditEvent.objects.filter(action="framework.created", actor=personas.admin).exists()
    again = load_definition_file(
        personas.admin, write(tmp_path, own_framework()), organisation=personas.organisation
    )
    assert again.status == "unchanged"


@pytest.mark.django_db
def test_a_practitioner_cannot_load_frameworks(personas: Personas, tmp_path: Path) -> None:
    with pytest.raises(NotAllowed):
        load_definition_file(
            personas.owner, write(tmp_path, own_framework()), organisation=personas.organisation
        )
    assert not Framework.objects.filter(slug="our-recovery-outcomes").exists()


@pytest.mark.django_db
def test_a_framework_version_in_use_cannot_change(
    personas: Personas, person: object, tmp_path: Path
) -> None:
    data = read_definition(next(p for p in BUILTIN_FRAMEWORKS if "service-users" in p.name))
    make_conversation(personas.owner, person)  # type: ignore[arg-type]
    data["outcomes"][0]["name"] = "Feeling safe and sound"
    with pytest.raises(DefinitionError, match="already used by recorded conversations"):
        load_definition_file(personas.system, write(tmp_path, data))
    data["version"] = "2"
    assert load_definition_file(personas.system, write(tmp_path, data)).status == "created"
    assert Framework.objects.filter(slug="talking-points-service-users").count() == 2


@pytest.mark.django_db
def test_the_command_lists_every_problem_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = own_framework()
    del bad["outcomes"][0]["description"]
    with pytest.raises(CommandError, match="1 file"):
        call_command("load_frameworks", str(write(tmp_path, bad)))
    assert "outcomes[0].description: required text is missing" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_command_reports_a_file_that_is_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CommandError):
        call_command("load_frameworks", str(path), "--json")
    assert "not valid UTF-8 JSON" in json.loads(capsys.readouterr().out)["failed"][0]["problems"][0]


@pytest.mark.django_db
def test_the_command_loads_a_valid_file_as_the_system_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("load_frameworks", str(write(tmp_path, own_framework())), "--json")
    assert json.loads(capsys.readouterr().out)["loaded"][0]["status"] == "created"
    assert AuditEvent.objects.get(action="framework.created").actor_username == "system"


def test_level_ranks_must_run_without_gaps() -> None:
    data = {
        "format": "meaningful-scales/1",
        "scales": [
            {
                "code": "x",
                "name": "X",
                "kind": "ordinal",
                "levels": [
                    {"code": "a", "label": "A", "rank": 1},
                    {"code": "b", "label": "B", "rank": 3},
                ],
            }
        ],
    }
    assert scales_problems(data) == [
        "scales[0].levels: ranks must run 1, 2, 3 ... without gaps; found [1, 3]"
    ]
