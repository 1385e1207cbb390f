"""The SQLite index survives a migration that rebuilds a narrative table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.sqlite3.schema import DatabaseSchemaEditor as SQLiteSchemaEditor

from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.demo.factories import make_person, make_personas
from meaningful.search.apps import heal_after_migrating
from meaningful.search.index import SQLITE_TRIGGERS, ensure_sqlite_index
from tests.browser.conftest import builtin_frameworks  # noqa: F401 - frameworks and audit guard
from tests.conftest import ON_POSTGRESQL
from tests.search.conftest import Caseload, say
from tests.search.test_index import count

pytestmark = pytest.mark.skipif(ON_POSTGRESQL, reason="the FTS5 index is SQLite's")


@pytest.mark.django_db(transaction=True)
def test_the_index_heals_after_a_migration_rebuilds_the_narrative_tables() -> None:
    """SQLite changes a column by rebuilding the table, which drops its triggers; the check run
    after every migrate puts them back and reindexes, so no write is missed."""
    personas = make_personas()
    bill = make_person(personas.owner, personas.team, given_name="Bill", family_name="Doig")
    caseload = Caseload(personas, bill, bill, bill)
    say(personas, bill, what_matters="Painting with watercolours", story="paint")
    with connection.schema_editor() as editor:
        assert isinstance(editor, SQLiteSchemaEditor)
        # What AlterField does on SQLite; the stubs leave this private method out.
        editor._remake_table(OutcomeRecord)  # type: ignore[attr-defined]
        editor._remake_table(Conversation)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert not set(SQLITE_TRIGGERS) & {row[0] for row in cursor.fetchall()}
    record = OutcomeRecord.objects.get(conversation__person=bill)
    record.what_matters = "Pottery classes"
    record.save()  # written while the triggers are missing
    heal_after_migrating(using="default")
    assert count(caseload, "pottery") == 1 and count(caseload, "watercolours") == 0
    assert count(caseload, "paint") == 1  # the story, found through its rebuilt key
    say(personas, bill, what_matters="Pottery again")
    assert count(caseload, "pottery") == 2
    assert ensure_sqlite_index(connection) is False  # nothing missing now
