"""Whether a short note reads as something working, not working, or mixed: lexical cues only.

The method counts words and phrases that usually mark things going well ("enjoys", "better",
"now able") and those that usually mark a problem ("worried", "struggles", "not", "missed").
A note with cues of one kind only reads that way; cues of both kinds read as mixed; none reads
as unclear. It is deliberately small and explainable, so a practitioner can see why.

Limits, stated plainly: it does not parse grammar, so "no longer lonely" counts a problem cue
("lonely") and a change cue ("no longer") and reads as mixed; irony, reported speech about
someone else and hedges ("might", "hopes to") are not understood; English only. Treat it as a
prompt to check the working / not working fields, never as a rating.

Every regular expression is a list of literal alternatives inside word boundaries, so it runs
in linear time on any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Tone = Literal["working", "not-working", "mixed", "unclear"]

WORKING_CUES: Final = (
    "enjoy", "enjoys", "enjoyed", "enjoying", "better", "improved", "improving", "happier",
    "happy", "pleased", "glad", "confident", "settled", "helps", "helped", "helpful", "good",
    "great", "lovely", "likes", "loves", "now able", "manages", "managing", "independent",
    "looks forward", "reassured", "safe", "trusts", "valued", "well", "keen", "proud",
    "comfortable", "sorted", "back to", "again",
)  # fmt: skip
NOT_WORKING_CUES: Final = (
    "not", "no", "never", "nothing", "nobody", "can't", "cannot", "couldn't", "won't",
    "don't", "doesn't", "didn't", "isn't", "wasn't", "unable", "worried", "worries", "worry",
    "anxious", "afraid", "frightened", "scared", "struggles", "struggling", "lonely", "alone",
    "isolated", "missed", "misses", "late", "waiting", "waited", "exhausted", "tired", "low",
    "pain", "stress", "stressed", "difficult", "hard", "problem", "problems", "concern",
    "concerns", "declined", "refused", "worse", "unsafe", "fell", "fall", "falls", "upset",
    "angry", "ignored", "rude", "stuck", "lost", "gave up", "given up", "too much",
    "no longer", "short of",
)  # fmt: skip


def _pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted(cues, key=len, reverse=True)  # longest first, so phrases win over their words
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


_WORKING: Final = _pattern(WORKING_CUES)
_NOT_WORKING: Final = _pattern(NOT_WORKING_CUES)


@dataclass(frozen=True)
class Reading:
    """How a note reads, with the cues that decided it."""

    tone: Tone
    working_cues: tuple[str, ...]
    not_working_cues: tuple[str, ...]


def reads_as(text: str) -> Reading:
    """Classify a note by its cue words; the cues found are returned so the result can be checked."""
    normalised = text.replace("\u2019", "'")
    good = tuple(m.group(0).lower() for m in _WORKING.finditer(normalised))
    bad = tuple(m.group(0).lower() for m in _NOT_WORKING.finditer(normalised))
    tone: Tone
    if good and bad:
        tone = "mixed"
    elif good:
        tone = "working"
    elif bad:
        tone = "not-working"
    else:
        tone = "unclear"
    return Reading(tone=tone, working_cues=good, not_working_cues=bad)
