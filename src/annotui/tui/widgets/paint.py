"""Turning one screen row and the spans over it into styled pieces.

Overlaps stay readable: a character under one span gets that label's background; under
two or more, the innermost (shortest) span's background, underlined and bold, so the
outer span's colour shows around it and the stacked part stands out; the panel names both.
"""

from __future__ import annotations

import functools

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from annotui.core.model import Label
from annotui.core.spans import SpanIndex
from annotui.tui.layout import Layout


def _contrast(hex_color: str) -> str:
    """Black or white, whichever reads better on the colour (WCAG relative luminance)."""
    r, g, b = Color.parse(hex_color).get_truecolor()

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return "#000000" if luminance > 0.179 else "#ffffff"


def label_styles(labels: list[Label]) -> dict[str, Style]:
    """Each label's chip style. The same dict for the same labels: the panel asks on
    every change, and callers compare the answer to the last one (never change it)."""
    return _label_styles(tuple(labels))


@functools.lru_cache(maxsize=16)
def _label_styles(labels: tuple[Label, ...]) -> dict[str, Style]:
    return {label.name: Style(bgcolor=label.color, color=_contrast(label.color))
            for label in labels}


FALLBACK = Style(bgcolor="#777777", color="#000000")
FOCUSED = Style(bold=True, italic=True)
STACKED = Style(underline=True, bold=True)
SUGGESTED = Style(italic=True, dim=True, underline=True)  # proposed, not yet a label
OTHERS = Style(underline=True)  # another annotator's span, in everyone's view


def _pieces(layout: Layout, row_number: int, cuts: list[int]) -> list[tuple[int, int, str]]:
    """The row's drawable pieces, split at every cut that falls inside a 1:1 piece."""
    pieces: list[tuple[int, int, str]] = []
    for start, end, shown in layout.cells(row_number):
        inner = [c for c in cuts if start < c < end]
        if not inner or len(shown) != end - start:
            # a tab or a grapheme cluster: never split (spans sit on cluster edges)
            pieces.append((start, end, shown))
            continue
        edges = [start, *inner, end]
        for a, b in zip(edges, edges[1:], strict=False):
            pieces.append((a, b, shown[a - start: b - start]))
    return pieces


def paint_row(layout: Layout, row_number: int, index: SpanIndex, styles: dict[str, Style],
              base: Style, highlight: int | None = None, me: str | None = None,
              suggested: SpanIndex | None = None) -> list[tuple[int, int, str, Style]]:
    """(start, end, text, style) pieces of a row with its spans painted (no cursor).

    With ``me`` given (everyone's spans on screen), spans by others are underlined in
    their label's colour instead of filled, so mine and theirs stay apart where they meet.
    Suggestions (``suggested``) are never filled: italic, dim and underlined in their
    label's colour, so a proposal can't be mistaken for a label.
    """
    row = layout.row(row_number)
    spans = index.overlapping(row.start, max(row.end, row.start + 1))
    proposed = (suggested.overlapping(row.start, max(row.end, row.start + 1))
                if suggested is not None and len(suggested) else [])
    cuts = sorted({edge for span in (*spans, *proposed) for edge in (span.start, span.end)})
    out: list[tuple[int, int, str, Style]] = []
    for start, end, shown in _pieces(layout, row_number, cuts):
        covering = [s for s in spans if s.start <= start and s.end >= end and s.end > start]
        style = base
        if covering:
            covering.sort(key=lambda s: (s.end - s.start, s.start))
            mine = [s for s in covering if me is None or s.annotator == me]
            theirs = [s for s in covering if me is not None and s.annotator != me]
            if mine:
                style = base + styles.get(mine[0].label, FALLBACK)
                if len(mine) > 1:
                    style += STACKED
            if theirs:
                colour = styles.get(theirs[0].label, FALLBACK).bgcolor
                style += OTHERS if mine else OTHERS + Style(color=colour)
            if highlight is not None and any(s.id == highlight for s in covering):
                style += FOCUSED
        if proposed:
            offer = [s for s in proposed if s.start <= start and s.end >= end and s.end > start]
            if offer:
                colour = styles.get(offer[0].label, FALLBACK).bgcolor
                style += SUGGESTED if covering else SUGGESTED + Style(color=colour)
        out.append((start, end, shown, style))
    return out


def split_pieces(segments: list[tuple[int, int, str, Style]], cuts: set[int]
                 ) -> list[tuple[int, int, str, Style]]:
    """Split one-cell-per-code-point pieces at the cuts (clusters and tabs stay whole)."""
    out = []
    for start, end, shown, style in segments:
        inner = sorted(c for c in cuts if start < c < end)
        if not inner or len(shown) != end - start:
            out.append((start, end, shown, style))
            continue
        edges = [start, *inner, end]
        for a, b in zip(edges, edges[1:], strict=False):
            out.append((a, b, shown[a - start:b - start], style))
    return out


def overlay(segments: list[tuple[int, int, str, Style]], row_start: int, row_end: int,
            selection: tuple[int, int] | None, cursor: int | None, cursor_ends_row: bool,
            cursor_style: Style, select_style: Style, base: Style) -> list[Segment]:
    """A painted row with the selection and the cursor (None: not shown) on top."""
    cuts: set[int] = set()
    if selection and selection[0] < row_end + 1 and selection[1] > row_start:
        cuts.update(selection)
    cursor_here = cursor is not None and row_start <= cursor <= row_end
    if cursor_here:
        assert cursor is not None
        cuts.update((cursor, cursor + 1))
    if not cuts:
        return [Segment(shown, style) for _, _, shown, style in segments]
    out: list[Segment] = []
    cursor_drawn = False
    for start, end, shown, style in split_pieces(segments, cuts):
        if selection and start < selection[1] and end > selection[0]:
            style = style + select_style
        if cursor_here and start <= cursor < end:  # type: ignore[operator]
            style = style + cursor_style
            cursor_drawn = True
            shown = shown or " "  # a hanging space is drawn with no cells
        out.append(Segment(shown, style))
    if cursor_here and not cursor_drawn and cursor_ends_row:
        out.append(Segment(" ", base + cursor_style))
    return out
