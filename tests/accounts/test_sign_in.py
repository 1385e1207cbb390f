from __future__ import annotations

from django.test import Client
from django.urls import reverse

from meaningful.accounts.models import SignInFailure
from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import PERSONA_PASSWORD, Personas


def attempt(client: Client, username: str, password: str) -> str:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.content.decode() if response.status_code == 200 else "signed in"


def test_a_failed_sign_in_is_audited_with_the_username_tried(
    client: Client, personas: Personas
) -> None:
    attempt(client, personas.owner.username, "wrong-password")
    event = AuditEvent.objects.get(action="auth.sign-in-failed")
    assert event.actor is None
    assert event.detail == {"username": personas.owner.username}


def test_five_failures_lock_the_username_even_with_the_right_password(
    client: Client, personas: Personas
) -> None:
    for _ in range(5):
        assert "Enter a correct username and password" in attempt(
            client, personas.owner.username, "nope"
        )
    page = attempt(client, personas.owner.username, PERSONA_PASSWORD)
    assert "too many failed attempts to sign in. Wait 15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username(client: Client, personas: Personas) -> None:
    for _ in range(5):
        attempt(client, personas.owner.username, "nope")
    assert attempt(client, personas.colleague.username, PERSONA_PASSWORD) == "signed in"


def test_signing_in_clears_earlier_failures_and_is_audited(
    client: Client, personas: Personas
) -> None:
    for _ in range(3):
        attempt(client, personas.owner.username, "nope")
    assert attempt(client, personas.owner.username, PERSONA_PASSWORD) == "signed in"
    assert not SignInFailure.objects.filter(username=personas.owner.username.lower()).exists()
    assert AuditEvent.objects.filter(action="auth.sign-in", actor=personas.owner).count() == 1


def test_many_failures_from_one_address_lock_that_address(
    client: Client, personas: Personas
) -> None:
    for number in range(20):
        attempt(client, f"guess-{number}", "nope")
    assert "too many failed attempts" in attempt(client, personas.owner.username, PERSONA_PASSWORD)


def test_a_timed_out_user_is_told_why_they_were_signed_out(client: Client) -> None:
    page = client.get(reverse("login") + "?timed-out=1").content.decode()
    assert "You were signed out after 30 minutes without activity" in page


def test_the_keep_session_endpoint_needs_a_signed_in_post(
    client: Client, personas: Personas
) -> None:
    assert client.post(reverse("keep-session")).status_code == 302
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    assert client.get(reverse("keep-session")).status_code == 405
    assert client.post(reverse("keep-session")).status_code == 204


def test_the_system_account_cannot_sign_in_even_with_a_password(
    client: Client, personas: Personas
) -> None:
    personas.system.set_password(PERSONA_PASSWORD)  # as `meaningful changepassword` would
    personas.system.save()
    page = attempt(client, personas.system.username, PERSONA_PASSWORD)
    assert "The system account is for command-line tools" in page
    assert "_auth_user_id" not in client.session


def test_a_session_of_the_system_account_opens_no_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.system)
    assert client.get(reverse("caseload")).status_code == 403
