"""Opening databases: creation, identity checks, migrations, integrity, the span_texts view."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from annotui.core import schema
from annotui.core.schema import APPLICATION_ID, SCHEMA_VERSION, StoreError, connect
from annotui.core.store import Store

LABELS = Path(__file__).resolve().parents[2] / "data" / "labels.toml"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def assert_one_line(exc: pytest.ExceptionInfo[StoreError]) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    assert "Traceback" not in message
    return message


# -- a new database ---------------------------------------------------------------


def test_missing_file_is_created_at_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "new.db"
    with Store(path, annotator="alice") as store:
        assert store.schema_version == SCHEMA_VERSION == store.latest_schema
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "journal_mode") == "wal"  # WAL is persistent


def test_blank_file_becomes_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    path.write_bytes(b"")
    with Store(path, annotator="alice") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        assert {"documents", "labels", "spans", "statuses", "events", "positions",
                "span_texts", "suggestions", "suggestion_texts"} <= tables
    assert pragma(path, "user_version") == SCHEMA_VERSION


def test_busy_timeout_is_set(tmp_path: Path) -> None:
    conn = connect(tmp_path / "a.db")
    try:
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    finally:
        conn.close()


def test_foreign_keys_and_indexes_for_datasette(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db", annotator="alice") as store:
        fks = {(r[2], r[3]) for r in store.conn.execute("PRAGMA foreign_key_list(spans)")}
        assert ("documents", "document_id") in fks
        assert ("labels", "label_id") in fks
        indexes = {r[1] for r in store.conn.execute("PRAGMA index_list(spans)")}
        assert "spans_unique" in indexes


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path, annotator="alice") as store:
        store.load_labels(LABELS)
        doc, _ = store.add_document("hello world")
        store.add_span(doc, 0, 5, "claim")
    with Store(path, annotator="alice") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [s.label for s in store.spans(doc)] == ["claim"]
    assert not list(tmp_path.glob("*.bak"))


# -- migrations -------------------------------------------------------------------


def test_version_zero_with_the_application_id_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v0.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "user_version") == 0
    with Store(path, annotator="alice") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.load_labels(LABELS) == 3
        doc, _ = store.add_document("text")
        store.add_span(doc, 0, 4, "claim")
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "application_id") == APPLICATION_ID


def test_two_connections_opening_a_new_file_both_succeed(tmp_path: Path) -> None:
    # the second one re-reads user_version under the write lock and migrates nothing
    path = tmp_path / "a.db"
    first = connect(path)
    second = connect(path)
    try:
        assert second.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        count = second.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'spans'").fetchone()[0]
        assert count == 1
    finally:
        first.close()
        second.close()


def _version_one_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A database as annotui wrote it before migration 2 (suggestions): labels, a document,
    a span, a status and their events. Returns the document's id."""
    with monkeypatch.context() as patch:
        patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        patch.setattr(schema, "SCHEMA_VERSION", 1)
        with Store(path, annotator="alice") as store:
            assert store.schema_version == 1
            store.load_labels(LABELS)
            doc, _ = store.add_document("some text to keep")
            store.add_span(doc, 0, 4, "claim")
            store.set_status(doc, "done")
    assert pragma(path, "user_version") == 1
    return doc


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for table in ("documents", "labels", "spans", "statuses", "events")}
    finally:
        conn.close()


def test_the_real_migration_2_adds_suggestions_to_a_version_1_file_after_a_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.db"
    doc = _version_one_file(path, monkeypatch)
    before = _rows(path)
    with Store(path, annotator="alice") as store:
        assert store.schema_version == SCHEMA_VERSION >= 2
        tables = {r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        assert {"suggestions", "suggestion_texts"} <= tables
        indexes = {r[1] for r in store.conn.execute("PRAGMA index_list(suggestions)")}
        assert {"suggestions_unique", "suggestions_status", "suggestions_position"} <= indexes
        fks = {(r[2], r[3]) for r in store.conn.execute(
            "PRAGMA foreign_key_list(suggestions)")}
        assert {("documents", "document_id"), ("labels", "label_id")} <= fks
        # the old data is all there and still works
        assert [(s.start, s.end, s.label) for s in store.spans(doc)] == [(0, 4, "claim")]
        assert store.status(doc) == "done"
        store.add_suggestions(doc, [(5, 9, "claim", "pattern", "test", 1.0)])
        assert [s.label for s in store.suggestions(doc)] == ["claim"]
    assert _rows(tmp_path / "a.db.v1.bak") == before
    assert pragma(tmp_path / "a.db.v1.bak", "user_version") == 1


def test_migration_from_an_old_version_keeps_a_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A future migration (one past the latest) runs on a file at the latest version; a
    .v<latest>.bak copy is made first."""
    path = tmp_path / "a.db"
    current = SCHEMA_VERSION
    with Store(path, annotator="alice") as store:
        store.load_labels(LABELS)
        doc, _ = store.add_document("some text")
        store.add_span(doc, 0, 4, "claim")

    def future(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE documents ADD COLUMN language TEXT")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, ("language", future)])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    conn = connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == current + 1
        columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
        assert "language" in columns
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 1
    finally:
        conn.close()
    backup = tmp_path / f"a.db.v{current}.bak"
    assert backup.exists()
    assert pragma(backup, "user_version") == current


def test_a_failing_migration_leaves_the_file_at_its_old_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.db"
    Store(path, annotator="alice").close()
    current = SCHEMA_VERSION

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE documents ADD COLUMN half_done TEXT")
        raise RuntimeError("boom")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, ("broken", broken)])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    with pytest.raises(RuntimeError):
        connect(path)
    monkeypatch.undo()
    assert pragma(path, "user_version") == current
    conn = sqlite3.connect(path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    conn.close()
    assert "half_done" not in columns


def test_a_failing_migration_after_the_real_one_rolls_both_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A version-1 file and two pending migrations (the real 2, a broken 3): all or none."""
    path = tmp_path / "a.db"
    _version_one_file(path, monkeypatch)

    def broken(conn: sqlite3.Connection) -> None:
        raise RuntimeError("boom")

    migrations = [*schema.MIGRATIONS, ("broken", broken)]
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(migrations))
    with pytest.raises(RuntimeError):
        connect(path)
    monkeypatch.undo()
    assert pragma(path, "user_version") == 1
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "suggestions" not in tables


