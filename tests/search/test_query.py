"""Whatever is typed in the search box, the query parser gives the databases something safe."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meaningful.search.index import TOKENIZER
from meaningful.search.query import (
    MAX_PHRASES,
    MINUS_ONLY,
    NOTHING_TO_FIND,
    QueryProblem,
    parse_query,
)
from meaningful.search.services import search_narratives
from tests.search.conftest import Caseload

# Text people type, with the characters that mean something to FTS5 or websearch weighted in.
typed = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\"-*^:(){}+ORNEARANDNOT _'\\%;.,\t\n")),
        st.characters(codec="utf-8"),
    ),
    max_size=80,
)
_SAFE_WEBSEARCH = re.compile(r'(?:"[^\W_]+(?: [^\W_]+)*"|-"[^\W_]+(?: [^\W_]+)*"| or | )*')


@pytest.fixture(scope="module")
def index() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(what_matters, why_it_matters, working, "
        f"not_working, story, tokenize='{TOKENIZER}')"
    )
    db.execute("INSERT INTO t(what_matters, story) VALUES ('walking to the lunch club', 'rain')")
    return db


@given(text=typed)
@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_parses_to_an_fts5_expression_that_never_errors(
    index: sqlite3.Connection, text: str
) -> None:
    try:
        query = parse_query(text)
    except QueryProblem as problem:
        assert str(problem) in (MINUS_ONLY, NOTHING_TO_FIND)
        return
    for column in (None, "working", "story"):
        index.execute("SELECT rowid FROM t WHERE t MATCH ?", [query.fts5(column)]).fetchall()
    assert query.phrase_count <= MAX_PHRASES


@given(text=typed)
@settings(max_examples=400)
def test_the_websearch_text_holds_only_quoted_words_or_and_minus_and_reads_back_the_same(
    text: str,
) -> None:
    try:
        query = parse_query(text)
    except QueryProblem:
        return
    assert _SAFE_WEBSEARCH.fullmatch(query.websearch()), query.websearch()
    assert parse_query(query.websearch()) == query


@given(text=typed)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_search_of_any_text_answers_or_says_what_to_type(caseload: Caseload, text: str) -> None:
    try:
        query = parse_query(text)
    except QueryProblem:
        return
    from meaningful.search.services import Criteria

    for field in ("", "working", "story"):
        search_narratives(caseload.personas.owner, Criteria(query=query, field=field))


@pytest.mark.parametrize(
    ("typed_text", "fts5"),
    [
        ("walk", '("walk")'),
        ("Walk bus", '("walk" AND "bus")'),
        ('"lunch club" OR dog', '("lunch club") OR ("dog")'),
        ("garden -allotment -shed", '((("garden") NOT "allotment") NOT "shed")'),
        ('-"bus stop" tea', '(("tea") NOT "bus stop")'),
        ("x-ray AND NOT near(a)", '("x ray" AND "and" AND "not" AND "near a")'),
        ('"unfinished phrase', '("unfinished phrase")'),
        ("or walk OR OR", '("walk")'),
    ],
)
def test_the_parser_reads_quotes_or_and_minus_as_the_page_explains(
    typed_text: str, fts5: str
) -> None:
    assert parse_query(typed_text).fts5() == fts5


@pytest.mark.parametrize(
    ("typed_text", "message"),
    [("-walk", MINUS_ONLY), ('-"bus stop" OR -tea', MINUS_ONLY), ("*** ???", NOTHING_TO_FIND)],
)
def test_text_with_nothing_to_find_says_what_to_type(typed_text: str, message: str) -> None:
    with pytest.raises(QueryProblem, match=re.escape(message)):
        parse_query(typed_text)


def test_a_column_filter_names_only_a_known_column() -> None:
    query = parse_query("walk")
    assert query.fts5("working") == '{working} : (("walk"))'
    with pytest.raises(ValueError, match="not a column"):
        query.fts5("working} : x OR {story")
