"""Adjudication in the core: grouping the annotators' spans, and accepting several
spans as one change that undo and redo treat as one."""

from __future__ import annotations

from pathlib import Path

from annotui.core.model import Span
from annotui.core.review import groups, summary
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]


def span(i: int, start: int, end: int, label: str, who: str) -> Span:
    return Span(i, 1, start, end, label, who)


def test_groups_put_undecided_disagreements_first_and_ignore_gold_votes() -> None:
    spans = [span(1, 0, 5, "claim", "ann"), span(2, 0, 5, "claim", "bob"),   # agreed
             span(3, 10, 20, "claim", "ann"), span(4, 10, 22, "claim", "bob"),  # differ
             span(5, 30, 35, "invitation", "bob"),                              # bob only
             span(6, 40, 45, "claim", "ann"), span(7, 40, 45, "claim", "bob"),
             span(8, 40, 45, "claim", "gold")]                                  # decided
    found = groups(spans, "gold")
    assert [(g.start, g.end, g.agreed, g.in_gold) for g in found] == [
        (10, 20, False, False), (10, 22, False, False), (30, 35, False, False),
        (0, 5, True, False), (40, 45, True, True)]
    assert found[2].annotators == ("bob",) and found[2].voters == 2
    assert found[2].describe() == "invitation by bob (1 of 2)"
    assert summary(found, "gold") == "3 to decide · 1 agreed · 1 in gold"


def test_one_annotator_agrees_with_nobody() -> None:
    found = groups([span(1, 0, 5, "claim", "ann")], "gold")
    assert not found[0].agreed


def test_add_spans_is_one_step_for_undo_and_redo(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db", annotator="gold") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = store.add_document("One two three four five six seven.", key="d")
        store.add_span(doc, 0, 3, "claim")
        added = store.add_spans(doc, [(0, 3, "claim"), (4, 7, "claim"), (8, 13, "commitment")])
        assert [(s.start, s.end, s.label) for s in added] == [(4, 7, "claim"),
                                                            (8, 13, "commitment")]
        assert len(store.spans(doc)) == 3
        change = store.undo(doc)
        assert change is not None and change.action == "add_many"
        assert change.describe() == "undid accepting spans"
        assert [(s.start, s.end) for s in store.spans(doc)] == [(0, 3)]
        store.redo(doc)
        assert len(store.spans(doc)) == 3
        assert store.add_spans(doc, [(4, 7, "claim")]) == []  # nothing new: no event
        undone = store.undo(doc)
        assert undone is not None and undone.action == "add_many"
    with Store(tmp_path / "r.db", annotator="gold") as again:  # the stacks survive reopening
        again.redo(doc)
        assert len(again.spans(doc)) == 3


def test_redo_of_an_accept_survives_its_suggestion_being_withdrawn(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db", annotator="ann") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = store.add_document("Central Asia met. The Central Asia talks.\n", key="k")
        store.add_suggestions(doc, [(0, 12, "claim", "pattern", "p", 1.0)])
        store.accept_all(doc)
        store.undo(doc)
        assert store.clear_suggestions(doc) == 1  # `annotui suggest --clear`
        change = store.redo(doc)
        assert change is not None and change.action == "accept"
        assert [(s.start, s.end, s.label) for s in store.spans(doc)] == [(0, 12, "claim")]
        assert store.redo(doc) is None


def test_a_label_with_suggestions_is_removed_only_with_force(tmp_path: Path) -> None:
    import pytest

    from annotui.core.schema import StoreError

    with Store(tmp_path / "s.db", annotator="ann") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = store.add_document("Central Asia met. The Central Asia talks.\n", key="k")
        store.add_suggestions(doc, [(0, 12, "invitation", "pattern", "p", 1.0)])
        store.reject_all(doc)  # a decision that would be forgotten with the label
        with pytest.raises(StoreError, match="suggestion"):
            store.remove_label("invitation")
        assert store.suggestions(doc, status=None)
        store.remove_label("invitation", force=True)
        assert store.suggestions(doc, status=None) == []
