"""A ScrollView whose scrollbar is drawn again only when its thumb moves on screen, and
whose virtual size changes without laying out the screen.

Textual repaints the scrollbar, through rich, whenever the scroll position changes. In
a long document one row of scrolling moves the thumb by far less than the eighth of a
cell it is drawn in, so the repaint draws the same bar: a tenth of a one-row scroll.
"""

from __future__ import annotations

import math

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar


def thumb(height: int, rows: int, top: float) -> tuple[int, int]:
    """Where Textual's ScrollBarRender puts the thumb, in eighths of a cell."""
    if height <= 0 or rows <= 0:
        return 0, 0
    size = max(1.0, height / (rows / height))
    start = int((height - size) * (top / (rows - height)) * 8) if rows > height else 0
    return start, start + math.ceil(size * 8)


class QuietScrollView(ScrollView):
    def set_virtual_size(self, size: Size) -> None:
        """As ``self.virtual_size = size`` without the screen layout that assignment
        asks for (a layout reactive): a line-API view's size moves only its own
        scrollbars, which are updated here. The scrollbars appearing or going still lay
        the screen out (Textual does that when their visibility changes)."""
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            height, rows = bar.size.height, self.virtual_size.height
            if thumb(height, rows, old_value) == thumb(height, rows, new_value):
                bar.set_reactive(ScrollBar.position, new_value)  # up to date, not redrawn
            else:
                bar.position = new_value
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)
