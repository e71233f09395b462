"""What the reader's keys and mouse do: motions over the text, selecting a unit, growing
and shrinking a selection. The reader (widgets/reader.py) binds the keys and paints."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events

from annotui.core import text as tx

if TYPE_CHECKING:
    from annotui.tui.layout import Layout

Motion = Callable[[str, int], int]


def next_clause_start(text: str, offset: int) -> int:
    end = tx.next_clause_end(text, offset)
    return min(len(text), tx.next_word_start(text, end)) if end < len(text) else len(text)

MOTIONS: dict[str, Motion] = {
    "left": tx.prev_grapheme,
    "right": tx.next_grapheme,
    "word_next": tx.next_word_start,
    "word_prev": tx.prev_word_start,
    "sentence_next": tx.next_sentence_start,
    "sentence_prev": tx.prev_sentence_start,
    "clause_next": next_clause_start,
    "clause_prev": tx.prev_clause_start,
    "paragraph_next": tx.next_paragraph_start,
    "paragraph_prev": tx.prev_paragraph_start,
    "start": lambda text, offset: 0,
    "end": lambda text, offset: len(text),
}


class ReaderActions:
    """Mixed into Reader, which has everything declared here."""

    if TYPE_CHECKING:
        text: str
        cursor: int
        anchor: int | None
        sticky: bool
        _goal_x: int | None
        SelectionChanged: Any

        @property
        def layout_(self) -> Layout: ...
        @property
        def selection(self) -> tuple[int, int] | None: ...
        def move_to(self, offset: int, *, extend: bool = False,
                    keep_goal: bool = False) -> None: ...
        def select(self, start: int, end: int) -> None: ...
        def clear_selection(self) -> None: ...
        def _announce(self, message: Any) -> None: ...
        def _refresh_offsets(self, *offsets: int) -> None: ...
        def __getattr__(self, name: str) -> Any: ...  # the Widget's own (focus, app ...)

    def action_move(self, motion: str, extend: bool = False) -> None:
        self.move_to(MOTIONS[motion](self.text, self.cursor), extend=extend)

    def action_vertical(self, rows: int, extend: bool = False) -> None:
        layout = self.layout_
        if self._goal_x is None:
            self._goal_x = layout.x_of(self.cursor)[1]
        self.move_to(layout.vertical_move(self.cursor, rows, self._goal_x), extend=extend,
                     keep_goal=True)

    def action_page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.action_vertical(direction * height)

    def action_toggle_select(self) -> None:
        if self.sticky:
            self.sticky = False  # stop extending; the selection stays for labelling
        else:
            self.sticky = True
            self.anchor = self.cursor
        self._announce(self.SelectionChanged(self, self.selection))

    def action_clear_selection(self) -> None:
        self.clear_selection()

    def action_select_unit(self, unit: str) -> None:
        text, offset = self.text, self.cursor
        if not text:
            return
        if unit == "sentence":
            start, end = tx.sentence_at(text, offset)
        elif unit == "paragraph":
            start, end = tx.paragraph_at(text, offset)
        elif unit == "clause":
            start, end = tx.clause_at(text, offset)
        else:  # from the cursor to the end of its sentence
            start, end = offset, tx.sentence_at(text, offset)[1]
            start = tx.word_at(text, start)[0] if tx.word_at(text, start) else start
        if end > start:
            self.select(start, end)

    def action_grow(self, unit: str) -> None:
        text = self.text
        if self.anchor is None:
            self.anchor = self.cursor
        step = tx.next_word_end if unit == "word" else tx.next_clause_end
        self.move_to(step(text, self.cursor), extend=True)

    def action_shrink(self, unit: str) -> None:
        if self.anchor is None:
            return
        text = self.text
        step = tx.prev_word_start if unit == "word" else tx.prev_clause_start
        target = step(text, self.cursor)
        if self.cursor > self.anchor and target <= self.anchor:
            return  # shrinking never flips the selection
        self.move_to(target, extend=True)

    # -- mouse ----------------------------------------------------------------------

    def _offset_at(self, event: events.MouseEvent) -> int | None:
        where = event.get_content_offset(self)
        if where is None:
            return None
        return self.layout_.offset_at(where.y + self.scroll_offset.y, where.x)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self._offset_at(event)
        if offset is None:
            return
        self.focus()
        self.sticky = False
        self.move_to(offset, extend=event.shift)
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button == 1 and self.app.mouse_captured is self:
            where = event.get_content_offset_capture(self)
            offset = self.layout_.offset_at(max(0, where.y + self.scroll_offset.y), where.x)
            self.move_to(offset, extend=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self.release_mouse()

    def on_focus(self) -> None:
        self._refresh_offsets(self.cursor)

    def on_blur(self) -> None:
        self._refresh_offsets(self.cursor)
