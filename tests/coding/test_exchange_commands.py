"""meaningful export-qda and import-codebook: files written and read, refusals as messages."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from meaningful.coding.codebook_services import add_theme
from meaningful.coding.models import Code
from meaningful.demo.factories import Personas, make_personas

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_export_writes_a_codebook_and_a_project_that_import_reads_back(
    personas: Personas, tmp_path: Path
) -> None:
    barriers = add_theme(personas.analyst, name="Barriers")
    add_theme(personas.analyst, name="Stairs", parent_id=barriers.pk)
    slug = personas.organisation.slug
    qdc, qdpx = tmp_path / "book.qdc", tmp_path / "work.qdpx"
    said = run(
        "export_qda",
        "--organisation",
        slug,
        "--as",
        personas.analyst.username,
        "--codebook-only",
        "--out",
        str(qdc),
    )
    assert said.startswith(f"Wrote {qdc}") and qdc.read_bytes().startswith(b"<?xml")
    figures = json.loads(
        run(
            "export_qda",
            "--organisation",
            slug,
            "--as",
            personas.analyst.username,
            "--out",
            str(qdpx),
            "--json",
        )
    )
    assert figures["bytes"] == qdpx.stat().st_size and figures["texts"] == 0
    assert "project.qde" in zipfile.ZipFile(qdpx).namelist()

    elsewhere = make_personas("Elsewhere Partnership")
    other = elsewhere.organisation.slug
    planned = json.loads(
        run(
            "import_codebook",
            str(qdpx),
            "--organisation",
            other,
            "--as",
            elsewhere.analyst.username,
            "--dry-run",
            "--json",
        )
    )
    assert planned["dry_run"] and planned["added"] == ["Barriers", "Barriers \u203a Stairs"]
    assert not Code.objects.filter(organisation=elsewhere.organisation, name="Barriers").exists()
    said = run(
        "import_codebook", str(qdc), "--organisation", other, "--as", elsewhere.analyst.username
    )
    assert "Added 2 themes." in said and "  + Barriers \u203a Stairs" in said
    assert Code.objects.get(organisation=elsewhere.organisation, name="Stairs").parent is not None
    again = run(
        "import_codebook", str(qdc), "--organisation", other, "--as", elsewhere.analyst.username
    )
    assert "Added 0 themes." in again and "  = Barriers" in again


def test_the_commands_refuse_with_what_to_do(personas: Personas, tmp_path: Path) -> None:
    slug = personas.organisation.slug
    with pytest.raises(CommandError, match="does not code for"):
        run(
            "export_qda",
            "--organisation",
            slug,
            "--as",
            make_personas("Other").analyst.username,
            "--out",
            str(tmp_path / "x.qdc"),
        )
    bad = tmp_path / "codes.csv"
    bad.write_text("Name\nBarriers\n")
    with pytest.raises(CommandError, match=r"not well-formed XML.*Export the codebook"):
        run("import_codebook", str(bad), "--organisation", slug, "--as", personas.analyst.username)
    with pytest.raises(CommandError, match="Only analysts and organisation administrators"):
        run("import_codebook", str(bad), "--organisation", slug, "--as", personas.owner.username)
    with pytest.raises(CommandError, match="Cannot read"):
        run(
            "import_codebook",
            str(tmp_path / "missing.qdc"),
            "--organisation",
            slug,
            "--as",
            personas.analyst.username,
        )
