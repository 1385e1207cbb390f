"""The REST API: the same services and permission checks as the web, with bearer tokens."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest
from ninja import NinjaAPI, Query, Status
from ninja.errors import HttpError, ValidationError
from ninja.security import HttpBearer

from meaningful.accounts.models import User
from meaningful.api.schemas import (
    ConversationIn,
    ConversationOut,
    FrameworkOut,
    PeopleFilter,
    PersonOut,
    PersonPage,
    PlanOut,
    Problem,
)
from meaningful.api.tokens import user_for_token
from meaningful.audit.services import record_event
from meaningful.conversations.models import Conversation
from meaningful.conversations.services import (
    OutcomeInput,
    agree_conversation,
    conversations_of,
    read_conversation,
    record_conversation,
)
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework
from meaningful.frameworks.services import usable_framework
from meaningful.interop.fhir.export import person_bundle
from meaningful.people.caseload import CaseloadQuery, caseload
from meaningful.people.services import read_person
from meaningful.plans.my_plan import current_plan


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
        ".".join(str(part) for part in item.get("loc", [])): str(item.get("msg", "not valid"))
        for item in error.errors
    }
    return api.create_response(
        request, {"detail": "The request is not valid.", "errors": errors}, status=422
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> Any:
    """Unreadable bodies (400) and missing tokens (401) in the same shape as every other problem."""
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


@api.exception_handler(NotAllowed)
def not_allowed(request: HttpRequest, error: NotAllowed) -> Any:
    return api.create_response(request, {"detail": str(error)}, status=403)


def _conversation_out(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "held_on": conversation.held_on,
        "kind": conversation.kind,
        "status": conversation.status,
        "framework": conversation.framework.slug,
        "framework_version": conversation.framework.version,
        "scale": conversation.scale.code,
        "story": conversation.story,
        "next_review_due": conversation.next_review_due,
        "records": [
            {
                "outcome": r.outcome.code,
                "what_matters": r.what_matters,
                "why_it_matters": r.why_it_matters,
                "working": r.working,
                "not_working": r.not_working,
                "outcome_type": r.outcome_type,
                "contributions": r.contributions,
                "worker_level": getattr(r.worker_level, "code", None),
                "person_level": getattr(r.person_level, "code", None),
                "agreed_level": getattr(r.agreed_level, "code", None),
            }
            for r in conversation.records.select_related(
                "outcome", "worker_level", "person_level", "agreed_level"
            )
        ],
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
    query = CaseloadQuery(text=filters.q).cleaned()
    paged = Paginator(caseload(actor, query), 50).get_page(filters.page)
    record_event(
        actor, "caseload.view", purpose="api", detail={"q": query.text, "page": paged.number}
    )
    return {"count": paged.paginator.count, "page": paged.number, "people": list(paged)}


@api.get("/people/{person_id}", response={200: PersonOut, **ERRORS}, tags=["people"])
def get_person(request: HttpRequest, person_id: str) -> Any:
    """One person's details (the read is audited); 404 when not on the user's caseload."""
    person = read_person(_actor(request), person_id, purpose="api")
    return {
        **{f: getattr(person, f) for f in PersonOut.model_fields if f != "identifiers"},
        "identifiers": [{"system": i.system, "value": i.value} for i in person.identifiers.all()],
    }


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
    response={200: ConversationOut, **ERRORS},
    tags=["conversations"],
)
def agree(request: HttpRequest, conversation_id: str) -> Any:
    """Mark a draft conversation as agreed with the person."""
    actor = _actor(request)
    conversation = read_conversation(actor, conversation_id, purpose="api: agree")
    agree_conversation(actor, conversation)
    return _conversation_out(conversation)


@api.get("/people/{person_id}/fhir", response={200: dict[str, Any], **ERRORS}, tags=["people"])
def get_fhir_record(request: HttpRequest, person_id: str) -> Any:
    """Everything held about the person as a FHIR R4 Bundle (docs/fhir.md); the export is audited."""
    return person_bundle(_actor(request), person_id)


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
        "actions": [
            {
                "id": a.pk,
                "description": a.description,
                "owner": a.owner,
                "owner_name": a.owner_name,
                "due_on": a.due_on,
                "status": a.status,
                "outcome": a.outcome.code if a.outcome else None,
            }
            for a in plan.actions.select_related("outcome")
        ],
    }
