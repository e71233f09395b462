"""Lines (the legend and panel titles): a changed row repaints alone; rows never wrap."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from annotui.tui.widgets.lines import Lines


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Lines("claim 3", "commitment 0", "invitation 1", id="lines")


async def test_a_changed_row_is_the_only_row_painted_again() -> None:
    app = Host()
    async with app.run_test(size=(30, 6)) as pilot:
        lines = app.query_one(Lines)
        await pilot.pause()
        painted: list[int] = []
        render_line = lines.render_line

        def spy(y: int):  # type: ignore[no-untyped-def]
            painted.append(y)
            return render_line(y)

        lines.render_line = spy  # type: ignore[method-assign]
        lines.set_rows(["claim 3", "commitment 1", "invitation 1"])
        await pilot.pause()
        assert painted == [1]
        assert lines.render_line(1).text.rstrip() == "commitment 1"
        painted.clear()
        lines.set_rows(["claim 3", "commitment 1", "invitation 1"])  # nothing changed
        await pilot.pause()
        assert painted == []


async def test_more_rows_grow_the_widget_and_long_rows_end_in_an_ellipsis() -> None:
    app = Host()
    async with app.run_test(size=(12, 8)) as pilot:
        lines = app.query_one(Lines)
        lines.set_rows([Text("a"), Text("b"), Text("c"), Text("a label far too long")])
        await pilot.pause()
        assert lines.size.height == 4
        last = lines.render_line(3).text
        assert len(last) == 12 and last.endswith("…")
