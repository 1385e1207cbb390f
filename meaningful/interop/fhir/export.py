"""A person's record as FHIR R4 (4.0.1) resources: one Bundle per person, or NDJSON for many.

The mapping is written up in docs/fhir.md. Shared resources (organisations, teams, staff,
questionnaires and our local CodeSystems) are written once per export. Every reference is
relative (`Type/id`) and points at a resource in the same Bundle or export.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from meaningful.accounts.access import care_teams, reachable_people
from meaningful.accounts.models import Organisation, Service, Team, User
from meaningful.audit.services import record_event
from meaningful.conversations.models import (
    Conversation,
    ConversationKind,
    ConversationStatus,
    OutcomeRecord,
)
from meaningful.errors import NotAllowed
from meaningful.frameworks.models import Framework, Level, Outcome, Scale
from meaningful.interop.fhir import systems as fs
from meaningful.people.models import Allocation, Person, Relationship
from meaningful.people.services import read_person
from meaningful.plans.models import Action, SupportPlan

Resource = dict[str, Any]


def ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def prune(value: Any) -> Any:
    """Drop empty strings, lists, objects and None: FHIR allows no empty elements."""
    if isinstance(value, dict):
        cleaned = {key: prune(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [
            item for item in (prune(entry) for entry in value) if item not in (None, "", [], {})
        ]
    return value


def choice_coding(system: str, code: str) -> dict[str, str]:
    """A Coding in one of our local CodeSystems built from the model's choices."""
    choices = fs.CHOICE_SYSTEMS[system][1]
    return {"system": fs.code_system_url(system), "code": code, "display": str(choices(code).label)}


def extension(name: str, **value: Any) -> dict[str, Any] | None:
    """An extension with its value, or None (left out) when the value is empty."""
    if all(item in (None, "", [], {}) for item in value.values()):
        return None
    return {"url": fs.extension_url(name), **value}


def framework_system(framework: Framework) -> str:
    return fs.code_system_url(framework.slug)


def scale_system(scale: Scale) -> str:
    return fs.code_system_url(f"scale-{scale.code}")


def questionnaire_url(framework: Framework, scale: Scale) -> str:
    return f"{fs.base()}/Questionnaire/{framework.slug}/{scale.code}"


def level_coding(scale: Scale, level: Level) -> dict[str, str]:
    return {"system": scale_system(scale), "code": level.code, "display": level.label}


def goal_id(person_id: object, framework_slug: str, outcome_code: str) -> str:
    return fs.stable_id("goal", person_id, framework_slug, outcome_code)


def people_for_export(queryset: Any) -> Any:
    """Load people with everything their resources need, in a fixed number of queries."""
    return (
        queryset.select_related("organisation")
        .prefetch_related(
            "identifiers",
            "consents",
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related(
                    "team__service__organisation", "worker"
                ).order_by("started_on", "id"),
            ),
            Prefetch(
                "cared_for_by",
                queryset=Relationship.objects.select_related("carer__organisation")
                .prefetch_related("carer__identifiers")
                .order_by("id"),
            ),
            Prefetch(
                "conversations",
                queryset=Conversation.objects.select_related(
                    "framework", "scale", "practitioner", "team__service__organisation"
                )
                .prefetch_related(
                    Prefetch(
                        "records",
                        queryset=OutcomeRecord.objects.select_related(
                            "outcome", "worker_level", "person_level", "agreed_level"
                        ),
                    ),
                    "framework__outcomes",
                    "scale__levels",
                )
                .order_by("held_on", "created_at"),
            ),
            Prefetch(
                "plans",
                queryset=SupportPlan.objects.select_related("created_by", "conversation")
                .prefetch_related(
                    Prefetch(
                        "actions",
                        queryset=Action.objects.select_related("outcome__framework").order_by("id"),
                    )
                )
                .order_by("starts_on", "created_at"),
            ),
        )
        .order_by("family_name", "given_name", "id")
    )


