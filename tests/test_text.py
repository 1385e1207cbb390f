"""What text every channel refuses: each field is judged on its own, whatever the others hold."""

from __future__ import annotations

from meaningful.text import BROKEN_MESSAGE, NUL_MESSAGE, text_problems, too_long_message


def test_plain_fields_have_no_problems() -> None:
    assert text_problems({"what_matters": "Seeing my sister", "working": ""}) == {}


def test_fields_together_longer_than_the_limit_are_each_within_it() -> None:
    texts = {"what_matters": "a" * 15_000, "working": "b" * 15_000}
    assert text_problems(texts) == {}


def test_a_field_over_the_limit_is_named() -> None:
    texts = {"what_matters": "fine", "working": "b" * 20_001}
    assert text_problems(texts) == {"working": too_long_message(20_000, 20_001)}


def test_nul_and_broken_characters_are_found_among_plain_fields() -> None:
    texts = {"what_matters": "Café with Jean", "working": "bus\x00pass", "not_working": "\ud83d"}
    assert text_problems(texts) == {"working": NUL_MESSAGE, "not_working": BROKEN_MESSAGE}


def test_letters_beyond_ascii_are_stored_as_they_are() -> None:
    assert text_problems({"what_matters": "Zoë's ceilidh 🎻", "working": "Síle calls"}) == {}


def test_no_limit_allows_any_length() -> None:
    assert text_problems({"story": "a" * 50_000}, limit=None) == {}
