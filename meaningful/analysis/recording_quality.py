"""Recording-quality prompts for one outcome record, and team figures over many records.

The checks follow DOMAIN.md "Recording that carries meaning". Prompts are kind and
non-blocking: a practitioner may save a record anyway.

Own words: third-person text ("Archie wants to stay where he is because he trusts the staff")
does not count as the person's words unless part of it is quoted. We cannot tell a good paraphrase
from a service summary by machine, and the domain asks for the person's words, so we nudge
towards a first-person line or a quotation rather than guess.

Every regular expression runs in linear time on any input: alternatives are literal words that
cannot overlap, repeats are bounded, and no unbounded repeat nests inside another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Final

MISSING_OWN_WORDS: Final = "missing-own-words"
MISSING_WHY: Final = "missing-why"
MISSING_WORKING_OR_NOT: Final = "missing-working-or-not"
MISSING_CONTRIBUTIONS: Final = "missing-contributions"
SERVICE_LED: Final = "service-led"

CONTRIBUTORS: Final = ("person", "family-community", "services")
MIN_WHY_WORDS: Final = 3


@dataclass(frozen=True)
class RecordText:
    """What was written for one outcome; plain strings, empty when blank."""

    what_matters: str = ""
    why_it_matters: str = ""
    working: str = ""
    not_working: str = ""
    contributions: tuple[str, ...] = ()  # any of "person", "family-community", "services"

    def __post_init__(self) -> None:
        """Refuse a contribution code outside the three the domain defines."""
        # A misspelt code would silently count as "someone contributes"; that is a caller bug.
        unknown = [code for code in self.contributions if code not in CONTRIBUTORS]
        if unknown:
            raise ValueError(
                f"Unknown contribution code(s) {unknown!r}; use any of {', '.join(CONTRIBUTORS)}."
            )


@dataclass(frozen=True)
class Prompt:
    """One kind, non-blocking suggestion about how a record could carry more meaning."""

    code: str
    field: str
    message: str
    suggestion: str
    phrase: str = ""


@dataclass(frozen=True)
class QualitySummary:
    """How many of `records` meet each recording standard."""

    records: int
    with_own_words: int
    with_why: int
    with_working_or_not: int
    with_contributions: int
    service_led: int  # records with at least one service-led prompt


# --- The person's voice ---------------------------------------------------------------------

# "I" is matched case-sensitively so the word "i.e." and stray letters do not count; a lowercase
# "i" counts only where it is plainly the pronoun ("i want", "i'm"), as people do type that way.
# "ME" in capitals is the illness, so only "me"/"Me" count as the pronoun.
_FIRST_PERSON = re.compile(
    r"\bI\b"
    r"|\bi(?=\s|['\u2019](?:m|d|ve|ll)\b)"
    r"|\b(?:me|Me)\b"
    r"|(?i:\b(?:my|myself|we|our|ours|ourselves)\b)"
)
# Straight quotes double as apostrophes ("Archie's", "nurses'"), so a mark opens a quotation only
# after a non-word character and closes one only before a non-word character.
_QUOTE_PAIRS: Final = (('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019"))
_QUOTE_MARKS = re.compile("[\"'\u201c\u201d\u2018\u2019]")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def _is_word_char(char: str) -> bool:
    """True for the characters a regular expression's \\w matches."""
    return char.isalnum() or char == "_"


def _encloses_a_word(text: str, opening: str, closing: str) -> bool:
    """True when an `opening`...`closing` pair surrounds at least one word; linear in the text."""
    open_at = -1
    next_word_at = -1  # first word after the latest opening; reused while it is still ahead
    for mark in _QUOTE_MARKS.finditer(text):
        at, char = mark.start(), mark.group()
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        closes = char == closing and not before.isspace() and not _is_word_char(after)
        if open_at >= 0 and closes and next_word_at < at:
            return True
        if char == opening and not _is_word_char(before) and not after.isspace():
            open_at = at
            if next_word_at <= at:
                word = _WORD.search(text, at + 1)
                next_word_at = word.start() if word else len(text)
    return False


def reads_as_own_words(text: str) -> bool:
    """True when the text has a first-person word or a quoted phrase; never raises on any str."""
    if _FIRST_PERSON.search(text):
        return True
    return any(_encloses_a_word(text, opening, closing) for opening, closing in _QUOTE_PAIRS)


