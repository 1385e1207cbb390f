"""Keeping an organisation's codebook: its framework outcomes, its own nested themes, memos.

Every organisation's codebook starts with the outcomes of the frameworks it records against
(the newest version of each); analysts and administrators add themes, nest them and describe
them. Every read and change is audited; changes keep the earlier version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from meaningful.accounts.models import Organisation, User
from meaningful.audit.services import edit_and_audit, record_event
from meaningful.coding.models import Code, CodeKind, Memo
from meaningful.coding.scope import NOT_A_KEEPER, coding_organisation, keeps_codebook
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.frameworks.models import Framework
from meaningful.frameworks.services import usable_frameworks
from meaningful.text import text_problems

NAME_LENGTH = 120
DESCRIPTION_LENGTH = 2_000
EXAMPLES_LENGTH = 5_000
MEMO_LENGTH = 5_000


def newest_frameworks(organisation: Organisation) -> list[Framework]:
    """The newest version of each framework the organisation records against, by name."""
    newest: dict[str, Framework] = {}
    for framework in usable_frameworks(organisation).order_by("loaded_at"):
        newest[framework.slug] = framework
    return sorted(newest.values(), key=lambda f: f.name)


def ensure_outcome_codes(organisation: Organisation) -> None:
    """Give the codebook a code for every outcome of the organisation's frameworks, once."""
    have = set(
        Code.objects.filter(organisation=organisation, kind=CodeKind.OUTCOME).values_list(
            "framework_slug", "outcome_code"
        )
    )
    missing = [
        Code(
            organisation=organisation,
            kind=CodeKind.OUTCOME,
            name=outcome.name,
            description=outcome.description,
            framework_slug=framework.slug,
            outcome_code=outcome.code,
            position=outcome.position,
        )
        for framework in newest_frameworks(organisation)
        for outcome in framework.outcomes.all()
        if (framework.slug, outcome.code) not in have
    ]
    if missing:
        Code.objects.bulk_create(missing, ignore_conflicts=True)


@dataclass(frozen=True)
class Entry:
    """A code in the codebook's order, with how deep it sits and how often it was applied."""

    code: Code
    depth: int
    applied: int
    group: str  # the framework's name for outcomes and the themes under them, or "Themes"


@dataclass(frozen=True)
class Codebook:
    organisation: Organisation
    entries: list[Entry]
    can_change: bool


def codebook_entries(organisation: Organisation) -> list[Entry]:
    """The codebook as a tree walked depth first: frameworks' outcomes, then top-level themes."""
    ensure_outcome_codes(organisation)
    codes = list(
        Code.objects.filter(organisation=organisation).annotate(
            applied=Count("segments", filter=Q(segments__accepted=True))
        )
    )
    children: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code)
    names = {f.slug: f.name for f in newest_frameworks(organisation)}
    entries: list[Entry] = []

    def walk(code: Code, depth: int, group: str) -> None:
        entries.append(Entry(code, depth, getattr(code, "applied", 0), group))
        for child in sorted(children[code.pk], key=lambda c: c.name.lower()):
            walk(child, depth + 1, group)

    roots = children[None]
    outcomes = sorted(
        (c for c in roots if c.is_outcome),
        key=lambda c: (names.get(c.framework_slug, "~"), c.position),
    )
    for outcome in outcomes:
        walk(outcome, 0, names.get(outcome.framework_slug, outcome.framework_slug))
    for theme in sorted((c for c in roots if not c.is_outcome), key=lambda c: c.name.lower()):
        walk(theme, 0, "Themes")
    return entries


def read_codebook(actor: User) -> Codebook:
    """The actor's organisation's codebook; NotAllowed for those who do not code."""
    organisation = coding_organisation(actor)
    entries = codebook_entries(organisation)
    record_event(actor, "coding.codebook.read", organisation, purpose="qualitative analysis")
    return Codebook(organisation, entries, keeps_codebook(actor, organisation))


def code_of(actor: User, code_id: object) -> Code:
    """A code of the actor's organisation's codebook; NotFound for any other."""
    organisation = coding_organisation(actor)
    if not str(code_id).isdigit():
        raise NotFound("No such code.")
    code = Code.objects.filter(organisation=organisation, pk=int(str(code_id))).first()
    if code is None:
        raise NotFound("No such code.")
    return code


