"""The PostgreSQL grants: the application's own role may add audit events but never change them.

Each test creates a login role, grants it what `meaningful grant-app-role` grants, connects as it
and tries. The role is given back its privileges and dropped afterwards, so the connecting role
needs CREATEROLE (CI's has it: see .ci/run).
"""

from __future__ import annotations

import importlib
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg.errors import InsufficientPrivilege

from meaningful.audit.grants import quoted
from tests.conftest import ON_POSTGRESQL

NOW = "2026-11-26 12:00:00+00"


@dataclass(frozen=True)
class LoginRole:
    name: str
    password: str

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection of the role's own to the test database; nothing it does is kept."""
        db = connection.settings_dict
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            dbname=db["NAME"],
            user=self.name,
            password=self.password,
            autocommit=True,
        ) as conn:
            yield conn

    def grant(self) -> str:
        out = StringIO()
        call_command("grant_app_role", role=self.name, stdout=out)
        return out.getvalue()


def refused(conn: psycopg.Connection[Any], statement: str, *params: Any) -> bool:
    """True when PostgreSQL refuses the statement for want of privilege (not a trigger's error)."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(statement, params or None)
    except InsufficientPrivilege:
        return True
    return False


@pytest.fixture
def app_role(transactional_db: None) -> Iterator[LoginRole]:
    """A login role of the test's own; committed grants are visible to its connections."""
    role = LoginRole(f"meaningful_grants_test_{os.getpid()}", secrets.token_hex(16))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        if not cursor.fetchone()[0]:
            pytest.fail(
                "The test database's role needs CREATEROLE for the grants tests: "
                "ALTER ROLE <role> CREATEROLE (as .ci/run does)."
            )
        cursor.execute(f"CREATE ROLE {quoted(role.name)} LOGIN PASSWORD %s", [role.password])
    try:
        yield role
    finally:
        try:
            call_command("grant_app_role", role=role.name, revoke=True, stdout=StringIO())
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP ROLE {quoted(role.name)}")


def insert_event(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "INSERT INTO audit_auditevent (at, actor_username, actor_roles, action, object_type, "
        "object_id, purpose, channel, detail, previous_hash, hash) "
        "VALUES (%s, 'tester', '', 'grants.test', '', '', '', 'cli', '{}', %s, %s) RETURNING id",
        [NOW, "0" * 64, secrets.token_hex(32)],
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_app_role_may_read_and_add_audit_events_but_not_change_or_remove_them(
    app_role: LoginRole,
) -> None:
    app_role.grant()
    with app_role.connect() as conn:
        conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()
        with conn.transaction(force_rollback=True):
            event_id = insert_event(conn)
            assert conn.execute(
                "SELECT action FROM audit_auditevent WHERE id = %s", [event_id]
            ).fetchone() == ("grants.test",)
        assert refused(conn, "UPDATE audit_auditevent SET purpose = 'changed'")
        assert refused(conn, "DELETE FROM audit_auditevent")
        assert refused(conn, "TRUNCATE audit_auditevent")
        # The triggers stay as a second line, and only the table's owner could drop them.
        assert refused(conn, "DROP TRIGGER audit_event_append_only ON audit_auditevent")
        assert refused(conn, "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_app_role_may_write_the_ordinary_tables(app_role: LoginRole) -> None:
    app_role.grant()
    with app_role.connect() as conn, conn.transaction(force_rollback=True):
        organisation = conn.execute(
            "INSERT INTO accounts_organisation (name, slug, created_at, disclosure_threshold, "
            "disclosure_rounding) VALUES ('Grants test', 'grants-test', %s, 8, 5) RETURNING id",
            [NOW],
        ).fetchone()
        assert organisation is not None
        conn.execute(
            "UPDATE accounts_organisation SET name = 'Grants test renamed' WHERE id = %s",
            [organisation[0]],
        )
        user = conn.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined, is_system) "
            "VALUES ('!', false, 'grants.test', '', '', '', false, true, %s, false) RETURNING id",
            [NOW],
        ).fetchone()
        assert user is not None
        # Earlier versions of records are ordinary rows: erasing a person deletes theirs.
        conn.execute(
            "INSERT INTO audit_revision (object_type, object_id, version, data, changed_by_id, "
            "changed_at, reason) VALUES ('people.person', 'x', 1, '{}', %s, %s, '')",
            [user[0], NOW],
        )
        conn.execute("UPDATE audit_revision SET reason = 'edited' WHERE object_id = 'x'")
        deleted = conn.execute("DELETE FROM audit_revision WHERE object_id = 'x'")
        assert deleted.rowcount == 1
        conn.execute("DELETE FROM accounts_organisation WHERE id = %s", [organisation[0]])


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_record_of_migrations_is_read_only_for_the_app_role(app_role: LoginRole) -> None:
    app_role.grant()
    with app_role.connect() as conn:
        conn.execute("SELECT count(*) FROM django_migrations").fetchone()
        assert refused(
            conn,
            "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', %s)",
            NOW,
        )
        assert refused(conn, "DELETE FROM django_migrations")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_tables_created_by_later_migrations_are_granted_by_default(app_role: LoginRole) -> None:
    app_role.grant()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE grants_test_later (id bigint GENERATED BY DEFAULT AS IDENTITY "
            "PRIMARY KEY, note text NOT NULL)"
        )
    try:
        with app_role.connect() as conn, conn.transaction(force_rollback=True):
            conn.execute("INSERT INTO grants_test_later (note) VALUES ('added')")
            conn.execute("UPDATE grants_test_later SET note = 'changed'")
            conn.execute("DELETE FROM grants_test_later")
        app_role.grant()  # and the command applies the whole set again without complaint
        with app_role.connect() as conn:
            assert refused(conn, "DELETE FROM audit_auditevent")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE grants_test_later")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_migration_grants_the_role_named_in_the_settings(
    app_role: LoginRole, settings: Any
) -> None:
    settings.DB_APP_ROLE = app_role.name
    migration = importlib.import_module("meaningful.audit.migrations.0003_app_role_grants")
    migration.forwards(apps, SimpleNamespace(connection=connection))
    with app_role.connect() as conn:
        with conn.transaction(force_rollback=True):
            insert_event(conn)
        assert refused(conn, "UPDATE audit_auditevent SET purpose = 'changed'")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_command_refuses_the_tables_owner_and_a_missing_role(app_role: LoginRole) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="owns the tables"):
        call_command("grant_app_role", role=owner, stdout=StringIO())
    with pytest.raises(CommandError, match="There is no database role"):
        call_command("grant_app_role", role=f"{app_role.name}_missing", stdout=StringIO())
    with pytest.raises(CommandError, match="Name the application's database role"):
        call_command("grant_app_role", stdout=StringIO())
    assert "may read and write" in app_role.grant()


