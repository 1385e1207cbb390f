"""The SQLite index follows every write, whoever makes it, and survives table rebuilds."""

from __future__ import annotations

import pytest
from django.db import connection

from meaningful.conversations.models import OutcomeRecord
from meaningful.search.services import search_narratives
from tests.conftest import ON_POSTGRESQL
from tests.search.conftest import Caseload, criteria, say

pytestmark = pytest.mark.skipif(ON_POSTGRESQL, reason="the FTS5 index is SQLite's")


def count(caseload: Caseload, text: str) -> int:
    return search_narratives(caseload.personas.owner, criteria(text)).page.paginator.count


def test_writes_made_straight_to_the_tables_are_indexed(caseload: Caseload) -> None:
    """Bulk loaders write rows without the ORM; the triggers index them all the same."""
    record = OutcomeRecord.objects.get(conversation__person=caseload.bill)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE conversations_outcomerecord SET working = %s WHERE id = %s",
            ["Swimming at the leisure centre", record.pk],
        )
        cursor.execute(
            "UPDATE conversations_conversation SET story = %s WHERE id = %s",
            ["Bill spoke about his swimming lessons", record.conversation.pk.hex],
        )
    assert count(caseload, "swim") == 2


def test_the_index_agrees_with_the_records_after_many_changes(caseload: Caseload) -> None:
    for n in range(5):
        say(caseload.personas, caseload.bill, what_matters=f"Fishing trip {n}", story="fish")
    OutcomeRecord.objects.filter(what_matters__startswith="Fishing trip 1").delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_record_fts(search_record_fts) VALUES ('integrity-check')"
        )
    assert count(caseload, "fishing") == 4 + 5
