"""Review mode: adjudicate the annotators' spans into a gold annotator's.

A mixin of the main screen, on when annotui runs as ``annotui review``: the store's
annotator is the reviewer (``gold``), everyone's spans are overlaid (gold's filled, the
annotators' underlined), ``tab`` walks the undecided spans with disagreements first, ``a``
accepts the one under the cursor, ``Y`` accepts every agreed span in one undoable step,
and the ordinary keys label, delete and move gold's own spans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotui.core import review

if TYPE_CHECKING:
    from annotui.core.model import Document, Span
    from annotui.core.spans import SpanIndex
    from annotui.core.store import Store
    from annotui.tui.widgets.reader import Reader


class ReviewActions:
    review: bool = False
    # the group tab chose last: two groups can share a range (the same words labelled
    # differently), so the selection alone cannot say which one is meant
    _chosen: review.Group | None = None

    if TYPE_CHECKING:  # provided by MainScreen
        store: Store
        doc: Document
        reader: Reader
        index: SpanIndex

        def notify(self, message: str, **kwargs: Any) -> None: ...
        def show_document(self, doc_id: int, cursor: int | None = None) -> None: ...
        def _commit(self, what: str, action: Any) -> Any: ...
        def _reload_span(self, span_id: int, current: int | None = None,
                         fresh: Span | None = None) -> None: ...

    def review_groups(self) -> list[review.Group]:
        return review.groups(list(self.index), self.store.annotator)

    def panel_title(self) -> str:
        if not self.review:
            return f"spans · {len(self.index)}"
        return review.summary(self.review_groups(), self.store.annotator)

    def _theirs_under_cursor(self) -> Span | None:
        """The span tab selected, else the innermost span of another annotator at the
        cursor (or just before it)."""
        selection = self.reader.selection
        chosen = self._chosen
        if selection is not None:
            exact = [s for s in self.index.at(selection[0]) if s.annotator !=
                     self.store.annotator and (s.start, s.end) == selection]
            if chosen is not None and (chosen.start, chosen.end) == selection:
                exact = [s for s in exact if s.label == chosen.label] or exact
            if exact:
                return exact[0]
        for offset in (self.reader.cursor, self.reader.cursor - 1):
            theirs = [s for s in self.index.at(max(offset, 0))
                      if s.annotator != self.store.annotator]
            if theirs:
                return theirs[0]
        return None

    def action_accept(self) -> None:
        span = self._theirs_under_cursor()
        if span is None:
            self.notify("no annotator's span here to accept (tab finds the next one)",
                        severity="warning")
            return
        who = self.store.annotator
        if any(s.annotator == who and (s.start, s.end, s.label) == (span.start, span.end,
                                                                    span.label)
               for s in self.index.at(span.start)):
            self.notify(f"{who} already has this {span.label} span", timeout=2)
            return
        added = self._commit("accept", lambda: self.store.add_span(
            self.doc.id, span.start, span.end, span.label))
        if added:
            self._reload_span(added.id, current=added.id)
            self.notify(f"accepted {span.label} from {span.annotator} into {who}", timeout=2)

    def action_accept_agreed(self) -> None:
        agreed = [g for g in self.review_groups() if g.agreed and not g.in_gold]
        if not agreed:
            self.notify("no agreed spans left to accept", timeout=2)
            return
        added = self._commit("accept", lambda: self.store.add_spans(
            self.doc.id, [(g.start, g.end, g.label) for g in agreed]))
        if added:
            self.show_document(self.doc.id, self.reader.cursor)
            self.notify(f"accepted {len(added)} agreed spans (u undoes them together)",
                        timeout=3)

    def review_step(self, direction: int) -> None:
        """tab in review mode: the next undecided span, disagreements first."""
        undecided = [g for g in self.review_groups() if not g.in_gold]
        if not undecided:
            self.notify("nothing left to decide in this document: D marks it done",
                        timeout=3)
            return
        here = (self.reader.selection or (self.reader.cursor, self.reader.cursor))
        chosen = self._chosen
        keys = [(g.start, g.end, g.label) for g in undecided]
        if chosen is not None and (chosen.start, chosen.end) == here and \
                (chosen.start, chosen.end, chosen.label) in keys:
            at: int | None = keys.index((chosen.start, chosen.end, chosen.label))
        else:
            at = next((i for i, g in enumerate(undecided) if (g.start, g.end) == here), None)
        target = undecided[0 if at is None and direction > 0 else
                           -1 if at is None else (at + direction) % len(undecided)]
        self._chosen = target
        self.reader.select(target.start, target.end)
        self.notify(target.describe(), timeout=2)
