"""Suggestions in the reader: proposals shown apart from labels, decided with a key.

A mixin of the main screen. ``'`` and ``"`` select the next / previous open suggestion,
``y`` accepts the one under the cursor (it becomes my span), ``d`` dismisses it (it is
never proposed again), ``+`` / ``-`` accept / dismiss all of this document's in one step,
``*`` / ``&`` propose my span's label on every other occurrence of its text in this
document / the corpus, and ``P`` runs a pattern file. Every decision is an ordinary
undoable change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotui.core.spans import SpanIndex

if TYPE_CHECKING:
    from annotui.core.model import Document, Span
    from annotui.core.store import Store
    from annotui.tui.widgets.reader import Reader


class SuggestionActions:
    suggested: SpanIndex = SpanIndex()

    if TYPE_CHECKING:  # provided by MainScreen and its other mixins
        store: Store
        doc: Document
        reader: Reader
        view: str | None

        def notify(self, message: str, **kwargs: Any) -> None: ...
        def show_document(self, doc_id: int, cursor: int | None = None) -> None: ...
        def _commit(self, what: str, action: Any) -> Any: ...
        def _reload_span(self, span_id: int, current: int | None = None,
                         fresh: Span | None = None) -> None: ...
        def _refresh_panel(self, current: int | None = None) -> None: ...
        def _span_under_cursor(self) -> Span | None: ...
        def may_label(self) -> bool: ...
        def may_change(self, span: Span, what: str) -> bool: ...

    def load_suggestions(self, doc_id: int) -> SpanIndex:
        """My open suggestions here; none in another annotator's (read-only) view."""
        if self.view not in (None, "*"):
            return SpanIndex()
        return SpanIndex(self.store.suggestions(doc_id))  # type: ignore[arg-type]

    def _suggestion_under_cursor(self) -> Any:
        cursor = self.reader.cursor
        found = self.suggested.at(cursor) or (self.suggested.at(cursor - 1) if cursor else [])
        return found[0] if found else None

    def _decided(self, suggestion: Any, span_id: int | None) -> None:
        """Take a decided suggestion off the screen; show the span it became, if any."""
        self.suggested.replace(suggestion.id, None)
        self.reader.set_suggestions(self.suggested, [(suggestion.start, suggestion.end)])
        self.reader.clear_selection()
        if span_id is not None:
            self._reload_span(span_id, current=span_id)
        else:
            self._refresh_panel()

    def action_accept_suggestion(self) -> None:
        found = self._suggestion_under_cursor()
        if found is None:
            self.notify("no suggestion here (' finds the next one)", severity="warning")
            return
        if not self.may_label():
            return
        span = self._commit("accept", lambda: self.store.accept_suggestion(found.id))
        if span is not None:
            self._decided(found, span.id)
            self.notify(f"accepted {found.label} (u undoes)", timeout=2)

    def action_dismiss_suggestion(self) -> None:
        found = self._suggestion_under_cursor()
        if found is None:
            self.notify("no suggestion here (' finds the next one)", severity="warning")
            return
        if not self.may_label():
            return
        if self._commit("dismissal", lambda: self.store.reject_suggestion(found.id)):
            self._decided(found, None)
            self.notify(f"dismissed {found.label}: not proposed again (u undoes)", timeout=2)

    def action_decide_all(self, accept: bool) -> None:
        if not len(self.suggested):
            self.notify("no open suggestions in this document", timeout=2)
            return
        if not self.may_label():
            return
        doc_id = self.doc.id
        done = self._commit("decision", lambda: (self.store.accept_all(doc_id) if accept
                                                 else self.store.reject_all(doc_id)))
        if done:
            count = len(done) if accept else done
            self.show_document(doc_id, self.reader.cursor)
            verb = "accepted" if accept else "dismissed"
            self.notify(f"{verb} {count} suggestions (u undoes them together)", timeout=3)

    def action_next_suggestion(self, step: int) -> None:
        if not len(self.suggested):
            self.notify("no open suggestions in this document", timeout=2)
            return
        selection = self.reader.selection
        # from a selected suggestion, the one after it; from a bare cursor, one starting
        # right there counts as next
        cursor = selection[0] if selection else self.reader.cursor - (step > 0)
        target = (self.suggested.next_after(cursor) if step > 0
                  else self.suggested.previous_before(cursor))
        if target is None:  # wrap round
            spans = self.suggested.spans
            target = spans[0] if step > 0 else spans[-1]
        self.reader.select(target.start, target.end)
        detail = getattr(target, "detail", "")
        self.notify(f"{target.label} suggested{f' ({detail})' if detail else ''}:"
                    " y accepts, d dismisses", timeout=3)

    _pattern_file = ""

    def action_patterns(self) -> None:
        """P: run a pattern file (as `annotui suggest --patterns`) here or everywhere."""
        from annotui.tui.screens.dialogs import PatternPrompt

        def chosen(answer: tuple[str, bool] | None) -> None:
            if answer is None or not self.may_label():
                return
            path, everywhere = answer
            self._pattern_file = path
            self._run_patterns(path, None if everywhere else [self.doc.id])

        self.app.push_screen(PatternPrompt(self._pattern_file), chosen)

    def _run_patterns(self, path: str, doc_ids: list[int] | None) -> None:
        from pathlib import Path

        from annotui.core.patterns import load_patterns

        def run() -> int:
            return self.store.suggest_patterns(load_patterns(Path(path).expanduser()),
                                               doc_ids)

        count = self._commit("suggestions", run)  # a bad file: one line naming FILE:LINE
        if count is None:
            return
        self.suggested = self.load_suggestions(self.doc.id)
        self.reader.set_suggestions(self.suggested)
        self._refresh_panel()
        where = "this document" if doc_ids else "every document"
        self.notify(f"{count} new suggestions in {where}"
                    + (": ' goes to them, y accepts" if count else ""), timeout=4)

    def action_propagate(self, scope: str) -> None:
        span = self._span_under_cursor()
        if span is None:
            self.notify("put the cursor on a span to propose its label elsewhere",
                        severity="warning")
            return
        if not self.may_change(span, "*"):
            return
        count = self._commit("suggestions", lambda: self.store.propagate(span.id, scope))
        if count is None:
            return
        self.suggested = self.load_suggestions(self.doc.id)
        self.reader.set_suggestions(self.suggested)
        self._refresh_panel()
        where = "this document" if scope == "document" else "the corpus"
        self.notify(f"{count} more occurrences in {where} proposed as {span.label}"
                    + (": ' goes to them, + accepts all" if count else ""), timeout=4)
