"""The store: every intent, its events row, validation, undo/redo, labels, documents,
positions, and two processes writing at once. Assertions read the database itself."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from annotui.core import store as store_module
from annotui.core.history import SPAN_FIELDS
from annotui.core.labels import PALETTE
from annotui.core.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"
WORKER = Path(__file__).with_name("store_worker.py")
TEXT = "The quick brown fox jumps over the lazy dog."


# -- helpers -----------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "annotui.db", annotator="alice") as s:
        assert s.load_labels(LABELS) == 3
        yield s


@pytest.fixture
def doc(store: Store) -> int:
    doc_id, created = store.add_document(TEXT, key="fox")
    assert created
    return doc_id


def other(store: Store, annotator: str) -> Store:
    """A second connection to the same file, as another annotator."""
    return Store(store.path, annotator=annotator)


def events(store: Store) -> list[dict[str, Any]]:
    cursor = store.conn.execute("SELECT * FROM events ORDER BY id")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor]
    for row in rows:
        for column in ("before", "after"):
            row[column] = None if row[column] is None else json.loads(row[column])
    return rows


def span_rows(store: Store) -> dict[int, dict[str, Any]]:
    columns = ", ".join(f'"{c}"' for c in SPAN_FIELDS)
    return {row[0]: dict(zip(SPAN_FIELDS, row, strict=True))
            for row in store.conn.execute(f"SELECT {columns} FROM spans ORDER BY id")}


def snapshot(store: Store, *, times: bool = True) -> dict[str, Any]:
    """Everything a change could touch; with times=False, updated_at is left out."""
    def table(sql: str) -> list[tuple[Any, ...]]:
        return store.conn.execute(sql).fetchall()

    spans = span_rows(store)
    if not times:
        spans = {k: {c: v for c, v in row.items() if c != "updated_at"}
                 for k, row in spans.items()}
    return {
        "spans": spans,
        # without times, no row and a 'todo' row mean the same: the status is todo
        "statuses": table("SELECT document_id, annotator, status, updated_at FROM statuses"
                          " ORDER BY 1, 2") if times else
        table("SELECT document_id, annotator, status FROM statuses WHERE status != 'todo'"
              " ORDER BY 1, 2"),
        "documents": table("SELECT * FROM documents ORDER BY id"),
        "labels": table("SELECT * FROM labels ORDER BY id"),
        "positions": table("SELECT * FROM positions ORDER BY 1, 2"),
    }


def everything(store: Store) -> dict[str, Any]:
    return {**snapshot(store), "events": events(store)}


def new_events(store: Store, since: int) -> list[dict[str, Any]]:
    return [e for e in events(store) if e["id"] > since]


def last_event_id(store: Store) -> int:
    return store.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]


def one_line(exc: pytest.ExceptionInfo[StoreError]) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    return message


def label_id(store: Store, name: str) -> int:
    return store.conn.execute("SELECT id FROM labels WHERE name = ?", (name,)).fetchone()[0]


# -- each intent writes its row and exactly one events row ------------------------------


def test_add_span_writes_the_row_and_one_event(store: Store, doc: int) -> None:
    mark = last_event_id(store)
    span = store.add_span(doc, 4, 9, "claim", note="a fox?")
    assert (span.start, span.end, span.label, span.annotator, span.note) == (
        4, 9, "claim", "alice", "a fox?")
    row = span_rows(store)[span.id]
    assert row["document_id"] == doc and row["label_id"] == label_id(store, "claim")
    assert (row["start"], row["end"], row["annotator"], row["note"]) == (4, 9, "alice", "a fox?")
    assert row["created_at"] and row["updated_at"]
    assert span == store.span(span.id)  # what add_span returns without reading it back
    [event] = new_events(store, mark)
    assert event["action"] == "add"
    assert (event["annotator"], event["document_id"], event["span_id"]) == ("alice", doc, span.id)
    assert event["before"] is None
    assert event["after"] == row
    assert event["ref"] is None and event["ts"]
    assert store.conn.execute("SELECT text FROM span_texts WHERE id = ?",
                              (span.id,)).fetchone()[0] == "quick"


def test_delete_span_removes_the_row_and_logs_all_of_it(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim", note="keep me")
    row = span_rows(store)[span.id]
    mark = last_event_id(store)
    deleted = store.delete_span(span.id)
    assert deleted == span
    assert span.id not in span_rows(store)
    [event] = new_events(store, mark)
    assert (event["action"], event["span_id"], event["document_id"]) == ("delete", span.id, doc)
    assert event["before"] == row  # every column: nothing deleted is unrecoverable
    assert set(event["before"]) == set(SPAN_FIELDS)
    assert event["after"] is None
    with pytest.raises(StoreError):
        store.span(span.id)


def test_relabel_span(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    mark = last_event_id(store)
    assert store.relabel_span(span.id, "invitation").label == "invitation"
    assert span_rows(store)[span.id]["label_id"] == label_id(store, "invitation")
    [event] = new_events(store, mark)
    assert event["action"] == "relabel" and event["span_id"] == span.id
    assert event["before"] == {"label_id": label_id(store, "claim")}
    assert event["after"] == {"label_id": label_id(store, "invitation")}


def test_move_span(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    mark = last_event_id(store)
    moved = store.move_span(span.id, 10, 19)
    assert (moved.id, moved.start, moved.end) == (span.id, 10, 19)
    row = span_rows(store)[span.id]
    assert (row["start"], row["end"]) == (10, 19)
    [event] = new_events(store, mark)
    assert event["action"] == "move"
    assert event["before"] == {"start": 4, "end": 9}
    assert event["after"] == {"start": 10, "end": 19}


def test_set_note(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    mark = last_event_id(store)
    store.set_note(span.id, "ünïcode 😀 note")
    assert span_rows(store)[span.id]["note"] == "ünïcode 😀 note"
    store.set_note(span.id, "")
    assert span_rows(store)[span.id]["note"] is None  # empty note = no note
    first, second = new_events(store, mark)
    assert first["action"] == second["action"] == "note"
    assert (first["before"], first["after"]) == ({"note": None}, {"note": "ünïcode 😀 note"})
    assert (second["before"], second["after"]) == ({"note": "ünïcode 😀 note"}, {"note": None})


def test_set_status(store: Store, doc: int) -> None:
    assert store.status(doc) == "todo"
    mark = last_event_id(store)
    store.set_status(doc, "done")
    rows = store.conn.execute("SELECT document_id, annotator, status FROM statuses").fetchall()
    assert rows == [(doc, "alice", "done")]
    [event] = new_events(store, mark)
    assert (event["action"], event["document_id"], event["span_id"]) == ("status", doc, None)
    assert (event["before"], event["after"]) == ({"status": "todo"}, {"status": "done"})
    store.set_status(doc, "skipped")
    assert store.status(doc) == "skipped"
    assert store.status(doc, "bob") == "todo"
    assert [e["after"] for e in new_events(store, mark)] == [
        {"status": "done"}, {"status": "skipped"}]


def test_changes_that_change_nothing_write_nothing(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim", note="n")
    store.set_status(doc, "done")
    before = everything(store)
    store.relabel_span(span.id, "claim")
    store.move_span(span.id, 4, 9)
    store.set_note(span.id, "n")
    store.set_status(doc, "done")
    assert everything(store) == before


INTENTS = {
    "add": lambda s, d, span: s.add_span(d, 0, 3, "claim"),
    "delete": lambda s, d, span: s.delete_span(span.id),
    "relabel": lambda s, d, span: s.relabel_span(span.id, "commitment"),
    "move": lambda s, d, span: s.move_span(span.id, 1, 2),
    "note": lambda s, d, span: s.set_note(span.id, "x"),
    "status": lambda s, d, span: s.set_status(d, "done"),
}


@pytest.mark.parametrize("intent", sorted(INTENTS))
def test_row_and_event_are_one_transaction(
        store: Store, doc: int, intent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing the event fails, the change itself is rolled back too."""
    span = store.add_span(doc, 4, 9, "claim")
    before = everything(store)

    def broken(*args: object, **kwargs: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_event", broken)
    with pytest.raises(StoreError) as exc:
        INTENTS[intent](store, doc, span)
    one_line(exc)
    assert not store.conn.in_transaction
    assert everything(store) == before


@pytest.mark.parametrize("intent", sorted(INTENTS))
def test_each_intent_is_committed_when_it_returns(store: Store, doc: int, intent: str) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    INTENTS[intent](store, doc, span)
    assert not store.conn.in_transaction
    with other(store, "reader") as reader:  # another connection sees it already
        assert everything(reader) == everything(store)


# -- validation -------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [
    (-1, 3), (3, 3), (5, 2), (0, len(TEXT) + 1), (len(TEXT), len(TEXT) + 1), (-5, -1)])
