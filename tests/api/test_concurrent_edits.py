"""Concurrent edits through the API: every change sends the version it was based on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from meaningful.api.tokens import issue_token
from meaningful.audit.models import AuditEvent
from meaningful.conversations.models import Conversation
from meaningful.conversations.services import agree_conversation
from meaningful.demo.factories import Personas, make_conversation
from meaningful.people.models import Person
from meaningful.plans.models import Action
from meaningful.plans.services import ActionInput, create_plan


class Caller:
    """An API client acting with one user's token."""

    def __init__(self, client: Client, token: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        response = self.client.get(f"/api{path}", headers=self.headers)
        assert response.status_code == 200, response.content
        return response.json()

    def send(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        send = self.client.patch if method == "patch" else self.client.post
        response = send(
            f"/api{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )
        return response.status_code, response.json()


@pytest.fixture
def owner(client: Client, personas: Personas) -> Caller:
    return Caller(client, issue_token(personas.system, personas.owner, "case system"))


@pytest.fixture
def colleague(client: Client, personas: Personas) -> Caller:
    return Caller(client, issue_token(personas.system, personas.colleague, "reporting tool"))


@pytest.fixture
def conversation(personas: Personas, person: Person) -> Conversation:
    return make_conversation(personas.owner, person)


def test_two_clients_correct_the_same_conversation_and_the_second_gets_409(
    owner: Caller, colleague: Caller, personas: Personas, conversation: Conversation
) -> None:
    path = f"/conversations/{conversation.pk}"
    read_by_owner, read_by_colleague = owner.get(path), colleague.get(path)
    assert read_by_owner["version"] == read_by_colleague["version"] == 1

    status, saved = owner.send(
        "patch", path, {"version": 1, "reason": "typo", "story": "We met at home."}
    )
    assert (status, saved["version"], saved["story"]) == (200, 2, "We met at home.")
    status, refused = colleague.send(
        "patch", path, {"version": 1, "reason": "typo", "story": "We met at the day centre."}
    )

    assert status == 409
    assert refused["version"] == 2 and refused["current"]["story"] == "We met at home."
    assert {r["outcome"] for r in refused["current"]["records"]} == {
        "seeing-people",
        "feeling-safe",
    }
    assert refused["saved_by"] == "Test-Partnership-Owner Tester"
    assert refused["saved_at"] is not None
    assert "Owner Tester saved a change to this record" in refused["detail"]
    assert "based on version 2" in refused["detail"]
    conversation.refresh_from_db()
    assert (conversation.story, conversation.version) == ("We met at home.", 2)
    event = AuditEvent.objects.get(action="conversation.update.refused")
    assert (event.actor, event.channel) == (personas.colleague, "api")


def test_a_change_without_a_version_gets_428_and_changes_nothing(
    owner: Caller, conversation: Conversation, person: Person
) -> None:
    for path, body in [
        (f"/conversations/{conversation.pk}", {"reason": "typo", "story": "New"}),
        (
            f"/conversations/{conversation.pk}/records/seeing-people",
            {"reason": "x", "working": "New"},
        ),
        (f"/people/{person.pk}", {"reason": "moved", "postcode": "DD1 1AA"}),
        (f"/conversations/{conversation.pk}/records/seeing-people", {"reason": "x"}),
    ]:
        status, problem = owner.send("patch", path, body)
        assert status == 428, path
        assert 'Send "version"' in problem["detail"]
    status, _ = owner.send("post", f"/conversations/{conversation.pk}/agree", {})
    assert status == 428
    conversation.refresh_from_db()
    person.refresh_from_db()
    assert (conversation.version, conversation.status, person.version) == (1, "draft", 1)


def test_two_clients_correct_the_same_outcome_record(
    owner: Caller, colleague: Caller, conversation: Conversation
) -> None:
    path = f"/conversations/{conversation.pk}/records/seeing-people"
    [record] = [
        r
        for r in owner.get(f"/conversations/{conversation.pk}")["records"]
        if r["outcome"] == "seeing-people"
    ]
    status, saved = owner.send(
        "patch",
        path,
        {"version": record["version"], "reason": "her words", "agreed_level": "met"},
    )
    assert (status, saved["agreed_level"], saved["version"]) == (200, "met", 2)
    status, refused = colleague.send(
        "patch",
        path,
        {"version": record["version"], "reason": "x", "agreed_level": None, "working": "Bus"},
    )
    assert status == 409
    assert refused["current"]["agreed_level"] == "met" and refused["version"] == 2
    status, saved = colleague.send(
        "patch", path, {"version": 2, "reason": "merged", "working": "Bus"}
    )
    assert (status, saved["agreed_level"], saved["working"]) == (200, "met", "Bus")


def test_two_clients_change_the_same_action_and_person(
    owner: Caller, colleague: Caller, personas: Personas, conversation: Conversation
) -> None:
    agree_conversation(personas.owner, conversation)
    plan = create_plan(
        personas.owner,
        conversation.person,
        starts_on=timezone.localdate(),
        conversation=conversation,
        actions=[ActionInput("Phone the lunch club", "service")],
    )
    action = plan.actions.get()
    [listed] = owner.get(f"/people/{conversation.person_id}/plan")["actions"]
    assert listed["version"] == 1
    assert owner.send("patch", f"/actions/{action.pk}", {"version": 1, "status": "done"})[0] == 200
    status, refused = colleague.send(
        "patch", f"/actions/{action.pk}", {"version": 1, "status": "dropped"}
    )
    assert (status, refused["current"]["status"]) == (409, "done")
    assert Action.objects.get(pk=action.pk).status == "done"

    person_path = f"/people/{conversation.person_id}"
    version = owner.get(person_path)["version"]
    change = {"version": version, "reason": "moved"}
    assert owner.send("patch", person_path, {**change, "postcode": "DD1 1AA"})[0] == 200
    status, refused = colleague.send("patch", person_path, {**change, "postcode": "DD2 2BB"})
    assert (status, refused["current"]["postcode"]) == (409, "DD1 1AA")
    assert Person.objects.get(pk=conversation.person_id).postcode == "DD1 1AA"


def test_agreeing_a_conversation_changed_since_it_was_read_gets_409(
    owner: Caller, colleague: Caller, conversation: Conversation
) -> None:
    read = owner.get(f"/conversations/{conversation.pk}")
    colleague.send(
        "patch",
        f"/conversations/{conversation.pk}",
        {"version": 1, "reason": "her words", "participants": "Agnes and Jean"},
    )
    status, refused = owner.send(
        "post", f"/conversations/{conversation.pk}/agree", {"version": read["version"]}
    )
    assert (status, refused["current"]["participants"]) == (409, "Agnes and Jean")
    conversation.refresh_from_db()
    assert conversation.status == "draft"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"held_on": None}, "held_on"),
        ({"story": None}, "story"),
        ({"stroy": "typo in the name"}, "stroy"),
        ({"story": "A\x00B"}, "story"),
        ({"story": "broken \ud800 text"}, "story"),
        ({"story": "x" * 20_001}, "story"),
        ({"participants": "x" * 301}, "participants"),
        ({"reason": ""}, "reason"),
        ({"reason": "y" * 301}, "reason"),
    ],
    ids=[
        "null date",
        "null text",
        "unknown field",
        "NUL",
        "lone surrogate",
        "long story",
        "long participants",
        "empty reason",
        "long reason",
    ],
)
def test_a_change_that_breaks_a_rule_gets_422_naming_the_field(
    owner: Caller, conversation: Conversation, body: dict[str, Any], field: str
) -> None:
    change = {"version": 1, "reason": "typo", **body}
    status, problem = owner.send("patch", f"/conversations/{conversation.pk}", change)
    assert status == 422 and field in problem["errors"], problem
    conversation.refresh_from_db()
    assert conversation.version == 1


def test_an_outsider_learns_nothing_from_a_change(
    client: Client, personas: Personas, conversation: Conversation
) -> None:
    outsider = Caller(client, issue_token(personas.system, personas.outsider, "elsewhere"))
    for path, body in [
        (f"/conversations/{conversation.pk}", {"reason": "x"}),
        (f"/conversations/{conversation.pk}/records/seeing-people", {"reason": "x"}),
        (f"/people/{conversation.person_id}", {"reason": "x"}),
    ]:
        status, problem = outsider.send("patch", path, body)
        assert status == 404 and "Millar" not in json.dumps(problem)
