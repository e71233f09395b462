"""A few rows of rich ``Text`` painted through the Line API: the legend and panel titles.

A ``Static`` lays its whole content out through rich on every update, and the screen
paints it again: about a millisecond for the three-row legend, on every span labelled
(its counts change). Here each row is one cached strip, and changing a count repaints
that row only; a layout happens only when the number of rows changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class Lines(Widget, can_focus=False):
    DEFAULT_CSS = "Lines { height: auto; }"

    def __init__(self, *rows: Text | str, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: tuple[Text, ...] = tuple(map(_text, rows))
        self._strips: dict[int, tuple[Text, int, Strip]] = {}  # y -> (row, width, strip)

    @property
    def rows(self) -> tuple[Text, ...]:
        return self._rows

    def set_rows(self, rows: Sequence[Text | str]) -> None:
        new = tuple(map(_text, rows))
        old, self._rows = self._rows, new
        if len(old) != len(new):
            self._strips.clear()
            self.refresh(layout=True)
            return
        width = self.size.width
        for y, (was, now) in enumerate(zip(old, new, strict=True)):
            # Text's == looks at the characters and their spans, not the row's own style
            if was != now or was.style != now.style:
                self.refresh(Region(0, y, width, 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # a theme change: painted again in the new colours

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y >= len(self._rows) or width <= 0:
            return Strip.blank(width, base)
        row = self._rows[y]
        cached = self._strips.get(y)
        if cached is not None and cached[0] is row and cached[1] == width:
            return cached[2]
        strip = _paint(row, width, base, self.app.console)
        self._strips[y] = (row, width, strip)
        return strip


def _text(row: Text | str) -> Text:
    return row if isinstance(row, Text) else Text(row)


def _paint(row: Text, width: int, base: Style, console: Console) -> Strip:
    shown = row.copy()
    shown.truncate(width, overflow="ellipsis")
    segments = Segment.apply_style(shown.render(console, end=""), base)
    return Strip(list(segments)).crop_extend(0, width, base)