@pytest.fixture
def scratch(app_role: LoginRole, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """An empty database, and its DATABASE_URL for the owner and for the application's role.

    Dropped before the role is, which could not be dropped while it held grants in it."""
    owner_url = os.environ["DATABASE_URL"]
    name = f"meaningful_roles_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(owner_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {quoted(name)}")
    parts = urlsplit(owner_url)._replace(path=f"/{name}")
    app = f"{quote(app_role.name)}:{quote(app_role.password)}@{parts.hostname}:{parts.port or 5432}"
    try:
        yield urlunsplit(parts), urlunsplit(parts._replace(netloc=app))
    finally:
        with psycopg.connect(owner_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_restore_leaves_the_audit_trail_append_only_for_the_app_role(
    app_role: LoginRole, scratch: tuple[str, str], tmp_path: Path
) -> None:
    owner_url, app_url = scratch
    base = {
        **os.environ,
        "MEANINGFUL_DATA_DIR": str(tmp_path),
        "MEANINGFUL_DB_APP_ROLE": app_role.name,
    }
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def meaningful(url: str, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own command with fixed arguments
            [sys.executable, "-m", "meaningful", *args],
            env={**base, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def may_change_events() -> bool:
        with psycopg.connect(owner_url) as conn:
            row = conn.execute(
                "SELECT has_table_privilege(%s, 'audit_auditevent', 'UPDATE, DELETE, TRUNCATE')",
                [app_role.name],
            ).fetchone()
        assert row is not None
        return bool(row[0])

    meaningful(owner_url, "migrate", "-v0")
    assert not may_change_events()
    meaningful(app_url, "migrate", "-v0")  # as `serve` does: nothing to do, nothing to grant
    backup = tmp_path / "copy.backup"
    meaningful(app_url, "backup", "--out", str(backup))
    meaningful(owner_url, "restore", str(backup), "--yes")
    assert not may_change_events()
    assert "holds" in meaningful(app_url, "verify-audit")


@pytest.mark.skipif(ON_POSTGRESQL, reason="about SQLite, which has no database roles")
def test_the_command_explains_that_sqlite_has_no_roles() -> None:
    with pytest.raises(CommandError, match="PostgreSQL feature"):
        call_command("grant_app_role", role="meaningful_app", stdout=StringIO())


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_migrate_grants_again_when_the_setting_names_the_role(
    app_role: LoginRole, settings: Any
) -> None:
    settings.DB_APP_ROLE = app_role.name
    call_command("migrate", verbosity=0)
    with app_role.connect() as conn:
        with conn.transaction(force_rollback=True):
            insert_event(conn)
        assert refused(conn, "TRUNCATE audit_auditevent")
