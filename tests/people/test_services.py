from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from meaningful.audit.models import AuditEvent, Revision
from meaningful.audit.services import EditConflict, revisions_of
from meaningful.demo.factories import Personas, make_person
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.people.models import Person
from meaningful.people.services import (
    add_identifier,
    link_carer,
    read_person,
    record_consent,
    register_person,
    update_person,
    withdraw_consent,
)


def reads_of(person: Person) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="person.read", person_id=person.id))


def test_the_owner_can_read_the_record_and_the_read_is_audited(
    personas: Personas, person: Person
) -> None:
    assert read_person(personas.owner, person.id, purpose="planning a visit") == person
    [event] = reads_of(person)
    assert event.actor == personas.owner
    assert event.actor_roles == "practitioner"
    assert event.purpose == "planning a visit"


def test_a_colleague_on_the_same_team_can_read_the_record(
    personas: Personas, person: Person
) -> None:
    assert read_person(personas.colleague, person.id) == person
    assert reads_of(person)[0].actor == personas.colleague


@pytest.mark.parametrize("who", ["outsider", "analyst", "admin"])
def test_people_off_the_team_get_not_found_and_nothing_is_logged_as_read(
    personas: Personas, person: Person, who: str
) -> None:
    with pytest.raises(NotFound):
        read_person(getattr(personas, who), person.id)
    assert reads_of(person) == []


def test_a_malformed_id_is_simply_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound):
        read_person(personas.owner, "not-a-uuid")


def test_registering_a_person_is_audited(personas: Personas) -> None:
    person = make_person(personas.owner, personas.team, identifiers=[("chi", "1204751234")])
    event = AuditEvent.objects.get(action="person.create")
    assert (event.actor, event.person_id) == (personas.owner, person.id)
    assert person.identifiers.get().value == "1204751234"


def test_nobody_can_add_people_to_another_teams_caseload(personas: Personas) -> None:
    with pytest.raises(NotAllowed):
        make_person(personas.outsider, personas.team)
    with pytest.raises(NotAllowed):
        make_person(personas.analyst, personas.team)
    assert not Person.objects.exists()


def test_a_bad_identifier_stops_the_registration_and_saves_nothing(personas: Personas) -> None:
    with pytest.raises(InvalidInput, match="check digit"):
        make_person(personas.owner, personas.team, identifiers=[("chi", "1204751235")])
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="person.create").exists()


def test_a_date_of_birth_in_the_future_is_refused(personas: Personas) -> None:
    with pytest.raises(InvalidInput) as error:
        make_person(
            personas.owner, personas.team, date_of_birth=timezone.localdate() + timedelta(days=1)
        )
    assert "date_of_birth" in error.value.errors


def test_the_same_chi_cannot_belong_to_two_people(personas: Personas, person: Person) -> None:
    add_identifier(personas.owner, person, "chi", "1204751234")
    other = make_person(personas.owner, personas.team, given_name="Jean")
    with pytest.raises(InvalidInput, match="already recorded"):
        add_identifier(personas.owner, other, "chi", "1204751234")


def test_an_outsider_cannot_add_an_identifier(personas: Personas, person: Person) -> None:
    with pytest.raises(NotFound):
        add_identifier(personas.outsider, person, "nhs", "9434765919")


def test_an_edit_keeps_what_the_record_said_before(personas: Personas, person: Person) -> None:
    before = person.about_me
    changed = update_person(
        personas.colleague,
        person,
        {"about_me": "I want to stay near my sister and my church."},
        reason="Person asked to add this",
    )
    assert changed == ["about_me"]
    person.refresh_from_db()
    assert person.version == 2
    [revision] = revisions_of(person)
    assert revision.data["about_me"] == before
    assert (revision.version, revision.changed_by, revision.reason) == (
        1,
        personas.colleague,
        "Person asked to add this",
    )
    event = AuditEvent.objects.get(action="person.update")
    assert event.detail == {"fields": ["about_me"]}


