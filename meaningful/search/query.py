"""What someone typed in the search box, parsed into words and phrases both databases understand.

The rules, as the search page explains them: words are all looked for (AND); "quoted words" are
looked for side by side as a phrase; OR between words or phrases finds either; a minus sign
before a word or phrase leaves out narratives that have it. Every other character only separates
words. Whatever is typed, the result is one of two safe forms: an SQLite FTS5 expression in
which every word is a quoted string, or a plain text for PostgreSQL's websearch_to_tsquery that
holds nothing but quoted words, "or" and minus signs. No input can make either an error.

Pure Python: no Django import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PHRASES = 12  # bounds the work one search asks of the database
MAX_WORDS_IN_PHRASE = 10
MINUS_ONLY = "Add a word to look for: a minus sign only leaves words out, for example: lonely -bus."
NOTHING_TO_FIND = "Type at least one word made of letters or numbers, for example: lonely."

# Letters and numbers, as the FTS5 unicode61 tokenizer and PostgreSQL's parser see words; the
# underscore separates words in both, so it is left out here too.
_WORD = re.compile(r"[^\W_]+")
_PIECE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class QueryProblem(ValueError):
    """The search text holds nothing that can be looked for; the message says what to type."""


@dataclass(frozen=True)
class Phrase:
    """Words that must appear side by side (one word is a phrase of one)."""

    words: tuple[str, ...]

    def fts5(self) -> str:
        return '"' + " ".join(self.words) + '"'  # words hold no double quote: _WORD excludes it

    def websearch(self) -> str:
        return '"' + " ".join(self.words) + '"'


@dataclass(frozen=True)
class Clause:
    """Phrases that must all appear, and phrases that must not."""

    include: tuple[Phrase, ...]
    exclude: tuple[Phrase, ...] = ()

    def fts5(self) -> str:
        expression = " AND ".join(phrase.fts5() for phrase in self.include)
        for phrase in self.exclude:
            expression = f"({expression}) NOT {phrase.fts5()}"
        return f"({expression})"

    def websearch(self) -> str:
        return " ".join(
            [p.websearch() for p in self.include] + ["-" + p.websearch() for p in self.exclude]
        )


@dataclass(frozen=True)
class SearchQuery:
    """Alternatives (OR) of clauses; each clause finds narratives with all its phrases."""

    clauses: tuple[Clause, ...]

    def fts5(self, column: str | None = None) -> str:
        """The FTS5 MATCH expression, limited to one column when one is named."""
        expression = " OR ".join(clause.fts5() for clause in self.clauses)
        if column is None:
            return expression
        if not re.fullmatch(r"[a-z_]+", column):
            raise ValueError(f"not a column name: {column!r}")
        return f"{{{column}}} : ({expression})"

    def websearch(self) -> str:
        """The same query as text for PostgreSQL's websearch_to_tsquery."""
        return " or ".join(clause.websearch() for clause in self.clauses)

    @property
    def phrase_count(self) -> int:
        return sum(len(c.include) + len(c.exclude) for c in self.clauses)


def _phrase(text: str) -> Phrase | None:
    words = tuple(word.lower() for word in _WORD.findall(text))[:MAX_WORDS_IN_PHRASE]
    return Phrase(words) if words else None


def parse_query(text: str) -> SearchQuery:
    """Parse search text; QueryProblem when nothing in it can be looked for."""
    groups: list[tuple[list[Phrase], list[Phrase]]] = [([], [])]
    excluded_any = False
    kept = 0
    for match in _PIECE.finditer(text):
        if kept >= MAX_PHRASES:
            break
        minus, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            if groups[-1] != ([], []):
                groups.append(([], []))
            continue
        if bare is not None:
            minus, body = ("-", bare[1:]) if bare.startswith("-") else ("", bare)
        else:
            body = quoted
        phrase = _phrase(body)
        if phrase is None:
            continue
        kept += 1
        groups[-1][1 if minus else 0].append(phrase)
        excluded_any = excluded_any or bool(minus)
    # A clause of exclusions alone cannot be asked of FTS5 (it would find everything else).
    clauses = tuple(
        Clause(tuple(include), tuple(exclude)) for include, exclude in groups if include
    )
    if not clauses:
        raise QueryProblem(MINUS_ONLY if excluded_any else NOTHING_TO_FIND)
    return SearchQuery(clauses)
