"""One embedding model and one coder per framework for the whole session: loading is the slow part."""

from __future__ import annotations

import pytest

from meaningful.analysis.coding import OutcomeCoder
from meaningful.coding.codebooks import codebook_examples, outcome_definitions
from meaningful.frameworks.loading import DATA_DIR, read_definition


def built_in_coder(slug: str) -> OutcomeCoder:
    """A zero-shot coder for a built-in framework, read from its definition file."""
    framework = read_definition(DATA_DIR / f"{slug}.v1.json")
    return OutcomeCoder(outcome_definitions(framework["outcomes"], codebook_examples(slug)))


@pytest.fixture(scope="session")
def service_users_coder() -> OutcomeCoder:
    return built_in_coder("talking-points-service-users")


@pytest.fixture(scope="session")
def carers_coder() -> OutcomeCoder:
    return built_in_coder("talking-points-carers")
