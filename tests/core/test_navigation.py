"""The header's progress and moving between documents: answered by index lookups, and
the same answers as reading every document."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotui.core.store import Store


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Store(tmp_path / "nav.db", annotator="alice") as s:
        for i in range(6):
            s.add_document(f"document number {i}", key=f"d{i}")
        yield s


def test_progress_counts_place_total_and_my_done(store: Store) -> None:
    ids = store.document_ids()
    assert store.progress(ids[0]) == (1, 6, 0)
    store.set_status(ids[2], "done")
    store.set_status(ids[3], "skipped")
    other = Store(store.path, annotator="bob")
    other.set_status(ids[4], "done")  # someone else's done is not mine
    other.close()
    assert store.progress(ids[4]) == (5, 6, 1)
    infos = store.documents()
    assert store.progress(ids[4])[2] == sum(d.status == "done" for d in infos)


def test_neighbour_steps_and_stops_at_the_ends(store: Store) -> None:
    ids = store.document_ids()
    assert store.neighbour(ids[0], 1) == ids[1]
    assert store.neighbour(ids[3], -1) == ids[2]
    assert store.neighbour(ids[0], -1) is None
    assert store.neighbour(ids[-1], 1) is None


def test_next_todo_skips_done_and_skipped_and_wraps(store: Store) -> None:
    ids = store.document_ids()
    for i in (3, 4):
        store.set_status(ids[i], "done")
    store.set_status(ids[5], "skipped")
    assert store.neighbour(ids[2], 1, todo=True) == ids[0]  # wrapped past 3, 4 and 5
    store.set_status(ids[4], "todo")  # undone: pending again
    assert store.neighbour(ids[2], 1, todo=True) == ids[4]
    for i in (0, 1, 2, 4):
        store.set_status(ids[i], "done")
    assert store.neighbour(ids[2], 1, todo=True) is None
