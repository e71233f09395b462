"""The article, on Textual's Line API: only visible rows are built, only changed rows repainted.

Geometry (wrapping, offset <-> row) lives in :mod:`annotui.tui.layout`; text motions in
:mod:`annotui.core.text`. This widget keeps a cursor and an anchor (absolute offsets),
paints spans from a :class:`SpanIndex`, and tells the screen what happened through
messages; it never touches the store.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from annotui.core.model import Label, Span
from annotui.core.spans import SpanIndex
from annotui.tui.layout import Layout, Row
from annotui.tui.widgets.paint import label_styles, overlay, paint_row
from annotui.tui.widgets.reader_actions import ReaderActions
from annotui.tui.widgets.scrolling import QuietScrollView


def _move(motion: str, extend: bool = False) -> str:
    return f"move('{motion}', {extend})"


class Reader(ReaderActions, QuietScrollView, can_focus=True):
    """A read-only, soft-wrapped view of one document with a cursor, a selection and spans."""

    COMPONENT_CLASSES = {"reader--cursor", "reader--selection", "reader--text"}

    BINDINGS = [
        Binding("left,h", _move("left"), "char left", show=False, id="reader.left"),
        Binding("right,l", _move("right"), "char right", show=False, id="reader.right"),
        Binding("up,k", "vertical(-1)", "line up", show=False, id="reader.up"),
        Binding("down,j", "vertical(1)", "line down", show=False, id="reader.down"),
        Binding("w", _move("word_next"), "next word", show=False, id="reader.word_next"),
        Binding("b", _move("word_prev"), "previous word", show=False, id="reader.word_prev"),
        Binding(")", _move("sentence_next"), "next sentence", show=False,
                id="reader.sentence_next"),
        Binding("(", _move("sentence_prev"), "previous sentence", show=False,
                id="reader.sentence_prev"),
        Binding("semicolon", _move("clause_next"), "next clause", show=False,
                id="reader.clause_next"),
        Binding("comma", _move("clause_prev"), "previous clause", show=False,
                id="reader.clause_prev"),
        Binding("}", _move("paragraph_next"), "next paragraph", show=False,
                id="reader.paragraph_next"),
        Binding("{", _move("paragraph_prev"), "previous paragraph", show=False,
                id="reader.paragraph_prev"),
        Binding("g,home", _move("start"), "document start", show=False, id="reader.start"),
        Binding("G,end", _move("end"), "document end", show=False, id="reader.end"),
        Binding("pageup", "page(-1)", "page up", show=False, id="reader.page_up"),
        Binding("pagedown", "page(1)", "page down", show=False, id="reader.page_down"),
        Binding("shift+left,H", _move("left", True), "extend left", show=False,
                id="reader.extend_left"),
        Binding("shift+right,L", _move("right", True), "extend right", show=False,
                id="reader.extend_right"),
        Binding("shift+up,K", "vertical(-1, True)", "extend up", show=False,
                id="reader.extend_up"),
        Binding("shift+down,J", "vertical(1, True)", "extend down", show=False,
                id="reader.extend_down"),
        Binding("W", "grow('word')", "grow selection by a word", show=False,
                id="reader.grow_word"),
        Binding("B", "shrink('word')", "shrink selection by a word", show=False,
                id="reader.shrink_word"),
        Binding(">", "grow('clause')", "grow selection by a clause", show=False,
                id="reader.grow_clause"),
        Binding("<", "shrink('clause')", "shrink selection by a clause", show=False,
                id="reader.shrink_clause"),
        Binding("shift+home", _move("start", True), "extend to start", show=False,
                id="reader.extend_start"),
        Binding("shift+end", _move("end", True), "extend to end", show=False,
                id="reader.extend_end"),
        Binding("v", "toggle_select", "select", show=False, id="reader.visual"),
        Binding("s", "select_unit('sentence')", "sentence", id="reader.sentence"),
        Binding("S", "select_unit('paragraph')", "paragraph", show=False,
                id="reader.paragraph"),
        Binding("c", "select_unit('clause')", "clause", show=False, id="reader.clause"),
        Binding("e", "select_unit('rest')", "to sentence end", show=False,
                id="reader.rest"),
        Binding("escape", "clear_selection", "clear", show=False, id="reader.clear"),
    ]

    @dataclass
    class CursorMoved(Message):
        reader: Reader
        offset: int

    @dataclass
    class SelectionChanged(Message):
        reader: Reader
        selection: tuple[int, int] | None

    # Told of cursor and selection changes at once, instead of by a posted message: a
    # message reaches the screen after the reader's frame is drawn, so the panel's
    # highlight followed in a frame of its own (two frames a key, a third of its cost).
    listener: Callable[[CursorMoved | SelectionChanged], None] | None = None

    def _announce(self, message: CursorMoved | SelectionChanged) -> None:
        if self.listener is not None:
            self.listener(message)
        else:
            self.post_message(message)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.index = SpanIndex()
        self.cursor = 0
        self.anchor: int | None = None
        self.sticky = False  # `v` mode: plain moves extend the selection
        self.highlight: int | None = None  # a span id shown as focused (from the panel)
        self.me: str | None = None  # set: others' spans are painted apart from this one's
        self.suggested = SpanIndex()  # open suggestions, painted apart from labels
        self._layout: Layout | None = None
        # the layout at the width before: zooming a tmux pane in and out, or a split
        # opened and closed, returns to it without wrapping a long text again
        self._previous: Layout | None = None
        self._styles: dict[str, Style] = {}
        self._cache: OrderedDict[int, list[tuple[int, int, str, Style]]] = OrderedDict()
        # finished rows without cursor or selection, (width, strip): scrolling by a row
        # repaints every row on screen, and most of them are just these
        self._plain: dict[int, tuple[int, Strip]] = {}
        self._base: Style | None = None  # rich_style walks the DOM: once per style change
        self._goal_x: int | None = None
        self.repaints = 0  # rows rebuilt; the tests count work with it, not time
        self._center_pending = False
        self._rewrapped = False
        self._tries = 0

    # -- content --------------------------------------------------------------------

    def load(self, text: str, spans: SpanIndex | list[Span], labels: list[Label],
             cursor: int = 0) -> None:
        """Show another document (or the same one afresh)."""
        self.text = text
        self.index = spans if hasattr(spans, "overlapping") else SpanIndex(spans)  # type: ignore[assignment]
        self._styles = label_styles(labels)
        self.anchor = None
        self.sticky = False
        self.highlight = None
        self.cursor = max(0, min(cursor, len(text)))
        self._layout = self._previous = None
        self._center_pending = True  # a document opens with its cursor a third down
        if self.size.width:
            self._relayout()  # else on_resize wraps it, once, at the real width
        self.refresh()
        self.call_after_refresh(self._settle)

    def set_spans(self, spans: SpanIndex | list[Span],
                  changed: list[tuple[int, int]] = ()) -> None:
        """New span set; repaint only the rows of the ``changed`` ranges (all if none given)."""
        self.index = spans if hasattr(spans, "overlapping") else SpanIndex(spans)  # type: ignore[assignment]
        if changed:
            for start, end in changed:
                self._invalidate(start, end)
        else:
            self._forget()
            self.refresh()

    def set_suggestions(self, suggested: SpanIndex,
                        changed: list[tuple[int, int]] = ()) -> None:
        """New open suggestions; repaint the rows of ``changed`` (all if none given)."""
        self.suggested = suggested
        if changed:
            for start, end in changed:
                self._invalidate(start, end)
        else:
            self._forget()
            self.refresh()

    def set_labels(self, labels: list[Label]) -> None:
        self._styles = label_styles(labels)
        self._forget()
        self.refresh()

    @property
    def layout_(self) -> Layout:
        if self._layout is None:
            self._relayout()
        assert self._layout is not None
        return self._layout

    def _relayout(self) -> None:
        # one column spare: the cursor at the end of a full row is drawn after its last cell
        width = max(1, (self.scrollable_content_region.width or self.size.width or 80) - 1)
        if self._layout is not None and self._layout.width == width:
            return
        rewrap = self._layout is not None
        if self._previous is not None and self._previous.width == width:
            self._layout, self._previous = self._previous, self._layout
        else:
            self._layout, self._previous = Layout(self.text, width), self._layout
        self._rewrapped = True
        self._forget()
        self.set_virtual_size(Size(width, self._layout.row_count))
        if rewrap:
            # every row may show other text now (the size change that brought the new
            # width may have been painted with the old wrap already)
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        # after the new virtual size has reached the scrollbars, or scroll_to clamps to 0
        self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        """Keep the cursor in view after a load or a re-wrap; a freshly opened document
        puts it a third down the screen, once its layout and size are both known."""
        if not (self._center_pending or self._rewrapped):
            return  # nothing moved under the cursor since the last settle
        if not (self.size.height and self.virtual_size.height == self.layout_.row_count):
            self.call_after_refresh(self._settle)  # the new size has not landed yet
            return
        self.scroll_to_cursor(center=self._center_pending)
        row, top = self.layout_.row_of(self.cursor), round(self.scroll_offset.y)
        if not top <= row < top + self.scrollable_content_region.height and self._tries < 5:
            # the scroll was clamped: the scrollbars have not taken the new size yet
            self._tries += 1
            self.call_after_refresh(self._settle)
            return
        self._center_pending = self._rewrapped = False
        self._tries = 0

    # -- painting -------------------------------------------------------------------

    def _forget(self) -> None:
        """Drop every painted row (new spans, labels, layout or style)."""
        self._cache.clear()
        self._plain.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._forget()

    def render_line(self, y: int) -> Strip:
        layout = self.layout_
        row_number = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        if row_number >= layout.row_count:
            return Strip.blank(width, base)
        marked = self._marked(layout.row(row_number))
        if not marked:
            done = self._plain.get(row_number)
            if done is not None and done[0] == width:
                return done[1]
        segments = self._cache.get(row_number)
        if segments is None:
            segments = paint_row(layout, row_number, self.index, self._styles,
                                 base, self.highlight, self.me, self.suggested)
            self._cache[row_number] = segments
            if len(self._cache) > 400:
                self._cache.popitem(last=False)
            self.repaints += 1
        pieces = (self._overlay(layout, row_number, segments) if marked
                  else [Segment(shown, style) for _, _, shown, style in segments])
        strip = Strip(pieces).extend_cell_length(width, base).crop(0, width)
        if not marked:
            if len(self._plain) > 400:
                self._plain.clear()
            self._plain[row_number] = (width, strip)
        return strip

    def _marked(self, row: Row) -> bool:
        """Does the cursor or the selection show on this row (so it is not cached)?"""
        selection = self.selection
        if selection and selection[0] < row.end + 1 and selection[1] > row.start:
            return True
        return self.has_focus and row.start <= self.cursor <= row.end

    def _overlay(self, layout: Layout, row_number: int,
                 segments: list[tuple[int, int, str, Style]]) -> list[Segment]:
        """Selection and cursor on top of the cached span painting."""
        row = layout.row(row_number)
        cursor_ends_row = layout.row_of(self.cursor) == row_number
        return overlay(segments, row.start, row.end, self.selection,
                       self.cursor if self.has_focus else None, cursor_ends_row,
                       self.get_component_rich_style("reader--cursor"),
                       self.get_component_rich_style("reader--selection"), self.rich_style)

    def _invalidate(self, start: int, end: int) -> None:
        if self._layout is None:
            return  # not laid out yet: the first paint draws every row anyway
        rows = self.layout_.rows_for_range(start, max(end, start + 1))
        for row in rows:
            self._cache.pop(row, None)
            self._plain.pop(row, None)
        if len(rows):
            self.refresh_lines(rows.start, len(rows))

    def _refresh_offsets(self, *offsets: int) -> None:
        if self._layout is None:
            # before the first paint (a focus at mount): laying out here would wrap a
            # 10 MB text at a guessed width, only to wrap it again at the real one
            return
        layout = self._layout
        for row in {layout.row_of(offset) for offset in offsets}:
            self.refresh_line(row)

    # -- cursor and selection -------------------------------------------------------

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.anchor is None or self.anchor == self.cursor:
            return None
        return (min(self.anchor, self.cursor), max(self.anchor, self.cursor))

    def move_to(self, offset: int, *, extend: bool = False, keep_goal: bool = False) -> None:
        """Put the cursor at ``offset``; repaint only the rows that changed."""
        offset = max(0, min(offset, len(self.text)))
        old_cursor, old_selection = self.cursor, self.selection
        if extend or self.sticky:
            if self.anchor is None:
                self.anchor = old_cursor
        else:
            self.anchor = None
        self.cursor = offset
        if not keep_goal:
            self._goal_x = None
        new_selection = self.selection
        self._refresh_offsets(old_cursor, offset)
        if old_selection != new_selection:
            for changed in (old_selection, new_selection):
                if changed:
                    self._refresh_span_rows(*changed)
            self._announce(self.SelectionChanged(self, new_selection))
        self.scroll_to_cursor()
        if offset != old_cursor:
            self._announce(self.CursorMoved(self, offset))

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)``, the cursor at its end."""
        self.sticky = False
        self.anchor = None
        self.move_to(start)
        self.move_to(end, extend=True)

    def clear_selection(self) -> None:
        old = self.selection
        self.anchor = None
        self.sticky = False
        if old:
            self._refresh_span_rows(*old)
            self._announce(self.SelectionChanged(self, None))

    def _refresh_span_rows(self, start: int, end: int) -> None:
        rows = self.layout_.rows_for_range(start, max(end, start + 1))
        if len(rows):
            self.refresh_lines(rows.start, len(rows))

    def scroll_to_cursor(self, center: bool = False) -> None:
        if not self.size.height:
            return
        row = self.layout_.row_of(self.cursor)
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if center and not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 3), animate=False)
        elif row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)
