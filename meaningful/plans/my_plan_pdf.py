"""'My plan' as a printable A4 PDF in large, plain type, for the person or their unpaid carer.

Pure: it takes plain values and returns bytes, so the view, a download and a test all build the
same document. Text is drawn in the standard Helvetica font, which covers Western European
letters (WinAnsi); characters outside it, such as the Welsh w and y with a circumflex, print as
a box until the project ships a Unicode font.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_LEFT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from meaningful.web.dates import date_in_words, long_date


@dataclass(frozen=True)
class MyPlanAction:
    description: str
    who: str  # plain words: "You", "Jean (your sister)", "Care at Home North"
    due: date | None
    status: str  # plain words: "Planned", "Started", "Done", "No longer needed"


@dataclass(frozen=True)
class MyPlanOutcome:
    heading: str  # plain words for the outcome, e.g. "Seeing people"
    what_matters: str  # in the person's own words
    why_it_matters: str
    working: str
    not_working: str
    actions: tuple[MyPlanAction, ...]


@dataclass(frozen=True)
class MyPlan:
    person_name: str
    about_me: str
    agreed_on: date | None  # the conversation the plan comes from
    review_due: date | None
    worker_name: str
    team_name: str
    outcomes: tuple[MyPlanOutcome, ...]
    team_phone: str = ""
    team_phone_hours: str = ""

    @property
    def phone_words(self) -> str:
        """'01632 960123 (Monday to Friday, 9am to 5pm)', or '' with no number."""
        if not self.team_phone.strip():
            return ""
        hours = self.team_phone_hours.strip()
        return f"{self.team_phone.strip()} ({hours})" if hours else self.team_phone.strip()

    def review_words(self, today: date) -> str:
        """When we will talk again, in words; a date already past is not promised again."""
        if self.review_due is None:
            return ""
        when = date_in_words(self.review_due)
        if self.review_due < today:
            return f"We planned to talk again by {when}. We will be in touch to arrange it."
        return f"We will talk again by {when}."


_FONT = "Helvetica"
_BOLD = "Helvetica-Bold"
_BODY_SIZE = 16  # large print; never below 14 pt
_FOOTER_SIZE = 14
_MARGIN = 2 * cm
_FOOTER_BASELINE = 1.2 * cm

_OPENING_QUOTES = "\"'\u201c\u2018"
_CLOSING_QUOTES = "\"'\u201d\u2019"
# Invisible control characters print as boxes; tabs and line breaks are kept as spacing.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _style(name: str, size: float, *, bold: bool = False, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=_BOLD if bold else _FONT,
        fontSize=size,
        leading=size * 1.45,
        textColor=colors.black,
        alignment=TA_LEFT,  # ragged right: justified text is harder to read
        **extra,
    )


_TITLE = _style("MyPlanTitle", 34, bold=True, spaceAfter=4)
_NAME = _style("MyPlanName", 24, bold=True, spaceAfter=8)
_OUTCOME = _style("MyPlanOutcome", 24, bold=True, spaceBefore=6, spaceAfter=8, keepWithNext=1)
_SECTION = _style("MyPlanSection", 19, bold=True, spaceBefore=14, spaceAfter=4, keepWithNext=1)
_BODY = _style("MyPlanBody", _BODY_SIZE, spaceAfter=8)
_ACTION = _style(
    "MyPlanAction",
    _BODY_SIZE,
    spaceAfter=2,
    leftIndent=_BODY_SIZE * 1.4,
    bulletFontName=_BOLD,
    bulletFontSize=_BODY_SIZE,
)
_CONTACT = _style("MyPlanContact", _BODY_SIZE, spaceAfter=4)


def _clean(text: str) -> str:
    """Normalise line endings and drop invisible control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL_CHARACTERS.sub("", text).strip()


def _markup(text: str) -> str:
    """Escape text for Paragraph markup, keeping the writer's line breaks."""
    return "<br/>".join(escape(line) for line in text.split("\n"))


def _blocks(text: str) -> list[str]:
    """Split free text into paragraphs at blank lines; single line breaks stay inside."""
    return [block.strip("\n") for block in _BLANK_LINE.split(_clean(text)) if block.strip()]


def _paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    """Turn free text into paragraphs, keeping the writer's line breaks."""
    return [Paragraph(_markup(block), style) for block in _blocks(text)]


def _quoted(text: str) -> str:
    """Put the person's words in quotation marks unless they already are."""
    words = _clean(text)
    if len(words) > 1 and words[0] in _OPENING_QUOTES and words[-1] in _CLOSING_QUOTES:
        return words
    return f"\u201c{words}\u201d"


def _section(heading: str, text: str) -> list[Flowable]:
    """A heading and its text, or nothing when the text is empty."""
    body = _paragraphs(text, _BODY)
    if not body:
        return []
    return [Paragraph(escape(heading), _SECTION), *body]


def _rule() -> HRFlowable:
    """A line that starts each part of the plan and is never left alone at the foot of a page."""
    rule = HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=14)
    rule.keepWithNext = True
    return rule


def _labelled(label: str, value: str) -> str:
    return f"<b>{escape(label)}</b> {_markup(_clean(value))}"


