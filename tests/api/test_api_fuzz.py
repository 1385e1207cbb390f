"""Schemathesis generates requests from the OpenAPI description and checks every answer against it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from meaningful.api.tokens import issue_token
from meaningful.demo.factories import make_person, make_personas
from meaningful.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def token(db: None) -> str:
    personas = make_personas()
    make_person(personas.owner, personas.team)
    return issue_token(personas.system, personas.owner, "schemathesis")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_own_description(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
