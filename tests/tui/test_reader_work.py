"""The reader does work proportional to what changed, never to the document: counted in
rows refreshed, rows rebuilt (``Reader.repaints``), layouts built and store reads, not in
seconds (timed unit tests are flaky; benchmarks/ measure time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import annotui.tui.widgets.reader as reader_module
from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.screens.main_screen import MainScreen
from annotui.tui.widgets.reader import Reader
from annotui.tui.widgets.span_list import SpanList

SIZE = (100, 30)
LINES = "\n".join(f"Line {i} has a few words in it, and a comma; then more." for i in range(2000))
ONE_LINE = " ".join(f"word{i} goes here, then." for i in range(6000))  # ~130 KB, one line

# keys that move the cursor without scrolling when it sits mid-screen
MOVES = ["right", "left", "down", "up", "w", "b", "l", "h", "j", "k", "e", "escape",
         "shift+right", "L", "W", "B", "escape", "shift+left", "escape"]


@dataclass
class Work:
    """What the reader was asked to do since the last ``reset``."""

    reader: Reader
    rows: set[int] = field(default_factory=set)  # document rows asked to be refreshed
    full_refreshes: int = 0
    rendered: int = 0  # render_line calls
    layouts: int = 0  # Layout objects built
    indexes: int = 0  # SpanIndex objects built
    painted: int = 0  # paint_row calls
    store_reads: list[str] = field(default_factory=list)
    panel_rebuilds: int = 0
    repaints_at_reset: int = 0

    def reset(self) -> None:
        self.rows.clear()
        self.full_refreshes = self.rendered = self.layouts = self.indexes = 0
        self.painted = self.panel_rebuilds = 0
        self.store_reads.clear()
        self.repaints_at_reset = self.reader.repaints

    @property
    def rebuilt(self) -> int:
        return self.reader.repaints - self.repaints_at_reset

    def __str__(self) -> str:
        return (f"rows={sorted(self.rows)} full={self.full_refreshes} rendered={self.rendered}"
                f" rebuilt={self.rebuilt} layouts={self.layouts} indexes={self.indexes}"
                f" store={self.store_reads} panel={self.panel_rebuilds}")


def spy_on(monkeypatch: pytest.MonkeyPatch, app: AnnotuiApp, store: Store) -> Work:
    screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
    reader = screen.query_one(Reader)
    work = Work(reader)

    refresh_line, refresh_lines, refresh = reader.refresh_line, reader.refresh_lines, \
        reader.refresh
    render_line = reader.render_line

    def spy_refresh_line(y: int) -> None:
        work.rows.add(y)
        refresh_line(y)

    def spy_refresh_lines(y_start: int, line_count: int = 1) -> None:
        work.rows.update(range(y_start, y_start + line_count))
        refresh_lines(y_start, line_count)

    def spy_refresh(*regions, **kwargs):  # type: ignore[no-untyped-def]
        if not regions:
            work.full_refreshes += 1
        return refresh(*regions, **kwargs)

    def spy_render_line(y: int):  # type: ignore[no-untyped-def]
        work.rendered += 1
        return render_line(y)

    monkeypatch.setattr(reader, "refresh_line", spy_refresh_line)
    monkeypatch.setattr(reader, "refresh_lines", spy_refresh_lines)
    monkeypatch.setattr(reader, "refresh", spy_refresh)
    monkeypatch.setattr(reader, "render_line", spy_render_line)

    def counting(attr: str, original: Callable):  # type: ignore[type-arg,no-untyped-def]
        def make(*args, **kwargs):  # type: ignore[no-untyped-def]
            setattr(work, attr, getattr(work, attr) + 1)
            return original(*args, **kwargs)
        return make

    monkeypatch.setattr(reader_module, "Layout", counting("layouts", reader_module.Layout))
    monkeypatch.setattr(reader_module, "SpanIndex",
                        counting("indexes", reader_module.SpanIndex))
    monkeypatch.setattr(reader_module, "paint_row", counting("painted", reader_module.paint_row))

    for name in ("document", "documents", "spans", "document_ids", "labels"):
        original = getattr(store, name)

        def read(*args, _name=name, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            work.store_reads.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(store, name, read)

    show = SpanList.show

    def spy_show(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        work.panel_rebuilds += 1
        return show(self, *args, **kwargs)

    monkeypatch.setattr(SpanList, "show", spy_show)
    work.reset()
    return work


async def park_mid_screen(pilot, reader: Reader, row: int) -> None:  # type: ignore[no-untyped-def]
    """Cursor at the start of ``row``, that row in the middle of the viewport."""
    await pilot.pause()  # the first layout keeps the cursor in view: let it happen first
    layout = reader.layout_
    height = reader.scrollable_content_region.height
    reader.scroll_to(y=max(0, row - height // 2), animate=False)
    await pilot.pause()
    reader.move_to(layout.row(row).start)
    await pilot.pause()
    await pilot.pause()
    assert reader.scroll_offset.y < layout.row_of(reader.cursor) < \
        reader.scroll_offset.y + height - 2


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "t.db", annotator="alice")
    s.load_labels(Path(__file__).resolve().parents[2] / "data" / "labels.toml")
    yield s
    s.close()


def check_moves_are_local(work: Work, label: str) -> list[str]:
    problems = []
    if len(work.rows) > 2:
        problems.append(f"{label}: refreshed {len(work.rows)} rows ({work})")
    if work.rebuilt > 2:
        problems.append(f"{label}: rebuilt {work.rebuilt} rows ({work})")
    if work.full_refreshes:
        problems.append(f"{label}: full refresh() ({work})")
    if work.rendered > 2:
        problems.append(f"{label}: render_line called {work.rendered} times ({work})")
    if work.layouts or work.indexes:
        problems.append(f"{label}: layout or span index rebuilt ({work})")
    if work.painted != work.rebuilt:
        problems.append(f"{label}: paint_row calls {work.painted} != rebuilt rows ({work})")
    if work.store_reads:
        problems.append(f"{label}: store read on a cursor move ({work})")
    if work.panel_rebuilds:
        problems.append(f"{label}: span list rebuilt on a cursor move ({work})")
    return problems


@pytest.mark.parametrize("shape", ["2000 lines", "2000 lines, 2000 spans", "one long line"])
async def test_a_cursor_move_touches_at_most_two_rows(store, monkeypatch, shape):
    text = ONE_LINE if shape == "one long line" else LINES
    doc, _ = store.add_document(text, title=shape)
    if "spans" in shape:
        starts = [i for i, ch in enumerate(text) if ch == "\n"][:2000]
        store.insert_spans(doc, [(s + 1, s + 5, "claim", "alice", None) for s in starts[:-1]]
                           + [(0, 4, "claim", "alice", None)])
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = next(s for s in app.screen_stack if isinstance(s, MainScreen)).query_one(Reader)
        assert r.layout_.row_count > 1000
        await park_mid_screen(pilot, r, 1000)
        work = spy_on(monkeypatch, app, store)
        problems: list[str] = []
        for key in MOVES:
            work.reset()
            before = r.cursor
            await pilot.press(key)
            await pilot.pause()
            if key not in ("escape",) and key not in ("B",):
                assert r.cursor != before or r.selection is not None, key
            if key == "right":  # the spies see the work that is done
                assert work.rows and work.rendered, str(work)
            problems += check_moves_are_local(work, key)
        assert problems == []


async def test_scrolling_by_a_row_rebuilds_only_the_new_row(store, monkeypatch):
    doc, _ = store.add_document(LINES, title="lines")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = next(s for s in app.screen_stack if isinstance(s, MainScreen)).query_one(Reader)
        height = r.scrollable_content_region.height
        await pilot.press(*["down"] * (height - 1))  # the last visible row
        await pilot.pause()
        assert r.scroll_offset.y == 0
        work = spy_on(monkeypatch, app, store)
        await pilot.press("down")
        await pilot.pause()
        assert r.scroll_offset.y == 1
        assert work.rebuilt <= 2, str(work)  # the rows already painted come from the cache
        assert work.layouts == 0 and work.indexes == 0, str(work)
        assert work.store_reads == [], str(work)


async def test_labelling_repaints_only_the_span_rows(store, monkeypatch, tmp_path):
    doc, _ = store.add_document(LINES, title="lines")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = next(s for s in app.screen_stack if isinstance(s, MainScreen)).query_one(Reader)
        await park_mid_screen(pilot, r, 1000)
        await pilot.press("w", "v", "w", "w")
        await pilot.pause()
        selection = r.selection
        assert selection is not None
        span_rows = set(r.layout_.rows_for_range(*selection))
        assert len(span_rows) == 1
        cursor_rows = {r.layout_.row_of(r.cursor)}
        work = spy_on(monkeypatch, app, store)
        await pilot.press("1")
        await pilot.pause()
        with Store(tmp_path / "t.db", annotator="alice") as other:
            spans = other.spans(doc)
        assert len(spans) == 1  # committed
        cursor_rows.add(r.layout_.row_of(r.cursor))
        assert work.rows <= span_rows | cursor_rows, str(work)
        assert work.rebuilt <= len(span_rows | cursor_rows), str(work)
        assert work.full_refreshes == 0, str(work)
        assert work.layouts == 0, str(work)
        assert work.rendered <= len(span_rows | cursor_rows), str(work)
        assert "document" not in work.store_reads, str(work)

        # deleting, undoing and redoing it: again only its rows
        for key in ("x", "u", "ctrl+r"):
            work.reset()
            await pilot.press(key)
            await pilot.pause()
            assert work.rows <= span_rows | cursor_rows, (key, str(work))
            assert work.rebuilt <= len(span_rows | cursor_rows), (key, str(work))
            assert work.full_refreshes == 0 and work.layouts == 0, (key, str(work))


async def test_no_keystroke_rebuilds_the_layout(store, monkeypatch):
    doc, _ = store.add_document(LINES, title="lines")
    store.add_span(doc, 0, 4, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = next(s for s in app.screen_stack if isinstance(s, MainScreen)).query_one(Reader)
        await park_mid_screen(pilot, r, 1000)
        work = spy_on(monkeypatch, app, store)
        keys = ["right", "down", "w", "b", ")", "(", "}", "{", "v", "w", "W", "B", ">", "<",
                "escape", "s", "escape", "S", "escape", "c", "escape", "e", "2", "tab",
                "shift+tab", "alt+right", "alt+left", "u", "ctrl+y", "pagedown", "pageup",
                "G", "g", "slash", "L", "i", "n", "e", "enter", "ctrl+n", "ctrl+b"]
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        assert work.layouts == 0, str(work)
        assert "document" not in work.store_reads, str(work)
        assert r.layout_.row_count == 2000
        await pilot.resize_terminal(120, 40)  # a new width does need a new layout
        await pilot.pause()
        assert work.layouts == 1, str(work)


async def test_labelling_among_many_spans_lays_out_nothing(store, monkeypatch):
    """With 3,000 spans: no screen layout (the footer and the panel's size changes used to
    cause one), no span index rebuilt, and the panel builds only rows it shows."""
    from textual.screen import Screen

    import annotui.core.spans as spans_module

    doc, _ = store.add_document(LINES, title="lines")
    store.insert_spans(doc, [(i * 30, i * 30 + 4, "claim", "alice", None)
                             for i in range(3000)])
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        r = screen.query_one(Reader)
        panel = screen.query_one(SpanList)
        await park_mid_screen(pilot, r, 1000)
        await pilot.press("w", "w", "v", "w")  # a word that no span covers yet
        await pilot.pause()
        counts = {"layouts": 0, "indexes": 0, "panel rows": 0}
        refresh_layout, index_init = Screen._refresh_layout, spans_module.SpanIndex.__init__
        panel_row = panel.render_line

        def spy_layout(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            counts["layouts"] += 1
            return refresh_layout(self, *args, **kwargs)

        def spy_index(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            counts["indexes"] += 1
            return index_init(self, *args, **kwargs)

        def spy_row(y: int):  # type: ignore[no-untyped-def]
            counts["panel rows"] += 1
            return panel_row(y)

        monkeypatch.setattr(Screen, "_refresh_layout", spy_layout)
        monkeypatch.setattr(spans_module.SpanIndex, "__init__", spy_index)
        monkeypatch.setattr(panel, "render_line", spy_row)
        # label, back onto it, delete, undo: each greys or ungreys x/r/n in the key bar
        for key, change in (("1", 1), ("b", 0), ("x", -1), ("u", 1)):
            before = len(r.index)
            await pilot.press(key)
            await pilot.pause()
            assert len(r.index) == before + change, key
        assert counts["layouts"] == 0, counts
        assert counts["indexes"] == 0, counts
        assert counts["panel rows"] <= 3 * panel.scrollable_content_region.height, counts
        assert len(screen.index) == len(store.spans(doc)) == 3001


async def test_resizing_back_reuses_the_layout_of_the_width_before(store, monkeypatch):
    doc, _ = store.add_document(LINES, title="lines")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = next(s for s in app.screen_stack if isinstance(s, MainScreen)).query_one(Reader)
        await pilot.pause()
        first = r.layout_
        work = spy_on(monkeypatch, app, store)
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        narrow = r.layout_
        assert narrow.width < first.width and work.layouts == 1, str(work)
        await pilot.resize_terminal(*SIZE)  # back: the layout before, not a new wrap
        await pilot.pause()
        assert r.layout_ is first and work.layouts == 1, str(work)
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        assert r.layout_ is narrow and work.layouts == 1, str(work)
        await pilot.resize_terminal(70, 30)  # a third width is wrapped afresh
        await pilot.pause()
        assert work.layouts == 2, str(work)


async def test_moving_onto_a_span_draws_one_frame_with_the_panel_following(store):
    """The screen hears the reader's cursor moves at once: the panel's highlight used to
    come a frame later (a posted message arrives after the reader's frame)."""
    doc, _ = store.add_document(LINES, title="lines")
    store.insert_spans(doc, [(i * 60, i * 60 + 4, "claim", "alice", None) for i in range(200)])
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        r, panel = screen.query_one(Reader), screen.query_one(SpanList)
        await park_mid_screen(pilot, r, 40)
        span = r.index.at(r.cursor)[0] if r.index.at(r.cursor) else None
        assert span is None  # "Line 40 …" starts between spans (each is 4 of 60 chars)
        target = next(s for s in r.index.spans if s.start > r.cursor)
        frames: list[int | None] = []  # per frame: the span the panel highlighted in it
        display = app._display

        def counting(screen, update):  # type: ignore[no-untyped-def]
            if update is not None:
                frames.append(panel.current)
            return display(screen, update)

        app._display = counting  # type: ignore[method-assign]
        r.move_to(target.start)
        await pilot.pause()
        await pilot.pause()
        assert frames == [target.id], frames


async def test_the_panel_scrolls_once_per_three_quarters_of_a_list_walked(store):
    """Walking down a span-dense text, the highlight crosses the panel's bottom edge again
    and again; each crossing scrolls (repaints) the whole list, so it lands a quarter
    from the top, not centred (which scrolled twice as often)."""
    doc, _ = store.add_document(LINES, title="lines")
    store.insert_spans(doc, [(i * 20, i * 20 + 4, "claim", "alice", None)
                             for i in range(3000)])
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        r, panel = screen.query_one(Reader), screen.query_one(SpanList)
        await pilot.pause()
        height = panel.scrollable_content_region.height
        tops = []
        for span in r.index.spans[:200]:
            panel.point_at(span.id)
            tops.append(panel.scroll_offset.y)
            assert tops[-1] <= panel.highlighted < tops[-1] + height
        scrolls = sum(1 for a, b in zip(tops, tops[1:], strict=False) if a != b)
        assert scrolls <= 200 / (height * 3 // 4) + 1, (scrolls, height)


async def test_labelling_front_to_back_scrolls_the_panel_once_per_half_panel(store):
    """Each new span is the list's last row; a list scrolled to its end scrolled by one
    (every row repainted) for each label, so it keeps half a panel of room below."""
    doc, _ = store.add_document(LINES, title="lines")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        panel = screen.query_one(SpanList)
        await pilot.pause()
        height = panel.scrollable_content_region.height
        tops = []
        for i in range(3 * height):
            span = store.add_span(doc, i * 60, i * 60 + 4, "claim")
            screen._reload_span(span.id, current=span.id, fresh=span)
            await pilot.pause()
            assert panel.current == span.id
            tops.append(panel.scroll_offset.y)
            assert tops[-1] <= panel.highlighted < tops[-1] + height
        scrolls = sum(1 for a, b in zip(tops, tops[1:], strict=False) if a != b)
        assert scrolls <= 3 * height // (height // 2) + 1, (scrolls, height)


@pytest.mark.parametrize("where", [0.2, 0.5, 0.8])
async def test_a_span_added_mid_list_repaints_at_most_half_the_panel(store, monkeypatch, where):
    """A new row shifts every row after it; the list scrolls by one when that moves
    fewer lines (those before it), so at most about half the panel is repainted, and
    what each line shows afterwards is the index's row."""
    doc, _ = store.add_document(LINES, title="lines")
    labels = ["claim", "commitment", "invitation"]
    store.insert_spans(doc, [(i * 61, i * 61 + 12, labels[i % 3], "alice", None)
                             for i in range(1000)])  # every row's text differs
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        panel = screen.query_one(SpanList)
        panel.scroll_to(y=400, animate=False)
        await pilot.pause()
        height = panel.scrollable_content_region.height
        row = 400 + int(height * where)
        start = panel.index.spans[row].start + 1  # just after that span's start
        lines: set[int] = set()
        refresh_line = panel.refresh_line

        def spy(y: int) -> None:
            lines.add(y - panel.scroll_offset.y)
            refresh_line(y)

        monkeypatch.setattr(panel, "refresh_line", spy)
        span = store.add_span(doc, start, start + 4, "commitment")
        screen._reload_span(span.id, current=span.id, fresh=span)
        await pilot.pause()
        assert len(lines) <= height // 2 + 2, (sorted(lines), height)
        top = panel.scroll_offset.y
        # what the screen shows (lines not repainted come from Textual's cache)
        region = panel.content_region
        right = region.x + panel.scrollable_content_region.width
        screen_rows = app.screen._compositor.render_strips()
        shown = [screen_rows[region.y + y].crop(region.x, right).text.rstrip()
                 for y in range(height)]
        assert shown == [panel.render_line(y).text.rstrip() for y in range(height)]
        assert len(set(shown)) == height  # (so a line left stale would show)
        assert shown[panel.highlighted - top].split()[0] == "commitment"
        assert panel.current == span.id


async def test_opening_builds_its_spans_without_a_garbage_collection(store):
    """100,000 spans are 100,000 tuples and no cycle: loading them with the collector on
    walked the heap again and again (a third of opening a span-dense document)."""
    import gc

    doc, _ = store.add_document(LINES, title="lines")
    store.insert_spans(doc, [(i * 5, i * 5 + 3, "claim", "alice", None)
                             for i in range(20_000)])
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        await pilot.pause()
        gc.callbacks.append(count)
        try:
            screen.show_document(doc)
        finally:
            gc.callbacks.remove(count)
        assert len(screen.index) == 20_000
        assert len(collections) <= 2, collections  # after the spans: the panel, the reader