def _action_lines(action: MyPlanAction) -> list[str]:
    """The markup for one agreed action, leaving out whatever was not recorded."""
    lines = [_markup(block) for block in _blocks(action.description)]
    if action.who.strip():
        lines.append(_labelled("Who:", action.who))
    if action.due is not None:
        lines.append(_labelled("When:", f"by {long_date(action.due)}"))
    if action.status.strip():
        lines.append(_labelled("Progress:", action.status))
    return lines


def _agreed(actions: Iterable[MyPlanAction]) -> list[Flowable]:
    # A bulleted paragraph per action rather than ListFlowable, which cannot hold a
    # KeepTogether that needs to move to the next page.
    items = [
        KeepTogether(
            [
                *(
                    Paragraph(line, _ACTION, bulletText="\u2022" if number == 0 else None)
                    for number, line in enumerate(lines)
                ),
                Spacer(1, _BODY_SIZE * 0.6),
            ]
        )
        for lines in map(_action_lines, actions)
        if lines
    ]
    if not items:
        return []
    return [Paragraph("What we agreed", _SECTION), *items]


def _outcome(outcome: MyPlanOutcome) -> list[Flowable]:
    parts: list[Flowable] = []
    if _clean(outcome.what_matters):
        parts += _section("What matters to me", _quoted(outcome.what_matters))
    parts += _section("Why it matters", outcome.why_it_matters)
    parts += _section("What is working", outcome.working)
    parts += _section("What is not working yet", outcome.not_working)
    parts += _agreed(outcome.actions)
    heading = _clean(outcome.heading)
    if heading:
        parts.insert(0, Paragraph(_markup(heading), _OUTCOME))
    if not parts:
        return []
    return [_rule(), *parts]


def _contact(plan: MyPlan) -> list[Flowable]:
    lines = []
    if plan.worker_name.strip():
        lines.append(Paragraph(_labelled("Your worker:", plan.worker_name), _CONTACT))
    if plan.team_name.strip():
        lines.append(Paragraph(_labelled("Team:", plan.team_name), _CONTACT))
    if plan.phone_words:
        lines.append(Paragraph(_labelled("Phone:", plan.phone_words), _CONTACT))
    if not lines:
        return []
    return [KeepTogether([_rule(), Paragraph("Who to contact", _OUTCOME), *lines])]


def _story(plan: MyPlan, today: date) -> list[Flowable]:
    """Every flowable of the document, in reading order; built afresh for each pass."""
    story: list[Flowable] = [Paragraph("My plan", _TITLE)]
    name = _clean(plan.person_name)
    if name:
        story.append(Paragraph(_markup(name), _NAME))
    if plan.agreed_on is not None:
        agreed = f"We talked about this plan on {date_in_words(plan.agreed_on)}."
        story.append(Paragraph(escape(agreed), _BODY))
    story += _section("About me", plan.about_me)
    if plan.review_due is not None:
        story += _section("Next review", plan.review_words(today))
    for outcome in plan.outcomes:
        story += _outcome(outcome)
    story += _contact(plan)
    story.append(Spacer(1, 1))  # keeps the document valid when the plan is empty
    return story


def _fit(text: str, width: float) -> str:
    """Shorten footer text with an ellipsis so it never runs into the page number."""
    if stringWidth(text, _FONT, _FOOTER_SIZE) <= width:
        return text
    # No Helvetica character is narrower than 0.19 em, so cut very long text before measuring.
    text = text[: int(width / (_FOOTER_SIZE * 0.19)) + 1]
    while text and stringWidth(f"{text}\u2026", _FONT, _FOOTER_SIZE) > width:
        text = text[:-1]
    return f"{text.rstrip()}\u2026"


def _footer(person_name: str, total_pages: int | None) -> Callable[[Any, Any], None]:
    """Draw the person's name and 'Page N of M' at the foot of every page."""

    def draw(canvas: Any, doc: Any) -> None:
        page = canvas.getPageNumber()
        numbering = f"Page {page} of {total_pages if total_pages else page}"
        right = A4[0] - _MARGIN
        room = right - _MARGIN - stringWidth(numbering, _FONT, _FOOTER_SIZE) - cm
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.setFont(_FONT, _FOOTER_SIZE)
        label = f"My plan: {person_name}" if person_name else "My plan"
        canvas.drawString(_MARGIN, _FOOTER_BASELINE, _fit(label, room))
        canvas.drawRightString(right, _FOOTER_BASELINE, numbering)
        canvas.restoreState()

    return draw


def _render(plan: MyPlan, total_pages: int | None, today: date) -> tuple[bytes, int]:
    name = " ".join(_clean(plan.person_name).split())
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN + 0.6 * cm,  # room for the footer
        title=f"My plan - {name}" if name else "My plan",
        author="Meaningful",
        subject="What matters to me, and what we agreed",
        creator="Meaningful",
        lang="en-GB",
        displayDocTitle=True,
        invariant=True,
    )
    footer = _footer(name, total_pages)
    doc.build(_story(plan, today), onFirstPage=footer, onLaterPages=footer)
    pages: int = doc.page
    return buffer.getvalue(), pages


def my_plan_pdf(plan: MyPlan, *, today: date | None = None) -> bytes:
    """Return 'My plan' as an accessible, printable A4 PDF in large, plain type."""
    today = today or timezone.localdate()
    # The first pass counts the pages for "Page N of M"; the footer never changes the layout.
    _, total_pages = _render(plan, None, today)
    data, _ = _render(plan, total_pages, today)
    return data
