from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from meaningful.demo.factories import PERSONA_PASSWORD, Personas, make_conversation, make_person


def signed_in(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PERSONA_PASSWORD)
    return client


@pytest.mark.django_db
def test_the_home_page_sends_a_visitor_to_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_sign_in_page_has_a_labelled_form(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()
    assert '<label class="govuk-label" for="id_username">Username</label>' in html
    assert 'autocomplete="current-password"' in html
    assert 'lang="en-GB"' in html


def test_a_wrong_password_shows_an_error_summary_linked_to_the_field(
    client: Client, personas: Personas
) -> None:
    response = client.post(
        reverse("login"), {"username": personas.owner.username, "password": "wrong"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in - Meaningful</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_username">Enter a correct username and password.' in html
    assert f'value="{personas.owner.username}"' in html  # what was typed is kept
    assert "wrong" not in html.split("<main", 1)[1].replace("wrong password", "")


def test_signing_in_shows_the_teams_and_caseload_count(client: Client, personas: Personas) -> None:
    make_person(personas.owner, personas.team)
    make_person(personas.owner, personas.team, given_name="Jean")
    make_person(personas.outsider, personas.other_team, given_name="Hamish")
    response = client.post(
        reverse("login"),
        {"username": personas.owner.username, "password": PERSONA_PASSWORD},
        follow=True,
    )
    html = response.content.decode()
    assert "You are signed in as: Practitioner." in html
    assert "North" in html and "South" not in html
    assert '<span class="app-figure">2</span>' in html


def test_an_analyst_sees_no_caseload(client: Client, personas: Personas) -> None:
    make_person(personas.owner, personas.team)
    html = signed_in(client, personas.analyst.username).get(reverse("home")).content.decode()
    assert "app-figure" not in html and "on your teams' caseload" not in html
    assert f'href="{reverse("caseload")}"' not in html  # not in the menu either
    assert "Manage services, teams, staff" not in html


def test_a_practitioner_sees_what_needs_doing_on_the_caseload(
    client: Client, personas: Personas
) -> None:
    make_conversation(personas.owner, make_person(personas.owner, personas.team))
    html = signed_in(client, personas.owner.username).get(reverse("home")).content.decode()
    assert '<span class="app-figure">1</span>' in html
    assert f'href="{reverse("caseload")}?show=drafts">1 person with a conversation to agree' in html
    assert f'href="{reverse("caseload")}?show=overdue">0 reviews overdue' in html


def test_an_auditor_has_the_audit_trail_in_the_menu(client: Client, personas: Personas) -> None:
    from meaningful.accounts.services import create_staff_user, grant_role

    auditor = create_staff_user(
        personas.system, personas.organisation, username="aud", first_name="A", last_name="U"
    )
    grant_role(personas.system, auditor, "auditor", organisation=personas.organisation)
    client.force_login(auditor)
    html = client.get(reverse("home")).content.decode()
    assert f'<a class="govuk-service-navigation__link" href="{reverse("audit-log")}"' in html


def test_an_organisation_admin_is_pointed_to_the_admin_site(
    client: Client, personas: Personas
) -> None:
    html = signed_in(client, personas.admin.username).get(reverse("home")).content.decode()
    assert (
        '<a class="govuk-link" href="/admin/">Manage services, teams, staff and their roles</a>'
        in html
    )


def test_home_page_lists_no_person_and_logs_no_read(client: Client, personas: Personas) -> None:
    from meaningful.audit.models import AuditEvent

    make_person(personas.owner, personas.team)
    html = signed_in(client, personas.owner.username).get(reverse("home")).content.decode()
    assert "Millar" not in html
    assert not AuditEvent.objects.filter(action="person.read").exists()


def test_signing_out_needs_a_post_and_ends_the_session(client: Client, personas: Personas) -> None:
    signed_in(client, personas.owner.username)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_the_admin_shows_an_org_admin_only_their_organisation(
    client: Client, personas: Personas
) -> None:
    from meaningful.demo.factories import make_personas

    make_personas("Another Partnership")
    personas.admin.refresh_from_db()
    assert personas.admin.is_staff  # granted with the org-admin role
    signed_in(client, personas.admin.username)
    html = client.get("/admin/accounts/team/").content.decode()
    assert "North" in html
    assert html.count('class="field-name"') == 2  # only this organisation's two teams
    assert client.get("/admin/people/person/").status_code == 404  # records are not in the admin
    staff_page = client.get(f"/admin/accounts/user/{personas.owner.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in staff_page  # cannot make anyone a superuser
    assert client.get(f"/admin/accounts/user/{personas.system.pk}/change/").status_code == 302


def test_an_org_admin_cannot_give_roles_or_add_teams_in_another_organisation(
    client: Client, personas: Personas
) -> None:
    from meaningful.accounts.models import Membership, Service, Team
    from meaningful.demo.factories import make_personas

    other = make_personas("Another Partnership")
    signed_in(client, personas.admin.username)
    form = client.get("/admin/accounts/membership/add/").content.decode()
    assert "Another Partnership" not in form and other.owner.username not in form
    assert 'value="national-analyst"' not in form
    client.post(
        "/admin/accounts/membership/add/",
        {"user": personas.admin.pk, "organisation": other.organisation.pk, "role": "org-admin"},
    )
    client.post(
        "/admin/accounts/membership/add/",
        {"user": personas.admin.pk, "team": other.team.pk, "role": "practitioner"},
    )
    assert not Membership.objects.filter(user=personas.admin).exclude(
        organisation=personas.organisation
    )
    client.post(
        "/admin/accounts/service/add/",
        {"name": "Lunch club", "organisation": other.organisation.pk, "kind": "other"},
    )
    client.post("/admin/accounts/team/add/", {"name": "East", "service": other.team.service.pk})
    assert not Service.objects.filter(name="Lunch club") and not Team.objects.filter(name="East")
    client.post(
        "/admin/accounts/membership/add/",
        {
            "user": personas.outsider.pk,
            "team": personas.team.pk,
            "role": "team-leader",
            "organisation": personas.organisation.pk,
        },
    )
    assert Membership.objects.filter(user=personas.outsider, team=personas.team).exists()


def test_an_org_admin_can_view_frameworks_but_not_change_them(
    client: Client, personas: Personas
) -> None:
    from meaningful.frameworks.models import Framework

    framework = Framework.objects.get(slug="talking-points-service-users")
    signed_in(client, personas.admin.username)
    assert "Talking Points" in client.get("/admin/frameworks/framework/").content.decode()
    page = client.get(f"/admin/frameworks/framework/{framework.pk}/change/").content.decode()
    assert "feeling-safe" in page and 'name="name"' not in page
    assert client.get("/admin/frameworks/framework/add/").status_code == 403
    assert client.post(f"/admin/frameworks/framework/{framework.pk}/delete/").status_code == 403


def test_another_organisations_own_framework_is_not_shown_to_admins_or_in_reports(
    client: Client, personas: Personas, tmp_path: Path
) -> None:
    from meaningful.demo.factories import make_personas
    from meaningful.frameworks.services import load_definition_file
    from tests.frameworks.test_loading import own_framework, write

    other = make_personas("Another Partnership")
    load_definition_file(
        other.admin, write(tmp_path, own_framework()), organisation=other.organisation
    )
    signed_in(client, personas.admin.username)
    listed = client.get("/admin/frameworks/framework/").content.decode()
    assert "Talking Points" in listed and "Our recovery outcomes" not in listed
    assert "Our recovery outcomes" not in client.get(reverse("reports")).content.decode()
    signed_in(client, other.analyst.username)
    assert "Our recovery outcomes" in client.get(reverse("reports")).content.decode()


def test_the_home_page_title_is_plain_text(client: Client, personas: Personas) -> None:
    html = signed_in(client, personas.admin.username).get(reverse("home")).content.decode()
    assert "<title>Home - Meaningful</title>" in html
