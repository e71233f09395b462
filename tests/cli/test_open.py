"""The default command: options before a command name, a file that is not there, and a
reader asked for without a terminal. None of these may start a full-screen app."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli_support import SAMPLE, no_traceback, run

from annotui.core.store import Store


@pytest.fixture
def never_opens(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fails the test if the TUI would start; records nothing else."""
    import annotui.tui.app as app_module

    started: list[object] = []

    def fake_run(*args: object, **kwargs: object) -> int:
        started.append(args)
        return 0

    monkeypatch.setattr(app_module, "run", fake_run)
    return started


def test_options_before_a_command_name_still_run_that_command(tmp_path: Path,
                                                               never_opens) -> None:
    db = tmp_path / "a.db"
    assert run("import", "--db", db, SAMPLE).exit_code == 0
    result = run("--db", db, "info")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert "schema version" in result.stdout and str(db) in result.stdout
    result = run("--db", db, "--annotator", "bob", "docs")
    assert result.exit_code == 0 and "Aliyev" in result.stdout
    assert never_opens == []


def test_a_database_named_like_a_command_is_still_a_database(tmp_path: Path,
                                                             monkeypatch, never_opens) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("--db", "info")  # the database file is called "info"
    no_traceback(result)
    assert (tmp_path / "info").exists()  # opened (and prepared) as a database
    assert "no such file" not in (result.stderr or "")


def test_opening_a_file_that_is_not_there_says_so_and_imports_nothing(
        tmp_path: Path, never_opens) -> None:
    db = tmp_path / "a.db"
    result = run("--db", db, tmp_path / "typo.txt")
    no_traceback(result)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "typo.txt: no such file or directory" in lines[0], lines
    assert never_opens == []
    assert not db.exists() or not Store(db, annotator="ana").document_ids()


def test_without_a_terminal_the_reader_refuses_in_one_line(tmp_path: Path,
                                                           never_opens) -> None:
    db = tmp_path / "a.db"
    result = run("--db", db, SAMPLE)  # CliRunner: stdin and stdout are not terminals
    no_traceback(result)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert any("needs a terminal" in line for line in lines), lines
    assert never_opens == []
    with Store(db, annotator="ana") as store:  # what was asked to be imported is kept
        assert len(store.document_ids()) == 1


def test_the_command_line_loads_only_what_the_command_needs() -> None:
    """Start-up is measured against a bare Textual app: `annotui` must not import the
    other commands' code, and `annotui export` must not import Textual."""
    import subprocess
    import sys

    code = ("import sys, annotui.cli, annotui.core.bootstrap;"
            " heavy = [m for m in ('annotui.cli_check', 'annotui.core.consistency',"
            " 'annotui.core.agreement', 'annotui.cli_team', 'annotui.core.merge',"
            " 'annotui.cli_suggest', 'annotui.core.patterns', 'annotui.cli_serve',"
            " 'textual', 'pandas', 'annotui.core.formats', 'hashlib')"
            " if m in sys.modules];"
            " print(' '.join(heavy)); sys.exit(bool(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"imported at start-up: {result.stdout}{result.stderr}"


def test_a_first_run_stores_the_sample_as_import_would_without_the_importer(
        tmp_path: Path) -> None:
    """The first start stores the sample through the plain-text reader and the store,
    not the importer (a third of a first start): the same document either way."""
    import json
    import subprocess
    import sys

    fresh, imported = tmp_path / "fresh.db", tmp_path / "imported.db"
    code = ("import sys; from annotui.core.store import Store;"
            " from annotui.core.bootstrap import prepare;"
            f" s = Store({str(fresh)!r}, annotator='ann'); prepare(s, []); s.close();"
            " sys.exit('annotui.core.importer' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or "the importer was loaded"
    assert run("import", "--db", imported, "--annotator", "ann", SAMPLE).exit_code == 0
    columns = "key, title, text, length, source, sha256, meta, position"
    with Store(fresh, annotator="ann") as a, Store(imported, annotator="ann") as b:
        assert (a.conn.execute(f"SELECT {columns} FROM documents").fetchall()
                == b.conn.execute(f"SELECT {columns} FROM documents").fetchall())
        [first] = a.conn.execute("SELECT after FROM events WHERE action = 'import'").fetchall()
        [second] = b.conn.execute("SELECT after FROM events WHERE action = 'import'").fetchall()
        assert json.loads(first[0]) == json.loads(second[0])
