"""Short extracts of the narratives a search found, with the words that matched marked.

The database marks the matches, with the same stemming that found them: SQLite's FTS5 snippet()
over a temporary in-memory FTS5 table holding only the page's texts, PostgreSQL's ts_headline.
Both mark with two private-use characters that are first removed from the texts, so the only
markers are theirs; the extract is then HTML-escaped and only the markers become <mark> tags.
A narrative holding "<script>" shows as that text.

Texts are given already prepared for the reader (anonymised for analysts), so what is marked is
exactly what may be shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from meaningful.search.index import TOKENIZER
from meaningful.search.query import SearchQuery

START, END = "\ue000", "\ue001"
COLUMNS = ("what_matters", "why_it_matters", "working", "not_working", "story")
FALLBACK_WORDS = 30
ELLIPSIS = "\u2026"
_MARKERS = re.compile(f"({START}|{END})")
_INSERT = (
    "INSERT INTO temp.search_marking"
    "(rowid, what_matters, why_it_matters, working, not_working, story) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)
_SNIPPETS = (
    "SELECT rowid, "
    "snippet(search_marking, 0, %s, %s, %s, 24), snippet(search_marking, 1, %s, %s, %s, 24), "
    "snippet(search_marking, 2, %s, %s, %s, 24), snippet(search_marking, 3, %s, %s, %s, 24), "
    "snippet(search_marking, 4, %s, %s, %s, 24) "
    "FROM temp.search_marking WHERE search_marking MATCH %s"
)
# One passage around the first words that match; ShortWord=0 keeps short words at its edges.
_HEADLINE_OPTIONS = f'StartSel="{START}", StopSel="{END}", MaxWords=30, MinWords=15, ShortWord=0'


def as_html(marked: str) -> SafeString:
    """Escape a marked extract, turning only well-paired markers into <mark> elements."""
    text, marks = as_text_and_marks(marked)
    pieces, at = [], 0
    for start, end in marks:
        pieces += [escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>"]
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text above is escaped


def opening(text: str) -> str:
    """The first words of a text, for a narrative whose match was not in the words shown."""
    words = text.split()
    shown = " ".join(words[:FALLBACK_WORDS])
    return shown + (f" {ELLIPSIS}" if len(words) > FALLBACK_WORDS else "")


def marked_fields(
    documents: Sequence[dict[str, str]], query: SearchQuery, column: str | None
) -> list[dict[str, str]]:
    """For each document (column name -> text), each column's extract with matches marked.

    A column the search did not match comes back without markers; the caller decides what to
    show then.
    """
    clean = [{name: _MARKERS.sub("", text) for name, text in doc.items()} for doc in documents]
    if not clean:
        return []
    if connection.vendor == "postgresql":
        return _headlines(clean, query)
    return _snippets(clean, query, column)


def _snippets(
    documents: list[dict[str, str]], query: SearchQuery, column: str | None
) -> list[dict[str, str]]:
    found: list[dict[str, str]] = [{} for _ in documents]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_marking USING fts5("
            "what_matters, why_it_matters, working, not_working, story, "
            f"tokenize='{TOKENIZER}')"
        )
        cursor.execute("DELETE FROM temp.search_marking")
        cursor.executemany(
            _INSERT, [(n, *(doc.get(c, "") for c in COLUMNS)) for n, doc in enumerate(documents)]
        )
        cursor.execute(_SNIPPETS, [*[START, END, ELLIPSIS] * len(COLUMNS), query.fts5(column)])
        for rowid, *texts in cursor.fetchall():
            found[rowid] = dict(zip(COLUMNS, texts, strict=True))
        cursor.execute("DELETE FROM temp.search_marking")
    return found


def _headlines(documents: list[dict[str, str]], query: SearchQuery) -> list[dict[str, str]]:
    cells = [(n, name, text) for n, doc in enumerate(documents) for name, text in doc.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts_headline('english'::regconfig, u.t, "
            "websearch_to_tsquery('english'::regconfig, %s), %s) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY u.n",
            [query.websearch(), _HEADLINE_OPTIONS, [text for _, _, text in cells]],
        )
        marked = [row[0] for row in cursor.fetchall()]
    found: list[dict[str, str]] = [{} for _ in documents]
    for (n, name, text), headline in zip(cells, marked, strict=True):
        found[n][name] = _with_ellipses(headline, text)
    return found


def _with_ellipses(headline: str, text: str) -> str:
    """Add an ellipsis where the passage ts_headline chose starts or ends inside the text."""
    passage = _MARKERS.sub("", headline).strip()
    at = text.find(passage)
    if not passage or at < 0:
        return headline
    before = f"{ELLIPSIS} " if text[:at].strip() else ""
    after = f" {ELLIPSIS}" if text[at + len(passage) :].strip() else ""
    return before + headline.strip() + after


def as_text_and_marks(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """A marked extract as plain text and the [start, end) character spans of its marks."""
    pieces: list[str] = []
    marks: list[tuple[int, int]] = []
    length, start = 0, None
    for piece in _MARKERS.split(marked):
        if piece == START:
            start = length if start is None else start
        elif piece == END:
            if start is not None and length > start:
                marks.append((start, length))
            start = None
        else:
            pieces.append(piece)
            length += len(piece)
    if start is not None and length > start:
        marks.append((start, length))
    return "".join(pieces), marks


def best_marked(marked: dict[str, str], original: dict[str, str]) -> tuple[str, str]:
    """The column whose extract has the most marked words, and that extract with its markers.

    When none is marked (the match was in words anonymisation took out, or spread across
    fields), the opening of the first non-empty column is given unmarked.
    """
    scored = [(text.count(START), -COLUMNS.index(name), name) for name, text in marked.items()]
    if scored:
        count, _, name = max(scored)
        if count:
            return name, marked[name]
    for name in COLUMNS:
        if original.get(name, "").strip():
            return name, opening(_MARKERS.sub("", original[name]))
    return next(iter(original), COLUMNS[0]), ""
