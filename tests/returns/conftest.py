"""The organisations returns are built for in tests: the hand-worked one, and the demo's day."""

from __future__ import annotations

from datetime import date

import pytest

from meaningful.accounts.models import Organisation
from meaningful.demo.factories import Personas
from tests.reports.known import build_known_organisation

TODAY = date(2026, 11, 26)  # the demo's day: a year of records in 2026


@pytest.fixture
def known(personas: Personas) -> Organisation:
    """Twelve people on two teams, rated in 2026 (see tests/reports/known.py)."""
    build_known_organisation(personas)
    return personas.organisation
