"""The documents: stored once each (by the sha256 of their text), never changed after,
in corpus order (``position``); where one is in the corpus, and its neighbours."""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from annotui.core.history import now
from annotui.core.model import Document, DocumentInfo
from annotui.core.schema import StoreError


def sha256(text: str) -> str:
    import hashlib  # here: only adding documents needs it, not opening the reader

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentsMixin:
    conn: sqlite3.Connection
    annotator: str
    _places: dict[int, tuple[int, int]]  # document id -> (length, position): see _place

    if TYPE_CHECKING:  # the Store's own
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _event(self, action: str, document_id: int | None, span_id: int | None = None,
                   before: dict[str, Any] | None = None,
                   after: dict[str, Any] | None = None, ref: int | None = None) -> int: ...

    def add_document(
        self,
        text: str,
        *,
        title: str | None = None,
        key: str | None = None,
        source: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> tuple[int, bool]:
        """Store a text once: returns (id, created). The same text is never stored twice."""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise StoreError(f"the text has an unpaired surrogate at position {exc.start};"
                             " it cannot be stored") from None
        digest = sha256(text)
        found = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (digest,))
        row = found.fetchone()
        if row:
            return row[0], False
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM documents WHERE sha256 = ?", (digest,)).fetchone()
            if row:
                return row[0], False
            key = self._free_key(key or digest[:12])
            if title is None:
                first = text.strip().split("\n", 1)[0].strip()
                title = first[:80] or key
            position = conn.execute(
                "SELECT coalesce(max(position), 0) + 1 FROM documents"
            ).fetchone()[0]
            cursor = conn.execute(
                "INSERT INTO documents (key, title, text, length, source, sha256, meta,"
                " position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, title, text, len(text), source, digest,
                 json.dumps(meta or {}, ensure_ascii=False), position, now()),
            )
            doc_id = int(cursor.lastrowid or 0)
            self._event("import", doc_id, after={"key": key, "sha256": digest})
        return doc_id, True

    def _free_key(self, key: str) -> str:
        candidate, n = key, 1
        while self.conn.execute("SELECT 1 FROM documents WHERE key = ?", (candidate,)).fetchone():
            n += 1
            candidate = f"{key}-{n}"
        return candidate

    def document(self, doc_id: int) -> Document:
        row = self.conn.execute(
            "SELECT id, key, title, text, source, sha256, meta FROM documents WHERE id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise StoreError(f"no document with id {doc_id}")
        return Document(*row[:6], meta=json.loads(row[6] or "{}"))

    def document_by_key(self, key: str) -> Document | None:
        row = self.conn.execute("SELECT id FROM documents WHERE key = ?", (key,)).fetchone()
        return self.document(row[0]) if row else None

    def document_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM documents ORDER BY position")]

    def first_document(self) -> int | None:
        """The first document in corpus order; None in an empty corpus. One index read,
        where ``document_ids()`` reads them all (45 ms at 100,000, at every start)."""
        row = self.conn.execute("SELECT id FROM documents ORDER BY position LIMIT 1").fetchone()
        return row[0] if row else None

    def has_document(self, doc_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE id = ?",
                                 (doc_id,)).fetchone() is not None

    def progress(self, doc_id: int) -> tuple[int, int, int]:
        """(place of this document, documents, done by me): three index lookups, so the
        header costs the same in a corpus of ten documents or of 100,000."""
        one = self.conn.execute
        place = one("SELECT count(*) FROM documents WHERE position <= ?",
                    (self._place(doc_id)[1],)).fetchone()[0]
        total = one("SELECT count(*) FROM documents").fetchone()[0]
        done = one("SELECT count(*) FROM statuses WHERE annotator = ? AND status = 'done'",
                   (self.annotator,)).fetchone()[0]
        return place, total, done

    def neighbour(self, doc_id: int, step: int, *, todo: bool = False) -> int | None:
        """The next (step 1) or previous (-1) document in corpus order; with ``todo``, the
        next one I have not marked done or skipped, wrapping round. None: there is none."""
        try:
            here = self._place(doc_id)[1:]
        except StoreError:
            return None
        sign, order = (">", "ASC") if step > 0 else ("<", "DESC")
        pending = ("AND NOT EXISTS (SELECT 1 FROM statuses s WHERE s.document_id = d.id"
                   " AND s.annotator = :who AND s.status != 'todo')") if todo else ""
        query = (f"SELECT id FROM documents d WHERE position {sign} :at {pending}"
                 f" ORDER BY position {order} LIMIT 1")
        row = self.conn.execute(query, {"at": here[0], "who": self.annotator}).fetchone()
        if row is None and todo:  # wrap round to the start
            row = self.conn.execute(query, {"at": -1 if step > 0 else 2**62,
                                            "who": self.annotator}).fetchone()
            if row is not None and row[0] == doc_id:
                row = None
        return row[0] if row else None

    def documents(self, annotator: str | None = None, *,
                  count_spans: bool = True) -> list[DocumentInfo]:
        """Every document in corpus order, with this annotator's status and span count
        (None without ``count_spans``: a search of the spans per document, a third of
        the listing's time, for a number the document picker does not show)."""
        who = annotator or self.annotator
        spans = ("(SELECT count(*) FROM spans WHERE document_id = d.id AND annotator = :who)"
                 if count_spans else "NULL")
        rows = self.conn.execute(
            f"""
            SELECT d.id, d.key, d.title, d.length, coalesce(s.status, 'todo'), {spans},
                   d.position
            FROM documents d
            LEFT JOIN statuses s ON s.document_id = d.id AND s.annotator = :who
            ORDER BY d.position
            """,
            {"who": who},
        )
        return [DocumentInfo(*row) for row in rows]

    def label_counts(self, doc_id: int | None = None,
                     annotator: str | None = None) -> dict[int, dict[str, int]]:
        """{document: {label: spans}} of an annotator's spans: of one document (the picker
        asks for the rows on screen), or of every document (for its has:LABEL filter, a
        scan of every span)."""
        where, params = "spans.annotator = ?", [annotator or self.annotator]
        if doc_id is not None:
            where, params = f"spans.document_id = ? AND {where}", [doc_id, *params]
        counts: dict[int, dict[str, int]] = {}
        for doc, label, n in self.conn.execute(
                "SELECT spans.document_id, labels.name, count(*) FROM spans"
                f" JOIN labels ON labels.id = spans.label_id WHERE {where} GROUP BY 1, 2",
                params):
            counts.setdefault(doc, {})[label] = n
        return counts

    def _place(self, doc_id: int) -> tuple[int, int]:
        """A document's (length, position), read once: a document never changes once
        stored, and both columns sit after its text in the row, so SQLite reads them by
        walking the text's overflow pages (2.7 ms for a 10 MB text, on every label)."""
        place = self._places.get(doc_id)
        if place is None:
            row = self.conn.execute("SELECT length, position FROM documents WHERE id = ?",
                                    (doc_id,)).fetchone()
            if row is None:
                raise StoreError(f"no document with id {doc_id}")
            place = self._places[doc_id] = (row[0], row[1])
        return place
