from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from meaningful.accounts.models import Membership, Organisation, Role
from meaningful.audit.models import AuditEvent
from meaningful.audit.services import verify_chain
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.demo.generate import build_demo
from meaningful.demo.scale import seed_scale
from meaningful.people.models import Person, Relationship

TODAY = date(2026, 11, 26)
pytestmark = pytest.mark.django_db


def signature() -> list[Any]:
    """Everything that should repeat for the same seed, without database ids."""
    people = []
    for person in Person.objects.prefetch_related("identifiers").order_by("identifiers__value"):
        conversations = [
            (
                c.held_on,
                c.kind,
                c.status,
                c.story,
                [
                    (r.outcome.code, getattr(r.agreed_level, "code", None), r.what_matters)
                    for r in c.records.all()
                ],
            )
            for c in person.conversations.prefetch_related(
                "records__outcome", "records__agreed_level"
            )
        ]
        people.append((person.given_name, person.family_name, person.date_of_birth, conversations))
    return people


def fresh_demo_signature(seed: int) -> list[Any]:
    with transaction.atomic():
        build_demo(people=24, seed=seed, today=TODAY)
        result = signature()
        transaction.set_rollback(True)
    return result


def test_the_same_seed_gives_the_same_demo_and_another_seed_does_not() -> None:
    first = fresh_demo_signature(seed=11)
    assert first == fresh_demo_signature(seed=11)
    assert first != fresh_demo_signature(seed=12)


def test_the_demo_has_every_role_services_carers_and_varied_journeys() -> None:
    summary = build_demo(people=40, seed=3, today=TODAY)
    assert summary.people == 40
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert len(summary.staff) == 10
    assert Person.objects.filter(is_carer=True).count() == summary.carers > 0
    assert Relationship.objects.exists()
    conversations_per_person = [p.conversations.count() for p in Person.objects.all()]
    assert min(conversations_per_person) == 1  # some people are never reviewed
    assert max(conversations_per_person) >= 3
    assert Conversation.objects.filter(held_on__gt=TODAY).count() == 0
    levels = set(OutcomeRecord.objects.values_list("agreed_level__code", flat=True))
    assert {"met", "partly-met", "not-met"} <= levels
    assert OutcomeRecord.objects.exclude(what_matters="").count() == OutcomeRecord.objects.count()


def test_the_demo_is_written_through_the_audited_services() -> None:
    build_demo(people=12, seed=5, today=TODAY)
    assert AuditEvent.objects.filter(action="person.create").count() == 12
    assert (
        AuditEvent.objects.filter(action="conversation.record").count()
        == Conversation.objects.count()
    )
    assert verify_chain() is None


def test_the_demo_command_creates_once_and_then_reuses(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--people", "12", "--no-serve", "--json", "--today", "2026-11-26")
    first = json.loads(capsys.readouterr().out)
    call_command("demo", "--people", "12", "--no-serve", "--json")
    second = json.loads(capsys.readouterr().out)
    assert (first["created"], second["created"]) == (True, False)
    assert first["people"] == second["people"] == Person.objects.count() == 12


def test_the_demo_organisation_can_be_named_and_is_found_again_by_its_staff(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo", "--people", "10", "--no-serve", "--json", "--organisation", "Fife Demo")
    first = json.loads(capsys.readouterr().out)
    assert first["organisation"] == "Fife Demo"
    assert Organisation.objects.get().slug == "fife-demo"
    call_command("demo", "--people", "10", "--no-serve", "--json", "--organisation", "Other")
    captured = capsys.readouterr()
    second = json.loads(captured.out)
    assert (second["created"], second["organisation"]) == (False, "Fife Demo")
    assert "already holds the demo organisation 'Fife Demo'" in captured.err
    assert Organisation.objects.count() == 1


def test_seed_scale_loads_people_with_fifteen_records_per_conversation() -> None:
    summary = seed_scale(people=30, seed=2, batch_size=7, today=TODAY)
    assert Person.objects.count() == 30
    conversations = Conversation.objects.count()
    assert summary.conversations == conversations >= 30
    assert summary.outcome_records == OutcomeRecord.objects.count() == 15 * conversations
    assert AuditEvent.objects.filter(action="seed-scale.load").count() == 1


@pytest.mark.parametrize(("flag", "required"), [([], False), (["--require-two-factor"], True)])
def test_the_demo_server_makes_two_factor_optional_unless_asked(
    monkeypatch: pytest.MonkeyPatch, settings: Any, flag: list[str], required: bool
) -> None:
    from meaningful.demo.management.commands import demo

    settings.REQUIRE_TWO_FACTOR = not required
    served: list[bool] = []

    def serve(name: str, **options: Any) -> None:
        if name == "serve":
            from django.conf import settings as live

            served.append(live.REQUIRE_TWO_FACTOR)
        else:
            call_command(name, **options)

    monkeypatch.setattr(demo, "call_command", serve)
    call_command("demo", "--people", "10", "--today", "2026-11-26", *flag)
    assert served == [required]
