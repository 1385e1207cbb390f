"""Subject access: everything held about the person, third parties marked, only for their administrators."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from meaningful.accounts.services import create_organisation
from meaningful.audit.models import AuditEvent, Revision
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.conversations.services import agree_conversation, update_outcome_record
from meaningful.demo.factories import PERSONA_PASSWORD, Personas, make_conversation, make_person
from meaningful.errors import NotFound
from meaningful.people.models import Person
from meaningful.people.services import link_carer, record_consent
from meaningful.people.subject_access import subject_access_pack
from meaningful.plans.models import Action, SupportPlan
from meaningful.plans.services import ActionInput, create_plan

# Tables whose rows are about a person, and the pack's CSV that holds them.
COVERED = {
    "people.person": "person",
    "people.identifier": "identifiers",
    "people.allocation": "caseload_places",
    "people.relationship": "cares_for",  # and cared_for_by
    "people.consent": "consents",
    "conversations.conversation": "conversations",
    "conversations.outcomerecord": "outcome_records",
    "plans.supportplan": "support_plans",
    "plans.action": "actions",
    "people.breakglass": "break_glass_access",
    "people.erasurerequest": "erasure_requests",
    "coding.codedsegment": "coded_passages",
    "coding.codingcompletion": "coding_finished",
}
# Rows derived from the covered ones, rebuilt from them at any time: nothing of their own.
DERIVED = {
    "reports.ratingstep",
    "reports.recordquality",
    "reports.duestep",
    "coding.suggestionjob",  # a queue entry: when suggestions were worked out, no words
}
ABOUT_A_PERSON = (Person, Conversation, OutcomeRecord, SupportPlan, Action)


def read(pack: bytes) -> dict[str, list[dict[str, str]]]:
    tables = {}
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                text = archive.read(name).decode("utf-8-sig")
                tables[Path(name).stem] = list(csv.DictReader(io.StringIO(text)))
    return tables


@pytest.fixture
def person(personas: Personas) -> Person:
    agnes = make_person(personas.owner, personas.team, identifiers=[("chi", "1403411239")])
    jean = make_person(
        personas.owner, personas.team, given_name="Jean", family_name="Bell", is_carer=True
    )
    link_carer(personas.owner, jean, agnes, description="daughter")
    first = make_conversation(personas.owner, agnes, held_on=date(2026, 2, 1))
    agree_conversation(personas.owner, first)
    record = first.records.get(outcome__code="seeing-people")
    update_outcome_record(
        personas.owner,
        record,
        {"what_matters": "Jean takes me to the lunch club"},
        reason="her words",
    )
    create_plan(
        personas.owner,
        agnes,
        starts_on=date(2026, 2, 2),
        conversation=first,
        actions=[
            ActionInput("Ask Jean about Thursdays", "family-community", outcome="seeing-people")
        ],
    )
    record_consent(personas.owner, agnes, "share-anonymised-quotes", given_on=date(2026, 2, 1))
    return agnes


def test_every_row_about_the_person_is_in_the_pack(personas: Personas, person: Person) -> None:
    _, pack = subject_access_pack(personas.admin, str(person.pk))
    tables = read(pack)
    expected = {
        "person": Person.objects.filter(pk=person.pk),
        "identifiers": person.identifiers.all(),
        "caseload_places": person.allocations.all(),
        "cared_for_by": person.cared_for_by.all(),
        "consents": person.consents.all(),
        "conversations": Conversation.objects.filter(person=person),
        "outcome_records": OutcomeRecord.objects.filter(conversation__person=person),
        "support_plans": SupportPlan.objects.filter(person=person),
        "actions": Action.objects.filter(plan__person=person),
        "audit_trail": AuditEvent.objects.filter(person_id=person.pk),
    }
    for name, queryset in expected.items():
        assert sorted(row["id"] for row in tables[name]) == sorted(
            str(pk) for pk in queryset.values_list("pk", flat=True)
        ), name
    revised = Revision.objects.filter(object_type="conversations.outcomerecord")
    assert {row["id"] for row in tables["earlier_versions"]} >= {str(r.pk) for r in revised}
    assert (
        tables["outcome_records"][0]["what_matters"] or tables["outcome_records"][1]["what_matters"]
    )
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        bundle = json.loads(archive.read("record.fhir.json"))
        html = archive.read("record.html").decode()
    assert any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"])
    assert "Everything held about Agnes Millar" in html and "Check:" in html
    event = AuditEvent.objects.filter(action="person.subject-access").get()
    assert (event.actor, event.person_id) == (personas.admin, person.pk)


def test_third_parties_are_marked_not_removed(personas: Personas, person: Person) -> None:
    _, pack = subject_access_pack(personas.admin, str(person.pk))
    tables = read(pack)
    assert tables["cared_for_by"][0]["carer__given_name"] == "Jean"  # kept, for the reviewer
    marks = {(m["table"], m["column"], m["reason"]) for m in tables["check_before_release"]}
    assert ("cared_for_by", "name", "third party: another person's name and relationship") in marks
    assert ("outcome_records", "what_matters", "third party named: Jean") in marks
    assert ("actions", "description", "third party named: Jean") in marks
    assert ("earlier_versions", "data", "third party named: Jean") not in marks  # the old words
    # The carer's own record is not part of the cared-for person's pack.
    assert [row["family_name"] for row in tables["person"]] == ["Millar"]


def test_only_the_organisations_administrators_may_make_it(
    personas: Personas, person: Person
) -> None:
    for who in (personas.owner, personas.analyst, personas.outsider):
        with pytest.raises(NotFound):
            subject_access_pack(who, str(person.pk))
    elsewhere = create_organisation(personas.system, "Elsewhere Partnership")
    from meaningful.accounts.services import create_staff_user, grant_role

    stranger = create_staff_user(
        personas.system, elsewhere, username="else-admin", first_name="E", last_name="A"
    )
    grant_role(personas.system, stranger, "org-admin", organisation=elsewhere)
    with pytest.raises(NotFound):
        subject_access_pack(stranger, str(person.pk))
    with pytest.raises(NotFound):
        subject_access_pack(personas.admin, "not-a-uuid")


def test_the_command_and_the_page(
    personas: Personas, person: Person, client: Client, tmp_path: Path
) -> None:
    out = tmp_path / "pack.zip"
    call_command(
        "subject_access",
        "--person",
        str(person.pk),
        "--out",
        str(out),
        "--as",
        personas.admin.username,
    )
    assert "person" in read(out.read_bytes())
    with pytest.raises(CommandError, match="administers"):
        call_command(
            "subject_access",
            "--person",
            str(person.pk),
            "--out",
            str(out),
            "--as",
            personas.owner.username,
        )
    client.login(username=personas.admin.username, password=PERSONA_PASSWORD)
    url = reverse("subject-access")
    assert client.get(url).status_code == 200
    response = client.post(url, {"system": "chi", "value": "140341 1239"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert read(response.content)["person"][0]["family_name"] == "Millar"
    missing = client.post(url, {"system": "chi", "value": "0101501234"})
    assert missing.status_code == 400 and "Nobody in your organisation" in missing.content.decode()
    bad = client.post(url, {"system": "chi", "value": "12"})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()


def test_every_table_about_a_person_is_covered() -> None:
    """A new table that refers to a person or their records must be added to the pack."""
    referring = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model in ABOUT_A_PERSON:
                referring.add(model._meta.label_lower)
    referring.add("people.person")
    missing = referring - set(COVERED) - DERIVED
    assert missing == set(), f"add {sorted(missing)} to meaningful/people/subject_access.py"