def test_an_edit_that_changes_nothing_keeps_no_revision(personas: Personas, person: Person) -> None:
    assert (
        update_person(personas.owner, person, {"given_name": person.given_name}, reason="none")
        == []
    )
    assert not Revision.objects.exists()


def test_an_edit_from_a_stale_version_is_refused(personas: Personas, person: Person) -> None:
    update_person(personas.owner, person, {"postcode": "DD1 1AA"}, reason="moved")
    with pytest.raises(
        EditConflict, match="Owner Tester saved a change to this record at"
    ) as caught:
        update_person(
            personas.colleague, person, {"postcode": "DD2 2BB"}, reason="x", expected_version=1
        )
    assert (caught.value.saved_by, caught.value.version) == (personas.owner, 2)
    person.refresh_from_db()
    assert person.postcode == "DD1 1AA"
    refused = AuditEvent.objects.get(action="person.update.refused")
    assert (refused.actor, refused.person_id) == (personas.colleague, person.pk)
    assert refused.detail == {"based_on_version": 1, "current_version": 2}


def test_an_outsider_cannot_edit(personas: Personas, person: Person) -> None:
    with pytest.raises(NotFound):
        update_person(personas.outsider, person, {"about_me": "changed"}, reason="x")
    person.refresh_from_db()
    assert person.version == 1


def test_unknown_fields_cannot_be_edited(personas: Personas, person: Person) -> None:
    with pytest.raises(InvalidInput):
        update_person(personas.owner, person, {"organisation_id": 99}, reason="x")


def test_linking_a_carer_marks_them_as_a_carer_and_is_audited(
    personas: Personas, person: Person
) -> None:
    carer = make_person(personas.owner, personas.team, given_name="Jean", is_carer=False)
    link_carer(personas.owner, carer, person, description="sister")
    carer.refresh_from_db()
    assert carer.is_carer
    assert list(person.cared_for_by.values_list("carer", flat=True)) == [carer.pk]
    assert AuditEvent.objects.filter(action="relationship.create", person_id=carer.id).exists()


def test_a_person_cannot_be_their_own_carer(personas: Personas, person: Person) -> None:
    with pytest.raises(InvalidInput):
        link_carer(personas.owner, person, person)


def test_an_outsider_cannot_link_a_carer(personas: Personas, person: Person) -> None:
    elsewhere = make_person(personas.outsider, personas.other_team, given_name="Jean")
    with pytest.raises(NotFound):
        link_carer(personas.outsider, elsewhere, person)


def test_consent_is_given_and_withdrawn_with_dates_and_never_deleted(
    personas: Personas, person: Person
) -> None:
    consent = record_consent(
        personas.owner, person, "share-anonymised-quotes", given_on=date(2026, 1, 5)
    )
    withdraw_consent(personas.owner, consent, withdrawn_on=date(2026, 3, 1))
    consent.refresh_from_db()
    assert (consent.given_on, consent.withdrawn_on, consent.is_active) == (
        date(2026, 1, 5),
        date(2026, 3, 1),
        False,
    )
    actions = list(AuditEvent.objects.filter(person_id=person.id).values_list("action", flat=True))
    assert actions[-2:] == ["consent.give", "consent.withdraw"]


def test_sharing_with_an_agency_needs_the_agency_named(personas: Personas, person: Person) -> None:
    with pytest.raises(InvalidInput, match="agency"):
        record_consent(personas.owner, person, "share-with-agency", given_on=date(2026, 1, 5))


def test_an_outsider_cannot_record_consent(personas: Personas, person: Person) -> None:
    with pytest.raises(NotFound):
        record_consent(
            personas.outsider, person, "share-anonymised-quotes", given_on=date(2026, 1, 5)
        )


def test_text_with_a_nul_character_is_refused(personas: Personas) -> None:
    with pytest.raises(InvalidInput, match="NUL"):
        register_person(personas.owner, personas.team, given_name="A\x00nn", family_name="Reid")
