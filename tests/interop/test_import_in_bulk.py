"""The bulk write path leaves exactly what the one-by-one services leave, file for file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from meaningful.accounts.models import Organisation
from meaningful.accounts.services import create_organisation, system_account
from meaningful.audit.models import AuditEvent, Revision
from meaningful.audit.services import snapshot, verify_chain
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.frameworks.models import Framework
from meaningful.interop.tabular.importer import import_records
from meaningful.people.models import Allocation, Identifier, Person
from meaningful.plans.models import Action, SupportPlan

MESSY = Path(__file__).parent / "data" / "messy.csv"
pytestmark = pytest.mark.django_db

# One person's support over a year: each plan carries the open actions of the one before, and
# the exit with no new actions ends the last plan. A second person is refused for a bad id.
JOURNEY = """Person ID,Forename,Surname,Team,Conversation date,Type,Outcome,Rating,Actions
J1,Iona,Bell,East,01/02/2024,Baseline,Feeling safe,Not met,Fit a key safe;I will call my son
J1,Iona,Bell,East,01/02/2024,Baseline,Seeing people,Partly met,
J1,Iona,Bell,East,01/05/2024,Review,Feeling safe,Partly met,Check the alarm
J1,Iona,Bell,East,01/09/2024,Review,Seeing people,Met,
J1,Iona,Bell,East,01/12/2024,Exit,Feeling safe,Met,
J2,Ian,Bell,West,01/02/2024,Baseline,Feeling safe,Met,
J1,Iona,Bell,West,01/03/2024,Review,Feeling safe,Met,
{long_id},Al,Long,East,01/02/2024,Baseline,Feeling safe,Met,
"""


def _person(person_id: Any) -> str:
    return Identifier.objects.get(person_id=person_id).value


def _conversation(conversation_id: Any) -> tuple[str, str, str]:
    conversation = Conversation.objects.get(pk=conversation_id)
    return (_person(conversation.person_id), str(conversation.held_on), conversation.kind)


def stored(organisation: Organisation) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every row the import leaves for one organisation, with ids and timestamps replaced."""
    people = Person.objects.filter(organisation=organisation)
    conversations = Conversation.objects.filter(person__in=people)
    plans = SupportPlan.objects.filter(person__in=people)
    kept_for = {
        str(pk)
        for pk in [*conversations.values_list("pk", flat=True), *plans.values_list("pk", flat=True)]
    }
    return {
        "people": Counter(
            people.values_list(
                "given_name", "family_name", "date_of_birth", "postcode", "sex", "version"
            )
        ),
        "identifiers": Counter(
            (_person(i.person_id), i.system, i.value)
            for i in Identifier.objects.filter(organisation=organisation)
        ),
        "allocations": Counter(
            (_person(a.person_id), a.team.name, a.team.service.name, a.started_on, a.ended_on)
            for a in Allocation.objects.filter(person__in=people)
        ),
        "conversations": Counter(
            (
                _person(c.person_id),
                c.held_on,
                c.kind,
                c.framework.slug,
                c.scale.code,
                c.practitioner.username,
                c.team.name,
                c.participants,
                c.story,
                c.status,
                c.next_review_due,
                c.version,
            )
            for c in conversations
        ),
        "records": Counter(
            (
                _conversation(r.conversation_id),
                r.outcome.code,
                r.what_matters,
                r.why_it_matters,
                r.working,
                r.not_working,
                r.outcome_type,
                tuple(r.contributions),
                getattr(r.agreed_level, "code", None),
                r.worker_level_id,
                r.person_level_id,
                r.version,
            )
            for r in OutcomeRecord.objects.filter(conversation__in=conversations)
        ),
        "plans": Counter(
            (
                _conversation(p.conversation_id),
                p.starts_on,
                p.ends_on,
                p.review_due,
                p.status,
                p.version,
                tuple(sorted(p.actions.values_list("description", "owner", "outcome__code"))),
            )
            for p in plans
        ),
        "actions": Counter(
            Action.objects.filter(plan__in=plans).values_list(
                "description", "owner", "status", "version"
            )
        ),
        "revisions": Counter(
            (
                r.object_type,
                r.version,
                r.reason,
                r.changed_by.username,
                r.data["status"],
                r.data["version"],
                r.data.get("ends_on"),
            )
            for r in Revision.objects.filter(object_id__in=kept_for)
        ),
    }


def events_since(first_id: int) -> Counter[tuple[str, str]]:
    return Counter(
        AuditEvent.objects.filter(id__gt=first_id).values_list("action", "actor_username")
    )


