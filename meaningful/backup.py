"""Whole-installation backup and restore, for SQLite and PostgreSQL.

SQLite: the database's own online backup, a consistent copy even while the service runs.
PostgreSQL: `pg_dump` in its custom format, restored with `pg_restore` in one transaction. Both
keep everything, the audit trail's append-only guard included; on PostgreSQL a restore grants the
application's role (MEANINGFUL_DB_APP_ROLE) its privileges again. A backup is recorded in the audit
trail before it is taken (so the copy holds its own record); a restore checks the restored audit
chain and then records itself on it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from meaningful.accounts.models import User
from meaningful.accounts.services import system_account
from meaningful.audit.grants import GrantError, grant_app_role
from meaningful.audit.services import record_event, verify_chain

SQLITE_MAGIC = b"SQLite format 3\x00"
POSTGRES_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and what to do."""


def _settings() -> dict[str, Any]:
    return dict(connection.settings_dict)


def _postgres_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (fixed program, arguments from settings)
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed; install the PostgreSQL client tools (version 15 or later)."
        ) from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a whole SQLite database page by page with SQLite's online backup."""
    reading = sqlite3.connect(source)
    writing = sqlite3.connect(target)
    try:
        with writing:
            reading.backup(writing)
    finally:
        reading.close()
        writing.close()


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def backup(actor: User, out: Path) -> dict[str, Any]:
    """Write a backup of the whole database to `out`; return what was written."""
    if out.exists():
        raise BackupError(
            f"{out} exists already; choose a new file name so no backup is overwritten."
        )
    record_event(actor, "installation.backup", detail={"file": out.name})
    db = _settings()
    if connection.vendor == "sqlite":
        _sqlite_copy(Path(db["NAME"]), out)
    elif connection.vendor == "postgresql":
        args, env = _postgres_env(db)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), *args], env)
    else:
        raise BackupError(f"Backups are made for SQLite and PostgreSQL, not {connection.vendor}.")
    out.chmod(0o600)
    return {
        "file": str(out),
        "engine": connection.vendor,
        "bytes": out.stat().st_size,
        "sha256": digest(out),
    }


def _grant_again() -> None:
    """Recreated tables take the owner's default privileges, read-write for the application's
    role, audit trail included; the copy's own grants do not take them away. Close it again."""
    if not settings.DB_APP_ROLE:
        return
    try:
        grant_app_role(connection, settings.DB_APP_ROLE)
    except GrantError as error:
        raise BackupError(
            f"The backup is restored, but the application's role is not yet limited again: {error} "
            "Then run `meaningful grant-app-role` as the owner before starting the service."
        ) from error


def restore(actor_username: str, source: Path) -> dict[str, Any]:
    """Replace the whole database with a backup, check its audit chain, and record the restore."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    with source.open("rb") as handle:
        head = handle.read(16)
    db = _settings()
    if connection.vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup; this installation uses SQLite.")
        connection.close()
        _sqlite_copy(source, Path(db["NAME"]))
    elif connection.vendor == "postgresql":
        if not head.startswith(POSTGRES_MAGIC):
            raise BackupError(
                f"{source} is not a PostgreSQL backup; this installation uses PostgreSQL."
            )
        connection.close()
        args, env = _postgres_env(db)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(source),
            ],
            env,
        )
        _grant_again()
    else:
        raise BackupError(
            f"Backups are restored for SQLite and PostgreSQL, not {connection.vendor}."
        )
    broken = verify_chain()
    if broken is not None:
        raise BackupError(
            f"The restored audit trail is broken at event {broken}: the backup was changed after it "
            "was made. Restore another backup."
        )
    actor = User.objects.filter(username=actor_username).first() or system_account()
    record_event(
        actor, "installation.restore", detail={"file": source.name, "sha256": digest(source)}
    )
    return {"file": str(source), "engine": connection.vendor, "audit": "holds"}
