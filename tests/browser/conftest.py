"""Headless Chromium (Debian's package) driven by Playwright, with axe-core for accessibility."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # axe-core is injected as an inline script, which the pages' Content Security Policy refuses;
    # the policy itself is tested in test_content_security_policy.py with a context that keeps it.
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    opened = context.new_page()
    yield opened
    context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.2 A and AA rules on the page; return the violations found."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm install` (make test does this).")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        WCAG_22_AA,
    )
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result]


@pytest.fixture(autouse=True)
def builtin_frameworks(transactional_db: None) -> Iterator[None]:
    """Browser tests use transactional databases, which are emptied after each test; put the
    built-in frameworks (normally installed by a data migration) back first. On SQLite the
    emptying deletes rows one by one, which the audit table's append-only trigger refuses, so
    the trigger is lifted for the emptying only (PostgreSQL truncates, which it allows)."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from meaningful.frameworks.loading import install_builtin

    guard = importlib.import_module("meaningful.audit.migrations.0002_append_only_triggers")
    sqlite = connection.vendor == "sqlite"
    install_builtin(apps)
    if sqlite:
        with connection.cursor() as cursor:
            for statement in [*guard.SQLITE_DOWN, *guard.SQLITE_UP]:
                cursor.execute(statement)
    yield
    if sqlite:
        with connection.cursor() as cursor:
            for statement in guard.SQLITE_DOWN:
                cursor.execute(statement)
