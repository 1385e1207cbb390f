"""On PostgreSQL: the GIN expression indexes exist, the planner uses them, and search stems."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.search.index import record_match, story_match
from meaningful.search.query import parse_query
from meaningful.search.services import search_narratives
from tests.search.conftest import Caseload, criteria

pytestmark = pytest.mark.postgresql


def plan(queryset: QuerySet[Any]) -> str:
    """PostgreSQL's plan for the query, with sequential scans priced out of reach."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_migration_made_both_indexes(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%'")
        assert {row[0] for row in cursor.fetchall()} == {
            "search_record_words",
            "search_story_words",
        }


def test_the_planner_can_use_the_indexes_for_records_and_stories(caseload: Caseload) -> None:
    """The search's expressions are exactly the indexed ones; otherwise no index could serve.

    Across a whole organisation the search starts from the index; for a caseload
    (``from_people``) the planner may start from the people instead, which is its choice.
    """
    query = parse_query("walking")
    assert "search_record_words" in plan(
        OutcomeRecord.objects.filter(record_match(query, None)).order_by().values("pk")
    )
    assert "search_record_words" in plan(
        OutcomeRecord.objects.filter(record_match(query, "working")).order_by().values("pk")
    )
    assert "search_story_words" in plan(
        Conversation.objects.filter(story_match(query)).order_by().values("pk")
    )


def test_a_story_only_search_finds_stories(caseload: Caseload) -> None:
    found = search_narratives(caseload.personas.owner, criteria("walking", field="story"))
    assert found.hits and all(hit.field_label == "Story of the conversation" for hit in found.hits)


def test_english_stemming_and_a_marked_headline(caseload: Caseload) -> None:
    found = search_narratives(caseload.personas.owner, criteria("walked"))
    assert found.page.paginator.count == 3
    assert any("<mark>walks</mark>" in hit.extract for hit in found.hits)


def test_websearch_reads_phrases_or_and_minus(caseload: Caseload) -> None:
    owner = caseload.personas.owner

    def count(text: str) -> int:
        return search_narratives(owner, criteria(text)).page.paginator.count

    assert count('"lunch club"') == 1 and count('"club lunch"') == 0
    assert count("dog OR thursdays") == 2
    assert count("walking -dog") == 2
    assert count('"the" "and"') == 0  # only stop words: nothing to find, and no error
