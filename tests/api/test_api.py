from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from meaningful.api.models import ApiToken
from meaningful.api.tokens import issue_token
from meaningful.audit.models import AuditEvent
from meaningful.conversations.models import Conversation
from meaningful.demo.factories import Personas, make_conversation
from meaningful.people.models import Person


def call(
    client: Client, token: str | None, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "post":
        response = client.post(
            f"/api{path}", json.dumps(body or {}), content_type="application/json", headers=headers
        )
    else:
        response = client.get(f"/api{path}", headers=headers)
    return response.status_code, response.json() if response.content else None


@pytest.fixture
def tokens(personas: Personas) -> dict[str, str]:
    return {
        who: issue_token(personas.system, getattr(personas, who), "test")
        for who in ("owner", "colleague", "outsider", "analyst")
    }


def test_every_call_needs_a_live_token(
    client: Client, personas: Personas, person: Person, tokens: dict[str, str]
) -> None:
    assert call(client, None, "get", "/people")[0] == 401
    assert call(client, "mfl_not-a-real-token", "get", "/people")[0] == 401
    ApiToken.objects.update(revoked_at=timezone.now())
    assert call(client, tokens["owner"], "get", "/people")[0] == 401


def test_only_the_hash_of_a_token_is_stored(personas: Personas, tokens: dict[str, str]) -> None:
    stored = ApiToken.objects.values_list("key_hash", flat=True)
    assert all(token not in stored for token in tokens.values())


def test_the_caseload_and_a_person_follow_the_web_rules(
    client: Client, personas: Personas, person: Person, tokens: dict[str, str]
) -> None:
    status, page = call(client, tokens["owner"], "get", "/people?q=millar")
    assert status == 200 and [p["family_name"] for p in page["people"]] == ["Millar"]
    assert call(client, tokens["outsider"], "get", "/people")[1]["count"] == 0
    status, problem = call(client, tokens["owner"], "get", "/people?name=millar")
    assert status == 422 and "it takes q, page" in problem["errors"]["name"]
    status, detail = call(client, tokens["colleague"], "get", f"/people/{person.pk}")
    assert status == 200 and detail["about_me"].startswith("I want to keep living")
    for who in ("outsider", "analyst"):
        status, body = call(client, tokens[who], "get", f"/people/{person.pk}")
        assert status == 404 and "Millar" not in json.dumps(body)
    read = AuditEvent.objects.filter(action="person.read").last()
    assert read is not None and (read.channel, read.actor) == ("api", personas.colleague)


def test_recording_through_the_api_applies_the_same_rules(
    client: Client, personas: Personas, person: Person, tokens: dict[str, str]
) -> None:
    body = {
        "framework": "talking-points-service-users",
        "held_on": str(timezone.localdate()),
        "kind": "baseline",
        "records": [
            {
                "outcome": "seeing-people",
                "what_matters": "I want to see my sister",
                "agreed_level": "not-met",
            }
        ],
    }
    status, created = call(
        client, tokens["owner"], "post", f"/people/{person.pk}/conversations", body
    )
    assert status == 201 and created["status"] == "draft"
    assert created["records"][0]["agreed_level"] == "not-met"
    agree = f"/conversations/{created['id']}/agree"
    status, problem = call(client, tokens["owner"], "post", agree)
    assert status == 428 and '"version"' in problem["detail"]
    status, agreed = call(client, tokens["owner"], "post", agree, {"version": created["version"]})
    assert status == 200 and agreed["status"] == "agreed"
    bad = {**body, "kind": "chat", "records": [{"outcome": "flying"}]}
    status, problem = call(
        client, tokens["owner"], "post", f"/people/{person.pk}/conversations", bad
    )
    assert status == 422 and set(problem["errors"]) == {"kind", "records[0].outcome"}
    status, _ = call(client, tokens["outsider"], "post", f"/people/{person.pk}/conversations", body)
    assert status == 404
    assert Conversation.objects.count() == 1


def test_conversations_and_the_plan(
    client: Client, personas: Personas, person: Person, tokens: dict[str, str]
) -> None:
    make_conversation(personas.owner, person)
    status, conversations = call(
        client, tokens["owner"], "get", f"/people/{person.pk}/conversations"
    )
    assert status == 200 and len(conversations) == 1 and len(conversations[0]["records"]) == 2
    assert (
        call(client, tokens["owner"], "get", f"/people/{person.pk}/plan")[0] == 404
    )  # no plan yet


def test_the_fhir_record_follows_the_same_rules(
    client: Client, personas: Personas, person: Person, tokens: dict[str, str]
) -> None:
    make_conversation(personas.owner, person)
    status, bundle = call(client, tokens["colleague"], "get", f"/people/{person.pk}/fhir")
    assert status == 200 and bundle["resourceType"] == "Bundle"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "QuestionnaireResponse", "Goal", "Observation"} <= kinds
    for who in ("outsider", "analyst"):
        status, body = call(client, tokens[who], "get", f"/people/{person.pk}/fhir")
        assert status == 404 and "Millar" not in json.dumps(body)
    export = AuditEvent.objects.filter(action="export.fhir").get()
    assert (export.channel, export.actor, export.person_id) == (
        "api",
        personas.colleague,
        person.pk,
    )


