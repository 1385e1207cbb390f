"""The support plan (with action updates) and 'My plan' for the person, on screen and as PDF."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from meaningful.accounts.access import can_reach_person
from meaningful.accounts.views import signed_in_user
from meaningful.audit.services import EditConflict, record_event, revisions_of
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.services import read_person
from meaningful.plans.models import Action, ActionOwner, ActionStatus
from meaningful.plans.my_plan import build_my_plan, current_plan
from meaningful.plans.my_plan_pdf import my_plan_pdf
from meaningful.plans.services import update_action
from meaningful.web.fields import DatePartsField
from meaningful.web.form_errors import apply_edit, error_list, submitted_version


@login_required
def plan_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    person = read_person(signed_in_user(request), person_id, purpose="support plan")
    plan = current_plan(person)
    actions = list(plan.actions.select_related("outcome")) if plan else []
    return render(
        request,
        "plans/plan.html",
        {"person": person, "plan": plan, "actions": actions, "statuses": ActionStatus.choices},
    )


@require_POST
@login_required
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    user = signed_in_user(request)
    action = Action.objects.select_related("plan__person").filter(pk=action_id).first()
    if action is None or not can_reach_person(user, action.plan.person):
        raise NotFound("No such action.")
    try:
        changed = update_action(
            user,
            action,
            {"status": request.POST.get("status", "")},
            reason="status updated",
            expected_version=submitted_version(request),
        )
    except InvalidInput as error:
        messages.error(request, " ".join(error.errors.values()))
    except EditConflict as error:  # someone else changed it first: say so, lose nothing
        messages.error(request, str(error))
    else:
        if changed:
            messages.success(
                request, f"'{action.description}' is now {action.get_status_display().lower()}."
            )
    return redirect("plan", action.plan.person_id)


@login_required
def my_plan(request: HttpRequest, person_id: str) -> HttpResponse:
    person = read_person(signed_in_user(request), person_id, purpose="My plan")
    plan = build_my_plan(person, current_plan(person))
    return render(request, "plans/my_plan.html", {"person": person, "plan": plan})


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

    description = forms.CharField(
        label="What will happen",
        max_length=500,
        error_messages={"required": "Describe the action."},
    )
    owner = forms.ChoiceField(label="Who will do it", choices=ActionOwner.choices)
    owner_name = forms.CharField(label="Name (optional)", required=False, max_length=100)
    due_on = DatePartsField(label="By when", required=False)


@login_required
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    """Correct an action in a plan; the earlier version is kept and shown."""
    user = signed_in_user(request)
    action = Action.objects.select_related("plan__person").filter(pk=action_id).first()
    if action is None or not can_reach_person(user, action.plan.person):
        raise NotFound("No such action.")
    person = read_person(user, str(action.plan.person_id), purpose="correct an action")
    fields = ("description", "owner", "owner_name", "due_on")
    form = ActionEditForm(
        request.POST if request.method == "POST" else None,
        initial={name: getattr(action, name) for name in fields},
    )
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in fields}
            errors = apply_edit(
                lambda: update_action(
                    user,
                    action,
                    changes,
                    reason="action corrected",
                    expected_version=submitted_version(request),
                )
            )
            if not errors:
                messages.success(request, "The action was changed. Its earlier version is kept.")
                return redirect("plan", person.pk)
        errors = error_list([form]) + errors
    return render(
        request,
        "plans/action_edit.html",
        {
            "person": person,
            "action": action,
            "form": form,
            "errors": errors,
            "history": revisions_of(action),
        },
        status=400 if errors else 200,
    )
