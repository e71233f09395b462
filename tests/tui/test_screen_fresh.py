"""What the screen shows is what a full repaint would show: the reader and the panel
repaint only the lines they think changed, so a line they forget stays stale. Each
case compares the compositor's output (Textual's cached lines) with the widget's own
rendering of every line."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest
from textual.widget import Widget

from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.screens.main_screen import MainScreen
from annotui.tui.widgets.reader import Reader
from annotui.tui.widgets.span_list import SpanList

ROOT = Path(__file__).resolve().parents[2]
LINES = "\n".join(f"Line {i} has a few words in it, and a comma; then more." for i in range(2000))
LONG_LINES = "\n\n".join(" ".join(f"w{i}x{j}" for j in range(40)) for i in range(300))


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "t.db", annotator="alice")
    s.load_labels(ROOT / "data" / "labels.toml")
    yield s
    s.close()


def _cells(strip) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    return [(char, seg.style) for seg in strip for char in seg.text]


async def stale_lines(app: AnnotuiApp, widget: Widget, pilot) -> list[int]:  # type: ignore[no-untyped-def]
    """Lines whose characters or styles on screen change when the widget is repainted
    from scratch (its caches dropped), i.e. lines left stale."""

    def shown() -> list[list[tuple[str, object]]]:
        region = widget.content_region
        width = widget.scrollable_content_region.width
        screen = app.screen._compositor.render_strips()
        return [_cells(screen[region.y + y].crop(region.x, region.x + width))
                for y in range(widget.scrollable_content_region.height)]

    before = shown()
    for cache in ("_rows", "_cache", "_plain", "_painted"):
        if hasattr(widget, cache):
            getattr(widget, cache).clear()
    widget.refresh()
    await pilot.pause()
    after = shown()
    return [y for y, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        await pilot.pause()
    await asyncio.sleep(0.2)
    await pilot.pause()


async def test_labelling_before_the_highlighted_span_leaves_one_highlight(store):
    """A shorter span sharing the highlighted one's start sorts before it: the list
    scrolls by one, and the line that showed the old highlight must lose it."""
    doc, _ = store.add_document(LINES, title="lines")
    labels = ["claim", "commitment", "invitation"]
    store.insert_spans(doc, [(i * 61, i * 61 + 12, labels[i % 3], "alice", None)
                             for i in range(300)])
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        reader, panel = screen.query_one(Reader), screen.query_one(SpanList)
        await pilot.pause()
        under = reader.index.spans[3]
        reader.select(under.start, under.start + 4)
        await pilot.pause()
        assert panel.current == under.id
        await pilot.press("2")
        await settle(pilot)
        assert len(reader.index) == 301
        assert await stale_lines(app, panel, pilot) == []


@pytest.mark.parametrize("keys", [("p",), ("p", "p")])
async def test_hiding_and_showing_the_panel_rewraps_every_reader_line(store, keys):
    doc, _ = store.add_document(LONG_LINES, title="long lines")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        await settle(pilot)
        width = reader.layout_.width
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        assert (reader.layout_.width != width) == (len(keys) == 1)
        assert await stale_lines(app, reader, pilot) == []


async def test_widening_the_terminal_rewraps_every_reader_line(store):
    doc, _ = store.add_document(LINES, title="lines")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(80, 20)) as pilot:
        reader = app.screen.query_one(Reader)
        await settle(pilot)
        await pilot.resize_terminal(120, 50)
        await settle(pilot)
        assert await stale_lines(app, reader, pilot) == []


async def test_an_app_that_has_closed_leaves_nothing_frozen(store):
    """Opening freezes the first document's spans (and the app) out of the collector's
    walks; an app that froze and closed would never be freed."""
    doc, _ = store.add_document(LINES, title="lines")
    for _ in range(2):
        app = AnnotuiApp(store, doc)
        async with app.run_test(size=(80, 20)) as pilot:
            await pilot.pause()
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0


async def test_the_suggestions_list_is_as_tall_as_its_suggestions(store):
    """Its height follows its rows (up to a maximum): it kept the height of its first
    three suggestions after two were accepted."""
    from annotui.tui.widgets.span_list import SuggestionList

    doc, _ = store.add_document(LINES, title="lines")
    store.add_suggestions(doc, [(i * 61, i * 61 + 4, "claim", "pattern", "p", 0.5)
                                for i in range(3)])
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        listed = app.screen.query_one(SuggestionList)
        await settle(pilot)
        assert listed.size.height == 3
        for left in (2, 1):
            await pilot.press("apostrophe", "y")
            await settle(pilot)
            assert len(listed.index) == left
            assert listed.size.height == left
            assert await stale_lines(app, listed, pilot) == []
