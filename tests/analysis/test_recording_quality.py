"""Recording-quality prompts: good records read clean, service-led and missing parts are named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import meaningful.analysis
from meaningful.analysis.recording_quality import (
    MISSING_CONTRIBUTIONS,
    MISSING_OWN_WORDS,
    MISSING_WHY,
    MISSING_WORKING_OR_NOT,
    SERVICE_LED,
    Prompt,
    QualitySummary,
    RecordText,
    check_record,
    reads_as_own_words,
    summarise,
)

GOOD = RecordText(
    what_matters="I want to get back to the bowling club on Thursdays",
    why_it_matters="Because that is where my friends are and I feel like myself there",
    working="My son can drive me on his day off",
    not_working="Since the fall I am frightened of the steps at the club",
    contributions=("person", "family-community", "services"),
)
FIELD_ORDER = ["what_matters", "why_it_matters", "working", "not_working", "contributions"]


def with_text(**fields: str) -> RecordText:
    """A good record with some of its text replaced."""
    return RecordText(
        what_matters=fields.get("what_matters", GOOD.what_matters),
        why_it_matters=fields.get("why_it_matters", GOOD.why_it_matters),
        working=fields.get("working", GOOD.working),
        not_working=fields.get("not_working", GOOD.not_working),
        contributions=GOOD.contributions,
    )


def codes(record: RecordText) -> list[str]:
    return [prompt.code for prompt in check_record(record)]


def service_phrases(record: RecordText) -> list[str]:
    return [prompt.phrase for prompt in check_record(record) if prompt.code == SERVICE_LED]


def test_it_finds_nothing_to_say_about_a_record_that_reads_well() -> None:
    assert check_record(GOOD) == []


def test_it_accepts_one_side_of_working_or_not_working() -> None:
    assert check_record(with_text(not_working="")) == []
    assert check_record(with_text(working="")) == []


def test_it_accepts_a_quoted_phrase_as_the_persons_own_words() -> None:
    for quoted in [
        "Archie says 'this is my home now'",
        'Archie said "the staff are good to me"',
        "Archie said \u201cI trust the staff here\u201d",
        "Archie said \u2018I don\u2019t want to move\u2019",
    ]:
        assert reads_as_own_words(quoted), quoted


@pytest.mark.parametrize(
    "text",
    [
        # Third person is not the person's voice, however well meant, unless part is quoted.
        "Archie wants to stay where he is because he trusts the staff",
        "Mrs Smith needs support with meals",
        "Archie's friends' house is nearby",  # apostrophes are not quotation marks
        "Has ME and tires easily",  # the illness, not the pronoun
        "See notes, i.e. the previous review",
        "Mymensingh family visiting",  # "my" only as a whole word
    ],
)
def test_it_does_not_count_third_person_text_as_own_words(text: str) -> None:
    assert not reads_as_own_words(text)
    prompts = check_record(with_text(what_matters=text))
    assert [(p.code, p.field) for p in prompts] == [(MISSING_OWN_WORDS, "what_matters")]


@pytest.mark.parametrize(
    "text", ["I'm happy here", "i want to go home", "Stay with me", "We like our garden"]
)
def test_it_counts_first_person_words_as_own_words(text: str) -> None:
    assert reads_as_own_words(text)


def test_it_asks_for_what_matters_when_it_is_blank() -> None:
    for blank in ["", "   ", "\n\t", "...", "\x00\x00"]:
        [prompt] = check_record(with_text(what_matters=blank))
        assert prompt.code == MISSING_OWN_WORDS
        assert prompt.message == "Add what matters in the person's own words."
        assert prompt.suggestion.startswith("Try: 'I want to ...'")


def test_it_asks_why_when_why_is_blank_or_under_three_words() -> None:
    for thin in ["", "  ", "Because.", "For company"]:
        assert codes(with_text(why_it_matters=thin)) == [MISSING_WHY], thin
    assert codes(with_text(why_it_matters="To see friends")) == []


def test_it_asks_once_for_what_is_working_when_both_sides_are_blank() -> None:
    [prompt] = check_record(with_text(working="", not_working=" "))
    assert (prompt.code, prompt.field) == (MISSING_WORKING_OR_NOT, "working")


def test_it_asks_who_contributes_when_nobody_is_recorded() -> None:
    record = RecordText(GOOD.what_matters, GOOD.why_it_matters, GOOD.working, GOOD.not_working)
    [prompt] = check_record(record)
    assert (prompt.code, prompt.field) == (MISSING_CONTRIBUTIONS, "contributions")


def test_it_refuses_a_contribution_code_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="family-community"):
        RecordText(contributions=("family",))


def test_it_returns_every_prompt_for_an_empty_record_in_field_order() -> None:
    prompts = check_record(RecordText())
    assert [p.code for p in prompts] == [
        MISSING_OWN_WORDS,
        MISSING_WHY,
        MISSING_WORKING_OR_NOT,
        MISSING_CONTRIBUTIONS,
    ]
    assert all(p.message and p.suggestion and not p.phrase for p in prompts)


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        # The poor examples in DOMAIN.md "Recording that carries meaning".
        ("needs to comply with care plan", ["needs to comply with care plan"]),
        ("care plan followed, no concerns", ["care plan followed", "no concerns"]),
        ("attends day centre twice weekly", ["attends day centre twice weekly"]),
        # Variations practitioners write.
        ("Mrs Smith is non-compliant with her care plan.", ["non-compliant with her care plan"]),
        ("Non compliant at times.", ["Non compliant"]),
        ("He complies with the careplan", ["complies with the careplan"]),
        ("Care Plan Followed.", ["Care Plan Followed"]),
        ("Package of care is in place.", ["Package of care is in place"]),
        (
            "Care package in place, services in place",
            ["Care package in place", "services in place"],
        ),
        ("No concerns noted.", ["No concerns noted"]),
        ("There are no concerns raised at this time", ["no concerns raised at this time"]),
        ("Attends the day-centre 3 times a week", ["Attends the day-centre 3 times a week"]),
        (
            "Attends day care on Mondays and Thursdays",
            ["Attends day care on Mondays and Thursdays"],
        ),
        ("She receives 4 calls a day", ["receives 4 calls a day"]),
        ("Has two visits a day", ["two visits a day"]),
        (
            "Continues to receive support from the team.",
            ["Continues to receive support from the team"],
        ),
        ("Care plan reviewed; all services in place", ["Care plan reviewed", "services in place"]),
        ("He needs to accept support with personal care", ["needs to accept support"]),
        ("Engaging with services.", ["Engaging with services"]),
        ("Mr Jones is engaging well with services", ["engaging well with services"]),
    ],
)
def test_it_names_each_service_led_phrase(text: str, phrases: list[str]) -> None:
    prompts = [p for p in check_record(with_text(not_working=text)) if p.code == SERVICE_LED]
    assert [p.phrase for p in prompts] == phrases
    assert all(p.field == "not_working" and p.message and p.suggestion for p in prompts)


def test_it_suggests_what_going_to_the_day_centre_gives_the_person() -> None:
    [prompt] = [p for p in check_record(with_text(working="Attends day centre")) if p.phrase]
    assert prompt.message == "This describes a service, not what matters to the person."
    assert prompt.suggestion == (
        "Say what going to the day centre gives the person, e.g. 'I look forward to seeing my "
        "friends there.'"
    )


def test_it_finds_service_led_phrasing_in_every_text_field() -> None:
    phrase = "care plan followed"
    for field in ["what_matters", "why_it_matters", "working", "not_working"]:
        prompts = check_record(with_text(**{field: f"I am fine and the {phrase} well, said Jo"}))
        assert [(p.field, p.phrase) for p in prompts if p.code == SERVICE_LED] == [(field, phrase)]


def test_it_prompts_once_for_a_phrase_repeated_in_one_field() -> None:
    text = "Care plan followed. Care plan followed again today."
    assert service_phrases(with_text(working=text)) == ["Care plan followed"]


@pytest.mark.parametrize(
    "text",
    [
        # "No concerns" and "engaging with services" are only service-led as the whole point.
        "I have no concerns about moving because my son lives nearby",
        "Engaging with services has helped me meet people at the allotment",
        "I go to the day centre on Tuesdays because I see my friends there",
        "My carer and I planned the week together",
        "I would like to review my medication with the GP",
    ],
)
def test_it_leaves_outcome_focused_text_alone(text: str) -> None:
    assert service_phrases(with_text(working=text)) == []


def test_it_lists_prompts_in_field_order() -> None:
    record = RecordText(
        what_matters="Attends day centre twice weekly",
        why_it_matters="No concerns",
        working="",
        not_working="Needs to accept support",
    )
    prompts = check_record(record)
    assert [(p.field, p.code) for p in prompts] == [
        ("what_matters", MISSING_OWN_WORDS),
        ("what_matters", SERVICE_LED),
        ("why_it_matters", MISSING_WHY),
        ("why_it_matters", SERVICE_LED),
        ("not_working", SERVICE_LED),
        ("contributions", MISSING_CONTRIBUTIONS),
    ]
    assert sorted(prompts, key=lambda p: FIELD_ORDER.index(p.field)) == prompts


def test_it_counts_how_many_records_meet_each_standard() -> None:
    service_led = with_text(working="Package of care in place")
    third_person = with_text(what_matters="Archie wants to stay where he is")
    summary = summarise([GOOD, service_led, third_person, RecordText()])
    assert summary == QualitySummary(
        records=4,
        with_own_words=2,
        with_why=3,
        with_working_or_not=3,
        with_contributions=3,
        service_led=1,
    )


def test_it_summarises_no_records_as_zeros() -> None:
    assert summarise(iter([])) == QualitySummary(0, 0, 0, 0, 0, 0)


ADVERSARIAL = [
    "a" * 100_000,
    " 'a" * 33_334,
    "'" * 100_000,
    "\u2018" * 100_000,
    "\x00" * 100_000,
    ", no concerns and" * 6_000,
    "attends day centre on Mondays and " * 3_000,
    "continues to receive " * 5_000,
    "non " * 25_000,
    ", a a a " * 12_500,
    "é" * 100_000,
    "," + " " * 99_998 + "x",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda text: repr(text[:12]))
def test_it_copes_with_very_long_and_unusual_text(text: str) -> None:
    prompts = check_record(RecordText(text, text, text, text))
    assert all(isinstance(prompt, Prompt) for prompt in prompts)


SERVICE_WORDS = st.sampled_from(
    [
        "care plan", "followed", "no concerns", "attends", "day centre", "twice", "weekly",
        "receives", "4", "calls a day", "continues to receive", "in place", "services",
        "comply with", "non-", "engaging with", "needs to accept", "support", "I", "my",
        ",", ".", " and ", "'", '"', "\u201c", "\u201d", "\u2018", "\u2019", "\x00", "é", "\n", "",
    ]
)  # fmt: skip
TEXT = st.one_of(
    st.text(), st.lists(SERVICE_WORDS).map(" ".join), st.lists(SERVICE_WORDS).map("".join)
)


@given(TEXT, TEXT, TEXT, TEXT, st.sets(st.sampled_from(["person", "family-community", "services"])))
def test_it_never_raises_and_quotes_only_text_that_was_written(
    what: str, why: str, working: str, not_working: str, contributions: set[str]
) -> None:
    record = RecordText(what, why, working, not_working, tuple(sorted(contributions)))
    prompts = check_record(record)
    fields = {
        "what_matters": what,
        "why_it_matters": why,
        "working": working,
        "not_working": not_working,
    }
    for prompt in prompts:
        assert isinstance(prompt, Prompt)
        assert prompt.field in FIELD_ORDER
        if prompt.phrase:
            assert prompt.phrase in fields[prompt.field]
    summary = summarise([record])
    assert summary.records == 1
    assert summary.service_led == any(p.code == SERVICE_LED for p in prompts)


def imported_modules(source: str) -> list[str]:
    """Every absolute module name a Python source imports."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_it_keeps_the_analysis_package_free_of_django_and_the_rest_of_the_app() -> None:
    package = Path(meaningful.analysis.__file__).parent
    files = sorted(package.rglob("*.py"))
    assert files
    for path in files:
        for module in imported_modules(path.read_text(encoding="utf-8")):
            assert not module.startswith("django"), f"{path.name} imports {module}"
            if module == "meaningful" or module.startswith("meaningful."):
                assert module == "meaningful.analysis" or module.startswith(
                    "meaningful.analysis."
                ), f"{path.name} imports {module}"
