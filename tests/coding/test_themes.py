"""Themes across narratives: who may ask, what is shown, and what never is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meaningful.api.tokens import issue_token
from meaningful.audit.models import AuditEvent
from meaningful.coding.themes import ThemeRequest, narrative_themes, theme_scopes
from meaningful.demo.factories import Personas, make_person
from meaningful.errors import NotFound
from meaningful.people.models import Consent, Person
from meaningful.people.services import record_consent
from tests.search.conftest import say, say_and_agree

BUSES = [
    "The bus into town stopped running at weekends.",
    "There is no bus that gets to the day centre in time.",
    "The bus timetable changed and now there is no way to get to town.",
]
SECRET_BUS = "The bus route changed and Agnes cannot get to her sister Jean any more."
QUEUES = [
    "Still waiting for an occupational therapy assessment after months.",
    "The waiting list for physiotherapy is several months long.",
]
MONEY = [
    "Money runs out before the end of the month.",
    "Bills are piling up and money is very tight.",
    "There is never enough money left for food and bills.",
]


@dataclass
class Scene:
    personas: Personas
    unconsented: Person  # on North; said SECRET_BUS, never agreed to share quotes


def agreed(personas: Personas, person: Person) -> None:
    record_consent(personas.owner, person, "share-anonymised-quotes", given_on=timezone.localdate())


@pytest.fixture
def scene(personas: Personas) -> Scene:
    personas.organisation.disclosure_threshold = 3
    personas.organisation.save()
    north = [make_person(personas.owner, personas.team, given_name=f"N{i}") for i in range(6)]
    for person, text in zip(north, BUSES + QUEUES, strict=False):
        say_and_agree(personas, person, not_working=text)
        agreed(personas, person)
    unconsented = make_person(personas.owner, personas.team, given_name="Agnes")
    say_and_agree(personas, unconsented, not_working=SECRET_BUS)
    for i, text in enumerate(MONEY):
        person = make_person(personas.outsider, personas.other_team, given_name=f"S{i}")
        say_and_agree(personas, person, actor=personas.outsider, not_working=text)
    return Scene(personas, unconsented)


def north(personas: Personas, field: str = "not_working") -> ThemeRequest:
    today = timezone.localdate()
    return ThemeRequest(
        personas.organisation, personas.team, today - timedelta(days=30), today, field
    )


def test_a_theme_counts_its_people_and_quotes_only_those_who_agreed(scene: Scene) -> None:
    report = narrative_themes(scene.personas.colleague, north(scene.personas))
    assert report.people == 6
    (theme,) = report.themes
    assert theme.people == 4  # three who agreed and one who did not
    assert "bus" in theme.words
    assert set(theme.excerpts) <= set(BUSES) and len(theme.excerpts) == 3
    assert not any("sister" in excerpt for excerpt in theme.excerpts)


def test_withdrawing_consent_takes_a_persons_words_out_of_the_excerpts_at_once(
    scene: Scene,
) -> None:
    first = Person.objects.get(given_name="N0")
    Consent.objects.filter(person=first).update(withdrawn_on=timezone.localdate())
    (theme,) = narrative_themes(scene.personas.colleague, north(scene.personas)).themes
    assert theme.people == 4 and BUSES[0] not in theme.excerpts


def test_a_theme_of_fewer_people_than_the_threshold_never_shows(
    client: Client, scene: Scene
) -> None:
    client.force_login(scene.personas.colleague)
    page = client.get(reverse("coding-themes"), {"scope": f"team-{scene.personas.team.pk}"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 smaller theme not shown: fewer than 3 people each." in html
    assert "4 people" in html and "From the words of 6 people" in html
    assert "waiting" not in html.lower() and "2 people" not in html
    assert "Jean" not in html and "sister" not in html
    assert 'href="#theme-1"' in html and 'id="theme-1"' in html


def test_when_fewer_than_the_threshold_wrote_anything_no_count_is_given(
    client: Client, scene: Scene
) -> None:
    scene.personas.organisation.disclosure_threshold = 10
    scene.personas.organisation.save()
    client.force_login(scene.personas.colleague)
    page = client.get(reverse("coding-themes"), {"scope": f"team-{scene.personas.team.pk}"})
    html = page.content.decode()
    assert "Fewer than 10 people wrote about what is not working" in html
    assert "6 people" not in html and "theme-1" not in html


def test_someone_outside_the_team_is_told_nothing(client: Client, scene: Scene) -> None:
    personas = scene.personas
    with pytest.raises(NotFound):
        narrative_themes(personas.outsider, north(personas))
    client.force_login(personas.outsider)
    page = client.get(reverse("coding-themes"), {"scope": f"team-{personas.team.pk}"})
    assert page.status_code == 404
    with pytest.raises(CommandError, match="No such team or organisation"):
        call_command(
            "themes",
            organisation=personas.organisation.slug,
            team="North",
            start="2020-01-01",
            end="2099-12-31",
            as_user=personas.outsider.username,
        )


def test_only_those_who_report_on_every_team_may_ask_for_the_whole_organisation(
    scene: Scene,
) -> None:
    personas = scene.personas
    organisation = f"org-{personas.organisation.pk}"
    assert organisation not in dict(theme_scopes(personas.owner))
    assert list(dict(theme_scopes(personas.analyst))) == [
        organisation,
        f"team-{personas.team.pk}",
        f"team-{personas.other_team.pk}",
    ]
    whole = ThemeRequest(
        personas.organisation, None, timezone.localdate() - timedelta(days=30), timezone.localdate()
    )
    report = narrative_themes(personas.analyst, whole)
    assert sorted(theme.people for theme in report.themes) == [3, 4]
    money = next(theme for theme in report.themes if "money" in theme.words)
    assert money.excerpts == ()  # nobody on South agreed to share quotes


def test_every_request_is_audited_with_ids_and_counts_never_words(scene: Scene) -> None:
    narrative_themes(scene.personas.colleague, north(scene.personas))
    event = AuditEvent.objects.filter(action="coding.themes.read").get()
    assert event.detail["themes"] == 1 and event.detail["smaller"] == 1
    assert event.detail["team"] == scene.personas.team.pk
    assert len(event.detail["people_quoted"]) == 3
    assert str(scene.unconsented.pk) not in event.detail["people_quoted"]
    assert "bus" not in json.dumps(event.detail).lower()


def test_the_command_prints_the_same_themes_as_json(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "themes",
        organisation=scene.personas.organisation.slug,
        team="North",
        start=(timezone.localdate() - timedelta(days=30)).isoformat(),
        end=timezone.localdate().isoformat(),
        json=True,
        as_user=scene.personas.colleague.username,
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["people"] == 6 and printed["smaller_themes_not_shown"] == 1
    assert [theme["people"] for theme in printed["themes"]] == [4]


def test_the_command_refuses_a_date_it_cannot_read(scene: Scene) -> None:
    with pytest.raises(CommandError, match="write YYYY-MM-DD"):
        call_command(
            "themes",
            organisation=scene.personas.organisation.slug,
            start="last spring",
            end="2026-12-31",
            as_user=scene.personas.analyst.username,
        )


def test_a_period_it_cannot_read_gets_an_error_summary(client: Client, scene: Scene) -> None:
    client.force_login(scene.personas.owner)
    page = client.get(
        reverse("coding-themes"), {"scope": f"team-{scene.personas.team.pk}", "period": "soon"}
    )
    assert page.status_code == 400
    assert "govuk-error-summary" in page.content.decode()
    assert "write a year (2026)" in page.content.decode()


def test_words_of_a_draft_conversation_do_not_count(scene: Scene) -> None:
    personas = scene.personas
    for i in range(4):  # enough people for a theme of their own, were drafts counted
        person = make_person(personas.owner, personas.team, given_name=f"D{i}")
        agreed(personas, person)
        say(personas, person, not_working="The ferry to the island was cancelled again.")
    report = narrative_themes(personas.colleague, north(personas))
    assert report.people == 6
    assert not any("ferry" in theme.words for theme in report.themes)
    assert not any("ferry" in e for theme in report.themes for e in theme.excerpts)


# GET /api/themes: the same rules through the API.


def api_themes(scene: Scene, who: str, **params: Any) -> tuple[int, Any]:
    personas = scene.personas
    token = issue_token(personas.system, getattr(personas, who), "test")
    today = timezone.localdate()
    query = {"held_from": today - timedelta(days=30), "held_to": today, **params}
    response = Client().get(
        f"/api/themes?{urlencode(query)}", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


def test_a_team_leader_gets_the_pages_themes_for_their_team(scene: Scene) -> None:
    status, body = api_themes(scene, "colleague", team=scene.personas.team.pk)
    assert status == 200
    assert (body["scope"], body["field"], body["threshold"], body["people"]) == (
        "North",
        "not_working",
        3,
        6,
    )
    (theme,) = body["themes"]
    assert theme["people"] == 4 and "bus" in theme["words"] and theme["number"] == 1
    assert set(theme["excerpts"]) <= set(BUSES)  # never the words of someone who did not agree
    assert SECRET_BUS not in str(body) and "Agnes" not in str(body)
    event = AuditEvent.objects.get(action="coding.themes.read")
    assert "bus" not in str(event.detail)


def test_an_analyst_may_ask_for_the_whole_organisation(scene: Scene) -> None:
    status, body = api_themes(scene, "analyst")
    assert status == 200 and body["people"] == 9
    assert sorted(theme["people"] for theme in body["themes"]) == [3, 4]  # buses; money


def test_who_may_not_ask_is_told_nothing(scene: Scene) -> None:
    personas = scene.personas
    status, body = api_themes(scene, "outsider", team=personas.team.pk)
    assert status == 404 and "North" not in str(body)
    status, _ = api_themes(scene, "owner")  # a practitioner does not report on every team
    assert status == 404
    # Roles that do not code (the national analyst, the auditor) get 403: see the access table.


def test_bad_requests_say_what_to_send(scene: Scene) -> None:
    today = timezone.localdate()
    status, body = api_themes(scene, "analyst", held_from=today, held_to=today - timedelta(days=1))
    assert status == 422 and "held_to" in body["errors"]
    status, body = api_themes(scene, "analyst", field="story")
    assert status == 422 and "field" in body["errors"]
    status, body = api_themes(scene, "analyst", period="2026")
    assert status == 422 and "period" in body["errors"]
    assert not AuditEvent.objects.filter(action="coding.themes.read").exists()
