"""Inserting many rows of one model at once: one executemany on SQLite, one COPY on PostgreSQL.

Django's bulk_create builds a model instance and prepares every value of every row in Python;
for the hundreds of thousands of rows of a large import that costs more than the database
does. Callers give plain tuples instead; the fields they leave out get their defaults. It
writes only: callers do the checking and the auditing, as with bulk_create.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a Python value becomes what the database expects; None when psycopg or sqlite3 can."""
    if isinstance(field, models.JSONField):
        return json.dumps
    if connection.vendor == "postgresql":
        return None  # psycopg sends UUIDs, dates and times as they are
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.UUIDField):
        return _uuid_hex  # how Django stores a UUIDField on SQLite
    if isinstance(target, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(target, models.DateField):
        return _iso_date
    return None


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert rows of values for ``columns`` (attribute names); return how many were inserted.

    Other fields take their default; auto_now and auto_now_add fields take one time for all.
    """
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    given = [by_name[name] for name in columns]
    named = set(columns)
    now = timezone.now()
    rest = [
        field
        for field in model._meta.concrete_fields
        if field.attname not in named and not isinstance(field, AutoFieldMixin)
    ]
    defaults = tuple(
        now
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        # get_default returns a fresh value each time (list(), uuid4()): one is right for all
        # rows only when the caller gives every unique column itself.
        else field.get_default()
        for field in rest
    )
    fields = [*given, *rest]
    converters = [_converter(field) for field in given]
    defaults = tuple(
        value if convert is None else convert(value)
        for convert, value in zip(map(_converter, rest), defaults, strict=True)
    )
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    prepared = (
        (
            *(
                value if convert is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            ),
            *defaults,
        )
        for row in rows
    )
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(fields))
            batch = list(prepared)
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model; values are parameters
            cursor.executemany(insert, batch)
            count = len(batch)
    return count


def insert_objects(objects: Sequence[models.Model]) -> int:
    """Insert new instances of one model as insert_rows does, setting their auto_now times first.

    Primary keys must be set already (UUIDs) or be assigned by the database and not needed.
    """
    if not objects:
        return 0
    model = type(objects[0])
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for instance in objects:
        for name in stamped:
            setattr(instance, name, now)
    names = [f.attname for f in fields]
    return insert_rows(model, names, ([getattr(o, name) for name in names] for o in objects))
