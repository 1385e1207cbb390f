"""The application's own database role on PostgreSQL: it writes records but only appends to the audit.

Two roles share the database. The owner creates and changes the tables (it runs `migrate`); the
application connects as a second role, named by MEANINGFUL_DB_APP_ROLE, which may read and write
the ordinary tables, may only read and add audit events, and may only read the record of applied
migrations. Only a table's owner may drop the triggers that also refuse changes to audit events,
so the application's role cannot remove them either. See docs/deployment.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from meaningful.audit.models import AuditEvent

APPEND_ONLY_TABLES = (AuditEvent._meta.db_table,)
READ_ONLY_TABLES = ("django_migrations",)
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"


class GrantError(Exception):
    """The grants cannot be given: the message says what to change."""


@dataclass(frozen=True)
class Grants:
    """What the application's role was given, in which schema, by whose tables."""

    role: str
    owner: str
    schema: str
    read_write: int
    append_only: tuple[str, ...]
    read_only: tuple[str, ...]


def quoted(name: str) -> str:
    """An SQL identifier in double quotes, safe whatever characters the name holds."""
    return '"' + name.replace('"', '""') + '"'


def may_grant(connection: BaseDatabaseWrapper) -> bool:
    """True when the connected role owns the migrated tables (or belongs to their owner)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(tableowner, 'MEMBER') FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [READ_ONLY_TABLES[0]],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def grant_app_role(connection: BaseDatabaseWrapper, role: str) -> Grants:
    """Give ``role`` exactly the application's privileges on every table that exists now, and on
    the tables the owner creates later (default privileges); the audit events stay append-only.

    Run it again after migrations that add tables: ``meaningful grant-app-role`` does, and so does
    ``meaningful migrate`` whenever MEANINGFUL_DB_APP_ROLE is set.
    """
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        owner, schema, tables = _check(cursor, role)
        name, where = quoted(role), quoted(schema)
        append_only = tuple(t for t in APPEND_ONLY_TABLES if t in tables)
        read_only = tuple(t for t in READ_ONLY_TABLES if t in tables)
        statements = [
            *_revoke_statements(role, owner, schema),
            f"GRANT USAGE ON SCHEMA {where} TO {name}",
            f"GRANT {READ_WRITE} ON ALL TABLES IN SCHEMA {where} TO {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {name}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {quoted(owner)} IN SCHEMA {where} "
            f"GRANT {READ_WRITE} ON TABLES TO {name}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {quoted(owner)} IN SCHEMA {where} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {name}",
        ]
        for table in append_only:
            statements.append(
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {where}.{quoted(table)} FROM {name}"
            )
        for table in read_only:
            statements.append(
                f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {where}.{quoted(table)} FROM {name}"
            )
        for statement in statements:
            cursor.execute(statement)
        _confirm(cursor, role, schema, append_only)
    return Grants(
        role, owner, schema, len(tables) - len(append_only) - len(read_only), append_only, read_only
    )


def revoke_app_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Take back everything grant_app_role gave ``role`` in this database, so it can be dropped."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        owner, schema, _ = _check(cursor, role)
        for statement in _revoke_statements(role, owner, schema):
            cursor.execute(statement)
        cursor.execute(f"REVOKE USAGE ON SCHEMA {quoted(schema)} FROM {quoted(role)}")


def _revoke_statements(role: str, owner: str, schema: str) -> list[str]:
    name, where, by = quoted(role), quoted(schema), quoted(owner)
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {name}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {name}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {by} IN SCHEMA {where} REVOKE ALL ON TABLES FROM {name}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {by} IN SCHEMA {where} "
        f"REVOKE ALL ON SEQUENCES FROM {name}",
    ]


def _check(cursor: CursorWrapper, role: str) -> tuple[str, str, set[str]]:
    """Return the tables' owner, the schema and its tables; refuse a role that would defeat it all."""
    execute, fetchone = cursor.execute, cursor.fetchone
    if not role:
        raise GrantError("Name the application's database role (MEANINGFUL_DB_APP_ROLE or --role).")
    execute("SELECT current_user, current_schema()")
    me, schema = fetchone()
    execute(
        "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
        [schema, READ_ONLY_TABLES[0]],
    )
    row = fetchone()
    if row is None:
        raise GrantError(
            f"The schema {schema!r} holds no migrated tables: run `meaningful migrate` first."
        )
    owner = row[0]
    execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
    found = fetchone()
    if found is None:
        raise GrantError(
            f"There is no database role {role!r}. Create it first, as docs/deployment.md shows: "
            f"CREATE ROLE {quoted(role)} LOGIN PASSWORD '...';"
        )
    if found[0]:
        raise GrantError(f"{role!r} is a superuser: it may do anything whatever it is granted.")
    execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
    if fetchone()[0]:
        raise GrantError(
            f"{role!r} owns the tables or is a member of their owner {owner!r}, so it holds every "
            "privilege on them. The application needs a role of its own that owns nothing."
        )
    execute("SELECT pg_has_role(%s, 'MEMBER')", [owner])
    if not fetchone()[0]:
        raise GrantError(
            f"Connected as {me!r}, which cannot grant on {owner!r}'s tables. Run this with the "
            "DATABASE_URL of the role that owns the tables (the one that runs `meaningful migrate`)."
        )
    execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
    return owner, schema, {table for (table,) in cursor.fetchall()}


def _confirm(cursor: CursorWrapper, role: str, schema: str, append_only: tuple[str, ...]) -> None:
    """Ask PostgreSQL what the role may now do to the audit tables; refuse to finish otherwise."""
    for table in append_only:
        cursor.execute(
            "SELECT has_table_privilege(%s, %s, 'INSERT'), has_table_privilege(%s, %s, "
            "'UPDATE, DELETE, TRUNCATE')",
            [role, f"{quoted(schema)}.{quoted(table)}"] * 2,
        )
        may_insert, may_change = cursor.fetchone()
        if not may_insert or may_change:
            raise GrantError(
                f"{role!r} still may change {table} (perhaps through PUBLIC or another role it "
                "belongs to): find and revoke that grant."
            )
