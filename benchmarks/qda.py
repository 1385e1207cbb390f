"""REFI-QDA export and import on the demo organisation: time, size, and a check of each file.

Run against a database that holds `meaningful demo` (it is changed: codes are applied):

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python -m meaningful demo --no-serve
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python benchmarks/qda.py

First the demo analyst and one practitioner code every text they may code (each record's text
with its outcome, each story with a theme) unless that was done before; then, for each of them,
it times the codebook and project exports, validates both against our schemas, and times a dry
run of importing the project's codebook.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
django.setup()

import xmlschema  # noqa: E402
from django.db import transaction  # noqa: E402

from meaningful.accounts.models import User  # noqa: E402
from meaningful.coding.codebook_services import add_theme, ensure_outcome_codes  # noqa: E402
from meaningful.coding.exchange.export import export_codebook, export_project  # noqa: E402
from meaningful.coding.exchange.importing import import_codebook  # noqa: E402
from meaningful.coding.exchange.refi import CODEBOOK_SCHEMA, PROJECT_SCHEMA  # noqa: E402
from meaningful.coding.exchange.upload import read_codebook_file  # noqa: E402
from meaningful.coding.models import Code, CodedSegment, CodeKind  # noqa: E402
from meaningful.coding.scope import codable_conversations, coding_organisation  # noqa: E402
from meaningful.coding.services import apply_codes, conversation_narratives  # noqa: E402

ANALYST, PRACTITIONER = "helen.anderson", "morag.campbell"


def code_everything(user: User) -> int:
    """Code each text the user may code, once; return how many codes were applied."""
    organisation = coding_organisation(user)
    ensure_outcome_codes(organisation)
    story = Code.objects.filter(organisation=organisation, name="Everyday life").first()
    if story is None:
        keeper = User.objects.get(username=ANALYST)
        story = add_theme(keeper, name="Everyday life", description="What a day is like")
    outcomes = {
        (c.framework_slug, c.outcome_code): c.pk
        for c in Code.objects.filter(organisation=organisation, kind=CodeKind.OUTCOME)
    }
    applied = 0
    for conversation in codable_conversations(user).select_related("person", "framework"):
        if CodedSegment.objects.filter(conversation=conversation, coder=user).exists():
            continue
        with transaction.atomic():
            for narrative in conversation_narratives(user, conversation):
                if narrative.record is None:
                    code = story.pk
                else:
                    outcome = narrative.record.outcome
                    code = outcomes[(conversation.framework.slug, outcome.code)]
                apply_codes(user, conversation, narrative_key=narrative.key, code_ids=[code])
                applied += 1
    return applied


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    codebook_schema, project_schema = (
        xmlschema.XMLSchema(CODEBOOK_SCHEMA),
        xmlschema.XMLSchema(PROJECT_SCHEMA),
    )
    for username in (ANALYST, PRACTITIONER):
        user = User.objects.get(username=username)
        seconds, applied = timed(lambda user=user: code_everything(user))
        print(f"{username}: applied {applied} codes in {seconds:.1f} s (set-up, not measured)")
        seconds, book = timed(lambda user=user: export_codebook(user))
        codebook_schema.validate(book.content)
        print(
            f"  codebook .qdc: {seconds * 1000:.0f} ms, {len(book.content):,} bytes, {book.counts}"
        )
        seconds, project = timed(lambda user=user: export_project(user))
        print(f"  project .qdpx: {seconds:.2f} s, {len(project.content):,} bytes, {project.counts}")
        qde = zipfile.ZipFile(io.BytesIO(project.content)).read("project.qde")
        seconds_valid, _ = timed(lambda qde=qde: project_schema.validate(qde))
        print(f"  project.qde: {len(qde):,} bytes unzipped, valid ({seconds_valid:.2f} s to check)")
        keeper = User.objects.get(username=ANALYST)
        seconds, result = timed(
            lambda content=project.content, keeper=keeper: import_codebook(
                keeper,
                coding_organisation(keeper),
                read_codebook_file(content),
                dry_run=True,
            )
        )
        print(
            f"  import dry run of its codebook: {seconds * 1000:.0f} ms, "
            f"{len(result.added)} new, {len(result.matched)} matched"
        )


if __name__ == "__main__":
    main()
