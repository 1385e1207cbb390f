"""'My plan': the person's plan in plain words, built once for the web page and the PDF alike."""

from __future__ import annotations

from meaningful.people.models import Person
from meaningful.plans.models import ActionOwner, ActionStatus, PlanStatus, SupportPlan
from meaningful.plans.my_plan_pdf import MyPlan, MyPlanAction, MyPlanOutcome

PLAIN_STATUS = {
    ActionStatus.PLANNED: "Planned",
    ActionStatus.IN_PROGRESS: "Started",
    ActionStatus.DONE: "Done",
    ActionStatus.DROPPED: "No longer needed",
}


def current_plan(person: Person) -> SupportPlan | None:
    """Return the person's active plan, if any."""
    return person.plans.filter(status=PlanStatus.ACTIVE).order_by("-starts_on").first()


def _who(owner: str, owner_name: str, team_name: str) -> str:
    if owner == ActionOwner.PERSON:
        return "You"
    if owner == ActionOwner.SERVICE:
        return owner_name or team_name
    return owner_name or "Family, friends or community"


def build_my_plan(person: Person, plan: SupportPlan | None) -> MyPlan:
    """Gather the person's words and the agreed actions, outcome by outcome, in plain language."""
    conversation = plan.conversation if plan else None
    team_name = conversation.team.name if conversation else ""
    worker = conversation.practitioner.get_full_name() if conversation else ""
    actions = list(plan.actions.select_related("outcome")) if plan else []
    outcomes = []
    if conversation is not None:
        for record in conversation.records.select_related("outcome"):
            outcomes.append(
                MyPlanOutcome(
                    heading=record.outcome.name,
                    what_matters=record.what_matters,
                    why_it_matters=record.why_it_matters,
                    working=record.working,
                    not_working=record.not_working,
                    actions=tuple(
                        MyPlanAction(
                            description=action.description,
                            who=_who(action.owner, action.owner_name, team_name),
                            due=action.due_on,
                            status=PLAIN_STATUS.get(ActionStatus(action.status), action.status),
                        )
                        for action in actions
                        if action.outcome_id == record.outcome_id
                    ),
                )
            )
    general = tuple(
        MyPlanAction(
            a.description,
            _who(a.owner, a.owner_name, team_name),
            a.due_on,
            PLAIN_STATUS.get(ActionStatus(a.status), a.status),
        )
        for a in actions
        if a.outcome_id is None
    )
    if general:
        outcomes.append(MyPlanOutcome("Other things we agreed", "", "", "", "", general))
    return MyPlan(
        person_name=person.display_name,
        about_me=person.about_me,
        agreed_on=conversation.held_on if conversation else None,
        review_due=plan.review_due if plan else None,
        worker_name=worker,
        team_name=team_name,
        outcomes=tuple(outcomes),
        team_phone=conversation.team.phone if conversation else "",
        team_phone_hours=conversation.team.phone_hours if conversation else "",
    )
