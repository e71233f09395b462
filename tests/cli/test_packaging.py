"""What a `pip install annotui` gets: the wheel's bundled files, the resources lookup, and a
core (and CLI) that never pays for importing Textual."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_support import ROOT

from annotui import resources

SAMPLE = ROOT / "data" / "sample-article.txt"
SHARED_SAMPLE = ROOT.parent / "shared" / "data" / "sample-article.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    out = tmp_path_factory.mktemp("wheel")
    # --no-isolation: hatchling is installed in the test environment, and an isolated
    # build would need the network to fetch it
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list(out.glob("annotui-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as archive:
        yield archive


@pytest.mark.parametrize("member", ["annotui/styles/annotui.tcss",
                                    "annotui/data/sample-article.txt",
                                    "annotui/data/labels.toml",
                                    "annotui/py.typed",
                                    "annotui/cli.py",
                                    "annotui/core/store.py"])
def test_the_wheel_carries(wheel: zipfile.ZipFile, member: str) -> None:
    assert member in wheel.namelist()


def test_the_wheels_sample_is_byte_identical(wheel: zipfile.ZipFile) -> None:
    bundled = wheel.read("annotui/data/sample-article.txt")
    assert bundled == SAMPLE.read_bytes()
    if SHARED_SAMPLE.exists():
        assert bundled == SHARED_SAMPLE.read_bytes()
    assert wheel.read("annotui/data/labels.toml") == (ROOT / "data" / "labels.toml").read_bytes()
    assert wheel.read("annotui/styles/annotui.tcss") == (
        ROOT / "styles" / "annotui.tcss").read_bytes()


def test_the_wheel_declares_the_console_script(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "[console_scripts]" in text
    assert "annotui = annotui.cli:main" in text


def test_the_wheel_holds_no_tests_or_caches(wheel: zipfile.ZipFile) -> None:
    for name in wheel.namelist():
        assert not name.startswith("tests/"), name
        assert "__pycache__" not in name and not name.endswith(".pyc"), name


def test_resources_resolve_in_this_install() -> None:
    assert resources.styles_dir().is_dir()
    assert (resources.styles_dir() / "annotui.tcss").is_file()
    assert resources.data_dir().is_dir()
    assert resources.sample_article().is_file()
    assert resources.sample_article().read_bytes() == SAMPLE.read_bytes()
    assert resources.default_labels().is_file()


def test_the_shared_sample_matches_the_repository_copy() -> None:
    if SHARED_SAMPLE.exists():
        assert SAMPLE.read_bytes() == SHARED_SAMPLE.read_bytes()


NO_TEXTUAL = (
    "import annotui.core.store, annotui.core.text, annotui.core.importer, "
    "annotui.core.exporter, annotui.core.formats, annotui.cli, sys; "
    "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual'); "
    "assert not bad, bad"
)


def test_core_and_cli_never_import_textual() -> None:
    proc = subprocess.run([sys.executable, "-c", NO_TEXTUAL], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_every_core_module_is_free_of_textual() -> None:
    modules = sorted(p.stem for p in (ROOT / "src" / "annotui" / "core").glob("*.py")
                     if p.stem != "__init__")
    formats = sorted(p.stem for p in (ROOT / "src" / "annotui" / "core" / "formats")
                     .glob("*.py") if p.stem != "__init__")
    names = [f"annotui.core.{m}" for m in modules] + [
        f"annotui.core.formats.{m}" for m in formats] + ["annotui.cli_labels",
                                                         "annotui.cliutil",
                                                         "annotui.resources"]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
            "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_export_runs_without_textual(tmp_path: Path) -> None:
    """`annotui export` never pays for Textual (cli.py's promise), even end to end."""
    from annotui.core.store import Store

    db = tmp_path / "t.db"
    with Store(db, annotator="ana") as store:
        store.add_document("Some text.")
    code = ("import sys\n"
            "from annotui.cli import cli\n"
            "try:\n"
            f"    cli(['export', '--db', {str(db)!r}], prog_name='annotui')\n"
            "except SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
            "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '"Some text."' in proc.stdout
