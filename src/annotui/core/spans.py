"""Finding the spans that touch a range without looking at every span.

The reader asks this for every painted row and the cursor for every key, so a lookup
must not grow with the number of spans: spans are kept sorted by start, and a query for
``[start, end)`` only looks at spans starting in ``[start - longest, end)``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from annotui.core.model import Span


class SpanIndex:
    """An immutable, sorted view of one document's spans."""

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self.spans: list[Span] = sorted(spans, key=lambda s: (s.start, s.end, s.label, s.id))
        self._starts = [span.start for span in self.spans]
        self._longest = max((span.end - span.start for span in self.spans), default=0)
        self._by_id = {span.id: i for i, span in enumerate(self.spans)}

    def __len__(self) -> int:
        return len(self.spans)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.spans)

    def get(self, span_id: int) -> Span | None:
        i = self._by_id.get(span_id)
        return None if i is None else self.spans[i]

    def index_of(self, span_id: int) -> int | None:
        return self._by_id.get(span_id)

    def overlapping(self, start: int, end: int) -> list[Span]:
        """Spans sharing at least one character with ``[start, end)`` (or containing an
        empty range's position)."""
        lo = bisect_left(self._starts, start - self._longest)
        hi = bisect_right(self._starts, max(start, end - 1))
        if end <= start:
            return [s for s in self.spans[lo:hi] if s.start <= start < s.end]
        return [s for s in self.spans[lo:hi] if s.end > start and s.start < end]

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
