"""The document picker (`o`): filter by title, status and labels, jump with enter."""

from __future__ import annotations

from collections.abc import Mapping

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from annotui.core.store import Store
from annotui.tui.widgets.doc_list import DocList


class PickerScreen(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "close", id="picker.close"),
        Binding("down", "cursor(1)", "down", show=False, id="picker.down"),
        Binding("up", "cursor(-1)", "up", show=False, id="picker.up"),
        Binding("pagedown", "page(1)", "page down", show=False, id="picker.page_down"),
        Binding("pageup", "page(-1)", "page up", show=False, id="picker.page_up"),
    ]

    def __init__(self, store: Store, current: int) -> None:
        super().__init__()
        self.store = store
        self.current = current
        self.docs = store.documents(count_spans=False)  # it shows counts per label
        self.labels = store.labels()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="picker"):
            yield Static("Documents — type to filter (words, done/todo/skipped, has:LABEL);"
                         " enter opens", classes="dialog-title")
            yield Input(placeholder="filter…", id="filter")
            yield DocList(self.docs, LabelCounts(self.store), self.labels, self.current,
                          id="docs")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self.query_one(DocList).filter(event.value)

    @on(Input.Submitted, "#filter")
    def _open_highlighted(self) -> None:
        chosen = self.query_one(DocList).chosen
        if chosen is not None:
            self.dismiss(chosen)

    @on(DocList.Chosen)
    def _clicked(self, event: DocList.Chosen) -> None:
        self.dismiss(event.doc_id)

    def action_cursor(self, step: int) -> None:
        self.query_one(DocList).move(step)

    def action_page(self, step: int) -> None:
        docs = self.query_one(DocList)
        docs.move(step * docs.page)


class LabelCounts:
    """Each document's span counts per label, asked for the rows on screen as they are
    painted; all of them at once only when a filter says has:LABEL. Reading every span's
    count when the picker opened took longer than the rest of it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[int, dict[str, int]] = {}
        self._folded: dict[int, dict[str, int]] | None = None

    def of(self, doc_id: int) -> Mapping[str, int]:
        counts = self._known.get(doc_id)
        if counts is None:
            if self._folded is not None:  # every document's is known: it has no spans
                return {}
            counts = self._known[doc_id] = self._store.label_counts(doc_id).get(doc_id, {})
        return counts

    def everywhere(self) -> Mapping[int, Mapping[str, int]]:
        # by lower-case name, as has: is typed; "Claim" and "claim" are two labels, and
        # has:claim finds either
        if self._folded is None:
            self._known = self._store.label_counts()
            self._folded = {}
            for doc, found in self._known.items():
                folded = self._folded[doc] = {}
                for name, n in found.items():
                    folded[name.lower()] = folded.get(name.lower(), 0) + n
        return self._folded