class Exporter:
    """Builds resources; shared ones are kept once, whoever's record refers to them."""

    def __init__(self) -> None:
        self.shared: dict[tuple[str, str], Resource] = {}

    def _share(self, resource: Resource) -> dict[str, str]:
        key = (resource["resourceType"], resource["id"])
        self.shared.setdefault(key, prune(resource))
        return ref(*key)

    # Shared resources -------------------------------------------------------------------

    def organisation(self, organisation: Organisation) -> dict[str, str]:
        return self._share(
            {
                "resourceType": "Organization",
                "id": fs.stable_id("organisation", organisation.pk),
                "identifier": [
                    {"system": fs.identifier_system("organisation"), "value": organisation.slug}
                ],
                "active": True,
                "name": organisation.name,
            }
        )

    def service(self, service: Service) -> dict[str, str]:
        return self._share(
            {
                "resourceType": "Organization",
                "id": fs.stable_id("service", service.pk),
                "active": True,
                "type": [{"coding": [choice_coding("service-kind", service.kind)]}],
                "name": service.name,
                "partOf": self.organisation(service.organisation),
            }
        )

    def team(self, team: Team) -> dict[str, str]:
        return self._share(
            {
                "resourceType": "CareTeam",
                "id": fs.stable_id("team", team.pk),
                "status": "active",
                "name": team.name,
                "managingOrganization": [self.service(team.service)],
            }
        )

    def practitioner(self, user: User) -> dict[str, str]:
        return self._share(
            {
                "resourceType": "Practitioner",
                "id": fs.stable_id("user", user.pk),
                "identifier": [
                    {"system": fs.identifier_system("staff-username"), "value": user.username}
                ],
                "active": user.is_active,
                "name": [{"family": user.last_name, "given": [user.first_name]}],
            }
        )

    def questionnaire(self, framework: Framework, scale: Scale) -> str:
        """Share the Questionnaire for a framework version on a scale; return its canonical."""
        url = questionnaire_url(framework, scale)
        key = (
            "Questionnaire",
            fs.stable_id("questionnaire", framework.slug, framework.version, scale.code),
        )
        if key in self.shared:
            return f"{url}|{framework.version}"
        self.framework_code_system(framework)
        self.scale_code_system(scale)
        for name in ("outcome-type", "contribution", "conversation-kind"):
            self.choice_code_system(name)
        levels = [{"valueCoding": level_coding(scale, lv)} for lv in scale.levels.all()]
        items: list[Resource] = [
            {"linkId": "story", "text": "The story of the conversation", "type": "text"},
            {"linkId": "participants", "text": "Who took part", "type": "string"},
        ]
        for outcome in framework.outcomes.all():
            questions: list[Resource] = [
                {"linkId": f"{outcome.code}.{suffix}", "text": text, "type": "text"}
                for suffix, text, _ in fs.TEXT_ITEMS
            ]
            questions += [
                {
                    "linkId": f"{outcome.code}.{suffix}",
                    "text": str(kind.label),
                    "type": "choice",
                    "answerOption": levels,
                }
                for suffix, kind, _ in fs.RATING_ITEMS
            ]
            questions += [
                {
                    "linkId": f"{outcome.code}.outcome-type",
                    "text": "Type of outcome",
                    "type": "choice",
                    "answerOption": self._options("outcome-type"),
                },
                {
                    "linkId": f"{outcome.code}.contributions",
                    "text": "Who contributes",
                    "type": "choice",
                    "repeats": True,
                    "answerOption": self._options("contribution"),
                },
            ]
            items.append(
                {
                    "linkId": outcome.code,
                    "text": outcome.name,
                    "type": "group",
                    "code": [
                        {
                            "system": framework_system(framework),
                            "code": outcome.code,
                            "display": outcome.name,
                        }
                    ],
                    "item": questions,
                }
            )
        self._share(
            {
                "resourceType": "Questionnaire",
                "id": fs.stable_id("questionnaire", framework.slug, framework.version, scale.code),
                "url": url,
                "version": framework.version,
                "title": f"{framework.name}, rated on the scale {scale.name}",
                "status": "active",
                "subjectType": ["Patient"],
                "description": framework.description,
                "item": items,
            }
        )
        return f"{url}|{framework.version}"

    def _options(self, name: str) -> list[Resource]:
        choices = fs.CHOICE_SYSTEMS[name][1]
        return [{"valueCoding": choice_coding(name, str(value))} for value in choices.values]

    def _code_system(
        self, url: str, version: str, title: str, concepts: list[Resource], **more: Any
    ) -> None:
        self._share(
            {
                "resourceType": "CodeSystem",
                "id": fs.stable_id("codesystem", url, version),
                "url": url,
                "version": version,
                "title": title,
                "status": "active",
                "caseSensitive": True,
                "content": "complete",
                "count": len(concepts),
                "concept": concepts,
                **more,
            }
        )

    def _has_code_system(self, url: str, version: str) -> bool:
        """True once the export holds this CodeSystem (each person's record asks again)."""
        return ("CodeSystem", fs.stable_id("codesystem", url, version)) in self.shared

    def framework_code_system(self, framework: Framework) -> None:
        if self._has_code_system(framework_system(framework), framework.version):
            return
        self._code_system(
            framework_system(framework),
            framework.version,
            framework.name,
            [
                {
                    "code": outcome.code,
                    "display": outcome.name,
                    "definition": outcome.description,
                    "property": [{"code": "category", "valueString": outcome.category}],
                }
                for outcome in framework.outcomes.all()
            ],
            property=[{"code": "category", "type": "string"}],
        )

    def scale_code_system(self, scale: Scale) -> None:
        if self._has_code_system(scale_system(scale), "1"):
            return
        concepts = []
        for level in scale.levels.all():
            properties = [
                {"code": name, "valueInteger": getattr(level, name)}
                for name in ("rank", "value")
                if getattr(level, name) is not None
            ]
            concepts.append({"code": level.code, "display": level.label, "property": properties})
        self._code_system(
            scale_system(scale),
            "1",
            scale.name,
            concepts,
            description=scale.description,
            property=[
                {"code": "rank", "type": "integer", "description": "Higher is a better outcome"},
                {"code": "value", "type": "integer", "description": "Score on a numbered scale"},
            ],
        )

    def choice_code_system(self, name: str) -> str:
        if self._has_code_system(fs.code_system_url(name), "1"):
            return fs.code_system_url(name)
        title, choices = fs.CHOICE_SYSTEMS[name]
        self._code_system(
            fs.code_system_url(name),
            "1",
            title,
            [{"code": str(value), "display": str(label)} for value, label in choices.choices],
        )
        return fs.code_system_url(name)

    # One person's resources -------------------------------------------------------------

    def person(self, person: Person) -> list[Resource]:
        """Return the person's own resources (shared ones are kept on the exporter)."""
        for name in (
            "client-group",
            "rating-kind",
            "action-owner",
            "consent-purpose",
            "service-kind",
        ):
            self.choice_code_system(name)
        resources = [self.patient(person)]
        resources += [self.episode(allocation) for allocation in person.allocations.all()]
        resources += [self.related_person(rel) for rel in person.cared_for_by.all()]
        conversations = list(person.conversations.all())
        goals, observations = self.goals_and_observations(person, conversations)
        resources += [self.questionnaire_response(c) for c in conversations]
        resources += goals + observations
        resources += [self.provenance(c, observations) for c in conversations]
        for plan in person.plans.all():
            resources += self.care_plan(plan)
        resources += [self.consent(consent) for consent in person.consents.all()]
        return [prune(resource) for resource in resources]

    def patient(self, person: Person) -> Resource:
        names: list[Resource] = [
            {"use": "official", "family": person.family_name, "given": [person.given_name]}
        ]
        if person.preferred_name:
            names.append({"use": "usual", "given": [person.preferred_name]})
        return {
            "resourceType": "Patient",
            "id": str(person.pk),
            "extension": [
                extension(
                    "client-group", valueCoding=choice_coding("client-group", person.client_group)
                ),
                extension("unpaid-carer", valueBoolean=person.is_carer),
                extension("about-me", valueString=person.about_me),
            ],
            "identifier": [
                {
                    "system": fs.identifier_system(identifier.system, person.organisation.slug),
                    "value": identifier.value,
                }
                for identifier in person.identifiers.all()
            ],
            "active": True,
            "name": names,
            "gender": fs.GENDER[person.sex],
            "birthDate": _date(person.date_of_birth),
            "address": [{"postalCode": person.postcode}] if person.postcode else [],
            "managingOrganization": self.organisation(person.organisation),
        }

    def episode(self, allocation: Allocation) -> Resource:
        return {
            "resourceType": "EpisodeOfCare",
            "id": fs.stable_id("allocation", allocation.pk),
            "status": "finished" if allocation.ended_on else "active",
            "patient": ref("Patient", str(allocation.person_id)),
            "managingOrganization": self.organisation(allocation.team.service.organisation),
            "period": {"start": _date(allocation.started_on), "end": _date(allocation.ended_on)},
            "careManager": self.practitioner(allocation.worker) if allocation.worker else None,
            "team": [self.team(allocation.team)],
        }

    def related_person(self, relationship: Relationship) -> Resource:
        carer = relationship.carer
        return {
            "resourceType": "RelatedPerson",
            "id": fs.stable_id("relationship", relationship.pk),
            "identifier": [
                {
                    "system": fs.identifier_system(identifier.system, carer.organisation.slug),
                    "value": identifier.value,
                }
                for identifier in carer.identifiers.all()
            ],
            "active": relationship.ended_on is None,
            "patient": ref("Patient", str(relationship.cared_for_id)),
            "relationship": [
                {
                    "coding": [
                        {"system": fs.UK_CORE_RELATIONSHIP, "code": "Carer", "display": "Carer"}
                    ],
                    "text": relationship.description,
                }
            ],
            "name": [{"family": carer.family_name, "given": [carer.given_name]}],
            "period": {
                "start": _date(relationship.started_on),
                "end": _date(relationship.ended_on),
            },
        }

    def questionnaire_response(self, conversation: Conversation) -> Resource:
        items: list[Resource] = []
        for link_id, text, value in (
            ("story", "The story of the conversation", conversation.story),
            ("participants", "Who took part", conversation.participants),
        ):
            if value:
                items.append({"linkId": link_id, "text": text, "answer": [{"valueString": value}]})
        for record in conversation.records.all():
            code = record.outcome.code
            answers: list[Resource] = [
                {
                    "linkId": f"{code}.{suffix}",
                    "text": text,
                    "answer": [{"valueString": getattr(record, name)}],
                }
                for suffix, text, name in fs.TEXT_ITEMS
                if getattr(record, name)
            ]
            for suffix, kind, name in fs.RATING_ITEMS:
                level = getattr(record, name)
                if level is not None:
                    answers.append(
                        {
                            "linkId": f"{code}.{suffix}",
                            "text": str(kind.label),
                            "answer": [{"valueCoding": level_coding(conversation.scale, level)}],
                        }
                    )
            answers.append(
                {
                    "linkId": f"{code}.outcome-type",
                    "answer": [{"valueCoding": choice_coding("outcome-type", record.outcome_type)}],
                }
            )
            if record.contributions:
                answers.append(
                    {
                        "linkId": f"{code}.contributions",
                        "answer": [
                            {"valueCoding": choice_coding("contribution", who)}
                            for who in record.contributions
                        ],
                    }
                )
            items.append({"linkId": code, "text": record.outcome.name, "item": answers})
        return {
            "resourceType": "QuestionnaireResponse",
            "id": str(conversation.pk),
            "extension": [
                extension(
                    "conversation-kind",
                    valueCoding=choice_coding("conversation-kind", conversation.kind),
                ),
                extension("recorded-for-team", valueReference=self.team(conversation.team)),
                extension("next-review-due", valueDate=_date(conversation.next_review_due)),
            ],
            "questionnaire": self.questionnaire(conversation.framework, conversation.scale),
            "status": fs.QR_STATUS[ConversationStatus(conversation.status)],
            "subject": ref("Patient", str(conversation.person_id)),
            "authored": _date(conversation.held_on),
            "author": self.practitioner(conversation.practitioner),
            "source": ref("Patient", str(conversation.person_id)),
            "item": items,
        }

    def goals_and_observations(
        self, person: Person, conversations: list[Conversation]
    ) -> tuple[list[Resource], list[Resource]]:
        """One Goal per personal outcome the person has talked about, one Observation per rating."""
        by_goal: dict[tuple[str, str], list[tuple[Conversation, OutcomeRecord]]] = defaultdict(list)
        for conversation in conversations:
            for record in conversation.records.all():
                by_goal[(conversation.framework.slug, record.outcome.code)].append(
                    (conversation, record)
                )
        agreed = [c for c in conversations if c.status == ConversationStatus.AGREED]
        ended = bool(agreed) and agreed[-1].kind == ConversationKind.EXIT
        goals, observations = [], []
        for (slug, code), history in by_goal.items():
            identifier = goal_id(person.pk, slug, code)
            outcome: Outcome = history[-1][1].outcome
            framework = history[-1][0].framework
            own = []
            for conversation, record in history:
                own += self.observations(conversation, record, identifier)
            observations += own
            rated = [
                (c, r.agreed_level)
                for c, r in history
                if c.status == ConversationStatus.AGREED and r.agreed_level is not None
            ]
            words = next((r.what_matters for _, r in reversed(history) if r.what_matters), "")
            due = next((c.next_review_due for c, _ in reversed(history) if c.next_review_due), None)
            goals.append(
                {
                    "resourceType": "Goal",
                    "id": identifier,
                    "lifecycleStatus": "completed" if ended else "active",
                    "achievementStatus": _achievement(rated),
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": framework_system(framework),
                                    "code": code,
                                    "display": outcome.name,
                                }
                            ]
                        }
                    ],
                    "description": {"text": words or outcome.name},
                    "subject": ref("Patient", str(person.pk)),
                    "startDate": _date(history[0][0].held_on),
                    "target": [{"dueDate": _date(due)}] if due else [],
                    "statusDate": _date(rated[-1][0].held_on) if rated else None,
                    "expressedBy": ref("Patient", str(person.pk)),
                    "outcomeReference": [ref("Observation", o["id"]) for o in own],
                }
            )
        return goals, observations

    def observations(
        self, conversation: Conversation, record: OutcomeRecord, goal: str
    ) -> list[Resource]:
        made = []
        for _, kind, name in fs.RATING_ITEMS:
            level = getattr(record, name)
            if level is None:
                continue
            performers = []
            if kind in (fs.RatingKind.AGREED, fs.RatingKind.WORKER):
                performers.append(self.practitioner(conversation.practitioner))
            if kind in (fs.RatingKind.AGREED, fs.RatingKind.PERSON):
                performers.append(ref("Patient", str(conversation.person_id)))
            made.append(
                {
                    "resourceType": "Observation",
                    "id": fs.stable_id("observation", record.pk, kind.value),
                    "status": "final"
                    if conversation.status == ConversationStatus.AGREED
                    else "preliminary",
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": fs.OBSERVATION_CATEGORY,
                                    "code": "survey",
                                    "display": "Survey",
                                }
                            ]
                        }
                    ],
                    "code": {
                        "coding": [
                            choice_coding("rating-kind", kind.value),
                            {
                                "system": framework_system(conversation.framework),
                                "version": conversation.framework.version,
                                "code": record.outcome.code,
                                "display": record.outcome.name,
                            },
                        ],
                        "text": f"{kind.label}: {record.outcome.name}",
                    },
                    "subject": ref("Patient", str(conversation.person_id)),
                    "focus": [ref("Goal", goal)],
                    "effectiveDateTime": _date(conversation.held_on),
                    "performer": performers,
                    "valueCodeableConcept": {
                        "coding": [level_coding(conversation.scale, level)],
                        "text": level.label,
                    },
                    "derivedFrom": [ref("QuestionnaireResponse", str(conversation.pk))],
                }
            )
        return made

    def provenance(self, conversation: Conversation, observations: list[Resource]) -> Resource:
        derived = ref("QuestionnaireResponse", str(conversation.pk))
        targets = [derived] + [
            ref("Observation", o["id"]) for o in observations if derived in o["derivedFrom"]
        ]
        return {
            "resourceType": "Provenance",
            "id": fs.stable_id("provenance", conversation.pk),
            "target": targets,
            "occurredDateTime": _date(conversation.held_on),
            "recorded": conversation.created_at.isoformat(),
            "activity": {
                "coding": [{"system": fs.DATA_OPERATION, "code": "CREATE", "display": "create"}]
            },
            "agent": [
                {
                    "type": {
                        "coding": [
                            {"system": fs.PROVENANCE_AGENT, "code": "author", "display": "Author"}
                        ]
                    },
                    "who": self.practitioner(conversation.practitioner),
                    "onBehalfOf": self.organisation(conversation.team.service.organisation),
                },
                {
                    "type": {
                        "coding": [
                            {
                                "system": fs.PROVENANCE_AGENT,
                                "code": "informant",
                                "display": "Informant",
                            }
                        ]
                    },
                    "who": ref("Patient", str(conversation.person_id)),
                },
            ],
        }

    def care_plan(self, plan: SupportPlan) -> list[Resource]:
        person_ref = ref("Patient", str(plan.person_id))
        tasks = []
        goals: list[dict[str, str]] = []
        for action in plan.actions.all():
            focus = None
            if action.outcome is not None:
                focus = ref(
                    "Goal",
                    goal_id(plan.person_id, action.outcome.framework.slug, action.outcome.code),
                )
                if focus not in goals:
                    goals.append(focus)
            owner: dict[str, str] = {}
            if action.owner == "person":
                owner = dict(person_ref)
            elif action.owner == "service" and plan.conversation is not None:
                owner = dict(self.team(plan.conversation.team))
            if action.owner_name:
                owner["display"] = action.owner_name
            tasks.append(
                {
                    "resourceType": "Task",
                    "id": fs.stable_id("action", action.pk),
                    "extension": [
                        extension(
                            "action-owner", valueCoding=choice_coding("action-owner", action.owner)
                        )
                    ],
                    "basedOn": [ref("CarePlan", str(plan.pk))],
                    "status": fs.TASK_STATUS[action.status],
                    "intent": "plan",
                    "description": action.description,
                    "focus": focus,
                    "for": person_ref,
                    "owner": owner,
                    "restriction": {"period": {"end": _date(action.due_on)}},
                }
            )
        care_plan = {
            "resourceType": "CarePlan",
            "id": str(plan.pk),
            "extension": [extension("review-due", valueDate=_date(plan.review_due))],
            "status": fs.CARE_PLAN_STATUS[plan.status],
            "intent": "plan",
            "title": "Support plan",
            "subject": person_ref,
            "period": {"start": _date(plan.starts_on), "end": _date(plan.ends_on)},
            "author": self.practitioner(plan.created_by),
            "supportingInfo": [ref("QuestionnaireResponse", str(plan.conversation_id))]
            if plan.conversation_id
            else [],
            "goal": goals,
            "activity": [{"reference": ref("Task", str(task["id"]))} for task in tasks],
        }
        return [care_plan, *tasks]

    def consent(self, consent: Any) -> Resource:
        actors = []
        if consent.agency:
            actors.append(
                {
                    "role": {
                        "coding": [
                            {
                                "system": fs.PARTICIPATION_TYPE,
                                "code": "IRCP",
                                "display": "information recipient",
                            }
                        ]
                    },
                    "reference": {"display": consent.agency},
                }
            )
        return {
            "resourceType": "Consent",
            "id": fs.stable_id("consent", consent.pk),
            "status": "active" if consent.in_force_on(timezone.localdate()) else "inactive",
            "scope": {
                "coding": [
                    {
                        "system": fs.CONSENT_SCOPE,
                        "code": "patient-privacy",
                        "display": "Privacy Consent",
                    }
                ]
            },
            "category": [{"coding": [choice_coding("consent-purpose", consent.purpose)]}],
            "patient": ref("Patient", str(consent.person_id)),
            "dateTime": _date(consent.given_on),
            "organization": [self.organisation(consent.person.organisation)],
            "policyRule": {
                "coding": [{"system": fs.ACT_CODE, "code": "OPTIN", "display": "opt-in"}]
            },
            "provision": {
                "type": "permit",
                "period": {"start": _date(consent.given_on), "end": _date(consent.withdrawn_on)},
                "actor": actors,
            },
        }

    def shared_resources(self) -> list[Resource]:
        order = ["Organization", "CareTeam", "Practitioner", "CodeSystem", "Questionnaire"]
        return sorted(self.shared.values(), key=lambda r: (order.index(r["resourceType"]), r["id"]))


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _achievement(rated: list[tuple[Conversation, Level]]) -> Resource | None:
    """Achievement from the latest agreed rating, against the one before it."""
    if not rated:
        return None
    latest = rated[-1][1]
    previous = rated[-2][1] if len(rated) > 1 else None
    if latest.counts_as_met:
        code = "sustaining" if previous is not None and previous.counts_as_met else "achieved"
    elif previous is None or latest.rank is None or previous.rank is None:
        code = "in-progress"
    elif latest.rank > previous.rank:
        code = "improving"
    elif latest.rank < previous.rank:
        code = "worsening"
    else:
        code = "no-change"
    display = {
        "achieved": "Achieved",
        "sustaining": "Sustaining",
        "in-progress": "In Progress",
        "improving": "Improving",
        "worsening": "Worsening",
        "no-change": "No Change",
    }[code]
    return {"coding": [{"system": fs.GOAL_ACHIEVEMENT, "code": code, "display": display}]}


