from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meaningful.people.journey_chart import (
    DATE_LABEL_SPACING,
    FONT_SIZE,
    JourneyPoint,
    OutcomeJourney,
    chart_id_for,
    journey_svg,
)
from meaningful.web.dates import long_date, short_date

SVG = "{http://www.w3.org/2000/svg}"
LEVELS = ("Not met", "Partly met", "Met")


def point(day: date, rank: int | None, kind: str = "review") -> JourneyPoint:
    label = None if rank is None else LEVELS[rank - 1]
    return JourneyPoint(held_on=day, kind=kind, level_label=label, rank=rank)


def journey(
    *points: JourneyPoint, name: str = "Feeling safe", code: str = "feeling-safe"
) -> OutcomeJourney:
    return OutcomeJourney(code=code, name=name, level_labels=LEVELS, points=points)


def a_year_of_progress() -> OutcomeJourney:
    return journey(
        point(date(2025, 3, 3), 1, "baseline"),
        point(date(2025, 9, 15), 2),
        point(date(2026, 10, 1), 3, "exit"),
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def with_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if e.get("class") == cls]


def own(root: ET.Element, tag: str) -> ET.Element:
    element = root.find(f"{SVG}{tag}")
    assert element is not None
    return element


def test_it_draws_a_well_formed_svg_that_scales_with_its_container() -> None:
    root = parse(journey_svg(a_year_of_progress()))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 560 180"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("preserveAspectRatio") == "xMinYMin meet"
    assert root.get("font-family") == "inherit"


def test_the_title_names_the_outcome_and_the_desc_compares_first_and_latest() -> None:
    root = parse(journey_svg(a_year_of_progress()))
    assert own(root, "title").text == "Feeling safe: agreed level over time"
    assert (
        own(root, "desc").text == "First: Not met on 3 March 2025. Latest: Met on 1 October 2026."
    )


def test_aria_labelledby_points_at_the_title_and_aria_describedby_at_the_desc() -> None:
    root = parse(journey_svg(a_year_of_progress()))
    assert root.get("aria-labelledby") == own(root, "title").get("id")
    assert root.get("aria-describedby") == own(root, "desc").get("id")


def test_ids_are_safe_and_differ_between_outcome_codes_that_look_alike() -> None:
    ids = [
        chart_id_for(code) for code in ("feeling-safe", "Feeling_Safe", "feeling.safe", "<x>", "")
    ]
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert chart_id_for("feeling-safe").startswith("journey-feeling-safe-")


def test_it_draws_one_circle_per_rated_point() -> None:
    chart = journey(
        point(date(2025, 1, 1), 1, "baseline"),
        point(date(2025, 4, 1), None),
        point(date(2025, 7, 1), 2),
        point(date(2025, 10, 1), 3),
    )
    root = parse(journey_svg(chart))
    assert len(list(root.iter(f"{SVG}circle"))) == 3


def test_it_labels_each_level_with_the_worst_at_the_bottom() -> None:
    root = parse(journey_svg(a_year_of_progress()))
    labels = with_class(root, "text", "journey-level")
    assert [e.text for e in labels] == list(LEVELS)
    ys = [float(e.get("y", "")) for e in labels]
    assert ys == sorted(ys, reverse=True)
    assert len(with_class(root, "line", "journey-grid")) == len(LEVELS)


