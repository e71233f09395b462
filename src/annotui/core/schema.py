"""Opening an annotui database: pragmas, identity checks and forward-only migrations.

A migration is a named function that takes the connection inside an open IMMEDIATE
transaction; ``PRAGMA user_version`` counts how many have run. A database written by a
newer annotui, another application's SQLite file or a file that is not SQLite at all is
refused with a one-line :class:`StoreError`, and is never written to.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

# "ANTU" as a big-endian int: lets `annotui` recognise its own files (and `file(1)` too).
APPLICATION_ID = 0x414E5455


class StoreError(Exception):
    """A problem the user can act on; its message is one line and names the cause."""


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # not executescript(): it COMMITs first, which would split a migration's transaction
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""


def _m001_initial(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            -- in code points, from Python: SQLite's length() stops at a NUL character
            length INTEGER NOT NULL,
            source TEXT,
            sha256 TEXT NOT NULL UNIQUE,
            meta TEXT NOT NULL DEFAULT '{}',
            position INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX documents_position ON documents(position);

        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            key TEXT UNIQUE,
            color TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL
        );

        -- AUTOINCREMENT: a deleted span's id is never reused, so the events that name it
        -- (and an undo that restores it) always mean that span
        CREATE TABLE spans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL CHECK ("end" > start),
            label_id INTEGER NOT NULL REFERENCES labels(id),
            annotator TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- the same span twice by the same person is always a mistake
        CREATE UNIQUE INDEX spans_unique
            ON spans(document_id, start, "end", label_id, annotator);
        CREATE INDEX spans_label ON spans(label_id);

        CREATE TABLE statuses (
            document_id INTEGER NOT NULL REFERENCES documents(id),
            annotator TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('todo', 'done', 'skipped')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (document_id, annotator)
        );

        -- Append-only: every change, with enough before/after state to undo, redo or
        -- recover it. Undo and redo are events too (ref = the event they reverse).
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            annotator TEXT NOT NULL,
            document_id INTEGER REFERENCES documents(id),
            span_id INTEGER,
            action TEXT NOT NULL,
            before TEXT,
            after TEXT,
            ref INTEGER REFERENCES events(id)
        );
        CREATE INDEX events_history ON events(document_id, annotator, id);

        -- where each annotator left each document, to resume there
        CREATE TABLE positions (
            annotator TEXT NOT NULL,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            "offset" INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (annotator, document_id)
        );

        -- for Datasette and ad-hoc SQL: SQLite's substr() counts code points, like annotui
        CREATE VIEW span_texts AS
            SELECT spans.id, documents.key AS document, spans.start, spans."end",
                   labels.name AS label, spans.annotator, spans.note,
                   substr(documents.text, spans.start + 1, spans."end" - spans.start) AS text
            FROM spans
            JOIN documents ON documents.id = spans.document_id
            JOIN labels ON labels.id = spans.label_id;
        """,
    )


def _m002_suggestions(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        -- Proposed spans (patterns, label-all-occurrences, learning), apart from spans so
        -- that nothing reading spans (exports, agreement, merge) can take one for a label.
        -- A row stays after it is decided: a rejected one is what stops the same pattern
        -- from proposing it again; an accepted one names the span it became.
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            -- CASCADE: a proposal means nothing once its document or label is gone (a
            -- forced label removal purges spans; their proposals go with them)
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL CHECK ("end" > start),
            label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
            -- who it is proposed to; the span an accept makes is the accepter's
            annotator TEXT NOT NULL,
            source TEXT NOT NULL,           -- pattern, propagate or learn
            detail TEXT NOT NULL DEFAULT '',  -- why: pattern file and line, the model span
            score REAL NOT NULL DEFAULT 1.0,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'accepted', 'rejected')),
            -- not a foreign key: the span may be deleted later, the decision stays
            span_id INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- one proposal per place, label and person, whatever proposed it: re-running a
        -- pattern file adds nothing, and a rejected proposal is never made again
        CREATE UNIQUE INDEX suggestions_unique
            ON suggestions(document_id, start, "end", label_id, annotator);
        CREATE INDEX suggestions_status ON suggestions(document_id, annotator, status);
        CREATE INDEX suggestions_position ON suggestions(document_id, start);
        CREATE INDEX suggestions_label ON suggestions(label_id);

        CREATE VIEW suggestion_texts AS
            SELECT suggestions.id, documents.key AS document, suggestions.start,
                   suggestions."end", labels.name AS label, suggestions.annotator,
                   suggestions.source, suggestions.detail, suggestions.score,
                   suggestions.status,
                   substr(documents.text, suggestions.start + 1,
                          suggestions."end" - suggestions.start) AS text
            FROM suggestions
            JOIN documents ON documents.id = suggestions.document_id
            JOIN labels ON labels.id = suggestions.label_id;
        """,
    )


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("initial", _m001_initial),
    ("suggestions", _m002_suggestions),
]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path | str, *, readonly: bool = False, busy_timeout: float = 10.0
            ) -> sqlite3.Connection:
    """Open (or create) a database, check that it is annotui's, and migrate it forward."""
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if not readonly and not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{path}: cannot create its folder ({exc.strerror})") from None
    uri = f"file:{path.as_posix()}?mode={'ro' if readonly else 'rwc'}"
    try:
        # isolation_level=None: annotui opens every transaction itself (BEGIN IMMEDIATE)
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    try:
        _check_identity(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit survives a power cut, at ~4 ms; see the README's "Durability"
            conn.execute("PRAGMA synchronous = FULL")
            _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_identity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc):
            raise StoreError(f"{path}: the database is damaged ({exc}); salvage it with"
                             f" sqlite3 {path} .recover | sqlite3 recovered.db") from None
        raise StoreError(f"{path}: not an annotui database ({exc})") from None
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
        raise StoreError(f"{path}: an SQLite database of another application, not annotui's")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer annotui (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade annotui to open it"
        )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > 0:
        # a copy of the old schema's data before anything changes, never overwritten;
        # written under a temporary name and renamed, so a kill mid-copy leaves no
        # half-written backup that the next start would trust
        backup = path.with_name(f"{path.name}.v{version}.bak")
        if not backup.exists():
            temp = path.with_name(f".{path.name}.v{version}.bak.tmp")
            for stale in (temp, temp.with_name(temp.name + "-journal")):
                stale.unlink(missing_ok=True)
            conn.execute("VACUUM INTO ?", (str(temp),))
            with open(temp, "rb") as copy:
                os.fsync(copy.fileno())
            os.replace(temp, backup)
    conn.execute("BEGIN IMMEDIATE")
    try:
        # re-read under the write lock: another process may have migrated meanwhile
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for _name, migration in MIGRATIONS[version:]:
            migration(conn)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
