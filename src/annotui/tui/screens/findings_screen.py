"""`!`: the consistency checks of ``annotui check`` for my spans, each finding a jump.

Computed in a worker thread on its own read-only connection (``check`` reads the whole
corpus); enter on a finding closes the list and selects its place in its document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

LIMIT = 2000  # findings listed; the CLI gives them all
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


class FindingsScreen(ModalScreen["tuple[int, int, int] | None"]):
    """Dismissed with (document id, start, end) of the chosen finding, or None."""

    BINDINGS = [Binding("escape,exclamation_mark", "dismiss(None)", "close",
                        id="findings.close")]

    def __init__(self, db_path: Path, annotator: str) -> None:
        super().__init__()
        self.db_path = db_path
        self.annotator = annotator
        self.findings: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="findings"):
            yield Static("Consistency of your labels — enter jumps, escape closes",
                         classes="dialog-title")
            yield Static(Text("checking…", style="dim"), id="findings-summary")
            yield OptionList(id="findings-list")

    def on_mount(self) -> None:
        self._check()

    @work(thread=True, exclusive=True)
    def _check(self) -> None:
        from annotui.core.consistency import check
        from annotui.core.schema import StoreError
        from annotui.core.store import Store

        found: list[Any] = []
        error = None
        try:
            with Store(self.db_path, annotator=self.annotator, readonly=True) as store:
                for finding in check(store):
                    found.append(finding)
                    if len(found) > LIMIT:
                        break
        except StoreError as exc:
            error = str(exc)
        self.app.call_from_thread(self._show, found, error)

    def _show(self, found: list[Any], error: str | None) -> None:
        self.findings = found[:LIMIT]
        summary = self.query_one("#findings-summary", Static)
        if error is not None:
            summary.update(Text(f"cannot check: {error}", style="red"))
            return
        if not found:
            summary.update(Text("No findings: your labels agree with themselves.",
                                style="green"))
            return
        more = f" (the first {LIMIT}; `annotui check` lists all)" if len(found) > LIMIT else ""
        summary.update(Text(f"{len(self.findings)} findings{more}", style="bold"))
        options = []
        for n, finding in enumerate(self.findings):
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{finding.severity:<7} ", style=SEVERITY_STYLE.get(finding.severity, ""))
            line.append(f"{finding.document_key}:{finding.line} ", style="dim")
            line.append(finding.message)
            options.append(Option(line, id=str(n)))
        listing = self.query_one(OptionList)
        listing.add_options(options)
        listing.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        finding = self.findings[int(event.option.id or 0)]
        self.dismiss((finding.document_id, finding.start, finding.end))