def _count_words(text: str, enough: int) -> int:
    """Count words in the text, stopping at `enough` so long text costs no more than short."""
    return sum(1 for _ in islice(_WORD.finditer(text), enough))


def _is_blank(text: str) -> bool:
    """True when the text has no word at all (empty, spaces, punctuation or control characters)."""
    return _count_words(text, 1) == 0


# --- Service-led phrasing -------------------------------------------------------------------

_SERVICE_MESSAGE: Final = "This describes a service, not what matters to the person."
_EXPECTATION_MESSAGE: Final = "This describes what services expect, not what matters to the person."

_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight)"
_WHOSE = r"(?:(?:the|his|her|their|my|our|your|a|an|this|current|all)\s+)"
_PLAN = r"(?:care|support|treatment)[\s-]*plans?"
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
_FREQUENCY = (
    r"(?:once|twice|thrice|every\s+day|daily|weekly|fortnightly|monthly|weekdays|weekends"
    rf"|{_NUMBER}\s*(?:x|times)"
    r"|(?:a|per|each|every)\s+(?:week|fortnight|month|day)"
    rf"|(?:on\s+)?{_WEEKDAY}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*){_WEEKDAY}){{0,6}})\b"
)
_CLAUSE_BREAK = r"[.;:!?,\n()\[\]\u2013\u2014]"


def _whole_clause(phrase: str) -> str:
    """Match `phrase` only when it is all its clause says, after at most a three-word subject."""
    # "No concerns." is service-led; "no concerns about moving, as her son lives nearby" is not.
    return (
        rf"(?:\A|{_CLAUSE_BREAK}|\s-\s|\band\b|\bbut\b)\s*(?:[\w'\u2019]+\s+){{0,3}}"
        rf"(?P<phrase>{phrase})"
        rf"(?=\s*(?:\Z|{_CLAUSE_BREAK}|-\s|\band\b|\bbut\b))"
    )


@dataclass(frozen=True)
class _ServicePhrase:
    """A way of writing about a service instead of an outcome, and what to write instead."""

    pattern: re.Pattern[str]
    message: str
    suggestion: str


def _service_phrase(
    pattern: str, suggestion: str, message: str = _SERVICE_MESSAGE
) -> _ServicePhrase:
    """Compile one case-insensitive service-led pattern with its advice."""
    return _ServicePhrase(re.compile(pattern, re.IGNORECASE), message, suggestion)


_COMPLIANCE_ADVICE = (
    "Say what the person wants and what makes it hard, e.g. 'The tablets make me too sleepy "
    "to see my grandchildren.'"
)
_CALLS_ADVICE = (
    "Say what the visits help the person to do, e.g. 'The morning call means I can stay in "
    "my own home.'"
)

