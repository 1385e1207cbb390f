"""Sealing audit events: the canonical text of an event and its SHA-256, one at a time or in batches."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from typing import Any

from meaningful.audit.models import AuditEvent
from meaningful.bulk_insert import JsonText


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"Cannot put {type(value).__name__} in the audit trail")


# json.dumps with these arguments builds this encoder on every call; one is enough.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_json_default)


def canonical_json(payload: dict[str, Any]) -> str:
    """Serialise a payload the same way every time, so its hash can be checked later."""
    return _CANONICAL.encode(payload)


def event_hash(event: AuditEvent) -> str:
    """Return the SHA-256 that seals an event's content to the hash of the event before it."""
    return seal(
        event.at,
        event.actor_username,
        event.actor_roles,
        event.action,
        event.object_type,
        event.object_id,
        event.person_id,
        event.purpose,
        event.channel,
        event.ip,
        event.detail,
        event.previous_hash,
    )


def seal(
    at: datetime,
    actor: str,
    roles: str,
    action: str,
    object_type: str,
    object_id: str,
    person_id: uuid.UUID | None,
    purpose: str,
    channel: str,
    ip: str | None,
    detail: Any,
    previous: str,
) -> str:
    """Return the SHA-256 of an event's fields in canonical JSON: what event_hash checks."""
    payload = {
        "at": at.isoformat(),
        "actor": actor,
        "roles": roles,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "person_id": str(person_id) if person_id else "",
        "purpose": purpose,
        "channel": channel,
        "ip": ip or "",
        "detail": detail,
        "previous": previous,
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def stored_detail(detail: dict[str, Any] | None) -> Any:
    """The detail as the audit keeps it: plain JSON values, without NUL characters."""
    # PostgreSQL JSON cannot hold NUL, and keeps -0.0 as 0: the audit stores what it can read
    # back exactly, and keeps everything else as given.
    return json.loads(canonical_json(detail or {}).replace("\\u0000", ""), parse_float=_plain_float)


def _plain_float(text: str) -> float:
    return float(text) + 0.0  # -0.0 becomes 0.0


# Values equal as keys only when they encode alike: not floats (0.0 == -0.0), and with their
# types, since 1 == True.
_SCALARS = frozenset({str, int, bool, type(None)})


def _scalar_items(detail: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """A key for a detail made only of text, whole numbers, booleans and None, or None."""
    if not detail:
        return ()
    items = []
    for name, value in detail.items():
        if type(name) is not str or type(value) not in _SCALARS:
            return None
        items.append((name, type(value), value))
    return tuple(items)


class BatchSealer:
    """Seals events of one actor and origin as seal() does, with the fixed fields encoded once.

    The text hashed is canonical_json of seal()'s payload: its keys in sorted order, each string
    encoded as json.dumps encodes it (an ISO time needs no escaping). Only the
    time, action, record, person, detail and previous hash change from one event to the next.
    """

    def __init__(self, actor: str, roles: str, purpose: str, channel: str, ip: str | None) -> None:
        self.actor = encode_basestring_ascii(actor)
        self.roles = encode_basestring_ascii(roles)
        self.purpose = encode_basestring_ascii(purpose)
        self.channel = encode_basestring_ascii(channel)
        self.ip = encode_basestring_ascii(ip or "")
        self.details: dict[str, tuple[str, JsonText]] = {}
        self.by_items: dict[tuple[Any, ...], tuple[str, JsonText]] = {}

    def detail(self, detail: dict[str, Any] | None) -> tuple[str, JsonText]:
        """The stored detail, as canonical text and as text for the detail column."""
        key = _scalar_items(detail)
        if key is not None and key in self.by_items:
            return self.by_items[key]
        given = canonical_json(detail or {}).replace("\\u0000", "")
        if given not in self.details:
            stored = canonical_json(stored_detail(detail))  # what stored_detail keeps, re-encoded
            self.details[given] = (stored, JsonText(stored))
        if key is not None:
            self.by_items[key] = self.details[given]
        return self.details[given]

    def seal(
        self,
        at: datetime,
        action: str,
        object_type: str,
        object_id: str,
        person_id: uuid.UUID | None,
        detail: str,
        previous: str,
    ) -> str:
        text = (
            f'{{"action":{encode_basestring_ascii(action)},"actor":{self.actor},'
            f'"at":"{at.isoformat()}","channel":{self.channel},'
            f'"detail":{detail},"ip":{self.ip},"object_id":{encode_basestring_ascii(object_id)},'
            f'"object_type":{encode_basestring_ascii(object_type)},'
            f'"person_id":{encode_basestring_ascii(str(person_id) if person_id else "")},'
            f'"previous":{encode_basestring_ascii(previous)},'
            f'"purpose":{self.purpose},"roles":{self.roles}}}'
        )
        return hashlib.sha256(text.encode()).hexdigest()
