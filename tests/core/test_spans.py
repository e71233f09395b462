"""SpanIndex is updated in place one span at a time: after any sequence of changes it
answers every question exactly as an index built afresh from the same spans."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotui.core.model import Span
from annotui.core.spans import LONG, SpanIndex, order

LABELS = ["claim", "commitment", "invitation"]


def span(span_id: int, start: int, length: int, label: str) -> Span:
    return Span(span_id, 1, start, start + length, label, "alice")


spans_st = st.builds(span, st.integers(1, 40), st.integers(0, 10_000),
                     st.one_of(st.integers(1, 60), st.integers(LONG - 2, LONG + 50)),
                     st.sampled_from(LABELS))
# (id to remove or None, span to put or None)
changes_st = st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 40)),
                                st.one_of(st.none(), spans_st)), max_size=40)


def same_answers(index: SpanIndex, fresh: SpanIndex) -> None:
    assert index.spans == fresh.spans
    assert len(index) == len(fresh)
    assert +index.counts == +fresh.counts
    for s in fresh.spans:
        assert index.get(s.id) == s
        assert index.index_of(s.id) == fresh.spans.index(s)
    for offset in range(0, 10_000 + LONG + 60, 997):
        for width in (0, 1, 80, 5000):
            assert index.overlapping(offset, offset + width) == \
                fresh.overlapping(offset, offset + width)
        assert index.at(offset) == fresh.at(offset)
        assert index.next_after(offset) == fresh.next_after(offset)
        assert index.previous_before(offset) == fresh.previous_before(offset)


@settings(max_examples=150, deadline=None)
@given(st.lists(spans_st, max_size=30, unique_by=lambda s: s.id), changes_st)
def test_changes_in_place_answer_like_a_fresh_index(initial, changes):
    index = SpanIndex(initial)
    truth = {s.id: s for s in initial}
    for removed, put in changes:
        index.replace(removed, put)
        if removed is not None:
            truth.pop(removed, None)
        if put is not None:
            truth[put.id] = put
        assert [s.id for s in index.spans] == [s.id for s in sorted(truth.values(), key=order)]
    same_answers(index, SpanIndex(truth.values()))


def test_deleting_the_longest_span_narrows_the_lookup_window_again():
    index = SpanIndex([span(1, 0, 3000, "claim"), span(2, 5000, 5, "claim")])
    assert index.overlapping(5001, 5002) == [index.get(2)]
    index.replace(1, None)
    assert index._longest == 5
    assert index.overlapping(2000, 2001) == []
    assert index.counts == {"claim": 1}
