"""An import indexes its records in bulk: searches find its words, and the triggers come back."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.frameworks.models import Framework
from meaningful.interop.tabular.importer import import_records
from meaningful.search.index import INSERT_TRIGGERS, indexed_in_bulk
from meaningful.search.services import search_narratives
from tests.conftest import ON_POSTGRESQL
from tests.search.conftest import Caseload, criteria, say

pytestmark = pytest.mark.skipif(ON_POSTGRESQL, reason="the FTS5 index is SQLite's")

RECORDS = """Person ID,Forename,Surname,Service,Team,Conversation date,Type,Outcome,Rating,What matters,What's working
N1,Morag,Reid,Care at Home,North,01/02/2024,Baseline,Seeing people,Not met,Going to the allotment,My grandson drives me
N1,Morag,Reid,Care at Home,North,01/02/2024,Baseline,Feeling safe,Met,Locking the door at night,
N2,Hamish,Reid,Care at Home,North,03/02/2024,Baseline,Seeing people,Met,Bowling with the club,
"""


def import_file(caseload: Caseload, tmp_path: Path, *, dry_run: bool = False) -> None:
    path = tmp_path / "records.csv"
    path.write_text(RECORDS, encoding="utf-8")
    report = import_records(
        caseload.personas.owner,
        path,
        organisation=caseload.personas.organisation,
        framework=Framework.objects.get(slug="talking-points-service-users", version="1"),
        dry_run=dry_run,
    )
    assert report.rows_accepted == 3, report.as_dict()


def found(caseload: Caseload, text: str) -> set[str]:
    results = search_narratives(caseload.personas.owner, criteria(text))
    return {hit.who.split()[0] for hit in results.hits}


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def index_agrees_with_the_records() -> None:
    """FTS5 compares the index with the records it indexes; it raises if they differ."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_record_fts(search_record_fts, rank) VALUES ('integrity-check', 1)"
        )


def test_a_search_finds_the_words_of_imported_records(caseload: Caseload, tmp_path: Path) -> None:
    import_file(caseload, tmp_path)
    assert found(caseload, "allotment") == {"Morag"}
    assert found(caseload, "grandson") == {"Morag"}
    assert found(caseload, "bowls") == {"Hamish"}  # stemmed as the triggers would
    assert found(caseload, "walking") == {"Agnes", "Bill"}  # what was there before is still found
    index_agrees_with_the_records()


def test_every_imported_conversation_gets_a_story_key(caseload: Caseload, tmp_path: Path) -> None:
    import_file(caseload, tmp_path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT conversation_id FROM search_storykey")
        keys = {key for (key,) in cursor.fetchall()}
    assert keys == {pk.hex for pk in Conversation.objects.values_list("pk", flat=True)}


def test_records_written_after_an_import_are_indexed_by_the_triggers_again(
    caseload: Caseload, tmp_path: Path
) -> None:
    import_file(caseload, tmp_path)
    assert set(INSERT_TRIGGERS) <= triggers()
    say(caseload.personas, caseload.bill, what_matters="Fishing on the loch", story="fishing")
    assert found(caseload, "fishing") == {"Bill"}
    index_agrees_with_the_records()


def test_a_dry_run_indexes_nothing_and_keeps_the_triggers(
    caseload: Caseload, tmp_path: Path
) -> None:
    import_file(caseload, tmp_path, dry_run=True)
    assert set(INSERT_TRIGGERS) <= triggers()
    assert found(caseload, "allotment") == set()
    index_agrees_with_the_records()


def test_a_failed_batch_puts_the_triggers_back(caseload: Caseload) -> None:
    with pytest.raises(RuntimeError), indexed_in_bulk():
        assert not set(INSERT_TRIGGERS) & triggers()
        raise RuntimeError("the batch failed")
    assert set(INSERT_TRIGGERS) <= triggers()
    say(caseload.personas, caseload.agnes, what_matters="Knitting for the church fair")
    assert found(caseload, "knitting") == {"Agnes"}


def test_an_update_inside_the_batch_of_an_older_record_stays_indexed(caseload: Caseload) -> None:
    """The update and delete triggers stay in place while new rows wait to be indexed."""
    record = OutcomeRecord.objects.get(conversation__person=caseload.bill)
    with indexed_in_bulk():
        OutcomeRecord.objects.filter(pk=record.pk).update(working="Swimming on Tuesdays")
    assert found(caseload, "swimming") == {"Bill"}
    index_agrees_with_the_records()
