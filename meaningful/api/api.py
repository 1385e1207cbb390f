"""The REST API: the same services and permission checks as the web, with bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.security import HttpBearer

from meaningful.accounts.access import can_reach_person
from meaningful.accounts.models import User
from meaningful.api.schemas import (
    ActionChange,
    ActionOut,
    AgreeIn,
    Change,
    ConflictOut,
    ConversationChange,
    ConversationIn,
    ConversationOut,
    FrameworkOut,
    PeopleFilter,
    PersonChange,
    PersonOut,
    PersonPage,
    PlanOut,
    Problem,
    RecordChange,
    RecordOut,
    SearchFilter,
    SearchPage,
    ThemesFilter,
    ThemesOut,
)
from meaningful.api.tokens import user_for_token
from meaningful.audit.services import EditConflict, record_event
from meaningful.coding.scope import coding_organisation
from meaningful.coding.themes import narrative_themes, theme_request
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.conversations.services import (
    OutcomeInput,
    agree_conversation,
    conversations_of,
    read_conversation,
    record_conversation,
    update_conversation,
    update_outcome_record,
)
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework
from meaningful.frameworks.services import usable_framework
from meaningful.interop.fhir.export import person_bundle
from meaningful.people.caseload import CaseloadQuery, caseload
from meaningful.people.models import Person
from meaningful.people.services import read_person, update_person
from meaningful.plans.models import Action
from meaningful.plans.my_plan import current_plan
from meaningful.plans.services import update_action
from meaningful.search.query import QueryProblem, parse_query
from meaningful.search.services import Criteria, search_narratives, search_scope
from meaningful.text import text_problem


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return user_for_token(token)


api = NinjaAPI(
    title="Meaningful",
    version="1",
    description="Personal outcomes records. Every call acts as the token's user and is audited.",
    auth=BearerToken(),
    urls_namespace="api",
    docs_url=None,  # the built-in docs page loads its scripts from a CDN; we serve nothing remote
)
ERRORS: dict[int, Any] = {401: Problem, 404: Problem, 422: Problem}
# What a change can get besides its answer: 409 when the record was saved by someone else
# since the version it is based on, 413 for a body too large, 428 when it names no version.
CHANGE_ERRORS: dict[int, Any] = {
    **ERRORS,
    400: Problem,
    409: ConflictOut,
    413: Problem,
    428: Problem,
}
SEND_VERSION = (
    'Send "version": the version of the record your change is based on, as the API last gave '
    'it in the record\'s "version" field. Nothing was changed.'
)


class VersionRequired(Exception):
    """A change did not say which version of the record it is based on."""


def _known_parameters(request: HttpRequest, schema: type[Schema]) -> None:
    """Refuse query parameters the call does not take, so a misspelt filter is not ignored."""
    unknown = sorted(set(request.GET) - set(schema.model_fields))
    if unknown:
        raise InvalidInput(
            {
                name: f"Not a parameter of this call; it takes {', '.join(schema.model_fields)}."
                for name in unknown
            }
        )


def _period_problems(held_from: date | None, held_to: date | None) -> dict[str, str]:
    """What is wrong with a period that ends before it starts (nothing, if it does not)."""
    if held_from and held_to and held_to < held_from:
        return {"held_to": "held_to must be the same as or after held_from."}
    return {}


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise NotAllowed("Authentication required.")
    return user


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, error: NotFound) -> Any:
    return api.create_response(request, {"detail": str(error) or "Not found."}, status=404)


@api.exception_handler(InvalidInput)
def invalid(request: HttpRequest, error: InvalidInput) -> Any:
    return api.create_response(
        request, {"detail": "The request breaks a rule.", "errors": error.errors}, status=422
    )


@api.exception_handler(ValidationError)
def malformed(request: HttpRequest, error: ValidationError) -> Any:
    """Requests the schema itself refuses get the same shape of answer as broken rules."""
    errors = {
        _field_path(item.get("loc", [])): str(item.get("msg", "not valid")) for item in error.errors
    }
    return api.create_response(
        request, {"detail": "The request is not valid.", "errors": errors}, status=422
    )


def _field_path(location: list[Any]) -> str:
    """Name a field as the rules' errors do, "records[0].outcome", not by where ninja read it."""
    parts = list(location)
    while len(parts) > 1 and parts[0] in ("body", "query", "path"):
        parts.pop(0)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> Any:
    """Unreadable bodies (400) and missing tokens (401) in the same shape as every other problem."""
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


