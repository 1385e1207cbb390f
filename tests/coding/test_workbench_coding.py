"""Coding narratives: passages found by quote or offsets, who may code whose words, how analysts
see them, removing codes, memos, and the audit of every read and write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from meaningful.audit.models import AuditEvent
from meaningful.coding.codebook_services import add_theme
from meaningful.coding.models import Code, CodedSegment, Memo, Origin
from meaningful.coding.reading import passages_of_code, read_narrative, read_segment
from meaningful.coding.scope import codable_conversations
from meaningful.coding.services import (
    add_segment_memo,
    apply_codes,
    remove_segment,
)
from meaningful.conversations.services import update_outcome_record
from meaningful.demo.factories import Personas
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.people.models import Consent, Person
from meaningful.people.services import withdraw_consent
from tests.coding.workbench_scene import (
    SEEING,
    consent_to_quotes,
    key_of,
    outcome_code,
    spoken,
)

pytestmark = pytest.mark.django_db


def test_a_practitioner_codes_a_quoted_passage_and_it_is_audited(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    key = key_of(conversation, "seeing-people", "what_matters")
    (segment,) = apply_codes(
        personas.owner,
        conversation,
        narrative_key=key,
        code_ids=[code.pk],
        quote="The bus  is hard\nto get on",  # spacing as typed need not match
    )
    assert SEEING[segment.start : segment.end] == "The bus is hard to get on"
    assert (segment.origin, segment.accepted, segment.coder) == (
        Origin.HUMAN,
        True,
        personas.owner,
    )
    event = AuditEvent.objects.get(action="coding.segment.add")
    assert event.person_id == person.pk and event.detail["start"] == segment.start
    assert "bus" not in str(event.detail)  # the audit names places, never the words


def test_offsets_from_a_selection_are_used_when_they_hold_the_quoted_words(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    key = key_of(conversation, "seeing-people", "what_matters")
    start = SEEING.index("Jean")
    (segment,) = apply_codes(
        personas.owner,
        conversation,
        narrative_key=key,
        code_ids=[code.pk],
        quote="Jean",
        start=start,
        end=start + 4,
    )
    assert (segment.start, segment.end) == (start, start + 4)


@pytest.mark.parametrize(
    ("quote", "message"),
    [
        ("a bus that never came", "These words are not in"),
        ("e", "appear"),
    ],
)
def test_a_quote_that_is_missing_or_ambiguous_is_refused_saying_what_to_do(
    personas: Personas, person: Person, quote: str, message: str
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    with pytest.raises(InvalidInput) as refused:
        apply_codes(
            personas.owner,
            conversation,
            narrative_key=key_of(conversation, "seeing-people", "what_matters"),
            code_ids=[code.pk],
            quote=quote,
        )
    assert message in refused.value.errors["quote"]
    assert not CodedSegment.objects.exists()


def test_no_quote_codes_the_whole_text(personas: Personas, person: Person) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    (segment,) = apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[code.pk]
    )
    assert (segment.start, segment.end, segment.record) == (0, len(conversation.story), None)


def test_applying_the_same_codes_twice_is_refused_and_a_code_of_another_framework_is_not_offered(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    apply_codes(personas.owner, conversation, narrative_key="story", code_ids=[code.pk])
    with pytest.raises(InvalidInput, match="already applied"):
        apply_codes(personas.owner, conversation, narrative_key="story", code_ids=[code.pk])
    carers = Code.objects.filter(framework_slug="talking-points-carers").first()
    assert carers is not None
    with pytest.raises(InvalidInput, match="Choose at least one code"):
        apply_codes(personas.owner, conversation, narrative_key="story", code_ids=[carers.pk])


@pytest.mark.parametrize("who", ["outsider", "analyst", "admin"])
def test_others_cannot_code_a_person_who_did_not_agree_to_share_quotes(
    personas: Personas, person: Person, who: str
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    with pytest.raises(NotFound):
        apply_codes(getattr(personas, who), conversation, narrative_key="story", code_ids=[code.pk])
    with pytest.raises(NotFound):
        read_narrative(getattr(personas, who), conversation.pk)
    assert not codable_conversations(getattr(personas, who)).exists()


def test_an_analyst_codes_consented_words_shown_pseudonymised(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    consent_to_quotes(personas, person)
    page = read_narrative(personas.analyst, conversation.pk)
    assert page.pseudonymised and page.person.startswith("Person ")
    story = next(t for t in page.texts if t.narrative.key == "story").narrative.shown
    assert "Agnes" not in story and "Jean" not in story and "Morrisons" not in story
    assert story == "[name] told me about her week. She goes to [name] with [name] every Tuesday."
    code = outcome_code(personas, "seeing-people")
    (segment,) = apply_codes(
        personas.analyst,
        conversation,
        narrative_key="story",
        code_ids=[code.pk],
        quote="with [name] every Tuesday",
    )
    assert conversation.story[segment.start : segment.end] == "with Jean every Tuesday"
    event = AuditEvent.objects.get(action="coding.narrative.read")
    assert event.detail == {"shown": "pseudonymised"} and event.person_id == person.pk


def test_the_owner_sees_the_words_as_recorded(personas: Personas, person: Person) -> None:
    conversation = spoken(personas, person)
    consent_to_quotes(personas, person)
    page = read_narrative(personas.owner, conversation.pk)
    assert not page.pseudonymised and page.person == "Agnes Millar"
    assert page.texts[0].narrative.shown == conversation.story


def test_withdrawn_consent_closes_the_words_to_analysts_again(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    consent_to_quotes(personas, person)
    assert codable_conversations(personas.analyst).filter(pk=conversation.pk).exists()
    withdraw_consent(personas.owner, Consent.objects.get(), withdrawn_on=timezone.localdate())
    with pytest.raises(NotFound):
        read_narrative(personas.analyst, conversation.pk)


def test_only_the_person_who_applied_a_code_removes_it(personas: Personas, person: Person) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    (segment,) = apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[code.pk]
    )
    with pytest.raises(NotAllowed):
        remove_segment(personas.colleague, segment)
    with pytest.raises(NotFound):
        remove_segment(personas.outsider, segment)
    remove_segment(personas.owner, segment)
    assert not CodedSegment.objects.exists()
    assert AuditEvent.objects.filter(action="coding.segment.remove", person_id=person.pk).exists()


def test_a_corrected_text_shows_its_old_passages_as_changed(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    key = key_of(conversation, "seeing-people", "what_matters")
    apply_codes(
        personas.owner, conversation, narrative_key=key, code_ids=[code.pk], quote="my sister Jean"
    )
    record = conversation.records.get(outcome__code="seeing-people")
    update_outcome_record(
        personas.owner,
        record,
        {"what_matters": "To see my brother Tom more."},
        reason="She meant her brother",
    )
    page = read_narrative(personas.owner, conversation.pk)
    (passage,) = next(t for t in page.texts if t.narrative.key == key).passages
    assert not passage.current


def test_memos_on_passages_are_pseudonymised_for_analysts(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    consent_to_quotes(personas, person)
    code = outcome_code(personas, "seeing-people")
    (segment,) = apply_codes(
        personas.owner,
        conversation,
        narrative_key="story",
        code_ids=[code.pk],
        memo="Ask Agnes whether Jean still drives.",
    )
    add_segment_memo(personas.owner, segment, "Jean visits on Monday.")
    assert Memo.objects.filter(segment=segment).count() == 2
    seen = [text for _, text in read_segment(personas.analyst, segment.pk).memos]
    assert seen == ["Ask [name] whether [name] still drives.", "[name] visits on Monday."]
    first_memo = read_segment(personas.owner, segment.pk).memos[0][1]
    assert first_memo.startswith("Ask Agnes")
    with pytest.raises(InvalidInput):
        add_segment_memo(personas.owner, segment, "   ")


def test_every_passage_of_a_code_is_listed_in_context_and_each_person_shown_is_audited(
    personas: Personas, person: Person
) -> None:
    first = spoken(personas, person)
    second = spoken(personas, person)
    theme = add_theme(personas.analyst, name="Transport", description="Getting about")
    for conversation in (first, second):
        apply_codes(
            personas.owner,
            conversation,
            narrative_key=key_of(conversation, "seeing-people", "what_matters"),
            code_ids=[theme.pk],
            quote="The bus",
        )
    listed, total = passages_of_code(personas.owner, theme)
    assert total == 2 and len(listed) == 2
    context = listed[0].passage.context
    assert context is not None and context.passage == "The bus"
    assert context.before.endswith("Jean more. ") and context.after.startswith(" is hard")
    events = AuditEvent.objects.filter(action="coding.code.passages.read")
    assert {e.object_id for e in events} == {str(first.pk), str(second.pk)}
    # Analysts see none of it until the person agrees to share quotes.
    assert passages_of_code(personas.analyst, theme) == ([], 0)


def test_a_conversation_of_someone_who_left_the_caseload_is_no_longer_codable(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    person.allocations.update(ended_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(NotFound):
        read_narrative(personas.owner, conversation.pk)
