"""The store's corpus-wide side: reading documents for export and reports, checking the
file, and bulk-adding imported documents, spans and statuses. A mixin of :class:`Store`.

Imports write set-wise: ``executemany`` for the rows, and the ``import`` events built by
SQLite from the rows just written (``INSERT ... SELECT``), so a batch costs a constant
number of statements rather than a few per span.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotui.core import history
from annotui.core.history import now
from annotui.core.model import STATUSES, Document
from annotui.core.schema import StoreError

if TYPE_CHECKING:
    from annotui.core.formats import Record

# An imported span's event holds its row (history.SPAN_FIELDS), as JSON built by SQLite:
# the same values as Store._event would write, without json.dumps' spaces
_SPAN_AFTER = "json_object({})".format(
    ", ".join(f"'{name}', \"{name}\"" for name in history.SPAN_FIELDS))


@dataclass(slots=True)
class Imported:
    """What :meth:`CorpusMixin.import_records` stored."""

    documents: list[tuple[int, bool]] = field(default_factory=list)  # (id, created) a record
    renamed: list[tuple[int | None, str, str]] = field(default_factory=list)  # line, asked, got
    spans_added: int = 0
    spans_skipped: int = 0
    statuses: int = 0


class CorpusMixin:
    conn: sqlite3.Connection

    if TYPE_CHECKING:  # provided by Store and LabelsMixin; declared for the type checker
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _event(self, action: str, document_id: int | None, span_id: int | None = None,
                   before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                   ref: int | None = None) -> int: ...
        def ensure_label(self, name: str) -> int: ...
        def add_document(self, text: str, *, title: str | None = None, key: str | None = None,
                         source: str | None = None, meta: dict[str, Any] | None = None
                         ) -> tuple[int, bool]: ...

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
        } | {"annotators": one("SELECT count(DISTINCT annotator) FROM spans").fetchone()[0],
             "suggestions": one("SELECT count(*) FROM suggestions WHERE status = 'open'"
                                ).fetchone()[0]}

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

        Returns (added, skipped). Labels unknown to the database are created first (each
        with its ``label-add`` event), then the spans are written in one statement.
        """
        spans = list(spans)
        with self.transaction() as conn:
            length = conn.execute(
                "SELECT length FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()[0]
            for start, end, *_ in spans:
                if not (0 <= start < end <= length):
                    raise StoreError(f"span {start}-{end} is outside the text (0-{length})")
            label_ids = self._label_ids(span[2] for span in spans)
            stamp = now()
            added = self._add_span_rows([
                (doc_id, start, end, label_ids[label], annotator, note, stamp, stamp)
                for start, end, label, annotator, note in spans], stamp)
        return added, len(spans) - added

    def import_records(self, records: Sequence[Record], annotator: str) -> Imported:
        """Store a batch of imported records set-wise, inside the caller's transaction.

        The same outcome as adding each record's document, spans and status one by one
        (one document per text, keys made unique, duplicate spans skipped, unknown labels
        created, an ``import`` event per document and per span), in a few statements per
        batch instead of a few per span (see ``_import_batch.write_batch``). Raises on
        anything a record could be refused for; the caller then rolls back and stores the
        batch record by record, to name the culprit and keep the rest.
        """
        from annotui.core._import_batch import write_batch

        return write_batch(self, records, annotator)  # type: ignore[arg-type]

    def import_record(self, record: Record, annotator: str, done: Imported) -> None:
        """Store one imported record and add it to ``done`` (only once all of it is
        stored): the slow path of :meth:`import_records`, to find which record a batch
        fails on."""
        doc_id, created = self.add_document(record.text, title=record.title, key=record.key,
                                            source=record.source, meta=record.meta)
        stored = record.key
        if created and record.key is not None:
            stored = self.conn.execute("SELECT key FROM documents WHERE id = ?",
                                       (doc_id,)).fetchone()[0]
        who = record.annotator or annotator
        added = skipped = 0
        if record.spans:
            added, skipped = self.insert_spans(doc_id, [
                (s.start, s.end, s.label, s.annotator or who, s.note) for s in record.spans])
        statuses = self.import_record_status(doc_id, record, annotator)
        if stored != record.key:
            # joins on the id downstream would silently go wrong: say it
            done.renamed.append((record.line, record.key or "", stored or ""))
        done.documents.append((doc_id, created))
        done.spans_added += added
        done.spans_skipped += skipped
        done.statuses += statuses

    def import_record_status(self, doc_id: int, record: Record, annotator: str) -> int:
        """Record an imported record's status if it says something; 1 if it was written."""
        # a record without annotator saying "todo" says nothing; with one, it says that
        # annotator has seen the document (export writes such records back the same way)
        if record.status is None or not (record.annotator or record.status != "todo"):
            return 0
        who = record.annotator or annotator
        row = self.conn.execute(
            "SELECT status FROM statuses WHERE document_id = ? AND annotator = ?",
            (doc_id, who)).fetchone()
        # "todo" never overwrites work already marked done or skipped
        if row is None or (row[0] != record.status and record.status != "todo"):
            self.import_status(doc_id, who, record.status)
            return 1
        return 0

    def _unused_key(self, key: str, taken: set[str]) -> str:
        """``key``, or ``key-2``, ``key-3``... whichever is used neither in the database
        nor in ``taken`` (the batch so far); as Store.add_document names a document."""
        candidate, n = key, 1
        while candidate in taken or (n > 1 and self.conn.execute(
                "SELECT 1 FROM documents WHERE key = ?", (candidate,)).fetchone()):
            n += 1
            candidate = f"{key}-{n}"
        return candidate

    def _label_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Label name -> id for ``names``; the unknown ones are created, in order of first
        appearance (so they get the free keys in the order a file uses them)."""
        ids: dict[str, int] = dict(self.conn.execute("SELECT name, id FROM labels"))
        for name in names:
            if name not in ids:
                ids[name] = self.ensure_label(name)
        return ids

    def _add_span_rows(self, rows: list[tuple[Any, ...]], stamp: str) -> int:
        """INSERT OR IGNORE span rows (document_id, start, end, label_id, annotator, note,
        created_at, updated_at) and an ``import`` event for each one added; returns how
        many were added. Call inside a transaction."""
        conn = self.conn
        # AUTOINCREMENT and the write lock: every span added here gets an id above this
        last = conn.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0]
        conn.executemany(
            'INSERT OR IGNORE INTO spans (document_id, start, "end", label_id, annotator,'
            " note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        cursor = conn.execute(
            "INSERT INTO events (ts, annotator, document_id, span_id, action, after)"
            f" SELECT ?, ?, document_id, id, 'import', {_SPAN_AFTER}"
            " FROM spans WHERE id > ? ORDER BY id", (stamp, self.annotator, last))
        return int(cursor.rowcount)
