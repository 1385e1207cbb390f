"""Bad input in every API body, sent to records that exist: a clear 4xx or a whole save.

Schemathesis (test_api_fuzz.py) checks the answers against the OpenAPI description with ids it
makes up; here the bodies go to a real person, conversation and action, so that they reach the
rules and the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meaningful.api.tokens import issue_token
from meaningful.audit.models import Revision
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.conversations.services import agree_conversation
from meaningful.demo.factories import Personas, make_conversation
from meaningful.people.models import Person
from meaningful.plans.models import Action, SupportPlan
from meaningful.plans.services import ActionInput, create_plan
from meaningful.text import text_problem
from tests.web.test_bad_input import NASTY

pytestmark = pytest.mark.django_db

TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2),
)
VALUE = st.one_of(
    TEXT,
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(TEXT, max_size=3),
    st.dictionaries(TEXT, TEXT, max_size=2),
    st.sampled_from(["2024-02-29", "2024-02-30", "\u0662\u0660\u0662\u0664-01-01", "9999-12-31"]),
)


@dataclass(frozen=True)
class Scene:
    person: Person
    draft: Conversation
    action: Action


@pytest.fixture
def scene(personas: Personas, person: Person) -> Scene:
    agreed = make_conversation(
        personas.owner, person, held_on=timezone.localdate() - timedelta(days=30)
    )
    agree_conversation(personas.owner, agreed)
    plan = create_plan(
        personas.owner,
        person,
        starts_on=agreed.held_on,
        conversation=agreed,
        actions=[ActionInput("Phone the lunch club", "service")],
    )
    return Scene(person, make_conversation(personas.owner, person), plan.actions.get())


def version_of(record: Any) -> int:
    return int(type(record).objects.get(pk=record.pk).version)


@dataclass(frozen=True)
class Body:
    """An API operation on the scene, with a body that passes, to vary field by field."""

    method: str
    path: Callable[[Scene], str]
    valid: Callable[[Scene], dict[str, Any]]


def new_conversation(scene: Scene) -> dict[str, Any]:
    return {
        "framework": "talking-points-service-users",
        "held_on": str(timezone.localdate()),
        "kind": "review",
        "story": "We met at home.",
        "records": [{"outcome": "seeing-people", "what_matters": "To see my sister"}],
    }


BODIES = {
    "POST /api/people/{person_id}/conversations": Body(
        "post", lambda s: f"/api/people/{s.person.pk}/conversations", new_conversation
    ),
    "PATCH /api/conversations/{conversation_id}": Body(
        "patch",
        lambda s: f"/api/conversations/{s.draft.pk}",
        lambda s: {"version": version_of(s.draft), "reason": "typo", "story": "At home."},
    ),
    "PATCH /api/conversations/{conversation_id}/records/{outcome}": Body(
        "patch",
        lambda s: f"/api/conversations/{s.draft.pk}/records/seeing-people",
        lambda s: {
            "version": version_of(s.draft.records.get(outcome__code="seeing-people")),
            "reason": "her words",
            "working": "Jean visits",
        },
    ),
    "PATCH /api/people/{person_id}": Body(
        "patch",
        lambda s: f"/api/people/{s.person.pk}",
        lambda s: {"version": version_of(s.person), "reason": "moved", "postcode": "DD1 4HN"},
    ),
    "PATCH /api/actions/{action_id}": Body(
        "patch",
        lambda s: f"/api/actions/{s.action.pk}",
        lambda s: {"version": version_of(s.action), "status": "in-progress"},
    ),
    "POST /api/conversations/{conversation_id}/agree": Body(
        "post",
        lambda s: f"/api/conversations/{s.draft.pk}/agree",
        lambda s: {"version": version_of(s.draft)},
    ),
}
RECORD = st.fixed_dictionaries(
    {"outcome": st.one_of(st.just("feeling-safe"), TEXT)},
    optional={name: VALUE for name in ("what_matters", "agreed_level", "contributions")},
)
FIELDS = {
    "POST /api/people/{person_id}/conversations": [
        "framework",
        "held_on",
        "kind",
        "story",
        "participants",
        "next_review_due",
        "records",
    ],
    "PATCH /api/conversations/{conversation_id}": [
        "version",
        "reason",
        "held_on",
        "participants",
        "story",
        "next_review_due",
    ],
    "PATCH /api/conversations/{conversation_id}/records/{outcome}": [
        "version",
        "reason",
        "what_matters",
        "why_it_matters",
        "working",
        "not_working",
        "outcome_type",
        "contributions",
        "worker_level",
        "person_level",
        "agreed_level",
    ],
    "PATCH /api/people/{person_id}": [
        "version",
        "reason",
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "postcode",
        "sex",
        "client_group",
        "is_carer",
        "about_me",
    ],
    "PATCH /api/actions/{action_id}": [
        "version",
        "reason",
        "description",
        "owner",
        "owner_name",
        "due_on",
        "status",
    ],
    "POST /api/conversations/{conversation_id}/agree": ["version"],
}


def changes_to(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    """One to three of the operation's own fields with random values, or a field it lacks."""
    value = st.one_of(VALUE, st.lists(RECORD, max_size=3))
    own = st.dictionaries(st.sampled_from(FIELDS[operation]), value, min_size=1, max_size=3)
    return st.one_of(own, st.dictionaries(TEXT, VALUE, min_size=1, max_size=1))


