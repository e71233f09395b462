"""Finding the spans that touch a range without looking at every span.

The reader asks this for every painted row and the cursor for every key, so a lookup
must not grow with the number of spans: spans are kept sorted by start, and a query for
``[start, end)`` only looks at spans starting in ``[start - longest, end)``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable
from operator import attrgetter, itemgetter, sub

from annotui.core.model import Span

LONG = 4096  # code points: longer than any sentence, shorter than a chapter


# Text order: the order of the reader and the panel. A C-level key: sorting 100,000 spans
# with a Python function as the key took most of opening a span-dense document.
order: Callable[[Span], tuple[int, int, str, int]] = attrgetter("start", "end", "label", "id")
_ID, _START, _END, _LABEL = (itemgetter(Span._fields.index(name))
                             for name in ("id", "start", "end", "label"))


class SpanIndex:
    """One document's spans, sorted in text order, updated in place one span at a time.

    A change costs a few list inserts (a memmove: microseconds at 100,000 spans) and
    no rebuild; positions are found by bisection, so nothing is kept per position that
    one insert would shift.
    """

    def __init__(self, spans: Iterable[Span] = (), *, presorted: bool = False) -> None:
        # map() with C-level getters rather than comprehensions: a document with 100,000
        # spans builds all of this when it opens
        self.spans: list[Span] = list(spans) if presorted else sorted(spans, key=order)
        self._starts = list(map(_START, self.spans))
        self._by_id = dict(zip(map(_ID, self.spans), self.spans, strict=True))
        lengths = list(map(sub, map(_END, self.spans), self._starts))
        # One paragraph-long span would widen every lookup window to its length; the few
        # spans longer than LONG are kept aside and checked one by one instead.
        if not lengths or max(lengths) <= LONG:
            self._short, self._short_starts = self.spans.copy(), self._starts.copy()
            self._long: list[Span] = []
        else:
            self._short = [span for span in self.spans if span.end - span.start <= LONG]
            self._short_starts = [span.start for span in self._short]
            self._long = [span for span in self.spans if span.end - span.start > LONG]
            lengths = [length for length in lengths if length <= LONG]
        # sorted, so the longest short span is known again after one is deleted
        self._lengths = sorted(lengths)
        self.counts: Counter[str] = Counter(map(_LABEL, self.spans))

    @property
    def _longest(self) -> int:
        return self._lengths[-1] if self._lengths else 0

    def replace(self, span_id: int | None, span: Span | None) -> None:
        """Remove span ``span_id`` (if here) and put ``span`` (if any) in its place."""
        old = self._by_id.get(span_id) if span_id is not None else None
        if old is not None:
            self._remove(old)
        if span is not None:
            if span.id in self._by_id:
                self._remove(self._by_id[span.id])
            self._add(span)

    def _add(self, span: Span) -> None:
        i = bisect_left(self.spans, order(span), key=order)
        self.spans.insert(i, span)
        self._starts.insert(i, span.start)
        self._by_id[span.id] = span
        self.counts[span.label] += 1
        length = span.end - span.start
        if length > LONG:
            self._long.append(span)
            return
        j = bisect_left(self._short, order(span), key=order)
        self._short.insert(j, span)
        self._short_starts.insert(j, span.start)
        insort(self._lengths, length)

    def _remove(self, span: Span) -> None:
        self._by_id.pop(span.id, None)
        i = bisect_left(self.spans, order(span), key=order)
        del self.spans[i]
        del self._starts[i]
        self.counts[span.label] -= 1
        if not self.counts[span.label]:
            del self.counts[span.label]
        length = span.end - span.start
        if length > LONG:
            self._long.remove(span)
            return
        j = bisect_left(self._short, order(span), key=order)
        del self._short[j]
        del self._short_starts[j]
        del self._lengths[bisect_left(self._lengths, length)]

    def __len__(self) -> int:
        return len(self.spans)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.spans)

    def get(self, span_id: int) -> Span | None:
        return self._by_id.get(span_id)

    def index_of(self, span_id: int) -> int | None:
        """The span's row in text order (the panel's row)."""
        span = self._by_id.get(span_id)
        return None if span is None else bisect_left(self.spans, order(span), key=order)

    def overlapping(self, start: int, end: int) -> list[Span]:
        """Spans sharing at least one character with ``[start, end)`` (or containing an
        empty range's position)."""
        lo = bisect_left(self._short_starts, start - self._longest)
        hi = bisect_right(self._short_starts, max(start, end - 1))
        window = self._short[lo:hi]
        if self._long:
            window = sorted([*window, *self._long], key=order)
        if end <= start:
            return [s for s in window if s.start <= start < s.end]
        return [s for s in window if s.end > start and s.start < end]

    def at(self, offset: int) -> list[Span]:
        """Spans covering the character at ``offset``, innermost (shortest) first."""
        found = self.overlapping(offset, offset + 1)
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    def next_after(self, offset: int) -> Span | None:
        """The first span starting after ``offset`` (for tab)."""
        i = bisect_right(self._starts, offset)
        return self.spans[i] if i < len(self.spans) else None

    def previous_before(self, offset: int) -> Span | None:
        """The last span starting before ``offset`` (for shift+tab)."""
        i = bisect_left(self._starts, offset)
        return self.spans[i - 1] if i > 0 else None
