"""The annotation panel's list: the document's spans in text order."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from annotui.core.display import one_line
from annotui.core.model import Span
from annotui.tui.widgets.paint import label_styles


class SpanList(OptionList):
    """One line per span: label chip, excerpt, note marker, annotator when not mine."""

    @dataclass
    class Focused(Message):
        """The user moved to a span in the list."""

        span_id: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ids: list[int] = []
        self._quiet = False

    def show(self, spans: list[Span], text: str, labels: list, me: str,
             current: int | None = None) -> None:
        styles = label_styles(labels)
        options = []
        for span in spans:
            line = Text(no_wrap=True, overflow="ellipsis")
            chip = styles.get(span.label)
            line.append(f" {span.label[:11]} ", style=chip or "reverse")
            # markers before the excerpt: a long excerpt is cut at the panel's edge
            line.append(" ✎" if span.note else "  ", style="bold")
            if span.annotator != me:
                line.append(f" {one_line(span.annotator, 12)}:", style="dim italic")
            line.append(" ")
            line.append(one_line(text[span.start:span.end], 200))
            options.append(Option(line, id=str(span.id)))
        self._ids = [span.id for span in spans]
        self._quiet = True
        self.clear_options()
        self.add_options(options)
        self._quiet = False
        self.point_at(current)

    def point_at(self, span_id: int | None) -> None:
        """Highlight a span without announcing it (the reader already moved)."""
        index = self._ids.index(span_id) if span_id in self._ids else None
        if index == self.highlighted:
            return
        self._quiet = True
        self.highlighted = index
        self._quiet = False

    @property
    def current(self) -> int | None:
        if self.highlighted is None or not self._ids:
            return None
        return self._ids[self.highlighted]

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if not self._quiet and event.option.id is not None and self.has_focus:
            self.post_message(self.Focused(int(event.option.id)))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Focused(int(event.option.id)))