# Order matters only where two patterns match the same words: the earlier, longer match wins.
SERVICE_PHRASES: Final = (
    _service_phrase(
        r"\b(?:(?:needs?|has|have|had|must|should|(?:is|are)\s+required|required)\s+to\s+)?"
        r"(?:non[\s-]?)?(?:compl(?:y|ies|ied|ying|iant|iance)|adher(?:e|es|ed|ing|ent|ence))"
        rf"\s+(?:with|to)\s+{_WHOSE}?(?:{_PLAN}|medication|treatment|services?"
        r"|care|support)\b",
        _COMPLIANCE_ADVICE,
        _EXPECTATION_MESSAGE,
    ),
    _service_phrase(
        r"\bnon[\s-]?(?:complian(?:t|ce)|adheren(?:t|ce)|concordan(?:t|ce)|engag(?:ement|ing))\b",
        _COMPLIANCE_ADVICE,
        _EXPECTATION_MESSAGE,
    ),
    _service_phrase(
        rf"\b{_PLAN}\s+(?:(?:is|was|were|has\s+been|have\s+been|being|remains)\s+)?"
        r"(?:followed|adhered\s+to|implemented|maintained|met)\b"
        rf"|\bfollow(?:s|ed|ing)?\s+{_WHOSE}?{_PLAN}\b",
        "Say what difference the support made, e.g. 'I got to the shops on Tuesday and enjoyed "
        "choosing my own food.'",
    ),
    _service_phrase(
        rf"\b{_PLAN}\s+(?:(?:is|was|were|has\s+been|have\s+been|to\s+be|been|being)\s+)?"
        r"(?:reviewed|updated|revised)\b"
        rf"|\breview(?:ed|ing)?\s+(?:of\s+)?{_WHOSE}?{_PLAN}\b",
        "Say what changed for the person since the last review, setbacks included, in their "
        "words where you can.",
    ),
    _service_phrase(
        rf"\b(?:package\s+of\s+care|(?:care|support)\s+package|poc|{_PLAN}|services?|support"
        r"|carers?|care)\s+"
        r"(?:(?:is|are|was|were|remains?|has\s+been|have\s+been|now|still|already"
        r"|continues?\s+to\s+be)\s+){0,2}in\s+place\b",
        "Say what the support makes possible, e.g. 'With help in the mornings I can get dressed "
        "and be ready when my son visits.'",
    ),
    _service_phrase(
        _whole_clause(
            r"no\s+(?:(?:further|new|current|other|immediate|significant|major|obvious)\s+)?"
            r"(?:concerns?|issues?|problems?)"
            r"(?:\s+(?:noted|raised|reported|identified|expressed|observed|highlighted"
            r"|to\s+report|at\s+(?:this\s+time|present|the\s+moment)|currently|today)\b){0,2}"
        ),
        "Say what is going well for the person and why, e.g. 'I'm sleeping better since I "
        "moved to the downstairs room.'",
    ),
    _service_phrase(
        rf"\battend(?:s|ed|ing)?\s+{_WHOSE}?(?:local\s+)?"
        r"day[\s-]*(?:centres?|centers?|care|services?|opportunit(?:y|ies))\b"
        rf"(?:\s+{_FREQUENCY}){{0,4}}",
        "Say what going to the day centre gives the person, e.g. 'I look forward to seeing my "
        "friends there.'",
    ),
    _service_phrase(
        rf"\breceiv(?:es|ed|ing|e)\s+(?:(?:{_NUMBER}|daily|regular|twice[\s-]daily)\s+)?"
        r"(?:(?:care|carer|home[\s-]?care|domiciliary|support)\s+)?(?:calls?|visits?)\b"
        r"(?:\s+(?:(?:a|per|each|every)\s+(?:day|week)|daily|weekly)\b)?",
        _CALLS_ADVICE,
    ),
    _service_phrase(
        rf"\b{_NUMBER}\s+(?:(?:care|carer|home[\s-]?care|domiciliary)\s+)?(?:calls|visits)"
        r"\s+(?:(?:a|per|each|every)\s+day|daily)\b",
        _CALLS_ADVICE,
    ),
    _service_phrase(
        r"\bcontinu(?:es|ed|ing|e)\s+to\s+(?:receive|access)\b(?:\s+[^\s.,;:!?()\[\]\u2013\u2014]+){0,6}",
        "Say what the support helps the person keep doing, e.g. 'With Jean's help I still do "
        "my own shopping.'",
    ),
    _service_phrase(
        r"\b(?:needs?|has|have|must|should|(?:is|are)\s+required|required|(?:was\s+)?advised"
        r"|(?:was\s+)?encouraged)\s+to\s+accept\s+"
        r"(?:(?:the|more|further|some|any|all|his|her|their|additional|extra)\s+)?"
        r"(?:care\s+package|package\s+of\s+care|support|care|help|services?|carers?|assistance"
        r"|input|package)\b",
        "Say what the person wants and what worries them about the help, e.g. 'I don't like "
        "strangers in my house.'",
        _EXPECTATION_MESSAGE,
    ),
    _service_phrase(
        _whole_clause(
            r"(?:engag(?:ing|ed|es|e)|engagement)\s+(?:well\s+)?with\s+"
            r"(?:(?:the|all|his|her|their|my|our)\s+)?"
            r"(?:services?|support(?:\s+workers?)?|staff|team|professionals|carers?|workers?"
            r"|agencies)"
            r"(?:\s+(?:well|at\s+present|currently|at\s+this\s+time))?"
        ),
        "Say what the person gets from the support, e.g. 'Talking to Sam each week helps me "
        "keep my temper.'",
    ),
)


