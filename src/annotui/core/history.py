"""Undo and redo, read back from the append-only ``events`` log.

Replaying one annotator's events on one document in order rebuilds both stacks: a change
pushes onto the undo stack and clears the redo stack; an ``undo`` event moves its target
onto the redo stack; a ``redo`` event moves it back. Nothing is kept in memory, so the
stacks are the same after a restart, in another process, or on another machine after a
merge.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any, NamedTuple

from annotui.core.schema import StoreError

UNDOABLE = frozenset({"add", "add_many", "delete", "relabel", "move", "note", "status",
                      "accept", "reject"})
SPAN_FIELDS = ("id", "document_id", "start", "end", "label_id", "annotator", "note",
               "created_at", "updated_at")


class Event(NamedTuple):
    id: int
    action: str
    document_id: int
    span_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class Change(NamedTuple):
    """What an undo or redo did, so the screen can move to it and say so."""

    action: str          # the original action: add, add_many, delete, relabel, ...
    undone: bool         # True for an undo, False for a redo
    document_id: int
    span_id: int | None
    start: int | None    # where the affected span is (or was), for the cursor
    count: int = 1       # how many spans or suggestions it touched

    def describe(self) -> str:
        plural = "s" if self.count != 1 else ""
        verb = {"add": "label", "add_many": "accepting spans", "delete": "deletion",
                "relabel": "relabel", "move": "move", "note": "note",
                "status": "status change",
                "accept": f"accepting {self.count} suggestion{plural}",
                "reject": f"rejecting {self.count} suggestion{plural}"}[self.action]
        return f"{'undid' if self.undone else 'redid'} {verb}"


def now() -> str:
    """The timestamp of every row and event: UTC, milliseconds, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Gone(StoreError):
    """The span (or the label) a logged change refers to no longer exists."""


def span_row(conn: sqlite3.Connection, span_id: int) -> dict[str, Any]:
    columns = ", ".join(f'"{c}"' for c in SPAN_FIELDS)
    row = conn.execute(f"SELECT {columns} FROM spans WHERE id = ?", (span_id,)).fetchone()
    if row is None:
        raise Gone(f"span {span_id} no longer exists")
    return dict(zip(SPAN_FIELDS, row, strict=True))


def update_span(conn: sqlite3.Connection, span_id: int, changes: dict[str, Any]) -> None:
    assignments = ", ".join(f'"{c}" = ?' for c in changes)
    conn.execute(f"UPDATE spans SET {assignments} WHERE id = ?", (*changes.values(), span_id))


def write_status(conn: sqlite3.Connection, doc_id: int, annotator: str, status: str,
                 stamp: str) -> None:
    conn.execute(
        "INSERT INTO statuses (document_id, annotator, status, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (document_id, annotator)"
        " DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
        (doc_id, annotator, status, stamp),
    )


def stacks(conn: sqlite3.Connection, doc_id: int, annotator: str
           ) -> tuple[list[Event], list[Event]]:
    """The undo and redo stacks of one annotator on one document, rebuilt from the log."""
    undo: list[Event] = []
    redo: list[Event] = []
    by_id: dict[int, Event] = {}
    rows = conn.execute(
        "SELECT id, action, document_id, span_id, before, after, ref FROM events"
        " WHERE document_id = ? AND annotator = ? ORDER BY id",
        (doc_id, annotator),
    )
    for event_id, action, document_id, span_id, before, after, ref in rows:
        if action in UNDOABLE:
            event = Event(event_id, action, document_id, span_id,
                          json.loads(before) if before else None,
                          json.loads(after) if after else None)
            by_id[event_id] = event
            undo.append(event)
            redo.clear()
        elif action == "undo" and undo and undo[-1].id == ref:
            redo.append(undo.pop())
        elif action == "redo" and redo and redo[-1].id == ref:
            undo.append(redo.pop())
    return undo, redo


