"""The store's corpus-wide side: reading documents for export and reports, checking the
file, and bulk-adding imported spans and statuses. A mixin of :class:`Store`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from annotui.core import history
from annotui.core.history import now
from annotui.core.model import STATUSES, Document
from annotui.core.schema import StoreError


class CorpusMixin:
    conn: sqlite3.Connection

    if TYPE_CHECKING:  # provided by Store and LabelsMixin; declared for the type checker
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _event(self, action: str, document_id: int | None, span_id: int | None = None,
                   before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                   ref: int | None = None) -> int: ...
        def ensure_label(self, name: str) -> int: ...

    def import_status(self, doc_id: int, annotator: str, status: str) -> None:
        """Record another annotator's status from an import or merge (not undoable)."""
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        with self.transaction() as conn:
            history.write_status(conn, doc_id, annotator, status, now())
            self._event("import", doc_id, after={"annotator": annotator, "status": status})

    # -- reading for export and reports -------------------------------------------

    def annotators(self, doc_id: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT annotator FROM spans WHERE document_id = :d UNION "
            "SELECT annotator FROM statuses WHERE document_id = :d ORDER BY 1",
            {"d": doc_id},
        )
        return [r[0] for r in rows]

    def iter_documents(self) -> Iterator[Document]:
        """Every document in corpus order, one at a time (flat memory)."""
        rows = self.conn.execute(
            "SELECT id, key, title, text, source, sha256, meta FROM documents ORDER BY position")
        for row in rows:  # one cursor over the table, not a query per document
            yield Document(*row[:6], meta=json.loads(row[6] or "{}"))

    def statuses(self, doc_id: int) -> dict[str, str]:
        """Every annotator's status on a document."""
        return dict(self.conn.execute(
            "SELECT annotator, status FROM statuses WHERE document_id = ?", (doc_id,)))

    def counts(self) -> dict[str, int]:
        one = self.conn.execute
        return {
            table: one(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "labels", "spans", "events")
        } | {"annotators": one("SELECT count(DISTINCT annotator) FROM spans").fetchone()[0]}

    def check(self) -> list[str]:
        """Problems in the file: SQLite's own checks, then annotui's (spans inside texts)."""
        problems = []
        try:
            for (line,) in self.conn.execute("PRAGMA integrity_check"):
                if line != "ok":
                    problems.append(f"integrity: {line}")
            for table, rowid, parent, _ in self.conn.execute("PRAGMA foreign_key_check"):
                problems.append(f"{table} row {rowid} points to a missing {parent} row")
            for span_id, key in self.conn.execute(
                    'SELECT spans.id, documents.key FROM spans JOIN documents ON'
                    ' documents.id = spans.document_id WHERE spans."end" > documents.length'):
                problems.append(f"span {span_id} reaches past the end of document {key!r}")
        except sqlite3.DatabaseError as exc:
            problems.append(f"cannot read the whole file: {exc}")
        return problems

    def insert_spans(self, doc_id: int, spans: Iterable[tuple[int, int, str, str, str | None]]
                     ) -> tuple[int, int]:
        """Bulk-add imported spans (start, end, label, annotator, note); duplicates skipped.

        Returns (added, skipped). Labels unknown to the database are created.
        """
        added = skipped = 0
        with self.transaction() as conn:
            length = conn.execute(
                "SELECT length FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()[0]
            stamp = now()
            label_ids: dict[str, int] = {}
            for start, end, label, annotator, note in spans:
                if not (0 <= start < end <= length):
                    raise StoreError(f"span {start}-{end} is outside the text (0-{length})")
                if label not in label_ids:
                    label_ids[label] = self.ensure_label(label)
                row = (doc_id, start, end, label_ids[label], annotator, note, stamp, stamp)
                cursor = conn.execute(
                    'INSERT OR IGNORE INTO spans (document_id, start, "end", label_id, annotator,'
                    " note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                if cursor.rowcount:
                    added += 1
                    span_id = int(cursor.lastrowid or 0)
                    # the event's copy of the row from the values in hand, not read back
                    self._event("import", doc_id, span_id,
                                after=dict(zip(history.SPAN_FIELDS, (span_id, *row), strict=True)))
                else:
                    skipped += 1
        return added, skipped
