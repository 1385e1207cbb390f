"""The words behind a figure: anonymised excerpts from people who agreed to share them.

For each outcome and direction of change (improved, same, worse), up to three excerpts from
different people, only when at least the disclosure threshold of people stand behind the
figure, only from people whose agreement to share anonymised quotes is in force today, and with
names, places and dates taken out. Chosen to be typical: one per person, close to the usual
length of what was written, spread across teams, in a fixed order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from statistics import median
from typing import Any

from django.utils import timezone

from meaningful.analysis.anonymise import anonymise
from meaningful.conversations.models import OutcomeRecord
from meaningful.people.models import ConsentPurpose

PER_GROUP = 3
DIRECTIONS = {1: "improved", 0: "same", -1: "worse"}
# Which of the person's words speak for each direction, in order of preference.
FIELDS = {
    "improved": ("working", "what_matters", "why_it_matters"),
    "same": ("what_matters", "working", "not_working"),
    "worse": ("not_working", "what_matters", "why_it_matters"),
}

# {latest} and {direction} are the builder's: the latest rating as of the period's end, and its
# change against the first (NULL for a first rating).
CANDIDATES_SQL = """
SELECT s.framework_id, s.scale_id, s.outcome_id, s.team_id, s.record_id, {direction}
FROM reports_ratingstep s {join}
WHERE {latest} AND {direction} IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM people_consent k
    WHERE k.person_id = s.person_id AND k.purpose = %s AND k.given_on <= %s
      AND (k.withdrawn_on IS NULL OR k.withdrawn_on > %s)
  )
  AND {scope}
"""


def consent_params() -> list[Any]:
    today = timezone.localdate()
    return [ConsentPurpose.SHARE_ANONYMISED_QUOTES, today, today]


def _stable(value: object) -> str:
    return hashlib.sha256(str(value).encode()).hexdigest()


def choose(
    rows: list[tuple[Any, ...]],
    people_behind: dict[tuple[int, int, int, str], int],
    threshold: int,
) -> dict[tuple[int, int, int, str], list[str]]:
    """Pick and anonymise excerpts for each figure (framework, scale, outcome, direction) that
    at least `threshold` people stand behind."""
    groups: dict[tuple[int, int, int, str], list[tuple[int, Any]]] = defaultdict(list)
    for fw, sc, outcome, team, record, direction in rows:
        key = (fw, sc, outcome, DIRECTIONS[direction])
        if people_behind.get(key, 0) >= threshold:
            groups[key].append((team, record))
    wanted = {record for members in groups.values() for _, record in members}
    records = {
        r.pk: r
        for r in OutcomeRecord.objects.filter(pk__in=wanted).select_related(
            "conversation__person", "conversation__practitioner"
        )
    }
    chosen: dict[tuple[int, int, int, str], list[str]] = {}
    for key, members in groups.items():
        texts = []
        for team, record_id in members:
            record = records.get(record_id)
            if record is None:
                continue
            text = next((getattr(record, f) for f in FIELDS[key[3]] if getattr(record, f)), "")
            if text:
                texts.append((team, record, text))
        if not texts:
            continue
        usual = median(len(text) for _, _, text in texts)
        texts.sort(key=lambda item: (abs(len(item[2]) - usual), _stable(item[1].pk)))
        picked, teams_used = [], set()
        for item in texts:  # first pass: one per team; second pass fills up
            if item[0] not in teams_used:
                picked.append(item)
                teams_used.add(item[0])
        picked += [item for item in texts if item not in picked]
        chosen[key] = [
            anonymise(text, record.conversation.known_names())
            for _, record, text in picked[:PER_GROUP]
        ]
    return chosen
