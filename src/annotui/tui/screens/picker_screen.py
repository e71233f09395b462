"""The document picker (`o`): filter by title, status and labels, jump with enter."""

from __future__ import annotations

from collections import defaultdict

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from annotui.core.display import display_text, one_line
from annotui.core.model import DocumentInfo
from annotui.core.store import Store

STATUS_STYLE = {"done": "green", "skipped": "yellow", "todo": "dim"}


def matches(doc: DocumentInfo, labels: dict[str, int], query: str) -> bool:
    """Words match the title or key; `done`/`todo`/`skipped` the status; `has:LABEL` a label."""
    for word in query.lower().split():
        if word in ("done", "todo", "skipped") or word.startswith("status:"):
            if doc.status != word.removeprefix("status:"):
                return False
        elif word.startswith("has:"):
            if not labels.get(word[4:]):
                return False
        elif word not in doc.title.lower() and word not in doc.key.lower():
            return False
    return True


class PickerScreen(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "close", id="picker.close"),
        Binding("down", "cursor(1)", "down", show=False, id="picker.down"),
        Binding("up", "cursor(-1)", "up", show=False, id="picker.up"),
    ]

    def __init__(self, store: Store, current: int) -> None:
        super().__init__()
        self.store = store
        self.current = current
        self.docs = store.documents()
        self.label_counts: dict[int, dict[str, int]] = defaultdict(dict)
        for doc_id, label, n in store.conn.execute(
                "SELECT spans.document_id, labels.name, count(*) FROM spans"
                " JOIN labels ON labels.id = spans.label_id WHERE spans.annotator = ?"
                " GROUP BY 1, 2", (store.annotator,)):
            self.label_counts[doc_id][label.lower()] = n
        self.labels = store.labels()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("Documents — type to filter (words, done/todo/skipped, has:LABEL);"
                         " enter opens", classes="dialog-title")
            yield Input(placeholder="filter…", id="filter")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="docs")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("#", key="n")
        table.add_column("title", key="title")
        table.add_column("status", key="status")
        for label in self.labels:
            table.add_column(Text(display_text(label.name)[:10], style=label.color),
                             key=f"l:{label.name}")
        table.add_column("chars", key="chars")
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for n, doc in enumerate(self.docs, 1):
            counts = self.label_counts.get(doc.id, {})
            if not matches(doc, counts, query):
                continue
            table.add_row(
                str(n), Text(one_line(doc.title, 44)),
                Text(doc.status, style=STATUS_STYLE[doc.status]),
                *[str(counts.get(label.name.lower(), 0) or "") for label in self.labels],
                f"{doc.length:,}", key=str(doc.id))
        keys = [row.value for row in table.rows]
        if str(self.current) in keys:
            table.move_cursor(row=keys.index(str(self.current)))

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _open_highlighted(self) -> None:
        self._open()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(event.row_key.value or 0))

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def _open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
            self.dismiss(int(key.value or 0))
