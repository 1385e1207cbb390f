"""Two-factor sign-in: setting up an authenticator app, checking its codes, recovery codes, resets.

Every change is audited, and a wrong code counts towards the same throttling as a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from meaningful.accounts.models import (
    Membership,
    RecoveryCode,
    Role,
    TwoFactorDevice,
    User,
)
from meaningful.accounts.throttle import is_locked, note_failure
from meaningful.accounts.totp import (
    SecretUnreadable,
    looks_like_app_code,
    matching_step,
    new_recovery_codes,
    new_secret,
    normalised,
    recovery_code_hash,
    seal,
    unseal,
)
from meaningful.audit.context import current_origin
from meaningful.audit.services import record_event
from meaningful.errors import InvalidInput, NotAllowed

CODE = "code"  # the second step of someone with an authenticator app
SET_UP = "set-up"  # the second step of someone who must set one up first

ENTER_CODE = "Enter the 6-digit code from your authenticator app."
WRONG_CODE = (
    "The code is not right, or it has been used already. Wait for your app to show a new "
    "code, then enter it."
)
LOCKED = (
    "There have been too many failed attempts to sign in. Wait 15 minutes and try again, "
    "or ask your organisation administrator to reset your two-factor sign-in."
)
REQUIRED = (
    "Your organisation requires two-factor sign-in, so it cannot be turned off. If you have "
    "lost your phone, ask your organisation administrator to reset it."
)
UNREADABLE = (
    "Your two-factor set-up can no longer be read, because the installation's secret key has "
    "changed. Use a recovery code, or ask your organisation administrator to reset it."
)


class TooManyAttempts(NotAllowed):
    """Too many wrong passwords or codes for this account or address; wait, then try again."""


@dataclass(frozen=True)
class Verified:
    """How the second step was passed: ``code`` from the app or ``recovery-code``."""

    method: str
    recovery_codes_left: int


def two_factor_required(user: User) -> bool:
    """True when the installation requires this account to sign in with a second step."""
    return bool(settings.REQUIRE_TWO_FACTOR) and not user.is_system


def confirmed_device(user: User) -> TwoFactorDevice | None:
    """The user's authenticator app, once confirmed with a code from it."""
    return TwoFactorDevice.objects.filter(user=user, confirmed=True).first()


def second_step_due(user: User) -> str | None:
    """What must follow the password: a code (CODE), setting up an app (SET_UP), or nothing."""
    if confirmed_device(user) is not None:
        return CODE
    if two_factor_required(user):
        return SET_UP
    return None


def recovery_codes_left(device: TwoFactorDevice) -> int:
    return device.recovery_codes.filter(used_at__isnull=True).count()


def secret_of(device: TwoFactorDevice) -> str:
    """The device's secret, unsealed; NotAllowed when the secret key that sealed it is gone."""
    try:
        return unseal(device.sealed_secret)
    except SecretUnreadable as error:
        raise NotAllowed(UNREADABLE) from error


def start_set_up(user: User) -> TwoFactorDevice:
    """Give the user a new secret to add to their app, or the one they were already given."""
    if user.is_system:
        raise NotAllowed("The system account does not sign in, so it has no two-factor.")
    device = TwoFactorDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed:
        raise NotAllowed("Two-factor sign-in is already set up for this account.")
    if device is not None:
        return device
    device = TwoFactorDevice.objects.create(user=user, sealed_secret=seal(new_secret()))
    record_event(user, "two-factor.set-up-started", user)
    return device


def confirm_set_up(user: User, code: str) -> list[str]:
    """Confirm the new app with a code from it; return the recovery codes, shown only now."""
    device = TwoFactorDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise NotAllowed("There is no two-factor set-up waiting to be confirmed.")
    if not normalised(code):
        raise InvalidInput({"code": ENTER_CODE})
    now = timezone.now()
    step = matching_step(secret_of(device), code, at=now, after_step=device.last_used_step)
    if step is None:
        record_event(user, "two-factor.set-up-failed", user)
        raise InvalidInput({"code": WRONG_CODE})
    with transaction.atomic():
        claimed = TwoFactorDevice.objects.filter(pk=device.pk, confirmed=False).update(
            confirmed=True, confirmed_at=now, last_used_step=step
        )
        if not claimed:
            raise InvalidInput({"code": "Two-factor sign-in was set up meanwhile. Sign in again."})
        codes = _replace_recovery_codes(device)
        record_event(user, "two-factor.set-up", user, detail={"recovery_codes": len(codes)})
    return codes


