"""The scrollbar is redrawn only when its thumb moves: ``thumb`` must tell exactly when
Textual's ScrollBarRender would draw the same bar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.geometry import Region
from textual.scrollbar import ScrollBarRender

from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.widgets.reader import Reader
from annotui.tui.widgets.scrolling import LineScrollBar, thumb


def drawn(height: int, rows: int, top: float) -> list[object]:
    bar = ScrollBarRender.render_bar(size=height, virtual_size=rows, window_size=height,
                                     position=top)
    return [(seg.text, seg.style) for seg in bar.segments]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 80), st.integers(1, 500_000), st.floats(0, 1), st.integers(-40, 40))
def test_the_same_thumb_is_the_same_bar(height: int, rows: int, where: float,
                                        step: int) -> None:
    top = round(where * max(0, rows - height))
    other = min(max(0, top + step), max(0, rows - height))
    if thumb(height, rows, top) == thumb(height, rows, other):
        assert drawn(height, rows, top) == drawn(height, rows, other)
    else:
        assert drawn(height, rows, top) != drawn(height, rows, other)


def test_a_bar_not_laid_out_yet_has_no_thumb() -> None:
    assert thumb(0, 1000, 10) == thumb(40, 0, 0) == (0, 0)


@pytest.fixture
async def scrolled(tmp_path: Path) -> AsyncIterator[tuple[Reader, object]]:
    """A reader on a long document, scrolled 300 rows down: (reader, pilot)."""
    text = "\n\n".join(f"Paragraph {i}, a line of text." for i in range(400))
    store = Store(tmp_path / "s.db", annotator="alice")
    doc, _ = store.add_document(text, title="long")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.screen.query_one(Reader)
        await pilot.pause()  # after the first layout, which keeps the cursor in view
        reader.scroll_to(y=300, animate=False)
        await pilot.pause()
        yield reader, pilot
    store.close()


async def test_the_readers_scrollbar_keeps_textuals_mouse_targets(scrolled) -> None:  # type: ignore[no-untyped-def]
    """Drawn through the Line API, each cell of the bar still carries what Textual's
    own bar carries for the mouse: grab on the thumb, page up above it, down below."""
    reader, _pilot = scrolled
    bar = reader.vertical_scrollbar
    assert isinstance(bar, LineScrollBar)
    actions = [next(iter(bar.render_line(y)))[1].meta.get("@mouse.down")
               for y in range(bar.size.height)]
    first, last = actions.index("grab"), len(actions) - actions[::-1].index("grab")
    assert 0 < first < last < len(actions)
    assert set(actions[:first]) == {"scroll_up"}
    assert set(actions[first:last]) == {"grab"}
    assert set(actions[last:]) == {"scroll_down"}


async def test_a_longer_list_repaints_only_the_bar_rows_that_change(scrolled) -> None:  # type: ignore[no-untyped-def]
    reader, pilot = scrolled
    bar = reader.vertical_scrollbar
    regions: list[tuple[Region, ...]] = []
    refresh = type(bar).__mro__[1].refresh  # Textual's, under LineScrollBar's

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        regions.append(args)
        return refresh(self, *args, **kwargs)

    type(bar).__mro__[1].refresh = spy  # type: ignore[method-assign]
    try:
        bar.window_virtual_size = bar.window_virtual_size + 200  # a longer document
        await pilot.pause()
    finally:
        type(bar).__mro__[1].refresh = refresh  # type: ignore[method-assign]
    assert regions and all(len(r) == 1 and r[0].height == 1 for r in regions), regions
    assert len(regions) <= 4, regions
