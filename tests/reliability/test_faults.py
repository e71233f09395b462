"""Faults annotui must survive (issue 5): kills during import, export and migration, a
third party holding the write lock, an import while the TUI is open, a full disk, a
read-only database, files that are not annotui databases, damaged pages, unwritable
export targets.

After each fault, where it applies: ``PRAGMA integrity_check`` is ok, ``foreign_key_check``
is empty, the data stored before the test is unchanged, and nothing printed a traceback.
Children are real processes (``annotui`` itself, or fault_worker.py) killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from annotui import resources
from annotui.core.importer import import_paths
from annotui.core.schema import SCHEMA_VERSION, StoreError
from annotui.core.store import Store

HERE = Path(__file__).parent
WORKER = HERE / "fault_worker.py"
ANNOTUI = str(Path(sys.executable).parent / "annotui")
ENV = {**os.environ, "ANNOTUI_ANNOTATOR": "importer", "COLUMNS": "200", "LINES": "50",
       "NO_COLOR": "1", "TERM": "dumb"}
ENV.pop("ANNOTUI_DB", None)
ARTICLE = resources.sample_article().read_text(encoding="utf-8")
LABELS = resources.default_labels()
RECORDS = 3000


# ------------------------------------------------------------------------ helpers


def cli(*args: object, timeout: float = 60, cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANNOTUI, *map(str, args)], capture_output=True, text=True,
                          env=ENV, stdin=subprocess.DEVNULL, timeout=timeout, cwd=cwd)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 1, exactly one non-empty line on stderr, no traceback."""
    no_traceback(proc)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {proc.stderr!r}"
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
    return lines[0]


def assert_healthy(path: Path) -> None:
    with Store(path, annotator="checker") as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def seed(path: Path) -> int:
    """A database with the default labels, the sample article and one span by "before"."""
    with Store(path, annotator="before") as store:
        store.load_labels(LABELS)
        doc, _ = store.add_document(ARTICLE, title="before", key="before")
        store.add_span(doc, 1, 11, "claim", note="made before the fault")
        store.set_status(doc, "done")
    return doc


def before_state(path: Path) -> dict[str, Any]:
    """What seed() stored, read through a fresh connection (I5: it must never change)."""
    with Store(path, annotator="before") as store:
        one = store.conn.execute
        return {
            "doc": one("SELECT id, key, title, text, sha256, position FROM documents"
                       " WHERE key = 'before'").fetchall(),
            "spans": one('SELECT id, document_id, start, "end", label_id, annotator, note,'
                         " created_at FROM spans WHERE annotator = 'before'").fetchall(),
            "labels": one("SELECT id, name, key, color FROM labels"
                          " WHERE name IN ('claim', 'commitment', 'invitation')").fetchall(),
            "status": one("SELECT * FROM statuses WHERE annotator = 'before'").fetchall(),
        }


def dump(path: Path) -> dict[str, Any]:
    """Every row annotui keeps (to compare a backup with its original)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for table in ("documents", "labels", "spans", "statuses", "events")}
    finally:
        conn.close()


def count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the child has not created the tables yet
        return 0
    finally:
        conn.close()


@pytest.fixture(scope="module")
def big_jsonl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[Any]]]:
    """RECORDS JSONL records with 1-4 spans each; returns the file and text -> spans."""
    rng = random.Random(5)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
             "kappa", "lambda", "mu"]
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    expected: dict[str, set[Any]] = {}
    with path.open("w", encoding="utf-8") as out:
        for i in range(RECORDS):
            text = f"Record {i}. " + " ".join(rng.choice(words) for _ in range(rng.randint(20, 60)))
            spans = set()
            for _ in range(rng.randint(1, 4)):
                start = rng.randrange(0, len(text) - 6)
                spans.add((start, start + rng.randint(1, 6), rng.choice(["claim", "commitment"])))
            expected[text] = spans
            out.write(json.dumps({"id": f"r{i}", "text": text, "spans": [
                {"start": s, "end": e, "label": label} for s, e, label in sorted(spans)]}) + "\n")
    return path, expected


def imported(path: Path) -> dict[str, set[Any]]:
    """text -> spans of every imported document (annotator "importer")."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found: dict[str, set[Any]] = {
            text: set() for (text,) in conn.execute(
                "SELECT text FROM documents WHERE key != 'before'")}
        for text, start, end, label, annotator in conn.execute(
                'SELECT d.text, s.start, s."end", l.name, s.annotator FROM spans s'
                " JOIN documents d ON d.id = s.document_id JOIN labels l ON l.id = s.label_id"
                " WHERE d.key != 'before'"):
            assert annotator == "importer", annotator
            found[text].add((start, end, label))
        return found
    finally:
        conn.close()