@api.exception_handler(NotAllowed)
def not_allowed(request: HttpRequest, error: NotAllowed) -> Any:
    return api.create_response(request, {"detail": str(error)}, status=403)


@api.exception_handler(VersionRequired)
def version_required(request: HttpRequest, error: VersionRequired) -> Any:
    return api.create_response(request, {"detail": SEND_VERSION}, status=428)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, error: RequestDataTooBig) -> Any:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = (
        f"The request body is larger than the {limit:,} bytes a call may send. "
        "Send long texts in several changes, or shorten them."
    )
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(EditConflict)
def conflict(request: HttpRequest, error: EditConflict) -> Any:
    """Someone saved the record since the version the change is based on: say who, and what
    the record says now, so the client can merge and send the change again."""
    current = error.current
    current.refresh_from_db()
    body = {
        "detail": f"{error.message} Send the change again based on version {error.version}.",
        "version": error.version,
        "current": _OUTPUTS[type(current)](current),
        "saved_by": str(error.saved_by) if error.saved_by else None,
        "saved_at": error.saved_at,
    }
    return api.create_response(request, body, status=409)


def _based_on(change: Change) -> int:
    if change.version is None:
        raise VersionRequired
    return change.version


def _changes(change: Change, *, not_null: tuple[str, ...]) -> dict[str, Any]:
    """The fields a change sends, besides its version and reason; null only where allowed."""
    sent = change.model_dump(exclude_unset=True, exclude={"version", "reason"})
    refused = {
        name: "This cannot be null: send a value, or leave the field out."
        for name in not_null
        if name in sent and sent[name] is None
    }
    if refused:
        raise InvalidInput(refused)
    return sent


def _record_out(record: OutcomeRecord) -> dict[str, Any]:
    return {
        "version": record.version,
        "outcome": record.outcome.code,
        "what_matters": record.what_matters,
        "why_it_matters": record.why_it_matters,
        "working": record.working,
        "not_working": record.not_working,
        "outcome_type": record.outcome_type,
        "contributions": record.contributions,
        "worker_level": getattr(record.worker_level, "code", None),
        "person_level": getattr(record.person_level, "code", None),
        "agreed_level": getattr(record.agreed_level, "code", None),
    }


def _action_out(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "version": action.version,
        "description": action.description,
        "owner": action.owner,
        "owner_name": action.owner_name,
        "due_on": action.due_on,
        "status": action.status,
        "outcome": action.outcome.code if action.outcome else None,
    }


def _person_out(person: Person) -> dict[str, Any]:
    return {
        **{f: getattr(person, f) for f in PersonOut.model_fields if f != "identifiers"},
        "identifiers": [{"system": i.system, "value": i.value} for i in person.identifiers.all()],
    }


def _conversation_out(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "version": conversation.version,
        "held_on": conversation.held_on,
        "kind": conversation.kind,
        "status": conversation.status,
        "framework": conversation.framework.slug,
        "framework_version": conversation.framework.version,
        "scale": conversation.scale.code,
        "participants": conversation.participants,
        "story": conversation.story,
        "next_review_due": conversation.next_review_due,
        "records": [
            _record_out(r)
            for r in conversation.records.select_related(
                "outcome", "worker_level", "person_level", "agreed_level"
            )
        ],
    }


_OUTPUTS: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
    Conversation: _conversation_out,
    OutcomeRecord: _record_out,
    Action: _action_out,
    Person: _person_out,
}


