"""The codebook: framework outcomes for every organisation, themes analysts nest and describe."""

from __future__ import annotations

import pytest

from meaningful.audit.models import AuditEvent
from meaningful.audit.services import EditConflict, revisions_of
from meaningful.coding.codebook_services import (
    add_code_memo,
    add_theme,
    code_of,
    edit_code,
    read_codebook,
)
from meaningful.coding.models import Code, CodeKind
from meaningful.demo.factories import Personas, make_personas
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework

pytestmark = pytest.mark.django_db


def test_the_codebook_starts_with_every_outcome_of_the_frameworks_in_use(
    personas: Personas,
) -> None:
    book = read_codebook(personas.owner)
    outcomes = [e.code for e in book.entries if e.code.kind == CodeKind.OUTCOME]
    expected = sum(
        Framework.objects.filter(slug=slug).order_by("-loaded_at")[0].outcomes.count()
        for slug in {f.slug for f in Framework.objects.filter(organisation__isnull=True)}
    )
    assert len(outcomes) == expected > 0
    assert not book.can_change  # practitioners read the codebook; they do not keep it
    assert read_codebook(personas.analyst).can_change and read_codebook(personas.admin).can_change
    assert Code.objects.count() == expected  # read again: no outcome is added twice
    assert AuditEvent.objects.filter(action="coding.codebook.read").count() == 3


def test_an_analyst_nests_themes_under_outcomes_and_themes(personas: Personas) -> None:
    read_codebook(personas.analyst)
    safe = Code.objects.get(
        outcome_code="feeling-safe", framework_slug="talking-points-service-users"
    )
    barriers = add_theme(personas.analyst, name="Barriers", description="What gets in the way")
    transport = add_theme(personas.admin, name="Transport", parent_id=barriers.pk)
    falls = add_theme(personas.analyst, name="Falls", parent_id=safe.pk, examples="I fell\nMy hip")
    book = read_codebook(personas.owner)
    order = [(e.code.name, e.depth) for e in book.entries if e.code.kind == CodeKind.THEME]
    assert order == [("Falls", 1), ("Barriers", 0), ("Transport", 1)]
    assert falls.example_lines() == ["I fell", "My hip"]
    assert transport.parent == barriers
    assert AuditEvent.objects.filter(action="coding.code.add").count() == 3


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_practitioners_and_team_leaders_do_not_change_the_codebook(
    personas: Personas, who: str
) -> None:
    with pytest.raises(NotAllowed):
        add_theme(getattr(personas, who), name="Barriers")
    assert not Code.objects.filter(kind=CodeKind.THEME).exists()


def test_a_theme_name_is_needed_and_used_once(personas: Personas) -> None:
    add_theme(personas.analyst, name="Barriers")
    with pytest.raises(InvalidInput) as refused:
        add_theme(personas.analyst, name="barriers")
    assert "already a theme called" in refused.value.errors["name"]
    with pytest.raises(InvalidInput) as empty:
        add_theme(personas.analyst, name="  ")
    assert empty.value.errors == {"name": "Enter a name for the theme."}


def test_a_theme_cannot_be_nested_under_itself_or_its_own_sub_theme(personas: Personas) -> None:
    barriers = add_theme(personas.analyst, name="Barriers")
    transport = add_theme(personas.analyst, name="Transport", parent_id=barriers.pk)
    bus = add_theme(personas.analyst, name="Buses", parent_id=transport.pk)
    for parent in (barriers, bus):
        with pytest.raises(InvalidInput) as refused:
            edit_code(
                personas.analyst,
                barriers,
                name="Barriers",
                description="",
                examples="",
                parent_id=parent.pk,
                expected_version=barriers.version,
            )
        assert "cannot sit under itself" in refused.value.errors["parent"]


def test_changing_a_theme_keeps_its_earlier_version_and_refuses_a_stale_edit(
    personas: Personas,
) -> None:
    theme = add_theme(personas.analyst, name="Barriers")
    changed = edit_code(
        personas.analyst,
        theme,
        name="Barriers to getting out",
        description="Anything that keeps the person in",
        examples="",
        parent_id=None,
        expected_version=1,
    )
    assert changed == ["name", "description"]
    assert [r.data["name"] for r in revisions_of(theme)] == ["Barriers"]
    with pytest.raises(EditConflict):
        edit_code(
            personas.admin,
            theme,
            name="Old name",
            description="",
            examples="",
            parent_id=None,
            expected_version=1,
        )


def test_only_examples_of_an_outcome_change(personas: Personas) -> None:
    read_codebook(personas.analyst)
    safe = Code.objects.get(
        outcome_code="feeling-safe", framework_slug="talking-points-service-users"
    )
    edit_code(
        personas.analyst,
        safe,
        name="Renamed",
        description="Changed",
        examples="The door has a chain now",
        parent_id=None,
        expected_version=safe.version,
    )
    safe.refresh_from_db()
    assert safe.name != "Renamed" and safe.examples == "The door has a chain now"


def test_memos_on_codes_and_codes_of_another_organisation_are_not_found(
    personas: Personas,
) -> None:
    theme = add_theme(personas.analyst, name="Barriers")
    add_code_memo(personas.owner, theme, "Split into practical and emotional barriers?")
    assert theme.memos.get().author == personas.owner
    elsewhere = make_personas("Another Partnership")
    with pytest.raises(NotFound):
        code_of(elsewhere.analyst, theme.pk)
    with pytest.raises(NotFound):
        add_code_memo(elsewhere.owner, theme, "Not ours")
    with pytest.raises(NotFound):
        code_of(personas.analyst, "not-a-number")