def test_add_span_outside_the_text_is_refused(store: Store, doc: int, start: int,
                                              end: int) -> None:
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.add_span(doc, start, end, "claim")
    one_line(exc)
    assert everything(store) == before


def test_add_span_edges_of_the_text_are_fine(store: Store, doc: int) -> None:
    store.add_span(doc, 0, 1, "claim")
    store.add_span(doc, 0, len(TEXT), "claim")
    store.add_span(doc, len(TEXT) - 1, len(TEXT), "claim")
    assert len(span_rows(store)) == 3


def test_offsets_are_code_points(store: Store) -> None:
    text = "👨‍👩‍👧 東京 e\u0301!"
    doc, _ = store.add_document(text)
    span = store.add_span(doc, 0, len(text), "claim")
    assert store.conn.execute("SELECT text FROM span_texts WHERE id = ?",
                              (span.id,)).fetchone()[0] == text
    with pytest.raises(StoreError):
        store.add_span(doc, 0, len(text) + 1, "claim")


def test_unknown_label_is_refused(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.add_span(doc, 0, 3, "nonsense")
    assert "nonsense" in one_line(exc) and "claim" in one_line(exc)
    with pytest.raises(StoreError):
        store.relabel_span(span.id, "nonsense")
    assert everything(store) == before


def test_unknown_document_span_and_status_are_refused(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    before = everything(store)
    for call in (lambda: store.add_span(doc + 100, 0, 1, "claim"),
                 lambda: store.delete_span(span.id + 100),
                 lambda: store.relabel_span(span.id + 100, "claim"),
                 lambda: store.move_span(span.id + 100, 0, 1),
                 lambda: store.set_note(span.id + 100, "x"),
                 lambda: store.set_status(doc, "finished"),
                 lambda: store.set_status(doc + 100, "done"),
                 lambda: store.document(doc + 100)):
        with pytest.raises(StoreError) as exc:
            call()
        one_line(exc)
    assert everything(store) == before


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (9, 4), (0, len(TEXT) + 1)])
def test_move_outside_the_text_is_refused(store: Store, doc: int, start: int, end: int
                                          ) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.move_span(span.id, start, end)
    one_line(exc)
    assert everything(store) == before


def test_duplicate_span_is_refused_but_another_annotator_may_add_it(
        store: Store, doc: int) -> None:
    store.add_span(doc, 4, 9, "claim")
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.add_span(doc, 4, 9, "claim")
    assert "already" in one_line(exc)
    assert everything(store) == before
    store.add_span(doc, 4, 9, "commitment")  # another label is another span
    with other(store, "bob") as bob:
        theirs = bob.add_span(doc, 4, 9, "claim")
        assert theirs.annotator == "bob"
        with pytest.raises(StoreError):
            bob.add_span(doc, 4, 9, "claim")
    rows = {(r["start"], r["end"], r["label_id"], r["annotator"])
            for r in span_rows(store).values()}
    assert rows == {(4, 9, label_id(store, "claim"), "alice"),
                    (4, 9, label_id(store, "commitment"), "alice"),
                    (4, 9, label_id(store, "claim"), "bob")}


def test_move_or_relabel_onto_a_duplicate_is_refused(store: Store, doc: int) -> None:
    store.add_span(doc, 4, 9, "claim")
    a = store.add_span(doc, 10, 15, "claim")
    b = store.add_span(doc, 4, 9, "commitment")
    before = everything(store)
    with pytest.raises(StoreError):
        store.move_span(a.id, 4, 9)
    with pytest.raises(StoreError):
        store.relabel_span(b.id, "claim")
    assert everything(store) == before


