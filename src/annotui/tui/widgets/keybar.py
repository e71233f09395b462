"""The key bar: the screen's active bindings on one line, like Textual's ``Footer``.

Textual's Footer recomposes a widget per key whenever the bindings change, which lays
out the whole screen again: 15–30 ms every time a span key greys or ungreys, most of the
cost of labelling a span. This bar is one line painted in place, so greying a key costs
one row.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget


class _Item(NamedTuple):
    key: str  # what simulate_key() takes
    display: str
    description: str
    enabled: bool


def _cells(item: _Item) -> int:
    return cell_len(item.display) + 1 + cell_len(item.description)


class KeyBar(Widget, can_focus=False):
    """One row of ``key description`` pairs; the command palette key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--disabled {
            text-style: dim;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: tuple[tuple[_Item, ...], _Item | None] = ((), None)
        # (width, items) -> (row, x ranges for the mouse): the span keys grey and ungrey
        # as the cursor enters and leaves spans, so both rows stay built
        self._built: dict[tuple[int, object], tuple[Strip, list[tuple[int, int, _Item]]]] = {}
        self._hits: list[tuple[int, int, _Item]] = []
        self._memo: dict[object, tuple[tuple[_Item, ...], _Item | None]] = {}

    def on_mount(self) -> None:
        # the same signal the Footer listens to: refresh_bindings() and focus changes
        # (the first arrives once the screen has mounted and focused: not read before)
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: object) -> None:
        items = self._collect()
        if items != self._items:
            self._items = items
            self.refresh()

    def _collect(self) -> tuple[tuple[_Item, ...], _Item | None]:
        # Asking every binding's check_action is a third of a millisecond, on every key
        # that greys or ungreys a key. A screen that can say what its answers depend on
        # (keybar_state) has them remembered per focused widget and state.
        state = getattr(self.screen, "keybar_state", None)
        memo_key = (self.screen.focused, state()) if state is not None else None
        if memo_key is not None and memo_key in self._memo:
            return self._memo[memo_key]
        items = self._collect_now()
        if memo_key is not None:
            if len(self._memo) > 64:
                self._memo.clear()
            self._memo[memo_key] = items
        return items

    def _collect_now(self) -> tuple[tuple[_Item, ...], _Item | None]:
        active = self.screen.active_bindings
        seen: set[str] = set()
        items = []
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen:  # one entry per action
                seen.add(binding.action)
                items.append(self._item(binding, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = self._item(binding, enabled)
        return tuple(items), palette

    def _item(self, binding: Binding, enabled: bool) -> _Item:
        return _Item(binding.key, self.app.get_key_display(binding), binding.description,
                     enabled)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._built.clear()  # a theme change: the row is built again in the new colours

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y != 0 or width <= 0:
            return Strip.blank(width, self.rich_style)
        key = (width, self._items)
        if key not in self._built:
            if len(self._built) > 8:  # widths of past resizes
                self._built.clear()
            self._built[key] = self._build(width)
        strip, self._hits = self._built[key]
        return strip

    def _build(self, width: int) -> tuple[Strip, list[tuple[int, int, _Item]]]:
        base = self.rich_style
        key = base + self.get_component_rich_style("keybar--key", partial=True)
        text = base + self.get_component_rich_style("keybar--description", partial=True)
        dim = self.get_component_rich_style("keybar--disabled", partial=True)
        items, palette = self._items
        hits: list[tuple[int, int, _Item]] = []

        def pair(item: _Item, x: int) -> list[Segment]:
            styles = (key + dim, text + dim) if not item.enabled else (key, text)
            hits.append((x, x + _cells(item), item))
            return [Segment(item.display, styles[0]), Segment(" " + item.description, styles[1])]

        right: list[Segment] = []
        if palette is not None:
            right_width = _cells(palette)
            right = [Segment("▏", base + Style(dim=True)),
                     *pair(palette, width - right_width)]
        room = width - Strip(right).cell_length
        segments: list[Segment] = []
        x = 0
        for item in items:
            cells = _cells(item)
            if x + cells > room:
                break
            segments += pair(item, x)
            segments.append(Segment(" ", base))
            x += cells + 1
        segments.append(Segment(" " * max(room - x, 0), base))
        return Strip(segments + right).crop_extend(0, width, base), hits

    def on_click(self, event: events.Click) -> None:
        for start, end, item in self._hits:
            if start <= event.x < end:
                if item.enabled:
                    self.app.simulate_key(item.key)
                else:
                    self.app.bell()
                return
