"""API tokens: issued only by the operator, expiring, listed and revoked by their member of staff
or an administrator of their organisation, on the command line and on the web."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meaningful.accounts.services import create_organisation, create_staff_user, grant_role
from meaningful.api.models import ApiToken
from meaningful.api.tokens import issue_token, revoke_token, visible_tokens
from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import PERSONA_PASSWORD, Personas
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.people.models import Person
from tests.api.test_api import call


def test_a_token_works_until_it_expires(client: Client, personas: Personas, person: Person) -> None:
    token = issue_token(personas.system, personas.owner, "case system sync", days=30)
    stored = ApiToken.objects.get()
    assert timedelta(days=29, hours=23) < stored.expires_at - timezone.now() <= timedelta(days=30)
    assert call(client, token, "get", f"/people/{person.pk}")[0] == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert call(client, token, "get", f"/people/{person.pk}")[0] == 401
    issued = AuditEvent.objects.get(action="api-token.issue")
    assert issued.detail["expires"] == stored.expires_at.date().isoformat()
    assert token not in json.dumps(issued.detail)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_token_lasts_one_day_to_a_year(personas: Personas, days: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        issue_token(personas.system, personas.owner, "sync", days=days)
    assert refused.value.errors == {
        "days": "A token lasts from 1 to 365 days; give a number in that range."
    }
    assert not ApiToken.objects.exists()


def test_a_token_needs_a_purpose_and_an_active_member_of_staff(personas: Personas) -> None:
    with pytest.raises(InvalidInput) as refused:
        issue_token(personas.system, personas.owner, "  ")
    assert "Say what the token is for" in refused.value.errors["name"]
    personas.owner.is_active = False
    personas.owner.save()
    with pytest.raises(InvalidInput) as refused:
        issue_token(personas.system, personas.owner, "sync")
    assert "cannot sign in any more" in refused.value.errors["user"]


@pytest.mark.parametrize("who", ["admin", "owner", "colleague"])
def test_nobody_but_the_operator_issues_a_token(personas: Personas, who: str) -> None:
    with pytest.raises(NotAllowed, match="only by the installation's operator"):
        issue_token(getattr(personas, who), personas.owner, "sync")
    assert not ApiToken.objects.exists()


def test_who_sees_and_revokes_a_token(client: Client, personas: Personas, person: Person) -> None:
    token = issue_token(personas.system, personas.owner, "case system sync")
    pk = ApiToken.objects.get().pk
    elsewhere = create_organisation(personas.system, "Elsewhere Partnership")
    their_admin = create_staff_user(
        personas.system, elsewhere, username="elsewhere-admin", first_name="El", last_name="Where"
    )
    grant_role(personas.system, their_admin, "org-admin", organisation=elsewhere)
    for outsider in (personas.colleague, personas.analyst, personas.outsider, their_admin):
        assert not visible_tokens(outsider).exists()
        with pytest.raises(NotFound):
            revoke_token(outsider, pk)
    assert list(visible_tokens(personas.owner)) == list(visible_tokens(personas.admin))
    assert call(client, token, "get", f"/people/{person.pk}")[0] == 200
    revoked = revoke_token(personas.admin, pk)
    assert (revoked.revoked_by, revoked.revoked_at is not None) == (personas.admin, True)
    assert call(client, token, "get", f"/people/{person.pk}")[0] == 401
    with pytest.raises(InvalidInput, match="already revoked"):
        revoke_token(personas.owner, pk)
    event = AuditEvent.objects.get(action="api-token.revoke")
    assert (event.actor, event.detail) == (
        personas.admin,
        {"user": personas.owner.username, "name": "case system sync"},
    )


def test_the_commands_issue_list_and_revoke(
    client: Client, personas: Personas, person: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "create_api_token", "--user", personas.owner.username, "--name", "sync", "--days", "7"
    )
    issued = capsys.readouterr()
    token = issued.out.strip()
    assert "It works until" in issued.err and token not in issued.err
    call_command("list_api_tokens", "--json")
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["user"], row["name"], row["status"], row["last_used"]) == (
        personas.owner.username,
        "sync",
        "live",
        None,
    )
    assert token not in json.dumps(row)
    assert call(client, token, "get", f"/people/{person.pk}")[0] == 200
    call_command("list_api_tokens")
    listed = capsys.readouterr().out
    assert "live" in listed and "last used never" not in listed
    call_command("list_api_tokens", "--as", personas.colleague.username)
    assert capsys.readouterr().out.strip() == "No API tokens."
    with pytest.raises(CommandError, match="Run list-api-tokens"):
        call_command("revoke_api_token", str(row["id"]), "--as", personas.colleague.username)
    call_command("revoke_api_token", str(row["id"]))
    assert "Revoked 'sync'" in capsys.readouterr().out
    call_command("list_api_tokens", "--live")
    assert capsys.readouterr().out.strip() == "No API tokens."
    with pytest.raises(CommandError, match="already revoked"):
        call_command("revoke_api_token", str(row["id"]))
    with pytest.raises(CommandError, match="1 to 365 days"):
        call_command(
            "create_api_token", "--user", personas.owner.username, "--name", "x", "--days", "400"
        )
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("create_api_token", "--user", "nobody", "--name", "x")


def test_the_web_page_lists_and_revokes(client: Client, personas: Personas) -> None:
    issue_token(personas.system, personas.owner, "case system sync")
    issue_token(personas.system, personas.analyst, "reporting tool")
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    assert "Your API tokens" in client.get(reverse("home")).content.decode()
    page = client.get(reverse("api-tokens")).content.decode()
    assert "case system sync" in page and "reporting tool" not in page
    client.login(username=personas.admin.username, password=PERSONA_PASSWORD)
    page = client.get(reverse("api-tokens")).content.decode()
    assert "case system sync" in page and "reporting tool" in page
    assert page.count(">Revoke<") == 2 and "Issue the token" not in page  # nobody issues here
    analyst_token = ApiToken.objects.get(user=personas.analyst)
    response = client.post(reverse("api-token-revoke", args=[analyst_token.pk]), follow=True)
    assert "The token &#x27;reporting tool&#x27; of" in response.content.decode()
    analyst_token.refresh_from_db()
    assert analyst_token.revoked_by == personas.admin
    again = client.post(reverse("api-token-revoke", args=[analyst_token.pk]), follow=True)
    assert "already revoked" in again.content.decode()
    client.login(username=personas.colleague.username, password=PERSONA_PASSWORD)
    owner_token = ApiToken.objects.get(user=personas.owner)
    assert client.post(reverse("api-token-revoke", args=[owner_token.pk])).status_code == 404
    assert client.get(reverse("api-token-revoke", args=[owner_token.pk])).status_code == 405
    owner_token.refresh_from_db()
    assert owner_token.revoked_at is None
