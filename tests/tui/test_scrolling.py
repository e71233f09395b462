"""The scrollbar is redrawn only when its thumb moves: ``thumb`` must tell exactly when
Textual's ScrollBarRender would draw the same bar."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.scrollbar import ScrollBarRender

from annotui.tui.widgets.scrolling import thumb


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
