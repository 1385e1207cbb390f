"""Security headers on every page, secure cookies, and a clean deployment check in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

from meaningful.demo.factories import PERSONA_PASSWORD, Personas


def test_pages_carry_a_strict_content_security_policy(client: Client, personas: Personas) -> None:
    for url in (reverse("login"), reverse("home")):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
    client.login(username=personas.owner.username, password=PERSONA_PASSWORD)
    response = client.get(reverse("caseload"))
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_session_cookies_are_http_only_and_csrf_protected(
    client: Client, personas: Personas
) -> None:
    response = client.post(
        reverse("login"), {"username": personas.owner.username, "password": PERSONA_PASSWORD}
    )
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    checked = Client(enforce_csrf_checks=True)
    refused = checked.post(
        reverse("login"), {"username": personas.owner.username, "password": PERSONA_PASSWORD}
    )
    assert refused.status_code == 403  # no CSRF token, no sign-in


PRODUCTION = {
    "MEANINGFUL_DEBUG": "false",
    "MEANINGFUL_SECRET_KEY": "k" * 10 + "production-secret-key-that-is-long-enough-0123456789",
    "MEANINGFUL_ALLOWED_HOSTS": "outcomes.example.org",
    "MEANINGFUL_CSRF_TRUSTED_ORIGINS": "https://outcomes.example.org",
    "MEANINGFUL_SECURE_COOKIES": "true",
    "MEANINGFUL_BEHIND_TLS_PROXY": "true",
    "MEANINGFUL_HTTPS_REDIRECT": "true",
    "MEANINGFUL_HSTS_SECONDS": "31536000",
}


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meaningful", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deployment_check_is_clean_with_the_documented_production_settings(
    tmp_path: Path,
) -> None:
    env = {**os.environ, **PRODUCTION, "MEANINGFUL_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' setting, never a server's
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    clean = run_check(env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # and the check does fail when a production setting is left out, so the test can fail
    env["MEANINGFUL_SECURE_COOKIES"] = "false"
    assert run_check(env).returncode != 0