def stored() -> tuple[Any, ...]:
    """What an answer that refuses a body must leave as it was."""
    return (
        list(Conversation.objects.order_by("pk").values_list("pk", "version", "status")),
        list(OutcomeRecord.objects.order_by("pk").values_list("pk", "version")),
        list(Person.objects.order_by("pk").values_list("pk", "version")),
        list(Action.objects.order_by("pk").values_list("pk", "version")),
        SupportPlan.objects.count(),
        Revision.objects.count(),
    )


def storable(value: Any) -> bool:
    if isinstance(value, str):
        return text_problem(value, limit=None) is None
    if isinstance(value, list):
        return all(storable(item) for item in value)
    if isinstance(value, dict):
        return all(storable(item) for item in value.values())
    return True


@pytest.mark.parametrize("operation", sorted(BODIES))
def test_random_bodies_get_a_clear_refusal_or_a_whole_save(
    client: Client, personas: Personas, scene: Scene, operation: str
) -> None:
    body = BODIES[operation]
    headers = {"Authorization": f"Bearer {issue_token(personas.system, personas.owner, 'fuzz')}"}

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(changes=changes_to(operation))
    def check(changes: dict[str, Any]) -> None:
        before = stored()
        send = client.post if body.method == "post" else client.patch
        response = send(
            body.path(scene),
            json.dumps({**body.valid(scene), **changes}),
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code in (200, 201, 400, 409, 422, 428), response.content
        answer = response.json()
        if response.status_code >= 400:
            assert answer["detail"]
            assert stored() == before, "a refused body changed what is stored"
        else:
            assert storable(answer)

    check()


def test_a_10_mb_body_gets_413(client: Client, personas: Personas, scene: Scene) -> None:
    token = issue_token(personas.system, personas.owner, "big")
    body = {"version": 1, "reason": "typo", "story": "x" * (10 * 1024 * 1024)}
    response = client.patch(
        f"/api/conversations/{scene.draft.pk}",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413
    assert "larger than the 2,621,440 bytes" in response.json()["detail"]
    assert version_of(scene.draft) == 1


@pytest.mark.parametrize(
    "raw",
    [b'{"version": 1, "story": "\xff\xfe"}', b"\x00", b'{"version": 1,', b"[]"],
    ids=["broken UTF-8", "NUL", "cut short", "not an object"],
)
def test_a_body_that_is_not_json_gets_a_clear_answer(
    client: Client, personas: Personas, scene: Scene, raw: bytes
) -> None:
    token = issue_token(personas.system, personas.owner, "raw")
    response = client.patch(
        f"/api/conversations/{scene.draft.pk}",
        raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422) and response.json()["detail"]
    assert version_of(scene.draft) == 1


def test_a_nul_in_the_address_is_not_found(
    client: Client, personas: Personas, scene: Scene
) -> None:
    token = issue_token(personas.system, personas.owner, "nul")
    response = client.patch(
        f"/api/conversations/{scene.draft.pk}/records/seeing%00people",
        json.dumps({"version": 1, "reason": "x", "working": "y"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404
