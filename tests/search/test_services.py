"""Search finds what people said, stemmed, and only what the searcher may read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from meaningful.audit.models import AuditEvent
from meaningful.conversations.models import OutcomeRecord
from meaningful.errors import NotAllowed
from meaningful.interop.tabular.export import pseudonym
from meaningful.people.anonymisation import anonymise_person
from meaningful.people.models import Consent
from meaningful.people.services import withdraw_consent
from meaningful.search import services
from meaningful.search.services import search_narratives
from tests.conftest import ON_POSTGRESQL
from tests.search.conftest import Caseload, criteria, say


def whose(results: services.Results) -> list[str]:
    return sorted(hit.who for hit in results.hits)


def test_a_practitioner_finds_their_caseloads_words_with_every_ending_of_a_word(
    caseload: Caseload,
) -> None:
    found = search_narratives(caseload.personas.owner, criteria("walk"))
    # walks (Agnes's working), walking (Agnes's story, Bill's what matters); never Sheena (South).
    assert found.page.paginator.count == 3
    assert whose(found) == ["Agnes Millar", "Agnes Millar", "Bill Doig"]
    assert not found.pseudonymised
    assert all(hit.link.startswith("/conversations/") for hit in found.hits)


def test_another_teams_practitioner_sees_only_their_own_caseload(caseload: Caseload) -> None:
    found = search_narratives(caseload.personas.outsider, criteria("walking"))
    assert whose(found) == ["Sheena Rattray"]


def test_a_team_leader_sees_their_teams_caseload(caseload: Caseload) -> None:
    found = search_narratives(caseload.personas.colleague, criteria("dog"))
    assert whose(found) == ["Bill Doig"]


def test_an_analyst_sees_only_people_who_agreed_to_share_quotes_and_only_by_pseudonym(
    caseload: Caseload,
) -> None:
    found = search_narratives(caseload.personas.analyst, criteria("walk"))
    codes = {pseudonym(caseload.agnes.pk), pseudonym(caseload.sheena.pk)}
    assert found.pseudonymised
    assert {hit.who for hit in found.hits} == codes  # never Bill, who did not agree
    assert found.page.paginator.count == 3
    for hit in found.hits:
        assert hit.link == ""
        for name in ("Agnes", "Millar", "Sheena", "Rattray", "Jean"):
            assert name not in hit.extract


def test_an_analysts_extract_has_names_taken_out_but_keeps_the_match_marked(
    caseload: Caseload,
) -> None:
    found = search_narratives(caseload.personas.analyst, criteria("bus", field="working"))
    [hit] = found.hits
    assert hit.extract == "My neighbour [name] walks with me to the <mark>bus</mark>"
    assert hit.field_label == "What is working"


def test_other_roles_may_not_search(caseload: Caseload) -> None:
    with pytest.raises(NotAllowed):
        search_narratives(caseload.personas.admin, criteria("walk"))


def test_withdrawn_consent_takes_a_persons_words_out_of_an_analysts_search(
    caseload: Caseload,
) -> None:
    consent = Consent.objects.get(person=caseload.agnes)
    withdraw_consent(caseload.personas.owner, consent, withdrawn_on=timezone.localdate())
    found = search_narratives(caseload.personas.analyst, criteria("walk"))
    assert {hit.who for hit in found.hits} == {pseudonym(caseload.sheena.pk)}
    assert found.page.paginator.count == 1


def test_an_erased_persons_words_are_found_by_nobody(caseload: Caseload) -> None:
    anonymise_person(caseload.personas.admin, caseload.agnes, cause="request")
    for user in (caseload.personas.owner, caseload.personas.analyst):
        found = search_narratives(user, criteria("walk OR erased OR lunch"))
        assert all(hit.person_id != str(caseload.agnes.pk) for hit in found.hits)
    # The index followed the erasure: the old words are no longer in it at all.
    assert search_narratives(caseload.personas.owner, criteria("lunch")).page.paginator.count == 0


def test_the_filter_is_in_the_query_so_counts_and_pages_are_right(
    caseload: Caseload, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many more matching narratives on another team than on the searcher's: every page
    holds the searcher's own, and the count is theirs alone."""
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for n in range(6):
        say(
            caseload.personas,
            caseload.sheena,
            actor=caseload.personas.outsider,
            what_matters=f"Gardening with my grandson, week {n}",
        )
    for n in range(3):
        say(caseload.personas, caseload.bill, what_matters=f"Gardening at the allotment {n}")
    first = search_narratives(caseload.personas.owner, criteria("garden"))
    assert first.page.paginator.count == 3 and first.page.paginator.num_pages == 2
    second = search_narratives(caseload.personas.owner, criteria("garden"), 2)
    assert whose(first) + whose(second) == ["Bill Doig"] * 3


