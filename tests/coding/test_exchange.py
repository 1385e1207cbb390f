"""REFI-QDA exchange: the codebook and the coded corpus go out as valid, anonymised files, and a
codebook comes back in as nested themes, all or nothing."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from typing import cast

import pytest
import xmlschema

from meaningful.accounts.models import Role
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.audit.models import AuditEvent
from meaningful.coding.codebook_services import add_code_memo, add_theme, codebook_entries
from meaningful.coding.exchange.export import export_codebook, export_project
from meaningful.coding.exchange.importing import import_codebook
from meaningful.coding.exchange.refi import CODEBOOK_SCHEMA, PROJECT_NS, PROJECT_SCHEMA
from meaningful.coding.exchange.upload import CodebookFileProblem, read_codebook_file, safe_xml
from meaningful.coding.models import Code, CodeKind
from meaningful.coding.services import add_segment_memo, apply_codes
from meaningful.conversations.models import Conversation
from meaningful.demo.factories import Personas, make_person, make_personas
from meaningful.errors import NotAllowed
from meaningful.people.models import Person
from tests.coding.workbench_scene import consent_to_quotes, key_of, outcome_code, spoken

pytestmark = pytest.mark.django_db
P = f"{{{PROJECT_NS}}}"


def themes(personas: Personas) -> tuple[Code, Code, Code]:
    barriers = add_theme(personas.analyst, name="Barriers", description="What gets in the way")
    transport = add_theme(
        personas.analyst, name="Transport", description="Buses, lifts", parent_id=barriers.pk
    )
    falls = add_theme(
        personas.analyst,
        name="Falls",
        parent_id=outcome_code(personas, "feeling-safe").pk,
        examples="Agnes fell on the stair",  # examples may quote people: never exported
    )
    return barriers, transport, falls


def coded_scene(personas: Personas, person: Person) -> Conversation:
    """A consented person's conversation, coded by the practitioner, with memos."""
    consent_to_quotes(personas, person)
    conversation = spoken(personas, person)
    _, transport, _ = themes(personas)
    seeing = outcome_code(personas, "seeing-people")
    (bus,) = apply_codes(
        personas.owner,
        conversation,
        narrative_key=key_of(conversation, "seeing-people", "what_matters"),
        code_ids=[transport.pk],
        quote="The bus is hard to get on",
    )
    apply_codes(
        personas.owner,
        conversation,
        narrative_key="story",
        code_ids=[seeing.pk],
        quote="She goes to Morrisons with Jean every Tuesday.",
    )
    apply_codes(  # the analyst sees the story anonymised and codes on that
        personas.analyst,
        conversation,
        narrative_key="story",
        code_ids=[seeing.pk],
        quote="every Tuesday",
    )
    add_segment_memo(personas.owner, bus, "Agnes Millar said this twice.")
    add_code_memo(personas.analyst, transport, "Jean mentioned transport too.")
    return conversation


