"""`=`: inter-annotator agreement, the tables of ``annotui agree``, over the corpus.

Computed in a worker thread on its own read-only connection (an SQLite connection stays
in its thread), so a large corpus never freezes the reader; escape closes at any time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class AgreementScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,equals_sign", "dismiss", "close", id="agreement.close")]

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.tables: list[Any] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="agreement"):
            yield Static("Agreement — escape closes", classes="dialog-title")
            yield Static(Text("computing…", style="dim"), id="agreement-body")

    def on_mount(self) -> None:
        self._compute()

    @work(thread=True, exclusive=True)
    def _compute(self) -> None:
        tables = _tables(self.db_path)
        self.app.call_from_thread(self._show, tables)

    def _show(self, tables: list[Any]) -> None:
        from rich.console import Group

        self.tables = tables  # what is shown, for tests and the palette
        self.query_one("#agreement-body", Static).update(Group(*tables))


def _tables(db_path: Path) -> list[Any]:
    """What `annotui agree` prints, or one line saying why there is nothing to show."""
    from annotui.cli_team import LEGEND, alpha_table, pair_tables, summary_table
    from annotui.core.agreement import agreement
    from annotui.core.schema import StoreError
    from annotui.core.store import Store

    try:
        with Store(db_path, annotator="-", readonly=True) as store:
            result = agreement(store)
            colors = {label.name: label.color for label in store.labels()}
    except StoreError as exc:
        return [Text(f"cannot compute agreement: {exc}", style="red")]
    if not result.pairs:
        return [Text("No two annotators labelled the same document yet: agreement needs "
                     "their work in this database (`annotui merge` brings it in).")]
    shown = {s.label for pair in result.pairs for s in pair.labels if s.spans_a or s.spans_b}
    out: list[Any] = pair_tables(result, shown, colors)
    if len(result.pairs) > 1:
        out.append(summary_table(result))
    if result.group is not None:
        out.append(alpha_table(result, shown, colors))
    legend = [line for line in LEGEND if result.group or not line.startswith("α")]
    out.append(Text("\n".join(legend), style="dim"))
    return out
