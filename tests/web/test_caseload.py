from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meaningful.audit.models import AuditEvent
from meaningful.conversations.models import Conversation
from meaningful.conversations.services import agree_conversation
from meaningful.demo.factories import PERSONA_PASSWORD, Personas, make_conversation, make_person
from meaningful.people.caseload import CaseloadQuery, caseload, review_status
from meaningful.people.models import Person


def names(people: object) -> list[str]:
    return [p.family_name for p in people]  # type: ignore[attr-defined]


def agreed(personas: Personas, person: Person, **fields: Any) -> Conversation:
    conversation = make_conversation(personas.owner, person, **fields)
    return agree_conversation(personas.owner, conversation)


@pytest.fixture
def three(personas: Personas) -> dict[str, Person]:
    today = timezone.localdate()
    overdue = make_person(
        personas.owner,
        personas.team,
        given_name="Ann",
        family_name="Overdue",
        identifiers=[("chi", "1204751234")],
    )
    agreed(personas, overdue, held_on=today - timedelta(days=200))
    overdue.conversations.update(next_review_due=today - timedelta(days=10))
    soon = make_person(
        personas.owner,
        personas.team,
        given_name="Bob",
        family_name="Soon",
        date_of_birth=date(1950, 5, 17),
    )
    agreed(personas, soon, held_on=today - timedelta(days=150))
    soon.conversations.update(next_review_due=today + timedelta(days=7))
    reviewed = make_person(
        personas.colleague, personas.team, given_name="Cat", family_name="Reviewed"
    )
    agreed(personas, reviewed, held_on=today - timedelta(days=90))
    agreed(personas, reviewed, kind="review", held_on=today - timedelta(days=5))
    reviewed.conversations.update(next_review_due=today + timedelta(days=180))
    return {"overdue": overdue, "soon": soon, "reviewed": reviewed}


def test_it_finds_people_by_name_identifier_and_date_of_birth(
    personas: Personas, three: dict[str, Person]
) -> None:
    def search(text: str) -> list[str]:
        return names(caseload(personas.owner, CaseloadQuery(text=text)))

    assert search("ann over") == ["Overdue"]
    assert search("1204751234") == ["Overdue"]
    assert search("120475 1234") == ["Overdue"]
    assert search("17/05/1950") == ["Soon"]
    assert search("1950-05-17") == ["Soon"]
    assert search("nobody") == []


def test_it_filters_by_review_status(personas: Personas, three: dict[str, Person]) -> None:
    def show(which: str) -> list[str]:
        return names(caseload(personas.owner, CaseloadQuery(show=which)))

    assert show("overdue") == ["Overdue"]
    assert show("due-soon") == ["Soon"]
    assert show("never-reviewed") == ["Overdue", "Soon"]
    assert sorted(show("all")) == ["Overdue", "Reviewed", "Soon"]


def test_mine_means_people_whose_named_worker_i_am(
    personas: Personas, three: dict[str, Person]
) -> None:
    three["reviewed"].allocations.update(worker=personas.colleague)
    three["overdue"].allocations.update(worker=personas.owner)
    assert names(caseload(personas.owner, CaseloadQuery(show="mine"))) == ["Overdue"]


def test_it_sorts_by_review_date(personas: Personas, three: dict[str, Person]) -> None:
    assert names(caseload(personas.owner, CaseloadQuery(sort="review-due"))) == [
        "Overdue",
        "Soon",
        "Reviewed",
    ]


def test_a_draft_review_is_not_a_review_until_it_is_agreed(
    client: Client, personas: Personas, three: dict[str, Person]
) -> None:
    today = timezone.localdate()
    overdue = three["overdue"]
    draft = make_conversation(personas.owner, overdue, kind="review", held_on=today)
    draft.next_review_due = today + timedelta(days=180)
    draft.save()

    def show(which: str) -> list[str]:
        return names(caseload(personas.owner, CaseloadQuery(show=which)))

    assert show("overdue") == ["Overdue"]  # still overdue: the review is not agreed
    assert show("never-reviewed") == ["Overdue", "Soon"]
    assert show("drafts") == ["Overdue"]
    row = caseload(personas.owner, CaseloadQuery(text="1204751234")).get()
    assert row.review_due == today - timedelta(days=10)
    assert row.last_conversation == today - timedelta(days=200)
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    listed = client.get(reverse("caseload"), {"show": "drafts"}).content.decode()
    assert "Draft to agree" in listed and "Overdue</strong>" in listed
    page = client.get(reverse("person", args=[overdue.pk])).content.decode()
    assert "Overdue</strong>" in page and "To agree" in page
    journey = page[page.index('id="journey"') :]
    assert f"{today:%-d %b %Y}" not in journey  # the draft's levels are not on the journey
    agree_conversation(personas.owner, draft)
    assert show("overdue") == [] and show("drafts") == []
    assert show("never-reviewed") == ["Soon"]
    page = client.get(reverse("person", args=[overdue.pk])).content.decode()
    assert f"{today:%-d %b %Y}" in page[page.index('id="journey"') :]
    assert "To agree" not in page and "Overdue</strong>" not in page


def test_a_person_with_two_identifiers_is_found_once_by_two_words(
    personas: Personas, three: dict[str, Person]
) -> None:
    person = three["overdue"]
    person.identifiers.create(organisation=personas.organisation, system="local", value="AO-1")
    assert names(caseload(personas.owner, CaseloadQuery(text="ann overdue"))) == ["Overdue"]
    assert names(caseload(personas.owner, CaseloadQuery(text="ao-1"))) == ["Overdue"]
    assert names(caseload(personas.owner, CaseloadQuery(text="17 May 1950"))) == ["Soon"]
    assert names(caseload(personas.owner, CaseloadQuery(text="17 may 1950"))) == ["Soon"]


def test_unknown_choices_fall_back_to_defaults() -> None:
    assert CaseloadQuery(show="everything", sort="shoe-size").cleaned() == CaseloadQuery()


def test_review_status_words() -> None:
    today = date(2026, 11, 26)
    assert review_status(date(2026, 11, 1), True, today) == ("Overdue", "red")
    assert review_status(date(2026, 12, 10), True, today) == ("Due soon", "yellow")
    assert review_status(None, False, today) == ("No review date", "grey")


def test_the_page_lists_pages_and_audits_the_view(client: Client, personas: Personas) -> None:
    for number in range(30):
        make_person(
            personas.owner,
            personas.team,
            given_name=f"P{number:02d}",
            family_name=f"Person{number:02d}",
        )
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    first = client.get(reverse("caseload")).content.decode()
    assert "30 people found." in first and "Person00" in first and "Person29" not in first
    second = client.get(reverse("caseload") + "?page=2").content.decode()
    assert "Person29" in second and "Person00" not in second
    assert 'aria-current="page">2</a>' in second
    event = AuditEvent.objects.filter(action="caseload.view").last()
    assert event is not None and event.detail["page"] == 2