def _check_keeper(actor: User) -> Organisation:
    organisation = coding_organisation(actor)
    if not keeps_codebook(actor, organisation):
        raise NotAllowed(NOT_A_KEEPER)
    return organisation


def descendants_of(code: Code) -> set[int]:
    """The ids of every code nested under this one, at any depth."""
    found: set[int] = set()
    frontier = [code.pk]
    while frontier:
        frontier = list(
            Code.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found.update(frontier)
    return found


def _theme_problems(
    organisation: Organisation,
    values: dict[str, str],
    parent: Code | None,
    editing: Code | None = None,
) -> dict[str, str]:
    errors = text_problems(
        {"description": values["description"]}, limit=DESCRIPTION_LENGTH
    ) | text_problems({"examples": values["examples"]}, limit=EXAMPLES_LENGTH)
    name = values["name"]
    if not name:
        errors["name"] = "Enter a name for the theme."
    elif problem := text_problems({"name": name}, limit=NAME_LENGTH).get("name"):
        errors["name"] = problem
    else:
        same = Code.objects.filter(
            organisation=organisation, kind=CodeKind.THEME, name__iexact=name
        )
        if editing is not None:
            same = same.exclude(pk=editing.pk)
        if same.exists():
            errors["name"] = f"There is already a theme called {name!r}; choose another name."
    if (
        parent is not None
        and editing is not None
        and (parent.pk == editing.pk or parent.pk in descendants_of(editing))
    ):
        errors["parent"] = "A theme cannot sit under itself or under one of its own sub-themes."
    return errors


def _parent(organisation: Organisation, parent_id: int | None) -> Code | None:
    if parent_id is None:
        return None
    parent = Code.objects.filter(organisation=organisation, pk=parent_id).first()
    if parent is None:
        raise InvalidInput({"parent": "Choose a code from the list, or none."})
    return parent


def add_theme(
    actor: User,
    *,
    name: str,
    description: str = "",
    examples: str = "",
    parent_id: int | None = None,
) -> Code:
    """Add a theme to the actor's organisation's codebook, under a parent code or at the top."""
    organisation = _check_keeper(actor)
    values = {
        "name": name.strip(),
        "description": description.strip(),
        "examples": examples.strip(),
    }
    parent = _parent(organisation, parent_id)
    errors = _theme_problems(organisation, values, parent)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        code = Code.objects.create(
            organisation=organisation,
            kind=CodeKind.THEME,
            parent=parent,
            created_by=actor,
            **values,
        )
        record_event(
            actor,
            "coding.code.add",
            code,
            purpose="qualitative analysis",
            detail={"parent": parent_id},
        )
    return code


def edit_code(
    actor: User,
    code: Code,
    *,
    name: str,
    description: str,
    examples: str,
    parent_id: int | None,
    expected_version: int | None,
) -> list[str]:
    """Change a theme (name, description, examples, place) or an outcome's examples; keep the
    earlier version. EditConflict when someone else changed it after ``expected_version``."""
    organisation = _check_keeper(actor)
    if code.organisation_id != organisation.pk:
        raise NotFound("No such code.")
    values = {
        "name": name.strip(),
        "description": description.strip(),
        "examples": examples.strip(),
    }
    if code.is_outcome:
        errors = text_problems({"examples": values["examples"]}, limit=EXAMPLES_LENGTH)
        changes: dict[str, object] = {"examples": values["examples"]}
    else:
        parent = _parent(organisation, parent_id)
        errors = _theme_problems(organisation, values, parent, editing=code)
        changes = {**values, "parent_id": parent.pk if parent else None}
    if errors:
        raise InvalidInput(errors)
    return edit_and_audit(
        actor,
        code,
        changes,
        action="coding.code.edit",
        person_id=None,
        reason="codebook changed",
        purpose="qualitative analysis",
        expected_version=expected_version,
    )


def add_code_memo(actor: User, code: Code, text: str) -> Memo:
    """Add a dated memo to a code of the actor's organisation."""
    if code.organisation_id != coding_organisation(actor).pk:
        raise NotFound("No such code.")
    text = text.strip()
    problem = text_problems({"text": text}, limit=MEMO_LENGTH).get("text")
    if not text or problem:
        raise InvalidInput({"text": problem or "Write the memo before adding it."})
    with transaction.atomic():
        memo = Memo.objects.create(code=code, text=text, author=actor)
        record_event(actor, "coding.memo.add", code, purpose="qualitative analysis")
    return memo
