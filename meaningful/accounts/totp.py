"""Time-based one-time codes (RFC 6238): secrets, checking a code, recovery codes, the QR code.

Nothing here touches the database: the two-factor services keep the state and the audit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime

import pyotp
import segno
from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.html import escape

ISSUER = "Meaningful"
INTERVAL = 30  # seconds a code lasts, as every authenticator app assumes
WINDOW = 1  # steps of 30 seconds accepted either side of now, for phones whose clocks drift
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l to misread
RECOVERY_CODE_LENGTH = 10
_SPACING = re.compile(r"[\s-]+")


def new_secret() -> str:
    """A random 160-bit secret in base 32, the form authenticator apps expect."""
    return pyotp.random_base32()


def normalised(code: str) -> str:
    """The code as typed without spaces or hyphens, in lower case: "123 456" is "123456"."""
    return _SPACING.sub("", code).lower()


def looks_like_app_code(code: str) -> bool:
    """True for six digits, the length authenticator apps show."""
    return re.fullmatch(r"[0-9]{6}", normalised(code)) is not None


def matching_step(secret: str, code: str, *, at: datetime, after_step: int) -> int | None:
    """The time step whose code this is, within one step of ``at`` and later than ``after_step``.

    Refusing steps at or before the last one used stops the same code working twice.
    """
    if not looks_like_app_code(code):
        return None
    typed = normalised(code)
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    now = step_at(at)
    matches = [
        step
        for step in range(now - WINDOW, now + WINDOW + 1)
        if hmac.compare_digest(totp.generate_otp(step), typed)
    ]
    fresh = [step for step in matches if step > after_step]
    return fresh[0] if fresh else None


def step_at(at: datetime) -> int:
    """The time step that ``at`` falls in."""
    return int(at.timestamp()) // INTERVAL


def set_up_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four characters, easier to type by hand."""
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def qr_svg(uri: str, *, label: str) -> str:
    """The QR code as inline SVG markup (no script or style, so the page's policy allows it)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def new_recovery_codes() -> list[str]:
    """Ten random one-time codes, written as two groups of five letters and digits."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_code_hash(code: str) -> str:
    """What is stored of a recovery code: the SHA-256 of its normalised form."""
    return hashlib.sha256(normalised(code).encode()).hexdigest()


class SecretUnreadable(Exception):
    """A stored secret that this installation's secret key cannot open."""


_SEALED_VERSION = "v1"
_NONCE_BYTES = 16
_TAG_BYTES = 32


def seal(plaintext: str) -> str:
    """Encrypt a secret with a key derived from the installation's secret key.

    HMAC-SHA256 in counter mode makes the key stream and HMAC-SHA256 over the nonce and the
    ciphertext authenticates it (encrypt-then-MAC), all from Python's standard library.
    """
    encrypt_key, mac_key = _keys(settings.SECRET_KEY)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    body = _xor(plaintext.encode(), _key_stream(encrypt_key, nonce, len(plaintext.encode())))
    tag = _tag(mac_key, nonce, body)
    return f"{_SEALED_VERSION}${urlsafe_b64encode(nonce + body + tag).decode()}"


def unseal(sealed: str) -> str:
    """Decrypt a sealed secret, trying the current secret key and then any fallback keys."""
    version, _, encoded = sealed.partition("$")
    try:
        raw = urlsafe_b64decode(encoded.encode())
    except ValueError as error:
        raise SecretUnreadable("The stored secret is damaged.") from error
    if version != _SEALED_VERSION or len(raw) <= _NONCE_BYTES + _TAG_BYTES:
        raise SecretUnreadable("The stored secret is damaged.")
    nonce, body, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    for secret_key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        encrypt_key, mac_key = _keys(secret_key)
        if hmac.compare_digest(_tag(mac_key, nonce, body), tag):
            return _xor(body, _key_stream(encrypt_key, nonce, len(body))).decode()
    raise SecretUnreadable("The stored secret was sealed with another secret key.")


def _keys(secret_key: str | bytes) -> tuple[bytes, bytes]:
    salt = "meaningful.accounts.totp.seal"
    encrypt_key = salted_hmac(salt, "encrypt", secret=secret_key, algorithm="sha256").digest()
    mac_key = salted_hmac(salt, "authenticate", secret=secret_key, algorithm="sha256").digest()
    return encrypt_key, mac_key


def _key_stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        for counter in range(-(-length // 32))
    )
    return b"".join(blocks)[:length]


def _tag(key: bytes, nonce: bytes, body: bytes) -> bytes:
    return hmac.new(key, _SEALED_VERSION.encode() + nonce + body, hashlib.sha256).digest()


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))
