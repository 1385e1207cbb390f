"""Backup and restore round trips on a scratch database of the engine the suite runs on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

SIGNATURE = (
    "import json; from django.apps import apps; "
    "from meaningful.audit.models import AuditEvent; "
    "print(json.dumps({'tables': {m._meta.label: m.objects.count() for m in apps.get_models()}, "
    "'people': sorted(str(p) for p in apps.get_model('people', 'Person').objects.values_list('family_name', 'given_name')), "
    "'last_hash': AuditEvent.objects.order_by('-id').values_list('hash', flat=True).first()}))"
)


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL for an empty database of the engine the tests run on."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = f"meaningful_backup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_the_same_data_and_a_valid_audit_chain(
    scratch_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": scratch_url, "MEANINGFUL_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def meaningful(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
            [sys.executable, "-m", "meaningful", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
        return done

    def signature() -> dict[str, object]:
        lines = meaningful("shell", "-c", SIGNATURE).stdout.strip().splitlines()
        return dict(json.loads(lines[-1]))  # the shell may say what it imported first

    meaningful("migrate", "-v0")
    meaningful("demo", "--people", "12", "--no-serve", "--today", "2026-11-26")
    backup = tmp_path / "before.backup"
    written = json.loads(meaningful("backup", "--out", str(backup), "--json").stdout)
    assert written["bytes"] > 0 and len(written["sha256"]) == 64
    before = signature()
    assert "already" in meaningful("backup", "--out", str(backup), ok=False).stderr

    meaningful("seed-scale", "--people", "5")  # changes after the backup
    assert signature() != before
    refused = meaningful("restore", str(backup), ok=False)
    assert "--yes" in refused.stderr
    meaningful("restore", str(backup), "--yes")
    after = signature()
    assert after["people"] == before["people"]
    tables = dict(after["tables"])  # type: ignore[call-overload]
    expected = dict(before["tables"])  # type: ignore[call-overload]
    expected["audit.AuditEvent"] += 1  # the restore records itself on the restored chain
    assert tables == expected
    assert "The audit chain holds" in meaningful("verify-audit").stdout

    wrong = tmp_path / "not-a-backup.txt"
    wrong.write_text("hello", encoding="utf-8")
    assert "is not a" in meaningful("restore", str(wrong), "--yes", ok=False).stderr
