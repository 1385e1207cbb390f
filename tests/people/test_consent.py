"""Consent on the person's page: recorded with how it was given, withdrawn with a date, never
overwritten; a withdrawal holds for everything produced after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import Personas, make_person
from meaningful.errors import InvalidInput
from meaningful.interop.fhir.export import person_bundle
from meaningful.interop.tabular.export import pseudonymised_extract, rows_of
from meaningful.people.models import Consent, Person
from meaningful.people.services import record_consent, withdraw_consent
from meaningful.reports.builder import ReportRequest, build_report
from meaningful.reports.model import Filters
from meaningful.reports.period import Period
from tests.reports.known import build_known_organisation

AGENCY = "Dundee Carers Centre"


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False):
        yield


def consent_form(**values: str) -> dict[str, str]:
    form = {
        "purpose": "share-with-agency",
        "agency": AGENCY,
        "given_on_day": "3",
        "given_on_month": "11",
        "given_on_year": "2026",
        "how_given": "in-writing",
    }
    form.update(values)
    return form


def test_consent_is_recorded_from_the_persons_page_with_how_it_was_given(
    client: Client, personas: Personas, person: Person
) -> None:
    client.force_login(personas.owner)
    url = reverse("consent-record", args=[person.pk])
    assert client.get(url).status_code == 200
    empty = client.post(url, {})
    body = empty.content.decode()
    assert empty.status_code == 400 and "There is a problem" in body
    for anchor in ("#id_purpose_0", "#id_given_on_day", "#id_how_given_0"):
        assert f'href="{anchor}"' in body
    unnamed = client.post(url, consent_form(agency=""))
    assert unnamed.status_code == 400
    assert 'href="#id_agency"' in unnamed.content.decode()
    assert "Name the agency" in unnamed.content.decode()
    ahead = client.post(url, consent_form(given_on_year="2027"))
    assert ahead.status_code == 400 and "today or in the past" in ahead.content.decode()
    assert not Consent.objects.exists()
    saved = client.post(url, consent_form())
    assert saved.status_code == 302
    assert saved["Location"] == reverse("person", args=[person.pk]) + "#consent"
    consent = Consent.objects.get()
    assert (consent.agency, consent.how_given, consent.recorded_by) == (
        AGENCY,
        "in-writing",
        personas.owner,
    )
    assert consent.given_on == date(2026, 11, 3)
    page = client.get(saved["Location"]).content.decode()
    assert "Consent to share with Dundee Carers Centre is recorded." in page
    assert "In writing" in page and "In force" in page
    assert "agrees to share with:" in page
    event = AuditEvent.objects.get(action="consent.give")
    assert event.detail == {"purpose": "share-with-agency", "how_given": "in-writing"}
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, consent_form()).status_code == 404
    assert Consent.objects.count() == 1


def test_a_withdrawal_is_added_and_agreeing_again_is_a_new_entry(
    client: Client, personas: Personas, person: Person
) -> None:
    consent = record_consent(
        personas.owner, person, "share-anonymised-quotes", given_on=date(2026, 10, 1)
    )
    client.force_login(personas.colleague)
    url = reverse("consent-withdraw", args=[person.pk, consent.pk])
    assert "Withdraw consent" in client.get(url).content.decode()
    early = client.post(
        url, {"withdrawn_on_day": "1", "withdrawn_on_month": "9", "withdrawn_on_year": "2026"}
    )
    assert early.status_code == 400 and "cannot be before" in early.content.decode()
    assert 'href="#id_withdrawn_on_day"' in early.content.decode()
    blank = client.post(url, {})
    assert blank.status_code == 400 and "Enter the date" in blank.content.decode()
    done = client.post(
        url, {"withdrawn_on_day": "20", "withdrawn_on_month": "11", "withdrawn_on_year": "2026"}
    )
    assert done.status_code == 302
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawal_recorded_by) == (
        date(2026, 11, 20),
        personas.colleague,
    )
    again = client.post(
        url, {"withdrawn_on_day": "21", "withdrawn_on_month": "11", "withdrawn_on_year": "2026"}
    )
    assert again.status_code == 400 and "already withdrawn" in again.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2026, 11, 20)  # never overwritten
    client.post(
        reverse("consent-record", args=[person.pk]),
        consent_form(purpose="share-anonymised-quotes", agency="", given_on_day="24"),
    )
    assert person.consents.count() == 2
    page = client.get(reverse("person", args=[person.pk])).content.decode()
    assert "Withdrawn</strong><br>on 20 November 2026" in page and "In force" in page
    other = make_person(personas.owner, personas.team, given_name="Ishbel")
    elsewhere = reverse("consent-withdraw", args=[other.pk, consent.pk])
    assert client.get(elsewhere).status_code == 404  # another person's consent


def test_withdrawal_dates_cannot_be_in_the_future(personas: Personas, person: Person) -> None:
    consent = record_consent(
        personas.owner, person, "share-anonymised-quotes", given_on=date(2026, 1, 5)
    )
    with pytest.raises(InvalidInput, match="today or in the past"):
        withdraw_consent(personas.owner, consent, withdrawn_on=date(2030, 1, 1))
    with pytest.raises(InvalidInput, match="today or in the past"):
        record_consent(personas.owner, person, "share-anonymised-quotes", given_on=date(2030, 1, 1))


def _report(personas: Personas) -> Any:
    period = Period(date(2026, 1, 1), date(2026, 12, 31), "2026")
    request = ReportRequest("org", personas.organisation.pk, period, Filters())
    report = build_report(personas.analyst, request)
    return next(o for o in report.sections[0].outcomes if o.code == "seeing-people")


def test_quotes_produced_after_a_withdrawal_leave_the_persons_words_out(
    personas: Personas,
) -> None:
    with on(date(2026, 9, 1)):
        build_known_organisation(personas)
        north = {p.given_name: p for p in Person.objects.filter(family_name="North")}
        consents = [
            record_consent(
                personas.owner, north[f"P{n}"], "share-anonymised-quotes", given_on=date(2026, 1, 5)
            )
            for n in range(1, 8)
        ]
    with on(date(2026, 9, 9)):
        before = _report(personas).stories["same"]
        extract = list(rows_of(pseudonymised_extract(personas.analyst, with_narratives=True)))
    assert len(before) == 3
    assert sum(1 for row in extract if row["what_matters"]) == 7 * 2 * 2  # 7 people, 2 talks
    with on(date(2026, 9, 10)):
        for consent in consents:
            withdraw_consent(personas.owner, consent, withdrawn_on=date(2026, 9, 10))
        after = _report(personas).stories
        extract = list(rows_of(pseudonymised_extract(personas.analyst, with_narratives=True)))
    assert "same" not in after
    assert [row for row in extract if row["what_matters"]] == []
    with on(date(2026, 9, 11)):
        record_consent(
            personas.owner, north["P8"], "share-anonymised-quotes", given_on=date(2026, 9, 11)
        )
        assert len(_report(personas).stories["same"]) == 1  # from then on, P8's words only


def test_a_record_exported_after_a_withdrawal_no_longer_shares_with_the_agency(
    client: Client, personas: Personas
) -> None:
    with on(date(2026, 3, 1)):
        person = make_person(personas.owner, personas.team)
        consent = record_consent(
            personas.owner,
            person,
            "share-with-agency",
            agency=AGENCY,
            given_on=date(2026, 3, 1),
            how_given="in-person",
        )
    with on(date(2026, 4, 1)):
        shared = _consent_resource(person_bundle(personas.owner, str(person.pk)))
        client.force_login(personas.owner)
        assert AGENCY in _sharing_section(client, person)
    assert shared["status"] == "active"
    assert shared["provision"]["actor"][0]["reference"]["display"] == AGENCY
    with on(date(2026, 5, 2)):
        withdraw_consent(personas.owner, consent, withdrawn_on=date(2026, 5, 2))
        withdrawn = _consent_resource(person_bundle(personas.owner, str(person.pk)))
        client.force_login(personas.owner)
        section = _sharing_section(client, person)
    assert withdrawn["status"] == "inactive"
    assert withdrawn["provision"]["period"] == {"start": "2026-03-01", "end": "2026-05-02"}
    assert AGENCY not in section and "has not agreed to share with any agency" in section


def _consent_resource(bundle: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent"
    )
    return found


def _sharing_section(client: Client, person: Person) -> str:
    page = client.get(reverse("person", args=[person.pk])).content.decode()
    return page.split("Sharing this record", 1)[1]
