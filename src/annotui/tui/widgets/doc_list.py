"""The document picker's table: one row per document, only the rows on screen built.

A DataTable keeps an object per row and laid the whole table out again on every key
typed in the filter: 3 s a key, and 3.5 s to open, at 20,000 documents. Here the filter
keeps a list of row numbers, and painting costs the rows on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotui.core.display import display_text, one_line
from annotui.core.model import DocumentInfo, Label

STATUS_STYLE = {"done": Style(color="green"), "skipped": Style(color="yellow"),
                "todo": Style(dim=True)}
_PAD = 1  # blank cells on each side of a column
_DIM = Style(dim=True, italic=True)


def matches(doc: DocumentInfo, hay: str, labels: Mapping[str, int],
            words: Sequence[str]) -> bool:
    """Lower-case ``words`` match ``hay`` (the title and key, lower case); `done`, `todo`,
    `skipped` the status; `has:LABEL` a label with spans."""
    for word in words:
        if word in ("done", "todo", "skipped") or word.startswith("status:"):
            if doc.status != word.removeprefix("status:"):
                return False
        elif word.startswith("has:"):
            if not labels.get(word[4:]):
                return False
        elif word not in hay:
            return False
    return True


def _special(word: str) -> bool:
    return word in ("done", "todo", "skipped") or word.startswith(("status:", "has:"))


def narrows(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether every document ``new`` matches also matches ``old``, so that only those
    need looking at: ``old``'s words kept, words added (each one more condition), and
    its last word perhaps typed on, if that is a plain word before and after (a longer
    word can stop being a status, or name another label)."""
    if not old or len(new) < len(old) or list(new[:len(old) - 1]) != list(old[:-1]):
        return False
    was, now = old[-1], new[len(old) - 1]
    return was == now or (now.startswith(was) and not _special(was) and not _special(now))


