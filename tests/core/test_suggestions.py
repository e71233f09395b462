"""Suggestions in the store: proposing (idempotent, never over what is labelled), deciding
(accept makes an ordinary span; reject is remembered), undo and redo of both (also after
reopening the file), label-all-occurrences, and that nothing proposed reads as a label."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotui.core.merge import merge
from annotui.core.patterns import PatternError, parse_patterns
from annotui.core.records import iter_records
from annotui.core.store import Store, StoreError
from annotui.core.suggestions import Proposal, suggestions_for_export

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"
TEXT = ("We will build roads. Growing threats require cooperation. We will build schools."
        " The roads matter. we will build bridges.")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "annotui.db", annotator="alice") as s:
        s.load_labels(LABELS)
        yield s


@pytest.fixture
def doc(store: Store) -> int:
    return store.add_document(TEXT, key="speech")[0]


def texts(store: Store, doc_id: int, **kwargs: Any) -> list[tuple[str, str]]:
    text = store.document(doc_id).text
    return [(text[s.start:s.end], s.label) for s in store.suggestions(doc_id, **kwargs)]


def span_texts(store: Store, doc_id: int, annotator: str | None = None) -> list[tuple[str, str]]:
    text = store.document(doc_id).text
    return [(text[s.start:s.end], s.label) for s in store.spans(doc_id, annotator)]


def events(store: Store, action: str) -> list[dict[str, Any]]:
    rows = store.conn.execute("SELECT document_id, annotator, after FROM events WHERE action = ?"
                              " ORDER BY id", (action,)).fetchall()
    return [{"document_id": d, "annotator": a, "after": json.loads(x) if x else None}
            for d, a, x in rows]


PATTERNS = '[phrases]\ncommitment = "we will build"\nclaim = "roads"\n'


def propose(store: Store, doc_id: int | None = None, text: str = PATTERNS) -> int:
    patterns = parse_patterns(text, "p.toml")
    return store.suggest_patterns(patterns, None if doc_id is None else [doc_id])


# -- proposing ---------------------------------------------------------------------


def test_patterns_propose_suggestions_not_spans(store: Store, doc: int) -> None:
    assert propose(store) == 3
    found = store.suggestions(doc)
    assert [(s.source, s.detail, s.score, s.status, s.annotator, s.span_id)
            for s in found][0] == ("pattern", "p.toml:3 'roads'", 1.0, "open", "alice", None)
    assert store.spans(doc) == []
    assert store.conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 0
    assert events(store, "suggest")[0]["after"] == {"annotator": "alice", "added": 3,
                                                    "sources": ["pattern"]}


def test_proposals_are_in_text_order_with_exact_offsets(store: Store, doc: int) -> None:
    propose(store)
    # case-sensitive by default: "We will build" (capital W) is not "we will build"
    assert texts(store, doc) == [("roads", "claim"), ("roads", "claim"),
                                 ("we will build", "commitment")]
    rows = store.conn.execute("SELECT text FROM suggestion_texts ORDER BY start").fetchall()
    assert [r[0] for r in rows] == ["roads", "roads", "we will build"]  # SQLite agrees


def test_rerunning_adds_nothing(store: Store, doc: int) -> None:
    assert propose(store) > 0
    before = store.suggestions(doc)
    assert propose(store) == 0
    assert propose(store, doc) == 0
    assert store.suggestions(doc) == before
    assert len(events(store, "suggest")) == 1  # nothing new, nothing logged


def test_places_already_labelled_are_not_proposed(store: Store, doc: int) -> None:
    roads = TEXT.index("roads")
    store.add_span(doc, roads, roads + 5, "claim")
    # a longer span of the same label covering the second "roads" hides it too
    second = TEXT.index("The roads matter")
    store.add_span(doc, second, second + len("The roads matter"), "claim")
    propose(store)
    assert ("roads", "claim") not in texts(store, doc)
    # another label on the same words does not hide a proposal
    store.add_span(doc, 0, 13, "claim")
    assert propose(store, text='[phrases]\ncommitment = "We will build"\n') == 2


def test_add_suggestions_checks_and_snaps(store: Store) -> None:
    doc, _ = store.add_document("cafe\u0301 au lait", key="cafe")
    assert store.add_suggestions(doc, [(0, 4, "claim", "learn", "half a cluster", 0.4)]) == 1
    [sug] = store.suggestions(doc)
    assert (sug.start, sug.end) == (0, 5)  # widened to the whole é
    with pytest.raises(StoreError, match="outside the text"):
        store.add_suggestions(doc, [Proposal(3, 100, "claim", "learn")])
    with pytest.raises(StoreError, match="no label 'nope'"):
        store.add_suggestions(doc, [Proposal(0, 4, "nope", "learn")])
    with pytest.raises(StoreError, match="unknown suggestion source"):
        store.add_suggestions(doc, [Proposal(0, 4, "claim", "magic")])
    assert len(store.suggestions(doc)) == 1  # a refused batch leaves nothing behind


def test_suggestions_are_per_annotator(store: Store, doc: int) -> None:
    propose(store)
    bob = Store(store.path, annotator="bob")
    try:
        assert bob.suggestions(doc) == []
        assert len(bob.suggestions(doc, "alice")) == 3
        assert len(bob.suggestions(doc, everyone=True)) == 3
        assert propose(bob) == 3  # bob gets his own
        assert store.suggestion_counts() == {doc: 3}
        assert bob.suggestion_counts("alice") == {doc: 3}
        assert store.suggestion_annotators(doc) == ["alice", "bob"]
        bob.reject_all(doc)
        assert store.suggestion_annotators(doc) == ["alice"]
        assert store.suggestion_annotators(doc, "rejected") == ["bob"]
    finally:
        bob.close()


def test_unknown_label_in_a_pattern_names_its_line(store: Store, doc: int) -> None:
    with pytest.raises(PatternError, match=r"p\.toml:3: unknown label 'promise'"):
        propose(store, text='[phrases]\nclaim = "roads"\npromise = "we will"\n')
    assert store.suggestions(doc) == []  # checked before anything is proposed


def test_next_suggestion(store: Store, doc: int) -> None:
    propose(store)
    found = store.suggestions(doc)
    assert store.next_suggestion(doc, -1) == found[0]
    assert store.next_suggestion(doc, found[0].start) == found[1]
    assert store.next_suggestion(doc, found[-1].start) is None
    assert store.next_suggestion(doc, found[1].start, -1) == found[0]
    assert store.next_suggestion(doc, found[0].start, -1) is None


# -- accepting and rejecting, undo and redo ----------------------------------------------


def test_accept_makes_an_ordinary_span_of_the_accepter(store: Store, doc: int) -> None:
    propose(store)
    sug = store.suggestions(doc)[0]
    span = store.accept_suggestion(sug.id)
    assert (span.start, span.end, span.label, span.annotator) == (
        sug.start, sug.end, sug.label, "alice")
    assert store.suggestion(sug.id).status == "accepted"
    assert store.suggestion(sug.id).span_id == span.id
    assert sug not in store.suggestions(doc)
    [event] = events(store, "accept")
    assert event["after"]["suggestions"][0]["span"]["id"] == span.id
    with pytest.raises(StoreError, match="already accepted"):
        store.accept_suggestion(sug.id)


def test_undo_and_redo_an_accept(store: Store, doc: int) -> None:
    propose(store)
    open_before = store.suggestions(doc)
    span = store.accept_suggestion(open_before[0].id)
    change = store.undo(doc)
    assert change is not None and change.action == "accept" and change.undone
    assert change.start == span.start
    assert change.describe() == "undid accepting 1 suggestion"
    assert store.spans(doc) == []
    assert store.suggestions(doc) == [
        s._replace(updated_at=store.suggestion(s.id).updated_at) for s in open_before]
    change = store.redo(doc)
    assert change is not None and change.describe() == "redid accepting 1 suggestion"
    assert [s.id for s in store.spans(doc)] == [span.id]  # the same span, the same id
    assert store.suggestion(open_before[0].id).status == "accepted"


def test_reject_is_remembered_and_undoable(store: Store, doc: int) -> None:
    propose(store)
    sug = store.suggestions(doc)[0]
    rejected = store.reject_suggestion(sug.id)
    assert rejected.status == "rejected" and rejected.span_id is None
    assert sug.id not in [s.id for s in store.suggestions(doc)]
    assert propose(store) == 0  # never proposed again
    assert [s.id for s in store.suggestions(doc, status="rejected")] == [sug.id]
    assert store.spans(doc) == []
    change = store.undo(doc)
    assert change is not None and change.describe() == "undid rejecting 1 suggestion"
    assert store.suggestion(sug.id).status == "open"
    store.redo(doc)
    assert store.suggestion(sug.id).status == "rejected"


def test_accept_all_and_reject_all_are_one_step_each(store: Store, doc: int) -> None:
    propose(store)
    first = store.suggestions(doc)
    store.reject_suggestion(first[0].id)
    accepted = store.accept_all(doc)
    assert [(s.start, s.end) for s in accepted] == [(s.start, s.end) for s in first[1:]]
    assert store.suggestions(doc) == []
    assert len(store.spans(doc)) == len(first) - 1
    change = store.undo(doc)
    assert change is not None and change.count == len(first) - 1
    assert store.spans(doc) == []
    assert [s.id for s in store.suggestions(doc)] == [s.id for s in first[1:]]
    assert store.reject_all(doc) == len(first) - 1
    assert store.suggestions(doc) == []
    store.undo(doc)  # the reject-all
    store.undo(doc)  # the first single reject
    assert [s.id for s in store.suggestions(doc)] == [s.id for s in first]
    assert store.accept_all(doc) and store.reject_all(doc) == 0


def test_undo_redo_of_decisions_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path, annotator="alice") as store:
        store.load_labels(LABELS)
        doc, _ = store.add_document(TEXT)
        propose(store)
        found = store.suggestions(doc)
        span = store.accept_suggestion(found[0].id)
        store.reject_suggestion(found[1].id)
        store.add_span(doc, 0, 2, "invitation")
    with Store(path, annotator="alice") as store:
        store.undo(doc)  # the span added by hand
        change = store.undo(doc)
        assert change is not None and change.action == "reject"
        assert store.suggestion(found[1].id).status == "open"
    with Store(path, annotator="alice") as store:
        change = store.undo(doc)
        assert change is not None and change.action == "accept"
        assert store.spans(doc) == []
        assert len(store.suggestions(doc)) == len(found)
    with Store(path, annotator="alice") as store:
        store.redo(doc)
        assert [s.id for s in store.spans(doc)] == [span.id]
    with Store(path, annotator="alice") as store:
        store.redo(doc)
        assert store.suggestion(found[1].id).status == "rejected"
        store.redo(doc)
        assert [s.label for s in store.spans(doc)] == ["invitation", found[0].label]
        assert store.redo(doc) is None


def test_accepting_where_the_same_span_exists_keeps_it(store: Store, doc: int) -> None:
    propose(store)
    sug = store.suggestions(doc)[0]
    # labelled by hand after the proposal was made
    mine = store.add_span(doc, sug.start, sug.end, sug.label)
    assert store.accept_suggestion(sug.id) == mine
    assert store.suggestion(sug.id).span_id == mine.id
    store.undo(doc)  # the accept: the span stays, it was not the accept's
    assert store.spans(doc) == [mine]
    assert store.suggestion(sug.id).status == "open"
    store.redo(doc)
    assert store.spans(doc) == [mine]


def test_an_accepted_span_is_an_ordinary_span(store: Store, doc: int) -> None:
    propose(store)
    span = store.accept_suggestion(store.suggestions(doc)[0].id)
    store.relabel_span(span.id, "invitation")
    store.delete_span(span.id)
    store.undo(doc)
    store.undo(doc)
    assert store.span(span.id).label == span.label
    store.undo(doc)  # the accept itself
    assert store.spans(doc) == []


def test_bob_accepting_alices_suggestion_makes_bobs_span(store: Store, doc: int) -> None:
    propose(store)
    sug = store.suggestions(doc)[0]
    with Store(store.path, annotator="bob") as bob:
        span = bob.accept_suggestion(sug.id)
        assert span.annotator == "bob"
        assert bob.undo(doc) is not None
    assert store.undo(doc) is None  # alice's own history holds no decision
    assert store.suggestion(sug.id).status == "open"


def test_removing_a_label_removes_its_suggestions(store: Store, doc: int) -> None:
    propose(store)
    claims = [s for s in store.suggestions(doc) if s.label == "claim"]
    store.accept_suggestion(claims[0].id)
    store.remove_label("claim", force=True)
    assert all(s.label != "claim" for s in store.suggestions(doc, status=None))
    with pytest.raises(StoreError, match="cannot undo"):
        store.undo(doc)  # its span and suggestion are gone with the label
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_decided_suggestions_of_another_document_are_refused(store: Store, doc: int) -> None:
    other, _ = store.add_document("We will build more roads.", key="other")
    propose(store)
    theirs = store.suggestions(other)[0]
    with pytest.raises(StoreError, match="not on this document"):
        store.accept_suggestions(doc, [theirs.id])
    with pytest.raises(StoreError, match="no suggestion with id"):
        store.reject_suggestion(10_000)


def test_clear_withdraws_open_suggestions_only(store: Store, doc: int) -> None:
    propose(store)
    found = store.suggestions(doc)
    store.reject_suggestion(found[0].id)
    store.accept_suggestion(found[1].id)
    assert store.clear_suggestions() == len(found) - 2
    assert store.suggestions(doc) == []
    assert {s.status for s in store.suggestions(doc, status=None)} == {"accepted", "rejected"}
    assert propose(store) == len(found) - 2  # the withdrawn come back, the decided do not
    with pytest.raises(StoreError, match="unknown suggestion status"):
        store.suggestions(doc, status="maybe")


# -- label all occurrences -----------------------------------------------------------------


def test_propagate_in_the_document(store: Store, doc: int) -> None:
    first = TEXT.index("roads")
    span = store.add_span(doc, first, first + 5, "claim")
    assert store.propagate(span.id) == 1
    [sug] = store.suggestions(doc)
    assert TEXT[sug.start:sug.end] == "roads" and sug.start != first
    assert (sug.source, sug.detail, sug.label) == ("propagate", f"same text as span {span.id}",
                                                   "claim")
    assert store.propagate(span.id) == 0  # idempotent


def test_propagate_whole_word_and_case_options(store: Store) -> None:
    doc, _ = store.add_document("Roads, roads and railroads. ROADS!", key="r")
    span = store.add_span(doc, 7, 12, "claim")
    assert store.propagate(span.id) == 0
    assert store.propagate(span.id, whole_word=False) == 1  # railroads
    store.reject_all(doc)
    assert store.propagate(span.id, ignore_case=True) == 2  # Roads, ROADS
    assert sorted(t for t, _ in texts(store, doc)) == ["ROADS", "Roads"]


def test_propagate_in_the_corpus(store: Store, doc: int) -> None:
    other, _ = store.add_document("More roads and\nwe will build\nthem.", key="other")
    third, _ = store.add_document("Nothing here.", key="third")
    span = store.add_span(doc, 0, 13, "commitment")  # "We will build"
    assert store.propagate(span.id, "corpus", ignore_case=True) == 3
    assert texts(store, doc) == [("We will build", "commitment"),
                                 ("we will build", "commitment")]
    assert texts(store, other) == [("we will build", "commitment")]  # across the line break
    assert store.suggestions(third) == []
    with pytest.raises(StoreError, match="unknown scope"):
        store.propagate(span.id, "galaxy")


def test_propagate_never_reproposes_a_rejection(store: Store, doc: int) -> None:
    first = TEXT.index("roads")
    span = store.add_span(doc, first, first + 5, "claim")
    store.propagate(span.id)
    store.reject_all(doc)
    assert store.propagate(span.id) == 0
    assert store.suggestions(doc) == []


# -- never a label -------------------------------------------------------------------------


def test_suggestions_never_reach_records_agreement_or_counts(store: Store, doc: int) -> None:
    propose(store)
    records = list(iter_records(store))
    assert [r.spans for r in records] == [[]]
    assert store.documents()[0].spans == 0
    assert store.counts()["spans"] == 0


def test_suggestions_for_export(store: Store, doc: int) -> None:
    propose(store)
    found = store.suggestions(doc)
    predictions = suggestions_for_export(store, doc, "alice")
    assert [p["text"] for p in predictions] == [TEXT[s.start:s.end] for s in found]
    assert set(predictions[0]) == {"start", "end", "label", "text", "score", "source",
                                   "detail"}
    store.accept_suggestion(found[0].id)
    assert len(suggestions_for_export(store, doc, "alice")) == len(found) - 1
    assert suggestions_for_export(store, doc, "bob") == []
    assert suggestions_for_export(store, doc, None) == []


def test_merge_carries_accepted_spans_not_suggestions(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db", annotator="alice") as a:
        a.load_labels(LABELS)
        doc, _ = a.add_document(TEXT)
        propose(a)
        a.accept_suggestion(a.suggestions(doc)[0].id)
        a.reject_suggestion(a.suggestions(doc)[0].id)
    with Store(tmp_path / "b.db", annotator="bob") as b:
        b.load_labels(LABELS)
        merge(b, [tmp_path / "a.db"])
        [here] = b.document_ids()
        assert len(b.spans(here, "alice")) == 1
        assert b.suggestions(here, everyone=True, status=None) == []
        assert b.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with Store(tmp_path / "b.db", annotator="alice") as b:
        assert b.undo(here) is None  # merged decisions are never replayed here


# -- any sequence of decisions undoes and redoes exactly ------------------------------------

OPS = st.lists(st.tuples(st.sampled_from(["accept", "reject", "accept_all", "reject_all",
                                          "add", "delete", "undo", "redo"]),
                         st.integers(0, 10)), max_size=12)


def state(store: Store, doc_id: int) -> tuple[Any, ...]:
    spans = sorted((s.id, s.start, s.end, s.label) for s in store.spans(doc_id))
    sugs = sorted((s.id, s.status, s.span_id) for s in store.suggestions(doc_id, status=None))
    return tuple(spans), tuple(sugs)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_decisions_undo_to_the_start_and_redo_to_the_end(tmp_path_factory: Any,
                                                             ops: list[tuple[str, int]]
                                                             ) -> None:
    path = tmp_path_factory.mktemp("prop") / "a.db"
    with Store(path, annotator="alice") as store:
        store.load_labels(LABELS)
        doc, _ = store.add_document(TEXT)
        propose(store)
        start = state(store, doc)
        for op, n in ops:
            open_ = store.suggestions(doc)
            spans = store.spans(doc)
            if op in ("accept", "reject") and open_:
                sug = open_[n % len(open_)]
                (store.accept_suggestion if op == "accept" else store.reject_suggestion)(sug.id)
            elif op == "accept_all":
                store.accept_all(doc)
            elif op == "reject_all":
                store.reject_all(doc)
            elif op == "add":
                with contextlib.suppress(StoreError):  # the same span twice
                    store.add_span(doc, n, n + 3, "invitation")
            elif op == "delete" and spans:
                store.delete_span(spans[n % len(spans)].id)
            elif op in ("undo", "redo"):
                getattr(store, op)(doc)
            # the invariants of a decision
            for sug in store.suggestions(doc, status=None):
                if sug.status == "accepted":
                    assert sug.span_id is not None
                else:
                    assert sug.span_id is None
        while store.redo(doc) is not None:  # the furthest state the history reaches
            pass
        end = state(store, doc)
    with Store(path, annotator="alice") as store:  # and after reopening
        while store.undo(doc) is not None:
            pass
        assert state(store, doc) == start
        while store.redo(doc) is not None:
            pass
        assert state(store, doc) == end
