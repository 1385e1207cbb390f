"""Writing the audit trail and keeping earlier versions of records."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from meaningful.accounts.access import roles_of
from meaningful.accounts.models import User
from meaningful.audit.context import current_origin
from meaningful.audit.models import AuditEvent, Revision
from meaningful.audit.sealing import (
    BatchSealer,
    canonical_json,
    event_hash,
    stored_detail,
)
from meaningful.bulk_insert import JsonText, insert_rows
from meaningful.errors import InvalidInput
from meaningful.text import REASON_TEXT, text_problem
from meaningful.web.dates import long_date

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 704_152_001  # PostgreSQL advisory lock that serialises appends to the chain


def _last_hash() -> str:
    """Lock the chain until the transaction ends (PostgreSQL) and return its newest hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS_HASH


def record_event(
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    *,
    person_id: uuid.UUID | None = None,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain; it can never be changed or removed afterwards.

    ``actor`` is None only for events with no signed-in user, such as a failed sign-in; the
    username tried is then in ``detail``.
    """
    origin = current_origin.get()
    with transaction.atomic():
        previous = _last_hash()
        event = AuditEvent(
            at=timezone.now(),
            actor=actor,
            actor_username=actor.username if actor else "",
            actor_roles=",".join(roles_of(actor)) if actor else "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            person_id=person_id,
            purpose=purpose,
            channel=origin.channel,
            ip=origin.ip,
            detail=stored_detail(detail),
            previous_hash=previous,
        )
        event.hash = event_hash(event)
        event.save()
    return event


class RecordRef(NamedTuple):
    """A stored record named without loading it: its model label and primary key as text."""

    object_type: str
    object_id: str


@dataclass(frozen=True)
class EventInput:
    """One event for record_events: what was done to which record, about whom, with what detail."""

    action: str
    obj: models.Model | RecordRef
    person_id: uuid.UUID | None = None
    detail: dict[str, Any] | None = None


def record_events(actor: User, events: Sequence[EventInput]) -> int:
    """Append events to the chain in the order given, in one locked write; return how many.

    Each event is sealed exactly as record_event seals it, so verify_chain cannot tell a batch
    from events recorded one at a time.
    """
    if not events:
        return 0
    origin = current_origin.get()
    roles = ",".join(roles_of(actor))
    sealer = BatchSealer(actor.username, roles, "", origin.channel, origin.ip)

    zone = UTC if settings.USE_TZ else None  # as timezone.now(), read once for the batch

    def rows(previous: str) -> Iterator[tuple[Any, ...]]:
        for item in events:
            at = datetime.now(zone)
            if isinstance(item.obj, RecordRef):
                kind, pk = item.obj
            else:
                kind, pk = item.obj._meta.label_lower, str(item.obj.pk)
            text, detail = sealer.detail(item.detail)
            sealed = sealer.seal(at, item.action, kind, pk, item.person_id, text, previous)
            yield (at, item.action, kind, pk, item.person_id, detail, previous, sealed)
            previous = sealed

    same = {
        "actor_id": actor.pk,
        "actor_username": actor.username,
        "actor_roles": roles,
        "purpose": "",
        "channel": origin.channel,
        "ip": origin.ip,
    }
    with transaction.atomic():
        return insert_rows(AuditEvent, _EVENT_COLUMNS, rows(_last_hash()), same=same)


_EVENT_COLUMNS = (
    "at",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "detail",
    "previous_hash",
    "hash",
)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Return the stored fields of a record as plain JSON values."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        data[field.attname] = getattr(instance, field.attname)
    result: dict[str, Any] = json.loads(canonical_json(data))
    return result


def keep_revision(instance: models.Model, *, actor: User, reason: str, version: int) -> Revision:
    """Store what the record says now, as version ``version``, before it is changed."""
    return Revision.objects.create(
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        version=version,
        data=snapshot(instance),
        changed_by=actor,
        changed_at=timezone.now(),
        reason=reason,
    )


def keep_revisions(
    earlier: Sequence[tuple[models.Model, dict[str, Any]]], *, actor: User, reason: str
) -> int:
    """Store many earlier versions at once: each record with the fields it had then; return how many.

    ``earlier`` pairs a record as it is now with the values (including ``version``) that differ
    in the version being kept.
    """
    now = timezone.now()
    rows = [
        (
            instance._meta.label_lower,
            str(instance.pk),
            then["version"],
            {**snapshot(instance), **json.loads(canonical_json(then))},
            actor.pk,
            now,
            reason,
        )
        for instance, then in earlier
    ]
    return insert_rows(
        Revision,
        ("object_type", "object_id", "version", "data", "changed_by_id", "changed_at", "reason"),
        rows,
    )


def keep_snapshots(
    object_type: str,
    earlier: Iterable[tuple[str, int, dict[str, Any] | JsonText]],
    *,
    actor: User,
    reason: str,
) -> int:
    """Store earlier versions given as (object id, version, snapshot); return how many.

    Each snapshot must be what snapshot() returns for the record as it was, as plain JSON
    values or as that JSON's text.
    """
    same = {
        "object_type": object_type,
        "changed_by_id": actor.pk,
        "changed_at": timezone.now(),
        "reason": reason,
    }
    return insert_rows(Revision, ("object_id", "version", "data"), earlier, same=same)


def revisions_of(instance: models.Model) -> list[Revision]:
    """Return the earlier versions of a record, oldest first."""
    return list(
        Revision.objects.filter(
            object_type=instance._meta.label_lower, object_id=str(instance.pk)
        ).order_by("version")
    )


def verify_chain() -> int | None:
    """Return the id of the first event whose hash does not match, or None if the chain holds."""
    previous = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != previous or event_hash(event) != event.hash:
            return event.id
        previous = event.hash
    return None


class EditConflict(Exception):
    """Someone else saved the record after this edit started; nothing was overwritten.

    ``current`` is the record as saved now, ``expected`` the version the edit was based on, and
    ``saved_by`` and ``saved_at`` say who saved the version now stored, and when, where known.
    """

    def __init__(
        self,
        current: Any,
        expected: int | None,
        *,
        actor: User | None = None,
        saved_by: User | None = None,
        saved_at: datetime | None = None,
    ) -> None:
        self.current, self.expected = current, expected
        self.actor, self.saved_by, self.saved_at = actor, saved_by, saved_at
        super().__init__(self.message)

    @property
    def version(self) -> int:
        return int(self.current.version)

    @property
    def saved_by_name(self) -> str:
        if self.saved_by is None:
            return "Someone else"
        if self.actor is not None and self.saved_by.pk == self.actor.pk:
            return "You, in another tab or window,"
        return str(self.saved_by)

    @property
    def message(self) -> str:
        when = ""
        if self.saved_at is not None:
            local = timezone.localtime(self.saved_at)
            when = f" at {local:%H:%M} on {long_date(local.date())}"
        return (
            f"{self.saved_by_name} saved a change to this record{when}, after you opened it. "
            "Nothing you sent has been saved."
        )


def last_saved(instance: models.Model, version: int) -> tuple[User | None, datetime | None]:
    """Who saved a record's ``version`` and when: its earlier version says who replaced it."""
    revision = (
        Revision.objects.filter(
            object_type=instance._meta.label_lower, object_id=str(instance.pk), version=version - 1
        )
        .select_related("changed_by")
        .first()
    )
    if revision is not None:
        return revision.changed_by, revision.changed_at
    return None, getattr(instance, "updated_at", None)


def _conflict(current: Any, expected: int | None, actor: User) -> EditConflict:
    saved_by, saved_at = last_saved(current, current.version)
    return EditConflict(current, expected, actor=actor, saved_by=saved_by, saved_at=saved_at)


def edit_with_history(
    instance: Any,
    changes: dict[str, Any],
    *,
    actor: User,
    reason: str,
    expected_version: int | None = None,
) -> list[str]:
    """Apply changes to a versioned record, keeping what it said before; return the changed fields.

    The edit is based on ``expected_version``, or on the version of ``instance`` as it was
    loaded; if the stored record has moved on, EditConflict is raised and nothing is written.
    The check cannot race another edit: the row is locked (PostgreSQL) or the database is
    (SQLite, whose transactions here begin IMMEDIATE) from the read to the commit, and the
    UPDATE itself only matches the row while it still holds the version that was read.
    """
    model = type(instance)
    expected = instance.version if expected_version is None else expected_version
    with transaction.atomic():
        current = model._default_manager.select_for_update().get(pk=instance.pk)
        if current.version != expected:
            raise _conflict(current, expected, actor)
        changed = [name for name, value in changes.items() if getattr(current, name) != value]
        _copy_stored_fields(current, instance)
        if not changed:
            return []
        keep_revision(current, actor=actor, reason=reason, version=current.version)
        values = {name: changes[name] for name in changed}
        if any(field.name == "updated_at" for field in model._meta.concrete_fields):
            values["updated_at"] = timezone.now()
        written = model._default_manager.filter(pk=instance.pk, version=current.version).update(
            version=current.version + 1, **values
        )
        if written != 1:
            raise _conflict(model._default_manager.get(pk=instance.pk), expected, actor)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.version = current.version + 1
    return changed


def _copy_stored_fields(source: models.Model, target: models.Model) -> None:
    for field in source._meta.concrete_fields:
        if getattr(target, field.attname) != getattr(source, field.attname):
            setattr(target, field.attname, getattr(source, field.attname))


@contextmanager
def refusals_audited(actor: User, action: str, person_id: uuid.UUID | None) -> Iterator[None]:
    """Audit an edit refused because someone else saved first, then let the refusal go on.

    Use it outside the edit's transaction, which the refusal rolls back.
    """
    try:
        yield
    except EditConflict as conflict:
        record_event(
            actor,
            f"{action}.refused",
            conflict.current,
            person_id=person_id,
            detail={"based_on_version": conflict.expected, "current_version": conflict.version},
        )
        raise


def edit_and_audit(
    actor: User,
    instance: Any,
    changes: dict[str, Any],
    *,
    action: str,
    person_id: uuid.UUID | None,
    reason: str,
    purpose: str | None = None,
    expected_version: int | None = None,
) -> list[str]:
    """Correct a record, keeping its earlier version and auditing the change, all or nothing."""
    problem = text_problem(reason, limit=REASON_TEXT)
    if problem:
        raise InvalidInput({"reason": problem})
    with transaction.atomic():
        changed = edit_with_history(
            instance, changes, actor=actor, reason=reason, expected_version=expected_version
        )
        if changed:
            record_event(
                actor,
                action,
                instance,
                person_id=person_id,
                purpose=reason if purpose is None else purpose,
                detail={"fields": changed},
            )
    return changed
