"""An import batch written set-wise, in a number of statements bounded by its size.

:func:`write_batch` stores what :meth:`CorpusMixin.import_records` stores (one document
per text, keys made unique, duplicate spans skipped, unknown labels created, an
``import`` event per document and per span, statuses), with the spans inserted
``ROWS_PER_STATEMENT`` rows to a statement instead of one: a span row costs SQLite
little, while each statement executed costs a bind-reset round and, for the spans table
(AUTOINCREMENT), a read and a write of ``sqlite_sequence``.

Why spans and not documents: a multi-row statement that may abort half-way (a UNIQUE or
foreign key constraint) keeps a statement journal, a copy of every page it changes that
existed before it began. Span rows land on the right edges of their tables and indexes
(a few pages a statement, so a thousand rows a statement make that a few pages a
thousand rows), but every new document changes a random page of the sha256 index: at a
hundred documents a statement that journal grew to 70 MB of writes for 20,000 documents.
A single-row INSERT needs no statement journal, so documents go one a row.

The events are still built by SQLite from the rows just written (``INSERT ... SELECT``),
so the log holds exactly what it held.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from annotui.core.corpus import _SPAN_AFTER, Imported
from annotui.core.history import now
from annotui.core.schema import StoreError

if TYPE_CHECKING:
    from annotui.core.formats import Record
    from annotui.core.store import Store

__all__ = ["ROWS_PER_STATEMENT", "Checkpointer", "digest", "write_batch"]

# span rows of one INSERT: 8,000 variables, under SQLite's 32,766 (older SQLite allows
# 999: the connection's limit is asked); the statement text is ~26 KB of its 1 MB
ROWS_PER_STATEMENT = 1000

_DOCUMENTS = ("INSERT INTO documents (key, title, text, length, source, sha256, meta,"
              " position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SPANS = ('INSERT OR IGNORE INTO spans (document_id, start, "end", label_id, annotator,'
          " note, created_at, updated_at) VALUES ")


def digest(text: str) -> str:
    """A text's sha256, as the documents table stores it."""
    return sha256(text.encode("utf-8")).hexdigest()


