"""The workbench's pages: coding without scripts, error summaries linked to their fields, what
each persona may open, and the words analysts never see."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from meaningful.audit.models import AuditEvent
from meaningful.coding.codebook_services import add_theme
from meaningful.coding.models import Code, CodedSegment, Origin
from meaningful.coding.services import apply_codes
from meaningful.demo.factories import Personas
from meaningful.people.models import Person
from tests.coding.workbench_scene import consent_to_quotes, key_of, outcome_code, spoken

pytestmark = pytest.mark.django_db


def signed_in(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_owner_codes_a_passage_by_quoting_it_without_scripts(
    client: Client, personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    signed_in(client, personas.owner)
    url = reverse("coding-narrative", args=[conversation.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Code this conversation" in html and "Agnes told me about her week" in html
    assert 'data-narrative="story"' in html and 'data-at="0"' in html
    key = key_of(conversation, "seeing-people", "what_matters")
    response = client.post(
        url,
        {"narrative": key, "quote": "my sister Jean", "codes": [str(code.pk)], "memo": "Sister"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#text-{key}")
    segment = CodedSegment.objects.get()
    assert (segment.coder, segment.origin, segment.memos.get().text) == (
        personas.owner,
        Origin.HUMAN,
        "Sister",
    )
    again = client.get(url).content.decode()
    assert '<mark><span data-at="' in again and "my sister Jean</span></mark>" in again


def test_bad_input_gets_an_error_summary_linked_to_each_field(
    client: Client, personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    signed_in(client, personas.owner)
    url = reverse("coding-narrative", args=[conversation.pk])
    response = client.post(url, {"narrative": "story", "quote": "x\x00y"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_quote">Remove the invisible NUL character' in html
    assert '<a href="#id_codes_0">Choose at least one code to apply.</a>' in html
    assert 'id="id_codes_0"' in html and 'id="id_quote"' in html
    missing = client.post(url, {"narrative": "story", "quote": "a tram", "codes": [str(code.pk)]})
    assert missing.status_code == 400
    assert '<a href="#id_quote">These words are not in the story.' in missing.content.decode()
    assert not CodedSegment.objects.exists()


def test_an_analyst_reads_consented_words_pseudonymised_and_nobody_else_reads_them(
    client: Client, personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    url = reverse("coding-narrative", args=[conversation.pk])
    signed_in(client, personas.analyst)
    assert client.get(url).status_code == 404  # no agreement to share quotes yet
    consent_to_quotes(personas, person)
    html = client.get(url).content.decode()
    assert "[name] told me about her week" in html
    assert not re.search(r"Agnes|Millar|Jean", html)
    signed_in(client, personas.outsider)
    assert client.get(url).status_code == 404


def test_staff_who_do_not_code_are_refused_the_workbench(
    client: Client, personas: Personas, person: Person
) -> None:
    from meaningful.accounts.services import create_staff_user, grant_role

    auditor = create_staff_user(
        personas.system, personas.organisation, username="aud", first_name="A", last_name="B"
    )
    grant_role(personas.system, auditor, "auditor", organisation=personas.organisation)
    signed_in(client, auditor)
    conversation = spoken(personas, person)
    for url in (
        reverse("coding"),
        reverse("coding-codebook"),
        reverse("coding-narrative", args=[conversation.pk]),
    ):
        assert client.get(url).status_code == 403
    assert "Coding</a>" not in client.get(reverse("home")).content.decode()
    signed_in(client, personas.owner)
    assert "Coding</a>" in client.get(reverse("home")).content.decode()


def test_the_workbench_lists_the_conversations_to_code_with_counts(
    client: Client, personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    apply_codes(personas.owner, conversation, narrative_key="story", code_ids=[code.pk])
    html = signed_in(client, personas.owner).get(reverse("coding")).content.decode()
    assert reverse("coding-narrative", args=[conversation.pk]) in html and "Agnes Millar" in html
    assert AuditEvent.objects.filter(action="coding.conversations.list").exists()


def test_an_analyst_adds_a_nested_theme_and_a_practitioner_may_not(
    client: Client, personas: Personas
) -> None:
    signed_in(client, personas.owner)
    assert client.get(reverse("coding-code-new")).status_code == 403
    signed_in(client, personas.analyst)
    barriers = add_theme(personas.analyst, name="Barriers")
    response = client.post(
        reverse("coding-code-new"),
        {"name": "Transport", "description": "Buses, lifts, taxis", "parent": str(barriers.pk)},
    )
    transport = Code.objects.get(name="Transport")
    assert response.status_code == 302 and transport.parent == barriers
    page = client.get(reverse("coding-codebook")).content.decode()
    assert page.index(">Barriers</a>") < page.index(">Transport</a>")
    refused = client.post(reverse("coding-code-new"), {"name": "", "parent": "999999"})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert '<a href="#id_name">Enter a name for the theme.</a>' in html
    assert '<a href="#id_parent">' in html


def test_a_stale_edit_of_a_theme_is_refused_and_says_so(client: Client, personas: Personas) -> None:
    theme = add_theme(personas.analyst, name="Barriers")
    signed_in(client, personas.analyst)
    url = reverse("coding-code-edit", args=[theme.pk])
    assert client.get(url).status_code == 200
    form = {"name": "Barriers out", "description": "", "examples": "", "parent": "", "version": "1"}
    assert client.post(url, form).status_code == 302
    stale = client.post(url, {**form, "name": "Another name"})
    assert stale.status_code == 400 and "after you opened it" in stale.content.decode()
    theme.refresh_from_db()
    assert theme.name == "Barriers out"


def test_a_code_page_lists_its_passages_and_takes_memos(
    client: Client, personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "feeling-safe")
    key = key_of(conversation, "feeling-safe", "what_matters")
    (segment,) = apply_codes(
        personas.owner, conversation, narrative_key=key, code_ids=[code.pk], quote="falling"
    )
    signed_in(client, personas.colleague)
    url = reverse("coding-code", args=[code.pk])
    html = client.get(url).content.decode()
    assert "I worry about <mark>falling</mark> at night." in html
    assert reverse("coding-segment", args=[segment.pk]) in html
    assert client.post(url, {"text": "Falls are about safety at home"}).status_code == 302
    assert code.memos.get().author == personas.colleague
    assert client.post(url, {"text": ""}).status_code == 400


def test_a_passage_page_takes_memos_and_its_coder_removes_it(
    client: Client, personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    (segment,) = apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[code.pk]
    )
    url = reverse("coding-segment", args=[segment.pk])
    signed_in(client, personas.colleague)
    assert "Remove this code" not in client.get(url).content.decode()
    assert client.post(reverse("coding-segment-remove", args=[segment.pk])).status_code == 403
    signed_in(client, personas.owner)
    assert client.post(url, {"text": "Check with her"}).status_code == 302
    assert "Check with her" in client.get(url).content.decode()
    assert client.post(reverse("coding-segment-remove", args=[segment.pk])).status_code == 302
    assert not CodedSegment.objects.exists()


def test_codes_applied_together_are_counted_on_the_chosen_basis(
    client: Client, personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    seeing = outcome_code(personas, "seeing-people")
    transport = add_theme(personas.analyst, name="Transport")
    key = key_of(conversation, "seeing-people", "what_matters")
    apply_codes(personas.owner, conversation, narrative_key=key, code_ids=[seeing.pk])
    apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[transport.pk], quote="goes"
    )
    signed_in(client, personas.owner)
    overlap = client.get(reverse("coding-cooccurrence")).content.decode()
    by_conversation = client.get(
        reverse("coding-cooccurrence"), {"basis": "conversation"}
    ).content.decode()
    cells = re.compile(r'govuk-table__cell--numeric">(\d+)<')
    assert cells.findall(overlap) == ["1", "0", "0", "1"]
    assert cells.findall(by_conversation) == ["1", "1", "1", "1"]
    assert client.get(reverse("coding-cooccurrence"), {"basis": "nonsense"}).status_code == 400
