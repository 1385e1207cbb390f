"""Build the demo organisation: staff, people and carers, and their outcome journeys.

Everything is written through the services layer (as the system account), so the demo data
is permission-checked, audited and versioned exactly like real recording.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from meaningful.accounts.models import Team, User
from meaningful.accounts.services import system_account
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.conversations.services import (
    agree_conversation,
    record_conversation,
    update_outcome_record,
)
from meaningful.demo.identities import make_identity
from meaningful.demo.journeys import actions_for, plan_dates, record_for, start_threads
from meaningful.demo.organisation import DEMO_ORGANISATION, DemoOrganisation, build_organisation
from meaningful.demo.phrases import outcome_phrases, phrasebook, pick
from meaningful.frameworks.models import Framework
from meaningful.people.models import Person
from meaningful.people.services import link_carer, record_consent, register_person, withdraw_consent
from meaningful.plans.models import ActionStatus, SupportPlan
from meaningful.plans.services import create_plan, update_action

# Team -> (share of people, framework slug, client groups, youngest, oldest)
TEAM_MIX = {
    "Care at Home North": (
        27,
        "talking-points-service-users",
        ["older-people", "dementia", "physical-disability"],
        65,
        98,
    ),
    "Care at Home South": (
        27,
        "talking-points-service-users",
        ["older-people", "dementia", "physical-disability"],
        65,
        98,
    ),
    "Recovery Team": (24, "talking-points-service-users", ["mental-health"], 18, 66),
    "Carers Centre": (22, "talking-points-carers", ["unpaid-carer"], 35, 86),
}
CARER_RELATIONSHIPS = [
    "wife",
    "husband",
    "partner",
    "daughter",
    "son",
    "mother",
    "father",
    "sister",
    "brother",
    "daughter-in-law",
    "friend",
    "neighbour",
]
ABOUT_ME = [
    "I've lived in {town} nearly all my life and I know everybody in the street. "
    "I like my routines and I don't like a fuss made of me.",
    "I worked at the mill for thirty years. I'm happiest when I'm busy, and sitting about drives me daft.",
    "I'm a people person. What I miss most since my health changed is the company.",
    "Family means everything to me. I want to stay in my own home for as long as I can.",
    "I can be quiet with folk I don't know, but once I know you I'll talk all day.",
    "I used to be out at {place} every week. Getting some of that back would mean a lot.",
    "I like to do things for myself, even if it takes me longer. Please ask before you help.",
    "Some days are harder than others. On good days I like to get out for a walk by the river.",
]
CARER_ABOUT_ME = [
    "I look after {cared_for} and have done for a few years now. I want to keep doing it, "
    "but I need a bit of time that's mine.",
    "Caring for {cared_for} is a big part of my life. I'd like people to ask how I am too.",
    "I juggle work and looking after {cared_for}. Most days it works, some days it doesn't.",
    "I never thought of myself as a carer, I'm just doing what you do for family.",
]


@dataclass(frozen=True)
class DemoSummary:
    """What the demo contains, for the command's closing message and for tests."""

    organisation: str
    people: int
    carers: int
    conversations: int
    outcome_records: int
    staff: list[tuple[str, str]]


def _choose_team(rng: random.Random, demo: DemoOrganisation) -> Team:
    names = [name for name in TEAM_MIX if name != "Carers Centre"]
    return demo.teams[rng.choices(names, weights=[TEAM_MIX[n][0] for n in names])[0]]


def _slots(rng: random.Random, first_name: str, cared_for: str) -> dict[str, str]:
    book = phrasebook()
    return {
        "first_name": first_name,
        "relative": rng.choice(book["relatives"]),
        "place": rng.choice(book["places"]),
        "town": rng.choice(book["towns"]),
        "cared_for": cared_for,
    }


