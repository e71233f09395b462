"""Pure soft-wrap geometry for the reader (no Textual import).

The reader is a Line-API ``ScrollView``: ``render_line(y)`` draws one screen row, so it
needs to know, for every screen row, which document offsets it shows and at which cell
columns.  :class:`Layout` computes that once per (text, width) — at load and on resize —
and answers the per-row questions in time proportional to the row, never the document.

Offsets are Python ``str`` indices (code points) into the stored text (``"\\n"`` newlines
only).  Columns are terminal cells as measured by ``rich.cells.cell_len`` (the measure
Textual uses), so wide CJK characters and emoji count 2.

Wrapping rules
--------------
* A row never breaks inside a grapheme cluster (``regex`` ``\\X``: emoji ZWJ sequences,
  skin tones, flags, combining marks ...).
* Prefer breaking after a space (the space stays at the end of the upper row); otherwise
  break hard at a cluster boundary.  When the row is exactly full and the next char is a
  single space, that space *hangs* at the end of the row (it is part of the row but drawn
  with zero cells, see :meth:`Layout.cells`), so the next row does not start with it.
  A hanging space is never the last char of a line.
* Tabs expand to the next multiple of ``tab_size`` columns, counted from the start of the
  screen row, and shrink to the room left on the row (a tab never overflows a row).
* A single cluster wider than the row (a wide char at width 1) is placed alone on its row;
  that is the only case where a row is wider than ``width``.
* Every cluster occupies at least one cell: a cluster that would be invisible (a combining
  mark at the start of a line, a lone ZWJ) is drawn as ``"◌"`` + the cluster.
* Columns go from 0 to ``width`` inclusive: the cursor at the end of a full row (or on a
  hanging space) is at column ``width``.  Give the Layout the view width minus one if the
  cursor must always be drawn inside the view.

Speed: a line made only of "simple" characters (one code point = one cluster = one
cell: ASCII, Latin, Greek, Cyrillic, general punctuation such as curly quotes ...) is
wrapped by arithmetic and ``str.rfind`` (10 MB of prose: ~0.1 s).  Any other line is
split by one ``regex`` ``findall`` into tokens (runs of simple chars, runs of wide CJK
chars, single clusters); cumulative widths (``itertools.accumulate``) let each row end be
found by ``bisect``.  Lines holding a tab are laid out token by token (tab stops depend on
the column).  Per-row queries (``cells``, ``x_of`` ...) re-tokenise only that row.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from itertools import accumulate
from typing import NamedTuple

from annotui.core.display import display_char, display_text
from annotui.tui.cells import (
    _NONSIMPLE,
    _cluster_display,
    _TokenWidths,
    _unit,
    tokens,
)

__all__ = ["Layout", "Row", "display_char", "display_text"]

class Row(NamedTuple):
    """One screen row: ``text[start:end]`` is shown on it (never the ``"\\n"``)."""

    start: int
    end: int
    line: int


class Layout:
    """The soft-wrapped screen rows of ``text`` at ``width`` cells.

    Rows are stored compactly: the start offset of every row (``array('q')``), and for
    every logical line its start offset and its first row.  Building is O(len(text)) and
    fast (arithmetic for plain lines); every query is O(log rows + row length).
    """

    def __init__(self, text: str, width: int, tab_size: int = 4) -> None:
        self.text = text
        self.width = max(1, int(width))
        self.tab_size = max(1, int(tab_size))
        self._build()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        text = self.text
        width = self.width
        n = len(text)
        find = text.find
        rfind = text.rfind
        nonsimple = _NONSIMPLE.search
        rows: list[int] = []
        append = rows.append
        line_starts: list[int] = []
        first_rows: list[int] = []
        pos = 0
        while True:
            le = find("\n", pos)
            if le < 0:
                le = n
            line_starts.append(pos)
            first_rows.append(len(rows))
            if nonsimple(text, pos, le) is None:
                s = pos
                append(s)
                while le - s > width:
                    lim = s + width
                    if text[lim] == " " and lim + 1 < le:
                        s = lim + 1  # hanging space
                    else:
                        i = rfind(" ", s, lim)
                        s = i + 1 if i >= 0 else lim
                    append(s)
            else:
                self._wrap_complex(pos, le, rows)
            if le >= n:
                break
            pos = le + 1
        self._rows = array("q", rows)
        self._line_starts = array("q", line_starts)
        self._line_first_row = array("q", first_rows)

    def _wrap_complex(self, ls: int, le: int, rows: list[int]) -> None:
        """Rows of the line ``text[ls:le]`` that holds non-simple chars."""
        text = self.text
        width = self.width
        toks = tokens(text, ls, le)
        bounds = list(accumulate(map(len, toks), initial=ls))
        widths = _TokenWidths()
        units: dict[int, int] = {}

        def unit(k: int) -> int:
            u = units.get(k)
            if u is None:
                u = units[k] = _unit(toks[k])
            return u

        has_tab = text.find("\t", ls, le) >= 0
        if not has_tab:
            cumw = list(accumulate(map(widths.__getitem__, toks), initial=0))
            total = cumw[-1]
        ts = self.tab_size
        ntok = len(toks)
        r = ls
        i = 0
        rows.append(ls)
        while True:
            # lim: end of the longest prefix of [r, le) that fits the row (a boundary);
            # lim_simple: lim is inside a run of simple chars
            if not has_tab:
                ui = unit(i)
                target = cumw[i] + (r - bounds[i]) * ui + width
                if target >= total:
                    return
                j = bisect_right(cumw, target, i) - 1  # cumw[j] <= target < cumw[j + 1]
                uj = unit(j)
                lim = bounds[j] + (target - cumw[j]) // uj if uj else bounds[j]
                lim_simple = uj == 1
            else:
                col = 0
                k = i
                while k < ntok:
                    u = unit(k)
                    a = bounds[k] if bounds[k] > r else r
                    room = width - col
                    if u:
                        cnt = bounds[k + 1] - a
                        fit = room // u
                        if cnt <= fit:
                            col += cnt * u
                            k += 1
                            continue
                        lim = a + fit
                        lim_simple = u == 1
                        break
                    tok = toks[k]
                    if tok == "\t":
                        w = min(ts - col % ts, room) if room > 0 else 1
                    else:
                        w = widths[tok]
                    if w <= room:
                        col += w
                        k += 1
                        continue
                    lim = a
                    lim_simple = False
                    break
                else:
                    return
            if lim <= r:
                # a cluster wider than the whole row: alone on its row
                brk = r + 1 if unit(i) else bounds[i + 1]
            elif lim_simple and text[lim] == " " and lim + 1 < le:
                brk = lim + 1  # hanging space
            else:
                brk = lim
                sp = text.rfind(" ", r, lim)
                while sp >= 0:
                    if unit(bisect_right(bounds, sp, i) - 1) == 1:  # a lone space
                        brk = sp + 1
                        break
                    sp = text.rfind(" ", r, sp)
            if brk >= le:
                return
            rows.append(brk)
            r = brk
            i = bisect_right(bounds, r, i) - 1

    # -- lines ----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Total number of screen rows (at least 1)."""
        return len(self._rows)

    @property
    def line_count(self) -> int:
        """Number of logical lines (``text.count("\\n") + 1``)."""
        return len(self._line_starts)

    def line_of(self, offset: int) -> int:
        """Logical line containing ``offset`` (a ``"\\n"`` belongs to the line it ends)."""
        offset = min(max(offset, 0), len(self.text))
        return bisect_right(self._line_starts, offset) - 1

    def line_start(self, line: int) -> int:
        return self._line_starts[line]

    def line_end(self, line: int) -> int:
        """Offset of the ``"\\n"`` ending ``line`` (or ``len(text)`` for the last line)."""
        if line + 1 < len(self._line_starts):
            return self._line_starts[line + 1] - 1
        return len(self.text)

    def line_rows(self, line: int) -> range:
        """Screen rows of a logical line."""
        first = self._line_first_row[line]
        if line + 1 < len(self._line_first_row):
            return range(first, self._line_first_row[line + 1])
        return range(first, len(self._rows))

    # -- rows -----------------------------------------------------------------------------

    def _line_of_row(self, y: int) -> int:
        return bisect_right(self._line_first_row, y) - 1

    def _row_bounds(self, y: int) -> tuple[int, int, int, bool]:
        """(start, end, line, is the last row of its line)."""
        line = self._line_of_row(y)
        start = self._rows[y]
        nxt = line + 1
        if nxt < len(self._line_first_row):
            if y + 1 < self._line_first_row[nxt]:
                return start, self._rows[y + 1], line, False
            return start, self._line_starts[nxt] - 1, line, True
        if y + 1 < len(self._rows):
            return start, self._rows[y + 1], line, False
        return start, len(self.text), line, True

    def row(self, y: int) -> Row:
        """Row ``y``; raises IndexError outside ``0 <= y < row_count``."""
        if not 0 <= y < len(self._rows):
            raise IndexError(f"row {y} out of range 0..{len(self._rows) - 1}")
        start, end, line, _last = self._row_bounds(y)
        return Row(start, end, line)

    def row_of(self, offset: int) -> int:
        """Screen row showing ``offset`` (clamped to the text).

        A ``"\\n"`` and ``len(text)`` map to the row ending their line; an offset exactly
        at a soft-wrap break maps to the later row.
        """
        offset = min(max(offset, 0), len(self.text))
        return bisect_right(self._rows, offset) - 1

    def rows_for_range(self, start: int, end: int) -> range:
        """Screen rows touched by ``[start, end)`` (the row of ``start`` if empty)."""
        if end < start:
            start, end = end, start
        first = self.row_of(start)
        last = self.row_of(end - 1) if end > start else first
        return range(first, max(first, last) + 1)

    def _segments(self, y: int) -> list[tuple[int, int, str, int, int]]:
        """(start, end, display, cells, unit) per segment of row y.

        ``unit`` is the cells per code point inside a run (1 or 2) or 0 for one cluster.
        """
        start, end, _line, _last = self._row_bounds(y)
        if start >= end:
            return []
        text = self.text
        width = self.width
        if _NONSIMPLE.search(text, start, end) is None:
            if end - start > width:  # hanging space
                return [
                    (start, end - 1, text[start : end - 1], end - 1 - start, 1),
                    (end - 1, end, "", 0, 1),
                ]
            return [(start, end, text[start:end], end - start, 1)]
        ts = self.tab_size
        segs: list[tuple[int, int, str, int, int]] = []
        col = 0
        s = start
        for tok in tokens(text, start, end):
            e = s + len(tok)
            u = _unit(tok)
            if u == 1:
                n = e - s
                if col + n > width and e == end and tok[-1] == " " and col + n - 1 <= width:
                    if n > 1:  # hanging space
                        segs.append((s, e - 1, tok[:-1], n - 1, 1))
                    segs.append((e - 1, e, "", 0, 1))
                    col += n - 1
                else:
                    segs.append((s, e, tok, n, 1))
                    col += n
            elif u == 2:
                segs.append((s, e, tok, 2 * (e - s), 2))
                col += 2 * (e - s)
            elif tok == "\t":
                room = width - col
                w = min(ts - col % ts, room) if room > 0 else 1
                segs.append((s, e, " " * w, w, 0))
                col += w
            else:
                disp, w = _cluster_display(tok)
                segs.append((s, e, disp, w, 0))
                col += w
            s = e
        return segs

    def cells(self, y: int) -> list[tuple[int, int, str]]:
        """What to draw on row ``y``: consecutive ``(doc_start, doc_end, display)`` segments.

        A segment is a run of plain single-cell chars, a run of wide (CJK) chars, or one
        grapheme cluster; tabs are expanded to spaces, controls passed through
        :func:`display_text`, an invisible cluster prefixed with ``"◌"``, a hanging space
        shown as ``""``.  The cell widths sum to at most ``width`` (except a single
        too-wide cluster alone on its row).  An empty list for an empty row or ``y``
        outside the rows.
        """
        if not 0 <= y < len(self._rows):
            return []
        return [(s, e, d) for s, e, d, _w, _u in self._segments(y)]

    def x_of(self, offset: int) -> tuple[int, int]:
        """(screen row, cell column) of the cursor at ``offset`` (0 <= column <= width)."""
        offset = min(max(offset, 0), len(self.text))
        y = self.row_of(offset)
        col = 0
        for s, e, _d, w, unit in self._segments(y):
            if offset < e:
                if unit:
                    col += (offset - s) * unit
                return y, col
            col += w
        return y, col

    def offset_at(self, y: int, x: int) -> int:
        """Document offset under cell ``x`` of row ``y`` (``y`` clamped).

        The cluster covering ``x`` (either half of a wide char picks it).  Past the row's
        content: the end of the line for the last row of a line; for a soft-wrapped row,
        the start of its last cluster, so that the cursor stays on the clicked row.
        """
        y = min(max(y, 0), len(self._rows) - 1)
        x = max(x, 0)
        start, end, _line, last = self._row_bounds(y)
        col = 0
        segs = self._segments(y)
        for s, _e, _d, w, unit in segs:
            if x < col + w:
                if unit:
                    return s + (x - col) // unit
                return s
            col += w
        if last or not segs:
            return end
        s, e, _d, _w, unit = segs[-1]
        return e - 1 if unit else s

    def vertical_move(self, offset: int, dy: int, goal_x: int | None = None) -> int:
        """Offset ``dy`` rows up (<0) or down (>0) at the goal column (default: current)."""
        y, x = self.x_of(offset)
        if goal_x is None:
            goal_x = x
        ny = min(max(y + dy, 0), len(self._rows) - 1)
        return self.offset_at(ny, goal_x)

    def __repr__(self) -> str:
        return (
            f"Layout(len={len(self.text)}, width={self.width}, tab_size={self.tab_size}, "
            f"rows={self.row_count})"
        )