def wait_for(predicate: Any, timeout: float, step: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


# --------------------------------------------------------------- kill -9 during import


@pytest.mark.parametrize("batch", range(2))
def test_kill_9_during_import_leaves_whole_documents_and_a_rerun_completes(
        tmp_path: Path, big_jsonl: tuple[Path, dict[str, set[Any]]], batch: int) -> None:
    source, expected = big_jsonl
    total_spans = sum(len(spans) for spans in expected.values())
    rng = random.Random(batch)
    partial = 0
    # five trials, and more (up to 20) until one kill has landed mid-import
    for trial in range(20):
        if trial >= 5 and partial:
            break
        db = tmp_path / f"import{trial}.db"
        seed(db)
        before = before_state(db)
        child = subprocess.Popen([ANNOTUI, "import", "--db", str(db), str(source)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=ENV, stdin=subprocess.DEVNULL)
        # once the first batch is in, kill at a random moment of the rest, which takes
        # a few tenths of a second: a later kill would find the import finished
        wait_for(lambda: count(db, "SELECT count(*) FROM documents") > 1, 20)  # noqa: B023
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert_healthy(db)
        assert before_state(db) == before
        found = imported(db)
        broken = {text[:20]: (spans, expected.get(text)) for text, spans in found.items()
                  if expected.get(text) != spans}
        assert not broken, f"documents stored without all their spans: {list(broken.items())[:3]}"
        partial += 0 < len(found) < RECORDS
        # the same import again adds the rest, and nothing twice
        rerun = cli("import", "--db", db, source)
        no_traceback(rerun)
        assert rerun.returncode == 0, rerun.stderr
        assert imported(db) == expected
        assert count(db, "SELECT count(*) FROM documents WHERE key != 'before'") == RECORDS
        assert count(db, "SELECT count(*) FROM spans WHERE annotator = 'importer'") \
            == total_spans
        assert_healthy(db)
        assert before_state(db) == before
        db.unlink()
    assert partial >= 1, "no kill landed in the middle of an import: the test proves nothing"


# --------------------------------------------------------------- kill -9 during export


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory,
           big_jsonl: tuple[Path, dict[str, set[Any]]]) -> Path:
    db = tmp_path_factory.mktemp("bigdb") / "big.db"
    seed(db)
    done = cli("import", "--db", db, big_jsonl[0])
    assert done.returncode == 0, done.stderr
    return db


TEMP_NAME = re.compile(r"^\.out\.jsonl\..+\.tmp$")


def test_kill_9_during_export_leaves_the_old_file_or_the_complete_new_one(
        tmp_path: Path, big_db: Path) -> None:
    db = tmp_path / "export.db"
    shutil.copy(big_db, db)
    before = before_state(db)
    reference = tmp_path / "ref" / "out.jsonl"
    reference.parent.mkdir()
    made = cli("export", "--db", db, "-o", reference)
    assert made.returncode == 0, made.stderr
    new = reference.read_bytes()
    folder = tmp_path / "target"
    folder.mkdir()
    out = folder / "out.jsonl"
    old = b'{"old": "export"}\n' * 5000
    out.write_bytes(old)
    rng = random.Random(7)
    outcomes = {"old": 0, "new": 0}
    for _trial in range(10):
        child = subprocess.Popen([ANNOTUI, "export", "--db", str(db), "-o", str(out)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=ENV, stdin=subprocess.DEVNULL)
        # kill while the temporary file is being written (or just after)
        wait_for(lambda: any(TEMP_NAME.match(p.name) for p in folder.iterdir())
                 or child.poll() is not None, 10)  # noqa: B023
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        data = out.read_bytes()
        assert data in (old, new), f"out.jsonl is neither old nor new: {len(data)} bytes"
        outcomes["old" if data == old else "new"] += 1
        strays = [p.name for p in folder.iterdir() if p.name != "out.jsonl"]
        # a kill cannot clean up: a leftover temporary file is tolerated, by that name only
        assert all(TEMP_NAME.match(name) for name in strays), strays
        out.write_bytes(old)
    assert outcomes["old"] >= 1, outcomes
    assert_healthy(db)
    assert before_state(db) == before


# ------------------------------------------------------------ kill -9 during migration


def _worker(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def _read_until(child: subprocess.Popen[str], word: str, timeout: float = 20) -> str:
    """The child's first stdout line (it must start with ``word``)."""
    assert child.stdout is not None
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(child.stdout.readline()),  # type: ignore[union-attr]
                              daemon=True)
    reader.start()
    reader.join(timeout)
    line = result[0] if result else ""
    if not line.startswith(word):
        child.kill()
        _, err = child.communicate()
        raise AssertionError(f"expected {word}, got {line!r}; stderr: {err}")
    return line


def _kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.communicate()


def _columns(path: Path, table: str) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


def test_kill_9_during_a_migration_rolls_it_back_after_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "migrate.db"
    seed(db)
    before = before_state(db)
    rows = dump(db)
    child = _worker("migrate", db, "migration")
    _read_until(child, "MIGRATING")  # the next migration has altered spans, made a table
    _kill(child)
    # the whole migration is one transaction: nothing of it is left
    with Store(db, annotator="checker") as store:
        assert store.schema_version == SCHEMA_VERSION
    assert "confidence" not in _columns(db, "spans")
    assert _columns(db, "reviews") == []
    assert dump(db) == rows
    assert before_state(db) == before
    assert_healthy(db)
    backup = db.with_name(f"migrate.db.v{SCHEMA_VERSION}.bak")
    assert backup.exists()
    assert dump(backup) == rows
    assert count(backup, "PRAGMA user_version") == SCHEMA_VERSION
    # and the next start migrates for good
    again = _worker("migrate", db, "none")
    line = _read_until(again, "MIGRATED")
    again.communicate()
    assert line.split() == ["MIGRATED", str(SCHEMA_VERSION + 1)]
    assert "confidence" in _columns(db, "spans")
    assert dump(backup) == rows


def test_kill_9_while_the_migration_backup_is_written_still_leaves_a_valid_backup(
        tmp_path: Path) -> None:
    """VACUUM INTO writes the .v<N>.bak in place: a kill half-way leaves a partial file,
    and the next start must not take it for the backup."""
    db = tmp_path / "migrate.db"
    seed(db)
    with Store(db, annotator="before") as store:
        # big enough that VACUUM INTO writes the copy in several steps
        store.add_document("padding " * 400_000, key="padding")
    rows = dump(db)
    child = _worker("migrate", db, "backup")
    _read_until(child, "BACKUP")
    _kill(child)
    assert_healthy(db)
    assert dump(db) == rows
    again = _worker("migrate", db, "none")
    line = _read_until(again, "MIGRATED")
    again.communicate()
    assert line.split() == ["MIGRATED", str(SCHEMA_VERSION + 1)]
    # restoring the backup the way a user would: copy the file, open it
    backup = db.with_name(f"migrate.db.v{SCHEMA_VERSION}.bak")
    restored = tmp_path / "restored.db"
    shutil.copy(backup, restored)
    try:
        copy = dump(restored)
    except sqlite3.DatabaseError as exc:
        raise AssertionError(f"the backup left by the killed attempt was kept: {exc}") from None
    assert copy == rows, "the backup is not a copy of the old version's data"


# ------------------------------------------------------- a third party holds the lock


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_write_lock_held_past_the_busy_timeout_raises_one_line_and_writes_nothing(
        tmp_path: Path) -> None:
    db = tmp_path / "lock.db"
    doc = seed(db)
    before = before_state(db)
    rows = dump(db)
    store = Store(db, annotator="alice", busy_timeout=0.2)
    other = _hold_write_lock(db)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            store.add_span(doc, 20, 30, "claim")
        waited = time.monotonic() - started
        message = str(caught.value)
        assert "\n" not in message and "locked" in message, message
        assert 0.15 <= waited < 3, waited
        assert not store.conn.in_transaction
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert dump(db) == rows
    span = store.add_span(doc, 20, 30, "claim")  # released: works at once
    assert store.span(span.id).start == 20
    store.close()
    assert_healthy(db)
    assert before_state(db) == before


def _tui_parts(app: Any) -> tuple[Any, Any]:
    from annotui.tui.screens.main_screen import MainScreen
    from annotui.tui.widgets.reader import Reader

    screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
    return screen, screen.query_one(Reader)


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _committed(path: Path, doc: int) -> list[tuple[int, int, str]]:
    with Store(path, annotator="alice") as other:
        return [(s.start, s.end, s.label) for s in other.spans(doc)]


async def test_tui_label_under_a_held_write_lock_is_not_painted_and_retry_saves(
        tmp_path: Path) -> None:
    from annotui.tui.app import AnnotuiApp

    db = tmp_path / "tui-lock.db"
    seed(db)
    before = before_state(db)
    store = Store(db, annotator="alice", busy_timeout=0.2)
    doc, _ = store.add_document(ARTICLE + "\nSecond copy.", title="work")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        _screen, reader = _tui_parts(app)
        await pilot.press("s")
        selection = reader.selection
        assert selection is not None
        other = _hold_write_lock(db)
        try:
            await pilot.press("1")
            await pilot.pause()
            assert store.spans(doc) == []
            assert len(reader.index) == 0
            said = [m for m in _notes(app) if "not saved" in m]
            assert said and "locked" in said[-1], _notes(app)
            assert reader.selection == selection  # kept for another try
        finally:
            other.execute("ROLLBACK")
            other.close()
        await pilot.press("1")
        await pilot.pause()
        assert len(_committed(db, doc)) == 1
        assert len(reader.index) == 1
        assert reader.selection is None
    store.close()
    assert_healthy(db)
    assert before_state(db) == before


async def test_tui_moving_to_another_document_under_a_held_write_lock_does_not_crash(
        tmp_path: Path) -> None:
    """Showing a document saves the resume position: a locked database must only cost
    the position, not the session."""
    from annotui.tui.app import AnnotuiApp

    db = tmp_path / "tui-lock2.db"
    seed(db)
    store = Store(db, annotator="alice", busy_timeout=0.2)
    first, _ = store.add_document("First document. It has two sentences.", title="one")
    second, _ = store.add_document("Second document. Also two sentences.", title="two")
    app = AnnotuiApp(store, first)
    async with app.run_test(size=(100, 30)) as pilot:
        screen, _reader = _tui_parts(app)
        other = _hold_write_lock(db)
        try:
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert app.is_running, "the app died on a locked database"
            assert screen.doc.id == second
        finally:
            other.execute("ROLLBACK")
            other.close()
        await pilot.press("s", "1")
        await pilot.pause()
        assert len(_committed(db, second)) == 1
    store.close()
    assert_healthy(db)


# --------------------------------------------------------- import while the TUI is open


async def test_import_while_the_tui_is_open(tmp_path: Path) -> None:
    from annotui.tui.app import AnnotuiApp

    db = tmp_path / "shared.db"
    seed(db)
    before = before_state(db)
    store = Store(db, annotator="alice")
    app = AnnotuiApp(store)
    source = tmp_path / "more.jsonl"
    source.write_text("".join(json.dumps({"id": f"new{i}", "text": f"New document {i}. Text.",
                                          "spans": [{"start": 0, "end": 3, "label": "claim"}]})
                              + "\n" for i in range(300)), encoding="utf-8")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, reader = _tui_parts(app)
        await pilot.press("s", "1")
        await pilot.pause()
        assert len(reader.index) == 1  # alice's span (before's is not alice's)
        done = cli("import", "--db", db, source)
        no_traceback(done)
        assert done.returncode == 0, done.stderr
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.doc.key == "new0"
        await pilot.press("s", "2")
        await pilot.pause()
        assert [label for _, _, label in _committed(db, screen.doc.id)] == ["commitment"]
        assert len(reader.index) == 1
        assert app.is_running
    store.close()
    assert count(db, "SELECT count(*) FROM documents") == 301
    assert_healthy(db)
    assert before_state(db) == before


# ------------------------------------------------------------------------- disk full


@pytest.mark.parametrize("limit", [110_000, 180_000, 400_000])
def test_disk_full_one_line_nothing_acknowledged_lost_and_works_again(
        tmp_path: Path, limit: int) -> None:
    db = tmp_path / "full.db"
    seed(db)
    before = before_state(db)
    child = _worker("disk", db, limit)
    out, err = child.communicate(timeout=60)
    assert "Traceback" not in out + err, err
    lines = out.splitlines()
    assert lines and lines[-1].startswith("ERROR "), lines[-3:]
    assert all(line.startswith("ACK ") for line in lines[:-1]), lines
    acked = [tuple(map(int, line.split()[1:])) for line in lines[:-1]]
    assert acked, "the limit was hit before anything was stored: raise it"
    message = lines[-1][len("ERROR "):]
    assert "could not save" in message or "cannot write" in message, message
    assert_healthy(db)
    assert before_state(db) == before
    with Store(db, annotator="filler") as store:
        stored = {(s.id, s.start, s.end) for s in store.spans(store.document_ids()[0])}
    assert set(acked) <= stored, set(acked) - stored
    assert len(stored) == len(acked)  # and nothing unacknowledged either
    # space is back (a fresh process, no limit): labelling works again
    again = _worker("label", db)
    out, err = again.communicate(timeout=30)
    assert again.returncode == 0 and out.startswith("ACK "), (out, err)
    assert_healthy(db)


def _file_size_limit(limit: int) -> Any:
    def apply() -> None:  # in the child, before exec: a write past LIMIT fails (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_disk_full_during_import_keeps_whole_documents_and_a_rerun_completes(
        tmp_path: Path, big_jsonl: tuple[Path, dict[str, set[Any]]]) -> None:
    source, expected = big_jsonl
    db = tmp_path / "full-import.db"
    seed(db)
    before = before_state(db)
    done = subprocess.run([ANNOTUI, "import", "--db", str(db), str(source)],
                          capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL,
                          preexec_fn=_file_size_limit(1_200_000), timeout=60)
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert "not stored" in done.stderr, done.stderr
    assert_healthy(db)
    assert before_state(db) == before
    found = imported(db)
    assert 0 < len(found) < RECORDS, len(found)
    assert all(expected.get(text) == spans for text, spans in found.items())
    rerun = cli("import", "--db", db, source)  # space is back
    assert rerun.returncode == 0, rerun.stderr
    assert imported(db) == expected
    assert count(db, "SELECT count(*) FROM documents WHERE key != 'before'") == RECORDS
    assert_healthy(db)


def test_disk_full_during_export_is_one_line_and_keeps_the_old_file(
        tmp_path: Path, big_db: Path) -> None:
    folder = tmp_path / "target"
    folder.mkdir()
    out = folder / "out.jsonl"
    out.write_bytes(b'{"old": "export"}\n')
    done = subprocess.run([ANNOTUI, "export", "--db", str(big_db), "-o", str(out)],
                          capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL,
                          preexec_fn=_file_size_limit(300_000), timeout=60)
    one_line_error(done)
    assert out.read_bytes() == b'{"old": "export"}\n'
    assert [p.name for p in folder.iterdir()] == ["out.jsonl"]


def test_export_into_a_closed_pipe_prints_no_traceback(big_db: Path) -> None:
    """`annotui export | head -1`"""
    child = subprocess.Popen([ANNOTUI, "export", "--db", str(big_db)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=ENV, stdin=subprocess.DEVNULL)
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()
    err = child.stderr.read().decode()
    child.wait(30)
    assert json.loads(first)["id"]
    assert "Traceback" not in err and "Exception" not in err, err
    assert len([line for line in err.splitlines() if line.strip()]) <= 1, err


class _FullDisk:
    """A connection that fails every INSERT the way a full disk does."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


async def test_tui_disk_full_is_reported_and_nothing_painted(tmp_path: Path) -> None:
    from annotui.tui.app import AnnotuiApp

    db = tmp_path / "tui-full.db"
    doc = seed(db)
    before = before_state(db)
    store = Store(db, annotator="alice")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        _screen, reader = _tui_parts(app)
        await pilot.press("s")
        selection = reader.selection
        real = store.conn
        store.conn = _FullDisk(real)  # type: ignore[assignment]
        try:
            await pilot.press("1")
            await pilot.pause()
            assert not real.in_transaction
            assert len(reader.index) == 0
            said = [m for m in _notes(app) if "not saved" in m]
            assert said and "full" in said[-1], _notes(app)
            assert reader.selection == selection
        finally:
            store.conn = real
        assert _committed(db, doc) == []
        await pilot.press("1")  # space is back
        await pilot.pause()
        assert len(_committed(db, doc)) == 1
        assert len(reader.index) == 1
    store.close()
    assert_healthy(db)
    assert before_state(db) == before


# ------------------------------------------------------------------------- read-only


async def test_tui_read_only_stores_nothing_says_so_and_shows_read_only(
        tmp_path: Path) -> None:
    from annotui.tui.app import AnnotuiApp
    from annotui.tui.widgets.topbar import TopBar

    db = tmp_path / "ro.db"
    doc = seed(db)
    before = before_state(db)
    rows = dump(db)
    store = Store(db, annotator="alice", readonly=True)
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(120, 30)) as pilot:
        screen, reader = _tui_parts(app)
        assert "READ-ONLY" in str(screen.query_one(TopBar).content)
        await pilot.press("s", "1")
        await pilot.pause()
        assert len(reader.index) == 0
        said = [m for m in _notes(app) if "not saved" in m]
        assert said and "read-only" in said[-1], _notes(app)
        await pilot.press("q")
    store.close()
    assert dump(db) == rows
    assert before_state(db) == before


def test_import_into_a_read_only_store_is_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    seed(db)
    rows = dump(db)
    text = tmp_path / "new.txt"
    text.write_text("A new text that must not land.\n", encoding="utf-8")
    with Store(db, annotator="alice", readonly=True) as store, \
            pytest.raises(StoreError) as caught:
        import_paths(store, [str(text)])
    assert "\n" not in str(caught.value) and "read-only" in str(caught.value)
    # the command line: `annotui --readonly FILE` cannot import either
    refused = cli("--db", db, "--readonly", text)
    one_line_error(refused, "read-only")
    assert dump(db) == rows


def test_cli_import_into_a_read_only_database_is_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`annotui import` on a database it may only read (a read-only mount, simulated
    with a mode=ro Store since root ignores file modes)."""
    from click.testing import CliRunner

    import annotui.cli as cli_module

    db = tmp_path / "ro.db"
    seed(db)
    rows = dump(db)
    text = tmp_path / "new.txt"
    text.write_text("A new text that must not land.\n", encoding="utf-8")
    real = cli_module.open_store

    def read_only(db_path: Any, annotator: Any = None, **kwargs: Any) -> Any:
        return real(db_path, annotator, **{**kwargs, "readonly": True})

    monkeypatch.setattr(cli_module, "open_store", read_only)
    result = CliRunner().invoke(cli_module.cli, ["import", "--db", str(db), str(text)],
                                env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "read-only" in lines[0], result.stderr
    assert dump(db) == rows


# ------------------------------------------------- files that are not annotui databases


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"this is a text file, not a database\n" * 300)


def _other_app(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO documents (body) VALUES ('someone else''s data')")
    conn.commit()
    conn.close()


def _truncated(path: Path) -> None:
    seed(path)
    with Store(path, annotator="pad") as store:
        for i in range(200):
            store.add_document(f"Padding document {i}. " + ARTICLE[: 2000 + i])
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _newer(path: Path) -> None:
    seed(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()


BAD_FILES = {"not-sqlite": (_not_sqlite, "not an annotui database"),
             "other-app": (_other_app, "another application"),
             "truncated": (_truncated, "damaged"),
             "newer": (_newer, "newer annotui")}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_file_that_is_not_an_annotui_database_is_refused_untouched(
        tmp_path: Path, kind: str) -> None:
    make, words = BAD_FILES[kind]
    db = tmp_path / "bad.db"
    make(db)
    original = db.read_bytes()
    for args in (["info"], ["info", "--check"], ["export"], ["export", "-o", tmp_path / "o.jsonl"],
                 []):
        done = cli(*args, "--db", db, timeout=20)
        one_line_error(done, words)
        assert db.read_bytes() == original, f"annotui {args} changed the file"
    assert not (tmp_path / "o.jsonl").exists()


def test_corrupted_pages_are_reported_by_info_check_with_recover(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.db"
    seed(db)
    with Store(db, annotator="pad") as store:
        for i in range(300):
            doc, _ = store.add_document(f"Padding document {i}. " + ARTICLE[: 3000 + i])
            store.add_span(doc, 0, 7, "claim")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with open(db, "r+b") as handle:
        for page in (3, pages // 3, pages // 2, pages - 2):
            handle.seek(page * page_size)
            handle.write(b"\xff" * 32)
    done = cli("info", "--check", "--db", db, timeout=30)
    no_traceback(done)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "problem" in done.stderr and ".recover" in done.stderr, done.stderr
    assert "check: ok" not in done.stdout


# ---------------------------------------------------------- exports to unwritable targets


def _listing(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


TARGETS = {
    "missing-folder": lambda root: root / "no-such-folder" / "out.jsonl",
    "under-a-file": lambda root: root / "old.jsonl" / "out.jsonl",
    "a-directory": lambda root: root / "adir",
    "name-too-long": lambda root: root / ("n" * 296 + ".jsonl"),
}


@pytest.mark.parametrize("case", sorted(TARGETS))
def test_export_to_an_unwritable_target_is_one_line_and_leaves_nothing(
        tmp_path: Path, case: str) -> None:
    db = tmp_path / "x.db"
    seed(db)
    root = tmp_path / "out"
    root.mkdir()
    (root / "old.jsonl").write_bytes(b'{"old": 1}\n')
    (root / "adir").mkdir()
    (root / "adir" / "inside.txt").write_text("keep", encoding="utf-8")
    listing = _listing(root)
    done = cli("export", "--db", db, "-o", TARGETS[case](root))
    one_line_error(done)
    assert _listing(root) == listing  # no temp file, the old files unchanged
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_new_file_gets_normal_permissions(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    seed(db)
    out = tmp_path / "new.jsonl"
    done = subprocess.run([ANNOTUI, "export", "--db", str(db), "-o", str(out)],
                          capture_output=True, text=True, env=ENV,
                          preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o644