class DemoBuilder:
    """Creates people one by one, each with a journey of conversations and plans."""

    def __init__(self, rng: random.Random, today: date, demo: DemoOrganisation, system: User):
        self.rng, self.today, self.demo, self.system = rng, today, demo, system
        self.frameworks = {
            slug: Framework.objects.get(slug=slug, version="1")
            for slug in {mix[1] for mix in TEAM_MIX.values()}
        }
        self.outcomes = {
            slug: [(o.code, o.outcome_type) for o in framework.outcomes.all()]
            for slug, framework in self.frameworks.items()
        }
        self.serial = 0

    def add_person(self, team: Team, cared_for: Person | None = None) -> Person:
        rng, book = self.rng, phrasebook()
        _, slug, groups, youngest, oldest = TEAM_MIX[team.name]
        identity = make_identity(
            rng,
            given_names=book["given_names"],
            family_names=book["family_names"],
            today=self.today,
            min_age=youngest,
            max_age=oldest,
        )
        if cared_for is not None and rng.random() < 0.6:  # family carers often share a surname
            identity = replace(identity, family_name=cared_for.family_name)
        cared_for_name = (
            cared_for.given_name if cared_for else rng.choice(book["given_names"]["female"])
        )
        slots = _slots(rng, identity.given_name, cared_for_name)
        dates, exits = plan_dates(rng, self.today)
        self.serial += 1
        about = CARER_ABOUT_ME if slug == "talking-points-carers" else ABOUT_ME
        person = register_person(
            self.system,
            team,
            worker=self.demo.practitioner_for(team),
            allocated_on=dates[0],
            identifiers=[("chi", identity.chi), ("local", f"SW{200000 + self.serial}")],
            given_name=identity.given_name,
            family_name=identity.family_name,
            date_of_birth=identity.date_of_birth,
            postcode=identity.postcode,
            sex=identity.sex,
            client_group=rng.choice(groups),
            is_carer=slug == "talking-points-carers",
            about_me=pick(rng, about, slots) if rng.random() < 0.85 else "",
        )
        if cared_for is not None:
            link_carer(
                self.system,
                person,
                cared_for,
                description=rng.choice(CARER_RELATIONSHIPS),
                started_on=dates[0],
            )
        self._consent(person, dates[0])
        self._journey(person, team, slug, dates, exits, slots)
        return person

    def _consent(self, person: Person, given_on: date) -> None:
        if self.rng.random() < 0.7:
            consent = record_consent(
                self.system, person, "share-anonymised-quotes", given_on=given_on
            )
            if self.rng.random() < 0.06:
                withdrawn = given_on + timedelta(days=self.rng.randint(30, 200))
                withdraw_consent(self.system, consent, withdrawn_on=min(withdrawn, self.today))

    def _journey(
        self,
        person: Person,
        team: Team,
        slug: str,
        dates: list[date],
        exits: bool,
        slots: dict[str, str],
    ) -> None:
        rng, book = self.rng, phrasebook()
        threads = start_threads(rng, self.outcomes[slug], slots)
        stories = book["carer_stories"] if slug == "talking-points-carers" else book["stories"]
        previous_plan: SupportPlan | None = None
        for step, held_on in enumerate(dates):
            is_last = step == len(dates) - 1
            kind = "baseline" if step == 0 else "exit" if exits and is_last else "review"
            records = [record_for(rng, thread, step, slots)[0] for thread in threads]
            story_options = stories.get(kind) or book["stories"][kind]
            next_review = (
                None if kind == "exit" else held_on + timedelta(days=rng.randint(150, 200))
            )
            conversation = record_conversation(
                self.system,
                person,
                framework=self.frameworks[slug],
                held_on=held_on,
                kind=kind,
                records=records,
                team=team,
                story=pick(rng, story_options, slots),
                participants=rng.choice(
                    [slots["first_name"], f"{slots['first_name']} and {slots['relative']}"]
                ),
                next_review_due=next_review,
                practitioner=self.demo.practitioner_for(team),
            )
            if is_last and rng.random() < 0.1:
                continue  # the latest conversation is still a draft, not yet agreed
            agree_conversation(self.system, conversation)
            self._maybe_correct(conversation, slots)
            if previous_plan is not None:
                self._progress_actions(previous_plan)
            if kind != "exit":
                previous_plan = create_plan(
                    self.system,
                    person,
                    starts_on=held_on,
                    conversation=conversation,
                    review_due=next_review,
                    actions=actions_for(rng, threads, held_on, slots, team.name),
                )
        if previous_plan is not None:
            previous_plan.refresh_from_db()  # an exit conversation may have closed it
            if previous_plan.status == "active":
                self._progress_since(previous_plan)

    def _maybe_correct(self, conversation: Conversation, slots: dict[str, str]) -> None:
        """Now and then a record is reworded in the person's own words; the old text is kept."""
        for record in OutcomeRecord.objects.filter(conversation=conversation).select_related(
            "outcome"
        ):
            if self.rng.random() < 0.04:
                better = pick(self.rng, outcome_phrases(record.outcome.code)["what_matters"], slots)
                update_outcome_record(
                    self.system,
                    record,
                    {"what_matters": better},
                    reason="Reworded in the person's own words after checking with them",
                )

    def _progress_since(self, plan: SupportPlan) -> None:
        """Actions in the current plan whose date has passed are mostly done or under way."""
        for action in plan.actions.filter(due_on__lt=self.today):
            status = self.rng.choices(
                [ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.PLANNED],
                weights=[55, 30, 15],
            )[0]
            if status != ActionStatus.PLANNED:
                update_action(self.system, action, {"status": status}, reason="Progress noted")

    def _progress_actions(self, plan: SupportPlan) -> None:
        for action in plan.actions.all():
            status = self.rng.choices(
                [ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.DROPPED],
                weights=[60, 28, 12],
            )[0]
            update_action(
                self.system, action, {"status": status}, reason="Progress noted at review"
            )


def build_demo(
    *,
    people: int = 300,
    seed: int = 2026,
    today: date | None = None,
    organisation: str = DEMO_ORGANISATION,
) -> DemoSummary:
    """Create the demo organisation with ``people`` people; the same seed and date give the same data."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    with transaction.atomic():
        system = system_account()
        demo = build_organisation(system, name=organisation)
        builder = DemoBuilder(rng, today, demo, system)
        carers_wanted = round(people * TEAM_MIX["Carers Centre"][0] / 100)
        others = [_choose_team(rng, demo) for _ in range(people - carers_wanted)]
        cared_for_pool: list[Person] = []
        for team in others:
            person = builder.add_person(team)
            if team.name.startswith("Care at Home"):
                cared_for_pool.append(person)
        rng.shuffle(cared_for_pool)
        for index in range(carers_wanted):
            # Most carers look after someone the partnership also supports; some do not.
            cared_for = (
                cared_for_pool[index]
                if index < len(cared_for_pool) and rng.random() < 0.75
                else None
            )
            builder.add_person(demo.teams["Carers Centre"], cared_for=cared_for)
    return summarise(demo)


def summarise(demo: DemoOrganisation) -> DemoSummary:
    """Count what the demo organisation holds."""
    people = Person.objects.filter(organisation=demo.organisation)
    conversations = Conversation.objects.filter(person__organisation=demo.organisation)
    return DemoSummary(
        organisation=demo.organisation.name,
        people=people.count(),
        carers=people.filter(is_carer=True).count(),
        conversations=conversations.count(),
        outcome_records=OutcomeRecord.objects.filter(conversation__in=conversations).count(),
        staff=[
            (user.username, ", ".join(m.get_role_display() for m in user.memberships.all()))
            for user in demo.staff.values()
        ],
    )
