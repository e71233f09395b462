"""The label legend: key, colour, name and how many spans each label has here."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from annotui.core.display import display_text
from annotui.core.model import Label
from annotui.tui.widgets.paint import label_styles


class Legend(Static):
    def show(self, labels: list[Label], counts: Mapping[str, int]) -> None:
        styles = label_styles(labels)
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, label in enumerate(labels):
            if n:
                text.append("\n")
            text.append(f" {label.key or ' '} ", style="bold reverse")
            text.append(" ")
            text.append(f" {display_text(label.name)} ", style=styles[label.name])
            text.append(f" {counts.get(label.name, 0)}", style="dim")
        if not labels:
            text.append("no labels: `annotui labels add NAME`", style="dim")
        # a count changed, not the number of lines: repaint in place, no screen layout
        same_shape = getattr(self, "_lines", None) == len(labels)
        self._lines = len(labels)
        self.update(text, layout=not same_shape)