def bundle(resources: Iterable[Resource]) -> Resource:
    """A collection Bundle; each entry's fullUrl is the installation base plus Type/id."""
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": timezone.now().isoformat()},
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {"fullUrl": f"{fs.base()}/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


def person_bundle(actor: User, person_id: str) -> Resource:
    """Everything held about one person as a Bundle, if the actor may open the record; audited."""
    person = read_person(actor, person_id, purpose="FHIR export")
    loaded = people_for_export(Person.objects.filter(pk=person.pk)).get()
    exporter = Exporter()
    own = exporter.person(loaded)
    resources = exporter.shared_resources() + own
    record_event(
        actor,
        "export.fhir",
        person,
        person_id=person.pk,
        detail={"kind": "bundle", "resources": len(resources)},
    )
    return bundle(resources)


def bulk_export(actor: User, folder: Path) -> Counter[str]:
    """Write every person the actor may see as NDJSON, one file per resource type; audited."""
    if not actor.is_system and not care_teams(actor).exists():
        raise NotAllowed("Only staff who work with a caseload export people's records.")
    folder.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    files: dict[str, Any] = {}
    exporter = Exporter()
    people = 0
    try:
        for person in _in_chunks(reachable_people(actor)):
            people += 1
            for resource in exporter.person(person):
                _write_line(files, folder, resource, counts)
        for resource in exporter.shared_resources():
            _write_line(files, folder, resource, counts)
    finally:
        for handle in files.values():
            handle.close()
    record_event(
        actor, "export.fhir", detail={"kind": "bulk", "people": people, "resources": dict(counts)}
    )
    return counts


def _in_chunks(queryset: Any, size: int = 200) -> Iterator[Person]:
    ids = list(queryset.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), size):
        yield from people_for_export(Person.objects.filter(pk__in=ids[start : start + size]))


def _write_line(
    files: dict[str, Any], folder: Path, resource: Resource, counts: Counter[str]
) -> None:
    kind = resource["resourceType"]
    if kind not in files:
        files[kind] = (folder / f"{kind}.ndjson").open("w", encoding="utf-8")
    files[kind].write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
    counts[kind] += 1
