"""The header line: title, place in the corpus, progress, annotator and database."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from annotui.core.display import one_line


class TopBar(Static):
    _parts: tuple[Text, Text] = (Text(), Text())

    def show(self, *, title: str, position: int, total: int, done: int, status: str,
             annotator: str, database: str, readonly: bool = False, view: str = "") -> None:
        left = Text(no_wrap=True)
        left.append(f" {position}/{total} ", style="bold reverse")
        left.append(" ")
        mark = {"done": "✓ ", "skipped": "⤼ "}.get(status, "")
        left.append(mark + one_line(title, 120), style="bold")
        right = Text(no_wrap=True)
        if view:  # whose spans are shown, when not only mine
            right.append(f"  {one_line(view, 40)}", style="bold reverse")
        right.append(f"  done {done}/{total}", style="green" if done == total else "")
        right.append(f" · {one_line(annotator, 20)}", style="italic")
        right.append(f" · {one_line(database, 24)}", style="dim")
        if readonly:
            right.append(" · READ-ONLY", style="bold red")
        self._parts = (left, right)
        self._fit()

    def _fit(self) -> None:
        # the right part stays whole; the title gives way when the terminal is narrow
        left, right = self._parts
        width = self.size.width or 120
        if right.cell_len > width // 2:
            right = right[: width // 2]
        room = max(0, width - right.cell_len)
        if left.cell_len > room:
            left = left.copy()
            left.truncate(room, overflow="ellipsis")
        # one row whatever it says: repainted in place, no screen layout
        self.update(Text.assemble(left, " " * max(0, room - left.cell_len), right),
                    layout=False)

    def on_resize(self) -> None:
        self._fit()
