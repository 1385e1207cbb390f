"""Erasure: one administrator raises, another decides; retention holds it back; the audit chain holds."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from meaningful.accounts.models import Role, User
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.audit.models import AuditEvent, Revision
from meaningful.audit.services import verify_chain
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.conversations.services import (
    OutcomeInput,
    agree_conversation,
    record_conversation,
    update_outcome_record,
)
from meaningful.demo.factories import Personas, make_person
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework
from meaningful.interop.tabular.export import pseudonym, pseudonymised_extract, rows_of
from meaningful.people.anonymisation import ERASED
from meaningful.people.erasure import (
    UnderRetention,
    decide_erasure_request,
    lift_legal_hold,
    place_legal_hold,
    raise_erasure_request,
)
from meaningful.people.models import ErasureRequest, ErasureStatus, Person
from meaningful.people.retention import ContactFacts, apply_retention, retention_from
from meaningful.people.services import link_carer, read_person, record_consent
from meaningful.people.subject_access import subject_access_pack
from meaningful.plans.models import Action
from meaningful.plans.services import ActionInput, create_plan
from meaningful.reports.models import (
    DueCount,
    DueStep,
    LatestCount,
    QualityCount,
    RatingStep,
    RecordQuality,
)

CHI = "1403411239"
LAST_CONTACT = date(2019, 6, 3)
RETENTION_ENDS = date(2025, 6, 3)  # six years on
# Everything that identifies Morag, or that she said; none of it may survive her erasure.
IDENTIFYING = [
    "Morag",
    "Quarrier",
    CHI,
    "DD1 4HN",
    "1941-03-14",
    "Arbroath",
    "harbour",
    "Bellamy",
    "lighthouse",
]


@contextmanager
def on(day: date) -> Iterator[None]:
    """Freeze time at midday on the day."""
    with time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False):
        yield


def second_admin(personas: Personas) -> User:
    admin = create_staff_user(
        personas.system,
        personas.organisation,
        username="second-admin",
        first_name="Second",
        last_name="Admin",
    )
    grant_role(personas.system, admin, Role.ORG_ADMIN, organisation=personas.organisation)
    return admin


def talk(owner: User, person: Person, held_on: date, kind: str, level: str) -> Conversation:
    framework = Framework.objects.get(slug="talking-points-service-users", version="1")
    conversation = record_conversation(
        owner,
        person,
        framework=framework,
        kind=kind,
        held_on=held_on,
        story=f"{person.given_name} told us about the harbour at Arbroath.",
        participants=f"{person.given_name} and Jean Bellamy (daughter)",
        records=[
            OutcomeInput(
                outcome="seeing-people",
                what_matters=f"{person.given_name} wants to walk to Arbroath harbour",
                why_it_matters="Her friends meet there",
                working="Jean Bellamy drives her on Saturdays",
                not_working="The hill to the harbour",
                agreed_level=level,
            )
        ],
    )
    agree_conversation(owner, conversation)
    return conversation


def supported_until(
    personas: Personas, last: date, *, given_name: str = "Morag", **fields: Any
) -> Person:
    """Someone with a full record whose support ended with an exit conversation on ``last``."""
    with on(last - timedelta(days=80)):
        values: dict[str, Any] = {
            "given_name": given_name,
            "family_name": "Quarrier",
            "preferred_name": "Mo",
            "postcode": "DD1 4HN",
            "about_me": "I grew up by the lighthouse at Arbroath.",
        }
        values.update(fields)
        person = make_person(personas.owner, personas.team, **values)
        carer = make_person(
            personas.owner, personas.team, given_name="Jean", family_name="Bellamy", is_carer=True
        )
        link_carer(personas.owner, carer, person, description="daughter")
        first = talk(personas.owner, person, last - timedelta(days=90), "baseline", "not-met")
        record = first.records.get()
        update_outcome_record(
            personas.owner,
            record,
            {"what_matters": f"{given_name} wants to walk to the harbour with Bellamy cousins"},
            reason="the person's correction",
        )
        create_plan(
            personas.owner,
            person,
            starts_on=last - timedelta(days=89),
            conversation=first,
            actions=[
                ActionInput(
                    "Jean to ask the harbour club about Saturdays",
                    "family-community",
                    outcome="seeing-people",
                    owner_name="Jean Bellamy (daughter)",
                )
            ],
        )
        record_consent(
            personas.owner, person, "share-anonymised-quotes", given_on=last - timedelta(days=90)
        )
    with on(last):
        talk(personas.owner, person, last, "exit", "met")
    return person


@pytest.fixture
def morag(personas: Personas) -> Person:
    return supported_until(personas, LAST_CONTACT, identifiers=[("chi", CHI)])


def derived_rows() -> dict[str, list[tuple[Any, ...]]]:
    """The reporting tables published statistics were counted from."""
    tables = (RatingStep, RecordQuality, DueStep, LatestCount, QualityCount, DueCount)
    return {
        model.__name__: sorted(model._default_manager.values_list(), key=repr) for model in tables
    }


def pack_text(admin: User, person: Person) -> str:
    _, pack = subject_access_pack(admin, str(person.pk))
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())


def test_a_second_administrator_approves_and_the_record_is_anonymised(
    personas: Personas, morag: Person
) -> None:
    other = second_admin(personas)
    before = derived_rows()
    assert before["RatingStep"]
    with on(date(2025, 7, 1)):
        request = raise_erasure_request(
            personas.admin,
            morag,
            asked_on=date(2025, 6, 30),
            what_was_asked="Erase everything held; asked by letter.",
        )
        with pytest.raises(NotAllowed, match="another administrator"):
            decide_erasure_request(personas.admin, request, approve=True, reason="As asked.")
        decided = decide_erasure_request(other, request, approve=True, reason="No rule applies.")
    assert (decided.status, decided.decided_by) == (ErasureStatus.APPROVED, other)
    morag.refresh_from_db()
    assert morag.display_name == "Erased record"
    assert (morag.given_name, morag.preferred_name, morag.postcode) == ("Erased", "", "")
    assert morag.date_of_birth == date(1941, 7, 1)  # the year only
    assert morag.about_me == ERASED and morag.erased_at is not None
    assert not morag.identifiers.exists() and not morag.cared_for_by.exists()
    record = OutcomeRecord.objects.get(conversation__person=morag, conversation__kind="baseline")
    assert (record.what_matters, record.working, record.not_working) == (ERASED,) * 3
    assert record.agreed_level is not None and record.agreed_level.code == "not-met"
    assert set(Conversation.objects.filter(person=morag).values_list("story", flat=True)) == {
        ERASED
    }
    action = Action.objects.get(plan__person=morag)
    assert (action.description, action.owner_name, action.owner) == (
        ERASED,
        "",
        "family-community",
    )
    assert not Revision.objects.exists()  # only Morag's records had earlier versions
    assert not morag.consents.filter(withdrawn_on__isnull=True).exists()
    # what published statistics counted stays as it was
    assert derived_rows() == before
    # nobody reaches the record any more, not even the command line's system account
    for who in (personas.owner, personas.system):
        with pytest.raises(NotFound):
            read_person(who, str(morag.pk))
    assert verify_chain() is None
    erased = AuditEvent.objects.get(action="person.erase")
    assert erased.detail["cause"] == "request" and erased.detail["request"] == request.pk


def test_the_one_who_raised_a_request_can_never_decide_it(
    personas: Personas, morag: Person
) -> None:
    request = raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase my record."
    )
    for approve in (True, False):
        with pytest.raises(NotAllowed):
            decide_erasure_request(personas.admin, request, approve=approve, reason="Mine.")
    for who in (personas.owner, personas.analyst):
        with pytest.raises(NotFound):
            decide_erasure_request(who, request, approve=True, reason="Not theirs.")
    with pytest.raises(NotAllowed, match="two named administrators"):
        decide_erasure_request(personas.system, request, approve=True, reason="Automatic.")
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING and morag.identifiers.exists()


def test_approval_is_refused_under_retention_and_allowed_once_it_ends(
    personas: Personas, morag: Person
) -> None:
    other = second_admin(personas)
    with on(date(2025, 5, 1)):
        request = raise_erasure_request(
            personas.admin, morag, asked_on=date(2025, 4, 28), what_was_asked="Erase my record."
        )
        with pytest.raises(UnderRetention) as refused:
            decide_erasure_request(other, request, approve=True, reason="As asked.")
    message = refused.value.errors["decision"]
    assert "must be kept until 3 June 2025" in message
    assert "6 years after the last contact on 3 June 2019" in message
    assert "approved from 3 June 2025" in message
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    assert Person.objects.get(pk=morag.pk).erased_at is None
    held_back = AuditEvent.objects.get(action="erasure.held-back")
    assert held_back.detail == {"rule": "after-last-contact", "until": "2025-06-03"}
    with on(RETENTION_ENDS - timedelta(days=1)), pytest.raises(UnderRetention):
        decide_erasure_request(other, request, approve=True, reason="As asked.")
    with on(RETENTION_ENDS):
        decide_erasure_request(other, request, approve=True, reason="The period has ended.")
    assert Person.objects.get(pk=morag.pk).erased_at is not None
    assert verify_chain() is None


def test_a_person_still_supported_or_under_a_legal_hold_is_kept(
    personas: Personas, morag: Person
) -> None:
    other = second_admin(personas)
    supported = make_person(personas.owner, personas.team, given_name="Ishbel")
    request = raise_erasure_request(
        personas.admin, supported, asked_on=date(2026, 11, 2), what_was_asked="Erase my record."
    )
    with pytest.raises(UnderRetention, match="still supported, on the caseload of North"):
        decide_erasure_request(other, request, approve=True, reason="As asked.")
    place_legal_hold(personas.admin, morag, "Court case ref 2026/114")
    held = raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase my record."
    )
    with pytest.raises(UnderRetention, match="legal hold is on this record"):
        decide_erasure_request(other, held, approve=True, reason="As asked.")
    decide_erasure_request(other, held, approve=False, reason="Legal hold: we must keep it.")
    assert ErasureRequest.objects.get(pk=held.pk).status == ErasureStatus.REFUSED
    lift_legal_hold(personas.admin, morag, "Case closed")
    again = raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 3), what_was_asked="Erase my record."
    )
    decide_erasure_request(other, again, approve=True, reason="The hold is lifted.")
    with pytest.raises(InvalidInput, match="already erased"):
        raise_erasure_request(
            personas.admin, morag, asked_on=date(2026, 11, 3), what_was_asked="Again."
        )


def test_one_request_waits_at_a_time_and_each_needs_its_details(
    personas: Personas, morag: Person
) -> None:
    with pytest.raises(InvalidInput, match="what the person asked"):
        raise_erasure_request(personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="")
    with pytest.raises(InvalidInput, match="today or in the past"):
        raise_erasure_request(
            personas.admin, morag, asked_on=date(2027, 1, 1), what_was_asked="Erase it."
        )
    raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase it."
    )
    with pytest.raises(InvalidInput, match="already waiting"):
        raise_erasure_request(
            personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase it."
        )
    for who in (personas.owner, personas.outsider, personas.analyst):
        with pytest.raises(NotFound):
            raise_erasure_request(
                who, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase it."
            )


def test_a_child_is_kept_until_the_age_set() -> None:
    facts = ContactFacts(
        hold="",
        born=date(2010, 5, 20),
        registered=date(2020, 1, 1),
        on_caseload=False,
        ended_by_exit=True,
        last_conversation=date(2021, 4, 1),
        last_place_ended=None,
    )
    retention = retention_from(facts)
    assert (retention.rule, retention.until) == ("child", date(2035, 5, 20))
    assert "when the person is 25" in retention.explanation
    grown = replace(facts, born=date(1990, 5, 20))
    assert retention_from(grown).until == date(2027, 4, 1)
    leap = replace(grown, last_conversation=date(2020, 2, 29))
    assert retention_from(leap).until == date(2026, 3, 1)


def test_subject_access_after_erasure_holds_no_identifying_detail(
    personas: Personas, morag: Person
) -> None:
    before = pack_text(personas.admin, morag)
    assert all(text.lower() in before.lower() for text in IDENTIFYING)
    other = second_admin(personas)
    request = raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase everything."
    )
    decide_erasure_request(other, request, approve=True, reason="No rule applies.")
    after = pack_text(personas.admin, morag).lower()
    assert [text for text in IDENTIFYING if text.lower() in after] == []
    assert "erasure" in after  # the request itself is part of what is held


def test_the_audit_trail_stays_valid_and_holds_none_of_the_erased_details(
    personas: Personas, morag: Person
) -> None:
    other = second_admin(personas)
    request = raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase everything."
    )
    decide_erasure_request(other, request, approve=True, reason="No rule applies.")
    assert AuditEvent.objects.filter(person_id=morag.pk).count() > 10  # nothing was removed
    for event in AuditEvent.objects.all():
        text = (json.dumps(event.detail) + event.purpose).lower()
        assert [t for t in IDENTIFYING if t.lower() in text] == [], event.action
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "The audit chain holds" in out.getvalue()


def snapshot() -> dict[str, Any]:
    return {
        "people": sorted(Person.objects.values_list(), key=repr),
        "records": sorted(OutcomeRecord.objects.values_list(), key=repr),
        "revisions": Revision.objects.count(),
    }


def test_the_retention_job_anonymises_only_what_has_expired(personas: Personas) -> None:
    expired = supported_until(personas, date(2018, 1, 10), given_name="Expired")
    held = supported_until(personas, date(2018, 1, 10), given_name="Held")
    recent = supported_until(personas, date(2022, 1, 10), given_name="Recent")
    with on(date(2018, 1, 10)):
        current = make_person(personas.owner, personas.team, given_name="Current")
    place_legal_hold(personas.admin, held, "Inquiry reference 7")
    with on(date(2026, 5, 1)):
        waiting = raise_erasure_request(
            personas.admin, expired, asked_on=date(2026, 4, 30), what_was_asked="Erase it."
        )
    with on(date(2026, 6, 1)):
        before = snapshot()
        dry = apply_retention(personas.system, dry_run=True)
        assert snapshot() == before
        assert [item.person for item in dry.expired] == [str(expired.pk)]
        run = apply_retention(personas.system)
    assert [item.person for item in run.expired] == [str(expired.pk)]
    assert run.as_plain()["anonymised"] == 1
    assert run.kept == {"legal-hold": 1, "after-last-contact": 1, "on-caseload": 4}  # carers too
    erased = Person.objects.filter(erased_at__isnull=False)
    assert list(erased) == [expired]
    for kept in (held, recent, current):
        assert Person.objects.get(pk=kept.pk).family_name != "record"
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (ErasureStatus.APPROVED, None)
    assert "retention job" in waiting.decision_reason
    runs = AuditEvent.objects.filter(action="retention.apply").order_by("id")
    assert [event.detail["dry_run"] for event in runs] == [True, False]
    assert AuditEvent.objects.get(action="person.erase").detail["cause"] == "retention"
    assert verify_chain() is None
    with on(date(2026, 6, 2)):
        assert apply_retention(personas.system).expired == []  # nothing twice


def test_the_commands(personas: Personas, morag: Person) -> None:
    other = second_admin(personas)
    out = io.StringIO()
    call_command(
        "erasure_request",
        "--person",
        str(morag.pk),
        "--asked-on",
        "2026-11-02",
        "--what",
        "Erase everything held.",
        "--as",
        personas.admin.username,
        "--json",
        stdout=out,
    )
    raised = json.loads(out.getvalue())
    assert raised["status"] == "pending" and raised["retention"]["applies"] is False
    listing = io.StringIO()
    call_command("erasure_request", "--list", "--as", other.username, stdout=listing)
    assert f"person {morag.pk}" in listing.getvalue() and "retention ended" in listing.getvalue()
    with pytest.raises(CommandError, match="another administrator"):
        call_command(
            "erasure_approve",
            "--request",
            str(raised["request"]),
            "--reason",
            "As asked.",
            "--as",
            personas.admin.username,
        )
    with pytest.raises(CommandError, match="No erasure request"):
        call_command("erasure_approve", "--request", "999", "--reason", "x", "--as", other.username)
    decided = io.StringIO()
    call_command(
        "erasure_approve",
        "--request",
        str(raised["request"]),
        "--reason",
        "No rule applies.",
        "--as",
        other.username,
        stdout=decided,
    )
    assert "anonymised" in decided.getvalue()
    assert Person.objects.get(pk=morag.pk).erased_at is not None
    job = io.StringIO()
    call_command("apply_retention", "--dry-run", "--json", stdout=job)
    assert json.loads(job.getvalue())["dry_run"] is True


def test_the_legal_hold_and_refusal_commands(personas: Personas, morag: Person) -> None:
    other = second_admin(personas)
    out = io.StringIO()
    call_command(
        "legal_hold", "--person", str(morag.pk), "--reason", "Claim 12", "--json", stdout=out
    )
    assert json.loads(out.getvalue()) == {"person": str(morag.pk), "held": True}
    with pytest.raises(CommandError, match="administers"):
        call_command(
            "legal_hold",
            "--person",
            str(morag.pk),
            "--reason",
            "x",
            "--as",
            personas.owner.username,
        )
    request = raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase it."
    )
    with pytest.raises(CommandError, match="legal hold"):
        call_command(
            "erasure_approve",
            "--request",
            str(request.pk),
            "--reason",
            "As asked.",
            "--as",
            other.username,
        )
    refused = io.StringIO()
    call_command(
        "erasure_refuse",
        "--request",
        str(request.pk),
        "--reason",
        "Under a legal hold.",
        "--as",
        other.username,
        stdout=refused,
    )
    assert "refused" in refused.getvalue()
    call_command("legal_hold", "--person", str(morag.pk), "--reason", "Settled", "--lift")
    assert not Person.objects.get(pk=morag.pk).on_legal_hold


def test_the_pages_raise_list_and_decide(client: Client, personas: Personas, morag: Person) -> None:
    other = second_admin(personas)
    client.force_login(personas.admin)
    assert client.get(reverse("erasure-requests")).status_code == 200
    new = reverse("erasure-request-new")
    empty = client.post(new, {})
    body = empty.content.decode()
    assert empty.status_code == 400 and "There is a problem" in body
    for anchor in ("#id_value", "#id_asked_on_day", "#id_what_was_asked"):
        assert f'href="{anchor}"' in body
    unknown = client.post(
        new,
        {
            "system": "chi",
            "value": "0101501234",
            "asked_on_day": "2",
            "asked_on_month": "11",
            "asked_on_year": "2026",
            "what_was_asked": "Erase everything.",
        },
    )
    assert unknown.status_code == 400 and "Nobody in your organisation" in unknown.content.decode()
    raised = client.post(
        new,
        {
            "system": "chi",
            "value": CHI,
            "asked_on_day": "2",
            "asked_on_month": "11",
            "asked_on_year": "2026",
            "what_was_asked": "Erase everything.",
        },
    )
    request = ErasureRequest.objects.get()
    assert raised.status_code == 302 and raised["Location"] == reverse(
        "erasure-request", args=[request.pk]
    )
    page = client.get(raised["Location"]).content.decode()
    assert "another administrator of your organisation must approve or refuse it" in page
    assert 'name="decision"' not in page
    own = client.post(raised["Location"], {"decision": "approve", "reason": "Mine."})
    assert own.status_code == 400 and "You raised this request" in own.content.decode()
    listing = client.get(reverse("erasure-requests")).content.decode()
    assert "Mo Quarrier" in listing and "Ended" in listing
    client.force_login(other)
    blank = client.post(raised["Location"], {})
    assert blank.status_code == 400
    assert 'href="#id_decision_0"' in blank.content.decode()
    approved = client.post(raised["Location"], {"decision": "approve", "reason": "No rule."})
    assert approved.status_code == 302 and approved["Location"] == reverse("erasure-requests")
    assert Person.objects.get(pk=morag.pk).erased_at is not None
    after = client.get(reverse("erasure-requests")).content.decode()
    assert "Erased record" in after and "Quarrier" not in after
    client.force_login(personas.owner)
    assert client.get(reverse("erasure-request", args=[request.pk])).status_code == 403


def test_the_decision_page_says_plainly_when_retention_holds_it_back(
    client: Client, personas: Personas
) -> None:
    with on(date(2024, 3, 1)):
        ishbel = make_person(personas.owner, personas.team, given_name="Ishbel")
        request = raise_erasure_request(
            personas.admin, ishbel, asked_on=date(2024, 2, 28), what_was_asked="Erase it."
        )
        client.force_login(second_admin(personas))
        url = reverse("erasure-request", args=[request.pk])
        assert "still supported" in client.get(url).content.decode()
        response = client.post(url, {"decision": "approve", "reason": "As asked."})
    body = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in body
    assert 'href="#id_decision_0"' in body and "still supported" in body


def test_the_analysts_extract_still_counts_an_erased_record_without_its_details(
    personas: Personas, morag: Person
) -> None:
    def morags_rows() -> list[dict[str, str]]:
        extract = pseudonymised_extract(personas.analyst, with_narratives=True)
        return [row for row in rows_of(extract) if row["pseudonym"] == pseudonym(morag.pk)]

    before = morags_rows()
    other = second_admin(personas)
    request = raise_erasure_request(
        personas.admin, morag, asked_on=date(2026, 11, 2), what_was_asked="Erase everything."
    )
    decide_erasure_request(other, request, approve=True, reason="No rule applies.")
    after = morags_rows()
    assert len(after) == len(before) == 2
    assert [row["agreed_level"] for row in after] == [row["agreed_level"] for row in before]
    assert {row["locality"] for row in before} == {"DD1"}
    assert {row["locality"] for row in after} == {"unknown"}
    assert {row["what_matters"] for row in after} == {""}
