"""Reading a return's bytes: a JSON object, or a message saying what to ask for instead.

What a return must hold is checked in one place for everyone, organisations and the national hub
alike: `meaningful.returns.schema.validate_return` (see `reading.py`).
"""

from __future__ import annotations

import json
from typing import Any

from meaningful.returns.schema import breakdown_codes

# Each breakdown of the rating tables (service type, client group, age band, sex) and its codes.
BREAKDOWNS: dict[str, tuple[str, ...]] = breakdown_codes()


class UnreadableReturn(ValueError):
    """The file is not a JSON document at all; the message says what to do."""


def parse_return(raw: bytes) -> dict[str, Any]:
    """Read a return's bytes as a JSON object, or raise UnreadableReturn saying why not."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableReturn(
            "the file is not UTF-8 text: upload the .json file the organisation sent, unchanged."
        ) from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableReturn(
            f"the file is not valid JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}): ask the organisation to send the return again."
        ) from error
    if not isinstance(document, dict):
        raise UnreadableReturn("the file holds JSON but not a return (a JSON object).")
    return document
