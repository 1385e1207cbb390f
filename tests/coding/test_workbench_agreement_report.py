"""The agreement report: two people code the same conversation; kappa per code, alpha overall,
the disagreements with the passages, over the texts both coded only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from meaningful.audit.models import AuditEvent
from meaningful.coding.agreement_report import agreement_report, coders_in_scope
from meaningful.coding.codebook_services import add_theme
from meaningful.coding.services import apply_codes, set_finished
from meaningful.conversations.models import Conversation
from meaningful.demo.factories import Personas
from meaningful.people.models import Person
from tests.coding.workbench_scene import key_of, outcome_code, spoken

pytestmark = pytest.mark.django_db


def double_coded(personas: Personas, person: Person) -> tuple[Conversation, Conversation]:
    """Conversation A coded by the owner and the team leader, both finished; B by the owner only.

    A's four texts: story, seeing-people what matters and what works, feeling-safe what matters.
    Owner:   story S; seeing S and T; safe F.    Team leader: story S; seeing S; safe F and T.
    """
    first, second = spoken(personas, person), spoken(personas, person)
    seeing = outcome_code(personas, "seeing-people").pk
    safe = outcome_code(personas, "feeling-safe").pk
    transport = add_theme(personas.analyst, name="Transport").pk
    seeing_text = key_of(first, "seeing-people", "what_matters")
    safe_text = key_of(first, "feeling-safe", "what_matters")
    owner, leader = personas.owner, personas.colleague
    for coder, codes in ((owner, [seeing]), (leader, [seeing])):
        apply_codes(coder, first, narrative_key="story", code_ids=codes)
    apply_codes(owner, first, narrative_key=seeing_text, code_ids=[seeing, transport])
    apply_codes(leader, first, narrative_key=seeing_text, code_ids=[seeing], quote="my sister")
    apply_codes(owner, first, narrative_key=safe_text, code_ids=[safe])
    apply_codes(leader, first, narrative_key=safe_text, code_ids=[safe, transport], quote="falling")
    set_finished(owner, first, finished=True)
    set_finished(leader, first, finished=True)
    apply_codes(owner, second, narrative_key="story", code_ids=[seeing])
    return first, second


def test_two_coders_are_compared_code_by_code_and_overall(
    personas: Personas, person: Person
) -> None:
    double_coded(personas, person)
    report = agreement_report(personas.analyst, personas.owner, personas.colleague)
    assert report.texts == 0  # the analyst may not code these (no consent): nothing to compare
    report = agreement_report(personas.owner, personas.owner, personas.colleague)
    assert (report.texts, report.conversations) == (4, 1)  # B was coded by one of them only
    by_name = {row.code.name: row for row in report.codes}
    assert set(by_name) == {"Seeing people", "Feeling safe", "Transport"}
    assert by_name["Seeing people"].kappa.kappa == pytest.approx(1.0)
    transport = by_name["Transport"]
    assert (transport.both, transport.only_first, transport.only_second, transport.neither) == (
        0,
        1,
        1,
        2,
    )
    # p_o = 2/4, p_e = (1/4)(1/4) + (3/4)(3/4) = 10/16: kappa = (0.5 - 0.625) / 0.375
    assert transport.kappa.kappa == pytest.approx(-1 / 3)
    # 12 (text, code) units, 2 disagreeing; n = 24 values, 8 of them "applied":
    # alpha = 1 - 23 * 4 / (2 * 16 * 8)
    assert report.alpha.alpha == pytest.approx(1 - 23 * 4 / (2 * 16 * 8))
    assert report.disagreements_in_all == 2
    who = sorted((d.code.name, d.applied_by.username) for d in report.disagreements)
    assert who == [
        ("Transport", personas.colleague.username),
        ("Transport", personas.owner.username),
    ]
    quoted = {d.listed[0].passage.context.passage for d in report.disagreements}  # type: ignore[union-attr]
    assert "falling" in quoted
    assert AuditEvent.objects.filter(action="coding.agreement.view").count() == 2
    assert AuditEvent.objects.filter(action="coding.agreement.read", person_id=person.pk).exists()


def test_the_coders_offered_are_those_who_coded_what_the_viewer_may_code(
    personas: Personas, person: Person
) -> None:
    double_coded(personas, person)
    assert {u.pk for u in coders_in_scope(personas.owner)} == {
        personas.owner.pk,
        personas.colleague.pk,
    }
    assert coders_in_scope(personas.outsider) == []


def test_the_agreement_page_shows_the_figures_and_refuses_the_same_coder_twice(
    client: Client, personas: Personas, person: Person
) -> None:
    double_coded(personas, person)
    client.force_login(personas.colleague)
    url = reverse("coding-agreement")
    assert client.get(url).status_code == 200
    page = client.get(url, {"first": personas.owner.pk, "second": personas.colleague.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<strong>0.641</strong>: too low to rely on" in html and "-0.333" in html
    assert "I worry about <mark>falling</mark> at night." in html
    same = client.get(url, {"first": personas.owner.pk, "second": personas.owner.pk})
    assert same.status_code == 400
    assert (
        '<a href="#id_second">Choose two different coders to compare.</a>' in same.content.decode()
    )
