from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from typing import Any

from pypdf import PdfReader

from meaningful.plans.my_plan_pdf import (
    MyPlan,
    MyPlanAction,
    MyPlanOutcome,
    my_plan_pdf,
)
from meaningful.web.dates import date_in_words

HOSTILE = '<b>&amp; "quoted"'


def seeing_people(**changes: Any) -> MyPlanOutcome:
    outcome = MyPlanOutcome(
        heading="Seeing people",
        what_matters="I want to get back to the bowling club on Tuesdays.",
        why_it_matters="It's the only time I laugh all week.",
        working="My sister Jean phones every night.",
        not_working="I can't manage the bus on my own since my fall.",
        actions=(
            MyPlanAction(
                "Phone the bowling club about Tuesdays",
                "Jean (your sister)",
                date(2027, 1, 10),
                "Started",
            ),
            MyPlanAction("Arrange a bus pass", "Care at Home North", None, "Planned"),
        ),
    )
    return replace(outcome, **changes)


def margaret(**changes: Any) -> MyPlan:
    plan = MyPlan(
        person_name="Margaret O'Neill",
        about_me="I was a school cook for thirty years.",
        agreed_on=date(2026, 9, 14),
        review_due=date(2027, 3, 2),
        worker_name="Sam Jones",
        team_name="Angus Older People's Team",
        outcomes=(seeing_people(),),
    )
    return replace(plan, **changes)


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in read(data).pages]


def text_of(data: bytes) -> str:
    """All the text, with line wrapping undone so sentences can be matched whole."""
    return " ".join(" ".join(pages_text(data)).split())


def test_it_shows_the_persons_name_and_words_under_plain_headings_in_order() -> None:
    text = text_of(my_plan_pdf(margaret()))

    expected_in_order = [
        "My plan",
        "Margaret O'Neill",
        "About me",
        "I was a school cook for thirty years.",
        "Next review",
        "Seeing people",
        "What matters to me",
        "\u201cI want to get back to the bowling club on Tuesdays.\u201d",
        "Why it matters",
        "It's the only time I laugh all week.",
        "What is working",
        "My sister Jean phones every night.",
        "What is not working yet",
        "I can't manage the bus on my own since my fall.",
        "What we agreed",
        "Phone the bowling club about Tuesdays",
        "Who: Jean (your sister)",
        "When: by 10 January 2027",
        "Progress: Started",
        "Arrange a bus pass",
        "Who: Care at Home North",
        "Progress: Planned",
        "Who to contact",
        "Your worker: Sam Jones",
        "Team: Angus Older People's Team",
    ]
    positions = [text.index(phrase) for phrase in expected_in_order]
    assert positions == sorted(positions)


def test_it_writes_dates_in_words() -> None:
    text = text_of(my_plan_pdf(margaret(), today=date(2026, 11, 27)))

    assert "We talked about this plan on Monday 14 September 2026." in text
    assert "We will talk again by Tuesday 2 March 2027." in text
    assert "by 10 January 2027" in text


def test_the_team_phone_and_when_it_is_answered_are_how_to_contact() -> None:
    plan = margaret(team_phone="01632 960123", team_phone_hours="Monday to Friday, 9am to 5pm")
    text = text_of(my_plan_pdf(plan, today=date(2026, 11, 27)))
    assert "Phone: 01632 960123 (Monday to Friday, 9am to 5pm)" in text
    assert "Phone:" not in text_of(my_plan_pdf(margaret(), today=date(2026, 11, 27)))


def test_a_review_date_already_past_is_not_promised_again() -> None:
    plan = margaret()
    assert plan.review_words(date(2027, 3, 1)) == "We will talk again by Tuesday 2 March 2027."
    assert plan.review_words(date(2027, 3, 3)) == (
        "We planned to talk again by Tuesday 2 March 2027. We will be in touch to arrange it."
    )


def test_date_in_words_does_not_depend_on_the_server_locale() -> None:
    assert date_in_words(date(2027, 3, 2)) == "Tuesday 2 March 2027"
    assert date_in_words(date(2026, 12, 31)) == "Thursday 31 December 2026"


def test_it_does_not_quote_words_that_are_already_in_quotation_marks() -> None:
    outcome = seeing_people(what_matters="\u201cI don't want to fall again.\u201d")
    text = text_of(my_plan_pdf(margaret(outcomes=(outcome,))))

    assert "\u201cI don't want to fall again.\u201d" in text
    assert "\u201c\u201c" not in text


