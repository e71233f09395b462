"""Helpers for the command-line tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from annotui.cli import cli
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SAMPLE = DATA / "sample-article.txt"
LABELS = DATA / "labels.toml"
SAMPLE_TITLE = "Aliyev: Azerbaijan and Central Asia share one space"
ANNOTATOR = "ana"
# wide enough that rich never wraps a table cell or an error line
ENV = {"ANNOTUI_ANNOTATOR": ANNOTATOR, "COLUMNS": "200", "LINES": "50",
       "NO_COLOR": "1", "TERM": "dumb"}


def run(*args: object, input: str | bytes | None = None,
        env: dict[str, str] | None = None) -> Result:
    """Invoke ``annotui ARGS`` in-process; stdout and stderr are kept apart."""
    runner = CliRunner()
    return runner.invoke(cli, [str(a) for a in args], input=input,
                         env={**ENV, **(env or {})}, catch_exceptions=True)


def no_traceback(result: Result) -> None:
    """CliRunner swallows exceptions: check both the text and the exception object."""
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr or "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        detail = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"unexpected exception escaped the CLI:\n{detail}")


def ok(result: Result) -> Result:
    no_traceback(result)
    assert result.exit_code == 0, (result.exit_code, result.output)
    return result


def user_error(result: Result, *fragments: str) -> str:
    """Exit 1, exactly one non-empty line on stderr (containing FRAGMENTS), no traceback."""
    no_traceback(result)
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line message, got: {result.stderr!r}"
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
    return lines[0]


CELL_SPLIT = re.compile(r"[│┃|]")


def table_rows(text: str) -> list[list[str]]:
    """The cells of every row of the rich tables in TEXT (borders dropped)."""
    rows = []
    for line in text.splitlines():
        if not CELL_SPLIT.search(line):
            continue
        cells = [c.strip() for c in CELL_SPLIT.split(line)]
        cells = [c for c in cells if c]
        if cells:
            rows.append(cells)
    return rows


def row_starting(text: str, first: str) -> list[str]:
    found = [row for row in table_rows(text) if row[0] == first]
    assert len(found) == 1, f"no single row starting with {first!r} in:\n{text}"
    return found[0]


def field(text: str, name: str) -> str:
    """The value of ``name   value`` in ``annotui info``'s two-column output."""
    match = re.search(rf"^\s*{re.escape(name)}\s{{2,}}(.+?)\s*$", text, re.MULTILINE)
    assert match, f"no {name!r} in:\n{text}"
    return match.group(1)


def open_store(path: Path, annotator: str = ANNOTATOR) -> Store:
    return Store(path, annotator=annotator)


def console_script() -> Path:
    """The installed ``annotui`` script of the interpreter running the tests."""
    import shutil

    candidate = Path(sys.executable).parent / "annotui"
    if candidate.exists():
        return candidate
    found = shutil.which("annotui")
    assert found, "the annotui console script is not installed next to the interpreter"
    return Path(found)


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ANNOTUI_DB"}
    env.update(ENV)
    env.update(extra)
    return env