def test_text_with_nul_characters_keeps_code_point_offsets(store: Store) -> None:
    """SPEC §3: control characters are kept. SQLite's length()/substr() stop at NUL."""
    text = "before\x00after"
    doc, _ = store.add_document(text)
    assert store.documents()[-1].length == len(text) == 12
    span = store.add_span(doc, 7, 12, "claim")  # "after", past the NUL
    assert store.document(doc).text[span.start:span.end] == "after"
    # (the span_texts view uses SQLite's substr(), which stops at a NUL: a known limit of
    # that convenience view only; importers refuse NUL as binary anyway)


def test_text_that_cannot_be_stored_is_a_store_error(store: Store) -> None:
    """A lone surrogate (e.g. from a JSON "\\ud800" escape) cannot be UTF-8 encoded."""
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.add_document("broken \ud800 text")
    one_line(exc)
    assert everything(store) == before


# -- undo and redo ----------------------------------------------------------------


@pytest.mark.parametrize("intent", sorted(INTENTS))
def test_undo_and_redo_each_action_restore_the_exact_state(
        store: Store, doc: int, intent: str) -> None:
    span = store.add_span(doc, 4, 9, "claim", note="first")
    # updated_at records when a row was last touched, so it is compared only where a row
    # comes back whole (add and delete)
    exact = intent in ("add", "delete")
    state0 = snapshot(store, times=exact)
    INTENTS[intent](store, doc, span)
    state1 = snapshot(store, times=exact)
    assert state1 != state0
    mark = last_event_id(store)
    target = mark  # the intent's own event is the latest

    change = store.undo(doc)
    assert change is not None
    assert change.action == intent and change.undone
    assert change.document_id == doc
    assert change.describe().startswith("undid")
    assert snapshot(store, times=exact) == state0
    [event] = new_events(store, mark)
    assert (event["action"], event["ref"], event["annotator"]) == ("undo", target, "alice")

    mark = last_event_id(store)
    change = store.redo(doc)
    assert change is not None and change.action == intent and not change.undone
    assert change.describe().startswith("redid")
    assert snapshot(store, times=exact) == state1
    [event] = new_events(store, mark)
    assert (event["action"], event["ref"]) == ("redo", target)

    # and once more, back and forth
    store.undo(doc)
    assert snapshot(store, times=exact) == state0
    store.redo(doc)
    assert snapshot(store, times=exact) == state1


def test_undo_and_redo_on_an_empty_history_do_nothing(store: Store, doc: int) -> None:
    before = everything(store)
    assert store.undo(doc) is None
    assert store.redo(doc) is None
    assert everything(store) == before


