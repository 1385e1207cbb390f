"""Recording a conversation (choose, record, check, agree) and correcting a record with history."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from meaningful.accounts.views import signed_in_user
from meaningful.analysis.recording_quality import RecordText, check_record
from meaningful.audit.services import EditConflict, revisions_of
from meaningful.conversations.forms import (
    ConversationForm,
    OutcomeChoiceForm,
    OutcomeRecordForm,
    StartForm,
)
from meaningful.conversations.models import (
    Conversation,
    ConversationKind,
    ConversationStatus,
    OutcomeRecord,
)
from meaningful.conversations.recording import (
    build_forms,
    earlier_records,
    previous_conversation,
    save_recording,
)
from meaningful.conversations.services import (
    CONVERSATION_FIELDS,
    agree_conversation,
    read_conversation,
    update_conversation,
    update_outcome_record,
)
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.services import usable_framework, usable_frameworks
from meaningful.people.models import Person
from meaningful.people.services import read_person
from meaningful.web.form_errors import (
    EditResult,
    ErrorList,
    error_list,
    submit_correction,
    submitted_version,
)

READ_IT_AGAIN = "Read the conversation again below, as it is now, before you agree it."
AGREE_WITHOUT_VERSION = (
    "The page did not say which version of the conversation you read, so it was not agreed. "
    + READ_IT_AGAIN
)


@login_required
def start(request: HttpRequest, person_id: str) -> HttpResponse:
    """Steps 1 and 2: the kind of conversation and framework, then the outcomes discussed."""
    person = read_person(signed_in_user(request), person_id, purpose="record a conversation")
    frameworks = list(usable_frameworks(person.organisation).order_by("name", "version"))
    previous = previous_conversation(person)
    if "framework" not in request.GET:
        initial = {
            "kind": ConversationKind.REVIEW if previous else ConversationKind.BASELINE,
            "framework": previous.framework.slug if previous else _suggested(person),
        }
        form = StartForm(initial=initial, frameworks=frameworks)
        return render(request, "conversations/start.html", {"person": person, "form": form})
    form = StartForm(request.GET, frameworks=frameworks)
    if not form.is_valid():
        return render(
            request,
            "conversations/start.html",
            {"person": person, "form": form, "errors": error_list([form])},
            status=400,
        )
    framework = usable_framework(person.organisation, form.cleaned_data["framework"])
    outcomes = list(framework.outcomes.all())
    if "outcomes" in request.GET or "chosen" in request.GET:
        choice = OutcomeChoiceForm(request.GET, outcomes=outcomes)
        if choice.is_valid():
            query = urlencode(
                {
                    "kind": form.cleaned_data["kind"],
                    "framework": framework.slug,
                    "outcomes": choice.cleaned_data["outcomes"],
                },
                doseq=True,
            )
            return redirect(f"{reverse('conversation-record', args=[person.pk])}?{query}")
        errors = error_list([choice])
    else:
        earlier = earlier_records(previous, framework)
        choice = OutcomeChoiceForm(initial={"outcomes": list(earlier)}, outcomes=outcomes)
        errors = []
    return render(
        request,
        "conversations/choose_outcomes.html",
        {
            "person": person,
            "form": choice,
            "framework": framework,
            "kind": form.cleaned_data["kind"],
            "outcomes": outcomes,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _suggested(person: Person) -> str:
    return "talking-points-carers" if person.is_carer else "talking-points-service-users"


@login_required
def record(request: HttpRequest, person_id: str) -> HttpResponse:
    """Step 3: the recording form; saving makes a draft to check before it is agreed."""
    user = signed_in_user(request)
    person = read_person(user, person_id, purpose="record a conversation")
    params = request.POST if request.method == "POST" else request.GET
    kind = params.get("kind", "")
    if kind not in ConversationKind.values:
        raise NotFound("Start the conversation from the person's page.")
    framework = usable_framework(person.organisation, params.get("framework", ""))
    by_code = {outcome.code: outcome for outcome in framework.outcomes.all()}
    outcomes = [by_code[code] for code in params.getlist("outcomes") if code in by_code]
    if not outcomes:
        return redirect(
            f"{reverse('conversation-start', args=[person.pk])}?kind={kind}&framework={framework.slug}"
        )
    previous = previous_conversation(person)
    earlier = earlier_records(previous, framework)
    forms = build_forms(
        request.POST if request.method == "POST" else None, framework, outcomes, kind, earlier
    )
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if forms.is_valid():
            try:
                conversation = save_recording(user, person, framework, kind, forms)
            except (InvalidInput, NotAllowed) as error:
                errors = [
                    ("", message) for message in getattr(error, "errors", {"": str(error)}).values()
                ]
            else:
                return redirect("conversation", conversation.pk)
        else:
            errors = forms.errors_in_page_order()
    return render(
        request,
        "conversations/record.html",
        {
            "person": person,
            "framework": framework,
            "kind": kind,
            "kind_label": ConversationKind(kind).label,
            "forms": forms,
            "earlier": earlier,
            "previous": previous,
            "errors": errors,
            "outcome_codes": [o.code for o in outcomes],
        },
        status=400 if errors else 200,
    )


def _prompts(record: OutcomeRecord) -> list[object]:
    return list(
        check_record(
            RecordText(
                what_matters=record.what_matters,
                why_it_matters=record.why_it_matters,
                working=record.working,
                not_working=record.not_working,
                contributions=tuple(record.contributions),
            )
        )
    )


@login_required
def detail(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """A conversation as recorded; for a draft, the 'check your answers' page before agreeing."""
    conversation = read_conversation(signed_in_user(request), conversation_id)
    return _detail_page(request, conversation)


def _detail_page(
    request: HttpRequest, conversation: Conversation, errors: ErrorList | None = None
) -> HttpResponse:
    records = list(
        conversation.records.select_related(
            "outcome", "agreed_level", "person_level", "worker_level"
        )
    )
    plan = conversation.plans.order_by("-created_at").first()
    is_draft = conversation.status == ConversationStatus.DRAFT
    # The agreement kept the last draft as a revision: its time and author are the agreement's
    # (earlier drafts are corrections made before it).
    drafts = (
        []
        if is_draft
        else [r for r in revisions_of(conversation) if r.data.get("status") == "draft"]
    )
    agreement = drafts[-1] if drafts else None
    return render(
        request,
        "conversations/detail.html",
        {
            "conversation": conversation,
            "agreement": agreement,
            # Agreeing is a step of its own, not a correction: only later versions are changes.
            "corrected": conversation.version > (1 if is_draft else 2),
            "person": conversation.person,
            "records": [(record, _prompts(record)) for record in records],
            "actions": list(plan.actions.select_related("outcome")) if plan else [],
            "is_draft": is_draft,
            "errors": errors or [],
        },
        status=409 if errors else 200,
    )


@require_POST
@login_required
def agree(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """Mark the conversation as agreed with the person; its plan becomes the current plan.

    The page sends the version that was read back with the person: if the conversation was
    changed since, nothing is agreed and the page shows it again as it is now.
    """
    user = signed_in_user(request)
    conversation = read_conversation(user, conversation_id, purpose="agree a conversation")
    version = submitted_version(request)
    if conversation.status == ConversationStatus.AGREED:  # a double click: confirm all the same
        return redirect("conversation-agreed", conversation.pk)
    if version is None:
        return _detail_page(request, conversation, [("", AGREE_WITHOUT_VERSION)])
    try:
        agree_conversation(user, conversation, expected_version=version)
    except InvalidInput:
        pass  # agreed by a click a moment earlier
    except EditConflict as error:
        if error.current.status != ConversationStatus.AGREED:
            conversation.refresh_from_db()
            return _detail_page(request, conversation, [("", f"{error} {READ_IT_AGAIN}")])
    return redirect("conversation-agreed", conversation.pk)


@login_required
def agreed(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = read_conversation(signed_in_user(request), conversation_id)
    return render(
        request,
        "conversations/agreed.html",
        {"conversation": conversation, "person": conversation.person},
    )


@login_required
def edit_record(request: HttpRequest, conversation_id: str, record_id: int) -> HttpResponse:
    """Correct what was recorded for one outcome; the earlier version is kept and shown."""
    user = signed_in_user(request)
    conversation = read_conversation(user, conversation_id, purpose="correct a record")
    record = conversation.records.select_related("outcome").filter(pk=record_id).first()
    if record is None:
        raise NotFound("No such record.")
    initial = _record_form_values(record)
    form = OutcomeRecordForm(
        request.POST if request.method == "POST" else None,
        outcome=record.outcome,
        scale=conversation.scale,
        initial=initial,
    )
    result = submit_correction(
        request,
        form,
        what="record",
        current=record,
        values_of=_record_form_values,
        edit=lambda data, why, version: update_outcome_record(
            user,
            record,
            {
                name: (data[name] or None) if name.endswith("_level") else data[name]
                for name in initial
            },
            reason=why,
            expected_version=version,
        ),
    )
    if result.saved:
        return redirect("conversation", conversation.pk)
    return render(
        request,
        "conversations/edit_record.html",
        {
            "conversation": conversation,
            "person": conversation.person,
            "record": record,
            "form": form,
            "reason": result.reason,
            "errors": result.errors,
            "conflict": result.conflict,
            "version": result.version,
            "history": revisions_of(record),
        },
        status=_status(result),
    )


def _record_form_values(record: OutcomeRecord) -> dict[str, Any]:
    return {
        "what_matters": record.what_matters,
        "why_it_matters": record.why_it_matters,
        "working": record.working,
        "not_working": record.not_working,
        "outcome_type": record.outcome_type,
        "contributions": record.contributions,
        "worker_level": getattr(record.worker_level, "code", ""),
        "person_level": getattr(record.person_level, "code", ""),
        "agreed_level": getattr(record.agreed_level, "code", ""),
    }


def _conversation_form_values(conversation: Conversation) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in CONVERSATION_FIELDS}


def _status(result: EditResult) -> int:
    """409 when the edit was refused because the record changed, 400 for other errors."""
    if result.conflict is not None:
        return 409
    return 400 if result.errors else 200


@require_POST
@login_required
def check_record_text(request: HttpRequest) -> JsonResponse:
    """Return the recording prompts for one outcome's text, for the form's live hints."""
    text = RecordText(
        what_matters=request.POST.get("what_matters", "")[:20000],
        why_it_matters=request.POST.get("why_it_matters", "")[:20000],
        working=request.POST.get("working", "")[:20000],
        not_working=request.POST.get("not_working", "")[:20000],
        contributions=tuple(request.POST.getlist("contributions")),
    )
    return JsonResponse(
        {
            "prompts": [
                {
                    "field": p.field,
                    "message": p.message,
                    "suggestion": p.suggestion,
                    "phrase": p.phrase,
                }
                for p in check_record(text)
            ]
        }
    )


@login_required
def edit_conversation(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """Correct the conversation as a whole; the earlier version is kept and shown."""
    user = signed_in_user(request)
    conversation = read_conversation(user, conversation_id, purpose="correct a conversation")
    initial = _conversation_form_values(conversation)
    form = ConversationForm(request.POST if request.method == "POST" else None, initial=initial)
    result = submit_correction(
        request,
        form,
        what="conversation",
        current=conversation,
        values_of=_conversation_form_values,
        edit=lambda data, why, version: update_conversation(
            user,
            conversation,
            {name: data[name] for name in CONVERSATION_FIELDS},
            reason=why,
            expected_version=version,
        ),
    )
    if result.saved:
        return redirect("conversation", conversation.pk)
    return render(
        request,
        "conversations/edit_conversation.html",
        {
            "conversation": conversation,
            "person": conversation.person,
            "form": form,
            "reason": result.reason,
            "errors": result.errors,
            "conflict": result.conflict,
            "version": result.version,
            "history": revisions_of(conversation),
        },
        status=_status(result),
    )