def check_code(user: User, code: str, *, during: str) -> Verified:
    """Accept a code from the user's app, or one of their unused recovery codes (used up now).

    A code already accepted once is refused. A wrong code is a failed sign-in: it is audited and
    counts towards the throttling that locks the account and address after repeated failures.
    """
    address = current_origin.get().ip
    if is_locked(user.username, address):
        raise TooManyAttempts(LOCKED)
    device = confirmed_device(user)
    if device is None:
        raise NotAllowed("Two-factor sign-in is not set up for this account.")
    if not normalised(code):
        raise InvalidInput({"code": ENTER_CODE})
    if looks_like_app_code(code):
        verified = _app_code(device, code)
    else:
        verified = _recovery_code(user, device, code, during)
    if verified is None:
        note_failure(user.username, address, actor=user, step=f"two-factor {during}")
        raise InvalidInput({"code": WRONG_CODE})
    return verified


def _app_code(device: TwoFactorDevice, code: str) -> Verified | None:
    now = timezone.now()
    step = matching_step(secret_of(device), code, at=now, after_step=device.last_used_step)
    if step is None:
        return None
    claimed = TwoFactorDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
        last_used_step=step
    )
    return Verified(CODE, recovery_codes_left(device)) if claimed else None


def _recovery_code(user: User, device: TwoFactorDevice, code: str, during: str) -> Verified | None:
    found = device.recovery_codes.filter(
        code_hash=recovery_code_hash(code), used_at__isnull=True
    ).first()
    if found is None:
        return None
    claimed = RecoveryCode.objects.filter(pk=found.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        return None
    left = recovery_codes_left(device)
    record_event(
        user, "two-factor.recovery-code-used", user, detail={"during": during, "left": left}
    )
    return Verified("recovery-code", left)


def renew_recovery_codes(user: User, code: str) -> list[str]:
    """Replace the user's recovery codes, after a code from their app; return the new ones."""
    check_code(user, code, during="new recovery codes")
    device = TwoFactorDevice.objects.get(user=user, confirmed=True)
    with transaction.atomic():
        codes = _replace_recovery_codes(device)
        record_event(user, "two-factor.recovery-codes-renewed", user)
    return codes


def turn_off(user: User, code: str) -> None:
    """Remove the user's authenticator app, after a code from it, where the policy allows."""
    if two_factor_required(user):
        raise NotAllowed(REQUIRED)
    check_code(user, code, during="turn off")
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        record_event(user, "two-factor.turned-off", user)


def staff_administered_by(actor: User) -> QuerySet[User]:
    """The staff with a role in an organisation that ``actor`` administers."""
    organisations = Membership.objects.filter(user=actor, role=Role.ORG_ADMIN).values(
        "organisation"
    )
    return User.objects.filter(
        memberships__organisation__in=organisations, is_system=False
    ).distinct()


def reset_two_factor(actor: User, user: User, reason: str) -> None:
    """Remove someone's authenticator app and recovery codes (a lost phone, say), with a reason.

    The installation's operator (the system account) may reset anyone; an organisation
    administrator the staff of their organisation, but not themselves nor a superuser.
    """
    _require_may_reset(actor, user)
    reason = reason.strip()
    if len(reason) < 10:
        raise InvalidInput({"reason": "Say why you are resetting it (at least 10 characters)."})
    if "\x00" in reason:
        raise InvalidInput({"reason": "Remove the invisible NUL character from the reason."})
    device = TwoFactorDevice.objects.filter(user=user).first()
    if device is None:
        raise InvalidInput(
            {
                "user": f"{user.username} has not set up two-factor sign-in: there is nothing to reset."
            }
        )
    with transaction.atomic():
        device.delete()
        record_event(
            actor,
            "two-factor.reset",
            user,
            purpose=reason[:200],
            detail={"user": user.username, "was_confirmed": device.confirmed},
        )


def _require_may_reset(actor: User, user: User) -> None:
    if actor.is_system:
        return
    if actor.pk == user.pk:
        raise NotAllowed(
            "You cannot reset your own two-factor sign-in. Ask another administrator, or the "
            "installation's operator (meaningful reset-two-factor)."
        )
    if user.is_superuser:
        raise NotAllowed(
            "A superuser's two-factor sign-in is reset by the installation's operator "
            "(meaningful reset-two-factor)."
        )
    if not staff_administered_by(actor).filter(pk=user.pk).exists():
        raise NotAllowed("Only an administrator of their organisation can reset this.")


def _replace_recovery_codes(device: TwoFactorDevice) -> list[str]:
    codes = new_recovery_codes()
    device.recovery_codes.all().delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=recovery_code_hash(code)) for code in codes
    )
    return codes
