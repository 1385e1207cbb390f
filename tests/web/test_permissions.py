"""Every person-level view against every role: the forbidden paths fail and reveal nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meaningful.conversations.services import agree_conversation
from meaningful.demo.factories import PERSONA_PASSWORD, Personas, make_conversation, make_person
from meaningful.people.services import record_consent
from meaningful.plans.services import ActionInput, create_plan


@dataclass
class Scene:
    personas: Personas
    urls: dict[str, tuple[str, str]]  # name -> (method, url)


@pytest.fixture
def scene(personas: Personas) -> Scene:
    person = make_person(personas.owner, personas.team, given_name="Isobel", family_name="Quarrier")
    conversation = make_conversation(personas.owner, person)
    agree_conversation(personas.owner, conversation)
    plan = create_plan(
        personas.owner,
        person,
        starts_on=timezone.localdate() - timedelta(days=1),
        conversation=conversation,
        actions=[ActionInput("Find the lunch club number", "person")],
    )
    action = plan.actions.get()
    record = conversation.records.first()
    assert record is not None
    consent = record_consent(
        personas.owner, person, "share-anonymised-quotes", given_on=timezone.localdate()
    )
    pid, cid = person.pk, conversation.pk
    return Scene(
        personas,
        {
            "person": ("get", reverse("person", args=[pid])),
            "start": ("get", reverse("conversation-start", args=[pid])),
            "record": (
                "get",
                reverse("conversation-record", args=[pid])
                + "?kind=review&framework=talking-points-service-users&outcomes=feeling-safe",
            ),
            "conversation": ("get", reverse("conversation", args=[cid])),
            "edit-conversation": ("get", reverse("conversation-edit", args=[cid])),
            "agree": ("post", reverse("conversation-agree", args=[cid])),
            "agreed": ("get", reverse("conversation-agreed", args=[cid])),
            "edit-record": ("get", reverse("record-edit", args=[cid, record.pk])),
            "plan": ("get", reverse("plan", args=[pid])),
            "my-plan": ("get", reverse("my-plan", args=[pid])),
            "my-plan-pdf": ("get", reverse("my-plan-pdf", args=[pid])),
            "action-status": ("post", reverse("action-status", args=[action.pk])),
            "action-edit": ("get", reverse("action-edit", args=[action.pk])),
            "fhir": ("get", reverse("person-fhir", args=[pid])),
            "consent-record": ("get", reverse("consent-record", args=[pid])),
            "consent-withdraw": ("get", reverse("consent-withdraw", args=[pid, consent.pk])),
        },
    )


def visit(client: Client, method: str, url: str) -> tuple[int, str]:
    response = (
        client.post(url, {"status": "done", "version": 1}) if method == "post" else client.get(url)
    )
    body = (
        b"" if response.get("Content-Type", "").startswith("application/pdf") else response.content
    )
    return response.status_code, body.decode()


VIEWS = [
    "person",
    "start",
    "record",
    "conversation",
    "edit-conversation",
    "agree",
    "agreed",
    "edit-record",
    "plan",
    "my-plan",
    "my-plan-pdf",
    "action-status",
    "action-edit",
    "fhir",
    "consent-record",
    "consent-withdraw",
]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("who", ["owner", "colleague"])
def test_the_team_can_use_every_view(client: Client, scene: Scene, view: str, who: str) -> None:
    client.login(username=getattr(scene.personas, who).username, password=PERSONA_PASSWORD)
    status, _ = visit(client, *scene.urls[view])
    assert status in (200, 302), (view, who, status)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("who", ["outsider", "analyst", "admin"])
def test_others_get_not_found_and_learn_nothing(
    client: Client, scene: Scene, view: str, who: str
) -> None:
    client.login(username=getattr(scene.personas, who).username, password=PERSONA_PASSWORD)
    status, body = visit(client, *scene.urls[view])
    assert status == 404, (view, who, status)
    assert "Quarrier" not in body and "Isobel" not in body


@pytest.mark.parametrize("view", VIEWS)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, scene: Scene, view: str) -> None:
    method, url = scene.urls[view]
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_live_checker_needs_a_signed_in_user(client: Client) -> None:
    response = client.post(reverse("record-check"), {"what_matters": "Care plan followed"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["outsider", "analyst"])
def test_the_caseload_of_others_does_not_list_the_person(
    client: Client, scene: Scene, who: str
) -> None:
    client.login(username=getattr(scene.personas, who).username, password=PERSONA_PASSWORD)
    response = client.get(reverse("caseload") + "?q=Quarrier")
    assert response.status_code == 200
    body = response.content.decode()
    assert "0 people found for &lsquo;Quarrier&rsquo;." in body
    assert reverse("person", args=[scene.urls["person"][1].split("/")[2]]) not in body


def test_the_table_covers_every_person_level_route() -> None:
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    person_level = {
        "person",
        "conversation-start",
        "conversation-record",
        "conversation",
        "conversation-edit",
        "conversation-agree",
        "conversation-agreed",
        "record-edit",
        "plan",
        "my-plan",
        "my-plan-pdf",
        "action-status",
        "action-edit",
        "person-fhir",
        "consent-record",
        "consent-withdraw",
    }
    assert person_level <= names
    with_ids = {
        n
        for n in names
        if n.startswith(
            ("person", "conversation", "record-", "plan", "my-plan", "action-", "consent-")
        )
    }
    assert with_ids - {"record-check"} == person_level, "add the new view to this table"
