"""The annotation panel's list: the document's spans in text order, one row each.

A Line-API widget like the reader: only visible rows are built, so a document with
100,000 spans costs the same per key as one with ten (an OptionList builds every row).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from annotui.core.display import display_text, one_line
from annotui.core.model import Label, Span
from annotui.core.spans import SpanIndex
from annotui.tui.widgets.paint import label_styles
from annotui.tui.widgets.scrolling import QuietScrollView

REVERSE = Style(reverse=True)
_UNLIKE_ANY_SPAN = object()  # a painted-row marker no row equals: the row is repainted
BOLD = Style(bold=True)
DIM = Style(dim=True, italic=True)


class SpanList(QuietScrollView, can_focus=True):
    """One row per span: label chip, note marker, annotator when not mine, excerpt."""

    COMPONENT_CLASSES = {"span-list--highlight"}

    BINDINGS = [
        Binding("up", "step(-1)", "previous", show=False, id="list.up"),
        Binding("down", "step(1)", "next", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "page down", show=False, id="list.page_down"),
        Binding("home", "jump(0)", "first", show=False, id="list.first"),
        Binding("end", "jump(-1)", "last", show=False, id="list.last"),
        Binding("enter", "choose", "go to span", show=False, id="list.choose"),
    ]

    @dataclass
    class Focused(Message):
        """The user moved to a span in the list."""

        span_id: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.index = SpanIndex()
        self.text = ""
        self.me = ""
        self.highlighted: int | None = None
        self._styles: dict[str, Style] = {}
        # built rows by what they show, so adding a span (which shifts every row after
        # it) rebuilds one row, not the screenful; emptied when labels or the text change
        self._rows: dict[tuple[Span, bool, int], Strip] = {}
        self._base: Style | None = None  # rich_style walks the DOM: once per style change
        self._painted: dict[int, object] = {}  # row -> the span last painted there

    def show(self, index: SpanIndex, text: str, labels: list[Label], me: str,
             current: int | None = None) -> None:
        styles = label_styles(labels)
        same_look = text is self.text and me == self.me and styles == self._styles
        if not same_look:
            self._rows.clear()
        top = self.scroll_offset.y
        self.index = index
        self.text = text
        self.me = me
        self._styles = styles
        self._set_rows(len(index))
        was_highlighted, self.highlighted = self.highlighted, None
        if same_look and self.scroll_offset.y == top:
            if was_highlighted is not None:
                # its span may be unchanged, its highlight is not: diffed as changed
                self._painted[was_highlighted] = _UNLIKE_ANY_SPAN
            self._repaint_changed_lines(top, current)
        else:
            self.refresh()
        self.point_at(current)

    def _repaint_changed_lines(self, top: int, current: int | None) -> None:
        """One span added or removed shifts every row after it. Repaint only the lines
        that show another span now; and when more lines follow the change than precede
        it, scroll by one row so that those before it shift instead (Textual cannot
        scroll a terminal region, so every shifted line is a line repainted)."""
        height = self.scrollable_content_region.height
        spans, painted = self.index.spans, self._painted

        def changed(new_top: int) -> list[int]:
            return [y for y in range(height) if painted.get(top + y, _UNLIKE_ANY_SPAN) !=
                    (spans[new_top + y] if new_top + y < len(spans) else None)]

        lines, new_top = changed(top), top
        row = self.index.index_of(current) if current is not None else None
        for shift in (1, -1):
            candidate = top + shift
            if not 0 <= candidate <= self.max_scroll_y or (
                    row is not None and not candidate <= row < candidate + height):
                continue
            moved = changed(candidate)
            if len(moved) < len(lines):
                lines, new_top = moved, candidate
        if new_top != top:
            self.scroll_quietly(new_top)
            for y in range(height):  # the lines not repainted show these spans now
                painted[new_top + y] = spans[new_top + y] if new_top + y < len(spans) else None
        for y in lines:
            self.refresh_line(new_top + y)

    def _set_rows(self, rows: int) -> None:
        # Half a panel of room below the last row, once the list fills the panel: a
        # document labelled front to back adds its rows at the end, and a list already
        # scrolled to its end scrolled by one (a repaint of every row) for each of them.
        (width, height), top = self.scrollable_content_region.size, self.scroll_offset.y
        if self.styles.height is not None and self.styles.height.is_auto:
            # as tall as its rows (the suggestions, up to a maximum): a layout when that
            # height may change, and no room after the last row, which would show
            size = Size(width, rows)
            if size != self.virtual_size:
                self.virtual_size = size
            return
        if rows > height > 0:
            rows += height // 2
        size = Size(width, rows)
        if size == self.virtual_size:
            return
        if self.show_vertical_scrollbar and rows > height and top <= rows - height:
            # the scrollbar stays, and so does the scroll position: only the bar's
            # thumb may move (Textual's update would also check both, and repaint the
            # bar three times over)
            self.set_reactive(SpanList.virtual_size, size)
            bar = self.vertical_scrollbar
            bar.set_reactive(ScrollBar.window_virtual_size, rows)
            bar.refresh()  # the rows where the thumb moved, if it did
            return
        self.set_virtual_size(size)

    @property
    def current(self) -> int | None:
        if self.highlighted is None or self.highlighted >= len(self.index):
            return None
        return self.index.spans[self.highlighted].id

    def point_at(self, span_id: int | None) -> None:
        """Highlight a span without announcing it (the reader already moved)."""
        row = self.index.index_of(span_id) if span_id is not None else None
        self._highlight(row)

    def _highlight(self, row: int | None) -> None:
        old, self.highlighted = self.highlighted, row
        if old == row:
            return
        for changed in (old, row):
            if changed is not None:
                self.refresh_line(changed)
        if row is not None:
            top, height = self.scroll_offset.y, self.scrollable_content_region.height
            if row < top or (height and row >= top + height):
                # Not edge-aligned, or a span-dense text scrolls the list (a full repaint)
                # on every key: a row just past an edge lands a quarter of the list in
                # from the opposite edge, three quarters of the list ahead of it in the
                # direction it moves; a far jump (a search, another paragraph) is centred.
                if top - height // 2 <= row < top:
                    y = row - height * 3 // 4
                elif top + height <= row < top + height * 3 // 2:
                    y = row - height // 4
                else:
                    y = row - height // 2
                self.scroll_to(y=max(0, y), animate=False)

    def _move(self, row: int) -> None:
        if not len(self.index):
            return
        row = max(0, min(row, len(self.index) - 1))
        self._highlight(row)
        self.post_message(self.Focused(self.index.spans[row].id))

    def action_step(self, step: int) -> None:
        self._move((self.highlighted if self.highlighted is not None else -1) + step
                   if step > 0 or self.highlighted is not None else 0)

    def action_page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self._move((self.highlighted or 0) + direction * height)

    def action_jump(self, row: int) -> None:
        self._move(row if row >= 0 else len(self.index) - 1)

    def action_choose(self) -> None:
        if self.highlighted is not None:
            self._move(self.highlighted)

    def on_click(self, event: events.Click) -> None:
        where = event.get_content_offset(self)
        if where is not None:
            self._move(where.y + self.scroll_offset.y)

    def render_line(self, y: int) -> Strip:
        row = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        if len(self._painted) > 2000:
            self._painted.clear()  # rows seen long ago; rows not known are repainted
        if row >= len(self.index):
            self._painted[row] = None
            return Strip.blank(width, base)
        span = self._painted[row] = self.index.spans[row]
        key = (span, row == self.highlighted, width)
        strip = self._rows.get(key)
        if strip is None:
            if row == self.highlighted:
                base = base + self.get_component_rich_style("span-list--highlight")
            if len(self._rows) > 2000:  # rows seen long ago: built again if ever needed
                self._rows.clear()
            strip = self._rows[key] = self._build_row(span, base, width)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._rows.clear()

    def _build_row(self, span: Span, base: Style, width: int) -> Strip:
        """Segments made directly (no rich Text layout): the list scrolls many rows at
        once when the reader's cursor crosses a span-dense line."""
        chip = self._styles.get(span.label, REVERSE)
        segments = [Segment(f" {display_text(span.label)[:11]} ", base + chip),
                    # markers before the excerpt: a long excerpt is cut at the panel's edge
                    Segment(" ✎" if span.note else "  ", base + BOLD)]
        if span.annotator != self.me:
            segments.append(Segment(f" {one_line(span.annotator, 12)}:", base + DIM))
        segments.append(Segment(" " + one_line(self.text[span.start:span.end], width), base))
        strip = Strip(segments)
        if strip.cell_length > width:  # cut, and say so
            strip = Strip([*strip.crop(0, width - 1), Segment("…", base)])
        return strip.crop_extend(0, width, base)

    def on_focus(self) -> None:
        if self.highlighted is None and len(self.index):
            self._move(0)

    def on_resize(self) -> None:
        self._set_rows(len(self.index))
        self._base = None  # a theme change or focus may come with it


class SuggestionList(SpanList):
    """The open suggestions of the document: label, score, excerpt; never a filled chip,
    so a proposal is not read as a label."""

    @dataclass
    class Focused(Message):
        """The user moved to a suggestion in the list (not a span: its own message)."""

        span_id: int

    def _build_row(self, span: Span, base: Style, width: int) -> Strip:
        chip = self._styles.get(span.label, REVERSE)
        score = getattr(span, "score", 0.0)
        segments = [Segment(f" {display_text(span.label)[:11]} ",
                            base + Style(color=chip.bgcolor, italic=True, underline=True)),
                    Segment(f" {round(score * 100):>3}%", base + DIM),
                    Segment(" " + one_line(self.text[span.start:span.end], width),
                            base + Style(italic=True))]
        strip = Strip(segments)
        if strip.cell_length > width:
            strip = Strip([*strip.crop(0, width - 1), Segment("…", base)])
        return strip.crop_extend(0, width, base)
