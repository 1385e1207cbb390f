"""Two-factor sign-in: setting up, the code step, recovery codes, the policy, resets, the audit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pyotp
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from meaningful.accounts.checks import two_factor_is_required
from meaningful.accounts.models import RecoveryCode, SignInFailure, TwoFactorDevice, User
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.accounts.totp import unseal
from meaningful.accounts.two_factor import (
    CODE,
    SET_UP,
    TooManyAttempts,
    check_code,
    confirm_set_up,
    reset_two_factor,
    second_step_due,
    start_set_up,
    turn_off,
)
from meaningful.audit.models import AuditEvent
from meaningful.demo.factories import (
    PERSONA_PASSWORD,
    Personas,
    app_code,
    make_personas,
    set_up_two_factor,
)
from meaningful.errors import InvalidInput, NotAllowed

NOON = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def required(settings: Settings) -> None:
    settings.REQUIRE_TWO_FACTOR = True


def password_step(client: Client, user: User, next_url: str = "") -> str:
    data = {"username": user.username, "password": PERSONA_PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("login"), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response["Location"])


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def actions(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=user).order_by("id").values_list("action", flat=True)
    )


# Checking codes, with the clock frozen.


def test_codes_from_one_step_either_side_are_accepted_and_none_twice(personas: Personas) -> None:
    with time_machine.travel(NOON, tick=False):
        secret, _ = set_up_two_factor(personas.owner)
        at_noon = app_code(secret)
        with pytest.raises(InvalidInput, match="used already"):
            check_code(personas.owner, at_noon, during="sign-in")  # confirmed the set-up
    with time_machine.travel(NOON + timedelta(seconds=30), tick=False):
        ahead = app_code(secret, steps_ahead=1)  # a phone whose clock runs 30 seconds fast
        assert check_code(personas.owner, ahead, during="sign-in").method == CODE
        with pytest.raises(InvalidInput):
            check_code(personas.owner, ahead, during="sign-in")  # the same code again
        with pytest.raises(InvalidInput):
            check_code(personas.owner, app_code(secret), during="sign-in")  # an earlier step


def test_a_code_from_a_slow_phone_is_accepted_one_step_late_but_not_two(
    personas: Personas,
) -> None:
    with time_machine.travel(NOON, tick=False):
        secret, _ = set_up_two_factor(personas.owner)
    code = pyotp.TOTP(secret).at(NOON + timedelta(seconds=60))
    with time_machine.travel(NOON + timedelta(seconds=89), tick=False):
        assert check_code(personas.owner, code, during="sign-in").method == CODE
    code = pyotp.TOTP(secret).at(NOON + timedelta(seconds=120))
    with (
        time_machine.travel(NOON + timedelta(seconds=180), tick=False),
        pytest.raises(InvalidInput),
    ):
        check_code(personas.owner, code, during="sign-in")


def test_a_code_with_spaces_is_accepted(personas: Personas) -> None:
    secret, _ = set_up_two_factor(personas.owner)
    code = app_code(secret, steps_ahead=1)
    assert check_code(personas.owner, f" {code[:3]} {code[3:]} ", during="sign-in").method == CODE


def test_a_recovery_code_works_once(personas: Personas) -> None:
    _, codes = set_up_two_factor(personas.owner)
    assert len(codes) == 10
    verified = check_code(personas.owner, codes[3].upper().replace("-", " "), during="sign-in")
    assert (verified.method, verified.recovery_codes_left) == ("recovery-code", 9)
    with pytest.raises(InvalidInput):
        check_code(personas.owner, codes[3], during="sign-in")
    event = AuditEvent.objects.get(action="two-factor.recovery-code-used")
    assert event.actor == personas.owner and event.detail == {"during": "sign-in", "left": 9}
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1


def test_recovery_codes_are_stored_hashed_and_the_secret_sealed(personas: Personas) -> None:
    secret, codes = set_up_two_factor(personas.owner)
    device = TwoFactorDevice.objects.get(user=personas.owner)
    assert secret not in device.sealed_secret and unseal(device.sealed_secret) == secret
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & {*codes, *(c.replace("-", "") for c in codes)}


def test_wrong_codes_are_failed_sign_ins_and_five_lock_the_account(personas: Personas) -> None:
    secret, _ = set_up_two_factor(personas.owner)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            check_code(personas.owner, "000000", during="sign-in")
    event = AuditEvent.objects.filter(action="auth.sign-in-failed").last()
    assert event is not None and event.actor == personas.owner
    assert event.detail == {"username": personas.owner.username, "step": "two-factor sign-in"}
    assert SignInFailure.objects.filter(username=personas.owner.username).count() == 5
    with pytest.raises(TooManyAttempts):
        check_code(personas.owner, app_code(secret, steps_ahead=1), during="sign-in")


def test_an_empty_code_is_not_counted_as_a_failure(personas: Personas) -> None:
    set_up_two_factor(personas.owner)
    with pytest.raises(InvalidInput, match="Enter the 6-digit code"):
        check_code(personas.owner, "  ", during="sign-in")
    assert not SignInFailure.objects.exists()


def test_setting_up_needs_a_right_code_and_is_audited(personas: Personas) -> None:
    device = start_set_up(personas.owner)
    assert start_set_up(personas.owner) == device  # the same secret until confirmed
    assert second_step_due(personas.owner) is None  # an unconfirmed app counts for nothing
    right = app_code(unseal(device.sealed_secret))
    with pytest.raises(InvalidInput, match="not right"):
        confirm_set_up(personas.owner, "000000" if right != "000000" else "111111")
    codes = confirm_set_up(personas.owner, right)
    assert len(codes) == 10 and second_step_due(personas.owner) == CODE
    assert actions(personas.owner) == [
        "two-factor.set-up-started",
        "two-factor.set-up-failed",
        "two-factor.set-up",
    ]
    with pytest.raises(NotAllowed, match="already set up"):
        start_set_up(personas.owner)


def test_a_secret_sealed_under_a_lost_key_is_explained(
    personas: Personas, settings: Settings
) -> None:
    _, codes = set_up_two_factor(personas.owner)
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "z" * 30
    with pytest.raises(NotAllowed, match="secret key has changed"):
        check_code(personas.owner, "123456", during="sign-in")
    assert check_code(personas.owner, codes[0], during="sign-in").method == "recovery-code"


def test_the_policy_decides_who_must_set_up(personas: Personas, settings: Settings) -> None:
    assert second_step_due(personas.owner) is None
    settings.REQUIRE_TWO_FACTOR = True
    assert second_step_due(personas.owner) == SET_UP
    assert second_step_due(personas.admin) == SET_UP


def test_the_deployment_check_warns_when_the_policy_is_off(settings: Settings) -> None:
    settings.REQUIRE_TWO_FACTOR = True
    assert two_factor_is_required(None) == []
    settings.REQUIRE_TWO_FACTOR = False
    assert [message.id for message in two_factor_is_required(None)] == ["meaningful.W001"]


# Signing in through the pages.


def test_with_the_policy_on_a_new_user_sets_up_before_getting_anywhere(
    client: Client, personas: Personas, required: None
) -> None:
    assert password_step(client, personas.owner, "/people/") == reverse("two-factor-set-up")
    assert not signed_in(client)
    assert client.get(reverse("caseload"))["Location"].startswith(reverse("login"))
    assert client.get(reverse("two-factor-code"))["Location"] == reverse("two-factor-set-up")
    page = client.get(reverse("two-factor-set-up"))
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    key = re.search(r'<code id="set-up-key">([A-Z2-7 ]+)</code>', html)
    assert key is not None and '<svg role="img" aria-label="QR code' in html
    secret = key.group(1).replace(" ", "")
    assert secret == unseal(TwoFactorDevice.objects.get(user=personas.owner).sealed_secret)
    wrong = client.post(reverse("two-factor-set-up"), {"code": "12345"})
    assert wrong.status_code == 400 and 'href="#id_code"' in wrong.content.decode()
    assert not signed_in(client)
    done = client.post(reverse("two-factor-set-up"), {"code": app_code(secret)})
    shown = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.content.decode())
    assert len(shown) == 10 and 'href="/people/"' in done.content.decode()
    assert "no-store" in done["Cache-Control"]
    assert signed_in(client)
    assert client.get(reverse("caseload")).status_code == 200
    sign_in = AuditEvent.objects.get(action="auth.sign-in")
    assert sign_in.detail == {"second_step": "set-up"}
    assert AuditEvent.objects.get(action="auth.password-accepted").detail == {"next_step": SET_UP}


def test_a_user_with_an_app_gives_a_code_after_the_password(
    client: Client, personas: Personas
) -> None:
    secret, _ = set_up_two_factor(personas.owner)
    assert password_step(client, personas.owner, "/people/") == reverse("two-factor-code")
    assert not signed_in(client)
    page = client.get(reverse("two-factor-code")).content.decode()
    assert "You are signing in as <strong>" + personas.owner.username in page
    assert 'autocomplete="one-time-code"' in page
    wrong = client.post(reverse("two-factor-code"), {"code": "000 000"})
    assert wrong.status_code == 400 and "There is a problem" in wrong.content.decode()
    assert not signed_in(client)
    code = app_code(secret, steps_ahead=1)
    response = client.post(reverse("two-factor-code"), {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert signed_in(client)
    assert AuditEvent.objects.filter(action="auth.sign-in").get().detail == {"second_step": CODE}
    assert client.get(reverse("two-factor-code"))["Location"] == reverse("home")


def test_a_recovery_code_signs_in_once_with_a_warning(client: Client, personas: Personas) -> None:
    _, codes = set_up_two_factor(personas.owner)
    password_step(client, personas.owner)
    response = client.post(reverse("two-factor-code"), {"code": codes[0]}, follow=True)
    assert signed_in(client)
    assert "You have 9 left" in response.content.decode()
    client.post(reverse("logout"))
    password_step(client, personas.owner)
    assert client.post(reverse("two-factor-code"), {"code": codes[0]}).status_code == 400
    assert not signed_in(client)


def test_the_password_step_does_not_wipe_earlier_wrong_codes(
    client: Client, personas: Personas
) -> None:
    set_up_two_factor(personas.owner)
    for _ in range(4):
        password_step(client, personas.owner)
        client.post(reverse("two-factor-code"), {"code": "000000"})
    password_step(client, personas.owner)
    client.post(reverse("two-factor-code"), {"code": "000000"})
    locked = client.post(
        reverse("login"), {"username": personas.owner.username, "password": PERSONA_PASSWORD}
    )
    assert "too many failed attempts" in locked.content.decode()
    assert not signed_in(client)


def test_too_many_wrong_codes_end_the_half_signed_in_session(
    client: Client, personas: Personas
) -> None:
    secret, _ = set_up_two_factor(personas.owner)
    password_step(client, personas.owner)
    for _ in range(5):
        client.post(reverse("two-factor-code"), {"code": "000000"})
    response = client.post(reverse("two-factor-code"), {"code": app_code(secret, steps_ahead=1)})
    assert response["Location"] == reverse("login")
    assert not signed_in(client)
    assert client.get(reverse("two-factor-code"))["Location"].startswith(reverse("login"))


def test_the_second_step_must_follow_within_15_minutes(client: Client, personas: Personas) -> None:
    secret, _ = set_up_two_factor(personas.owner)
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        password_step(client, personas.owner)
        traveller.shift(timedelta(minutes=16))
        response = client.post(reverse("two-factor-code"), {"code": app_code(secret)})
    assert response["Location"].startswith(reverse("login"))
    assert not signed_in(client)


def test_the_password_step_starts_a_new_session(client: Client, personas: Personas) -> None:
    set_up_two_factor(personas.owner)
    before = client.session.session_key
    password_step(client, personas.owner)
    assert client.session.session_key not in {before, None}


def test_with_the_policy_off_a_password_is_enough_for_those_without_an_app(
    client: Client, personas: Personas
) -> None:
    assert password_step(client, personas.owner) == reverse("home")
    assert signed_in(client)


def test_the_admin_sites_own_sign_in_form_is_not_a_way_round(
    client: Client, personas: Personas
) -> None:
    set_up_two_factor(personas.admin)
    response = client.post(
        reverse("admin:login"),
        {"username": personas.admin.username, "password": PERSONA_PASSWORD},
    )
    assert response["Location"] == reverse("login") + "?next=" + reverse("admin:index")
    assert not signed_in(client)


def test_a_session_never_opens_the_api(client: Client, personas: Personas) -> None:
    client.force_login(personas.owner)
    assert client.get("/api/people").status_code == 401


# One's own settings.


def test_the_settings_page_offers_setting_up_and_then_shows_the_codes_left(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.owner)
    assert "Set up two-factor sign-in" in client.get(reverse("two-factor")).content.decode()
    _, codes = set_up_two_factor(personas.owner)
    check_code(personas.owner, codes[0], during="sign-in")
    page = client.get(reverse("two-factor")).content.decode()
    assert "On since" in page and "9 of 10" in page and "Turn off two-factor sign-in" in page
    assert client.get(reverse("two-factor-set-up"))["Location"] == reverse("two-factor")


def test_setting_up_by_choice_from_the_settings_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.owner)
    client.get(reverse("two-factor-set-up"))
    secret = unseal(TwoFactorDevice.objects.get(user=personas.owner).sealed_secret)
    done = client.post(reverse("two-factor-set-up"), {"code": app_code(secret)})
    assert done.status_code == 200 and "Save your recovery codes" in done.content.decode()
    assert second_step_due(personas.owner) == CODE


def test_new_recovery_codes_need_a_code_and_replace_the_old(
    client: Client, personas: Personas
) -> None:
    secret, old = set_up_two_factor(personas.owner)
    client.force_login(personas.owner)
    assert client.post(reverse("two-factor-recovery-codes"), {"code": "000000"}).status_code == 400
    page = client.post(
        reverse("two-factor-recovery-codes"), {"code": app_code(secret, steps_ahead=1)}
    )
    new = re.findall(r"<li><code>([a-z2-9-]{11})</code></li>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(InvalidInput):
        check_code(personas.owner, old[0], during="sign-in")
    assert check_code(personas.owner, new[0], during="sign-in").method == "recovery-code"
    assert "two-factor.recovery-codes-renewed" in actions(personas.owner)


def test_turning_off_needs_a_code_and_is_refused_where_required(
    client: Client, personas: Personas, settings: Settings
) -> None:
    secret, _ = set_up_two_factor(personas.owner)
    client.force_login(personas.owner)
    settings.REQUIRE_TWO_FACTOR = True
    assert client.get(reverse("two-factor-turn-off")).status_code == 403
    with pytest.raises(NotAllowed, match="requires two-factor"):
        turn_off(personas.owner, app_code(secret, steps_ahead=1))
    settings.REQUIRE_TWO_FACTOR = False
    assert client.post(reverse("two-factor-turn-off"), {"code": "000000"}).status_code == 400
    response = client.post(
        reverse("two-factor-turn-off"), {"code": app_code(secret, steps_ahead=1)}
    )
    assert response["Location"] == reverse("two-factor")
    assert not TwoFactorDevice.objects.filter(user=personas.owner).exists()
    assert "two-factor.turned-off" in actions(personas.owner)


def test_the_system_account_has_no_two_factor_pages(client: Client, personas: Personas) -> None:
    client.force_login(personas.system)
    assert client.get(reverse("two-factor")).status_code == 403
    assert client.get(reverse("two-factor-set-up")).status_code == 403
    with pytest.raises(NotAllowed):
        start_set_up(personas.system)


# Resets by an organisation administrator and by the installation's operator.

REASON = "Phone lost on the bus; confirmed by calling her work mobile."


def test_an_administrator_resets_a_colleague_with_a_reason(
    client: Client, personas: Personas, required: None
) -> None:
    set_up_two_factor(personas.owner)
    client.force_login(personas.admin)
    url = reverse("two-factor-reset", args=[personas.owner.pk])
    page = client.get(url).content.decode()
    assert "On since" in page and "Why are you resetting it?" in page
    short = client.post(url, {"reason": "lost"})
    assert short.status_code == 400 and "at least 10 characters" in short.content.decode()
    response = client.post(url, {"reason": REASON})
    assert response["Location"] == reverse("admin:accounts_user_changelist")
    assert not TwoFactorDevice.objects.filter(user=personas.owner).exists()
    event = AuditEvent.objects.get(action="two-factor.reset")
    assert (event.actor, event.object_id, event.purpose) == (
        personas.admin,
        str(personas.owner.pk),
        REASON,
    )
    assert event.detail == {"user": personas.owner.username, "was_confirmed": True}
    assert second_step_due(personas.owner) == SET_UP


def test_nobody_else_resets_two_factor(client: Client, personas: Personas) -> None:
    set_up_two_factor(personas.owner)
    url = reverse("two-factor-reset", args=[personas.owner.pk])
    for who in (personas.colleague, personas.outsider, personas.analyst):
        client.force_login(who)
        assert client.post(url, {"reason": REASON}).status_code == 403
        with pytest.raises(NotAllowed):
            reset_two_factor(who, personas.owner, REASON)
    elsewhere = make_personas("Another Partnership")
    client.force_login(elsewhere.admin)
    assert client.post(url, {"reason": REASON}).status_code == 404
    with pytest.raises(NotAllowed):
        reset_two_factor(elsewhere.admin, personas.owner, REASON)
    assert TwoFactorDevice.objects.filter(user=personas.owner, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="two-factor.reset").exists()


def test_an_administrator_cannot_reset_themselves_or_a_superuser(
    client: Client, personas: Personas
) -> None:
    set_up_two_factor(personas.admin)
    client.force_login(personas.admin)
    own = client.post(reverse("two-factor-reset", args=[personas.admin.pk]), {"reason": REASON})
    assert own.status_code == 400 and "cannot reset your own" in own.content.decode()
    boss = create_staff_user(
        personas.system, personas.organisation, username="boss", first_name="B", last_name="Oss"
    )
    grant_role(personas.system, boss, "analyst", organisation=personas.organisation)
    User.objects.filter(pk=boss.pk).update(is_superuser=True)
    boss.refresh_from_db()
    set_up_two_factor(boss)
    with pytest.raises(NotAllowed, match="installation's operator"):
        reset_two_factor(personas.admin, boss, REASON)
    reset_two_factor(personas.system, boss, REASON)
    assert not TwoFactorDevice.objects.filter(user=boss).exists()


def test_the_staff_list_shows_two_factor_with_a_reset_link(
    client: Client, personas: Personas
) -> None:
    set_up_two_factor(personas.owner)
    client.force_login(personas.admin)
    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert reverse("two-factor-reset", args=[personas.owner.pk]) in page
    assert "Not set up" in page


def test_the_operator_resets_from_the_command_line(personas: Personas) -> None:
    set_up_two_factor(personas.owner)
    out = StringIO()
    call_command("reset_two_factor", personas.owner.username, reason=REASON, stdout=out)
    assert "is reset" in out.getvalue()
    event = AuditEvent.objects.get(action="two-factor.reset")
    assert event.actor == personas.system and event.purpose == REASON
    with pytest.raises(CommandError, match="nothing to reset"):
        call_command("reset_two_factor", personas.owner.username, reason=REASON)
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("reset_two_factor", "nobody", reason=REASON)
    with pytest.raises(CommandError, match="at least 10 characters"):
        call_command("reset_two_factor", personas.owner.username, reason="x")


def test_the_command_acting_as_a_practitioner_is_refused(personas: Personas) -> None:
    set_up_two_factor(personas.admin)
    with pytest.raises(CommandError, match="Only an administrator"):
        call_command(
            "reset_two_factor",
            personas.admin.username,
            reason=REASON,
            as_user=personas.owner.username,
        )


def test_the_command_is_on_the_meaningful_command_line(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connections

    from meaningful.cli import main

    # A command closes every connection when it ends; the test's transaction must outlive it.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    set_up_two_factor(personas.owner)
    main(["meaningful", "reset-two-factor", personas.owner.username, "--reason", REASON])
    assert not TwoFactorDevice.objects.filter(user=personas.owner).exists()
