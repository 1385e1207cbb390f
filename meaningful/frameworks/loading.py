"""Installing scale and framework definitions into the database, built-in or an organisation's own."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.apps.registry import Apps
from django.db import transaction

from meaningful.frameworks.validation import (
    FRAMEWORK_FORMAT,
    DefinitionError,
    framework_problems,
    scales_problems,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
BUILTIN_SCALES = DATA_DIR / "scales.v1.json"
BUILTIN_FRAMEWORKS = sorted(DATA_DIR.glob("talking-points-*.json"))


def read_definition(path: Path) -> Any:
    """Read a JSON definition file, turning unreadable or malformed files into a DefinitionError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DefinitionError(str(path), ["no such file"]) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DefinitionError(str(path), [f"not valid UTF-8 JSON: {error}"]) from error


def checksum(data: Any) -> str:
    """Return the SHA-256 of a definition's canonical JSON form."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def install_scales(apps: Apps, data: Any, *, source: str) -> list[str]:
    """Create or update the scales in a definition; return their codes."""
    problems = scales_problems(data)
    if problems:
        raise DefinitionError(source, problems)
    scale_model = apps.get_model("frameworks", "Scale")
    level_model = apps.get_model("frameworks", "Level")
    codes = []
    with transaction.atomic():
        for item in data["scales"]:
            scale, _ = scale_model.objects.update_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "kind": item["kind"],
                    "description": item.get("description", ""),
                },
            )
            for level in item["levels"]:
                level_model.objects.update_or_create(
                    scale=scale,
                    code=level["code"],
                    defaults={
                        "label": level["label"],
                        "rank": level.get("rank"),
                        "value": level.get("value"),
                        "counts_as_met": level.get("counts_as_met"),
                    },
                )
            codes.append(item["code"])
    return codes


def _framework_in_use(apps: Apps, framework: Any) -> bool:
    try:
        conversation_model = apps.get_model("conversations", "Conversation")
    except LookupError:  # during early migrations the conversations app does not exist yet
        return False
    return bool(conversation_model.objects.filter(framework=framework).exists())


def install_framework(
    apps: Apps, data: Any, *, source: str, organisation_id: int | None = None
) -> tuple[Any, str]:
    """Install one framework version; return it and 'created', 'unchanged' or 'replaced'.

    A version that records already use is immutable: loading different content under the same
    slug and version is refused, and the message says to give the change a new version.
    """
    scale_model = apps.get_model("frameworks", "Scale")
    known_scales = set(scale_model.objects.values_list("code", flat=True))
    problems = framework_problems(data, known_scales)
    if problems:
        raise DefinitionError(source, problems)
    framework_model = apps.get_model("frameworks", "Framework")
    outcome_model = apps.get_model("frameworks", "Outcome")
    digest = checksum(data)
    with transaction.atomic():
        existing = framework_model.objects.filter(
            slug=data["slug"], version=data["version"]
        ).first()
        if existing is not None and existing.checksum == digest:
            return existing, "unchanged"
        if existing is not None and existing.organisation_id != organisation_id:
            raise DefinitionError(
                source,
                [
                    f"framework {data['slug']!r} version {data['version']!r} belongs to another "
                    "owner; choose a different slug"
                ],
            )
        if existing is not None and _framework_in_use(apps, existing):
            raise DefinitionError(
                source,
                [
                    f"framework {data['slug']!r} version {data['version']!r} is already used by "
                    "recorded conversations and cannot change; give your changes a new version"
                ],
            )
        status = "replaced" if existing is not None else "created"
        if existing is not None:
            existing.outcomes.all().delete()
            existing.delete()
        framework = framework_model.objects.create(
            slug=data["slug"],
            version=data["version"],
            name=data["name"],
            population=data["population"],
            description=data.get("description", ""),
            source=data.get("source", ""),
            categories=data["categories"],
            default_scale=scale_model.objects.get(code=data["default_scale"]),
            organisation_id=organisation_id,
            checksum=digest,
        )
        outcome_model.objects.bulk_create(
            outcome_model(
                framework=framework,
                code=item["code"],
                name=item["name"],
                category=item["category"],
                outcome_type=item["type"],
                description=item["description"],
                prompts=item["prompts"],
                synonyms=item.get("synonyms", []),
                position=position,
            )
            for position, item in enumerate(data["outcomes"], start=1)
        )
    return framework, status


def install_builtin(apps: Apps) -> None:
    """Install the built-in scales and Talking Points frameworks shipped with the package."""
    install_scales(apps, read_definition(BUILTIN_SCALES), source=str(BUILTIN_SCALES.name))
    for path in BUILTIN_FRAMEWORKS:
        install_framework(apps, read_definition(path), source=path.name)


def is_framework_file(data: Any) -> bool:
    """True when a parsed file declares itself a framework definition (not a scales file)."""
    return isinstance(data, dict) and data.get("format") == FRAMEWORK_FORMAT
