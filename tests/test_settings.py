from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from meaningful import config

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_every_variable_the_settings_read_is_documented_and_nothing_else() -> None:
    import meaningful.settings  # noqa: F401 - importing it fills config.DECLARED

    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", DOCS.read_text(), flags=re.MULTILINE))
    assert documented == set(config.DECLARED)


def test_documented_defaults_match_the_code() -> None:
    import meaningful.settings  # noqa: F401

    rows = dict(
        re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", DOCS.read_text(), flags=re.MULTILINE)
    )
    for name, declared in config.DECLARED.items():
        assert rows.get(name) == declared.default, name


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_a_yes_no_variable_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("EXAMPLE_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="EXAMPLE_FLAG"):
        config.env_bool("EXAMPLE_FLAG")


def test_a_number_variable_refuses_words_and_small_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_MINUTES", "thirty")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        config.env_int("EXAMPLE_MINUTES", 30)
    monkeypatch.setenv("EXAMPLE_MINUTES", "2")
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        config.env_int("EXAMPLE_MINUTES", 30, minimum=5)
    monkeypatch.setenv("EXAMPLE_MINUTES", "٣٠")  # Arabic-Indic digits are not accepted
    with pytest.raises(ImproperlyConfigured):
        config.env_int("EXAMPLE_MINUTES", 30)


def test_database_urls_for_sqlite_relative_and_absolute(tmp_path: Path) -> None:
    relative = config.database_from_url("sqlite:///var/x.sqlite3", base_dir=tmp_path)
    assert relative == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "var/x.sqlite3"),
    }
    absolute = config.database_from_url("sqlite:////srv/m.sqlite3", base_dir=tmp_path)
    assert absolute["NAME"] == "/srv/m.sqlite3"


def test_database_url_for_postgresql(tmp_path: Path) -> None:
    db = config.database_from_url(
        "postgres://app:p%40ss@db.local:6543/outcomes?sslmode=require", base_dir=tmp_path
    )
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "outcomes",
        "app",
        "p@ss",
        "db.local",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:p@h/db", "unknown scheme 'mysql'"),
        ("postgres://u:secret@h:5432/", "names no database"),
        ("sqlite://", "names no SQLite file"),
        ("postgres://u:p@h:notaport/db", "bad port"),
    ],
)
def test_bad_database_urls_are_refused_with_advice(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        config.database_from_url(url, base_dir=tmp_path)
    assert "secret" not in str(error.value)


def test_a_variable_set_to_nothing_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_URL", "")
    assert config.env_str("EXAMPLE_URL", "sqlite:///var/x.sqlite3") == "sqlite:///var/x.sqlite3"
    monkeypatch.setenv("EXAMPLE_FLAG", "  ")
    assert config.env_bool("EXAMPLE_FLAG", default=True) is True
