"""How far two people coding the same narratives agree, code by code and overall.

The unit is one text (the story, or one answer of one outcome record). A coder has coded a
text when they applied any code to it, or said their coding of its conversation is finished
(then a text with no code from them counts as "none of the codes apply"). Only texts both
coded are compared. For each code used by either, each coder's value on each text is whether
they applied that code anywhere in it (an accepted suggestion counts as theirs).

- Cohen's kappa per code, over the texts both coded (present or absent).
- Krippendorff's alpha overall (nominal), over every (text, code) pair as a unit with the two
  coders' present/absent values: one figure for the whole codebook as used.
- The disagreements: each text and code where one applied the code and the other did not,
  with the passages of the one who did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from meaningful.accounts.models import User
from meaningful.analysis.agreement import (
    Alpha,
    Kappa,
    cohens_kappa,
    krippendorff_alpha_nominal,
)
from meaningful.audit.services import record_event
from meaningful.coding.codebook_services import codebook_entries
from meaningful.coding.models import RECORD_FIELDS, Code, CodedSegment, CodingCompletion
from meaningful.coding.reading import ListedPassage, show_passages
from meaningful.coding.scope import codable_conversations, coding_organisation
from meaningful.coding.services import PURPOSE
from meaningful.coding.texts import narrative_key
from meaningful.conversations.models import Conversation, OutcomeRecord

Unit = tuple[object, str]  # (conversation id, text key)
MOST_DISAGREEMENTS = 200


def coders_in_scope(actor: User) -> list[User]:
    """Everyone who applied or accepted codes on conversations the actor may code."""
    ids = (
        CodedSegment.objects.filter(accepted=True, conversation__in=codable_conversations(actor))
        .values_list("coder_id", flat=True)
        .distinct()
    )
    return sorted(User.objects.filter(pk__in=list(ids)), key=lambda u: str(u).lower())


def _texts_of(conversation_ids: Iterable[object]) -> set[Unit]:
    conversation_ids = list(conversation_ids)
    units: set[Unit] = set()
    for pk, story in Conversation.objects.filter(pk__in=conversation_ids).values_list(
        "pk", "story"
    ):
        if story.strip():
            units.add((pk, "story"))
    records = OutcomeRecord.objects.filter(conversation_id__in=conversation_ids).values(
        "pk", "conversation_id", *RECORD_FIELDS
    )
    for row in records:
        for field in RECORD_FIELDS:
            if str(row[field]).strip():
                units.add((row["conversation_id"], narrative_key(row["pk"], field)))
    return units


@dataclass(frozen=True)
class CodeAgreement:
    code: Code
    kappa: Kappa
    both: int
    only_first: int
    only_second: int
    neither: int


@dataclass(frozen=True)
class Disagreement:
    code: Code
    applied_by: User
    listed: list[ListedPassage]


@dataclass(frozen=True)
class AgreementReport:
    first: User
    second: User
    texts: int
    conversations: int
    codes: list[CodeAgreement]
    alpha: Alpha
    disagreements: list[Disagreement]
    disagreements_in_all: int


def agreement_report(
    actor: User, first: User, second: User, *, download: bool = False
) -> AgreementReport:
    """Compare two coders over the texts both coded among those the actor may code. For a
    download, the disagreements are counted but their passages are neither read nor listed."""
    organisation = coding_organisation(actor)
    scope = codable_conversations(actor)
    segments = list(
        CodedSegment.objects.filter(
            accepted=True,
            coder__in=[first, second],
            conversation__in=scope,
            code__organisation=organisation,
        ).select_related("code")
    )
    applied: dict[int, dict[Unit, set[int]]] = {
        first.pk: defaultdict(set),
        second.pk: defaultdict(set),
    }
    covered: dict[int, set[Unit]] = {first.pk: set(), second.pk: set()}
    for segment in segments:
        unit = (segment.conversation_id, narrative_key(segment.record_id, segment.field))
        applied[int(str(segment.coder_id))][unit].add(segment.code_id)
        covered[int(str(segment.coder_id))].add(unit)
    for coder in (first, second):
        finished = set(
            CodingCompletion.objects.filter(coder=coder, conversation__in=scope).values_list(
                "conversation_id", flat=True
            )
        )
        covered[coder.pk] |= _texts_of(finished)
    units = sorted(covered[first.pk] & covered[second.pk], key=str)
    used = {code for coder in applied.values() for unit in units for code in coder.get(unit, ())}
    codes = [e.code for e in codebook_entries(organisation) if e.code.pk in used]
    first_rows, second_rows, per_code = [], [], []
    for code in codes:
        a = [code.pk in applied[first.pk].get(unit, set()) for unit in units]
        b = [code.pk in applied[second.pk].get(unit, set()) for unit in units]
        first_rows += a
        second_rows += b
        pairs = list(zip(a, b, strict=True))
        per_code.append(
            CodeAgreement(
                code,
                cohens_kappa(a, b),
                pairs.count((True, True)),
                pairs.count((True, False)),
                pairs.count((False, True)),
                pairs.count((False, False)),
            )
        )
    alpha = krippendorff_alpha_nominal([first_rows, second_rows])
    disagreements: list[Disagreement] = []
    if download:
        total = len(_disagreeing(units, codes, applied, (first, second)))
    else:
        disagreements, total = _disagreements(
            actor, segments, units, codes, applied, (first, second)
        )
    record_event(
        actor,
        "coding.agreement.download" if download else "coding.agreement.view",
        organisation,
        purpose=PURPOSE,
        detail={"coders": [first.pk, second.pk], "texts": len(units), "codes": len(codes)},
    )
    return AgreementReport(
        first,
        second,
        len(units),
        len({conversation for conversation, _ in units}),
        per_code,
        alpha,
        disagreements,
        total,
    )


def _disagreeing(
    units: list[Unit],
    codes: list[Code],
    applied: dict[int, dict[Unit, set[int]]],
    coders: tuple[User, User],
) -> list[tuple[Unit, Code, User]]:
    """Each (text, code) only one of the two applied, with who applied it."""
    wanted: list[tuple[Unit, Code, User]] = []
    for unit in units:
        for code in codes:
            has = [code.pk in applied[c.pk].get(unit, set()) for c in coders]
            if has[0] != has[1]:
                wanted.append((unit, code, coders[0] if has[0] else coders[1]))
    return wanted


def _disagreements(
    actor: User,
    segments: list[CodedSegment],
    units: list[Unit],
    codes: list[Code],
    applied: dict[int, dict[Unit, set[int]]],
    coders: tuple[User, User],
) -> tuple[list[Disagreement], int]:
    """Each (text, code) only one of the two applied, with that coder's passages, in context."""
    wanted = _disagreeing(units, codes, applied, coders)
    shown = wanted[:MOST_DISAGREEMENTS]
    keys = {(unit, code.pk, who.pk) for unit, code, who in shown}
    chosen = [
        s
        for s in segments
        if ((s.conversation_id, narrative_key(s.record_id, s.field)), s.code_id, s.coder_id) in keys
    ]
    placed = show_passages(
        actor,
        chosen,
        action="coding.agreement.read",
        detail={"coders": [c.pk for c in coders]},
    )
    by_key: dict[tuple[Unit, int, int], list[ListedPassage]] = defaultdict(list)
    for listed in placed:
        s = listed.passage.segment
        unit = (s.conversation_id, narrative_key(s.record_id, s.field))
        by_key[(unit, s.code_id, int(str(s.coder_id)))].append(listed)
    found = [
        Disagreement(code, who, by_key[(unit, code.pk, who.pk)])
        for unit, code, who in shown
        if by_key[(unit, code.pk, who.pk)]
    ]
    return found, len(wanted)
