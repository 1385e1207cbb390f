"""Shared fixtures: the personas every permission test uses, and a person on their caseload."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from meaningful.demo.factories import Personas, make_person, make_personas
from meaningful.people.models import Person

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql`` are skipped on SQLite; CI runs them on PostgreSQL (.ci/run)."""
    if ON_POSTGRESQL:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does, see .ci/run)"
    )
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.add_marker(skip)


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()


@pytest.fixture
def person(personas: Personas) -> Person:
    return make_person(personas.owner, personas.team)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    """Tests create many accounts; a deliberately slow password hash would dominate their time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def two_factor_optional(settings: pytest.FixtureRequest) -> None:
    """Tests sign staff in with a password (or force_login) unless they are about two-factor
    sign-in; those turn MEANINGFUL_REQUIRE_TWO_FACTOR's setting back on themselves."""
    settings.REQUIRE_TWO_FACTOR = False  # type: ignore[attr-defined]