def service_led_prompts(field: str, text: str) -> list[Prompt]:
    """One prompt per distinct service-led phrase in `text`, in order; each phrase is a substring."""
    found: list[tuple[int, int, _ServicePhrase]] = []
    for service_phrase in SERVICE_PHRASES:
        group: int | str = "phrase" if "phrase" in service_phrase.pattern.groupindex else 0
        for match in service_phrase.pattern.finditer(text):
            start, end = match.span(group)
            found.append((start, end, service_phrase))
    # Overlapping matches are one phrase ("non-compliant with care plan" also holds
    # "non-compliant"): keep the earliest, then the longest, so each is prompted once.
    found.sort(key=lambda item: (item[0], item[0] - item[1]))
    prompts: list[Prompt] = []
    covered_to = -1
    seen: set[str] = set()
    for start, end, service_phrase in found:
        if start < covered_to:
            continue
        covered_to = end
        phrase = text[start:end]
        if phrase.casefold() in seen:  # the same words twice in a field need saying once
            continue
        seen.add(phrase.casefold())
        prompts.append(
            Prompt(SERVICE_LED, field, service_phrase.message, service_phrase.suggestion, phrase)
        )
    return prompts


# --- Checks per field -----------------------------------------------------------------------


def _what_matters_prompts(text: str) -> list[Prompt]:
    """Prompt for the person's own words when what matters is blank or written about them."""
    suggestion = "Try: 'I want to ...' - what the person would like, in their words."
    if _is_blank(text):
        message = "Add what matters in the person's own words."
    elif not reads_as_own_words(text):
        message = "Write what matters in the person's own words, or quote what they said."
    else:
        return []
    return [Prompt(MISSING_OWN_WORDS, "what_matters", message, suggestion)]


def _why_prompts(text: str) -> list[Prompt]:
    """Prompt for why it matters when it is blank or too short to say anything."""
    suggestion = (
        "Try: 'because ...' - what it would mean to them, e.g. 'because I feel like myself "
        "when I'm out with my friends.'"
    )
    words = _count_words(text, MIN_WHY_WORDS)
    if words >= MIN_WHY_WORDS:
        return []
    message = (
        "Add why this matters to the person."
        if words == 0
        else "Say a little more about why this matters to the person."
    )
    return [Prompt(MISSING_WHY, "why_it_matters", message, suggestion)]


def _working_prompts(working: str, not_working: str) -> list[Prompt]:
    """Prompt once when neither what is working nor what is not working is recorded."""
    if not (_is_blank(working) and _is_blank(not_working)):
        return []  # strengths or barriers alone still tell part of the story
    return [
        Prompt(
            MISSING_WORKING_OR_NOT,
            "working",
            "Add what is working for the person, or what is not working.",
            "Note strengths as well as barriers, e.g. 'My neighbour takes me to the shops' or "
            "'The bus stop is too far for me to walk to.'",
        )
    ]


def _contributions_prompts(contributions: tuple[str, ...]) -> list[Prompt]:
    """Prompt when nobody is recorded as contributing to the outcome."""
    if contributions:
        return []
    return [
        Prompt(
            MISSING_CONTRIBUTIONS,
            "contributions",
            "Add who contributes: the person, family and community, or services.",
            "Start with what the person does themselves, then family and community, then services.",
        )
    ]


def check_record(record: RecordText) -> list[Prompt]:
    """Return every recording prompt for one outcome record, in field order; an empty list means it reads well."""
    return [
        *_what_matters_prompts(record.what_matters),
        *service_led_prompts("what_matters", record.what_matters),
        *_why_prompts(record.why_it_matters),
        *service_led_prompts("why_it_matters", record.why_it_matters),
        *_working_prompts(record.working, record.not_working),
        *service_led_prompts("working", record.working),
        *service_led_prompts("not_working", record.not_working),
        *_contributions_prompts(record.contributions),
    ]


def summarise(records: Iterable[RecordText]) -> QualitySummary:
    """Count, over many records, how many meet each recording standard (feeds team recording-quality figures)."""
    total = own_words = why = working_or_not = contributions = service_led = 0
    for record in records:
        codes = {prompt.code for prompt in check_record(record)}
        total += 1
        own_words += MISSING_OWN_WORDS not in codes
        why += MISSING_WHY not in codes
        working_or_not += MISSING_WORKING_OR_NOT not in codes
        contributions += MISSING_CONTRIBUTIONS not in codes
        service_led += SERVICE_LED in codes
    return QualitySummary(total, own_words, why, working_or_not, contributions, service_led)