def test_it_skips_empty_sections_instead_of_printing_empty_headings() -> None:
    bare = MyPlanOutcome(
        heading="Feeling safe",
        what_matters="  ",
        why_it_matters="",
        working="The alarm pendant.",
        not_working="\n",
        actions=(),
    )
    plan = margaret(
        about_me=" ",
        review_due=None,
        agreed_on=None,
        worker_name="",
        team_name="",
        outcomes=(bare,),
    )
    text = text_of(my_plan_pdf(plan))

    assert "Feeling safe" in text
    assert "What is working The alarm pendant." in text
    for heading in [
        "About me",
        "Next review",
        "We talked about",
        "What matters to me",
        "Why it matters",
        "What is not working yet",
        "What we agreed",
        "Who to contact",
    ]:
        assert heading not in text


def test_it_leaves_out_an_action_detail_that_is_missing() -> None:
    outcome = seeing_people(actions=(MyPlanAction("Practise the walk", "You", None, ""),))
    text = text_of(my_plan_pdf(margaret(outcomes=(outcome,))))

    assert "Practise the walk Who: You" in text
    assert "When:" not in text
    assert "Progress:" not in text


def test_it_prints_markup_and_entities_in_the_data_literally() -> None:
    outcome = MyPlanOutcome(
        heading=HOSTILE,
        what_matters=HOSTILE,
        why_it_matters=HOSTILE,
        working=HOSTILE,
        not_working=HOSTILE,
        actions=(MyPlanAction(HOSTILE, HOSTILE, None, HOSTILE),),
    )
    plan = margaret(
        person_name=HOSTILE,
        about_me=HOSTILE,
        worker_name=HOSTILE,
        team_name=HOSTILE,
        outcomes=(outcome,),
    )
    text = text_of(my_plan_pdf(plan))

    assert text.count(HOSTILE) >= 11
    assert f"\u201c{HOSTILE}\u201d" in text
    metadata = read(my_plan_pdf(plan)).metadata
    assert metadata is not None
    assert metadata.title == f"My plan - {HOSTILE}"


def test_it_keeps_the_line_breaks_in_the_persons_words() -> None:
    plan = margaret(about_me="I like a blether.\nI like a cup of tea.\r\n\r\nI miss my garden.")
    page = pages_text(my_plan_pdf(plan))[0]

    assert "I like a blether.\nI like a cup of tea.\nI miss my garden." in page


def test_a_very_long_plan_flows_across_numbered_pages() -> None:
    story = " ".join(f"word{number}" for number in range(5_000))
    outcome = seeing_people(what_matters=story, why_it_matters=story)
    pages = pages_text(my_plan_pdf(margaret(outcomes=(outcome,))))

    total = len(pages)
    assert total > 10
    assert "Page 1 of " + str(total) in pages[0]
    assert f"Page {total} of {total}" in pages[-1]
    assert all("My plan: Margaret O'Neill" in page for page in pages)
    assert "word4999" in " ".join(pages)


def test_it_sets_the_title_author_subject_and_language() -> None:
    reader = read(my_plan_pdf(margaret()))

    assert reader.metadata is not None
    assert reader.metadata.title == "My plan - Margaret O'Neill"
    assert reader.metadata.author == "Meaningful"
    assert reader.metadata.subject
    assert str(reader.root_object["/Lang"]) == "en-GB"


def test_it_prints_on_a4() -> None:
    page = read(my_plan_pdf(margaret())).pages[0]

    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_the_same_plan_gives_identical_bytes() -> None:
    assert my_plan_pdf(margaret()) == my_plan_pdf(margaret())


def test_a_plan_with_nothing_in_it_still_prints() -> None:
    plan = MyPlan(
        person_name="",
        about_me="",
        agreed_on=None,
        review_due=None,
        worker_name="",
        team_name="",
        outcomes=(),
    )
    pages = pages_text(my_plan_pdf(plan))

    assert len(pages) == 1
    assert "My plan" in pages[0]
    assert "Page 1 of 1" in pages[0]


def test_many_agreed_actions_flow_across_pages() -> None:
    actions = tuple(
        MyPlanAction(f"Agreed step {number}", "You", date(2027, 1, 1), "Planned")
        for number in range(60)
    )
    data = my_plan_pdf(margaret(outcomes=(seeing_people(actions=actions),)))

    assert len(read(data).pages) > 3
    assert "Agreed step 59 Who: You When: by 1 January 2027 Progress: Planned" in text_of(data)


def test_a_very_long_name_is_shortened_in_the_footer_not_run_into_the_page_number() -> None:
    name = "Margaret " + "Anne " * 200
    first_page = pages_text(my_plan_pdf(margaret(person_name=name)))[0]

    footer = next(line for line in first_page.splitlines() if line.startswith("My plan: "))
    assert footer.startswith("My plan: Margaret Anne Anne")
    assert footer.endswith("\u2026")
    assert len(footer) < 60
    assert "Page 1 of " in first_page
