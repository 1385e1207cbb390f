"""The workbench's tables as CSV: codes applied together, and agreement between two coders."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from meaningful.audit.models import AuditEvent
from meaningful.coding.codebook_services import add_theme
from meaningful.coding.services import apply_codes
from meaningful.demo.factories import Personas
from meaningful.people.models import Person
from tests.coding.test_workbench_agreement_report import double_coded
from tests.coding.workbench_scene import key_of, outcome_code, spoken

pytestmark = pytest.mark.django_db


def rows_of(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens UTF-8 correctly with the mark
    return list(csv.reader(io.StringIO(text[1:])))


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_codes_applied_together_download_as_the_table_on_the_page(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    seeing = outcome_code(personas, "seeing-people")
    formula = add_theme(personas.analyst, name="=HYPERLINK(1)")
    key = key_of(conversation, "seeing-people", "what_matters")
    apply_codes(personas.owner, conversation, narrative_key=key, code_ids=[seeing.pk])
    apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[formula.pk], quote="goes"
    )
    client = signed_in(personas.owner)
    page = client.get(reverse("coding-cooccurrence"), {"basis": "conversation"}).content.decode()
    assert "?basis=conversation&amp;download=csv" in page
    response = client.get(
        reverse("coding-cooccurrence"), {"basis": "conversation", "download": "csv"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('codes-together-conversation.csv"')
    assert rows_of(response.content) == [
        ["code (counted on: the same conversation)", "Seeing people", "'=HYPERLINK(1)"],
        ["Seeing people", "1", "1"],
        ["'=HYPERLINK(1)", "1", "1"],
    ]
    overlap = rows_of(client.get(reverse("coding-cooccurrence"), {"download": "csv"}).content)
    assert overlap[1:] == [["Seeing people", "1", "0"], ["'=HYPERLINK(1)", "0", "1"]]
    downloads = AuditEvent.objects.filter(action="coding.cooccurrence.download")
    assert [event.detail["basis"] for event in downloads.order_by("pk")] == [
        "conversation",
        "overlap",
    ]
    # A bad basis gets the page with its error, not a file.
    refused = client.get(reverse("coding-cooccurrence"), {"basis": "nonsense", "download": "csv"})
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/html")


def test_agreement_downloads_kappa_and_alpha_without_passages(
    personas: Personas, person: Person
) -> None:
    double_coded(personas, person)
    owner, leader = personas.owner, personas.colleague
    client = signed_in(owner)
    query = {"first": str(owner.pk), "second": str(leader.pk)}
    page = client.get(reverse("coding-agreement"), query).content.decode()
    assert f"?first={owner.pk}&amp;second={leader.pk}&amp;download=csv" in page
    reads = AuditEvent.objects.filter(action="coding.agreement.read").count()
    response = client.get(reverse("coding-agreement"), {**query, "download": "csv"})
    assert response["Content-Disposition"].endswith(
        f'agreement-{owner.username}-{leader.username}.csv"'
    )
    rows = rows_of(response.content)
    assert rows[0] == [
        "code",
        "cohens_kappa",
        "both_applied",
        f"only {owner}",
        f"only {leader}",
        "neither",
        "texts_both_coded",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["Transport"] == ["Transport", "-0.333", "0", "1", "1", "2", "4"]
    assert by_code["Seeing people"][1] == "1.000"
    alpha = by_code["All codes: Krippendorff's alpha (nominal)"]
    assert alpha[1] == f"{1 - 23 * 4 / (2 * 16 * 8):.3f}" and alpha[-1] == "4"
    text = response.content.decode()
    assert "falling" not in text and "sister" not in text  # no passage leaves
    # Audited as a download, and no passage was read for it.
    assert AuditEvent.objects.filter(action="coding.agreement.download").count() == 1
    assert AuditEvent.objects.filter(action="coding.agreement.read").count() == reads
    # Coders the user may not choose get the form's error, not a file.
    refused = client.get(
        reverse("coding-agreement"),
        {"first": str(owner.pk), "second": "999999", "download": "csv"},
    )
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/html")
