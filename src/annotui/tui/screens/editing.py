"""Labelling and changing spans, and undo/redo: the main screen's editing actions.

A mixin of the main screen. Each action goes through the Store first and repaints only
what the commit changed (``_reload_span``); a refused commit is reported by ``_commit``
and changes nothing on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotui.core import text as tx
from annotui.core.display import one_line
from annotui.tui.widgets.span_list import SpanList

if TYPE_CHECKING:
    from annotui.core.history import Change
    from annotui.core.model import Document, Span
    from annotui.core.spans import SpanIndex
    from annotui.core.store import Store
    from annotui.tui.widgets.reader import Reader


class SpanEditing:
    if TYPE_CHECKING:  # provided by MainScreen and its other mixins
        store: Store
        doc: Document
        reader: Reader
        index: SpanIndex
        app: Any

        def notify(self, message: str, **kwargs: Any) -> None: ...
        def query_one(self, *args: Any) -> Any: ...
        def show_document(self, doc_id: int, cursor: int | None = None) -> None: ...
        def _commit(self, what: str, action: Any) -> Any: ...
        def _reload_span(self, span_id: int, current: int | None = None,
                         fresh: Span | None = None) -> None: ...
        def _span_under_cursor(self) -> Span | None: ...
        def _refresh_topbar(self) -> None: ...
        def _update_bindings(self) -> None: ...
        def may_label(self) -> bool: ...
        def may_change(self, span: Span, what: str) -> bool: ...
        def review_step(self, direction: int) -> None: ...
        review: bool

    # -- labelling ------------------------------------------------------------------

    def action_label(self, number: int) -> None:
        if not self.may_label():
            return
        label = next((lb for lb in self.store.labels() if lb.key == str(number)), None)
        if label is None:
            self.notify(f"no label on key {number}: `annotui labels` to bind one",
                        severity="warning")
            return
        selection = self.reader.selection
        if selection is None:
            self.notify(f"select some text first (v, s, shift+arrows), then {number}",
                        severity="warning")
            return
        span_range = tx.selection_to_span(self.doc.text, *selection,
                                          snap_words=self.app.snap_words)  # type: ignore
        if span_range is None:
            self.notify("the selection is only white space", severity="warning")
            return
        span = self._commit("label", lambda: self.store.add_span(self.doc.id, *span_range,
                                                                 label.name))
        if span is None:
            return
        self.reader.clear_selection()
        self._reload_span(span.id, current=span.id, fresh=span)

    def action_delete_span(self) -> None:
        span = self._span_under_cursor()
        if span is None:
            self.notify("no span here to delete", severity="warning")
            return
        if not self.may_change(span, "x"):
            return
        if self._commit("deletion", lambda: self.store.delete_span(span.id)):
            self._reload_span(span.id)
            self.notify(f"deleted {span.label} span (u undoes)", timeout=3)

    def action_relabel(self) -> None:
        from annotui.tui.screens.dialogs import LabelChooser

        span = self._span_under_cursor()
        if span is None:
            self.notify("no span here to relabel", severity="warning")
            return
        if not self.may_change(span, "r"):
            return

        def chosen(name: str | None) -> None:
            if name and self._commit("relabel", lambda: self.store.relabel_span(span.id, name)):
                self._reload_span(span.id, current=span.id)

        self.app.push_screen(LabelChooser(self.store.labels(), span.label), chosen)

    def action_note(self) -> None:
        from annotui.tui.screens.dialogs import NoteEditor

        span = self._span_under_cursor()
        if span is None:
            self.notify("no span here to annotate", severity="warning")
            return
        if not self.may_change(span, "n"):
            return

        def written(note: str | None) -> None:
            if note is not None and self._commit(
                    "note", lambda: self.store.set_note(span.id, note.strip() or None)):
                self._reload_span(span.id, current=span.id)

        excerpt = one_line(self.doc.text[span.start:span.end], 70)
        self.app.push_screen(NoteEditor(excerpt, span.note or ""), written)

    def action_move_edge(self, edge: str, direction: int) -> None:
        span = self._span_under_cursor()
        if span is None or not self.may_change(span, "alt+arrows"):
            return
        text = self.doc.text
        start, end = span.start, span.end
        if edge == "end":
            if direction > 0:
                end = tx.next_word_end(text, end)
            else:  # back to the start of the last word, then drop the white space
                end = tx.trim(text, start, tx.prev_word_start(text, end))[1]
        elif direction < 0:
            start = tx.prev_word_start(text, start)
        else:
            following = tx.next_word_start(text, start)
            if following >= end:
                return  # one word left: shrinking further would split it
            start = tx.trim(text, following, end)[0]
        if (start, end) == (span.start, span.end) or start >= end:
            return
        moved = self._commit("move", lambda: self.store.move_span(span.id, start, end))
        if moved:
            self._reload_span(span.id, current=span.id)

    def action_next_span(self, direction: int) -> None:
        if self.review:
            self.review_step(direction)
            return
        index = self.reader.index
        if not len(index):
            self.notify("no spans in this document yet", severity="information", timeout=2)
            return
        current = self._span_under_cursor()
        spans = index.spans
        if current is not None and index.index_of(current.id) is not None:
            i = (index.index_of(current.id) + direction) % len(spans)  # type: ignore
            target = spans[i]
        elif direction > 0:
            target = index.next_after(self.reader.cursor) or spans[0]
        else:
            target = index.previous_before(self.reader.cursor) or spans[-1]
        self.reader.move_to(target.start)
        self.query_one(SpanList).point_at(target.id)
        self.reader.focus()

    # -- history --------------------------------------------------------------------

    def action_undo(self) -> None:
        self._replay(self.store.undo, "undo")

    def action_redo(self) -> None:
        self._replay(self.store.redo, "redo")

    def _replay(self, step, word: str) -> None:  # type: ignore[no-untyped-def]
        change: Change | None = self._commit(word, lambda: step(self.doc.id))
        if change is None:
            self.notify(f"nothing to {word}", timeout=2)
            return
        if change.action in ("add_many", "accept", "reject"):
            # several spans, or suggestions (which _reload_span does not read): read the
            # document again
            self.show_document(self.doc.id, self.reader.cursor)
        elif change.span_id is not None:
            self._reload_span(change.span_id)
        if change.start is not None:
            self.reader.move_to(change.start)
        self._refresh_topbar()
        self._update_bindings()
        self.notify(change.describe(), timeout=2)