def _fit(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells: cut with an ellipsis, or padded."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    return " " * (width - cell_len(text)) + text if right else set_cell_size(text, width)


class Counts(Protocol):
    """Span counts per label of each document."""

    def of(self, doc_id: int) -> Mapping[str, int]:
        """One document's, by label name."""
        ...

    def everywhere(self) -> Mapping[int, Mapping[str, int]]:
        """Every document's, by label name in lower case (for has:LABEL)."""
        ...


@dataclass(frozen=True, slots=True)
class _Column:
    title: str
    width: int
    right: bool = False
    style: Style | None = None


class DocList(ScrollView, can_focus=False):
    """The documents that match the filter: number, title, status, span counts per label,
    length. Keys stay in the filter box; the screen moves the cursor here."""

    COMPONENT_CLASSES = {"doc-list--header", "doc-list--cursor", "doc-list--stripe"}
    DEFAULT_CSS = """
    DocList {
        height: auto;
        background: $surface;
    }
    DocList > .doc-list--header {
        text-style: bold;
    }
    DocList > .doc-list--cursor {
        background: $primary 60%;
    }
    DocList > .doc-list--stripe {
        background: $boost;
    }
    """

    @dataclass
    class Chosen(Message):
        """A row was clicked: open that document."""

        doc_id: int

    def __init__(self, docs: Sequence[DocumentInfo], counts: Counts,
                 labels: Sequence[Label], current: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.docs = docs
        self.counts = counts
        self.labels = labels
        self.rows: list[int] = list(range(len(docs)))  # indices into docs, in order
        # what a filter word is looked for in, lower-cased once (no word holds a newline)
        self._hay = [f"{d.title.lower()}\n{d.key.lower()}" for d in docs]
        self._words: list[str] = []  # the filter the rows shown match
        self.current = current
        self.cursor = next((i for i, d in enumerate(docs) if d.id == current), 0)
        # a label's column: its name up to 10 cells, and room for 9,999 spans (the counts
        # are read row by row, so the widest is not known)
        self._widths = (len(str(len(docs))), 7,
                        [max(4, min(10, cell_len(display_text(lb.name)))) for lb in labels],
                        max(5, max((len(f"{d.length:,}") for d in docs), default=5)))
        self._columns: list[_Column] = []
        self._stripes: tuple[Style, Style, Style, Style] | None = None

    # -- what is shown -----------------------------------------------------------------

    @property
    def chosen(self) -> int | None:
        """The document under the cursor, or None when nothing matches."""
        return self.docs[self.rows[self.cursor]].id if self.rows else None

    def filter(self, query: str) -> None:
        """Show the documents matching ``query``; the cursor stays on its document if it
        still matches, else goes to the first row."""
        was = self.chosen if self.rows else self.current  # back from matching nothing
        words = query.lower().split()
        if words:
            empty: Mapping[str, int] = {}
            every = self.counts.everywhere() if "has:" in query.lower() else {}
            hay, docs = self._hay, self.docs
            # typing on only narrows the rows shown: look at those, not every document
            among = self.rows if narrows(self._words, words) else range(len(docs))
            self.rows = [i for i in among
                         if matches(docs[i], hay[i], every.get(docs[i].id, empty), words)]
        else:
            self.rows = list(range(len(self.docs)))
        self._words = words
        ids = [self.docs[i].id for i in self.rows]
        self.cursor = ids.index(was) if was in ids else 0
        self._sized()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._keep_cursor_in_view()
        self.refresh()

    def move(self, step: int) -> None:
        """Move the cursor ``step`` rows (clamped); a page is the rows on screen."""
        if not self.rows:
            return
        self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))
        self._keep_cursor_in_view()
        self.refresh()

    @property
    def page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _keep_cursor_in_view(self) -> None:
        shown = self.page  # the header row takes one
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + shown:
            self.scroll_to(y=self.cursor - shown + 1, animate=False, immediate=True)

    # -- layout ------------------------------------------------------------------------

    def _layout_columns(self, width: int) -> None:
        n, status, label_widths, chars = self._widths
        fixed = [_Column("#", n, right=True), _Column("status", status),
                 *(_Column(display_text(lb.name), w, right=True, style=Style.parse(lb.color))
                   for lb, w in zip(self.labels, label_widths, strict=True)),
                 _Column("chars", chars, right=True)]
        used = sum(c.width + 2 * _PAD for c in fixed) + 2 * _PAD
        title = _Column("title", max(12, width - used))
        self._columns = [fixed[0], title, *fixed[1:]]

    def _sized(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        self._layout_columns(width)
        total = sum(c.width + 2 * _PAD for c in self._columns)
        self.virtual_size = Size(total, len(self.rows) + 1)

    def on_resize(self) -> None:
        self._sized()  # the title column takes the width there is
        self._keep_cursor_in_view()
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.rows)) + 1  # the header, and a row saying nothing matches

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._stripes = None

    # -- painting ------------------------------------------------------------------------

    def _styles(self) -> tuple[Style, Style, Style, Style]:
        if self._stripes is None:
            base = self.rich_style
            self._stripes = (
                base + self.get_component_rich_style("doc-list--header"),
                base,
                base + self.get_component_rich_style("doc-list--stripe"),
                base + self.get_component_rich_style("doc-list--cursor"))
        return self._stripes

    def render_line(self, y: int) -> Strip:
        header, plain, stripe, cursor = self._styles()
        width = self.scrollable_content_region.width
        if not self._columns:
            self._sized()
        if y == 0:
            cells = [(_fit(c.title, c.width, c.right), header + c.style if c.style else header)
                     for c in self._columns]
            return self._strip(cells, header, width)
        at = int(self.scroll_y) + y - 1
        if not self.rows and y == 1:
            return self._strip([("no document matches the filter", plain + _DIM)], plain, width)
        if at >= len(self.rows):
            return Strip.blank(width, plain)
        doc = self.docs[self.rows[at]]
        base = cursor if at == self.cursor else stripe if at % 2 else plain
        counts = self.counts.of(doc.id)
        values = [str(self.rows[at] + 1), one_line(doc.title, 200), doc.status,
                  *(str(counts.get(lb.name, 0) or "") for lb in self.labels),
                  f"{doc.length:,}"]
        cells = [(_fit(value, column.width, column.right), base)
                 for column, value in zip(self._columns, values, strict=True)]
        cells[2] = (cells[2][0], base + STATUS_STYLE.get(doc.status, Style()))
        return self._strip(cells, base, width)

    def _strip(self, cells: list[tuple[str, Style]], base: Style, width: int) -> Strip:
        pad = " " * _PAD
        segments = [Segment(pad + text + pad, style) for text, style in cells]
        x = int(self.scroll_x)
        return Strip(segments).crop_extend(x, x + width, base)

    def on_click(self, event: events.Click) -> None:
        at = int(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= at < len(self.rows):
            self.cursor = at
            self.refresh()
            self.post_message(self.Chosen(self.docs[self.rows[at]].id))