# -- files that are not ours are refused and untouched ------------------------------


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(path, annotator="alice").close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.execute("PRAGMA journal_mode = DELETE")  # no -wal file to hide changes in
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError) as exc:
        Store(path, annotator="alice")
    message = assert_one_line(exc)
    assert "newer annotui" in message
    assert digest(path) == before
    assert pragma(path, "user_version") == SCHEMA_VERSION + 5
    with pytest.raises(StoreError, match="newer annotui"):
        Store(path, annotator="alice", readonly=True)
    assert digest(path) == before


def test_text_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("These are my notes, not a database.\n" * 50, encoding="utf-8")
    before = digest(path)
    with pytest.raises(StoreError) as exc:
        Store(path, annotator="alice")
    assert "not an annotui database" in assert_one_line(exc)
    assert digest(path) == before
    assert not (tmp_path / "notes.txt-wal").exists()


def test_short_text_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "short.db"
    path.write_bytes(b"hello\n")
    before = digest(path)
    with pytest.raises(StoreError) as exc:
        Store(path, annotator="alice")
    assert_one_line(exc)
    assert digest(path) == before


def test_other_applications_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.commit()
    conn.close()
    assert pragma(path, "application_id") == 0
    before = digest(path)
    with pytest.raises(StoreError) as exc:
        Store(path, annotator="alice")
    assert "another application" in assert_one_line(exc)
    assert digest(path) == before
    assert pragma(path, "journal_mode") == "delete"  # not switched to WAL


def test_other_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 12345")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="another application"):
        Store(path, annotator="alice")
    assert digest(path) == before


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as exc:
        Store(tmp_path, annotator="alice")
    assert "directory" in assert_one_line(exc)


def test_path_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as exc:
        Store(blocker / "a.db", annotator="alice")
    assert_one_line(exc)
    assert blocker.read_text() == "x"


def test_readonly_open_of_a_missing_file_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(StoreError):
        Store(path, annotator="alice", readonly=True)
    assert not path.exists()


def test_readonly_store_refuses_changes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path, annotator="alice") as store:
        store.load_labels(LABELS)
        doc, _ = store.add_document("hello")
    with Store(path, annotator="alice", readonly=True) as store:
        assert [d.key for d in store.documents()] == [store.document(doc).key]
        with pytest.raises(StoreError, match="read-only"):
            store.add_span(doc, 0, 5, "claim")
        store.save_position(doc, 3)  # silently ignored
    with Store(path, annotator="alice") as store:
        assert store.spans(doc) == []
        assert store.last_position() is None


# -- integrity and the span_texts view ------------------------------------------------


def test_integrity_after_a_workload(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path, annotator="alice") as store:
        store.load_labels(LABELS)
        docs = [store.add_document(f"document number {i} " * 3)[0] for i in range(5)]
        for i, doc in enumerate(docs):
            span = store.add_span(doc, 0, 8, "claim")
            store.relabel_span(span.id, "commitment")
            store.move_span(span.id, 1, 9)
            store.set_note(span.id, f"note {i}")
            other = store.add_span(doc, 2, 6, "invitation")
            store.delete_span(other.id)
            store.set_status(doc, "done")
            store.undo(doc)
            store.undo(doc)
            store.redo(doc)
        store.add_label("extra")
        store.add_span(docs[0], 3, 5, "extra")
        store.remove_label("extra", force=True)
        store.rename_label("claim", "assertion")
        store.insert_spans(docs[1], [(0, 3, "imported", "bob", None)])
        store.save_position(docs[2], 4)
    with Store(path, annotator="bob") as store:
        store.add_span(docs[0], 0, 8, "commitment")
        assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


TEXTS = [
    "Family 👨‍👩‍👧‍👦 trip to 東京 (Tōkyō) — café naïve",
    "e\u0301e\u0301 combining: Z\u0351\u0361a\u0308lgo̸ and flags 🇺🇳🇪🇺 end",
    "עברית and العربية mixed with 中文字符 and 😀😃😄\ttabs\nnewlines",
    "\U0001f9d1\U0001f3fd\u200d\U0001f4bb astral\U00010348 gothic",
]


@pytest.mark.parametrize("text", TEXTS)
def test_span_texts_view_matches_python_slicing(tmp_path: Path, text: str) -> None:
    with Store(tmp_path / "a.db", annotator="alice") as store:
        store.load_labels(LABELS)
        doc, _ = store.add_document(text)
        expected: dict[int, str] = {}
        n = len(text)
        for start in range(0, n, 3):
            for end in (start + 1, min(n, start + 5), n):
                if end <= start:
                    continue
                try:
                    span = store.add_span(doc, start, end, "claim")
                except StoreError:
                    continue  # the same (start, end) twice
                expected[span.id] = text[start:end]
        rows = dict(store.conn.execute("SELECT id, text FROM span_texts"))
        assert rows == expected
        assert store.documents()[0].length == n