def project_parts(content: bytes) -> tuple[ET.Element, dict[str, str], bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as pack:
        qde = pack.read("project.qde")
        texts = {
            name.removeprefix("sources/").removesuffix(".txt"): pack.read(name).decode("utf-8")
            for name in pack.namelist()
            if name.startswith("sources/")
        }
    return safe_xml(qde), texts, qde


def test_the_codebook_export_is_valid_and_nests_as_the_codebook_does(
    personas: Personas,
) -> None:
    themes(personas)
    exported = export_codebook(personas.owner)
    xmlschema.XMLSchema(CODEBOOK_SCHEMA).validate(exported.content)
    assert exported.filename.endswith(".qdc")
    root = safe_xml(exported.content)
    ns = "{urn:QDA-XML:codebook:1.0}"
    barriers = root.find(f"{ns}Codes/{ns}Code[@name='Barriers']")
    assert barriers is not None
    assert barriers.findtext(f"{ns}Description") == "What gets in the way"
    assert [c.get("name") for c in barriers.findall(f"{ns}Code")] == ["Transport"]
    safe = root.find(f"{ns}Codes/{ns}Code[@name='{outcome_code(personas, 'feeling-safe').name}']")
    assert safe is not None and safe.find(f"{ns}Code[@name='Falls']") is not None
    assert exported.counts["codes"] == len(codebook_entries(personas.organisation))
    assert b"stair" not in exported.content
    event = AuditEvent.objects.get(action="coding.codebook.export")
    assert event.detail == {"format": "qdc", "codes": exported.counts["codes"]}


def test_the_project_export_is_valid_and_codes_land_on_the_anonymised_words(
    personas: Personas, person: Person
) -> None:
    coded_scene(personas, person)
    exported = export_project(personas.analyst)
    root, texts, qde = project_parts(exported.content)
    xmlschema.XMLSchema(PROJECT_SCHEMA).validate(qde)
    placed = {}
    for source in root.iter(f"{P}TextSource"):
        text = texts[cast(str, source.get("guid"))]
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
        for selection in source.iter(f"{P}PlainTextSelection"):
            start, end = (
                int(selection.get("startPosition", 0)),
                int(selection.get("endPosition", 0)),
            )
            placed[text[start:end]] = selection
    assert set(placed) == {
        "The bus is hard to get on",
        "She goes to [name] with [name] every Tuesday.",
        "every Tuesday",
    }
    bus = placed["The bus is hard to get on"]
    note_ref = bus.find(f"{P}NoteRef")
    assert note_ref is not None
    note = root.find(f"{P}Notes/{P}Note[@guid='{note_ref.get('targetGUID')}']")
    assert note is not None and note.findtext(f"{P}PlainTextContent") == "[name] said this twice."
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
    assert sorted(map(str, users.values())) == ["Analyst 1", "Practitioner 1"]
    assert users[bus.get("creatingUser")] == "Practitioner 1"
    assert exported.counts["passages"] == 3 and exported.counts["people"] == 1
    assert exported.counts["texts"] == len(texts) == 4  # the story and three record fields


def test_the_corpus_holds_no_real_name_id_or_unconsented_words(
    personas: Personas, person: Person
) -> None:
    conversation = coded_scene(personas, person)
    unconsented = make_person(
        personas.owner, personas.team, given_name="Walter", family_name="Pryde"
    )
    other = spoken(personas, unconsented)
    apply_codes(
        personas.owner,
        other,
        narrative_key="story",
        code_ids=[outcome_code(personas, "seeing-people").pk],
        quote="every Tuesday",
    )
    exported = export_project(personas.analyst)
    _, texts, qde = project_parts(exported.content)
    everything = qde.decode() + "".join(texts.values())
    for secret in (
        "Agnes",
        "Millar",
        "Jean",
        "Morrisons",
        "Walter",
        "Pryde",
        personas.owner.first_name,
        personas.owner.last_name,
        personas.owner.username,
        personas.analyst.last_name,
        str(person.pk),
        str(unconsented.pk),
        str(conversation.pk),
    ):
        assert secret not in everything, secret
    assert exported.counts["people"] == 1  # the analyst sees only the consented person
    # The practitioner may export their whole caseload, still anonymised.
    mine = export_project(personas.owner)
    assert mine.counts["people"] == 2
    qde_mine = project_parts(mine.content)[2].decode()
    assert "Walter" not in qde_mine + "".join(project_parts(mine.content)[1].values())


def test_every_export_is_audited_with_counts_and_one_event_per_conversation(
    personas: Personas, person: Person
) -> None:
    conversation = coded_scene(personas, person)
    exported = export_project(personas.analyst)
    summary = AuditEvent.objects.get(action="coding.corpus.export")
    assert summary.detail["passages"] == 3 and summary.detail["format"] == "qdpx"
    per_person = AuditEvent.objects.get(action="coding.corpus.export.conversation")
    assert per_person.person_id == person.pk
    assert per_person.object_id == str(conversation.pk)
    assert "bus" not in str(summary.detail) + str(per_person.detail)
    assert exported.counts["notes"] == 2


def test_export_then_import_round_trips_names_nesting_and_descriptions(
    personas: Personas,
) -> None:
    themes(personas)
    content = export_codebook(personas.analyst).content
    elsewhere = make_personas("Elsewhere Partnership")
    result = import_codebook(elsewhere.analyst, elsewhere.organisation, read_codebook_file(content))
    # The outcomes exist in both codebooks; the themes are new there, nested as they were.
    assert sorted(result.added) == [
        "Barriers",
        "Barriers \u203a Transport",
        f"{outcome_code(personas, 'feeling-safe').name} \u203a Falls",
    ]
    transport = Code.objects.get(organisation=elsewhere.organisation, name="Transport")
    assert transport.parent is not None and transport.parent.name == "Barriers"
    assert transport.description == "Buses, lifts" and transport.kind == CodeKind.THEME
    falls = Code.objects.get(organisation=elsewhere.organisation, name="Falls")
    assert falls.parent is not None and falls.parent.outcome_code == "feeling-safe"
    assert falls.examples == ""
    event = AuditEvent.objects.get(action="coding.codebook.import")
    assert event.detail["added"] == 3 and sorted(event.detail["code_ids"]) == sorted(
        Code.objects.filter(organisation=elsewhere.organisation, kind=CodeKind.THEME).values_list(
            "pk", flat=True
        )
    )
    # The project file's codebook reads the same way.
    again = import_codebook(
        elsewhere.analyst,
        elsewhere.organisation,
        read_codebook_file(export_project(personas.analyst).content),
        dry_run=True,
    )
    assert again.added == [] and "Barriers \u203a Transport" in again.matched


def test_matching_names_are_reported_not_duplicated_and_a_dry_run_changes_nothing(
    personas: Personas,
) -> None:
    themes(personas)
    content = export_codebook(personas.analyst).content
    before = Code.objects.count()
    same = import_codebook(personas.admin, personas.organisation, read_codebook_file(content))
    assert same.added == [] and "Barriers" in same.matched and Code.objects.count() == before
    extra = content.replace(b'name="Transport"', b'name="Lifts"')
    planned = import_codebook(
        personas.admin, personas.organisation, read_codebook_file(extra), dry_run=True
    )
    assert planned.added == ["Barriers \u203a Lifts"] and Code.objects.count() == before
    assert not AuditEvent.objects.filter(detail__added=1).exists()
    done = import_codebook(personas.admin, personas.organisation, read_codebook_file(extra))
    assert done.added == planned.added and Code.objects.count() == before + 1


def test_only_keepers_of_the_codebook_import(personas: Personas) -> None:
    nodes = read_codebook_file(codebook_file('<Code guid="{g}" name="New" isCodable="true"/>'))
    for who in ("owner", "colleague", "outsider"):
        with pytest.raises(NotAllowed):
            import_codebook(getattr(personas, who), personas.organisation, nodes)
    elsewhere = make_personas("Elsewhere Partnership")
    with pytest.raises(NotAllowed):
        import_codebook(elsewhere.analyst, personas.organisation, nodes)
    assert not Code.objects.filter(name="New").exists()


def test_staff_who_do_not_code_export_nothing(personas: Personas) -> None:
    national = create_staff_user(
        personas.system, personas.organisation, username="nat", first_name="N", last_name="A"
    )
    grant_role(personas.system, national, Role.NATIONAL_ANALYST)
    for who in (national, personas.system):
        with pytest.raises(NotAllowed):
            export_codebook(who)
        with pytest.raises(NotAllowed):
            export_project(who)


GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def codebook_file(codes: str, namespace: str = "urn:QDA-XML:codebook:1.0") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{namespace}"><Codes>'
        f"{codes.format(g=GUID)}</Codes></CodeBook>"
    ).encode()


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name, content in entries.items():
            pack.writestr(name, content)
    return buffer.getvalue()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&lol2;" '
    b'isCodable="true"/></Codes></CodeBook>'
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&x;" '
    b'isCodable="true"/></Codes></CodeBook>'
)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"Name,Description\nBarriers,What gets in the way\n", "not well-formed XML"),
        (b"", "The file is empty"),
        (
            codebook_file('<Code guid="{g}" name="A" isCodable="true"/>', "urn:other"),
            "root element",
        ),
        (
            codebook_file(
                '<Code guid="{g}" name="Fine" isCodable="true"/><Code guid="{g}" isCodable="true"/>'
            ),
            "has no name",
        ),
        (
            codebook_file('<Code guid="{g}" name="' + "x" * 200 + '" isCodable="true"/>'),
            "name of code",
        ),
        (b"<" * (6 * 1024 * 1024), "larger than 5 MB"),
        (LAUGHS, "document type"),
        (EXTERNAL, "document type"),
        (zipped({"sources/a.txt": b"hello"}), "no project.qde"),
        (zipped({"project.qde": b" " * (21 * 1024 * 1024)}), "unpacks to more than 20 MB"),
        (b"PK\x03\x04 not really a zip", "cannot be opened"),
        (
            codebook_file(
                "".join('<Code guid="{g}" name="n" isCodable="true">' for _ in range(25))
                + "</Code>" * 25
            ),
            "nest more than",
        ),
    ],
)
def test_a_bad_file_is_refused_with_what_to_do_and_nothing_is_imported(
    personas: Personas, content: bytes, said: str
) -> None:
    before = Code.objects.count()
    with pytest.raises(CodebookFileProblem) as refused:
        nodes = read_codebook_file(content)
        import_codebook(personas.analyst, personas.organisation, nodes)
    assert said in refused.value.message
    assert Code.objects.count() == before


def test_a_zip_bomb_stops_at_the_limit_without_unpacking_it_all() -> None:
    bomb = zipped({"project.qde": b"\0" * (40 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(CodebookFileProblem, match="unpacks to more than"):
        read_codebook_file(bomb)


def test_codes_from_other_tools_come_in_with_their_nesting_and_duplicates_once(
    personas: Personas,
) -> None:
    nodes = read_codebook_file(
        codebook_file(
            '<Code guid="{g}" name=" Emotions " isCodable="false"><Description> Feelings </Description>'
            '<Code guid="{g}" name="Loneliness" isCodable="true"/>'
            '<Code guid="{g}" name="loneliness" isCodable="true"/></Code>'
        )
    )
    result = import_codebook(personas.analyst, personas.organisation, nodes)
    assert result.added == ["Emotions", "Emotions \u203a Loneliness"]
    assert result.repeated == ["Emotions \u203a loneliness"]
    emotions = Code.objects.get(name="Emotions")
    assert emotions.description == "Feelings"
    assert list(emotions.children.values_list("name", flat=True)) == ["Loneliness"]
