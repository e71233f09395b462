"""Small modal dialogs: choose a label, edit a note."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotui.core.display import VisibleControls, display_text
from annotui.core.model import Label
from annotui.tui.widgets.paint import label_styles


class LabelChooser(ModalScreen[str | None]):
    """Pick a label by its key, or move and press enter; escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "cancel", id="dialog.cancel")]

    def __init__(self, labels: list[Label], current: str | None = None) -> None:
        super().__init__()
        self.labels = labels
        self.current = current

    def compose(self) -> ComposeResult:
        styles = label_styles(self.labels)
        options = []
        for label in self.labels:
            line = Text()
            line.append(f" {label.key or ' '} ", style="bold reverse")
            line.append(" ")
            line.append(f" {display_text(label.name)} ", style=styles[label.name])
            if label.name == self.current:
                line.append("  (now)", style="dim")
            options.append(Option(line, id=label.name))
        with Vertical(classes="dialog"):
            yield Static("Relabel as… (key or enter, escape cancels)", classes="dialog-title")
            yield OptionList(*options, id="choices")

    def on_mount(self) -> None:
        names = [label.name for label in self.labels]
        choices = self.query_one(OptionList)
        choices.highlighted = names.index(self.current) if self.current in names else 0
        choices.focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        label = next((lb for lb in self.labels if lb.key and lb.key == event.character), None)
        if label is not None:
            event.stop()
            self.dismiss(label.name)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class NoteEditor(ModalScreen[str | None]):
    """Write or change the note of a span; enter saves, escape cancels, empty removes."""

    BINDINGS = [Binding("escape", "dismiss(None)", "cancel", id="dialog.cancel")]

    def __init__(self, excerpt: str, note: str) -> None:
        super().__init__()
        self.excerpt = excerpt
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Note (enter saves, escape cancels, empty removes)",
                         classes="dialog-title")
            yield Static(Text(self.excerpt, style="italic"), classes="dialog-excerpt")
            yield Input(value=self.note, placeholder="why this label, doubts, context…",
                        highlighter=VisibleControls(), id="note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class PatternPrompt(ModalScreen["tuple[str, bool] | None"]):
    """Ask for a pattern file; enter applies it to this document, ctrl+a to every one."""

    BINDINGS = [Binding("escape", "dismiss(None)", "cancel", id="dialog.cancel"),
                Binding("ctrl+a", "everywhere", "every document", id="dialog.everywhere")]

    def __init__(self, last: str = "") -> None:
        super().__init__()
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Pattern file (TOML or JSONL): enter for this document, ctrl+a for"
                         " every document, escape cancels", classes="dialog-title")
            yield Input(value=self.last, placeholder="patterns.toml", id="pattern-path")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss((event.value.strip(), False))

    def action_everywhere(self) -> None:
        value = self.query_one(Input).value.strip()
        if value:
            self.dismiss((value, True))
