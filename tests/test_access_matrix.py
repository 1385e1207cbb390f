"""Every route and API operation against every role: the access table of docs/access.md, enforced.

Each row names a route (a URL pattern name) or an API operation ("METHOD /api/path") and the
outcome each role gets, in the order of ROLES:

- OK: the page or answer (200, 201 or 204), or a redirect to a page of the same feature;
- HIDDEN: 404, "not found": the rule for person-level records is that others learn nothing;
- DENIED: 403, the role may know the feature exists but may not use it;
- SIGN_IN: a redirect to the sign-in page (the admin's own for admin pages), or 401 for the API.

The admin site is covered as one family: its index and the change list of every registered
model. Its other pages (add, change, delete, history, password) apply the same permission
checks to one row and are left out of the table on purpose.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.http import HttpResponse, HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from meaningful.accounts.models import Role, User
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.accounts.two_factor import CODE, SET_UP
from meaningful.api.api import api
from meaningful.api.models import ApiToken
from meaningful.api.tokens import issue_token
from meaningful.conversations.services import agree_conversation
from meaningful.demo.factories import (
    PERSONA_PASSWORD,
    Personas,
    make_conversation,
    make_person,
    set_up_two_factor,
)
from meaningful.national.services import store_returns
from meaningful.people.erasure import raise_erasure_request
from meaningful.people.services import record_consent
from meaningful.plans.services import ActionInput, create_plan
from tests.national.returns import make_return, many

OK, HIDDEN, DENIED, SIGN_IN = "ok", "not found", "forbidden", "sign in"

ROLES = (
    "practitioner",  # on the person's team
    "team-leader",  # of the person's team
    "other-team",  # a practitioner on another team of the same organisation
    "analyst",
    "org-admin",
    "national-analyst",
    "auditor",
    "system",  # the installation's system account, had it a session or a token
    "anonymous",
)
FAMILY_NAME = "Quarrier"


@dataclass(frozen=True)
class Scene:
    """One organisation, a person on the North team with an agreed conversation, a plan and a draft."""

    users: dict[str, User]
    person_id: str
    agreed_id: str
    draft_id: str
    record_id: int
    action_id: int
    consent_id: int
    erasure_id: int
    national_return_id: int = 0
    national_period: str = ""
    team_id: int = 0  # the person's team (North)
    api_token_id: int = 0  # the practitioner's API token


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    data: dict[str, Any] | None = None


Build = Callable[[Scene], Call]


def get(name: str, *args: Callable[[Scene], object], query: str = "") -> Build:
    return lambda s: Call("get", reverse(name, args=[arg(s) for arg in args]) + query)


def post(name: str, *args: Callable[[Scene], object], data: dict[str, Any] | None = None) -> Build:
    return lambda s: Call("post", reverse(name, args=[arg(s) for arg in args]), data or {})


def person(s: Scene) -> str:
    return s.person_id


def agreed(s: Scene) -> str:
    return s.agreed_id


def draft(s: Scene) -> str:
    return s.draft_id


def record(s: Scene) -> int:
    return s.record_id


def action(s: Scene) -> int:
    return s.action_id


def consent(s: Scene) -> int:
    return s.consent_id


def erasure(s: Scene) -> int:
    return s.erasure_id


def api_token(s: Scene) -> int:
    return s.api_token_id


def practitioner(s: Scene) -> int:
    return s.users["practitioner"].pk


def national_return(s: Scene) -> int:
    return s.national_return_id


def national_period(s: Scene) -> str:
    return s.national_period


def outcome_code(s: Scene) -> int:
    """The codebook's code for an outcome of the scene's conversation."""
    from meaningful.coding.codebook_services import ensure_outcome_codes
    from meaningful.coding.models import Code
    from meaningful.people.models import Person

    ensure_outcome_codes(Person.objects.get(pk=s.person_id).organisation)
    return Code.objects.get(
        outcome_code="seeing-people", framework_slug="talking-points-service-users"
    ).pk


def coded_passage(s: Scene) -> int:
    """The story of the agreed conversation, coded by the practitioner."""
    from meaningful.coding.services import apply_codes
    from meaningful.conversations.models import Conversation

    conversation = Conversation.objects.get(pk=s.agreed_id)
    (segment,) = apply_codes(
        s.users["practitioner"], conversation, narrative_key="story", code_ids=[outcome_code(s)]
    )
    return segment.pk


def suggested_code(s: Scene) -> int:
    """A suggestion waiting on the story of the agreed conversation."""
    from meaningful.coding.models import CodedSegment, Origin
    from meaningful.coding.texts import text_hash
    from meaningful.conversations.models import Conversation

    conversation = Conversation.objects.get(pk=s.agreed_id)
    return CodedSegment.objects.create(
        conversation=conversation,
        field="story",
        start=0,
        end=len(conversation.story),
        text_hash=text_hash(conversation.story),
        code_id=outcome_code(s),
        origin=Origin.MODEL,
        confidence=0.5,
    ).pk


# Outcomes in the order of ROLES: practitioner, team leader, other team, analyst, org-admin,
# national analyst, auditor, system, anonymous.
TEAM_ONLY = (OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, DENIED, SIGN_IN)
EVERY_SIGNED_IN = (OK, OK, OK, OK, OK, OK, OK, DENIED, SIGN_IN)
EVERYBODY = (OK, OK, OK, OK, OK, OK, OK, OK, OK)
ADMINS_ONLY = (DENIED, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED, SIGN_IN)
NOT_STAFF = (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN)  # national analyst, auditor, system, anonymous
NATIONAL_ONLY = (DENIED, DENIED, DENIED, DENIED, DENIED, OK, DENIED, DENIED, SIGN_IN)
RECORD_QUERY = "?kind=review&framework=talking-points-service-users&outcomes=feeling-safe"
# The coding workbench: everyone who codes; the codebook's keepers; and the words of a person on
# the practitioner's team who agreed to share anonymised quotes (analysts see them pseudonymised).
CODERS = (OK, OK, OK, OK, OK, DENIED, DENIED, DENIED, SIGN_IN)
KEEPERS = (DENIED, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED, SIGN_IN)
CONSENTED = (OK, OK, HIDDEN, OK, OK, DENIED, DENIED, DENIED, SIGN_IN)

# Web routes, by URL pattern name, each with how to call it and what each role gets.
ROUTES: dict[str, tuple[Build, tuple[str, ...]]] = {
    "home": (get("home"), EVERY_SIGNED_IN),
    "login": (get("login"), EVERYBODY),
    "two-factor-code": (get("two-factor-code"), (OK, OK, OK, OK, OK, OK, OK, OK, SIGN_IN)),
    "logout": (post("logout"), EVERYBODY),
    "keep-session": (post("keep-session"), (OK, OK, OK, OK, OK, OK, OK, OK, SIGN_IN)),
    "health": (get("health"), EVERYBODY),
    "two-factor": (get("two-factor"), EVERY_SIGNED_IN),
    "two-factor-set-up": (get("two-factor-set-up"), EVERY_SIGNED_IN),
    "two-factor-recovery-codes": (get("two-factor-recovery-codes"), EVERY_SIGNED_IN),
    "two-factor-turn-off": (get("two-factor-turn-off"), EVERY_SIGNED_IN),
    "two-factor-reset": (get("two-factor-reset", practitioner), ADMINS_ONLY),
    "staff-new": (get("staff-new"), ADMINS_ONLY),
    "staff-sign-in-link": (get("staff-sign-in-link", practitioner), ADMINS_ONLY),
    # A link that does not work: everybody is told so (a working one is tested in onboarding).
    "set-password": (get("set-password", lambda s: "MQ", lambda s: "not-a-token"), EVERYBODY),
    "caseload": (get("caseload"), EVERY_SIGNED_IN),
    "person": (get("person", person), TEAM_ONLY),
    "reports": (get("reports"), (OK, OK, OK, OK, OK, DENIED, DENIED, DENIED, SIGN_IN)),
    "report-download": (
        get("report-download", lambda s: "csv"),
        (OK, OK, OK, OK, OK, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "returns": (get("returns"), (DENIED, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED, SIGN_IN)),
    "return-download": (
        post("return-download", data={"period": "2026", "kind": "draft"}),
        (DENIED, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "conversation-start": (get("conversation-start", person), TEAM_ONLY),
    "conversation-record": (get("conversation-record", person, query=RECORD_QUERY), TEAM_ONLY),
    "record-check": (
        post("record-check", data={"what_matters": "Care plan followed"}),
        (OK, OK, OK, OK, OK, OK, OK, OK, SIGN_IN),
    ),
    "conversation": (get("conversation", agreed), TEAM_ONLY),
    "conversation-agree": (post("conversation-agree", draft, data={"version": 1}), TEAM_ONLY),
    "conversation-edit": (get("conversation-edit", agreed), TEAM_ONLY),
    "conversation-agreed": (get("conversation-agreed", agreed), TEAM_ONLY),
    "record-edit": (get("record-edit", agreed, record), TEAM_ONLY),
    "plan": (get("plan", person), TEAM_ONLY),
    "my-plan": (get("my-plan", person), TEAM_ONLY),
    "my-plan-pdf": (get("my-plan-pdf", person), TEAM_ONLY),
    "action-status": (
        post("action-status", action, data={"status": "done", "version": 1}),
        TEAM_ONLY,
    ),
    "action-edit": (get("action-edit", action), TEAM_ONLY),
    "api-tokens": (get("api-tokens"), EVERY_SIGNED_IN),
    "api-token-revoke": (
        post("api-token-revoke", api_token),
        (OK, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, DENIED, SIGN_IN),
    ),
    "import-upload": (
        get("import-upload"),
        (DENIED, OK, DENIED, DENIED, OK, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "audit-log": (
        get("audit-log"),
        (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, OK, DENIED, SIGN_IN),
    ),
    "audit-export": (
        get("audit-export", lambda s: "csv"),
        (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, OK, DENIED, SIGN_IN),
    ),
    "break-glass": (
        get("break-glass"),
        (DENIED, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "subject-access": (
        get("subject-access"),
        (DENIED, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "erasure-requests": (get("erasure-requests"), ADMINS_ONLY),
    "erasure-request-new": (get("erasure-request-new"), ADMINS_ONLY),
    "erasure-request": (get("erasure-request", erasure), ADMINS_ONLY),
    "consent-record": (get("consent-record", person), TEAM_ONLY),
    "consent-withdraw": (get("consent-withdraw", person, consent), TEAM_ONLY),
    "export-records": (
        get("export-records", lambda s: "csv"),
        (OK, OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "person-fhir": (get("person-fhir", person), TEAM_ONLY),
    "export-pseudonymised": (
        get("export-pseudonymised", lambda s: "csv"),
        (DENIED, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "coding": (get("coding"), CODERS),
    "coding-codebook": (get("coding-codebook"), CODERS),
    "coding-code-new": (get("coding-code-new"), KEEPERS),
    "coding-import": (get("coding-import"), KEEPERS),
    "coding-export": (get("coding-export", lambda s: "qdpx"), CODERS),
    "coding-code": (get("coding-code", outcome_code), CODERS),
    "coding-code-edit": (get("coding-code-edit", outcome_code), KEEPERS),
    "coding-narrative": (get("coding-narrative", agreed), CONSENTED),
    "coding-finished": (post("coding-finished", agreed, data={"finished": "yes"}), CONSENTED),
    "coding-segment": (get("coding-segment", coded_passage), CONSENTED),
    "coding-segment-remove": (
        post("coding-segment-remove", coded_passage),
        (OK, DENIED, HIDDEN, DENIED, DENIED, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "coding-suggestion": (
        post("coding-suggestion", suggested_code, data={"decision": "accept"}),
        CONSENTED,
    ),
    "coding-cooccurrence": (get("coding-cooccurrence"), CODERS),
    "coding-agreement": (get("coding-agreement"), CODERS),
    "coding-themes": (get("coding-themes"), CODERS),
    "search": (
        get("search", query="?q=sister"),
        (OK, OK, OK, OK, DENIED, DENIED, DENIED, DENIED, SIGN_IN),
    ),
    "national": (get("national"), NATIONAL_ONLY),
    "national-report": (get("national-report", national_period), NATIONAL_ONLY),
    "national-download": (
        get("national-download", national_period, lambda s: "csv"),
        NATIONAL_ONLY,
    ),
    "national-withdraw": (post("national-withdraw", national_return), NATIONAL_ONLY),
    "api:openapi-json": (get("api:openapi-json"), EVERYBODY),
    "api:api-root": (get("api:api-root"), (HIDDEN,) * 9),
    # The admin family: organisation administrators only, each seeing their own organisation.
    "admin-sign-in": (get("admin-sign-in"), ADMINS_ONLY),
    "admin:index": (get("admin:index"), (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF)),
    "admin:auth_group_changelist": (
        get("admin:auth_group_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, DENIED, *NOT_STAFF),
    ),
    "admin:accounts_organisation_changelist": (
        get("admin:accounts_organisation_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF),
    ),
    "admin:accounts_service_changelist": (
        get("admin:accounts_service_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF),
    ),
    "admin:accounts_team_changelist": (
        get("admin:accounts_team_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF),
    ),
    "admin:accounts_membership_changelist": (
        get("admin:accounts_membership_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF),
    ),
    "admin:accounts_user_changelist": (
        get("admin:accounts_user_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF),
    ),
    "admin:audit_auditevent_changelist": (
        get("admin:audit_auditevent_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, DENIED, *NOT_STAFF),
    ),
    "admin:frameworks_framework_changelist": (
        get("admin:frameworks_framework_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF),
    ),
    "admin:frameworks_scale_changelist": (
        get("admin:frameworks_scale_changelist"),
        (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, OK, *NOT_STAFF),
    ),
}


def new_conversation(s: Scene) -> dict[str, Any]:
    return {
        "framework": "talking-points-service-users",
        "held_on": str(timezone.localdate()),
        "kind": "review",
        "records": [{"outcome": "seeing-people", "what_matters": "I want to see my sister more"}],
    }


API_TEAM_ONLY = (OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SIGN_IN, SIGN_IN)
API_EVERY_TOKEN = (OK, OK, OK, OK, OK, OK, OK, SIGN_IN, SIGN_IN)

# API operations, as "METHOD /api/path" in the OpenAPI description; a call without a live token
# (and every call with a token of the system account) gets 401.
API: dict[str, tuple[Callable[[Scene], Call], tuple[str, ...]]] = {
    "GET /api/frameworks": (lambda s: Call("get", "/api/frameworks"), API_EVERY_TOKEN),
    "GET /api/people": (lambda s: Call("get", "/api/people"), API_EVERY_TOKEN),
    "GET /api/people/{person_id}": (
        lambda s: Call("get", f"/api/people/{s.person_id}"),
        API_TEAM_ONLY,
    ),
    "GET /api/people/{person_id}/conversations": (
        lambda s: Call("get", f"/api/people/{s.person_id}/conversations"),
        API_TEAM_ONLY,
    ),
    "POST /api/people/{person_id}/conversations": (
        lambda s: Call("post", f"/api/people/{s.person_id}/conversations", new_conversation(s)),
        API_TEAM_ONLY,
    ),
    "POST /api/conversations/{conversation_id}/agree": (
        lambda s: Call("post", f"/api/conversations/{s.draft_id}/agree", {"version": 1}),
        API_TEAM_ONLY,
    ),
    "GET /api/conversations/{conversation_id}": (
        lambda s: Call("get", f"/api/conversations/{s.agreed_id}"),
        API_TEAM_ONLY,
    ),
    "PATCH /api/conversations/{conversation_id}": (
        lambda s: Call(
            "patch",
            f"/api/conversations/{s.draft_id}",
            {"version": 1, "reason": "typo", "story": "We met at the day centre."},
        ),
        API_TEAM_ONLY,
    ),
    "PATCH /api/conversations/{conversation_id}/records/{outcome}": (
        lambda s: Call(
            "patch",
            f"/api/conversations/{s.draft_id}/records/seeing-people",
            {"version": 1, "reason": "her words", "what_matters": "To see my sister"},
        ),
        API_TEAM_ONLY,
    ),
    "PATCH /api/people/{person_id}": (
        lambda s: Call(
            "patch",
            f"/api/people/{s.person_id}",
            {"version": 1, "reason": "moved", "postcode": "DD1 4HN"},
        ),
        API_TEAM_ONLY,
    ),
    "PATCH /api/actions/{action_id}": (
        lambda s: Call("patch", f"/api/actions/{s.action_id}", {"version": 1, "status": "done"}),
        API_TEAM_ONLY,
    ),
    "GET /api/people/{person_id}/fhir": (
        lambda s: Call("get", f"/api/people/{s.person_id}/fhir"),
        API_TEAM_ONLY,
    ),
    "GET /api/people/{person_id}/plan": (
        lambda s: Call("get", f"/api/people/{s.person_id}/plan"),
        API_TEAM_ONLY,
    ),
    "GET /api/themes": (
        lambda s: Call(
            "get", f"/api/themes?held_from=2026-01-01&held_to=2026-12-31&team={s.team_id}"
        ),
        (OK, OK, HIDDEN, OK, OK, DENIED, DENIED, SIGN_IN, SIGN_IN),
    ),
    "GET /api/search": (
        lambda s: Call("get", "/api/search?q=sister"),
        (OK, OK, OK, OK, DENIED, DENIED, DENIED, SIGN_IN, SIGN_IN),
    ),
}


@pytest.fixture
def scene(personas: Personas) -> Scene:
    system, organisation = personas.system, personas.organisation
    national = create_staff_user(
        system, organisation, username="matrix-national", first_name="Nia", last_name="National"
    )
    grant_role(system, national, Role.NATIONAL_ANALYST)
    auditor = create_staff_user(
        system, organisation, username="matrix-auditor", first_name="Aud", last_name="Itor"
    )
    grant_role(system, auditor, Role.AUDITOR, organisation=organisation)
    someone = make_person(
        personas.owner, personas.team, given_name="Isobel", family_name=FAMILY_NAME
    )
    conversation = make_conversation(personas.owner, someone)
    agree_conversation(personas.owner, conversation)
    plan = create_plan(
        personas.owner,
        someone,
        starts_on=timezone.localdate() - timedelta(days=1),
        conversation=conversation,
        actions=[ActionInput("Find the lunch club number", "person")],
    )
    first = conversation.records.first()
    assert first is not None
    pending = make_conversation(personas.owner, someone, kind="review")
    agreed_to = record_consent(
        personas.owner, someone, "share-anonymised-quotes", given_on=timezone.localdate()
    )
    second_admin = create_staff_user(
        system, organisation, username="matrix-admin-2", first_name="Ad", last_name="Two"
    )
    grant_role(system, second_admin, Role.ORG_ADMIN, organisation=organisation)
    asked = raise_erasure_request(
        second_admin,
        someone,
        asked_on=timezone.localdate(),
        what_was_asked="Erase everything held, asked by letter.",
    )
    stored = store_returns(
        system,
        [
            (
                "north.json",
                json.dumps(make_return("north", many(12, outcome="feeling-safe"))).encode(),
            )
        ],
    ).stored[0]
    issue_token(system, personas.owner, "case system sync")
    return Scene(
        api_token_id=ApiToken.objects.get(user=personas.owner).pk,
        users={
            "practitioner": personas.owner,
            "team-leader": personas.colleague,
            "other-team": personas.outsider,
            "analyst": personas.analyst,
            "org-admin": personas.admin,
            "national-analyst": national,
            "auditor": auditor,
            "system": system,
        },
        person_id=str(someone.pk),
        team_id=personas.team.pk,
        agreed_id=str(conversation.pk),
        draft_id=str(pending.pk),
        record_id=first.pk,
        action_id=plan.actions.get().pk,
        consent_id=agreed_to.pk,
        erasure_id=asked.pk,
        national_return_id=stored.pk,
        national_period=stored.period_label,
    )


def outcome_of(response: HttpResponseBase) -> str:
    status = response.status_code
    if status == 401:
        return SIGN_IN
    if status == 302:
        location = response["Location"]
        if location.startswith((reverse("login"), reverse("admin:login"))) and "next=" in location:
            return SIGN_IN
        return OK
    return {200: OK, 201: OK, 204: OK, 403: DENIED, 404: HIDDEN}.get(status, f"status {status}")


def body_of(response: HttpResponseBase) -> str:
    if not isinstance(response, HttpResponse) or response["Content-Type"] == "application/pdf":
        return ""
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_role_gets_what_the_table_says_on_each_page(
    client: Client, scene: Scene, route: str, role: str
) -> None:
    build, expected = ROUTES[route]
    if role != "anonymous":
        client.force_login(scene.users[role])
    call = build(scene)
    if call.method == "post":
        response = client.post(call.url, call.data or {})
    else:
        response = client.get(call.url)
    want = expected[ROLES.index(role)]
    assert outcome_of(response) == want, f"{route} as {role}: {response.status_code}"
    if want != OK:
        assert FAMILY_NAME not in body_of(response)


def token_for(scene: Scene, role: str) -> str | None:
    if role == "anonymous":
        return None
    user = scene.users[role]
    if user.is_system:  # a token stored before the rule that refuses to issue one
        token = "mfl_system-account-token"
        key_hash = hashlib.sha256(token.encode()).hexdigest()
        ApiToken.objects.create(
            user=user, name="old", key_hash=key_hash, expires_at=timezone.now() + timedelta(days=1)
        )
        return token
    return issue_token(scene.users["system"], user, "access table")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(API))
def test_each_role_gets_what_the_table_says_from_the_api(
    client: Client, scene: Scene, operation: str, role: str
) -> None:
    build, expected = API[operation]
    token = token_for(scene, role)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    call = build(scene)
    response = api_call(client, call, headers)
    want = expected[ROLES.index(role)]
    assert outcome_of(response) == want, f"{operation} as {role}: {response.status_code}"
    if want != OK:
        assert FAMILY_NAME not in body_of(response)


def api_call(client: Client, request: Call, headers: dict[str, str]) -> HttpResponseBase:
    if request.method in ("post", "patch"):
        send = client.post if request.method == "post" else client.patch
        body = json.dumps(request.data)
        return send(request.url, body, content_type="application/json", headers=headers)
    return client.get(request.url, headers=headers)


def call(client: Client, request: Call) -> HttpResponseBase:
    if request.method == "post":
        return client.post(request.url, request.data or {})
    return client.get(request.url)


# Part-way through signing in, the password given but not yet the code (or, where two-factor is
# required, not yet set up): the session is a visitor's everywhere but on the second step's pages.
SECOND_STEP_PAGES = {CODE: "two-factor-code", SET_UP: "two-factor-set-up"}


def part_way_signed_in(client: Client, user: User, step: str, settings: Settings) -> None:
    if step == CODE:
        set_up_two_factor(user)
    else:
        settings.REQUIRE_TWO_FACTOR = True
    response = client.post(
        reverse("login"), {"username": user.username, "password": PERSONA_PASSWORD}
    )
    assert response["Location"] == reverse(SECOND_STEP_PAGES[step])
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("step", [CODE, SET_UP])
@pytest.mark.parametrize("role", ["practitioner", "org-admin"])
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_part_way_through_signing_in_every_page_is_as_for_a_visitor(
    client: Client, scene: Scene, settings: Settings, route: str, role: str, step: str
) -> None:
    part_way_signed_in(client, scene.users[role], step, settings)
    build, expected = ROUTES[route]
    response = call(client, build(scene))
    if route in SECOND_STEP_PAGES.values():
        page = reverse(SECOND_STEP_PAGES[step])
        assert response.status_code == 200 or response["Location"] == page
        return
    visitor = expected[ROLES.index("anonymous")]
    assert outcome_of(response) == visitor, f"{route}: {response.status_code}"
    assert FAMILY_NAME not in body_of(response)


@pytest.mark.parametrize("step", [CODE, SET_UP])
def test_part_way_through_signing_in_the_api_answers_401(
    client: Client, scene: Scene, settings: Settings, step: str
) -> None:
    part_way_signed_in(client, scene.users["practitioner"], step, settings)
    for operation, (build, _) in API.items():
        response = api_call(client, build(scene), {})
        assert response.status_code == 401, operation


def api_operations() -> set[str]:
    """Every operation in the OpenAPI description, as "METHOD /api/path"."""
    paths = api.get_openapi_schema()["paths"]
    return {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}


def resolver_routes() -> dict[str, str]:
    """Map every named URL pattern to its path, with parameters written as {name} like OpenAPI."""

    def walk(patterns: list[Any], namespace: str, prefix: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                found |= walk(entry.url_patterns, inner, route)
            elif isinstance(entry, URLPattern) and entry.name:
                found[namespace + entry.name] = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        return found

    return walk(get_resolver().url_patterns, "", "")


def test_every_route_and_api_operation_has_a_row_in_the_table() -> None:
    operations = api_operations()
    api_paths = {operation.split(" ", 1)[1] for operation in operations}
    names = {
        name
        for name, path in resolver_routes().items()
        if not name.startswith("admin:") and path not in api_paths
    }
    changelists = {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    } | {"admin:index"}
    missing = sorted((names | changelists) - set(ROUTES)) + sorted(operations - set(API))
    assert not missing, (
        f"These routes or API operations have no row in the access table: {missing}. Add a row "
        "to ROUTES or API in tests/test_access_matrix.py saying what each role gets, and the "
        "same to docs/access.md."
    )
    stale = sorted(set(ROUTES) - names - changelists) + sorted(set(API) - operations)
    assert not stale, f"The access table has rows for routes that no longer exist: {stale}."


def test_docs_access_md_says_what_the_table_says() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "access.md").read_text()
    documented = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            documented[cells[0].split("`")[1]] = tuple(cells[1:])
    words = {OK: "yes", HIDDEN: "404", DENIED: "403", SIGN_IN: "sign in"}
    wrong = []
    for key, (_, expected) in [*ROUTES.items(), *API.items()]:
        said = tuple(
            "401" if key in API and outcome == SIGN_IN else words[outcome] for outcome in expected
        )
        if documented.get(key) != said:
            wrong.append(key)
    assert not wrong, (
        f"docs/access.md disagrees with the access table (or lacks a row) for {wrong}."
    )
