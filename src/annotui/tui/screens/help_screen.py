"""`?`: every key, and the label guidelines."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from annotui.core.display import display_text
from annotui.core.model import Label
from annotui.tui import keymap
from annotui.tui.widgets.paint import label_styles


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close", id="help.close")]

    def __init__(self, labels: list[Label]) -> None:
        super().__init__()
        self.labels = labels

    def compose(self) -> ComposeResult:
        keys = Table(box=None, show_header=False, pad_edge=False, expand=True)
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for shown, description, _ in keymap.rows():
            keys.add_row(shown, description)
        guide = Text()
        styles = label_styles(self.labels)
        for label in self.labels:
            guide.append(f" {label.key or ' '} ", style="bold reverse")
            guide.append(" ")
            guide.append(f" {display_text(label.name)} ", style=styles[label.name])
            guide.append("\n")
            guide.append(display_text(label.description.strip() or "(no guideline yet)"))
            guide.append("\n\n")
        with VerticalScroll(classes="dialog wide", id="help"):
            yield Static("Keys — escape closes; ctrl+p finds any action", classes="dialog-title")
            yield Static(keys)
            yield Static("Labels and their guidelines", classes="dialog-title")
            yield Static(guide)
            yield Static(Text("Selections snap to whole words and drop surrounding spaces. "
                              "Every change is saved the moment it shows; u undoes, even "
                              "after a restart.", style="dim"))