def apply(conn: sqlite3.Connection, event: Event, *, reverse: bool, stamp: str) -> Change:
    """Reverse (undo) or re-apply (redo) one logged change."""
    if event.action in ("accept", "reject"):
        return _apply_decision(conn, event, reverse=reverse, stamp=stamp)
    removing = (event.action in ("add", "add_many")) == reverse
    if event.action == "add_many":  # several spans added in one step (review: accept all)
        assert event.after is not None
        rows = event.after["spans"]
        for row in rows:
            if removing:
                conn.execute("DELETE FROM spans WHERE id = ?", (row["id"],))
            else:
                _insert(conn, row)
        return Change(event.action, reverse, event.document_id, None,
                      rows[0]["start"] if rows else None)
    if event.action in ("add", "delete"):
        row = event.after if event.action == "add" else event.before
        assert row is not None
        if removing:
            conn.execute("DELETE FROM spans WHERE id = ?", (event.span_id,))
        else:
            _insert(conn, row)
        start = row["start"]
    elif event.action == "status":
        state = event.before if reverse else event.after
        assert state is not None
        write_status(conn, event.document_id, _annotator_of(conn, event), state["status"], stamp)
        start = None
    else:
        state = event.before if reverse else event.after
        assert state is not None and event.span_id is not None
        span_row(conn, event.span_id)  # raises Gone if it was purged with its label
        if "label_id" in state and not conn.execute(
                "SELECT 1 FROM labels WHERE id = ?", (state["label_id"],)).fetchone():
            raise Gone("its label was removed")
        update_span(conn, event.span_id, {**state, "updated_at": stamp})
        start = conn.execute("SELECT start FROM spans WHERE id = ?",
                             (event.span_id,)).fetchone()[0]
    return Change(event.action, reverse, event.document_id, event.span_id, start)


def _insert(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    if not conn.execute("SELECT 1 FROM labels WHERE id = ?", (row["label_id"],)).fetchone():
        raise Gone("its label was removed")
    columns = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO spans ({columns}) VALUES ({marks})", tuple(row.values()))


def _annotator_of(conn: sqlite3.Connection, event: Event) -> str:
    return conn.execute("SELECT annotator FROM events WHERE id = ?", (event.id,)).fetchone()[0]


# -- suggestions -----------------------------------------------------------------------
#
# Accepting or rejecting suggestions is one event, "accept" or "reject", whose ``after`` is
# ``{"suggestions": [item, ...]}`` (one item, or every one an "accept all" decided). An
# item is ``{"suggestion": id, "start", "end", "span": row or None, "existing": id or
# None}``: ``span`` is the span row an accept created, ``existing`` the span that was
# already there (then nothing is created, and undo deletes nothing). Undo deletes the
# created spans and puts the suggestions back to open; redo re-inserts the same span rows
# (same ids) and decides the suggestions again.


def set_suggestion(conn: sqlite3.Connection, suggestion_id: int, status: str,
                   span_id: int | None, stamp: str) -> bool:
    """Write a suggestion's decision; False if it no longer exists (purged with its label)."""
    cursor = conn.execute(
        "UPDATE suggestions SET status = ?, span_id = ?, updated_at = ? WHERE id = ?",
        (status, span_id, stamp, suggestion_id))
    return cursor.rowcount > 0


def _apply_decision(conn: sqlite3.Connection, event: Event, *, reverse: bool,
                    stamp: str) -> Change:
    assert event.after is not None
    items = event.after["suggestions"]
    touched = spans = 0
    for item in items:
        row = item.get("span")
        if reverse:
            if row is not None:
                spans += conn.execute("DELETE FROM spans WHERE id = ?", (row["id"],)).rowcount
            touched += set_suggestion(conn, item["suggestion"], "open", None, stamp)
            continue
        span_id = item.get("existing")
        if row is not None:
            _insert(conn, row)  # raises Gone if its label was removed meanwhile
            span_id = row["id"]
            spans += 1
        status = "accepted" if event.action == "accept" else "rejected"
        touched += set_suggestion(conn, item["suggestion"], status, span_id, stamp)
    # the spans are what matters: a suggestion withdrawn meanwhile (suggest --clear)
    # does not stop an accepted span coming back; only a change with nothing left is gone
    if items and not touched and not spans:
        raise Gone("its suggestions are no longer there (withdrawn, or removed with their"
                   " label)")
    first = items[0] if items else None
    span = first.get("span") if first else None
    return Change(event.action, reverse, event.document_id,
                  span["id"] if span and len(items) == 1 else None,
                  first["start"] if first else None, len(items))
