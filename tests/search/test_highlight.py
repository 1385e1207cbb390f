"""Marked extracts become safe HTML, whatever the narrative holds."""

from __future__ import annotations

from meaningful.search.highlight import (
    END,
    START,
    _with_ellipses,
    as_html,
    as_text_and_marks,
    best_marked,
)


def test_only_the_databases_markers_become_mark_elements() -> None:
    marked = f"<i>{START}garden{END}</i> & {START}<b>{END}"
    assert as_html(marked) == "&lt;i&gt;<mark>garden</mark>&lt;/i&gt; &amp; <mark>&lt;b&gt;</mark>"


def test_unpaired_markers_never_leave_a_mark_element_open() -> None:
    assert as_html(f"{END}a {START}b {START}c") == "a <mark>b c</mark>"


def test_plain_extracts_give_the_spans_of_their_marks_as_the_html_would() -> None:
    text, marks = as_text_and_marks(f"<i>{START}garden{END}</i> & {START}b{END}")
    assert text == "<i>garden</i> & b"
    assert [text[start:end] for start, end in marks] == ["garden", "b"]
    # Unpaired markers: as in the HTML, an opened mark runs to the end; empty marks are dropped.
    text, marks = as_text_and_marks(f"{END}a {START}{END}b {START}c")
    assert text == "a b c" and marks == [(4, 5)]


def test_the_field_with_most_matches_is_shown_and_else_the_first_words() -> None:
    marked = {"what_matters": f"{START}a{END}", "working": f"{START}a{END} {START}b{END}"}
    name, extract = best_marked(marked, {})
    assert (name, as_html(extract)) == ("working", "<mark>a</mark> <mark>b</mark>")
    words = " ".join(f"w{n}" for n in range(40))
    name, extract = best_marked({}, {"working": "", "not_working": words})
    assert name == "not_working" and extract.endswith("w29 \u2026")


def test_a_headline_from_inside_a_text_gets_ellipses_where_it_was_cut() -> None:
    text = "one two three four five"
    assert _with_ellipses(f"two {START}three{END}", text) == f"\u2026 two {START}three{END} \u2026"
    assert _with_ellipses(f"{START}one{END} two", "one two") == f"{START}one{END} two"
