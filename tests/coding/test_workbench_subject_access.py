"""A subject access pack holds the codes on the person's words, the memos on them (marked where
they name someone else) and who finished coding their conversations."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from meaningful.coding.services import apply_codes, set_finished
from meaningful.demo.factories import Personas
from meaningful.people.models import Person
from meaningful.people.services import link_carer
from meaningful.people.subject_access import subject_access_pack
from tests.coding.workbench_scene import key_of, outcome_code, spoken

pytestmark = pytest.mark.django_db


def tables_in(pack: bytes) -> dict[str, list[dict[str, str]]]:
    found = {}
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        for name in archive.namelist():
            if name.startswith("tables/") or name == "check_before_release.csv":
                text = archive.read(name).decode("utf-8-sig")
                found[name.split("/")[-1][:-4]] = list(csv.DictReader(io.StringIO(text)))
    return found


def test_the_pack_holds_the_codes_memos_and_finished_coding(
    personas: Personas, person: Person
) -> None:
    from meaningful.demo.factories import make_person

    jean = make_person(personas.owner, personas.team, given_name="Jean", family_name="Bell")
    link_carer(personas.owner, jean, person, description="sister")
    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    key = key_of(conversation, "seeing-people", "what_matters")
    (segment,) = apply_codes(
        personas.owner,
        conversation,
        narrative_key=key,
        code_ids=[code.pk],
        quote="my sister Jean",
        memo="Jean drives her on Tuesdays",
    )
    set_finished(personas.owner, conversation, finished=True)
    spoken(personas, jean)  # someone else's conversation stays out of the pack
    _, pack = subject_access_pack(personas.admin, str(person.pk))
    tables = tables_in(pack)
    (passage,) = tables["coded_passages"]
    assert (passage["id"], passage["code__name"], passage["coder__username"]) == (
        str(segment.pk),
        "Seeing people",
        personas.owner.username,
    )
    assert [m["text"] for m in tables["coding_memos"]] == ["Jean drives her on Tuesdays"]
    assert [f["conversation_id"] for f in tables["coding_finished"]] == [str(conversation.pk)]
    marked = [r for r in tables["check_before_release"] if r.get("table") == "coding_memos"]
    assert marked and "Jean" in marked[0]["reason"]
