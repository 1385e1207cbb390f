"""Reading our own FHIR exports back: a Bundle, an NDJSON file or a folder of NDJSON files.

Everything is written through the services, so it is permission-checked and audited, in the
order it happened: people and their carers, then each conversation with the plan made at it,
then consents. A person whose resources break a rule is reported and left out; the others are
kept. Importing the same export twice creates nothing new the second time.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from meaningful.accounts.access import can_administer, import_grant
from meaningful.accounts.models import Organisation, Service, ServiceKind, Team, User
from meaningful.accounts.services import (
    add_service,
    add_team,
    create_organisation,
    create_staff_user,
)
from meaningful.conversations.models import Conversation, ConversationKind
from meaningful.conversations.services import (
    OutcomeInput,
    agree_conversation,
    record_conversation,
)
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework, Scale
from meaningful.interop.fhir import systems as fs
from meaningful.people.models import ClientGroup, Identifier, Person, Relationship, Sex
from meaningful.people.services import link_carer, record_consent, register_person, withdraw_consent
from meaningful.plans.models import ActionStatus
from meaningful.plans.services import ActionInput, create_plan, update_action

Resource = dict[str, Any]


class UnreadableExport(ValueError):
    """The file is not a FHIR Bundle or NDJSON export; the message says what to do."""


class Skip(Exception):
    """One resource (and what depends on it) cannot be imported; the message says why."""


@dataclass
class FhirImportReport:
    dry_run: bool
    resources_read: Counter[str] = field(default_factory=Counter)
    people_created: int = 0
    people_matched: int = 0
    carers_linked: int = 0
    conversations_created: int = 0
    conversations_already_imported: int = 0
    plans_created: int = 0
    consents_created: int = 0
    organisations_created: list[str] = field(default_factory=list)
    services_created: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    staff_created: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)

    def problem(self, resource: Resource | str, reason: str) -> None:
        where = resource if isinstance(resource, str) else _key(resource)
        self.problems.append({"resource": where, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["resources_read"] = dict(sorted(self.resources_read.items()))
        return data


def _key(resource: Resource) -> str:
    return f"{resource.get('resourceType', '?')}/{resource.get('id', '?')}"


def read_resources(path: Path) -> list[Resource]:
    """Return the resources in a Bundle (.json), an NDJSON file, or a folder of NDJSON files."""
    if path.is_dir():
        files = sorted(path.glob("*.ndjson"))
        if not files:
            raise UnreadableExport(
                f"{path} holds no .ndjson files; give a folder from export-fhir --all."
            )
        return [resource for file in files for resource in _ndjson(file)]
    if not path.exists():
        raise UnreadableExport(f"{path} does not exist.")
    if path.suffix.lower() == ".ndjson":
        return _ndjson(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableExport(
            f"{path} is not JSON ({error}); give a Bundle from export-fhir."
        ) from error
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise UnreadableExport(
            f"{path} is not a FHIR Bundle; give a Bundle from export-fhir --person."
        )
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise UnreadableExport(f"{path}: the Bundle's entry is not a list.")
    return [
        _checked(entry.get("resource") if isinstance(entry, dict) else None, f"entry {n}")
        for n, entry in enumerate(entries, 1)
    ]


def _ndjson(path: Path) -> list[Resource]:
    resources = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise UnreadableExport(f"{path} is not UTF-8 text.") from error
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            resources.append(_checked(json.loads(line), f"{path.name} line {number}"))
        except json.JSONDecodeError as error:
            raise UnreadableExport(f"{path.name} line {number} is not JSON: {error}") from error
    return resources


def _checked(resource: object, where: str) -> Resource:
    if (
        not isinstance(resource, dict)
        or not isinstance(resource.get("resourceType"), str)
        or not isinstance(resource.get("id"), str)
    ):
        raise UnreadableExport(f"{where} is not a FHIR resource with a resourceType and an id.")
    return resource


def _reference(value: object) -> str:
    return str(value.get("reference", "")) if isinstance(value, dict) else ""


def _extension(resource: Resource, name: str) -> Any:
    url = f"/StructureDefinition/{name}"
    for item in resource.get("extension", []):
        if str(item.get("url", "")).endswith(url):
            return next((v for k, v in item.items() if k.startswith("value")), None)
    return None


def _code(codeable: object, system_name: str) -> str | None:
    """Return the code from one of our local CodeSystems in a Coding or CodeableConcept."""
    codings = codeable.get("coding", [codeable]) if isinstance(codeable, dict) else []
    for coding in codings:
        if str(coding.get("system", "")).endswith(f"/CodeSystem/{system_name}"):
            return str(coding.get("code", ""))
    return None


def _date(value: object) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as error:
        raise Skip(f"{value!r} is not a date (YYYY-MM-DD).") from error


# The element that says whom a resource is about, for the resources read per person.
SUBJECT_FIELDS = {
    "EpisodeOfCare": "patient",
    "QuestionnaireResponse": "subject",
    "CarePlan": "subject",
    "Consent": "patient",
}


class FhirImporter:
    def __init__(
        self,
        actor: User,
        resources: list[Resource],
        report: FhirImportReport,
        organisation: Organisation | None,
    ) -> None:
        self.actor, self.report, self.target = actor, report, organisation
        self.by_key = {_key(r): r for r in resources}
        self.by_type: dict[str, list[Resource]] = {}
        for resource in resources:
            report.resources_read[resource["resourceType"]] += 1
            self.by_type.setdefault(resource["resourceType"], []).append(resource)
        # Who each resource is about, and which conversation each plan came from, looked up once.
        self.about: dict[tuple[str, str], list[Resource]] = {}
        self.plans_from: dict[str, list[Resource]] = {}
        for kind, field_name in SUBJECT_FIELDS.items():
            for resource in self.by_type.get(kind, []):
                key = (kind, _reference(resource.get(field_name)))
                self.about.setdefault(key, []).append(resource)
        for plan in self.by_type.get("CarePlan", []):
            for source in plan.get("supportingInfo", []):
                self.plans_from.setdefault(_reference(source), []).append(plan)
        self.people: dict[str, Person] = {}
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.organisations: dict[str, Organisation] = {}

    def resolve(self, value: object, resource_type: str) -> Resource:
        key = _reference(value)
        if not key.startswith(f"{resource_type}/") or key not in self.by_key:
            raise Skip(f"refers to {key or 'nothing'}, which is not in the export")
        return self.by_key[key]

    # Organisations, teams and staff -----------------------------------------------------

    def organisation(self, value: object) -> Organisation:
        if self.target is not None:
            return self.target
        resource = self.resolve(value, "Organization")
        if resource["id"] not in self.organisations:
            name = str(resource.get("name", "")).strip()
            organisation = Organisation.objects.filter(name=name).first()
            if organisation is None:
                if not self.actor.is_system:
                    raise Skip(f"no organisation called {name!r} here; give --organisation SLUG")
                organisation = create_organisation(self.actor, name)
                self.report.organisations_created.append(name)
            self.organisations[resource["id"]] = organisation
        return self.organisations[resource["id"]]

    def team(self, value: object) -> Team:
        resource = self.resolve(value, "CareTeam")
        if resource["id"] not in self.teams:
            service_resource = self.resolve(
                (resource.get("managingOrganization") or [None])[0], "Organization"
            )
            organisation = self.organisation(service_resource.get("partOf"))
            service_name = str(service_resource.get("name", "")).strip()
            service = Service.objects.filter(organisation=organisation, name=service_name).first()
            if service is None:
                kind = next(
                    (
                        _code(t, "service-kind")
                        for t in service_resource.get("type", [])
                        if _code(t, "service-kind")
                    ),
                    ServiceKind.OTHER,
                )
                service = add_service(
                    self.actor, organisation, service_name, kind or ServiceKind.OTHER
                )
                self.report.services_created.append(service_name)
            name = str(resource.get("name", "")).strip()
            team = Team.objects.filter(service=service, name=name).first()
            if team is None:
                team = add_team(self.actor, service, name)
                self.report.teams_created.append(f"{service_name} / {name}")
            self.teams[resource["id"]] = team
        return self.teams[resource["id"]]

    def user(self, value: object, organisation: Organisation) -> User:
        resource = self.resolve(value, "Practitioner")
        if resource["id"] not in self.users:
            username = next(
                (
                    str(i.get("value", ""))
                    for i in resource.get("identifier", [])
                    if str(i.get("system", "")).endswith("/Id/staff-username")
                ),
                "",
            )
            if not username:
                raise Skip(f"{_key(resource)} has no staff username identifier")
            # Usernames are one account whatever their capitals (create_staff_user refuses twins).
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                name = (resource.get("name") or [{}])[0]
                user = create_staff_user(
                    self.actor,
                    organisation,
                    username=username,
                    first_name=" ".join(name.get("given", [])),
                    last_name=str(name.get("family", "")),
                )
                self.report.staff_created.append(username)
            self.users[resource["id"]] = user
        return self.users[resource["id"]]

    # People ------------------------------------------------------------------------------

    def person(self, patient: Resource) -> None:
        organisation = self.organisation(patient.get("managingOrganization"))
        identifiers = []
        for item in patient.get("identifier", []):
            kind = fs.identifier_kind(str(item.get("system", "")))
            if kind is not None and item.get("value"):
                identifiers.append((kind, str(item["value"])))
        existing = (
            Identifier.objects.filter(
                organisation=organisation, system=identifiers[0][0], value=identifiers[0][1]
            )
            .select_related("person")
            .first()
            if identifiers
            else None
        )
        if existing is not None:
            self.people[patient["id"]] = existing.person
            self.report.people_matched += 1
            return
        episodes = sorted(
            self.about.get(("EpisodeOfCare", f"Patient/{patient['id']}"), []),
            key=lambda e: (e.get("status") != "active", str(e.get("period", {}).get("start", ""))),
        )
        if not episodes:
            raise Skip("no EpisodeOfCare says which team's caseload the person is on")
        episode = episodes[0]
        for extra in episodes[1:]:
            self.report.problem(
                extra, "only the current team allocation is imported; this earlier one was left out"
            )
        official: Resource = next(
            (n for n in patient.get("name", []) if n.get("use") != "usual"), {}
        )
        usual: Resource = next((n for n in patient.get("name", []) if n.get("use") == "usual"), {})
        sexes = fs.reverse(fs.GENDER)
        client_group = (
            _code(_extension(patient, "client-group") or {}, "client-group") or ClientGroup.OTHER
        )
        team = self.team((episode.get("team") or [None])[0])
        worker = (
            self.user(episode["careManager"], organisation) if episode.get("careManager") else None
        )
        self.people[patient["id"]] = register_person(
            self.actor,
            team,
            worker=worker,
            allocated_on=_date(episode.get("period", {}).get("start")),
            identifiers=identifiers,
            given_name=" ".join(official.get("given", [])),
            family_name=str(official.get("family", "")),
            preferred_name=" ".join(usual.get("given", [])),
            date_of_birth=_date(patient.get("birthDate")),
            postcode=str((patient.get("address") or [{}])[0].get("postalCode", ""))[:10],
            sex=sexes.get(str(patient.get("gender", "unknown")), Sex.NOT_KNOWN),
            client_group=client_group,
            is_carer=bool(_extension(patient, "unpaid-carer")),
            about_me=str(_extension(patient, "about-me") or ""),
        )
        self.report.people_created += 1

    def carer(self, related: Resource) -> None:
        cared_for = self.people.get(_reference(related.get("patient")).removeprefix("Patient/"))
        if cared_for is None:
            raise Skip("the person cared for was not imported")
        carer = None
        for item in related.get("identifier", []):
            kind = fs.identifier_kind(str(item.get("system", "")))
            found = (
                Identifier.objects.filter(
                    organisation=cared_for.organisation, system=kind, value=item.get("value")
                )
                .select_related("person")
                .first()
            )
            if kind and found is not None:
                carer = found.person
                break
        if carer is None:
            raise Skip("the carer has no record of their own here, so the link was not made")
        if Relationship.objects.filter(carer=carer, cared_for=cared_for).exists():
            return
        link_carer(
            self.actor,
            carer,
            cared_for,
            description=str((related.get("relationship") or [{}])[0].get("text", "")),
            started_on=_date(related.get("period", {}).get("start")),
        )
        self.report.carers_linked += 1

    # Conversations and plans --------------------------------------------------------------

    def framework(self, canonical: str) -> tuple[Framework, Scale]:
        url, _, version = canonical.partition("|")
        parts = url.rstrip("/").split("/")
        if len(parts) < 3 or parts[-3] != "Questionnaire" or not version:
            raise Skip(
                f"questionnaire {canonical!r} is not one of ours (…/Questionnaire/FRAMEWORK/SCALE|VERSION)"
            )
        framework = Framework.objects.filter(slug=parts[-2], version=version).first()
        scale = Scale.objects.filter(code=parts[-1]).first()
        if framework is None or scale is None:
            raise Skip(
                f"framework {parts[-2]} version {version} on scale {parts[-1]} is not loaded here; load it with load-frameworks first"
            )
        return framework, scale

    def conversation(self, response: Resource, person: Person) -> None:
        framework, scale = self.framework(str(response.get("questionnaire", "")))
        held_on = _date(response.get("authored"))
        kind = _code(_extension(response, "conversation-kind") or {}, "conversation-kind") or ""
        if held_on is None or kind not in ConversationKind.values:
            raise Skip("the conversation's date (authored) or kind is missing")
        if Conversation.objects.filter(
            person=person, held_on=held_on, kind=kind, framework__slug=framework.slug
        ).exists():
            self.report.conversations_already_imported += 1
            return
        top = {item.get("linkId"): item for item in response.get("item", [])}
        records = []
        outcomes = set(framework.outcomes.values_list("code", flat=True))
        for link_id, item in top.items():
            if link_id in ("story", "participants"):
                continue
            if link_id not in outcomes:
                raise Skip(f"{link_id!r} is not an outcome in {framework}")
            answers = {
                str(sub.get("linkId", "")).removeprefix(f"{link_id}."): sub.get("answer", [])
                for sub in item.get("item", [])
            }
            values: dict[str, Any] = {}
            for suffix, _, name in fs.TEXT_ITEMS:
                values[name] = str((answers.get(suffix) or [{}])[0].get("valueString", ""))
            for suffix, _, name in fs.RATING_ITEMS:
                coding = (answers.get(suffix) or [{}])[0].get("valueCoding")
                values[name] = coding.get("code") if coding else None
            values["outcome_type"] = (
                _code(
                    (answers.get("outcome-type") or [{}])[0].get("valueCoding") or {},
                    "outcome-type",
                )
                or ""
            )
            values["contributions"] = [
                _code(a.get("valueCoding") or {}, "contribution") or ""
                for a in answers.get("contributions", [])
            ]
            records.append(OutcomeInput(outcome=link_id, **values))
        organisation = person.organisation
        conversation = record_conversation(
            self.actor,
            person,
            framework=framework,
            scale=scale,
            held_on=held_on,
            kind=kind,
            records=records,
            team=self.team(_extension(response, "recorded-for-team")),
            story=_answer(top.get("story")),
            participants=_answer(top.get("participants")),
            next_review_due=_date(_extension(response, "next-review-due")),
            practitioner=self.user(response.get("author"), organisation),
        )
        self.report.conversations_created += 1
        for plan in self._plans_of(response):
            self.plan(plan, person, conversation, draft=True)
        if response.get("status") == "completed":
            # The export lists each action in the plan it ended up in: nothing to carry.
            agree_conversation(self.actor, conversation, carry_forward=False)

    def _plans_of(self, response: Resource) -> list[Resource]:
        return self.plans_from.get(f"QuestionnaireResponse/{response['id']}", [])

    def plan(
        self, care_plan: Resource, person: Person, conversation: Conversation | None, *, draft: bool
    ) -> None:
        actions, statuses = [], []
        for activity in care_plan.get("activity", []):
            task = self.resolve(activity.get("reference"), "Task")
            owner = _code(_extension(task, "action-owner") or {}, "action-owner") or "service"
            outcome = None
            if task.get("focus"):
                goal = self.resolve(task["focus"], "Goal")
                outcome = next(
                    (
                        str(c.get("code"))
                        for cat in goal.get("category", [])
                        for c in cat.get("coding", [])
                    ),
                    None,
                )
            actions.append(
                ActionInput(
                    description=str(task.get("description", "")),
                    owner=owner,
                    outcome=outcome,
                    owner_name=str(task.get("owner", {}).get("display", "")),
                    due_on=_date(task.get("restriction", {}).get("period", {}).get("end")),
                )
            )
            statuses.append(
                fs.reverse(fs.TASK_STATUS).get(str(task.get("status")), ActionStatus.PLANNED)
            )
        plan = create_plan(
            self.actor,
            person,
            starts_on=_date(care_plan.get("period", {}).get("start")) or date.today(),
            actions=actions,
            conversation=conversation,
            review_due=_date(_extension(care_plan, "review-due")),
            draft=draft,
        )
        for action, status in zip(plan.actions.order_by("id"), statuses, strict=True):
            if status != ActionStatus.PLANNED:
                update_action(self.actor, action, {"status": status}, reason="imported from FHIR")
        self.report.plans_created += 1

    def consent(self, resource: Resource, person: Person) -> None:
        purpose = next(
            (
                _code(c, "consent-purpose")
                for c in resource.get("category", [])
                if _code(c, "consent-purpose")
            ),
            None,
        )
        given_on = _date(resource.get("dateTime"))
        if purpose is None or given_on is None:
            raise Skip("the consent's purpose (category) or date is missing")
        agency = next(
            (
                str(a.get("reference", {}).get("display", ""))
                for a in resource.get("provision", {}).get("actor", [])
            ),
            "",
        )
        if person.consents.filter(purpose=purpose, given_on=given_on, agency=agency).exists():
            return
        consent = record_consent(self.actor, person, purpose, given_on=given_on, agency=agency)
        withdrawn = _date(resource.get("provision", {}).get("period", {}).get("end"))
        if withdrawn is not None:
            withdraw_consent(self.actor, consent, withdrawn_on=withdrawn)
        self.report.consents_created += 1

    # The whole import --------------------------------------------------------------------

    def run(self) -> None:
        patients = self.by_type.get("Patient", [])
        for patient in patients:
            self._guarded(patient, lambda p=patient: self.person(p))
        for related in self.by_type.get("RelatedPerson", []):
            self._guarded(related, lambda r=related: self.carer(r))
        for patient in patients:
            person = self.people.get(patient["id"])
            if person is not None:
                self._guarded(patient, lambda p=patient, who=person: self._record_of(p, who))

    def _record_of(self, patient: Resource, person: Person) -> None:
        subject = f"Patient/{patient['id']}"
        responses = sorted(
            self.about.get(("QuestionnaireResponse", subject), []),
            key=lambda r: str(r.get("authored", "")),
        )
        linked = {p["id"] for r in responses for p in self._plans_of(r)}
        for response in responses:
            self._guarded(response, lambda r=response: self.conversation(r, person))
        for care_plan in self.about.get(("CarePlan", subject), []):
            starts = _date(care_plan.get("period", {}).get("start"))
            if care_plan["id"] not in linked and not (
                starts and person.plans.filter(conversation=None, starts_on=starts).exists()
            ):
                self._guarded(
                    care_plan,
                    lambda p=care_plan: self.plan(
                        p, person, None, draft=p.get("status") == "draft"
                    ),
                )
        for consent in self.about.get(("Consent", subject), []):
            self._guarded(consent, lambda c=consent: self.consent(c, person))

    def _guarded(self, resource: Resource, work: Any) -> None:
        """Do one piece of work in a savepoint; on a broken rule, report it and keep going."""
        try:
            with transaction.atomic():
                work()
        except Skip as error:
            self.report.problem(resource, str(error))
        except InvalidInput as error:
            self.report.problem(resource, "; ".join(error.errors.values()))
        except (NotAllowed, NotFound) as error:
            self.report.problem(resource, str(error))


def _answer(item: Resource | None) -> str:
    if not item:
        return ""
    return str((item.get("answer") or [{}])[0].get("valueString", ""))


def import_fhir(
    actor: User,
    path: Path,
    *,
    organisation: Organisation | None = None,
    dry_run: bool = False,
) -> FhirImportReport:
    """Import an export-fhir Bundle or NDJSON folder; raise UnreadableExport for the whole file."""
    report = FhirImportReport(dry_run=dry_run)
    resources = read_resources(path)
    grant = (
        import_grant(actor, organisation)
        if organisation is not None and can_administer(actor, organisation) and not actor.is_system
        else nullcontext()
    )
    with transaction.atomic(), grant:
        FhirImporter(actor, resources, report, organisation).run()
        if dry_run:
            transaction.set_rollback(True)
    return report
