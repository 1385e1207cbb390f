"""What text every channel (web forms, the API, imports) refuses before it reaches the database.

PostgreSQL cannot store the NUL character in text, and no database can store half of a UTF-16
surrogate pair: both are refused with a message saying what to do. Free text is also limited in
length, so that nobody pastes a whole file into one answer by mistake.
"""

from __future__ import annotations

import re

LONG_TEXT = 20_000  # characters in one free-text answer, such as what matters or the story
REASON_TEXT = 300  # characters in the reason given for a correction
NUL_MESSAGE = "Remove the invisible NUL character from this text."
BROKEN_MESSAGE = (
    "This text holds a broken character (half of a surrogate pair). Type it again rather than "
    "pasting it."
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def too_long_message(limit: int, length: int) -> str:
    return f"Write at most {limit:,} characters here; this has {length:,}."


def text_problem(text: str, *, limit: int | None = LONG_TEXT) -> str | None:
    """Return why the text cannot be stored as it is, or None when it can."""
    if "\x00" in text:
        return NUL_MESSAGE
    if _SURROGATE.search(text):
        return BROKEN_MESSAGE
    if limit is not None and len(text) > limit:
        return too_long_message(limit, len(text))
    return None


def text_problems(texts: dict[str, str], *, limit: int | None = LONG_TEXT) -> dict[str, str]:
    """Map each field whose text cannot be stored to what is wrong with it."""
    joined = "".join(texts.values())
    if joined.isascii() and "\x00" not in joined and (limit is None or len(joined) <= limit):
        return {}  # the usual case, settled at once: no NUL, no surrogate, none too long
    found = {}
    for name, text in texts.items():
        problem = text_problem(text, limit=limit)
        if problem:
            found[name] = problem
    return found
