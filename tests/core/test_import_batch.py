"""The import's batch writer (_import_batch.write_batch, multi-row statements, also
behind Store.import_records) stores exactly what storing each record on its own does,
and its work per batch is bounded by the batch, not by the corpus or the database."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from test_bulk_import import batch, seeded, state  # the set-wise import's own fixtures

from annotui.core import _import_batch, importer
from annotui.core._import_batch import write_batch
from annotui.core.corpus import Imported
from annotui.core.formats import ImportSpan, Record
from annotui.core.importer import import_paths
from annotui.core.store import Store


def test_equals_import_records_and_one_by_one(tmp_path: Path) -> None:
    fast, mid, slow = (seeded(tmp_path / f"{n}.db") for n in ("fast", "mid", "slow"))
    with fast.transaction():
        got = write_batch(fast, batch(), "importer")
    with mid.transaction():
        set_wise = mid.import_records(batch(), "importer")
    one_by_one = Imported()
    with slow.transaction():
        for record in batch():
            slow.import_record(record, "importer", one_by_one)
    assert state(fast) == state(mid) == state(slow)
    assert got == set_wise == one_by_one
    for store in (fast, mid, slow):
        store.close()


def test_precomputed_digests_are_used(tmp_path: Path) -> None:
    store = seeded(tmp_path / "t.db")
    records = batch()
    digests = [_import_batch.digest(r.text) if n % 2 else None
               for n, r in enumerate(records)]
    with store.transaction():
        got = write_batch(store, records, "importer", digests)
    other = seeded(tmp_path / "o.db")
    with other.transaction():
        want = other.import_records(batch(), "importer")
    assert got == want
    assert state(store) == state(other)
    store.close()
    other.close()


def many(records: int, spans: int) -> list[Record]:
    return [Record(f"Record {n}: " + "word " * 40, key=f"k{n % 7}",
                   spans=[ImportSpan(s % 40, s % 40 + 3, ("claim", "x-new")[s % 2],
                                     "bob" if s % 5 == 0 else None, "n" if s % 3 else None)
                          for s in range(spans)] * 2,  # each twice: the copies are skipped
                   status="done" if n % 3 == 0 else None, annotator="eve" if n % 4 else None)
            for n in range(records)]


@pytest.mark.parametrize(("records", "spans"), [
    (1, 0), (1, 1), (3, 1), (7, 1), (4, 1), (2, 4), (9, 3)])
@pytest.mark.parametrize("per", [7, 1000])
def test_statement_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              records: int, spans: int, per: int) -> None:
    # span rows 2 * records * spans, around multiples of 7 rows a statement (or one
    # statement, or SQLite's old limit of 999 variables: 124 rows)
    monkeypatch.setattr(_import_batch, "ROWS_PER_STATEMENT", per)
    fast, slow = seeded(tmp_path / "fast.db"), seeded(tmp_path / "slow.db")
    if per == 1000:
        fast.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        records *= 30
    with fast.transaction():
        got = write_batch(fast, many(records, spans), "importer")
    with slow.transaction():
        want = slow.import_records(many(records, spans), "importer")
    assert got == want
    assert state(fast) == state(slow)
    fast.close()
    slow.close()


def statements_per_batch(store: Store, source: Path, monkeypatch: pytest.MonkeyPatch
                         ) -> list[int]:
    """How many SQL statements each batch of an import executes (executemany's rows
    counted one by one: the trace callback sees every execution)."""
    counts: list[int] = []
    seen: list[str] = []
    write = importer._Importer.write

    def counted(self: importer._Importer, name: str, records: list[Record],
                *rest: Any) -> None:
        seen.clear()
        write(self, name, records, *rest)
        counts.append(len(seen))

    with monkeypatch.context() as patch:
        patch.setattr(importer._Importer, "write", counted)
        store.conn.set_trace_callback(seen.append)
        try:
            report = import_paths(store, [str(source)])
        finally:
            store.conn.set_trace_callback(None)
    assert report.errors == []
    return counts


def corpus(path: Path, docs: int, first: int = 0) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for n in range(first, first + docs):
            text = f"Document {n} of the corpus, with a few words to label."
            out.write(json.dumps({"id": f"d{n}", "text": text, "spans": [
                {"start": s * 3, "end": s * 3 + 2, "label": ("claim", "number")[s % 2]}
                for s in range(10)]}) + "\n")
    return path


def test_work_per_batch_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI guard that counts work, not time: a batch executes one statement per
    document and one per ROWS_PER_STATEMENT spans, and a few more, however big the
    database already is."""
    monkeypatch.setattr(importer, "FIRST_BATCH", 50)
    monkeypatch.setattr(importer, "BATCH_RECORDS", 400)
    monkeypatch.setattr(_import_batch, "ROWS_PER_STATEMENT", 100)
    store = Store(tmp_path / "t.db", annotator="alice")
    first = statements_per_batch(store, corpus(tmp_path / "a.jsonl", 1250), monkeypatch)
    later = statements_per_batch(store, corpus(tmp_path / "b.jsonl", 1250, 1250),
                                 monkeypatch)
    # the same, 1,250 documents later (the first batch also created the two labels)
    assert first[1:] == later[1:] and later[0] <= first[0]
    sizes = [50, 100, 200, 400, 400, 100]
    assert len(first) == len(sizes)
    for count, docs in zip(first[1:], sizes[1:], strict=True):
        rows = docs + math.ceil(10 * docs / 100)
        assert count <= rows + 20, (count, docs)
    store.close()
