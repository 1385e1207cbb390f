"""meaningful code-notes: suggest outcome codes for notes read as JSON lines on standard input."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.analysis.coding import OutcomeCoder
from meaningful.coding.codebooks import framework_outcomes
from meaningful.frameworks.models import Framework

BATCH_LINES = 256  # notes embedded together; output still follows input order


def parse_note(line: str) -> tuple[str | int, str]:
    """Return (id, text) from one JSON line, or raise ValueError saying what is wrong."""
    try:
        note: Any = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg})") from error
    if not isinstance(note, dict):
        raise ValueError('expected an object {"id": ..., "text": ...}')
    note_id, text = note.get("id"), note.get("text")
    if not isinstance(note_id, str | int) or isinstance(note_id, bool) or note_id == "":
        raise ValueError('"id" must be a non-empty string or a number')
    if not isinstance(text, str) or not text.strip():
        raise ValueError('"text" must be a non-empty string')
    return note_id, text


class Command(BaseCommand):
    help = (
        'Suggest outcome codes for notes: JSON lines {"id", "text"} on standard input, '
        'JSON lines {"id", "codes": [{"outcome", "score"}, ...]} best first on standard output.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", required=True, help="framework slug to code against")
        parser.add_argument(
            "--top", type=int, default=3, help="how many outcomes to suggest per note (default 3)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str = options["framework"]
        top: int = options["top"]
        if top < 1:
            raise CommandError("--top must be at least 1.")
        framework = Framework.objects.filter(slug=slug).order_by("-loaded_at").first()
        if framework is None:
            raise CommandError(
                f"No framework {slug!r} is installed; see `meaningful list-frameworks`."
            )
        coder = OutcomeCoder(framework_outcomes(framework))
        bad = self.code_stream(coder, sys.stdin, top)
        if bad:
            raise CommandError(f"{bad} line(s) could not be read; the others were coded.")

    def code_stream(self, coder: OutcomeCoder, lines: TextIO, top: int) -> int:
        """Write suggestions for each good line in order; report bad lines; return how many."""
        bad = 0
        batch: list[tuple[str | int, str]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                batch.append(parse_note(line))
            except ValueError as problem:
                bad += 1
                self.stderr.write(f"line {number}: {problem}; skipped.")
                continue
            if len(batch) >= BATCH_LINES:
                self.write_batch(coder, batch, top)
                batch = []
        self.write_batch(coder, batch, top)
        return bad

    def write_batch(
        self, coder: OutcomeCoder, batch: list[tuple[str | int, str]], top: int
    ) -> None:
        """Code a batch of notes and write one JSON line for each."""
        if not batch:
            return
        suggestions = coder.suggest([text for _, text in batch], top=top)
        for (note_id, _), codes in zip(batch, suggestions, strict=True):
            row = {
                "id": note_id,
                "codes": [{"outcome": s.outcome, "score": s.score} for s in codes],
            }
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        self.stdout.flush()
