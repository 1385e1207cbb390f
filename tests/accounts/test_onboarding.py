"""Adding staff and sign-in links: an administrator adds someone, who chooses their own password
once with the link, then signs in and sets up two-factor; links for a forgotten password; who
may make them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from meaningful.accounts.models import Membership, User
from meaningful.accounts.onboarding import NewStaff, add_staff, sign_in_link
from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.errors import NotAllowed, NotFound

CHOSEN = "three quiet lighthouses"


def choose_password(client: Client, link: str, password: str = CHOSEN) -> str:
    """Open the link (which moves the token into the session) and choose a password."""
    opened = client.get(link)
    assert opened.status_code == 302  # to the same page without the token in the address
    form = opened["Location"]
    response = client.post(form, {"new_password1": password, "new_password2": password})
    return response["Location"] if response.status_code == 302 else response.content.decode()


def test_an_administrator_adds_a_practitioner_who_chooses_a_password_and_signs_in(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.admin)
    page = client.post(
        reverse("staff-new"),
        {
            "first_name": "Isla",
            "last_name": "Reid",
            "username": "isla.reid",
            "role": "practitioner",
            "team": str(personas.team.pk),
        },
    )
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "Isla Reid is added" in html
    link = html.split('id="sign-in-link" type="text" value="')[1].split('"')[0]
    isla = User.objects.get(username="isla.reid")
    assert not isla.has_usable_password()
    assert Membership.objects.filter(user=isla, team=personas.team, role="practitioner").exists()
    client.logout()
    assert choose_password(client, link) == reverse("login")
    isla.refresh_from_db()
    assert isla.check_password(CHOSEN)
    assert "This link does not work" in client.get(link, follow=True).content.decode()  # once
    signed_in = client.post(reverse("login"), {"username": "isla.reid", "password": CHOSEN})
    assert signed_in.status_code == 302  # on to set up two-factor, as every first sign-in
    actions = list(
        AuditEvent.objects.filter(object_id=str(isla.pk)).values_list("action", flat=True)
    )
    assert {"user.create", "user.sign-in-link", "user.password-set"} <= set(actions)
    assert link.split("/")[-2] not in str(AuditEvent.objects.values_list("detail", flat=True))


def test_the_form_says_what_is_missing_and_a_team_role_needs_a_team(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.admin)
    empty = client.post(reverse("staff-new"), {})
    assert empty.status_code == 400
    for message in (
        "Enter their first name.",
        "Enter a username",
        "Choose the role they will have.",
    ):
        assert message in empty.content.decode()
    no_team = client.post(
        reverse("staff-new"),
        {"first_name": "A", "last_name": "B", "username": "a b", "role": "team-leader"},
    )
    assert "with no spaces" in no_team.content.decode()
    no_team = client.post(
        reverse("staff-new"),
        {"first_name": "A", "last_name": "B", "username": "ab", "role": "team-leader"},
    )
    assert no_team.status_code == 400
    assert "Choose the team a practitioner or team leader works in." in no_team.content.decode()
    taken = client.post(
        reverse("staff-new"),
        {
            "first_name": "A",
            "last_name": "B",
            "username": personas.owner.username,
            "role": "analyst",
        },
    )
    assert "is taken" in taken.content.decode()
    shouted = client.post(
        reverse("staff-new"),
        {
            "first_name": "A",
            "last_name": "B",
            "username": personas.owner.username.upper(),
            "role": "analyst",
        },
    )
    assert (
        f"The username &#x27;{personas.owner.username}&#x27; is taken" in shouted.content.decode()
    )
    assert not User.objects.filter(username__in=["ab", personas.owner.username.upper()]).exists()


def test_a_password_must_pass_the_rules_and_match(client: Client, personas: Personas) -> None:
    link = sign_in_link(personas.admin, personas.owner)
    refused = choose_password(client, link, "short")
    assert "This password is too short" in refused and "There is a problem" in refused
    personas.owner.refresh_from_db()
    assert personas.owner.check_password(PERSONA_PASSWORD)  # unchanged until a good one


@pytest.mark.parametrize("who", ["owner", "colleague", "analyst", "outsider"])
def test_only_administrators_add_staff_or_make_links(
    client: Client, personas: Personas, who: str
) -> None:
    actor = getattr(personas, who)
    client.force_login(actor)
    assert client.get(reverse("staff-new")).status_code == 403
    assert client.post(reverse("staff-sign-in-link", args=[personas.owner.pk])).status_code == 403
    with pytest.raises((NotAllowed, NotFound)):
        sign_in_link(actor, personas.colleague)
    with pytest.raises(NotAllowed):
        add_staff(actor, personas.organisation, NewStaff("A", "B", "ab", "analyst"))


def test_an_administrator_cannot_make_their_own_link(personas: Personas) -> None:
    with pytest.raises(NotAllowed, match="Another administrator"):
        sign_in_link(personas.admin, personas.admin)


def test_a_forgotten_password_link_from_the_staff_list(client: Client, personas: Personas) -> None:
    client.force_login(personas.admin)
    url = reverse("staff-sign-in-link", args=[personas.owner.pk])
    assert "Make the link" in client.get(url).content.decode()
    html = client.post(url).content.decode()
    link = html.split('id="sign-in-link" type="text" value="')[1].split('"')[0]
    client.logout()
    assert choose_password(client, link, "a brand new long phrase") == reverse("login")
    personas.owner.refresh_from_db()
    assert personas.owner.check_password("a brand new long phrase")


def test_the_operator_makes_a_link_on_the_command_line(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("sign_in_link", personas.owner.username, "--base-url", "https://mf.example.org/")
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("https://mf.example.org/set-password/")
    with pytest.raises(CommandError, match="No user"):
        call_command("sign_in_link", "nobody", "--base-url", "https://mf.example.org")
    with pytest.raises(CommandError, match="Another administrator"):
        call_command(
            "sign_in_link",
            personas.admin.username,
            "--base-url",
            "https://mf.example.org",
            "--as",
            personas.admin.username,
        )
