"""The coding workbench's pages: conversations to code, a conversation's texts with their codes
and suggestions, one coded passage, and the reports (co-occurrence, agreement). The codebook's
pages are in ``codebook_views``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from meaningful.accounts.models import User
from meaningful.accounts.views import signed_in_user
from meaningful.audit.services import record_event
from meaningful.coding.cooccurrence import Basis, cooccurrence
from meaningful.coding.downloads import cooccurrence_extract
from meaningful.coding.forms import (
    ApplyCodesForm,
    CooccurrenceForm,
    FinishedForm,
    MemoForm,
    SuggestionDecisionForm,
)
from meaningful.coding.models import JobState, Origin, SuggestionJob
from meaningful.coding.reading import NarrativePage, person_label, read_narrative, read_segment
from meaningful.coding.scope import (
    codable_conversation,
    codable_conversations,
    coding_organisation,
    identifiable_people,
)
from meaningful.coding.services import (
    PURPOSE,
    add_segment_memo,
    apply_codes,
    code_choices,
    decide_suggestion,
    remove_segment,
    segment_of,
    set_finished,
)
from meaningful.coding.texts import narrative_key
from meaningful.errors import InvalidInput, NotAllowed
from meaningful.interop.exports import extract_download
from meaningful.web.form_errors import ErrorList, error_list

PAGE_SIZE = 25


def coder(request: HttpRequest) -> User:
    """The signed-in member of staff, if they use the workbench; 403 otherwise."""
    user = signed_in_user(request)
    try:
        coding_organisation(user)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    return user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The conversations the user may code, newest first, with their coding so far."""
    user = coder(request)
    mine = Q(coded_segments__coder=user, coded_segments__accepted=True)
    waiting = Q(coded_segments__origin=Origin.MODEL, coded_segments__accepted__isnull=True)
    conversations = (
        codable_conversations(user)
        .select_related("person", "framework")
        .annotate(
            mine=Count("coded_segments", filter=mine),
            waiting=Count("coded_segments", filter=waiting),
        )
        .order_by("-held_on", "pk")
    )
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    as_recorded = identifiable_people(user)
    rows = [(c, person_label(c, c.person_id not in as_recorded)) for c in page]
    record_event(
        user,
        "coding.conversations.list",
        purpose=PURPOSE,
        detail={"page": page.number, "conversations": len(rows)},
    )
    return render(request, "coding/home.html", {"page": page, "rows": rows})


def _apply_form(page: NarrativePage, data: Any = None, initial: Any = None) -> ApplyCodesForm:
    choices = code_choices(page.conversation)
    return ApplyCodesForm(
        data,
        initial=initial,
        narratives=[(t.narrative.key, t.narrative.heading) for t in page.texts],
        codes=[(str(c.code.pk), c.label) for c in choices],
    )


def _narrative_page(
    request: HttpRequest,
    page: NarrativePage,
    form: ApplyCodesForm,
    errors: ErrorList | None = None,
) -> HttpResponse:
    job = SuggestionJob.objects.filter(conversation=page.conversation).first()
    return render(
        request,
        "coding/narrative.html",
        {
            "page": page,
            "conversation": page.conversation,
            "form": form,
            "errors": errors or [],
            "job": job,
            "job_done": job is not None and job.state == JobState.DONE,
        },
        status=400 if errors else 200,
    )


