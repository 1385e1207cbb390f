"""The full-text indexes over narratives, one design per database, and how a search uses them.

SQLite: two FTS5 tables with the porter stemmer. Outcome records are indexed by an
external-content table over conversations_outcomerecord (its integer id is the FTS rowid), so
the words are stored once, in the record. Conversation stories are indexed by a contentless
table; a conversation's id is a UUID, which FTS5 cannot use as a rowid, so search_storykey gives
each conversation a stable integer. Triggers on the two narrative tables keep both indexes in
step with every insert, update and delete, whoever writes.

A large batch of new records (an import) is indexed in bulk instead: `indexed_in_bulk` drops the
two insert triggers inside the batch's transaction, and before the transaction ends indexes
every row inserted meanwhile with one statement per index and puts the triggers back. Row by
row, the triggers cost four times what the inserts themselves do. As SQLite lets one writer in
at a time and its schema changes are part of the transaction, no other write can go
unindexed, and a rollback brings the triggers back with everything else.

When a later migration rebuilds a narrative table (SQLite does that to change a column), its
triggers go with the old table; `ensure_sqlite_index`, run after every `migrate`, puts them back
and rebuilds the indexes from the records, so no change is missed.

PostgreSQL: a stored generated column `search_words` on each narrative table holds the
English-stemmed words (to_tsvector('english', ...)), kept by PostgreSQL itself on every write,
with a GIN index on it. The four fields of an outcome record are one weighted vector (A to D);
a conversation's holds its story. Stored rather than worked out in the query, a vector is cheap
to check row by row, so a search of one caseload can start from the caseload's records (as the
planner prefers) without stemming each record's text again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, Func, Q, TextField
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler

from meaningful.search.query import SearchQuery

RECORD_FIELDS = ("what_matters", "why_it_matters", "working", "not_working")
TOKENIZER = "porter unicode61 remove_diacritics 2"

SQLITE_TABLES = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_record_fts USING fts5("
    "what_matters, why_it_matters, working, not_working, "
    "content='conversations_outcomerecord', content_rowid='id', "
    f"tokenize='{TOKENIZER}')",
    "CREATE TABLE IF NOT EXISTS search_storykey ("
    "id INTEGER PRIMARY KEY, conversation_id char(32) NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS search_story_fts USING fts5(story, content='', tokenize='{TOKENIZER}')",
]
SQLITE_TRIGGERS = {
    "search_record_inserted": """AFTER INSERT ON conversations_outcomerecord BEGIN
    INSERT INTO search_record_fts(rowid, what_matters, why_it_matters, working, not_working)
    VALUES (new.id, new.what_matters, new.why_it_matters, new.working, new.not_working);
END""",
    "search_record_deleted": """AFTER DELETE ON conversations_outcomerecord BEGIN
    INSERT INTO search_record_fts(
        search_record_fts, rowid, what_matters, why_it_matters, working, not_working)
    VALUES ('delete', old.id, old.what_matters, old.why_it_matters, old.working, old.not_working);
END""",
    "search_record_updated": """AFTER UPDATE OF what_matters, why_it_matters, working, not_working
ON conversations_outcomerecord BEGIN
    INSERT INTO search_record_fts(
        search_record_fts, rowid, what_matters, why_it_matters, working, not_working)
    VALUES ('delete', old.id, old.what_matters, old.why_it_matters, old.working, old.not_working);
    INSERT INTO search_record_fts(rowid, what_matters, why_it_matters, working, not_working)
    VALUES (new.id, new.what_matters, new.why_it_matters, new.working, new.not_working);
END""",
    "search_story_inserted": """AFTER INSERT ON conversations_conversation BEGIN
    INSERT INTO search_storykey(conversation_id) VALUES (new.id);
    INSERT INTO search_story_fts(rowid, story)
    SELECT id, new.story FROM search_storykey WHERE conversation_id = new.id;
END""",
    "search_story_deleted": """AFTER DELETE ON conversations_conversation BEGIN
    INSERT INTO search_story_fts(search_story_fts, rowid, story)
    SELECT 'delete', id, old.story FROM search_storykey WHERE conversation_id = old.id;
    DELETE FROM search_storykey WHERE conversation_id = old.id;