@api.get("/frameworks", response={200: list[FrameworkOut], 401: Problem}, tags=["frameworks"])
def list_frameworks(request: HttpRequest) -> Any:
    """The outcome frameworks this user's organisation can record against."""
    actor = _actor(request)
    organisations = actor.memberships.values("organisation")
    frameworks = (
        Framework.objects.filter(Q(organisation__isnull=True) | Q(organisation__in=organisations))
        .select_related("default_scale")
        .prefetch_related("outcomes", "default_scale__levels")
    )
    return [
        {
            "slug": f.slug,
            "version": f.version,
            "name": f.name,
            "population": f.population,
            "default_scale": f.default_scale.code,
            "levels": [
                {"code": lv.code, "label": lv.label, "rank": lv.rank}
                for lv in f.default_scale.levels.all()
            ],
            "outcomes": [
                {
                    "code": o.code,
                    "name": o.name,
                    "category": o.category,
                    "outcome_type": o.outcome_type,
                    "description": o.description,
                }
                for o in f.outcomes.all()
            ],
        }
        for f in frameworks
    ]


@api.get("/people", response={200: PersonPage, **ERRORS}, tags=["people"])
def list_people(request: HttpRequest, filters: Query[PeopleFilter]) -> Any:
    """People on the user's teams' caseload, 50 a page, searchable like the web caseload."""
    actor = _actor(request)
    _known_parameters(request, PeopleFilter)
    query = CaseloadQuery(text=filters.q).cleaned()
    paged = Paginator(caseload(actor, query), 50).get_page(filters.page)
    record_event(
        actor, "caseload.view", purpose="api", detail={"q": query.text, "page": paged.number}
    )
    return {"count": paged.paginator.count, "page": paged.number, "people": list(paged)}


@api.get(
    "/search",
    response={200: SearchPage, 401: Problem, 403: Problem, 404: Problem, 422: Problem},
    tags=["search"],
)
def search(request: HttpRequest, filters: Query[SearchFilter]) -> Any:
    """Narratives the user may read that hold the words, newest first, 20 a page.

    As on the search page: practitioners and team leaders search their teams' caseload and see
    names; analysts search the words of people who agreed to share anonymised quotes, and see
    pseudonyms and anonymised extracts. Other roles get 403. Every search is audited, without
    its words.
    """
    actor = _actor(request)
    _known_parameters(request, SearchFilter)
    scope = search_scope(actor)
    problems: dict[str, str] = {}
    try:
        query = parse_query(filters.q)
    except QueryProblem as problem:
        problems["q"] = str(problem)
    team = None
    if filters.team is not None:
        team = scope.teams.filter(pk=filters.team).first()
        if team is None:
            raise NotFound("No team with that id among yours: leave team out to search them all.")
    problems |= _period_problems(filters.held_from, filters.held_to)
    if problems:
        raise InvalidInput(problems)
    criteria = Criteria(
        query=query,
        field=filters.field or "",
        team=team,
        held_from=filters.held_from,
        held_to=filters.held_to,
    )
    results = search_narratives(actor, criteria, filters.page, purpose="api: search", scope=scope)
    hits = []
    for hit in results.hits:
        extract, marks = hit.text_and_marks()
        hits.append(
            {
                "person": hit.who,
                "person_id": None if results.pseudonymised else hit.person_id,
                "conversation_id": hit.conversation_id or None,
                "outcome": hit.outcome,
                "field": hit.field,
                "held_on": hit.held_on,
                "team": hit.team,
                "extract": extract,
                "marks": marks,
            }
        )
    return {
        "count": results.page.paginator.count,
        "page": results.page.number,
        "pages": results.page.paginator.num_pages,
        "pseudonymised": results.pseudonymised,
        "hits": hits,
    }