@login_required
def narrative(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """A conversation's texts with their coded passages, suggestions beside them, and the form
    that applies codes to a passage (filled in by selecting text, where scripts run)."""
    user = coder(request)
    only_mine = request.GET.get("mine") == "1"
    page = read_narrative(user, conversation_id, only_mine=only_mine)
    if request.method != "POST":
        initial = {"narrative": page.texts[0].narrative.key} if page.texts else None
        return _narrative_page(request, page, _apply_form(page, initial=initial))
    form = _apply_form(page, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            segments = apply_codes(
                user,
                page.conversation,
                narrative_key=data["narrative"],
                code_ids=form.code_ids(),
                quote=data["quote"],
                start=data["start"],
                end=data["end"],
                memo=data["memo"],
            )
        except InvalidInput as problem:
            for name, message in problem.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            count = len(segments)
            messages.success(request, f"{count} code{'s' if count != 1 else ''} applied.")
            url = reverse("coding-narrative", args=[page.conversation.pk])
            return redirect(f"{url}{'?mine=1' if only_mine else ''}#text-{data['narrative']}")
    return _narrative_page(request, page, form, error_list([form]))


@require_POST
@login_required
def finished(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """Say that one's coding of the conversation is finished, or take that back."""
    user = coder(request)
    conversation = codable_conversation(user, conversation_id)
    form = FinishedForm(request.POST)
    if form.is_valid():
        done = form.cleaned_data["finished"] == "yes"
        set_finished(user, conversation, finished=done)
        messages.success(
            request, "Your coding is marked finished." if done else "Your coding is open again."
        )
    return redirect("coding-narrative", conversation.pk)


@require_POST
@login_required
def suggestion(request: HttpRequest, segment_id: str) -> HttpResponse:
    """Accept or reject a suggested code for oneself."""
    user = coder(request)
    waiting = segment_of(user, segment_id)
    form = SuggestionDecisionForm(request.POST)
    key = narrative_key(waiting.record_id, waiting.field)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        decide_suggestion(user, waiting, accept=accept)
        verb = "accepted" if accept else "rejected"
        messages.success(request, f"Suggestion {verb}: {waiting.code.name}.")
    return redirect(f"{reverse('coding-narrative', args=[waiting.conversation_id])}#text-{key}")


@login_required
def segment(request: HttpRequest, segment_id: str) -> HttpResponse:
    """One coded passage in context, with its memos; add a memo."""
    user = coder(request)
    form = MemoForm(request.POST if request.method == "POST" else None)
    errors: ErrorList = []
    if request.method == "POST":
        if form.is_valid():
            try:
                add_segment_memo(user, segment_of(user, segment_id), form.cleaned_data["text"])
            except InvalidInput as problem:
                form.add_error("text", problem.errors.get("text", str(problem)))
            else:
                messages.success(request, "Memo added.")
                return redirect("coding-segment", segment_id)
        errors = error_list([form])
    page = read_segment(user, segment_id)
    return render(
        request,
        "coding/segment.html",
        {"page": page, "passage": page.listed.passage, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@require_POST
@login_required
def segment_remove(request: HttpRequest, segment_id: str) -> HttpResponse:
    """Take one's own code off a passage."""
    user = coder(request)
    found = segment_of(user, segment_id)
    try:
        remove_segment(user, found)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    messages.success(request, f"Code removed: {found.code.name}.")
    key = narrative_key(found.record_id, found.field)
    return redirect(f"{reverse('coding-narrative', args=[found.conversation_id])}#text-{key}")


@login_required
def cooccurrence_table(request: HttpRequest) -> HttpResponse:
    """Which codes are applied together, over the conversations the user may code."""
    user = coder(request)
    form = CooccurrenceForm(request.GET or None)
    basis = Basis.OVERLAP
    if form.is_bound and form.is_valid() and form.cleaned_data["basis"]:
        basis = Basis(form.cleaned_data["basis"])
    errors = error_list([form]) if form.is_bound else []
    if request.GET.get("download") == "csv" and not errors:
        matrix = cooccurrence(user, basis, download=True)
        name = slugify(f"{coding_organisation(user).slug} codes together {basis}")
        return extract_download(cooccurrence_extract(matrix), name, "csv")
    matrix = cooccurrence(user, basis)
    return render(
        request,
        "coding/cooccurrence.html",
        {
            "form": form,
            "basis": basis,
            "basis_label": Basis(basis).label,
            "matrix": matrix,
            "rows": list(zip(matrix.codes, matrix.counts, strict=True)),
            "errors": errors,
        },
        status=400 if errors else 200,
    )
