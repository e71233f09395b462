"""Fixtures of the command-line tests: every test runs in its own folder, with its own
user data dir and no ANNOTUI_DB, so nothing touches the real user's databases."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cli_support import ENV  # noqa: E402


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run every test in its own folder with its own user data dir and no ANNOTUI_DB."""
    home = tmp_path / "_home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("ANNOTUI_DB", raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


