"""The main screen's moves between documents and screens: ]/[, D, o, ?, f, p, q.

A mixin so that main_screen.py stays about labelling; ``self`` is the MainScreen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotui.tui.widgets.span_list import SpanList

if TYPE_CHECKING:
    from annotui.core.model import Document
    from annotui.core.spans import SpanIndex
    from annotui.core.store import Store
    from annotui.tui.widgets.reader import Reader


class DocumentActions:
    store: Store
    doc: Document
    index: SpanIndex
    reader: Reader
    app: Any

    if TYPE_CHECKING:  # provided by MainScreen and Screen; declared for the type checker
        def show_document(self, doc_id: int, cursor: int | None = None) -> None: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def query_one(self, *args: Any) -> Any: ...
        def remove_class(self, *names: str) -> Any: ...
        def toggle_class(self, *names: str) -> Any: ...
        def _commit(self, what: str, action: Any) -> Any: ...
        def _refresh_topbar(self) -> None: ...
        def _save_position(self) -> None: ...
        def _span_under_cursor(self) -> Any: ...

    def action_document(self, step: int) -> None:
        target = self.store.neighbour(self.doc.id, step)
        if target is not None:
            self.show_document(target)
        else:
            self.notify("first document" if step < 0 else "last document", timeout=2)

    def action_done(self) -> None:
        if self._commit("status", lambda: self.store.set_status(self.doc.id, "done")) is None \
                and self.store.status(self.doc.id) != "done":
            return
        target = self.store.neighbour(self.doc.id, 1, todo=True)
        if target is None:
            self._refresh_topbar()
            self.notify("marked done: every document is done 🎉", timeout=4)
        else:
            self.show_document(target)
            self.notify("marked done; next not-done document", timeout=2)

    def action_picker(self) -> None:
        from annotui.tui.screens.picker_screen import PickerScreen

        def picked(doc_id: int | None) -> None:
            if doc_id is not None and doc_id != self.doc.id:
                self.show_document(doc_id)

        self.app.push_screen(PickerScreen(self.store, self.doc.id), picked)

    def action_findings(self) -> None:
        from annotui.tui.screens.findings_screen import FindingsScreen

        def chosen(place: tuple[int, int, int] | None) -> None:
            if place is None:
                return
            doc_id, start, end = place
            if doc_id != self.doc.id:
                self.show_document(doc_id, start)
            self.reader.select(start, max(end, start + 1))

        self.app.push_screen(FindingsScreen(self.store.path, self.store.annotator), chosen)

    def action_agreement(self) -> None:
        from annotui.tui.screens.agreement_screen import AgreementScreen

        self.app.push_screen(AgreementScreen(self.store.path))

    def action_help(self) -> None:
        from annotui.tui.screens.help_screen import HelpScreen

        self.app.push_screen(HelpScreen(self.store.labels()))

    def action_focus_panel(self) -> None:
        """Move between the reader and the span list (up/down there move the reader)."""
        panel = self.query_one(SpanList)
        if panel.has_focus or not len(self.index):
            self.reader.focus()
            return
        self.remove_class("panel-hidden")
        under = self._span_under_cursor()
        panel.point_at(under.id if under else self.index.spans[0].id)
        panel.focus()

    def action_toggle_panel(self) -> None:
        self.toggle_class("panel-hidden")

    def action_quit(self) -> None:
        self._save_position()
        self.app.exit(0)