END""",
    "search_story_updated": """AFTER UPDATE OF story ON conversations_conversation BEGIN
    INSERT INTO search_story_fts(search_story_fts, rowid, story)
    SELECT 'delete', id, old.story FROM search_storykey WHERE conversation_id = old.id;
    INSERT INTO search_story_fts(rowid, story)
    SELECT id, new.story FROM search_storykey WHERE conversation_id = new.id;
END""",
}
INSERT_TRIGGERS = ("search_record_inserted", "search_story_inserted")
# What those two triggers do, for every row inserted after a point: an outcome record's id and a
# conversation's rowid only ever grow, so the rows after the largest of each before a batch are
# the batch's own.
SQLITE_INDEX_INSERTED = [
    "INSERT INTO search_record_fts(rowid, what_matters, why_it_matters, working, not_working) "
    "SELECT id, what_matters, why_it_matters, working, not_working "
    "FROM conversations_outcomerecord WHERE id > %(record)s ORDER BY id",
    "INSERT INTO search_storykey(conversation_id) "
    "SELECT id FROM conversations_conversation WHERE rowid > %(conversation)s ORDER BY rowid",
    "INSERT INTO search_story_fts(rowid, story) SELECT k.id, c.story FROM search_storykey k "
    "JOIN conversations_conversation c ON c.id = k.conversation_id "
    "WHERE c.rowid > %(conversation)s ORDER BY k.id",
]
SQLITE_REBUILD = [
    "INSERT INTO search_record_fts(search_record_fts) VALUES ('rebuild')",
    "INSERT INTO search_story_fts(search_story_fts) VALUES ('delete-all')",
    "DELETE FROM search_storykey",
    "INSERT INTO search_storykey(conversation_id) SELECT id FROM conversations_conversation",
    "INSERT INTO search_story_fts(rowid, story) SELECT k.id, c.story FROM search_storykey k "
    "JOIN conversations_conversation c ON c.id = k.conversation_id",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS search_story_fts",
    "DROP TABLE IF EXISTS search_storykey",
    "DROP TABLE IF EXISTS search_record_fts",
]


def _vector_sql(column: str) -> str:
    return f"to_tsvector('english'::regconfig, {column})"


_WEIGHTS = "ABCD"
RECORD_VECTOR_SQL = " || ".join(
    f"setweight({_vector_sql(field)}, '{weight}')"
    for field, weight in zip(RECORD_FIELDS, _WEIGHTS, strict=True)
)
STORED_WORDS = "search_words"
POSTGRESQL_COLUMNS = {
    "conversations_outcomerecord": ("search_record_words", RECORD_VECTOR_SQL),
    "conversations_conversation": ("search_story_words", _vector_sql("story")),
}
POSTGRESQL_INDEXES = [
    statement
    for table, (index, vector) in POSTGRESQL_COLUMNS.items()
    for statement in (
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {STORED_WORDS} tsvector "
        f"GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING GIN ({STORED_WORDS})",
    )
]
POSTGRESQL_DROP = [
    statement
    for table, (index, _) in POSTGRESQL_COLUMNS.items()
    for statement in (
        f"DROP INDEX IF EXISTS {index}",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS {STORED_WORDS}",
    )
]


def install_sqlite_index(execute: Any) -> None:
    """Create the FTS tables and triggers, then index what is already recorded."""
    for statement in SQLITE_TABLES:
        execute(statement)
    for statement in SQLITE_REBUILD:
        execute(statement)
    for name, body in SQLITE_TRIGGERS.items():
        execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def ensure_sqlite_index(db: BaseDatabaseWrapper) -> bool:
    """Put back missing triggers and rebuild the indexes; True when anything was missing."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table') "
            "AND name LIKE 'search%'"
        )
        present = {row[0] for row in cursor.fetchall()}
    if "search_record_fts" not in present:
        return False  # the migration that creates the index has not run (or was reversed)
    if set(SQLITE_TRIGGERS) <= present:
        return False
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        install_sqlite_index(cursor.execute)
    return True


