"""Whose spans the reader shows: mine (the default), everyone's, or one other annotator's.

A mixin of the main screen. Everyone's view paints other people's spans underlined in
their label's colour, mine with the label's background, so both stay readable where they
overlap; the panel names each span's annotator. Only my own spans can be changed: in
everyone's view the edit keys act on my span under the cursor, and another annotator's
view is read-only (labelling there would create spans the view does not show).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotui.core.model import Span

if TYPE_CHECKING:
    from annotui.core.model import Document
    from annotui.core.store import Store
    from annotui.tui.widgets.reader import Reader

EVERYONE = "*"


class AnnotatorViews:
    view: str | None = None  # None: mine; EVERYONE; or one other annotator's name

    if TYPE_CHECKING:  # provided by MainScreen
        store: Store
        doc: Document
        reader: Reader

        def show_document(self, doc_id: int, cursor: int | None = None) -> None: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...

    def action_cycle_view(self) -> None:
        """Mine → everyone's → each other annotator's (of this document) → mine."""
        me = self.store.annotator
        others = [a for a in self.store.annotators(self.doc.id) if a != me]
        if not others and self.view is None:
            self.notify("only your spans on this document", timeout=3)
            return
        order: list[str | None] = [None, EVERYONE, *others]
        at = order.index(self.view) if self.view in order else 0
        self.view = order[(at + 1) % len(order)]
        self.show_document(self.doc.id, self.reader.cursor)
        self.notify(f"showing {self.view_name() or 'your spans'}", timeout=2)

    def view_name(self) -> str:
        """What the header says: nothing for my own view."""
        if self.view is None:
            return ""
        if self.view == EVERYONE and getattr(self, "review", False):
            return f"review into {self.store.annotator}"
        if self.view == EVERYONE:
            return "everyone's spans"
        return f"{self.view}'s spans (read-only)"

    def view_spans(self, doc_id: int) -> list[Span]:
        # the reader sorts them, and never shows when a span was made
        if self.view == EVERYONE:
            return self.store.spans(doc_id, everyone=True, ordered=False, timestamps=False)
        return self.store.spans(doc_id, self.view, ordered=False, timestamps=False)

    def in_view(self, span: Span) -> bool:
        if self.view == EVERYONE:
            return True
        return span.annotator == (self.view or self.store.annotator)

    def painted_as_mine(self) -> str | None:
        """The reader paints others' spans apart only when both are on screen."""
        return self.store.annotator if self.view == EVERYONE else None

    def may_label(self) -> bool:
        if self.view in (None, EVERYONE):
            return True
        self.notify(f"viewing {self.view}'s spans, read-only: A switches back to yours",
                    severity="warning")
        return False

    def may_change(self, span: Span, what: str) -> bool:
        if span.annotator == self.store.annotator:
            return True
        self.notify(f"that {span.label} span is {span.annotator}'s: {what} changes only"
                    " your own", severity="warning")
        return False
