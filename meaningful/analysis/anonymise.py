"""Take names, places and dates out of a quote before it appears beside a figure.

Two passes. First the names the record itself holds (the person, their carers, the staff) are
replaced wherever they appear, in any case. Then a pattern pass replaces what still looks like a
name, a place or a date: a title with a name (Mrs Brown), a capitalised word that does not start
a sentence and is not on a short list of everyday capitalised words, a word that starts a
sentence and is a known given name ("Stephanie has lost touch with friends": a carer often
names someone the record does not hold), a place after "in", "at", "to", "from" or "near",
postcodes, phone numbers, e-mail addresses and dates in any common form.

The given names are the US census lists of first names that the `names` package ships (about
5,000), with given names common in Scotland and the rest of the UK that they lack, less everyday
words that are also names ("May", "Will", "Hope"), which stay at the start of a sentence.
It errs towards taking out too much: a quote that loses a word is still a quote; a quote that
keeps a name is a disclosure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Final

NAME: Final = "[name]"
PLACE: Final = "[place]"
DATE: Final = "[date]"

# Capitalised words that are neither names nor places, and so may stay mid-sentence.
EVERYDAY: Final = frozenset(
    [
        "I",
        "I'm",
        "I've",
        "I'll",
        "I'd",
        "OK",
        "TV",
        "GP",
        "GPs",
        "NHS",
        "A&E",
        "Mum",
        "Dad",
        "Mam",
        "Gran",
        "Granny",
        "Grandad",
        "Nan",
        "Nana",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Mondays",
        "Tuesdays",
        "Wednesdays",
        "Thursdays",
        "Fridays",
        "Saturdays",
        "Sundays",
        "Christmas",
        "Easter",
        "English",
        "Scottish",
        "Welsh",
        "Irish",
        "British",
        "Gaelic",
        "Polish",
        "Urdu",
        "Punjabi",
        "Arabic",
        "God",
        "Bible",
        "Facebook",
        "WhatsApp",
        "Zoom",
        "Alzheimer's",
        "Parkinson's",
        "COPD",
        "MS",
        "ME",
        "PA",
        "OT",
        "OTs",
        "CPN",
    ]
)
# Given names common in Scotland and the rest of the UK that the census lists lack.
MORE_GIVEN_NAMES: Final = frozenset(
    """
    ailsa aileen ailie aisha alasdair alastair alfie alistair angus aoife archie arran ayesha
    beathag blair bronagh caitlin caitriona callum calum cameron catriona ciara ciaran connor
    declan dougal dougie eilidh eilish elspeth eoin euan ewan fatima fergus finlay fionn
    fiona freya gillian gordon grainne hamish hamza iain imran innes irfan isla islay jamie
    jannet jessica kasia katarzyna kenna kieran kirsteen kirsty lachlan lewis lorna lorne
    mairi mhairi morag murdo nadia niall niamh oisin oliwia orla padraig peigi piotr priya
    rhona rhuaridh ruaridh ruairidh rory saoirse seonaid seumas shona sinead siobhan sorcha
    struan tomasz wojciech zainab zara
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Everyday words that are also someone's given name: at the start of a sentence they stay.
NAMES_THAT_ARE_WORDS: Final = frozenset(
    """
    ace alpha amber an april art august autumn bell best bud can carry chance charity chase
    chi crystal dale dawn do dot early else faith field free glen golden grace grant guy ha
    hang happy holly honey hope in iris ivy jade jewel joy june king la lady lane le len
    long love lucky ma major man many mark max may merry meta miles min miss my no numbers
    ok olive page patience pearl precious price ray rich rock rose ruby season see sharp
    sky so sol son soon spring star stone strong summer sun sunny temple un violet ward will
    winter young
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
MONTHS: Final = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)

_DATES = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\b(?:\s+\d{{4}})?"
    rf"|\b(?:{MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
    rf"|\b(?:{MONTHS})\s+(?:19|20)\d{{2}}\b"
    r"|\b(?:19|20)\d{2}\b"
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_PHONE = re.compile(r"(?<!\w)(?:\+44\s?|0)\d(?:[\s-]?\d){8,10}\b")
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}\b")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Nurse|Sister|Father|Rev)\.?\s+[A-Z][\w'-]{0,40}")
_PLACE = re.compile(r"\b(in|at|to|from|near|into|round|around)\s+((?:[A-Z][\w'-]{0,40}\s?){1,4})")
_WORD = re.compile(r"(?<![\w'\[])([A-Z][a-z][\w'-]{0,40})")
_OPENERS: Final = frozenset('.!?:;"\u201c(\n')


def _starts_sentence(before: str) -> bool:
    stripped = before.rstrip()
    return not stripped or stripped[-1] in _OPENERS or before.endswith((" - ", " \u2013 "))


@cache
def given_names() -> frozenset[str]:
    """Known given names, lower case, without the everyday words among them."""
    found = set(MORE_GIVEN_NAMES)
    for sheet in ("dist.female.first", "dist.male.first"):
        lines = (files("names") / sheet).read_text(encoding="ascii").splitlines()
        found.update(line.split()[0].lower() for line in lines if line.strip())
    return frozenset(found - NAMES_THAT_ARE_WORDS)


def _a_given_name(word: str) -> bool:
    bare = word[:-2] if word.endswith("'s") else word.rstrip("'")
    return bare.lower() in given_names()


def _known(text: str, names: Iterable[str]) -> str:
    for name in sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len, reverse=True):
        text = re.sub(
            rf"(?<!\w){re.escape(name)}('s)?(?!\w)",
            lambda found: NAME + (found[1] or ""),
            text,
            flags=re.IGNORECASE,
        )
    return text


def _capitalised(text: str) -> str:
    """Replace capitalised words that are not everyday words and either do not start a sentence
    or are a known given name."""
    pieces, last = [], 0
    for match in _WORD.finditer(text):
        word = match[1]
        if word in EVERYDAY:
            continue
        if _starts_sentence(text[max(0, match.start() - 4) : match.start()]) and not (
            _a_given_name(word)
        ):
            continue
        pieces.append(text[last : match.start()])
        pieces.append(NAME + ("'s" if word.endswith("'s") else ""))  # "[name]'s mum" reads on
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _place(match: re.Match[str]) -> str:
    words = match[2].split()
    if all(word in EVERYDAY for word in words):
        return match[0]
    trailing = " " if match[2].endswith(" ") else ""
    return f"{match[1]} {PLACE}{trailing}"


def anonymise(text: str, names: Iterable[str] = ()) -> str:
    """Return the text with known names, then anything that looks like a name, place or date, replaced."""
    text = _EMAIL.sub(NAME, text)
    text = _PHONE.sub("[phone]", text)
    text = _POSTCODE.sub(PLACE, text)
    text = _DATES.sub(DATE, text)
    text = _known(text, names)
    text = _TITLE.sub(NAME, text)
    text = _PLACE.sub(_place, text)
    text = _capitalised(text)
    return re.sub(r"(\[(?:name|place)\])(?:\s*\1)+", r"\1", text)
