"""Importing a REFI-QDA codebook into an organisation's codebook as new themes.

Codes nest as they do in the file. A code whose name matches a code already in the codebook
(an outcome or a theme, ignoring case) is not added again: it is reported, and the codes under
it in the file nest under the existing one. A name that comes twice in the file is added once.
The whole file goes in, or nothing does; a dry run works the import out and then undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from meaningful.accounts.models import Organisation, User
from meaningful.audit.services import record_event
from meaningful.coding.codebook_services import ensure_outcome_codes
from meaningful.coding.exchange.refi import CodeNode
from meaningful.coding.models import Code, CodeKind
from meaningful.coding.scope import NOT_A_KEEPER, coding_organisation, keeps_codebook
from meaningful.errors import NotAllowed

PURPOSE = "qualitative analysis"
SEPARATOR = " \u203a "


@dataclass
class CodebookImport:
    """What an import added and what it left alone, each code named by its path in the file."""

    dry_run: bool
    added: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    added_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "added": self.added,
            "matched_existing": self.matched,
            "repeated_in_file": self.repeated,
        }


def check_importer(actor: User, organisation: Organisation) -> None:
    """NotAllowed unless the actor keeps this organisation's codebook."""
    if coding_organisation(actor).pk != organisation.pk or not keeps_codebook(actor, organisation):
        raise NotAllowed(NOT_A_KEEPER)


def import_codebook(
    actor: User, organisation: Organisation, nodes: list[CodeNode], *, dry_run: bool = False
) -> CodebookImport:
    """Add the file's codes to the organisation's codebook as themes, nested as in the file,
    all or nothing; with ``dry_run`` report what would happen and change nothing."""
    check_importer(actor, organisation)
    result = CodebookImport(dry_run)
    with transaction.atomic():
        ensure_outcome_codes(organisation)
        by_name: dict[str, Code] = {}
        for code in Code.objects.filter(organisation=organisation).order_by("kind", "pk"):
            by_name.setdefault(code.name.casefold(), code)
        new: set[str] = set()

        def place(node: CodeNode, parent: Code | None, path: str) -> None:
            here = f"{path}{SEPARATOR}{node.name}" if path else node.name
            key = node.name.casefold()
            code = by_name.get(key)
            if code is None:
                code = Code.objects.create(
                    organisation=organisation,
                    kind=CodeKind.THEME,
                    parent=parent,
                    name=node.name,
                    description=node.description,
                    created_by=actor,
                )
                by_name[key] = code
                new.add(key)
                result.added.append(here)
                result.added_ids.append(code.pk)
            else:
                (result.repeated if key in new else result.matched).append(here)
            for child in node.children:
                place(child, code, here)

        for node in nodes:
            place(node, None, "")
        if dry_run:
            transaction.set_rollback(True)
        else:
            record_event(
                actor,
                "coding.codebook.import",
                organisation,
                purpose=PURPOSE,
                detail={
                    "added": len(result.added),
                    "matched": len(result.matched),
                    "repeated": len(result.repeated),
                    "code_ids": result.added_ids,
                },
            )
    if dry_run:
        result.added_ids = []
    return result
