"""Typed readers for environment variables that refuse bad values loudly.

Every reader records the variable it reads in ``DECLARED``, so the documentation test can
compare ``docs/configuration.md`` with what the code really reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Declared:
    """One environment variable the settings read, with its default as documented."""

    name: str
    default: str


DECLARED: dict[str, Declared] = {}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, default: str) -> str:
    """Return the variable's value; set but empty counts as unset, as shells often leave it."""
    DECLARED[name] = Declared(name, default)
    value = os.environ.get(name, "")
    return value if value.strip() else default


def env_str(name: str, default: str = "") -> str:
    """Return the variable as text, or the default when it is unset."""
    return _raw(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    """Return the variable as a boolean; anything but a recognised yes/no word is refused."""
    value = _raw(name, "true" if default else "false").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value. Use one of: true, false, 1, 0, yes, no."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable as a whole number at or above ``minimum``."""
    value = _raw(name, str(default)).strip()
    if not value.isascii() or not value.lstrip("-").isdigit():
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a whole number, e.g. {name}={default}."
        )
    number = int(value)
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is too small: it must be at least {minimum}.")
    return number


def env_list(name: str, default: str) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped items."""
    return [item.strip() for item in _raw(name, default).split(",") if item.strip()]


def env_path(name: str, default: Path, *, documented_default: str) -> Path:
    """Return the variable as an absolute path; relative paths are taken from ``default``'s parent."""
    value = _raw(name, documented_default).strip()
    if value == documented_default:
        return default
    path = Path(value)
    return path if path.is_absolute() else (default.parent / path).resolve()


def database_from_url(url: str, *, base_dir: Path) -> dict[str, Any]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into a Django DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/file.sqlite3 or sqlite:////absolute/file.sqlite3
        raw_path = unquote(parts.path)
        if parts.netloc or not raw_path or raw_path == "/":
            raise ImproperlyConfigured(
                f"DATABASE_URL={url!r} names no SQLite file. "
                "Use sqlite:///var/meaningful.sqlite3 (relative) or sqlite:////srv/meaningful.sqlite3."
            )
        path = Path(raw_path[1:]) if raw_path.startswith("/") else Path(raw_path)
        if not path.is_absolute():
            path = base_dir / path
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(
                f"DATABASE_URL={_redact(url)!r} names no database. "
                "Use postgres://USER:PASSWORD@HOST:5432/DATABASE."
            )
        try:
            port = parts.port
        except ValueError as error:
            raise ImproperlyConfigured(f"DATABASE_URL has a bad port: {error}.") from error
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL={_redact(url)!r} uses an unknown scheme {scheme!r}. "
        "Use sqlite:///path or postgres://USER:PASSWORD@HOST:PORT/DATABASE."
    )


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