@contextmanager
def indexed_in_bulk() -> Iterator[None]:
    """Index the outcome records and conversations inserted in the block when it ends, in bulk.

    The block may only insert into the two narrative tables (their update and delete triggers
    stay in place, but would find nothing indexed yet). On PostgreSQL, or where the SQLite
    index is not installed, the block runs as it is: the database keeps its index itself.
    """
    if connection.vendor != "sqlite" or not _insert_triggers_present():
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM conversations_outcomerecord")
        (record,) = cursor.fetchone()
        cursor.execute("SELECT COALESCE(MAX(rowid), 0) FROM conversations_conversation")
        (conversation,) = cursor.fetchone()
        for name in INSERT_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
        yield
        for statement in SQLITE_INDEX_INSERTED:
            cursor.execute(statement, {"record": record, "conversation": conversation})
        for name in INSERT_TRIGGERS:
            cursor.execute(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")


def _insert_triggers_present() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)",
            list(INSERT_TRIGGERS),
        )
        (present,) = cursor.fetchone()
    return bool(present == len(INSERT_TRIGGERS))


def _vector(field: str) -> Func:
    """One field's English-stemmed vector, worked out in the query (PostgreSQL)."""
    return Func(
        F(field),
        template="to_tsvector('english'::regconfig, %(expressions)s)",
        output_field=TextField(),  # a tsvector; never selected, only matched
    )


class _StoredWords(Expression):
    """The narrative table's stored vector (PostgreSQL), read from the query's own table: an
    outcome record's four fields weighted A to D, or a conversation's story."""

    output_field = TextField()  # a tsvector; never selected, only matched

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, db: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{STORED_WORDS}", []


class Matches(Func):
    """True when a tsvector matches the search, read by websearch_to_tsquery (PostgreSQL)."""

    output_field = BooleanField()

    def __init__(self, vector: Expression, text: str) -> None:
        super().__init__(vector)
        self.text = text

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, db: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"({sql}) @@ websearch_to_tsquery('english'::regconfig, %s)",
            [*params, self.text],
        )


class _NotIndexed(Func):
    """A column SQLite's planner may not use an index for (the unary plus), so that a query
    starts from the other conditions and only checks this one."""

    template = "+%(expressions)s"


def _key(model_key: str, from_people: bool) -> F | Func:
    if from_people:
        return _NotIndexed(F(model_key), output_field=TextField())
    return F(model_key)


def record_match(
    query: SearchQuery, field: str | None, *, from_people: bool = False
) -> Q | Expression:
    """The condition an outcome record meets when it matches, in one of its fields if named.

    On SQLite, ``from_people`` makes the query read the people's records and check each
    against the index's matches, rather than start from every match in the organisation: much
    faster for a caseload and a common word, slower for a whole organisation and a rare one.
    """
    if connection.vendor == "sqlite":
        sql = "SELECT rowid FROM search_record_fts WHERE search_record_fts MATCH %s"
        matches = RawSQL(sql, [query.fts5(field)])  # noqa: S611 - fixed SQL, bound value
        return Q(In(_key("pk", from_people), matches))
    text = query.websearch()
    matched = Q(Matches(_StoredWords(), text))
    if field is not None:  # the index finds the candidates; this checks the one field
        matched &= Q(Matches(_vector(field), text))
    return matched


def story_match(query: SearchQuery, *, from_people: bool = False) -> Q | Expression:
    """The condition a conversation meets when its story matches (``from_people`` as above)."""
    if connection.vendor == "sqlite":
        sql = (
            "SELECT k.conversation_id FROM search_storykey k "
            "JOIN search_story_fts f ON f.rowid = k.id WHERE search_story_fts MATCH %s"
        )
        matches = RawSQL(sql, [query.fts5()])  # noqa: S611 - fixed SQL, bound value
        return Q(In(_key("pk", from_people), matches))
    return Q(Matches(_StoredWords(), query.websearch()))