@api.get(
    "/themes",
    response={200: ThemesOut, 401: Problem, 403: Problem, 404: Problem, 422: Problem},
    tags=["analysis"],
)
def themes(request: HttpRequest, filters: Query[ThemesFilter]) -> Any:
    """Themes in what people said is not working (or working), as on the themes page.

    For a team the user reports on (practitioners and team leaders: their own teams), or the
    whole organisation (analysts and administrators). Themes of fewer people than the
    organisation's disclosure threshold are not shown; excerpts are anonymised and only from
    people who agreed to share quotes. Roles that do not code get 403; a team the user may not
    report on gets 404. Audited with ids and counts only.
    """
    actor = _actor(request)
    _known_parameters(request, ThemesFilter)
    organisation = coding_organisation(actor)
    if problems := _period_problems(filters.held_from, filters.held_to):
        raise InvalidInput(problems)
    scope = f"team-{filters.team}" if filters.team is not None else f"org-{organisation.pk}"
    report = narrative_themes(
        actor, theme_request(scope, filters.held_from, filters.held_to, filters.field)
    )
    return {
        "scope": report.scope,
        "held_from": report.start,
        "held_to": report.end,
        "field": report.field,
        "threshold": report.threshold,
        "people": report.people,
        "smaller_themes_not_shown": report.smaller,
        "themes": [theme.as_dict() for theme in report.themes],
    }


@api.get("/people/{person_id}", response={200: PersonOut, **ERRORS}, tags=["people"])
def get_person(request: HttpRequest, person_id: str) -> Any:
    """One person's details (the read is audited); 404 when not on the user's caseload."""
    return _person_out(read_person(_actor(request), person_id, purpose="api"))


@api.patch("/people/{person_id}", response={200: PersonOut, **CHANGE_ERRORS}, tags=["people"])
def change_person(request: HttpRequest, person_id: str, body: PersonChange) -> Any:
    """Correct a person's details; the earlier version is kept. Send the version you read."""
    actor = _actor(request)
    person = read_person(actor, person_id, purpose="api: correct details")
    changes = _changes(
        body,
        not_null=(
            "given_name",
            "family_name",
            "preferred_name",
            "postcode",
            "sex",
            "client_group",
            "is_carer",
            "about_me",
        ),
    )
    update_person(actor, person, changes, reason=body.reason, expected_version=_based_on(body))
    return _person_out(person)


@api.get(
    "/people/{person_id}/conversations",
    response={200: list[ConversationOut], **ERRORS},
    tags=["conversations"],
)
def list_conversations(request: HttpRequest, person_id: str) -> Any:
    """A person's conversations, oldest first, with what was recorded for each outcome."""
    actor = _actor(request)
    person = read_person(actor, person_id, purpose="api")
    return [_conversation_out(c) for c in conversations_of(actor, person, purpose="api")]


@api.post(
    "/people/{person_id}/conversations",
    response={201: ConversationOut, 400: Problem, 403: Problem, **ERRORS},
    tags=["conversations"],
)
def create_conversation(request: HttpRequest, person_id: str, body: ConversationIn) -> Any:
    """Record a conversation as a draft; every rule the web form applies is applied here."""
    actor = _actor(request)
    person = read_person(actor, person_id, purpose="api: record a conversation")
    try:
        framework = usable_framework(person.organisation, body.framework)
    except NotFound as error:
        raise InvalidInput({"framework": f"Unknown framework {body.framework!r}."}) from error
    conversation = record_conversation(
        actor,
        person,
        framework=framework,
        held_on=body.held_on,
        kind=body.kind,
        story=body.story,
        participants=body.participants,
        next_review_due=body.next_review_due,
        records=[OutcomeInput(**record.model_dump()) for record in body.records],
    )
    return Status(201, _conversation_out(conversation))


@api.post(
    "/conversations/{conversation_id}/agree",
    response={200: ConversationOut, **CHANGE_ERRORS},
    tags=["conversations"],
)
def agree(request: HttpRequest, conversation_id: str, body: AgreeIn) -> Any:
    """Mark a draft conversation as agreed with the person, as it was at the version sent."""
    actor = _actor(request)
    conversation = read_conversation(actor, conversation_id, purpose="api: agree")
    agree_conversation(actor, conversation, expected_version=_based_on(body))
    return _conversation_out(conversation)