def test_removing_the_access_filter_would_show_other_teams_words(
    caseload: Caseload, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above would notice a search that forgot whose words it may show."""
    everyone = services.search_scope(caseload.personas.system)
    monkeypatch.setattr(
        services,
        "search_scope",
        lambda user: services.Scope(everyone.people, everyone.teams, False, caseload=True),
    )
    found = search_narratives(caseload.personas.owner, criteria("walking"))
    assert "Sheena Rattray" in whose(found)


def test_quotes_or_and_minus_work_as_the_page_says(caseload: Caseload) -> None:
    owner = caseload.personas.owner
    assert whose(search_narratives(owner, criteria('"lunch club"'))) == ["Agnes Millar"]
    assert whose(search_narratives(owner, criteria('"club lunch"'))) == []
    assert whose(search_narratives(owner, criteria("dog OR thursdays"))) == [
        "Agnes Millar",
        "Bill Doig",
    ]
    assert whose(search_narratives(owner, criteria("walking -dog"))) == ["Agnes Millar"] * 2


def test_field_team_and_dates_narrow_the_search(caseload: Caseload) -> None:
    owner, personas = caseload.personas.owner, caseload.personas
    assert len(search_narratives(owner, criteria("walk", field="story")).hits) == 1
    assert len(search_narratives(owner, criteria("walk", field="working")).hits) == 1
    assert len(search_narratives(owner, criteria("walk", field="not_working")).hits) == 0
    assert len(search_narratives(owner, criteria("walk", team=personas.team)).hits) == 3
    with pytest.raises(NotAllowed):
        search_narratives(owner, criteria("walk", team=personas.other_team))
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert search_narratives(owner, criteria("walk", held_from=tomorrow)).hits == []
    assert len(search_narratives(owner, criteria("walk", held_to=tomorrow)).hits) == 3


def test_a_story_result_names_its_field_and_marks_the_match(caseload: Caseload) -> None:
    [hit] = search_narratives(caseload.personas.owner, criteria("fall")).hits
    assert hit.field_label == "Story of the conversation"
    assert hit.outcome == ""
    assert "<mark>fall</mark>" in hit.extract


def test_a_narrative_holding_markup_is_shown_as_text(caseload: Caseload) -> None:
    say(
        caseload.personas,
        caseload.bill,
        what_matters='<script>alert("x")</script> my <b>garden</b> & the birds',
    )
    [hit] = search_narratives(caseload.personas.owner, criteria("garden")).hits
    assert "<script>" not in hit.extract and "<b>" not in hit.extract
    assert "<mark>garden</mark>" in hit.extract
    assert "&amp; the birds" in hit.extract
    if not ON_POSTGRESQL:  # PostgreSQL's headline leaves markup out altogether
        assert "&lt;script&gt;" in hit.extract


def test_edits_and_deletions_reach_the_index(caseload: Caseload) -> None:
    owner = caseload.personas.owner
    record = OutcomeRecord.objects.get(conversation__person=caseload.bill)
    record.what_matters = "Feeding the ducks at the pond"
    record.save()
    assert whose(search_narratives(owner, criteria("dog"))) == []
    assert whose(search_narratives(owner, criteria("duck"))) == ["Bill Doig"]
    conversation = record.conversation
    conversation.story = "We met at the pond"
    conversation.save()
    assert search_narratives(owner, criteria("pond")).page.paginator.count == 2
    record.delete()
    conversation.delete()
    assert search_narratives(owner, criteria("pond")).page.paginator.count == 0


def test_every_search_is_audited_without_its_words(caseload: Caseload) -> None:
    search_narratives(caseload.personas.owner, criteria("thursdays lunch"))
    event = AuditEvent.objects.get(action="search.narratives")
    assert event.actor == caseload.personas.owner
    assert "lunch" not in str(event.detail).lower() and "thursday" not in str(event.detail).lower()
    assert event.detail["found"] == 1
    assert event.detail["people_shown"] == [str(caseload.agnes.pk)]
    again = search_narratives(caseload.personas.owner, criteria('Thursdays  "LUNCH"'))
    assert again.hits
    digests = AuditEvent.objects.filter(action="search.narratives").values_list(
        "detail__query_digest", flat=True
    )
    assert len(set(digests)) == 1  # the same words, typed differently, give the same digest