def _insert_spans(conn: sqlite3.Connection, flat: list[Any]) -> None:
    """Insert span rows (8 values each, one after the other in ``flat``), in order,
    up to ROWS_PER_STATEMENT rows a statement."""
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(ROWS_PER_STATEMENT, limit // 8))
    group = per * 8
    whole = len(flat) - len(flat) % group
    row = "(?, ?, ?, ?, ?, ?, ?, ?)"
    if whole:
        conn.executemany(_SPANS + ", ".join([row] * per),
                         [flat[at:at + group] for at in range(0, whole, group)])
    if whole < len(flat):
        conn.execute(_SPANS + ", ".join([row] * ((len(flat) - whole) // 8)), flat[whole:])


def write_batch(store: Store, records: Sequence[Record], annotator: str,
                digests: Sequence[str | None] | None = None) -> Imported:
    """Store a batch of imported records inside the caller's transaction.

    ``digests``, when given, are the records' texts' sha256 already computed (None where
    not). Raises on anything a record could be refused for; the caller then rolls back
    and stores the batch record by record, to name the culprit and keep the rest.
    """
    conn = store.conn
    stamp = now()
    if digests is None:
        digests = [None] * len(records)
    sums = [known or digest(record.text) for record, known in zip(records, digests,
                                                                   strict=True)]
    found = dict(conn.execute(
        "SELECT sha256, id FROM documents WHERE sha256 IN (SELECT value FROM json_each(?))",
        (json.dumps(sums),)))
    fresh: dict[str, int] = {}  # digest -> index of the row that creates it
    rows: list[tuple[Any, ...]] = []  # the new documents
    created = [False] * len(records)
    wanted = [record.key or text_sum[:12] for record, text_sum in zip(records, sums,
                                                                      strict=True)]
    taken = {key for (key,) in conn.execute(
        "SELECT key FROM documents WHERE key IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted),))}
    position = conn.execute("SELECT coalesce(max(position), 0) FROM documents").fetchone()[0]
    done = Imported()
    for n, (record, text_sum, key) in enumerate(zip(records, sums, wanted, strict=True)):
        if text_sum in found or text_sum in fresh:
            continue
        created[n] = True
        key = store._unused_key(key, taken)
        taken.add(key)
        if record.key is not None and key != record.key:
            done.renamed.append((record.line, record.key, key))
        title = record.title
        if title is None:
            first = record.text.strip().split("\n", 1)[0].strip()
            title = first[:80] or key
        position += 1
        fresh[text_sum] = len(fresh)
        rows.append((key, title, record.text, len(record.text), record.source, text_sum,
                     json.dumps(record.meta, ensure_ascii=False) if record.meta else "{}",
                     position, stamp))
    if rows:
        last = conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]
        conn.executemany(_DOCUMENTS, rows)
        ids = [row[0] for row in conn.execute(
            "SELECT id FROM documents WHERE id > ? ORDER BY id", (last,))]
        if len(ids) != len(rows):
            raise StoreError("documents were added by something else during the import")
        found.update((text_sum, ids[index]) for text_sum, index in fresh.items())
        # the same "after" as Store.add_document's event
        conn.execute(
            "INSERT INTO events (ts, annotator, document_id, action, after)"
            " SELECT ?, ?, id, 'import', json_object('key', key, 'sha256', sha256)"
            " FROM documents WHERE id > ? ORDER BY id",
            (stamp, store.annotator, last))
    label_ids = store._label_ids(s[2] for record in records for s in record.spans)
    spans: list[Any] = []  # the span rows' values, one row after the other
    count = 0
    for record, text_sum, new in zip(records, sums, created, strict=True):
        doc_id = found[text_sum]
        done.documents.append((doc_id, new))
        if not record.spans:
            continue
        length = len(record.text)
        who = record.annotator or annotator
        for start, end, label, by, note in record.spans:
            if not (0 <= start < end <= length):
                raise StoreError(f"span {start}-{end} is outside the text (0-{length})")
            spans += (doc_id, start, end, label_ids[label], by or who, note, stamp, stamp)
        count += len(record.spans)
    if spans:
        # AUTOINCREMENT and the write lock: every span added here gets an id above this
        last = conn.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0]
        _insert_spans(conn, spans)
        done.spans_added = conn.execute(
            "INSERT INTO events (ts, annotator, document_id, span_id, action, after)"
            f" SELECT ?, ?, document_id, id, 'import', {_SPAN_AFTER}"
            " FROM spans WHERE id > ? ORDER BY id", (stamp, store.annotator, last)).rowcount
    done.spans_skipped = count - done.spans_added
    for record, text_sum in zip(records, sums, strict=True):
        if record.status is not None:
            done.statuses += store.import_record_status(found[text_sum], record, annotator)
    return done



class Checkpointer:
    """Copies the WAL into the database file in a thread, while an import goes on.

    SQLite checkpoints when a commit leaves more than 1,000 pages in the WAL: in the
    committing thread, so an import waited for a copy and an fsync of the database file
    after every batch (a tenth of its time). Here the importing connection stops doing
    it, and a second connection checkpoints (PASSIVE, as the automatic one does) in a
    thread, from each commit on, while the next batch is read and written. Every
    REWIND_EVERY batches the next one waits for that checkpoint to finish before it
    begins, so the WAL is rewound to its start and stays a few batches long.
    Durability does not change: each commit is in the WAL, fsynced, before it returns.
    """

    # batches between rewinds of the WAL: it holds up to this many, plus one
    REWIND_EVERY = 4

    def __init__(self, store: Store) -> None:
        self._store = store
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._batches = 0
        self._every = store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        if store.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return
        try:
            self._conn = sqlite3.connect(f"file:{store.path.as_posix()}?mode=rw", uri=True,
                                         isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error:
            self._conn = None  # then SQLite checkpoints on commit, as usual
            return
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def before_write(self) -> None:
        """Call before a batch's transaction begins: waits, if the WAL is due a rewind."""
        self._batches += 1
        if self._batches >= self.REWIND_EVERY:
            self._batches = 0
            self._join()

    def after_commit(self) -> None:
        """Call after a batch's commit: checkpoints it (and any before it) in the
        background, once the checkpoint still running, if any, is over."""
        if self._conn is None:
            return
        self._join()
        self._thread = threading.Thread(target=self._run, name="annotui-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self._conn is not None
        with contextlib.suppress(sqlite3.Error):  # busy: the next one, or SQLite, will
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Wait, hand checkpoints back to SQLite, close the second connection."""
        self._join()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._store.conn.execute(f"PRAGMA wal_autocheckpoint = {int(self._every)}")