def import_both_ways(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Import one file one by one for one organisation and in bulk for another; compare all."""
    framework = Framework.objects.get(slug="talking-points-service-users")
    results = []
    for name, one_by_one in (("One By One", True), ("In Bulk", False)):
        organisation = create_organisation(system_account(), name)
        start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        report = import_records(
            system_account(),
            path,
            organisation=organisation,
            framework=framework,
            one_by_one=one_by_one,
        )
        results.append((report.as_dict(), stored(organisation), events_since(start)))
    (old_report, old_rows, old_events), (new_report, new_rows, new_events) = results
    assert new_report == old_report
    assert new_events == old_events
    assert verify_chain() is None
    return old_rows, new_rows


def test_bulk_and_one_by_one_store_the_same_rows_for_the_messy_file() -> None:
    old, new = import_both_ways(MESSY)
    assert sum(old["records"].values()) == 7
    for table in old:
        assert new[table] == old[table], table


def test_bulk_and_one_by_one_agree_on_plans_carried_forward_and_ended(tmp_path: Path) -> None:
    path = tmp_path / "journey.csv"
    path.write_text(JOURNEY.format(long_id="L" * 41))
    old, new = import_both_ways(path)
    statuses = sorted((plan[4], plan[5]) for plan in old["plans"])
    assert statuses == [("closed", 2), ("closed", 3)]  # replaced by the review's, ended at exit
    for table in old:
        assert new[table] == old[table], table


def test_a_second_bulk_import_matches_people_and_skips_what_it_has(tmp_path: Path) -> None:
    path = tmp_path / "journey.csv"
    path.write_text(JOURNEY.format(long_id="L" * 41))
    framework = Framework.objects.get(slug="talking-points-service-users")
    organisation = create_organisation(system_account(), "Twice")
    first = import_records(system_account(), path, organisation=organisation, framework=framework)
    again = import_records(system_account(), path, organisation=organisation, framework=framework)
    assert first.rows_accepted == again.rows_already_imported == 6
    assert (again.rows_accepted, again.people_created, again.people_matched) == (0, 0, 5)
    assert again.rejected == first.rejected


def test_the_draft_kept_for_each_bulk_conversation_is_its_snapshot_before_agreement(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journey.csv"
    lines = JOURNEY.format(long_id="L" * 41).splitlines()
    worker = ',"Zoë ""Jo"" Lee\\"'  # the participants, with text that JSON must escape
    rows = [lines[0] + ",Worker", *(line + worker for line in lines[1:])]
    path.write_text("\n".join(rows), encoding="utf-8")
    framework = Framework.objects.get(slug="talking-points-service-users")
    organisation = create_organisation(system_account(), "Snapshots")
    import_records(system_account(), path, organisation=organisation, framework=framework)
    conversations = Conversation.objects.filter(person__organisation=organisation)
    assert conversations.count() == 5
    for conversation in conversations:
        assert conversation.participants == 'Zoë "Jo" Lee\\'
        (kept,) = Revision.objects.filter(object_id=str(conversation.pk))
        assert kept.data == {**snapshot(conversation), "status": "draft", "version": 1}


@pytest.mark.parametrize("one_by_one", [False, True], ids=["in bulk", "one by one"])
def test_a_team_leader_is_told_which_team_is_missing_and_which_are_theirs(
    tmp_path: Path, personas: Any, one_by_one: bool
) -> None:
    path = tmp_path / "teams.csv"
    path.write_text(
        "Person ID,Forename,Surname,Service,Team,Conversation date,Type,Outcome,Rating\n"
        "T1,Ann,Reid,Care at Home,East,01/02/2024,Baseline,Feeling safe,Met\n"
        "T2,Bob,Reid,Reablement,East,01/02/2024,Baseline,Feeling safe,Met\n"
        "T3,Cat,Reid,care at home,north,01/02/2024,Baseline,Feeling safe,Met\n"
    )
    report = import_records(
        personas.colleague,
        path,
        organisation=personas.organisation,
        framework=Framework.objects.get(slug="talking-points-service-users"),
        one_by_one=one_by_one,
    )
    reasons = {problem["row"]: problem["reason"] for problem in report.as_dict()["problems"]}
    what_to_do = (
        "and only the organisation's administrators can add one: put the service and team you "
        "work in (Care at Home / North) in the Service and Team columns, or ask an "
        "administrator to import the file."
    )
    assert reasons == {
        1: f"There is no team 'East' in the service 'Care at Home', {what_to_do}",
        2: f"There is no service 'Reablement', {what_to_do}",
    }
    assert report.rows_accepted == 1  # the team's own name in other letter cases is theirs
