"""The label legend: key, colour, name and how many spans each label has here."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from annotui.core.display import display_text
from annotui.core.model import Label
from annotui.tui.widgets.lines import Lines
from annotui.tui.widgets.paint import label_styles


class Legend(Lines):
    def show(self, labels: list[Label], counts: Mapping[str, int]) -> None:
        styles = label_styles(labels)
        rows = []
        for label in labels:
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(f" {label.key or ' '} ", style="bold reverse")
            text.append(" ")
            text.append(f" {display_text(label.name)} ", style=styles[label.name])
            text.append(f" {counts.get(label.name, 0)}", style="dim")
            rows.append(text)
        if not labels:
            rows.append(Text("no labels: `annotui labels add NAME`", style="dim"))
        self.set_rows(rows)  # a count changed: that row repaints, nothing is laid out
