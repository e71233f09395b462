"""The annotation store: one method per user intent, each one IMMEDIATE transaction.

Every change writes its row and its ``events`` row together, so undo and redo are read
back from the log (per annotator and document) and survive a restart, and nothing that
is deleted is ever unrecoverable. ``BEGIN IMMEDIATE`` takes the write lock up front:
with a plain deferred transaction, two processes doing read-then-write fail with
"database is locked" (see NOTES.md); with it they queue behind the busy timeout.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotui.core import history
from annotui.core.history import now

if TYPE_CHECKING:
    import sqlite_utils
from annotui.core.corpus import CorpusMixin
from annotui.core.documents import DocumentsMixin, sha256
from annotui.core.labels import LabelsMixin
from annotui.core.model import STATUSES, Span
from annotui.core.schema import SCHEMA_VERSION, StoreError, connect
from annotui.core.suggestions import SuggestionsMixin

__all__ = ["Store", "StoreError", "sha256"]

SPAN_COLUMNS = 'spans.id, spans.document_id, spans.start, spans."end", labels.name, ' \
    "spans.annotator, spans.note, spans.created_at, spans.updated_at"
SPAN_COLUMNS_UNTIMED = SPAN_COLUMNS.replace("spans.created_at, spans.updated_at", "'', ''")
SPAN_FROM = "spans JOIN labels ON labels.id = spans.label_id"
SPAN_ORDER = 'spans.start, spans."end", labels.position, spans.id'


def _span(row: tuple[Any, ...]) -> Span:
    return Span(*row)


class Store(CorpusMixin, DocumentsMixin, LabelsMixin, SuggestionsMixin):
    """An annotui database, seen by one annotator.

    Opening creates the file if needed and migrates it forward; a file that is not an
    annotui database raises :class:`StoreError` and is left untouched.
    """

    def __init__(self, path: Path | str, *, annotator: str, readonly: bool = False,
                 busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.annotator = annotator
        self.readonly = readonly
        self._places: dict[int, tuple[int, int]] = {}  # document id -> (length, position)
        # how long a write waits for another process's write lock before giving up
        self.conn = connect(self.path, readonly=readonly, busy_timeout=busy_timeout)

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The same connection through sqlite-utils, for ad-hoc queries and bulk writes.

        Imported on first use: sqlite-utils imports pandas when it is installed, which
        costs a third of a second that start-up and every CLI command would pay."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one (a batch import)."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only; nothing can be changed")
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot write ({exc})") from None
        try:
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # a document read in a rolled-back transaction may be gone, its id given
                # to the next one: forget the documents read
                self._places.clear()
                raise
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"refused by the database: {exc}") from None
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            hint = " (is the disk full?)" if "I/O" in str(exc) else ""
            raise StoreError(f"{self.path}: could not save ({exc}){hint}") from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _event(
        self,
        action: str,
        document_id: int | None,
        span_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        ref: int | None = None,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO events (ts, annotator, document_id, span_id, action, before, after, ref)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now(), self.annotator, document_id, span_id, action,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
                ref,
            ),
        )
        return int(cursor.lastrowid or 0)

    # -- spans -------------------------------------------------------------------

    def spans(self, doc_id: int, annotator: str | None = None, *, everyone: bool = False,
              ordered: bool = True, timestamps: bool = True) -> list[Span]:
        """The spans of a document in text order: this annotator's, another's, or all.

        For the reader, which sorts them itself and never shows when a span was made:
        ``ordered=False`` (the ORDER BY needs a temporary B-tree, a tenth of opening
        100,000 spans) and ``timestamps=False`` (``created_at`` and ``updated_at`` left
        empty: two strings a span were a fifth of reading them).
        """
        if everyone:
            where, args = "spans.document_id = ?", (doc_id,)
        else:
            where, args = "spans.document_id = ? AND spans.annotator = ?", (
                doc_id, annotator or self.annotator)
        order = f" ORDER BY {SPAN_ORDER}" if ordered else ""
        columns = SPAN_COLUMNS if timestamps else SPAN_COLUMNS_UNTIMED
        rows = self.conn.execute(f"SELECT {columns} FROM {SPAN_FROM} WHERE {where}{order}", args)
        return list(map(Span._make, rows))

    def span(self, span_id: int) -> Span:
        row = self.conn.execute(
            f"SELECT {SPAN_COLUMNS} FROM {SPAN_FROM} WHERE spans.id = ?", (span_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no span with id {span_id} (deleted?)")
        return _span(row)

    def _check_range(self, doc_id: int, start: int, end: int) -> None:
        length = self._place(doc_id)[0]
        if not (0 <= start < end <= length):
            raise StoreError(f"span {start}-{end} is outside the text (0-{length}) or empty")

    def _refuse_duplicate(self, doc_id: int, start: int, end: int, label_id: int,
                          annotator: str, except_id: int | None = None) -> None:
        row = self.conn.execute(
            'SELECT id FROM spans WHERE document_id = ? AND start = ? AND "end" = ?'
            " AND label_id = ? AND annotator = ? AND id IS NOT ?",
            (doc_id, start, end, label_id, annotator, except_id),
        ).fetchone()
        if row:
            raise StoreError("that exact span already has that label")

    def add_span(self, doc_id: int, start: int, end: int, label: str,
                 note: str | None = None) -> Span:
        """Label [start, end) of a document. Refuses duplicates and ranges outside the text.

        This is the key press people make most: the label and duplicate checks are one
        query, and the row is not read back (it is exactly what was inserted)."""
        with self.transaction() as conn:
            self._check_range(doc_id, start, end)
            found = conn.execute(
                "SELECT l.id, EXISTS (SELECT 1 FROM spans s WHERE s.document_id = ?"
                ' AND s.start = ? AND s."end" = ? AND s.label_id = l.id AND s.annotator = ?)'
                " FROM labels l WHERE l.name = ?",
                (doc_id, start, end, self.annotator, label)).fetchone()
            if found is None:
                self.label_id(label)  # raises, naming the labels there are
            label_id, duplicate = found
            if duplicate:
                raise StoreError("that exact span already has that label")
            stamp = now()
            values = (doc_id, start, end, label_id, self.annotator, note, stamp, stamp)
            cursor = conn.execute(
                'INSERT INTO spans (document_id, start, "end", label_id, annotator, note,'
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
            span_id = int(cursor.lastrowid or 0)
            self._event("add", doc_id, span_id,
                        after=dict(zip(history.SPAN_FIELDS, (span_id, *values), strict=True)))
        return Span(span_id, doc_id, start, end, label, self.annotator, note, stamp, stamp)

    def add_spans(self, doc_id: int, ranges: list[tuple[int, int, str]]) -> list[Span]:
        """Label several ranges as one change (one undo step): a reviewer accepting every
        agreed span. Ranges this annotator already has with that label are skipped."""
        added: list[dict[str, Any]] = []
        with self.transaction() as conn:
            stamp = now()
            for start, end, label in ranges:
                self._check_range(doc_id, start, end)
                cursor = conn.execute(
                    'INSERT OR IGNORE INTO spans (document_id, start, "end", label_id,'
                    " annotator, note, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                    (doc_id, start, end, self.label_id(label), self.annotator, stamp, stamp))
                if cursor.rowcount:
                    added.append(history.span_row(conn, int(cursor.lastrowid or 0)))
            if added:
                self._event("add_many", doc_id, after={"spans": added})
        return [self.span(row["id"]) for row in added]

    def delete_span(self, span_id: int) -> Span:
        with self.transaction() as conn:
            # read under the write lock: another window may have deleted it meanwhile
            span = self.span(span_id)
            row = history.span_row(conn, span_id)
            conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
            self._event("delete", span.document_id, span_id, before=row)
        return span

    def _update_span(self, span_id: int, action: str, changes: dict[str, Any]) -> Span:
        with self.transaction() as conn:
            old = self.span(span_id)
            row = history.span_row(conn, span_id)
            before = {column: row[column] for column in changes}
            if before == changes:
                return old
            merged = {**row, **changes}
            if {"start", "end", "label_id"} & changes.keys():
                self._check_range(old.document_id, merged["start"], merged["end"])
                self._refuse_duplicate(old.document_id, merged["start"], merged["end"],
                                       merged["label_id"], old.annotator, except_id=span_id)
            history.update_span(conn, span_id, {**changes, "updated_at": now()})
            self._event(action, old.document_id, span_id, before=before, after=changes)
        return self.span(span_id)

    def relabel_span(self, span_id: int, label: str) -> Span:
        return self._update_span(span_id, "relabel", {"label_id": self.label_id(label)})

    def move_span(self, span_id: int, start: int, end: int) -> Span:
        """Move either edge (or both) of a span without deleting it."""
        return self._update_span(span_id, "move", {"start": start, "end": end})

    def set_note(self, span_id: int, note: str | None) -> Span:
        return self._update_span(span_id, "note", {"note": note or None})

    # -- statuses and positions --------------------------------------------------

    def status(self, doc_id: int, annotator: str | None = None) -> str:
        row = self.conn.execute(
            "SELECT status FROM statuses WHERE document_id = ? AND annotator = ?",
            (doc_id, annotator or self.annotator),
        ).fetchone()
        return row[0] if row else "todo"

    def set_status(self, doc_id: int, status: str) -> None:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        with self.transaction():
            old = self.status(doc_id)
            if old == status:
                return
            history.write_status(self.conn, doc_id, self.annotator, status, now())
            self._event("status", doc_id, before={"status": old}, after={"status": status})

    def save_position(self, doc_id: int, offset: int) -> None:
        """Remember where the annotator is (not an undoable change, so no event). Nothing
        is written when that is where they last were: reopening where one left off, at
        every start, costs no transaction."""
        if self.readonly:
            return
        # a resume point is not worth freezing the screen for: wait 0.2 s, not the full
        # busy timeout, when another process holds the write lock
        timeout = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        self.conn.execute(f"PRAGMA busy_timeout = {min(timeout, 200)}")
        try:
            try:
                same = self.last_position() == (doc_id, offset)
            except sqlite3.Error:
                same = False  # the write says what is wrong, as a StoreError
            if not same:
                self._save_position(doc_id, offset)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")

    def _save_position(self, doc_id: int, offset: int) -> None:
        with self.transaction() as conn:
            # delete + insert, not an upsert: the newest save gets the highest rowid, which
            # is what last_position() trusts (timestamps tie within a millisecond)
            conn.execute("DELETE FROM positions WHERE annotator = ? AND document_id = ?",
                         (self.annotator, doc_id))
            conn.execute(
                'INSERT INTO positions (annotator, document_id, "offset", updated_at)'
                " VALUES (?, ?, ?, ?)", (self.annotator, doc_id, offset, now()))

    def position(self, doc_id: int) -> int:
        row = self.conn.execute(
            'SELECT "offset" FROM positions WHERE annotator = ? AND document_id = ?',
            (self.annotator, doc_id),
        ).fetchone()
        return row[0] if row else 0

    def last_position(self) -> tuple[int, int] | None:
        """(document, offset) this annotator last viewed, to resume there."""
        row = self.conn.execute(
            'SELECT document_id, "offset" FROM positions WHERE annotator = ?'
            " ORDER BY rowid DESC LIMIT 1",
            (self.annotator,),
        ).fetchone()
        return (row[0], row[1]) if row else None

    # -- undo and redo -----------------------------------------------------------

    def undo(self, doc_id: int) -> history.Change | None:
        """Reverse this annotator's latest change on the document; None if nothing is left."""
        return self._replay(doc_id, "undo")

    def redo(self, doc_id: int) -> history.Change | None:
        return self._replay(doc_id, "redo")

    def _replay(self, doc_id: int, direction: str) -> history.Change | None:
        lost: str | None = None
        with self.transaction() as conn:
            undo_stack, redo_stack = history.stacks(conn, doc_id, self.annotator)
            stack = undo_stack if direction == "undo" else redo_stack
            if not stack:
                return None
            target = stack[-1]
            try:
                conn.execute("SAVEPOINT replay")  # a failed apply leaves nothing behind
                try:
                    change = history.apply(conn, target, reverse=direction == "undo",
                                           stamp=now())
                except BaseException:
                    conn.execute("ROLLBACK TO replay")
                    raise
                finally:
                    conn.execute("RELEASE replay")
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" in str(exc):
                    raise StoreError(f"cannot {direction}: an identical span exists now") from None
                raise
            except history.Gone as exc:
                # purged with its label: step past this change so the rest of the history
                # stays usable, and say so
                lost = str(exc)
            self._event(direction, doc_id, target.span_id, ref=target.id,
                        after={"skipped": lost} if lost else None)
        if lost:
            raise StoreError(f"cannot {direction} that change: {lost}")
        return change

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    latest_schema = SCHEMA_VERSION