def test_change_points_at_the_span(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    store.move_span(span.id, 10, 15)
    change = store.undo(doc)
    assert change is not None
    assert (change.action, change.span_id, change.start) == ("move", span.id, 4)
    store.delete_span(span.id)
    change = store.undo(doc)
    assert change is not None
    assert (change.action, change.span_id, change.start) == ("delete", span.id, 4)


def test_deleted_span_comes_back_with_the_same_id(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim", note="n")
    row = span_rows(store)[span.id]
    store.delete_span(span.id)
    newer = store.add_span(doc, 10, 15, "claim")
    assert newer.id != span.id  # ids are never reused
    store.undo(doc)  # the add of `newer`
    store.undo(doc)  # the delete
    assert span_rows(store) == {span.id: row}
    assert store.span(span.id) == span


def test_a_new_action_after_undo_clears_redo(store: Store, doc: int) -> None:
    a = store.add_span(doc, 0, 3, "claim")
    store.add_span(doc, 4, 9, "claim")
    store.undo(doc)
    c = store.add_span(doc, 10, 15, "claim")
    before = everything(store)
    assert store.redo(doc) is None
    assert everything(store) == before
    assert set(span_rows(store)) == {a.id, c.id}
    store.undo(doc)
    store.undo(doc)
    assert span_rows(store) == {}
    assert store.undo(doc) is None
    store.redo(doc)
    store.redo(doc)
    assert set(span_rows(store)) == {a.id, c.id}
    assert store.redo(doc) is None


def test_undo_is_per_annotator_and_per_document(store: Store, doc: int) -> None:
    doc2, _ = store.add_document("Another document, another story.")
    with other(store, "bob") as bob:
        a1 = store.add_span(doc, 0, 3, "claim")
        b1 = bob.add_span(doc, 0, 3, "claim")
        a2 = store.add_span(doc2, 0, 7, "claim")
        b2 = bob.add_span(doc, 4, 9, "claim")
        bob.set_status(doc, "done")

        change = store.undo(doc)
        assert change is not None and change.span_id == a1.id
        assert set(span_rows(store)) == {b1.id, a2.id, b2.id}
        assert store.undo(doc) is None  # bob's changes are not alice's to undo
        assert set(span_rows(store)) == {b1.id, a2.id, b2.id}
        assert bob.status(doc) == "done"

        assert bob.undo(doc) is not None  # status
        assert bob.status(doc) == "todo"
        assert bob.undo(doc) is not None  # b2
        assert set(span_rows(store)) == {b1.id, a2.id}
        assert bob.undo(doc2) is None

        assert store.redo(doc) is not None
        assert set(span_rows(store)) == {a1.id, b1.id, a2.id}
        assert bob.redo(doc) is not None
        assert set(span_rows(store)) == {a1.id, b1.id, a2.id, b2.id}
        assert store.undo(doc2) is not None
        assert set(span_rows(store)) == {a1.id, b1.id, b2.id}


def test_undo_and_redo_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path, annotator="alice") as s:
        s.load_labels(LABELS)
        doc, _ = s.add_document(TEXT)
        span = s.add_span(doc, 4, 9, "claim")
        s.relabel_span(span.id, "commitment")
        s.move_span(span.id, 10, 15)
        s.set_status(doc, "done")
        final = snapshot(s, times=False)
    with Store(path, annotator="alice") as s:
        assert s.undo(doc).action == "status"  # type: ignore[union-attr]
        assert s.undo(doc).action == "move"  # type: ignore[union-attr]
    with Store(path, annotator="alice") as s:
        assert s.span(span.id).start == 4
        assert s.undo(doc).action == "relabel"  # type: ignore[union-attr]
        assert s.undo(doc).action == "add"  # type: ignore[union-attr]
        assert s.undo(doc) is None
        assert span_rows(s) == {}
        assert s.status(doc) == "todo"
    with Store(path, annotator="alice") as s:
        while s.redo(doc):
            pass
        assert snapshot(s, times=False) == final


def test_undo_that_would_duplicate_is_refused_and_changes_nothing(
        store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    store.delete_span(span.id)
    # an import puts the same span back, outside alice's undo history
    assert store.insert_spans(doc, [(4, 9, "claim", "alice", None)]) == (1, 0)
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.undo(doc)  # would restore the deleted span next to its identical twin
    one_line(exc)
    assert everything(store) == before
    assert not store.conn.in_transaction


def test_redo_that_would_duplicate_is_refused_and_changes_nothing(
        store: Store, doc: int) -> None:
    store.add_span(doc, 4, 9, "claim")
    store.undo(doc)
    store.insert_spans(doc, [(4, 9, "claim", "alice", "imported")])
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.redo(doc)
    one_line(exc)
    assert everything(store) == before


# -- an in-memory model, driven by hypothesis ----------------------------------------

ANNOTATORS = ("alice", "bob")
MODEL_LABELS = ("claim", "commitment", "invitation")
MODEL_TEXTS = ("Ça va? 👍🏽 東京 ok", "e\u0301 combining x")
Spans = dict[int, tuple[int, int, str, str | None]]
State = tuple[tuple[tuple[int, tuple[int, int, str, str | None]], ...], str]


def freeze(spans: Spans, status: str) -> State:
    return tuple(sorted(spans.items())), status


class StoreMachine(RuleBasedStateMachine):
    """Random intents, undo, redo and restarts against a list of states per history."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="annotui-model-")
        self.path = Path(self.dir) / "model.db"
        self.stores: dict[str, Store] = {}
        self.open()
        setup = self.stores["alice"]
        setup.load_labels(LABELS)
        self.docs = [setup.add_document(text)[0] for text in MODEL_TEXTS]
        self.lengths = dict(zip(self.docs, map(len, MODEL_TEXTS), strict=True))
        # (annotator, doc) -> the states of that history, and which one is current
        self.states: dict[tuple[str, int], list[State]] = {
            (a, d): [freeze({}, "todo")] for a in ANNOTATORS for d in self.docs}
        self.cursor = {key: 0 for key in self.states}

    def open(self) -> None:
        for name in ANNOTATORS:
            self.stores[name] = Store(self.path, annotator=name)
            self.stores[name].conn.execute("PRAGMA synchronous = OFF")  # speed only

    def teardown(self) -> None:
        for s in self.stores.values():
            s.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def current(self, key: tuple[str, int]) -> tuple[Spans, str]:
        spans, status = self.states[key][self.cursor[key]]
        return dict(spans), status

    def push(self, key: tuple[str, int], spans: Spans, status: str) -> None:
        del self.states[key][self.cursor[key] + 1:]
        self.states[key].append(freeze(spans, status))
        self.cursor[key] += 1

    def pick(self, key: tuple[str, int], index: int) -> int | None:
        spans, _ = self.current(key)
        return sorted(spans)[index % len(spans)] if spans else None

    def valid(self, doc: int, start: int, end: int) -> bool:
        return 0 <= start < end <= self.lengths[doc]

    @staticmethod
    def duplicate(spans: Spans, start: int, end: int, label: str, skip: int | None = None
                  ) -> bool:
        return any((s, e, lab) == (start, end, label)
                   for i, (s, e, lab, _) in spans.items() if i != skip)

    def change(self, key: tuple[str, int], refused: bool, call: Any) -> Any:
        before = events(self.stores["alice"])
        if refused:
            with pytest.raises(StoreError):
                call()
            assert events(self.stores["alice"]) == before
            return None
        return call()

    # mostly one history (alice on the first document), so that undo, a new change and
    # redo meet often; the other three histories check that nothing leaks across
    annotator = st.sampled_from(("alice", "alice", "alice", "bob"))
    which = st.sampled_from((0, 0, 0, 1))
    index = st.integers(0, 20)
    label = st.sampled_from(MODEL_LABELS)
    note = st.sampled_from([None, "", "n", "ß 😀"])

    @rule(who=annotator, d=which, start=st.integers(-1, 20), size=st.integers(0, 4),
          label=label, note=note)
    def add(self, who: str, d: int, start: int, size: int, label: str, note: str | None
            ) -> None:
        key = (who, self.docs[d])
        spans, status = self.current(key)
        end = start + size
        refused = not self.valid(key[1], start, end) or self.duplicate(spans, start, end, label)
        span = self.change(key, refused,
                           lambda: self.stores[who].add_span(key[1], start, end, label, note))
        if span is not None:
            spans[span.id] = (start, end, label, note)
            self.push(key, spans, status)

    @rule(who=annotator, d=which, index=index)
    def delete(self, who: str, d: int, index: int) -> None:
        key = (who, self.docs[d])
        span_id = self.pick(key, index)
        if span_id is None:
            return
        spans, status = self.current(key)
        self.stores[who].delete_span(span_id)
        del spans[span_id]
        self.push(key, spans, status)

    @rule(who=annotator, d=which, index=index, label=label)
    def relabel(self, who: str, d: int, index: int, label: str) -> None:
        key = (who, self.docs[d])
        span_id = self.pick(key, index)
        if span_id is None:
            return
        spans, status = self.current(key)
        start, end, old, note = spans[span_id]
        refused = self.duplicate(spans, start, end, label, skip=span_id)
        self.change(key, refused, lambda: self.stores[who].relabel_span(span_id, label))
        if not refused and label != old:
            spans[span_id] = (start, end, label, note)
            self.push(key, spans, status)

    @rule(who=annotator, d=which, index=index, start=st.integers(-1, 20),
          size=st.integers(0, 4))
    def move(self, who: str, d: int, index: int, start: int, size: int) -> None:
        key = (who, self.docs[d])
        span_id = self.pick(key, index)
        if span_id is None:
            return
        spans, status = self.current(key)
        old_start, old_end, label, note = spans[span_id]
        end = start + size
        refused = (not self.valid(key[1], start, end)
                   or self.duplicate(spans, start, end, label, skip=span_id))
        self.change(key, refused, lambda: self.stores[who].move_span(span_id, start, end))
        if not refused and (start, end) != (old_start, old_end):
            spans[span_id] = (start, end, label, note)
            self.push(key, spans, status)

    @rule(who=annotator, d=which, index=index, note=note)
    def set_note(self, who: str, d: int, index: int, note: str | None) -> None:
        key = (who, self.docs[d])
        span_id = self.pick(key, index)
        if span_id is None:
            return
        spans, status = self.current(key)
        start, end, label, old = spans[span_id]
        self.stores[who].set_note(span_id, note)
        if (note or None) != old:
            spans[span_id] = (start, end, label, note or None)
            self.push(key, spans, status)

    @rule(who=annotator, d=which, status=st.sampled_from(["todo", "done", "skipped"]))
    def set_status(self, who: str, d: int, status: str) -> None:
        key = (who, self.docs[d])
        spans, old = self.current(key)
        self.stores[who].set_status(key[1], status)
        if status != old:
            self.push(key, spans, status)

    @rule(who=annotator, d=which)
    def undo(self, who: str, d: int) -> None:
        key = (who, self.docs[d])
        change = self.stores[who].undo(key[1])
        if self.cursor[key] == 0:
            assert change is None
        else:
            assert change is not None and change.undone
            self.cursor[key] -= 1

    @rule(who=annotator, d=which)
    def redo(self, who: str, d: int) -> None:
        key = (who, self.docs[d])
        change = self.stores[who].redo(key[1])
        if self.cursor[key] == len(self.states[key]) - 1:
            assert change is None
        else:
            assert change is not None and not change.undone
            self.cursor[key] += 1

    @rule(who=annotator, d=which)
    def undo_everything_then_redo_everything(self, who: str, d: int) -> None:
        key = (who, self.docs[d])
        s = self.stores[who]
        while s.undo(key[1]) is not None:
            pass
        self.cursor[key] = 0
        assert self.actual(key) == freeze({}, "todo")
        while s.redo(key[1]) is not None:
            pass
        self.cursor[key] = len(self.states[key]) - 1
        assert self.actual(key) == self.states[key][-1]

    @rule()
    def reopen(self) -> None:
        for s in self.stores.values():
            s.close()
        self.open()

    def actual(self, key: tuple[str, int]) -> State:
        who, doc = key
        s = self.stores[who]
        spans = {sp.id: (sp.start, sp.end, sp.label, sp.note) for sp in s.spans(doc)}
        return freeze(spans, s.status(doc))

    @invariant()
    def database_matches_the_model(self) -> None:
        for key in self.states:
            assert self.actual(key) == self.states[key][self.cursor[key]], key
        s = self.stores["alice"]
        infos = {i.id: i for i in s.documents()}
        for doc in self.docs:
            assert infos[doc].spans == len(self.current(("alice", doc))[0])
            assert infos[doc].status == self.current(("alice", doc))[1]


TestStoreModel = StoreMachine.TestCase
TestStoreModel.settings = settings(
    max_examples=40, stateful_step_count=40, deadline=None,
    # shrinking a failing run takes minutes (a database per example): report it unshrunk
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.parametrize("seed", [1, 2])
def test_long_random_sequence_against_the_model(seed: int) -> None:
    """The same model, driven by a seeded random walk: deterministic and long."""
    rng = random.Random(seed)
    machine = StoreMachine()
    try:
        def who() -> str:
            return rng.choice(("alice", "alice", "alice", "bob"))

        def d() -> int:
            return rng.choice((0, 0, 0, 1))

        def note() -> str | None:
            return rng.choice([None, "", "n", "ß 😀"])

        steps = [
            (6, lambda: machine.add(who(), d(), rng.randint(-1, 20), rng.randint(0, 4),
                                    rng.choice(MODEL_LABELS), note())),
            (2, lambda: machine.delete(who(), d(), rng.randint(0, 20))),
            (2, lambda: machine.relabel(who(), d(), rng.randint(0, 20),
                                        rng.choice(MODEL_LABELS))),
            (2, lambda: machine.move(who(), d(), rng.randint(0, 20), rng.randint(-1, 20),
                                     rng.randint(0, 4))),
            (1, lambda: machine.set_note(who(), d(), rng.randint(0, 20), note())),
            (1, lambda: machine.set_status(who(), d(),
                                           rng.choice(["todo", "done", "skipped"]))),
            (5, lambda: machine.undo(who(), d())),
            (4, lambda: machine.redo(who(), d())),
        ]
        actions = [f for weight, f in steps for _ in range(weight)]
        for step in range(600):
            rng.choice(actions)()
            if step % 150 == 149:
                machine.reopen()
            machine.database_matches_the_model()
        for key in machine.states:
            machine.undo_everything_then_redo_everything(key[0], machine.docs.index(key[1]))
            machine.database_matches_the_model()
        assert len(machine.states[("alice", machine.docs[0])]) > 50
    finally:
        machine.teardown()


# -- nothing deleted is unrecoverable ---------------------------------------------------


def test_remove_label_in_use_needs_force(store: Store, doc: int) -> None:
    store.add_span(doc, 0, 3, "claim")
    store.add_span(doc, 4, 9, "claim")
    store.add_span(doc, 10, 15, "commitment")
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.remove_label("claim")
    message = one_line(exc)
    assert "2 spans" in message and "force" in message
    assert everything(store) == before
    with pytest.raises(StoreError, match="1 span;"):
        store.remove_label("commitment")


def test_remove_label_with_force_logs_every_span(store: Store, doc: int) -> None:
    a = store.add_span(doc, 0, 3, "claim", note="one")
    with other(store, "bob") as bob:
        b = bob.add_span(doc, 4, 9, "claim")
    keep = store.add_span(doc, 10, 15, "commitment")
    rows = span_rows(store)
    old = store.label("claim")
    mark = last_event_id(store)
    assert store.remove_label("claim", force=True) == 2
    assert set(span_rows(store)) == {keep.id}
    assert "claim" not in [lab.name for lab in store.labels()]
    logged = new_events(store, mark)
    purged = {e["span_id"]: e for e in logged if e["action"] == "purge"}
    assert set(purged) == {a.id, b.id}
    for span_id, event in purged.items():
        assert event["before"] == rows[span_id]  # the whole row, recoverable
        assert event["document_id"] == doc
    [removed] = [e for e in logged if e["action"] == "label-remove"]
    assert removed["before"] == {"name": "claim", "key": old.key, "color": old.color,
                                 "description": old.description}
    assert len(logged) == 3
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_remove_unused_label(store: Store) -> None:
    store.add_label("spare")
    assert store.remove_label("spare") == 0
    assert [lab.name for lab in store.labels()] == ["claim", "commitment", "invitation"]


def test_undo_after_the_label_was_removed_is_a_store_error(store: Store, doc: int) -> None:
    """The purged span cannot be found any more: undo must say so, not crash."""
    store.add_label("temporary")
    span = store.add_span(doc, 4, 9, "temporary")
    store.set_note(span.id, "about to go")
    store.remove_label("temporary", force=True)
    for _ in range(3):
        try:
            store.undo(doc)
        except StoreError as exc:
            assert "\n" not in str(exc)
    assert not store.conn.in_transaction
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_delete_reads_the_span_under_the_write_lock(store: Store, doc: int) -> None:
    """alice in two windows: delete_span reads the span inside its IMMEDIATE transaction,
    so a second window's delete waits for it instead of racing it; deleting a span that is
    already gone is a one-line StoreError that writes nothing."""
    span = store.add_span(doc, 4, 9, "claim")
    with other(store, "alice") as second_window:
        second_window.delete_span(span.id)
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.delete_span(span.id)
    one_line(exc)
    assert everything(store) == before
    assert [e["action"] for e in events(store)].count("delete") == 1


# -- labels -----------------------------------------------------------------------


def test_load_labels(store: Store) -> None:
    labels = store.labels()
    assert [(lab.name, lab.key, lab.color) for lab in labels] == [
        ("claim", "1", "#d9734e"), ("commitment", "2", "#3f9e6e"),
        ("invitation", "3", "#8a6fd1")]
    assert all(lab.description for lab in labels)
    assert [lab.position for lab in labels] == sorted(lab.position for lab in labels)
    actions = [e["action"] for e in events(store)]
    assert actions == ["label-add"] * 3
    assert store.load_labels(LABELS) == 0  # already there
    assert len(store.labels()) == 3


def test_load_labels_from_a_broken_file(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[label]\nname = ", encoding="utf-8")
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.load_labels(bad)
    one_line(exc)
    with pytest.raises(StoreError):
        store.load_labels(tmp_path / "missing.toml")
    assert everything(store) == before


def test_load_labels_skips_a_taken_key(store: Store, tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[[label]]\nname = "topic"\nkey = "1"\n', encoding="utf-8")
    assert store.load_labels(extra) == 1
    assert store.label("topic").key == "4"
    assert store.label("claim").key == "1"


def test_add_label_takes_a_free_key_and_a_palette_colour(store: Store) -> None:
    label = store.add_label("topic", description="  what it is about  ")
    assert (label.key, label.color, label.description) == ("4", PALETTE[3], "what it is about")
    row = store.conn.execute(
        "SELECT name, key, color FROM labels WHERE id = ?", (label.id,)).fetchone()
    assert row == ("topic", "4", PALETTE[3])
    assert events(store)[-1]["action"] == "label-add"
    assert store.add_label("other", key="9", color="#ABCDEF").color == "#abcdef"
    for name in ("five", "six", "seven", "eight"):
        store.add_label(name)
    assert store.label("eight").key == "8"
    assert store.add_label("no key left").key is None
    assert len({lab.color for lab in store.labels()}) >= 6


def test_add_label_refusals(store: Store) -> None:
    before = everything(store)
    for call in (lambda: store.add_label("claim"),
                 lambda: store.add_label("x", key="1"),
                 lambda: store.add_label("x", key="0"),
                 lambda: store.add_label("x", key="10"),
                 lambda: store.add_label("x", color="red"),
                 lambda: store.add_label("x", color="#abc")):
        with pytest.raises(StoreError) as exc:
            call()
        one_line(exc)
    assert everything(store) == before


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "tab\there", "nul\x00", "x" * 65,
                                  "\x1b[31mred"])
def test_invalid_label_names_are_refused(store: Store, name: str) -> None:
    before = everything(store)
    with pytest.raises(StoreError) as exc:
        store.add_label(name)
    one_line(exc)
    with pytest.raises(StoreError):
        store.rename_label("claim", name)
    assert everything(store) == before


@pytest.mark.parametrize("name", ["ORG", "名前", "with space", "x" * 64, "B-PER", "😀"])
def test_valid_label_names(store: Store, name: str) -> None:
    assert store.add_label(name).name == name


def test_rename_label_spans_follow(store: Store, doc: int) -> None:
    span = store.add_span(doc, 4, 9, "claim")
    mark = last_event_id(store)
    renamed = store.rename_label("claim", "assertion")
    assert (renamed.name, renamed.key) == ("assertion", "1")
    assert store.span(span.id).label == "assertion"
    assert store.conn.execute("SELECT label FROM span_texts").fetchall() == [("assertion",)]
    [event] = new_events(store, mark)
    assert (event["action"], event["before"], event["after"]) == (
        "label-rename", {"name": "claim"}, {"name": "assertion"})
    with pytest.raises(StoreError):
        store.label("claim")
    with pytest.raises(StoreError, match="exists"):
        store.rename_label("assertion", "commitment")
    with pytest.raises(StoreError):
        store.rename_label("nonexistent", "whatever")
    # undo of the span still works after a rename (events hold the label id)
    store.relabel_span(span.id, "commitment")
    store.undo(doc)
    assert store.span(span.id).label == "assertion"


def test_recolor_label(store: Store) -> None:
    mark = last_event_id(store)
    assert store.recolor_label("claim", "#FF00aa").color == "#ff00aa"
    assert store.conn.execute(
        "SELECT color FROM labels WHERE name = 'claim'").fetchone()[0] == "#ff00aa"
    [event] = new_events(store, mark)
    assert event["action"] == "label-recolor"
    assert event["before"] == {"name": "claim", "color": "#d9734e"}
    before = everything(store)
    for bad in ("red", "#ff00a", "#ff00aag", "ff00aa", "#gg0000", ""):
        with pytest.raises(StoreError) as exc:
            store.recolor_label("claim", bad)
        one_line(exc)
    assert everything(store) == before


def test_rebind_label_moves_the_key(store: Store) -> None:
    mark = last_event_id(store)
    store.rebind_label("invitation", "1")
    keys = dict(store.conn.execute("SELECT name, key FROM labels"))
    assert keys == {"claim": None, "commitment": "2", "invitation": "1"}
    [event] = new_events(store, mark)
    assert (event["before"], event["after"]) == (
        {"name": "invitation", "key": "3"}, {"name": "invitation", "key": "1"})
    store.rebind_label("commitment", None)
    store.rebind_label("claim", "7")
    keys = dict(store.conn.execute("SELECT name, key FROM labels"))
    assert keys == {"claim": "7", "commitment": None, "invitation": "1"}
    before = everything(store)
    for bad in ("0", "10", "a", ""):
        with pytest.raises(StoreError) as exc:
            store.rebind_label("claim", bad)
        one_line(exc)
    with pytest.raises(StoreError):
        store.rebind_label("nonexistent", "5")
    assert everything(store) == before


def test_label_usage(store: Store, doc: int) -> None:
    store.add_span(doc, 0, 3, "claim")
    with other(store, "bob") as bob:
        bob.add_span(doc, 0, 3, "claim")
    assert store.label_usage("claim") == 2
    assert store.label_usage("commitment") == 0


# -- documents and positions --------------------------------------------------------


def test_add_document_is_idempotent_by_text(store: Store) -> None:
    doc, created = store.add_document("Same text.", title="First", key="same")
    mark = last_event_id(store)
    again, created_again = store.add_document("Same text.", title="Other", key="other")
    assert (created, again, created_again) == (True, doc, False)
    assert store.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    assert new_events(store, mark) == []
    row = store.conn.execute(
        "SELECT key, title, text, sha256 FROM documents WHERE id = ?", (doc,)).fetchone()
    assert row == ("same", "First", "Same text.",
                   hashlib.sha256(b"Same text.").hexdigest())
    # a different text (even one character) is another document
    assert store.add_document("Same text!")[1] is True


def test_add_document_event_and_defaults(store: Store) -> None:
    mark = last_event_id(store)
    text = "\n  First line is the title  \nsecond line"
    doc, _ = store.add_document(text, source="file.txt", meta={"lang": "en", "n": 1})
    d = store.document(doc)
    assert d.title == "First line is the title"
    assert d.key == d.sha256[:12]
    assert (d.text, d.source, d.meta) == (text, "file.txt", {"lang": "en", "n": 1})
    [event] = new_events(store, mark)
    assert (event["action"], event["document_id"]) == ("import", doc)
    assert event["after"] == {"key": d.key, "sha256": d.sha256}
    assert store.document_by_key(d.key) == d
    assert store.document_by_key("nope") is None


def test_document_key_collisions_get_suffixes(store: Store) -> None:
    ids = [store.add_document(f"text {i}", key="report")[0] for i in range(3)]
    keys = [store.document(i).key for i in ids]
    assert keys == ["report", "report-2", "report-3"]
    # an explicit key that looks like a suffix is respected and skipped over
    store.add_document("text x", key="memo-2")
    m1, _ = store.add_document("text y", key="memo")
    m2, _ = store.add_document("text z", key="memo")
    assert (store.document(m1).key, store.document(m2).key) == ("memo", "memo-3")
    keys = [r[0] for r in store.conn.execute("SELECT key FROM documents")]
    assert len(keys) == len(set(keys))


def test_documents_lists_status_and_this_annotators_spans(store: Store) -> None:
    assert store.first_document() is None  # an empty corpus
    d1, _ = store.add_document("one two three")
    d2, _ = store.add_document("four five six 😀")
    d3, _ = store.add_document("seven")
    store.add_span(d1, 0, 3, "claim")
    store.add_span(d1, 4, 7, "claim")
    store.set_status(d2, "done")
    with other(store, "bob") as bob:
        bob.add_span(d2, 0, 4, "claim")
        bob.set_status(d1, "skipped")
        mine = [(i.id, i.status, i.spans, i.length) for i in store.documents()]
        theirs = [(i.id, i.status, i.spans) for i in bob.documents()]
    assert mine == [(d1, "todo", 2, 13), (d2, "done", 0, 15), (d3, "todo", 0, 5)]
    assert theirs == [(d1, "skipped", 0), (d2, "todo", 1), (d3, "todo", 0)]
    assert [(i.id, i.spans) for i in store.documents("bob")] == [(d1, 0), (d2, 1), (d3, 0)]
    assert [i.position for i in store.documents()] == [1, 2, 3]
    uncounted = store.documents(count_spans=False)  # the picker's: it counts per label
    assert [i.spans for i in uncounted] == [None] * 3
    assert [i._replace(spans=0) for i in uncounted] == [
        i._replace(spans=0) for i in store.documents()]
    assert store.label_counts() == {d1: {"claim": 2}}
    assert store.label_counts(d2, "bob") == {d2: {"claim": 1}}
    assert store.label_counts(d3) == {}
    assert store.document_ids() == [d1, d2, d3]
    assert store.first_document() == d1  # what every start reads, not all the ids
    assert store.has_document(d3) and not store.has_document(d3 + 100)
    assert [d.id for d in store.iter_documents()] == [d1, d2, d3]
    assert store.annotators(d1) == ["alice", "bob"]


def test_positions_per_annotator(store: Store) -> None:
    d1, _ = store.add_document("one two three")
    d2, _ = store.add_document("four five six")
    assert store.last_position() is None
    assert store.position(d1) == 0
    store.save_position(d1, 5)
    store.save_position(d2, 7)
    with other(store, "bob") as bob:
        assert bob.last_position() is None
        bob.save_position(d1, 2)
        assert bob.last_position() == (d1, 2)
        assert bob.position(d2) == 0
    assert store.last_position() == (d2, 7)
    assert (store.position(d1), store.position(d2)) == (5, 7)
    rows = store.conn.execute(
        'SELECT annotator, document_id, "offset" FROM positions ORDER BY 1, 2').fetchall()
    assert rows == [("alice", d1, 5), ("alice", d2, 7), ("bob", d1, 2)]
    assert [e for e in events(store) if e["document_id"] in (d1, d2)
            and e["action"] != "import"] == []  # positions are not undoable changes
    store.save_position(d1, 9)
    assert store.last_position() == (d1, 9)
    with Store(store.path, annotator="alice") as again:
        assert again.last_position() == (d1, 9)


def test_saving_the_position_one_is_at_writes_nothing(store: Store) -> None:
    """Every start reopens where the annotator left off and saves that position: it must
    not cost a transaction (an fsync) each time, nor reorder the resume points."""
    d1, _ = store.add_document("one two three")
    d2, _ = store.add_document("four five six")
    store.save_position(d1, 5)
    store.save_position(d2, 1)
    changes = store.conn.total_changes
    store.save_position(d2, 1)
    assert store.conn.total_changes == changes
    store.save_position(d1, 5)  # d1's saved offset, but not the latest resume point
    assert store.conn.total_changes > changes
    assert store.last_position() == (d1, 5)


def test_saving_the_position_gives_up_quickly_when_another_process_writes(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A resume point is not worth freezing the screen for: with the write lock held
    elsewhere, saving fails as a StoreError after 0.2 s, not the full busy timeout; and a
    read that fails while deciding whether to save is not an error of its own."""
    import time

    d1, _ = store.add_document("one two three")
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        began = time.monotonic()
        with pytest.raises(StoreError):
            store.save_position(d1, 4)
        assert time.monotonic() - began < 3  # the busy timeout is 10 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "last_position", locked)
    store.save_position(d1, 4)  # written all the same
    monkeypatch.undo()
    assert store.last_position() == (d1, 4)


def test_last_position_within_the_same_clock_tick(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saves in one millisecond (or a clock set back) must still resume at the latest."""
    d1, _ = store.add_document("one two three")
    d2, _ = store.add_document("four five six")
    monkeypatch.setattr(store_module, "now", lambda: "2025-01-01T00:00:00.000+00:00")
    store.save_position(d1, 1)
    store.save_position(d2, 2)
    store.save_position(d1, 3)
    assert store.last_position() == (d1, 3)


def test_counts(store: Store, doc: int) -> None:
    store.add_span(doc, 0, 3, "claim")
    with other(store, "bob") as bob:
        bob.add_span(doc, 0, 3, "claim")
    counts = store.counts()
    assert counts["documents"] == 1 and counts["labels"] == 3
    assert counts["spans"] == 2 and counts["annotators"] == 2
    assert counts["events"] == len(events(store))


def test_insert_spans_skips_duplicates_and_logs(store: Store, doc: int) -> None:
    store.add_span(doc, 0, 3, "claim")
    mark = last_event_id(store)
    added, skipped = store.insert_spans(doc, [
        (0, 3, "claim", "alice", None),  # duplicate of alice's own span
        (0, 3, "claim", "carol", "n"),
        (4, 9, "brand-new", "carol", None),
    ])
    assert (added, skipped) == (2, 1)
    assert store.label("brand-new").key == "4"
    logged = new_events(store, mark)
    # the new label first, then one event per span added, each holding the span's row
    assert [e["action"] for e in logged] == ["label-add", "import", "import"]
    stored = span_rows(store)
    assert [e["after"] for e in logged[1:]] == [stored[e["span_id"]] for e in logged[1:]]
    before = everything(store)
    with pytest.raises(StoreError):
        store.insert_spans(doc, [(5, 6, "claim", "dave", None), (0, 999, "claim", "dave", None)])
    assert everything(store) == before  # all or nothing


# -- two processes writing at once ---------------------------------------------------


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with Store(path, annotator="setup") as s:
        s.load_labels(LABELS)
        base = [s.add_document(f"base document {i}: " + "lorem ipsum " * 200)[0]
                for i in range(3)]
        docs_before = s.counts()["documents"]
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    operations = 150
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(path), name, str(operations), "7", str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for name in ("alice", "bob")
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            assert p.stdout.readline().strip() == "ready"
        go.touch()
        outputs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    reports = {}
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert "database is locked" not in out + err
        report = json.loads(out.strip().splitlines()[-1])
        assert report["errors"] == [], report["errors"]
        reports[report["annotator"]] = report

    with Store(path, annotator="checker") as s:
        for name, report in reports.items():
            ids = {r[0] for r in s.conn.execute(
                "SELECT id FROM spans WHERE annotator = ?", (name,))}
            assert ids == set(report["live"]), name
            logged = s.conn.execute(
                "SELECT count(*) FROM events WHERE annotator = ?", (name,)).fetchone()[0]
            assert logged == report["events"], name
            for text in report["created_docs"]:
                assert s.conn.execute("SELECT count(*) FROM documents WHERE text = ?",
                                      (text,)).fetchone()[0] == 1
        shared = reports["alice"]["shared_created"]
        assert shared.keys() == reports["bob"]["shared_created"].keys()
        for text in shared:  # both added it, exactly one of them created it
            created = [reports[n]["shared_created"][text] for n in ("alice", "bob")]
            assert sorted(created) == [False, True], text
        own = sum(len(r["created_docs"]) for r in reports.values())
        assert s.counts()["documents"] == docs_before + own + len(shared)
        assert len(base) == 3
        assert s.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert s.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_spans_for_the_reader_leave_out_only_the_timestamps(store: Store, doc: int) -> None:
    store.add_span(doc, 4, 9, "claim", note="a fox?")
    store.add_span(doc, 0, 3, "commitment")
    full = store.spans(doc)
    light = sorted(store.spans(doc, ordered=False, timestamps=False))
    assert [s._replace(created_at="", updated_at="") for s in sorted(full)] == light
    assert all(s.created_at and s.updated_at for s in full)


def test_labelling_reads_no_document_row_after_the_first(tmp_path: Path) -> None:
    """A document's length and position sit after its text in the row: SQLite reads
    them by walking the text's overflow pages, 2.7 ms a label in a 10 MB text. They
    never change, so they are read once per document (also for the header's place)."""
    store = Store(tmp_path / "long.db", annotator="alice")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document("word " * 200_000, title="long")
    store.add_span(doc, 0, 4, "claim")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    for i in range(1, 20):
        store.add_span(doc, i * 5, i * 5 + 4, "claim")
    store.progress(doc)
    store.neighbour(doc, 1)
    store.conn.set_trace_callback(None)
    assert statements and not [s for s in statements if "length" in s or
                               ("FROM documents WHERE id" in s)], statements
    with pytest.raises(StoreError, match="outside the text"):
        store.add_span(doc, 999_999, 1_000_001, "claim")
    store.close()
