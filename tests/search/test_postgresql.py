"""On PostgreSQL: the GIN expression indexes exist, the planner uses them, and search stems."""

from __future__ import annotations

import pytest
from django.db import connection

from meaningful.search.services import Criteria, _matching, search_narratives, search_scope
from tests.search.conftest import Caseload, criteria

pytestmark = pytest.mark.postgresql


def plan(caseload: Caseload, chosen: Criteria) -> str:
    queryset = _matching(search_scope(caseload.personas.owner), chosen)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_migration_made_both_indexes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%'")
        assert {row[0] for row in cursor.fetchall()} == {
            "search_record_words",
            "search_story_words",
        }


def test_the_planner_uses_the_indexes_for_records_and_stories(caseload: Caseload) -> None:
    """The search's expressions are exactly the indexed ones; otherwise no index could serve."""
    shown = plan(caseload, criteria("walking"))
    assert "search_record_words" in shown and "search_story_words" in shown
    assert "search_record_words" in plan(caseload, criteria("walking", field="working"))


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