def test_frameworks_are_listed_with_their_outcomes(
    client: Client, personas: Personas, tokens: dict[str, str]
) -> None:
    status, frameworks = call(client, tokens["analyst"], "get", "/frameworks")
    service_users = next(f for f in frameworks if f["slug"] == "talking-points-service-users")
    assert status == 200 and len(service_users["outcomes"]) == 15
    assert [lv["code"] for lv in service_users["levels"]] == ["not-met", "partly-met", "met"]


def test_the_openapi_document_declares_every_response(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401"} <= codes, (method, path)
            if "{person_id}" in path or "{conversation_id}" in path:
                assert {"404", "422"} <= codes, (method, path)


def test_the_command_issues_a_working_token(
    client: Client, personas: Personas, person: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("create_api_token", "--user", personas.owner.username, "--name", "case system")
    token = capsys.readouterr().out.strip()
    assert call(client, token, "get", f"/people/{person.pk}")[0] == 200
    assert AuditEvent.objects.filter(action="api-token.issue").exists()


def test_the_system_account_gets_no_token_and_an_old_one_does_not_work(
    client: Client, personas: Personas, person: Person
) -> None:
    with pytest.raises(CommandError, match="named member of staff"):
        call_command("create_api_token", "--user", personas.system.username, "--name", "sync")
    token = issue_token(personas.system, personas.owner, "sync")
    ApiToken.objects.filter(user=personas.owner).update(user=personas.system)
    assert call(client, token, "get", f"/people/{person.pk}")[0] == 401


def test_every_route_is_documented(client: Client) -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    schema = client.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method in operations:
            assert f"| {method.upper()} | `{path}` |" in docs, (
                f"{method} {path} is not in docs/api.md"
            )


def test_no_api_page_loads_scripts_from_elsewhere(client: Client) -> None:
    assert client.get("/api/docs").status_code == 404


def test_invisible_nul_characters_are_refused_not_crashed_on(
    client: Client, personas: Personas, person: Person, tokens: dict[str, str]
) -> None:
    assert call(client, tokens["owner"], "get", "/people?q=Mil%00lar")[0] == 200
    body = {
        "framework": "talking-points-service-users\x00",
        "held_on": str(timezone.localdate()),
        "kind": "baseline",
        "story": "A\x00B",
        "records": [{"outcome": "seeing-people"}],
    }
    assert (
        call(client, tokens["owner"], "post", f"/people/{person.pk}/conversations", body)[0] == 422
    )
    body["framework"] = "talking-points-service-users"
    status, problem = call(
        client, tokens["owner"], "post", f"/people/{person.pk}/conversations", body
    )
    assert status == 422 and "story" in problem["errors"]
