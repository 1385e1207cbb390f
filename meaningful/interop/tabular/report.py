"""What an import did, row by row: the same report for the command line and the web."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Problem:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    """What an import did, row by row; the same report for the command line and the web."""

    dry_run: bool
    rows_read: int = 0
    rows_accepted: int = 0
    rows_already_imported: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    people_created: int = 0
    people_matched: int = 0
    conversations_created: int = 0
    ratings_stored: int = 0
    services_created: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())

    def reject(self, row: int, column: str, reason: str, kind: str) -> None:
        self.rejected[kind] += 1
        self.problems.append(Problem(row, column, reason))

    def flag(self, row: int, column: str, reason: str) -> None:
        self.flagged[reason] += 1
        self.problems.append(Problem(row, column, f"kept, but {reason}"))

    def snapshot(self) -> tuple[int, int, int, int]:
        return (
            self.people_created,
            self.people_matched,
            len(self.services_created),
            len(self.teams_created),
        )

    def restore(self, counts: tuple[int, int, int, int]) -> None:
        self.people_created, self.people_matched = counts[0], counts[1]
        del self.services_created[counts[2] :]
        del self.teams_created[counts[3] :]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_already_imported": self.rows_already_imported,
            "rows_rejected": self.rows_rejected,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "rows_flagged": sum(self.flagged.values()),
            "flagged_by_reason": dict(sorted(self.flagged.items())),
            "people_created": self.people_created,
            "people_matched": self.people_matched,
            "conversations_created": self.conversations_created,
            "ratings_stored": self.ratings_stored,
            "services_created": self.services_created,
            "teams_created": self.teams_created,
            "problems": [
                p.__dict__ for p in sorted(self.problems, key=lambda p: (p.row, p.column))
            ],
        }
