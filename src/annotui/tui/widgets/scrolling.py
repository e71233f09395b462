"""A ScrollView whose scrollbar is drawn again only when its thumb moves on screen, and
whose virtual size changes without laying out the screen.

Textual repaints the scrollbar, through rich, whenever the scroll position changes. In
a long document one row of scrolling moves the thumb by far less than the eighth of a
cell it is drawn in, so the repaint draws the same bar: a tenth of a one-row scroll.
"""

from __future__ import annotations

import math
from typing import Self

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip


def thumb(height: int, rows: int, top: float) -> tuple[int, int]:
    """Where Textual's ScrollBarRender puts the thumb, in eighths of a cell."""
    if height <= 0 or rows <= 0:
        return 0, 0
    size = max(1.0, height / (rows / height))
    start = int((height - size) * (top / (rows - height)) * 8) if rows > height else 0
    return start, start + math.ceil(size * 8)


class LineScrollBar(ScrollBar):
    """Textual's vertical scrollbar, the same cells, drawn through the Line API from one
    cached column: through rich's console, a 40-row bar took 2 ms to draw again, the
    largest part of labelling a span once the panel's list had a scrollbar."""

    # the bar's cells as last computed (a Segment a row) and as last drawn; strips are
    # made only for rows drawn
    _column: tuple[tuple[object, ...], list[Segment]] | None = None
    _painted: list[Segment] | None = None
    _strips: dict[int, Strip] | None = None

    def render_line(self, y: int) -> Strip:
        column = self._cells()
        if column is not self._painted:
            self._painted, self._strips = column, {}
        assert self._strips is not None
        if not 0 <= y < len(column):
            return Strip.blank(self.size.width)
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = Strip([column[y]], self.size.width)
        return strip

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        """A whole-bar refresh (a new position or length) repaints only the rows that
        change: the two or three where the thumb starts and ends."""
        painted = self._painted
        if regions or layout or recompose or not painted or not self.is_mounted:
            return super().refresh(*regions, repaint=repaint, layout=layout,
                                   recompose=recompose)
        column = self._cells()
        if column is painted:
            return self
        if len(column) != len(painted):
            return super().refresh(repaint=repaint)
        width = self.size.width
        for y, (was, now) in enumerate(zip(painted, column, strict=True)):
            if was != now:
                super().refresh(Region(0, y, width, 1))
        return self

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._column = None  # a theme change: the bar's colours

    def _cells(self) -> list[Segment]:
        # what render() reads, so that a row drawn again (most are, one by one) does not
        # build the renderable again to find the column unchanged
        state = (self.size, self.window_size, self.window_virtual_size, self.position,
                 self.grabbed, self.mouse_over)
        if self._column is not None and self._column[0][0] == state:
            return self._column[1]
        bar = self.render()
        assert isinstance(bar, ScrollBarRender)
        style = bar.style if isinstance(bar.style, Style) else self.app.console.get_style(
            bar.style)
        width, height = self.size
        key = (state, bar.window_size, bar.virtual_size, bar.position, style)
        if self._column is None or self._column[0] != key:
            segments = ScrollBarRender.render_bar(
                size=height, window_size=bar.window_size, virtual_size=bar.virtual_size,
                position=bar.position, vertical=True, thickness=width,
                back_color=style.bgcolor or Color.parse("#555555").rich_color,
                bar_color=style.color or Color.parse("bright_magenta").rich_color).segments
            self._column = (key, list(segments))
        return self._column[1]


class QuietScrollView(ScrollView):
    """A line-API view that scrolls, resizes and grows without more repainting than
    the lines that change (see the module docstring)."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        # as Textual's own property, with the scrollbar above
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = bar = LineScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def set_virtual_size(self, size: Size) -> None:
        """As ``self.virtual_size = size`` without the screen layout that assignment
        asks for (a layout reactive): a line-API view's size moves only its own
        scrollbars, which are updated here. The scrollbars appearing or going still lay
        the screen out (Textual does that when their visibility changes)."""
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    _repaint_on_scroll = True

    def scroll_quietly(self, y: int) -> None:
        """Scroll to row ``y`` without repainting the view: for a caller that knows
        which lines now show something else, and refreshes only those."""
        self._repaint_on_scroll = False
        try:
            self.scroll_to(y=y, animate=False)
        finally:
            self._repaint_on_scroll = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            height, rows = bar.size.height, self.virtual_size.height
            if thumb(height, rows, old_value) == thumb(height, rows, new_value):
                bar.set_reactive(ScrollBar.position, new_value)  # up to date, not redrawn
            else:
                bar.position = new_value
        if self._repaint_on_scroll and round(old_value) != round(new_value):
            self.refresh(self.size.region)
