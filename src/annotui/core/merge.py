"""Merging other annotators' databases into this one (``annotui merge OTHER.db``).

Each OTHER.db is first copied with SQLite's backup API into a temporary file: a
consistent snapshot of what was committed there, safe while another annotui has it open
(even mid-transaction, or in WAL mode with frames not yet checkpointed), and the one
place an older schema may be migrated, so OTHER.db itself is never written to. Then
everything is merged in ONE write transaction on the target: a kill or an error half-way
leaves the target exactly as it was.

The rules (the README's "Merging" section says the same):

* Documents are matched by the SHA-256 of their text. New ones are appended in the other
  database's order; a new document whose key is taken here by another text gets a
  ``-2`` (``-3``...) suffix, and the summary says so. A matched document keeps our key,
  title and meta.
* Labels are matched by name. A missing one is added with its colour, description and
  key; if that key is taken here it gets the first free key (as when a labels.toml is
  loaded). The same name with another key, colour or description: ours is kept, and the
  difference is reported.
* Spans keep their annotator and timestamps; one already here (same document, start, end,
  label and annotator) is skipped. If the two copies' notes differ, the newer copy's note
  wins (``updated_at``; a tie keeps ours).
* Statuses are per document and annotator; when both sides have one, the newer
  ``updated_at`` wins (a tie keeps ours).
* Events come in as ``merged`` events: the original action, its before/after state (ids
  translated to this database) and a fingerprint of the original event, so a second merge,
  or the same events reaching here by another way (A into B, B into C, A into C), adds
  nothing twice. Undo never replays a ``merged`` event: undo reverses what was done in
  this database, so nobody's undo stack changes by merging (yours included, when your own
  work comes in from another machine).
* An overwritten note or status, and each merge that changed anything, are logged as a
  ``merge`` event by the person merging, so the value that lost stays in the log.
* Merge adds and never deletes: a span deleted or relabelled in OTHER.db after an earlier
  merge stays here in its old version too.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from annotui.core import schema
from annotui.core.schema import StoreError

if TYPE_CHECKING:
    from annotui.core.store import Store

MERGED = "merged"  # a copy of another database's event; never replayed by undo
MERGE = "merge"    # a change made by merging here (a summary, an overwritten value)


@dataclass(slots=True)
class AnnotatorCounts:
    spans_added: int = 0
    spans_skipped: int = 0       # already here
    statuses_added: int = 0
    statuses_updated: int = 0    # theirs was newer
    statuses_kept: int = 0       # ours was newer (or as new): a conflict, reported


@dataclass(slots=True)
class MergeReport:
    """What one OTHER.db brought in (or would have, in a dry run)."""

    source: str
    documents_new: int = 0
    documents_matched: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)  # their key, key here
    other_key: int = 0           # matched documents that are called differently there
    labels_added: list[tuple[str, str | None, str | None]] = field(
        default_factory=list)    # name, key there, key here
    label_conflicts: list[tuple[str, str, Any, Any]] = field(
        default_factory=list)    # name, what, ours (kept), theirs
    notes_updated: int = 0       # theirs was newer
    notes_kept: int = 0          # ours was newer
    events_added: int = 0
    events_skipped: int = 0
    # of events_added, the other side's own merge summaries: bookkeeping, not news, or two
    # databases merged into each other in turn would log a new summary every round
    summaries_added: int = 0
    annotators: dict[str, AnnotatorCounts] = field(default_factory=dict)

    def who(self, name: str) -> AnnotatorCounts:
        return self.annotators.setdefault(name, AnnotatorCounts())

    @property
    def changed(self) -> bool:
        return bool(self.documents_new or self.labels_added
                    or self.events_added > self.summaries_added or self.notes_updated or any(
                        c.spans_added or c.statuses_added or c.statuses_updated
                        for c in self.annotators.values()))


@dataclass(slots=True)
class Source:
    """One OTHER.db (its path) and a connection to its checked temporary copy."""

    path: Path
    conn: sqlite3.Connection


class _DryRun(Exception):
    def __init__(self, reports: list[MergeReport]) -> None:
        self.reports = reports


def merge(store: Store, paths: Sequence[Path | str], *, dry_run: bool = False,
          progress: Callable[[str, str], None] | None = None) -> list[MergeReport]:
    """Merge every database of ``paths`` into ``store``, all of them in one transaction.

    Every path is copied and checked first, so a missing file, another application's
    database or a newer schema refuses the whole merge before anything changes. With
    ``dry_run`` the merge is done and rolled back: the reports say what it would bring.
    ``progress(source, phase)`` is called as each phase begins.
    """
    with snapshots(paths, store.path) as sources:
        return merge_sources(store, sources, dry_run=dry_run, progress=progress)


def merge_sources(store: Store, sources: Sequence[Source], *, dry_run: bool = False,
                  progress: Callable[[str, str], None] | None = None) -> list[MergeReport]:
    """:func:`merge` of snapshots already taken (the CLI checks them all before it opens,
    or creates, the target)."""
    try:
        with store.transaction():
            reports = [_Merger(store, source, progress).run() for source in sources]
            if dry_run:
                raise _DryRun(reports)  # rolls the transaction back
    except _DryRun as done:
        reports = done.reports
    return reports


@contextmanager
def snapshots(paths: Sequence[Path | str], target: Path) -> Iterator[list[Source]]:
    """Backup-API copies of ``paths`` in a temporary folder, checked and migrated."""
    with tempfile.TemporaryDirectory(prefix="annotui-merge-") as folder:
        sources: list[Source] = []
        try:
            for n, path in enumerate(paths):
                copy = Path(folder) / f"{n}.db"
                sources.append(Source(Path(path), _snapshot(Path(path), copy, target)))
            yield sources
        finally:
            for source in sources:
                source.conn.close()


def _snapshot(path: Path, copy: Path, target: Path) -> sqlite3.Connection:
    if not path.exists():
        raise StoreError(f"{path}: no such file")
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if target.exists() and os.path.samefile(path, target):
        raise StoreError(f"{path}: that is the database being merged into")
    # mode=ro: reading another annotator's file never writes to it
    try:
        source = sqlite3.connect(f"file:{quote(path.as_posix())}?mode=ro", uri=True,
                                 timeout=10.0)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    try:
        schema._check_identity(source, path)  # another application's file, a newer schema
        if source.execute("PRAGMA user_version").fetchone()[0] == 0:
            raise StoreError(f"{path}: not an annotui database (it is empty)")
        destination = sqlite3.connect(copy)
        try:
            # pages=-1: one step, so the copy is one consistent snapshot
            source.backup(destination, pages=-1)
        finally:
            destination.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read it ({exc})") from None
    finally:
        source.close()
    # an older schema is migrated here, on the copy, never in OTHER.db
    conn = schema.connect(copy)
    bad = conn.execute('SELECT count(*) FROM spans JOIN documents ON documents.id ='
                       ' spans.document_id WHERE spans."end" > documents.length').fetchone()[0]
    if bad:
        conn.close()
        raise StoreError(f"{path}: damaged ({bad} spans reach past their document's end);"
                         f" `annotui info --check --db {path}` says more")
    return conn


def fingerprint(conn: sqlite3.Connection, row: tuple[Any, ...]) -> str:
    """Who, when, what and where of an event as it was written in its own database:
    its rows never change (the log is append-only), so this names it everywhere."""
    event_id, ts, annotator, action, doc_id, span_id, before, after, ref = row
    digest = None
    if doc_id is not None:
        found = conn.execute("SELECT sha256 FROM documents WHERE id = ?", (doc_id,)).fetchone()
        digest = found[0] if found else None
    data = [event_id, ts, annotator, action, digest, span_id, before, after, ref]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


EVENT_COLUMNS = "id, ts, annotator, action, document_id, span_id, before, after, ref"


class _Merger:
    """One OTHER.db into the store, inside the caller's transaction."""

    def __init__(self, store: Store, source: Source,
                 progress: Callable[[str, str], None] | None) -> None:
        self.store, self.conn, self.other = store, store.conn, source.conn
        self.report = MergeReport(source.path.name)
        self.progress = progress
        # their id -> our id
        self.docs: dict[int, int] = {}
        self.labels: dict[int, int] = {}
        self.spans: dict[int, int] = {}
        self.events: dict[int, int] = {}

    def _phase(self, name: str) -> None:
        if self.progress:
            self.progress(self.report.source, name)

    def run(self) -> MergeReport:
        for phase in (self._labels, self._documents, self._spans, self._statuses,
                      self._events):
            self._phase(phase.__name__.strip("_"))
            phase()
        report = self.report
        if report.changed:
            self.store._event(MERGE, None, after={
                "from": report.source, "documents": report.documents_new,
                "spans": sum(c.spans_added for c in report.annotators.values()),
                "events": report.events_added,
                "labels": [name for name, _, _ in report.labels_added]})
        return report

    def _labels(self) -> None:
        for their_id, name, key, color, description in self.other.execute(
                "SELECT id, name, key, color, description FROM labels ORDER BY position, id"):
            ours = self.conn.execute("SELECT id, key, color, description FROM labels"
                                     " WHERE name = ?", (name,)).fetchone()
            if ours is None:
                free = key is not None and not self.conn.execute(
                    "SELECT 1 FROM labels WHERE key = ?", (key,)).fetchone()
                # key None: add_label gives the first free key, as loading labels.toml does
                label = self.store.add_label(name, key=key if free else None, color=color,
                                             description=description)
                self.labels[their_id] = label.id
                self.report.labels_added.append((name, key, label.key))
                continue
            self.labels[their_id] = ours[0]
            for what, mine, theirs in (("key", ours[1], key),
                                       ("colour", ours[2].lower(), color.lower()),
                                       ("description", ours[3], description)):
                if mine != theirs:
                    self.report.label_conflicts.append((name, what, mine, theirs))

    def _documents(self) -> None:
        conn, report = self.conn, self.report
        position = conn.execute("SELECT coalesce(max(position), 0) FROM documents").fetchone()[0]
        for their_id, key, digest in self.other.execute(
                "SELECT id, key, sha256 FROM documents ORDER BY position, id"):
            ours = conn.execute("SELECT id, key FROM documents WHERE sha256 = ?",
                                (digest,)).fetchone()
            if ours is not None:
                self.docs[their_id] = ours[0]
                report.documents_matched += 1
                report.other_key += ours[1] != key
                continue
            row = self.other.execute(
                "SELECT title, text, length, source, meta, created_at FROM documents"
                " WHERE id = ?", (their_id,)).fetchone()
            here, n = key, 1
            while conn.execute("SELECT 1 FROM documents WHERE key = ?", (here,)).fetchone():
                n += 1
                here = f"{key}-{n}"
            if here != key:
                report.renamed.append((key, here))
            position += 1
            cursor = conn.execute(
                "INSERT INTO documents (key, title, text, length, source, sha256, meta,"
                " position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (here, row[0], row[1], row[2], row[3], digest, row[4], position, row[5]))
            self.docs[their_id] = int(cursor.lastrowid or 0)
            report.documents_new += 1

    def _spans(self) -> None:
        conn = self.conn
        for their_id, doc, start, end, label, who, note, created, updated in self.other.execute(
                'SELECT id, document_id, start, "end", label_id, annotator, note, created_at,'
                " updated_at FROM spans ORDER BY id"):
            key = (self.docs[doc], start, end, self.labels[label], who)
            cursor = conn.execute(
                'INSERT OR IGNORE INTO spans (document_id, start, "end", label_id, annotator,'
                " note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, note, created, updated))
            counts = self.report.who(who)
            if cursor.rowcount:
                self.spans[their_id] = int(cursor.lastrowid or 0)
                counts.spans_added += 1
                continue
            counts.spans_skipped += 1
            span_id, our_note, our_updated = conn.execute(
                'SELECT id, note, updated_at FROM spans WHERE document_id = ? AND start = ?'
                ' AND "end" = ? AND label_id = ? AND annotator = ?', key).fetchone()
            self.spans[their_id] = span_id
            if note == our_note:
                continue
            if updated > our_updated:
                conn.execute("UPDATE spans SET note = ?, updated_at = ? WHERE id = ?",
                             (note, updated, span_id))
                self.store._event(MERGE, key[0], span_id, before={"note": our_note},
                                  after={"note": note, "from": self.report.source})
                self.report.notes_updated += 1
            else:
                self.report.notes_kept += 1

    def _statuses(self) -> None:
        conn = self.conn
        for doc, who, status, updated in self.other.execute(
                "SELECT document_id, annotator, status, updated_at FROM statuses"
                " ORDER BY document_id, annotator"):
            doc_id, counts = self.docs[doc], self.report.who(who)
            ours = conn.execute("SELECT status, updated_at FROM statuses WHERE document_id"
                                " = ? AND annotator = ?", (doc_id, who)).fetchone()
            if ours is not None and ours[0] == status:
                continue
            if ours is not None and updated <= ours[1]:
                counts.statuses_kept += 1
                continue
            conn.execute(
                "INSERT INTO statuses (document_id, annotator, status, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (document_id, annotator) DO UPDATE SET"
                " status = excluded.status, updated_at = excluded.updated_at",
                (doc_id, who, status, updated))
            if ours is None:
                counts.statuses_added += 1
            else:
                counts.statuses_updated += 1
                self.store._event(MERGE, doc_id, before={"annotator": who, "status": ours[0]},
                                  after={"annotator": who, "status": status,
                                         "from": self.report.source})

    def _translate(self, state: Any) -> Any:
        """Their ids in a before/after state -> ours (None where there is no such row).
        Recursive: a span row may sit inside a list (``{"spans": [row, ...]}``)."""
        if isinstance(state, list):
            return [self._translate(item) for item in state]
        if not isinstance(state, dict):
            return state
        state = {name: self._translate(value) for name, value in state.items()}
        if "document_id" in state:  # a span row
            state["document_id"] = self.docs.get(state["document_id"])
            if "id" in state:
                state["id"] = self.spans.get(state["id"])
        if "label_id" in state:
            state["label_id"] = self.labels.get(state["label_id"])
        return state

    def _seen(self, origin: str, event_id: int, ts: str) -> int | None:
        """Our event that is this one, if any: a merged copy, or our own original (an
        event that went from here to OTHER.db, or a database copied before it diverged)."""
        row = self.conn.execute("SELECT event_id FROM temp.merge_seen WHERE origin = ?",
                                (origin,)).fetchone()
        if row:
            return int(row[0])
        mine = self.conn.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ? AND ts = ?"
                                 " AND action != ?", (event_id, ts, MERGED)).fetchone()
        if mine and fingerprint(self.conn, mine) == origin:
            return int(mine[0])
        return None

    def _events(self) -> None:
        conn, report = self.conn, self.report
        # the fingerprints of the merged events here, in a temporary table (not a dict:
        # memory stays flat however long the log is); part of this transaction
        conn.execute("CREATE TEMP TABLE merge_seen"
                     " (origin TEXT PRIMARY KEY, event_id INTEGER NOT NULL)")
        conn.execute("INSERT OR IGNORE INTO temp.merge_seen SELECT"
                     " json_extract(after, '$.origin'), id FROM events WHERE action = ?",
                     (MERGED,))
        # only the events an undo or redo names need their new id remembered
        referenced = {r for (r,) in self.other.execute(
            "SELECT DISTINCT ref FROM events WHERE ref IS NOT NULL")}
        for row in self.other.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id"):
            event_id, ts, annotator, action, doc, span, before, after, ref = row
            if action == MERGED:  # already a copy: it keeps the origin it was given
                envelope = json.loads(after)
            else:
                envelope = {"origin": fingerprint(self.other, row), "event": event_id,
                            "from": report.source, "action": action,
                            "before": json.loads(before) if before else None,
                            "after": json.loads(after) if after else None}
            ours = self._seen(envelope["origin"], envelope["event"], ts)
            if ours is None:
                envelope["before"] = self._translate(envelope["before"])
                envelope["after"] = self._translate(envelope["after"])
                cursor = conn.execute(
                    "INSERT INTO events (ts, annotator, document_id, span_id, action, after,"
                    " ref) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (ts, annotator, None if doc is None else self.docs.get(doc),
                     None if span is None else self.spans.get(span), MERGED,
                     json.dumps(envelope, ensure_ascii=False),
                     None if ref is None else self.events.get(ref)))
                ours = int(cursor.lastrowid or 0)
                conn.execute("INSERT OR IGNORE INTO temp.merge_seen VALUES (?, ?)",
                             (envelope["origin"], ours))
                report.events_added += 1
                if envelope.get("action") == MERGE and doc is None:
                    report.summaries_added += 1
            else:
                report.events_skipped += 1
            if event_id in referenced:
                self.events[event_id] = ours
        conn.execute("DROP TABLE temp.merge_seen")
