"""Codebooks: a framework's outcomes with the example sentences that assisted coding compares notes to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from meaningful.analysis.coding import OutcomeDefinition

if TYPE_CHECKING:  # the benchmarks read codebooks without a configured Django
    from meaningful.frameworks.models import Framework

CODEBOOK_DIR: Final = Path(__file__).resolve().parent / "codebooks"
CODEBOOK_FORMAT: Final = "meaningful-codebook/1"


class CodebookError(ValueError):
    """A codebook file does not match its framework."""


def codebook_examples(slug: str) -> dict[str, list[str]]:
    """Example sentences per outcome code for a framework; empty when it has no codebook."""
    path = CODEBOOK_DIR / f"{slug}.json"
    if not path.is_file():
        return {}
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != CODEBOOK_FORMAT or data.get("framework") != slug:
        raise CodebookError(f"{path.name}: expected format {CODEBOOK_FORMAT} for {slug}.")
    examples: dict[str, list[str]] = data["examples"]
    return examples


def outcome_definitions(
    items: list[dict[str, Any]], examples: dict[str, list[str]]
) -> list[OutcomeDefinition]:
    """Outcome definitions from framework outcome dictionaries and codebook examples."""
    unknown = sorted(set(examples) - {item["code"] for item in items})
    if unknown:
        raise CodebookError(f"The codebook names outcomes the framework lacks: {unknown}")
    return [
        OutcomeDefinition(
            code=item["code"],
            name=item["name"],
            description=item.get("description", ""),
            prompts=tuple(item.get("prompts", ())),
            synonyms=tuple(item.get("synonyms", ())),
            examples=tuple(examples.get(item["code"], ())),
        )
        for item in items
    ]


def framework_outcomes(framework: Framework) -> list[OutcomeDefinition]:
    """The outcomes of an installed framework version, with its codebook's examples."""
    items = [
        {
            "code": o.code,
            "name": o.name,
            "description": o.description,
            "prompts": list(o.prompts),
            "synonyms": list(o.synonyms),
        }
        for o in framework.outcomes.all()
    ]
    return outcome_definitions(items, codebook_examples(framework.slug))
