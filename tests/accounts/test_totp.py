"""Checking one-time codes, the sealed secret, recovery codes and the QR code, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from django.test import override_settings

from meaningful.accounts.totp import (
    SecretUnreadable,
    grouped,
    matching_step,
    new_recovery_codes,
    new_secret,
    normalised,
    qr_svg,
    recovery_code_hash,
    seal,
    set_up_uri,
    step_at,
    unseal,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOON = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)  # the start of a 30-second step


def code_at(moment: datetime) -> str:
    return pyotp.TOTP(SECRET).at(moment)


@pytest.mark.parametrize("seconds", [-30, -1, 0, 29, 30, 59])
def test_a_code_is_accepted_within_one_step_either_side(seconds: int) -> None:
    code = code_at(NOON)
    moment = NOON + timedelta(seconds=seconds)
    assert matching_step(SECRET, code, at=moment, after_step=0) == step_at(NOON)


@pytest.mark.parametrize("seconds", [-31, -60, 60, 90])
def test_a_code_two_steps_away_is_refused(seconds: int) -> None:
    assert (
        matching_step(SECRET, code_at(NOON), at=NOON + timedelta(seconds=seconds), after_step=0)
        is None
    )


def test_a_code_of_a_step_already_used_or_earlier_is_refused() -> None:
    used = step_at(NOON)
    assert matching_step(SECRET, code_at(NOON), at=NOON, after_step=used) is None
    earlier = code_at(NOON - timedelta(seconds=30))
    assert matching_step(SECRET, earlier, at=NOON, after_step=used) is None
    later = code_at(NOON + timedelta(seconds=30))
    assert matching_step(SECRET, later, at=NOON, after_step=used) == used + 1


@pytest.mark.parametrize("spacing", ["{0} {1}", " {0}-{1} ", "{0}\t{1}"])
def test_codes_may_be_typed_with_spaces_or_a_hyphen(spacing: str) -> None:
    code = code_at(NOON)
    typed = spacing.format(code[:3], code[3:])
    assert matching_step(SECRET, typed, at=NOON, after_step=0) == step_at(NOON)


@pytest.mark.parametrize(
    "typed", ["", "12345", "1234567", "abcdef", "\uff11\uff12\uff13\uff14\uff15\uff16"]
)
def test_anything_but_six_digits_is_not_an_app_code(typed: str) -> None:
    """Full-width digits, say, are not the six digits an app shows."""
    assert matching_step(SECRET, typed, at=NOON, after_step=0) is None


def test_the_step_follows_the_clock() -> None:
    assert step_at(NOON + timedelta(seconds=29)) == step_at(NOON)
    assert step_at(NOON + timedelta(seconds=30)) == step_at(NOON) + 1
    assert pyotp.TOTP(SECRET).timecode(NOON) == step_at(NOON)


def test_a_sealed_secret_does_not_show_the_secret_and_opens_again() -> None:
    sealed = seal(SECRET)
    assert SECRET not in sealed and SECRET.lower() not in sealed.lower()
    assert sealed.startswith("v1$")
    assert seal(SECRET) != sealed  # a fresh nonce every time
    assert unseal(sealed) == SECRET


def test_a_changed_sealed_secret_is_refused() -> None:
    sealed = seal(SECRET)
    version, _, body = sealed.partition("$")
    flipped = body[:30] + ("A" if body[30] != "A" else "B") + body[31:]
    for damaged in (f"{version}${flipped}", f"v2${body}", "v1$!!!", "v1$", ""):
        with pytest.raises(SecretUnreadable):
            unseal(damaged)


def test_a_new_secret_key_cannot_open_it_unless_the_old_one_is_a_fallback() -> None:
    sealed = seal(SECRET)
    with override_settings(SECRET_KEY="another-key-" + "x" * 40), pytest.raises(SecretUnreadable):
        unseal(sealed)
    from django.conf import settings

    with override_settings(
        SECRET_KEY="another-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
    ):
        assert unseal(sealed) == SECRET


def test_new_secrets_are_160_bits_of_base_32() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(secret) == 32 and secret.isalnum() and secret.isupper() for secret in secrets)


def test_the_set_up_address_names_the_issuer_and_the_username() -> None:
    uri = set_up_uri(SECRET, "morag.campbell")
    assert uri == (f"otpauth://totp/Meaningful:morag.campbell?secret={SECRET}&issuer=Meaningful")


def test_the_key_is_grouped_in_fours_for_typing() -> None:
    assert grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_the_qr_code_is_inline_svg_with_a_text_alternative_and_no_style_or_script() -> None:
    svg = qr_svg(set_up_uri(SECRET, "morag"), label='Scan "this" <code>')
    assert svg.startswith('<svg role="img" aria-label="Scan &quot;this&quot; &lt;code&gt;" ')
    assert "<script" not in svg and "style" not in svg
    assert "<path" in svg


def test_recovery_codes_are_ten_distinct_readable_codes() -> None:
    codes = new_recovery_codes()
    assert len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert not set(code.replace("-", "")) & set("01ilo")


def test_a_recovery_code_hash_ignores_case_spaces_and_hyphens() -> None:
    assert recovery_code_hash("abcde-fghjk") == recovery_code_hash(" ABCDE FGHJK ")
    assert recovery_code_hash("abcde-fghjk") != recovery_code_hash("abcde-fghjm")
    assert normalised(" AB-c d ") == "abcd"
