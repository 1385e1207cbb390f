"""The demo phrasebank: varied, realistic recording text, with slots filled per person."""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

PHRASES_FILE = Path(__file__).resolve().parent / "data" / "phrases.json"


class _Slots(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=1)
def phrasebook() -> dict[str, Any]:
    """Return the parsed phrasebank (read once per process)."""
    data: dict[str, Any] = json.loads(PHRASES_FILE.read_text(encoding="utf-8"))
    return data


def fill(template: str, slots: dict[str, str]) -> str:
    """Fill a phrase's {slots}; an unknown slot is left as written rather than failing."""
    return template.format_map(_Slots(slots))


def pick(rng: random.Random, options: list[str], slots: dict[str, str]) -> str:
    """Choose one phrase and fill its slots."""
    return fill(rng.choice(options), slots)


def outcome_phrases(code: str) -> dict[str, Any]:
    """Return the phrases written for one outcome code."""
    phrases: dict[str, Any] = phrasebook()["outcomes"][code]
    return phrases
