"""The set-wise import (Store.import_records) stores exactly what storing each record on
its own (Store.import_record, the path a failing batch falls back to) stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotui.core.corpus import Imported
from annotui.core.formats import ImportSpan, Record
from annotui.core.importer import import_paths
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"
NASTY = 'quote " back\\slash \x1b esc \t tab \u2028 sep é 😀 \x7f'


def seeded(path: Path) -> Store:
    store = Store(path, annotator="alice")
    store.load_labels(LABELS)
    doc, _ = store.add_document("Already here. Twice over.", key="taken")
    store.add_document("Another stored text.", key="dup-2")
    store.add_span(doc, 0, 7, "claim")
    store.import_status(doc, "carol", "done")
    return store


def batch() -> list[Record]:
    def spans(*items: tuple[int, int, str, str | None, str | None]) -> list[ImportSpan]:
        return [ImportSpan(*item) for item in items]

    return [
        Record("First text, new.", key="a", spans=spans((0, 5, "claim", None, None),
                                                          (0, 5, "claim", None, None),
                                                          (6, 10, "brand-new", None, NASTY))),
        # already stored: its spans join the stored document, one of them a duplicate
        Record("Already here. Twice over.", key="other", annotator="alice",
               spans=spans((0, 7, "claim", None, None), (8, 12, "claim", "bob", None)),
               status="done", line=2),
        Record("Key taken in the database.", key="taken", meta={"x": [1, 2.5, None]}),
        Record("Same key in the batch.", key="dup", source="src.txt", title="T"),
        Record("Same key again in the batch.", key="dup"),     # dup-2 exists: dup-3
        Record("First text, new.", key="a", annotator=NASTY,   # same text, other person
               spans=spans((0, 5, "claim", None, "n")), status="todo"),
        Record("No key at all.\nSecond line.", spans=spans((3, 6, "other-new", None, None)),
               annotator="dave", status="skipped"),
        Record("  \n  Leading blank lines, then the title line  \nrest"),
    ]


def state(store: Store) -> dict[str, Any]:
    """Every row, without timestamps (and events without ids, in a canonical order)."""
    one = store.conn.execute
    events = sorted((
        (action, annotator, document_id, span_id,
         json.dumps({k: v for k, v in json.loads(after or "null").items()
                     if k not in ("created_at", "updated_at")}
                    if after and after.startswith("{") else after, sort_keys=True))
        for action, annotator, document_id, span_id, after in one(
            "SELECT action, annotator, document_id, span_id, after FROM events")), key=repr)
    return {
        "documents": one("SELECT id, key, title, text, length, source, sha256, meta,"
                         " position FROM documents ORDER BY id").fetchall(),
        "labels": one("SELECT * FROM labels ORDER BY id").fetchall(),
        "spans": one('SELECT id, document_id, start, "end", label_id, annotator, note'
                     " FROM spans ORDER BY id").fetchall(),
        "statuses": one("SELECT document_id, annotator, status FROM statuses"
                        " ORDER BY 1, 2").fetchall(),
        "events": events,
    }


def test_set_wise_equals_one_by_one(tmp_path: Path) -> None:
    fast, slow = seeded(tmp_path / "fast.db"), seeded(tmp_path / "slow.db")
    with fast.transaction():
        got = fast.import_records(batch(), "importer")
    one_by_one = Imported()
    with slow.transaction():
        for record in batch():
            slow.import_record(record, "importer", one_by_one)
    assert state(fast) == state(slow)
    assert got == one_by_one
    assert got.renamed == [(None, "taken", "taken-2"), (None, "dup", "dup-3")]
    assert (got.spans_added, got.spans_skipped, got.statuses) == (5, 2, 3)
    assert [created for _, created in got.documents] == [True, False, True, True, True,
                                                         False, True, True]
    # every added span has its event, holding its row
    for span_id, after in fast.conn.execute(
            "SELECT span_id, after FROM events WHERE action = 'import' AND span_id IS NOT NULL"):
        row = fast.conn.execute('SELECT id, document_id, start, "end", label_id, annotator,'
                                " note, created_at, updated_at FROM spans WHERE id = ?",
                                (span_id,)).fetchone()
        assert list(json.loads(after).values()) == list(row)
    fast.close()
    slow.close()


@pytest.mark.parametrize("records", [1, 199, 200, 201, 601, 2500])
def test_batches_of_every_size_store_everything(tmp_path: Path, records: int) -> None:
    store = Store(tmp_path / "t.db", annotator="alice")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({
        "id": f"d{i}", "text": f"Document {i} of the corpus.",
        "spans": [{"start": 0, "end": 8, "label": "claim"}, {"start": 9, "end": 9 + len(str(i)),
                                                            "label": "number"}]}) + "\n"
        for i in range(records)), encoding="utf-8")
    report = import_paths(store, [str(source)])
    assert report.errors == []
    assert (report.documents_added, report.spans_added) == (records, 2 * records)
    counts = store.counts()
    assert counts["events"] == records * 3 + 2  # each document, each span, two labels
    assert import_paths(store, [str(source)]).spans_duplicate == 2 * records
    assert store.counts() == counts
    store.close()
