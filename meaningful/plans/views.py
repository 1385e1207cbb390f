"""The support plan (with action updates) and 'My plan' for the person, on screen and as PDF."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from meaningful.accounts.access import can_reach_person
from meaningful.accounts.models import User
from meaningful.accounts.views import signed_in_user
from meaningful.audit.services import record_event, revisions_of
from meaningful.errors import NotFound
from meaningful.people.models import Person
from meaningful.people.services import read_person
from meaningful.plans.models import Action, ActionOwner, ActionStatus
from meaningful.plans.my_plan import build_my_plan, current_plan
from meaningful.plans.my_plan_pdf import my_plan_pdf
from meaningful.plans.services import update_action
from meaningful.web.fields import DatePartsField, TextField
from meaningful.web.form_errors import EditResult, attempt_edit, error_list, submitted_version

NOT_A_STATUS = "choose one of the statuses listed."


@login_required
def plan_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    person = read_person(signed_in_user(request), person_id, purpose="support plan")
    return _plan_page(request, person)


def _plan_page(
    request: HttpRequest,
    person: Person,
    refused: tuple[int, str, EditResult] | None = None,
) -> HttpResponse:
    """The plan; ``refused`` is an action whose status change was refused, the status chosen
    for it, and why, so that the page shows the choice kept beside the saved version."""
    plan = current_plan(person)
    actions = list(plan.actions.select_related("outcome")) if plan else []
    chosen = {action.pk: action.status for action in actions}
    result = EditResult()
    if refused is not None:
        chosen[refused[0]] = refused[1]
        result = refused[2]
    return render(
        request,
        "plans/plan.html",
        {
            "person": person,
            "plan": plan,
            "actions": [(action, chosen[action.pk]) for action in actions],
            "statuses": ActionStatus.choices,
            "errors": result.errors,
            "conflict": result.conflict,
        },
        status=409 if result.conflict else 400 if result.errors else 200,
    )


class ActionStatusForm(forms.Form):
    """The status of one action, changed from the plan page."""

    status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices,
        error_messages={"required": "Choose the action's status."},
    )


def _action_values(action: Action) -> dict[str, Any]:
    return {name: getattr(action, name) for name in ACTION_FIELDS}


@require_POST
@login_required
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    user = signed_in_user(request)
    action = Action.objects.select_related("plan__person").filter(pk=action_id).first()
    if action is None or not can_reach_person(user, action.plan.person):
        raise NotFound("No such action.")
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        result = EditResult([("", f"'{action.description}': {NOT_A_STATUS}")])
        return _refused(request, user, action, action.status, result)
    status = form.cleaned_data["status"]
    before = action.version
    result = attempt_edit(
        form,
        submitted_version(request),
        action,
        _action_values,
        lambda version: update_action(
            user, action, {"status": status}, reason="status updated", expected_version=version
        ),
    )
    if not result.saved:
        return _refused(request, user, action, status, result)
    if action.version != before:
        messages.success(
            request, f"'{action.description}' is now {action.get_status_display().lower()}."
        )
    return redirect("plan", action.plan.person_id)


def _refused(
    request: HttpRequest, user: User, action: Action, chosen: str, result: EditResult
) -> HttpResponse:
    """Show the plan again, with why the status was not changed and the status chosen kept."""
    person = read_person(user, str(action.plan.person_id), purpose="support plan")
    return _plan_page(request, person, (action.pk, chosen, result))


@login_required
def my_plan(request: HttpRequest, person_id: str) -> HttpResponse:
    person = read_person(signed_in_user(request), person_id, purpose="My plan")
    plan = build_my_plan(person, current_plan(person))
    context = {
        "person": person,
        "plan": plan,
        "review_words": plan.review_words(timezone.localdate()),
    }
    return render(request, "plans/my_plan.html", context)


@login_required
def my_plan_download(request: HttpRequest, person_id: str) -> HttpResponse:
    user = signed_in_user(request)
    person = read_person(user, person_id, purpose="My plan (PDF)")
    record_event(
        user, "my-plan.download", person, person_id=person.id, purpose="give the person their plan"
    )
    data = my_plan_pdf(build_my_plan(person, current_plan(person)))
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"my-plan-{slugify(person.display_name)}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ActionEditForm(forms.Form):
    """Correct an agreed action: what, who, by when."""

    description = TextField(
        label="What will happen",
        max_length=500,
        error_messages={"required": "Describe the action."},
    )
    owner = forms.ChoiceField(label="Who will do it", choices=ActionOwner.choices)
    owner_name = TextField(label="Name (optional)", required=False, max_length=100)
    due_on = DatePartsField(label="By when", required=False)


ACTION_FIELDS = ("description", "owner", "owner_name", "due_on", "status")


@login_required
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    """Correct an action in a plan; the earlier version is kept and shown."""
    user = signed_in_user(request)
    action = Action.objects.select_related("plan__person").filter(pk=action_id).first()
    if action is None or not can_reach_person(user, action.plan.person):
        raise NotFound("No such action.")
    person = read_person(user, str(action.plan.person_id), purpose="correct an action")
    form = ActionEditForm(
        request.POST if request.method == "POST" else None, initial=_action_values(action)
    )
    result = EditResult()
    if request.method == "POST" and not form.is_valid():
        result = EditResult(error_list([form]))
    elif request.method == "POST":
        changes = {name: form.cleaned_data[name] for name in form.fields}
        result = attempt_edit(
            form,
            submitted_version(request),
            action,
            _action_values,
            lambda version: update_action(
                user, action, changes, reason="action corrected", expected_version=version
            ),
        )
        if result.saved:
            messages.success(request, "The action was changed. Its earlier version is kept.")
            return redirect("plan", person.pk)
    return render(
        request,
        "plans/action_edit.html",
        {
            "person": person,
            "action": action,
            "form": form,
            "errors": result.errors,
            "conflict": result.conflict,
            "version": result.conflict.version if result.conflict else action.version,
            "history": revisions_of(action),
        },
        status=409 if result.conflict else 400 if result.errors else 200,
    )