@api.get(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **ERRORS},
    tags=["conversations"],
)
def get_conversation(request: HttpRequest, conversation_id: str) -> Any:
    """One conversation with what was recorded for each outcome (the read is audited)."""
    return _conversation_out(read_conversation(_actor(request), conversation_id, purpose="api"))


@api.patch(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **CHANGE_ERRORS},
    tags=["conversations"],
)
def change_conversation(
    request: HttpRequest, conversation_id: str, body: ConversationChange
) -> Any:
    """Correct the date, who took part, the story or the review date; the earlier version is kept."""
    actor = _actor(request)
    conversation = read_conversation(actor, conversation_id, purpose="api: correct a conversation")
    changes = _changes(body, not_null=("held_on", "participants", "story"))
    update_conversation(
        actor, conversation, changes, reason=body.reason, expected_version=_based_on(body)
    )
    return _conversation_out(conversation)


@api.patch(
    "/conversations/{conversation_id}/records/{outcome}",
    response={200: RecordOut, **CHANGE_ERRORS},
    tags=["conversations"],
)
def change_record(
    request: HttpRequest, conversation_id: str, outcome: str, body: RecordChange
) -> Any:
    """Correct what was recorded for one outcome; null levels mean not rated."""
    actor = _actor(request)
    conversation = read_conversation(actor, conversation_id, purpose="api: correct a record")
    record = (
        None
        if text_problem(outcome, limit=100)  # never send a NUL to the database
        else conversation.records.select_related("outcome").filter(outcome__code=outcome).first()
    )
    if record is None:
        raise NotFound("This conversation has no record for that outcome.")
    changes = _changes(
        body,
        not_null=(
            "what_matters",
            "why_it_matters",
            "working",
            "not_working",
            "outcome_type",
            "contributions",
        ),
    )
    update_outcome_record(
        actor, record, changes, reason=body.reason, expected_version=_based_on(body)
    )
    return _record_out(record)


@api.get("/people/{person_id}/fhir", response={200: dict[str, Any], **ERRORS}, tags=["people"])
def get_fhir_record(request: HttpRequest, person_id: str) -> Any:
    """Everything held about the person as a FHIR R4 Bundle (docs/fhir.md); the export is audited."""
    return person_bundle(_actor(request), person_id)


@api.patch("/actions/{action_id}", response={200: ActionOut, **CHANGE_ERRORS}, tags=["plans"])
def change_action(request: HttpRequest, action_id: int, body: ActionChange) -> Any:
    """Change an action of a plan, often its status; the earlier version is kept."""
    actor = _actor(request)
    action = Action.objects.select_related("plan__person", "outcome").filter(pk=action_id).first()
    if action is None or not can_reach_person(actor, action.plan.person):
        raise NotFound("No such action.")
    read_person(actor, action.plan.person_id, purpose="api: change an action")
    changes = _changes(body, not_null=("description", "owner", "owner_name", "status"))
    update_action(
        actor,
        action,
        changes,
        reason=body.reason or "changed through the API",
        expected_version=_based_on(body),
    )
    return _action_out(action)


@api.get("/people/{person_id}/plan", response={200: PlanOut, **ERRORS}, tags=["plans"])
def get_plan(request: HttpRequest, person_id: str) -> Any:
    """The person's current support plan and its actions; 404 when there is none."""
    person = read_person(_actor(request), person_id, purpose="api")
    plan = current_plan(person)
    if plan is None:
        raise NotFound("There is no agreed plan yet.")
    return {
        "id": plan.pk,
        "starts_on": plan.starts_on,
        "review_due": plan.review_due,
        "status": plan.status,
        "actions": [_action_out(a) for a in plan.actions.select_related("outcome")],
    }
