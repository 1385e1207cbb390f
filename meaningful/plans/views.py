"""The support plan (with action updates) and 'My plan' for the person, on screen and as PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from meaningful.accounts.access import can_reach_person
from meaningful.accounts.views import signed_in_user
from meaningful.audit.services import EditConflict, record_event
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.services import read_person
from meaningful.plans.models import Action, ActionStatus
from meaningful.plans.my_plan import build_my_plan, current_plan
from meaningful.plans.my_plan_pdf import my_plan_pdf
from meaningful.plans.services import update_action


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
            expected_version=int(request.POST.get("version", "0") or 0),
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