def test_it_places_dates_in_proportion_to_the_time_between_them() -> None:
    chart = journey(
        point(date(2025, 1, 1), 1, "baseline"),
        point(date(2025, 1, 11), 2),
        point(date(2025, 4, 11), 3),
    )
    xs = [float(c.get("cx", "")) for c in parse(journey_svg(chart)).iter(f"{SVG}circle")]
    assert (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(10 / 100, abs=0.01)


def test_it_escapes_a_hostile_name_and_level_labels_and_still_parses() -> None:
    hostile = '<script>&"'
    chart = OutcomeJourney(
        code=hostile,
        name=hostile,
        level_labels=("<b>worst</b>", "a & b", "'best'"),
        points=(JourneyPoint(date(2025, 1, 1), "baseline", "<b>worst</b>", 1),),
    )
    svg = journey_svg(chart)
    assert "<script" not in svg
    assert "<b>" not in svg
    root = parse(svg)
    assert own(root, "title").text == '<script>&": agreed level over time'
    assert [e.text for e in with_class(root, "text", "journey-level")] == [
        "<b>worst</b>",
        "a & b",
        "'best'",
    ]


def test_it_drops_characters_that_xml_cannot_hold() -> None:
    root = parse(journey_svg(journey(point(date(2025, 1, 1), 2), name="Feeling\x00 safe\x1b")))
    assert own(root, "title").text == "Feeling safe: agreed level over time"


@settings(max_examples=50, deadline=None)
@given(name=st.text(), label=st.text())
def test_any_text_at_all_still_gives_well_formed_svg(name: str, label: str) -> None:
    chart = OutcomeJourney(
        code=name,
        name=name,
        level_labels=(label, "Met"),
        points=(JourneyPoint(date(2025, 1, 1), "baseline", label, 1),),
    )
    root = parse(journey_svg(chart))
    assert root.get("role") == "img"


def test_a_single_point_still_renders_in_the_middle() -> None:
    root = parse(journey_svg(journey(point(date(2025, 3, 3), 2, "baseline"))))
    [circle] = root.iter(f"{SVG}circle")
    assert float(circle.get("cx", "")) > 0
    assert with_class(root, "polyline", "journey-line") == []
    assert own(root, "desc").text == "Only agreed level so far: Partly met on 3 March 2025."
    assert [e.text for e in with_class(root, "text", "journey-date")] == ["3 Mar 25"]


def test_zero_points_say_not_yet_rated() -> None:
    root = parse(journey_svg(journey()))
    assert own(root, "title").text == "Feeling safe: agreed level over time"
    assert "Not yet rated" in (own(root, "desc").text or "")
    assert [e.text for e in root.iter(f"{SVG}text")] == ["Not yet rated"]
    assert list(root.iter(f"{SVG}circle")) == []


def test_points_with_no_agreed_level_only_say_not_yet_rated() -> None:
    root = parse(journey_svg(journey(point(date(2025, 1, 1), None), point(date(2025, 2, 1), None))))
    assert own(root, "desc").text == (
        "Not yet rated: no agreed level at any of the 2 conversations so far."
    )
    assert [e.text for e in with_class(root, "text", "journey-empty")] == ["Not yet rated"]
    assert len(with_class(root, "line", "journey-unrated")) == 2


def test_unrated_points_are_not_joined_in_the_line_but_marked_with_a_tick() -> None:
    unrated_day = date(2025, 4, 1)
    chart = journey(
        point(date(2025, 1, 1), 1, "baseline"),
        point(unrated_day, None),
        point(date(2025, 7, 1), 3),
    )
    root = parse(journey_svg(chart))
    [line] = with_class(root, "polyline", "journey-line")
    vertices = line.get("points", "").split()
    assert len(vertices) == 2
    [tick] = with_class(root, "line", "journey-unrated")
    assert tick.get("x1") not in {v.split(",")[0] for v in vertices}
    assert [t.text for t in tick.iter(f"{SVG}title")] == ["Review, 1 April 2025: no agreed level"]
    assert with_class(root, "g", "journey-legend") != []
    assert own(root, "desc").text == (
        "First: Not met on 1 January 2025. Latest: Met on 1 July 2025."
        " No agreed level at 1 conversation."
    )


def test_date_labels_are_thinned_when_points_are_crowded() -> None:
    start = date(2025, 3, 1)
    chart = journey(*(point(start + timedelta(days=3 * i), 1 + i % 3) for i in range(12)))
    root = parse(journey_svg(chart))
    labels = with_class(root, "text", "journey-date")
    assert 2 < len(labels) < 12
    assert labels[0].text == "1 Mar 25"
    assert labels[-1].text == "3 Apr 25"
    xs = [float(e.get("x", "")) for e in labels]
    assert all(b - a >= DATE_LABEL_SPACING for a, b in pairwise(xs))


def test_every_date_is_labelled_when_there_is_room() -> None:
    labels = with_class(parse(journey_svg(a_year_of_progress())), "text", "journey-date")
    assert [e.text for e in labels] == ["3 Mar 25", "15 Sep 25", "1 Oct 26"]


def test_points_on_the_same_day_share_one_date_label() -> None:
    day = date(2025, 5, 5)
    root = parse(journey_svg(journey(point(day, 1, "baseline"), point(day, 2))))
    assert [e.text for e in with_class(root, "text", "journey-date")] == ["5 May 25"]


def test_long_level_labels_are_shortened_to_the_room_beside_the_chart() -> None:
    long_label = "Very important issue that goes on and on and on"
    chart = OutcomeJourney(
        "x", "X", (long_label, "Met"), (JourneyPoint(date(2025, 1, 1), "review", "Met", 2),)
    )
    [shown, _] = with_class(parse(journey_svg(chart)), "text", "journey-level")
    assert (shown.text or "").endswith("\u2026")
    assert len(shown.text or "") < len(long_label)


def test_text_is_at_least_14px_and_uses_the_accessible_colours() -> None:
    svg = journey_svg(a_year_of_progress())
    root = parse(svg)
    assert int(root.get("font-size", "0")) >= 14 == FONT_SIZE
    assert root.get("fill") == "#0b0c0c"
    assert all(e.get("font-size") is None for e in root.iter(f"{SVG}text"))
    colours = set(re.findall(r"#[0-9a-f]{6}", svg))
    assert colours <= {"#0b0c0c", "#1d70b8", "#b1b4b6", "#ffffff"}


def test_it_has_no_script_and_no_external_reference() -> None:
    svg = journey_svg(a_year_of_progress())
    assert "<script" not in svg
    assert "href" not in svg
    assert "url(" not in svg
    assert svg.count("http") == 1  # the SVG namespace only


def test_the_same_journey_always_gives_the_same_string() -> None:
    assert journey_svg(a_year_of_progress()) == journey_svg(a_year_of_progress())


def test_dates_are_written_in_uk_style() -> None:
    assert short_date(date(2025, 3, 3)) == "3 Mar 25"
    assert short_date(date(2009, 12, 25)) == "25 Dec 09"
    assert long_date(date(2026, 10, 1)) == "1 October 2026"


def test_it_rejects_a_rank_outside_the_scale() -> None:
    with pytest.raises(ValueError, match=r"rank 4 is outside 1\.\.3"):
        journey_svg(journey(JourneyPoint(date(2025, 1, 1), "review", "Beyond", 4)))


def test_it_rejects_points_out_of_date_order() -> None:
    with pytest.raises(ValueError, match="date order"):
        journey_svg(journey(point(date(2025, 2, 1), 1), point(date(2025, 1, 1), 2)))


def test_it_rejects_an_unknown_kind_of_conversation() -> None:
    with pytest.raises(ValueError, match="kind"):
        journey_svg(journey(point(date(2025, 1, 1), 1, "chat")))
