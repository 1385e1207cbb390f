"""Inserting many rows of one model at once: executemany on SQLite, COPY on PostgreSQL.

Django's bulk_create builds a model instance and prepares every value of every row in Python;
for the hundreds of thousands of rows of a large import that costs more than the database
does. Callers give plain tuples instead; the fields they leave out get their defaults. Values
are converted column by column, and rows are written in slices so that a caller that passes a
generator never holds every prepared row at once. It writes only: callers do the checking and
the auditing, as with bulk_create.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import islice, repeat
from typing import Any

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

_SLICE = 5000  # rows prepared and written at a time


class JsonText(str):
    """JSON already serialised by the caller, written to a JSONField as it is."""

    __slots__ = ()


def _json(value: Any) -> str:
    return value if isinstance(value, JsonText) else json.dumps(value)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a Python value becomes what the database expects; None when psycopg or sqlite3 can."""
    if isinstance(field, models.JSONField):
        return _json
    if connection.vendor == "postgresql":
        return None  # psycopg sends UUIDs, dates and times as they are
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.UUIDField):
        return _uuid_hex  # how Django stores a UUIDField on SQLite
    if isinstance(target, models.DateTimeField):
        return _utc_text if connection.timezone is UTC else connection.ops.adapt_datetimefield_value
    if isinstance(target, models.DateField):
        return _iso_date
    return None


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _utc_text(value: datetime | None) -> str | None:
    """What Django's SQLite backend stores for a time in a UTC database: naive UTC text."""
    if value is not None and value.tzinfo is UTC:
        return value.replace(tzinfo=None).isoformat(" ")  # str() of the naive time, as Django
    stored: str | None = connection.ops.adapt_datetimefield_value(value)
    return stored


def _slices(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, _SLICE)):
        yield batch


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    same: dict[str, Any] | None = None,
) -> int:
    """Insert rows of values for ``columns`` (attribute names); return how many were inserted.

    ``same`` gives values shared by every row, converted once. Other fields take their default;
    auto_now and auto_now_add fields take one time for all.
    """
    same = same or {}
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    given = [by_name[name] for name in columns]
    named = {*columns, *same}
    now = timezone.now()
    rest = [
        field
        for field in model._meta.concrete_fields
        if field.attname not in named and not isinstance(field, AutoFieldMixin)
    ]
    defaults = [
        *same.values(),
        *(
            now
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            # get_default returns a fresh value each time (list(), uuid4()): one is right for
            # all rows only when the caller gives every unique column itself.
            else field.get_default()
            for field in rest
        ),
    ]
    rest = [*(by_name[name] for name in same), *rest]
    fields = [*given, *rest]
    converters = [_converter(field) for field in given]
    defaults = [
        value if convert is None else convert(value)
        for convert, value in zip(map(_converter, rest), defaults, strict=True)
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for batch in _slices(rows):
                    for values in _prepared(batch, converters, defaults):
                        copy.write_row(values)
                    count += len(batch)
        else:
            marks = ", ".join(["%s"] * len(fields))
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model; values are parameters
            for batch in _slices(rows):
                cursor.executemany(insert, _prepared(batch, converters, defaults))
                count += len(batch)
    return count


def _prepared(
    batch: list[Sequence[Any]],
    converters: list[Callable[[Any], Any] | None],
    defaults: list[Any],
) -> list[tuple[Any, ...]]:
    """The rows of a slice as the database takes them: each column converted in one pass."""
    if all(convert is None for convert in converters) and not defaults:
        return [tuple(row) for row in batch]
    by_column = zip(*batch, strict=True)
    prepared = [
        values if convert is None else list(map(convert, values))
        for convert, values in zip(converters, by_column, strict=True)
    ]
    columns = [*prepared, *(repeat(value, len(batch)) for value in defaults)]
    return list(zip(*columns, strict=True))
