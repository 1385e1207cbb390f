"""Refusals keep the service's layout, say why and lead on, and name nothing from a record."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.people.models import Person


def test_a_page_not_for_the_role_says_why_and_leads_home(
    client: Client, personas: Personas
) -> None:
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    response = client.get(reverse("import-upload"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot use this page" in page
    assert "Only organisation administrators and team leaders can import records." in page
    assert f'href="{reverse("home")}"' in page and "Sign out" in page


def test_a_person_off_the_caseload_is_not_found_and_not_named(
    client: Client, personas: Personas, person: Person
) -> None:
    client.login(username=personas.outsider.username, password=PERSONA_PASSWORD)
    response = client.get(reverse("person", args=[person.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and f'href="{reverse("caseload")}"' in page
    assert person.family_name not in page and person.given_name not in page
    unknown = client.get("/no-such-page/")
    assert unknown.status_code == 404 and "Page not found" in unknown.content.decode()


def test_a_visitor_is_offered_the_sign_in_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert f'href="{reverse("login")}"' in response.content.decode()
