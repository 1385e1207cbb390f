"""An organisation with a year of outcome records: the demo's, at a size tests can afford."""

from __future__ import annotations

from datetime import date

import pytest

from meaningful.accounts.models import Organisation, User
from meaningful.demo.generate import build_demo
from meaningful.demo.organisation import DEMO_ORGANISATION

TODAY = date(2026, 11, 26)


@pytest.fixture
def demo(db: None) -> Organisation:
    build_demo(people=60, seed=7, today=TODAY)
    return Organisation.objects.get(name=DEMO_ORGANISATION)


@pytest.fixture
def demo_admin(demo: Organisation) -> User:
    return User.objects.get(username="graham.stewart")
