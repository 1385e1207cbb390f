"""Exporting the codebook as a REFI-QDA codebook (.qdc) and the coded corpus as a REFI-QDA
project (.qdpx), for an analyst who continues in another qualitative analysis tool.

The corpus leaves the system, so it holds only what the exporter may code, and less:

- everyone appears under a pseudonym: a person as "Person" and a keyed hash, never a name or an
  id; coders by their role and a number ("Analyst 1"), never by name;
- every text is anonymised (the names the record holds, the names its texts use, places,
  dates, phone numbers), and each coded passage is moved onto the anonymised text, so it still
  covers the words it was coded on;
- an exporter with an analyst's or administrator's role gets only the words of people whose
  agreement to share anonymised quotes is in force today, whoever else they may code;
- only applied codes (or accepted suggestions) on texts unchanged since they were coded go out;
  waiting and rejected suggestions, and the codes' example passages, stay behind.

Every export is audited: counts, and for the corpus one event per conversation exported.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet

from meaningful import __version__
from meaningful.accounts.models import Membership, Organisation, Role, User
from meaningful.analysis.anonymise import anonymise
from meaningful.audit.services import EventInput, record_event, record_events
from meaningful.coding.codebook_services import codebook_entries
from meaningful.coding.exchange.refi import (
    CODEBOOK_NS,
    OUTCOME_COLOUR,
    PROJECT_NS,
    THEME_COLOUR,
    CodeNode,
    code_element,
    stable_guid,
    to_bytes,
    xml_datetime,
)
from meaningful.coding.models import Code, CodedSegment, Memo, Origin
from meaningful.coding.scope import (
    ANALYSIS_ROLES,
    CODING_ROLES,
    codable_conversations,
    coding_organisation,
    quotes_consented,
)
from meaningful.coding.texts import (
    Narrative,
    is_current,
    names_to_hide,
    narrative_key,
    narratives_of,
)
from meaningful.conversations.models import Conversation
from meaningful.errors import InvalidInput
from meaningful.interop.tabular.export import pseudonym

ORIGIN = f"Meaningful {__version__}"
PURPOSE = "qualitative analysis"
COUNTED = ("people", "conversations", "texts", "passages", "passages_changed_since_coded", "notes")
EMPTY_CODEBOOK = (
    "The codebook is empty: install a framework for the organisation or add a theme first."
)


@dataclass
class Exported:
    """A file ready to download: its name, its bytes, and what it holds (counts only)."""

    filename: str
    content: bytes
    counts: dict[str, int] = field(default_factory=dict)


def code_guid(code: Code) -> str:
    return stable_guid("code", code.pk)


def codebook_tree(
    organisation: Organisation, notes: dict[int, list[str]] | None = None
) -> list[CodeNode]:
    """The organisation's codebook as nested codes, in the codebook page's order."""
    roots: list[CodeNode] = []
    path: list[CodeNode] = []
    for entry in codebook_entries(organisation):
        code = entry.code
        node = CodeNode(
            name=code.name,
            description=code.description,
            guid=code_guid(code),
            colour=OUTCOME_COLOUR if code.is_outcome else THEME_COLOUR,
            note_guids=(notes or {}).get(code.pk, []),
        )
        del path[entry.depth :]
        (path[-1].children if path else roots).append(node)
        path.append(node)
    return roots


def export_codebook(actor: User) -> Exported:
    """The actor's organisation's codebook as a REFI-QDA codebook file, for everyone who codes."""
    organisation = coding_organisation(actor)
    roots = codebook_tree(organisation)
    if not roots:
        raise InvalidInput({"codebook": EMPTY_CODEBOOK})
    book = ET.Element("CodeBook", {"origin": ORIGIN})
    codes = ET.SubElement(book, "Codes")
    for node in roots:
        code_element(codes, node, CODEBOOK_NS)
    counts = {"codes": sum(node.count() for node in roots)}
    record_event(
        actor,
        "coding.codebook.export",
        organisation,
        purpose=PURPOSE,
        detail={"format": "qdc", **counts},
    )
    return Exported(f"{organisation.slug}-codebook.qdc", to_bytes(book, CODEBOOK_NS), counts)


def exportable_conversations(actor: User) -> QuerySet[Conversation]:
    """The coded conversations whose words the actor may take out of the system."""
    conversations = codable_conversations(actor).filter(person__erased_at__isnull=True)
    if Membership.objects.filter(user=actor, role__in=ANALYSIS_ROLES).exists():
        conversations = conversations.filter(quotes_consented())
    applied = CodedSegment.objects.filter(conversation=OuterRef("pk"), accepted=True)
    return conversations.filter(Exists(applied))


class Coders:
    """Each coder as the export names them: their role and a number, with a stable GUID."""

    def __init__(self) -> None:
        self.guids: dict[int, str] = {}
        self.names: dict[str, str] = {}

    def guid(self, user_id: int) -> str:
        if user_id not in self.guids:
            self.guids[user_id] = stable_guid("user", user_id)
        return self.guids[user_id]

    def name_all(self) -> None:
        """Name every coder met: "Practitioner 1", "Analyst 2", in the order they were met."""
        roles: dict[int, str] = {}
        for user_id, role in Membership.objects.filter(
            user_id__in=list(self.guids), role__in=CODING_ROLES
        ).values_list("user_id", "role"):
            roles.setdefault(user_id, role)
        numbered: dict[str, int] = defaultdict(int)
        for user_id, guid in self.guids.items():
            label = Role(roles[user_id]).label if user_id in roles else "Coder"
            numbered[label] += 1
            self.names[guid] = f"{label} {numbered[label]}"


@dataclass
class Corpus:
    """What goes into the project file, gathered before any XML is written."""

    sources: list[tuple[str, str, str, list[ET.Element]]] = field(default_factory=list)
    notes: list[ET.Element] = field(default_factory=list)
    code_notes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    events: list[EventInput] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))


def _note(corpus: Corpus, coders: Coders, memo: Memo, text: str, name: str) -> str:
    guid = stable_guid("memo", memo.pk)
    note = ET.Element(
        "Note",
        {
            "guid": guid,
            "name": name,
            "creatingUser": coders.guid(memo.author_id),
            "creationDateTime": xml_datetime(memo.created_at),
        },
    )
    ET.SubElement(note, "PlainTextContent").text = text
    corpus.notes.append(note)
    corpus.counts["notes"] += 1
    return guid


def _selection(
    corpus: Corpus, coders: Coders, segment: CodedSegment, narrative: Narrative, hide: list[str]
) -> ET.Element | None:
    """A coded passage placed on the anonymised text, or None when its words changed since."""
    if not is_current(narrative.stored, segment.start, segment.end, segment.text_hash):
        corpus.counts["passages_changed_since_coded"] += 1
        return None
    start, end = narrative.offsets.to_shown(segment.start, segment.end)
    coder = coders.guid(segment.coder_id) if segment.coder_id else ""
    when = xml_datetime(segment.decided_at or segment.created_at)
    authorship = {"creatingUser": coder, "creationDateTime": when} if coder else {}
    selection = ET.Element(
        "PlainTextSelection",
        {
            "guid": stable_guid("passage", segment.pk),
            "startPosition": str(start),
            "endPosition": str(end),
            **authorship,
        },
    )
    if segment.origin == Origin.MODEL:
        ET.SubElement(
            selection, "Description"
        ).text = "Suggested by the model and accepted by the coder."
    coding = ET.SubElement(
        selection,
        "Coding",
        {"guid": stable_guid("coding", segment.pk), **authorship},
    )
    ET.SubElement(coding, "CodeRef", {"targetGUID": code_guid(segment.code)})
    for memo in segment.memos.all():
        guid = _note(corpus, coders, memo, anonymise(memo.text, hide), "Memo on a passage")
        ET.SubElement(selection, "NoteRef", {"targetGUID": guid})
    corpus.counts["passages"] += 1
    return selection


def _add_conversation(
    corpus: Corpus, coders: Coders, conversation: Conversation, ordinal: int
) -> list[str]:
    """Add every text of one conversation with its passages; return the names it hides."""
    hide = names_to_hide(conversation)
    records = conversation.records.select_related("outcome")
    segments: dict[str, list[CodedSegment]] = defaultdict(list)
    for segment in (
        CodedSegment.objects.filter(conversation=conversation, accepted=True)
        .select_related("code")
        .prefetch_related("memos")
    ):
        segments[narrative_key(segment.record_id, segment.field)].append(segment)
    person = f"Person {pseudonym(conversation.person_id)}"
    for narrative in narratives_of(conversation, records, pseudonymised=True):
        guid = stable_guid("text", f"{conversation.pk}:{narrative.key}")
        name = f"{person}, conversation {ordinal} ({conversation.get_kind_display()}): "
        selections = [
            element
            for segment in segments[narrative.key]
            if (element := _selection(corpus, coders, segment, narrative, hide)) is not None
        ]
        corpus.sources.append((guid, name + narrative.heading, narrative.shown, selections))
        corpus.counts["texts"] += 1
    corpus.events.append(
        EventInput("coding.corpus.export.conversation", conversation, conversation.person_id, {})
    )
    return hide


def gather_corpus(actor: User, coders: Coders) -> Corpus:
    """The anonymised texts, passages and memos of every conversation the actor may export."""
    corpus = Corpus()
    ordinals: dict[object, int] = defaultdict(int)
    hidden: list[str] = []
    for conversation in (
        exportable_conversations(actor)
        .select_related("person", "practitioner")
        .order_by("person_id", "held_on", "pk")
    ):
        ordinals[conversation.person_id] += 1
        hidden += _add_conversation(corpus, coders, conversation, ordinals[conversation.person_id])
    corpus.counts["people"] = len(ordinals)
    corpus.counts["conversations"] = len(corpus.events)
    hide = list(dict.fromkeys(hidden))  # code memos may name anyone of the corpus
    organisation = coding_organisation(actor)
    for memo in Memo.objects.filter(code__organisation=organisation).order_by("created_at", "pk"):
        if memo.code_id is not None:
            guid = _note(corpus, coders, memo, anonymise(memo.text, hide), "Memo on a code")
            corpus.code_notes[memo.code_id].append(guid)
    return corpus


def _project_xml(organisation: Organisation, corpus: Corpus, coders: Coders) -> bytes:
    project = ET.Element(
        "Project",
        {
            "name": f"{organisation.name}: coded narratives",
            "origin": ORIGIN,
            "creationDateTime": xml_datetime(None),
        },
    )
    coders.name_all()
    if coders.names:
        users = ET.SubElement(project, "Users")
        for guid, name in coders.names.items():
            ET.SubElement(users, "User", {"guid": guid, "name": name})
    roots = codebook_tree(organisation, corpus.code_notes)
    if not roots:
        raise InvalidInput({"codebook": EMPTY_CODEBOOK})
    book = ET.SubElement(project, "CodeBook")
    codes = ET.SubElement(book, "Codes")
    for node in roots:
        code_element(codes, node, PROJECT_NS)
    corpus.counts["codes"] = sum(node.count() for node in roots)
    if corpus.sources:
        sources = ET.SubElement(project, "Sources")
        for guid, name, _, selections in corpus.sources:
            source = ET.SubElement(
                sources,
                "TextSource",
                {"guid": guid, "name": name, "plainTextPath": f"internal://{guid}.txt"},
            )
            source.extend(selections)
    if corpus.notes:
        ET.SubElement(project, "Notes").extend(corpus.notes)
    return to_bytes(project, PROJECT_NS)


def export_project(actor: User) -> Exported:
    """The codebook and the anonymised coded corpus the actor may export, as a REFI-QDA
    project: project.qde and one UTF-8 text file per narrative under sources/."""
    organisation = coding_organisation(actor)
    coders = Coders()
    corpus = gather_corpus(actor, coders)
    document = _project_xml(organisation, corpus, coders)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("project.qde", document)
        for guid, _, text, _ in corpus.sources:
            pack.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
    counts = {**corpus.counts, "coders": len(coders.names)}
    record_event(
        actor,
        "coding.corpus.export",
        organisation,
        purpose=PURPOSE,
        detail={"format": "qdpx", **counts},
    )
    record_events(actor, corpus.events)
    return Exported(f"{organisation.slug}-coding.qdpx", buffer.getvalue(), counts)
