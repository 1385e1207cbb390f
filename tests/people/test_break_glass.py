"""Break-glass: an administrator opens one record, with a reason, for a while; all of it flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import Personas, make_person
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.models import BreakGlass, Person
from meaningful.people.services import open_break_glass, read_person


@pytest.fixture
def agnes(personas: Personas) -> Person:
    return make_person(personas.owner, personas.team, identifiers=[("local", "A-77")])


REASON = "Police called out of hours about a safeguarding concern; team unreachable."


def test_the_record_opens_for_a_while_and_every_read_is_flagged(
    personas: Personas, agnes: Person
) -> None:
    with pytest.raises(NotFound):
        read_person(personas.admin, str(agnes.pk))
    grant = open_break_glass(personas.admin, agnes, REASON)
    assert read_person(personas.admin, str(agnes.pk)) == agnes
    opened = AuditEvent.objects.get(action="break-glass.open")
    read = AuditEvent.objects.filter(action="person.read", actor=personas.admin).get()
    assert opened.detail["break_glass"] and read.detail["break_glass"]
    assert read.purpose.startswith("break glass: Police called")
    # everyone else's reads are not flagged
    read_person(personas.owner, str(agnes.pk))
    ordinary = AuditEvent.objects.filter(action="person.read", actor=personas.owner).get()
    assert ordinary.detail == {} and ordinary.purpose == "direct care"
    # the access ends by itself
    BreakGlass.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        read_person(personas.admin, str(agnes.pk))


def test_only_an_administrator_of_the_persons_organisation_with_a_reason(
    personas: Personas, agnes: Person
) -> None:
    for who in (personas.owner, personas.analyst, personas.outsider, personas.system):
        with pytest.raises(NotFound):
            open_break_glass(who, agnes, REASON)
    with pytest.raises(InvalidInput, match="Say why"):
        open_break_glass(personas.admin, agnes, "urgent")
    assert not BreakGlass.objects.exists()


def test_the_page(client: Client, personas: Personas, agnes: Person) -> None:
    client.force_login(personas.admin)
    url = reverse("break-glass")
    assert client.get(url).status_code == 200
    assert client.get(reverse("person", args=[agnes.pk])).status_code == 404
    missing = client.post(url, {"system": "local", "value": "A-77", "reason": ""})
    assert missing.status_code == 400 and "Say why you need to see this record now" in (
        missing.content.decode()
    )
    response = client.post(url, {"system": "local", "value": "A-77", "reason": REASON})
    assert response.status_code == 302 and response["Location"] == reverse(
        "person", args=[agnes.pk]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Break-glass access to this record is open until" in (
        page.content.decode()
    )
    client.force_login(personas.owner)
    assert client.get(url).status_code == 403
