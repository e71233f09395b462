"""What a piece of text costs in terminal cells: the character classes, the tokenizer and
the cluster widths behind :mod:`annotui.tui.layout`. Pure: no Textual, only rich's
width table and the ``regex`` package's grapheme rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

from annotui.core.display import DOTTED_CIRCLE, display_text

if TYPE_CHECKING:
    import regex

# ---------------------------------------------------------------------------------------
# Character classes.  Checked by tests against the Unicode data (regex) and rich's widths.

# One code point = one whole grapheme cluster (Grapheme_Cluster_Break=Other, not
# Extended_Pictographic, not an Indic conjunct consonant) = one cell, nothing to replace.
_SIMPLE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xA8),
    (0xAA, 0xAC),
    (0xAF, 0x2FF),
    (0x370, 0x482),
    (0x48A, 0x52F),
    (0x1E00, 0x200A),
    (0x2010, 0x2027),
    (0x202F, 0x203B),
    (0x203D, 0x2048),
    (0x204A, 0x205F),
    (0x2070, 0x20C0),
    (0x2100, 0x2121),
    (0x2123, 0x2138),
    (0x213A, 0x2193),
    (0x219A, 0x21A8),
    (0x21AB, 0x21FF),
    (0x2500, 0x25A9),
    (0x25AC, 0x25B5),
    (0x25B7, 0x25BF),
    (0x25C1, 0x25FA),
)
# The same, two cells wide (CJK ideographs and punctuation, kana, fullwidth forms).
_WIDE_RANGES = (
    (0x2E80, 0x2E99),
    (0x2E9B, 0x2EF3),
    (0x2F00, 0x2FD5),
    (0x2FF0, 0x3029),
    (0x3031, 0x303C),
    (0x303E, 0x303E),
    (0x3041, 0x3096),
    (0x309B, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF01, 0xFF60),
    (0xFFE0, 0xFFE6),
)


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_SIMPLE_CLASS = _char_class(_SIMPLE_RANGES)
_WIDE_CLASS = _char_class(_WIDE_RANGES)
#: the first char of a line that is not simple (a tab, a wide char, a mark, a control ...)
_NONSIMPLE = re.compile(f"[^{_SIMPLE_CLASS}]")
# chars that extend the cluster of the char before them (GB9, GB9a)
_JOINERS = r"\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}"
#: tokens: a run of simple chars, a run of wide chars (each char a whole cluster: the
#: last one is not followed by a mark), or one grapheme cluster
# Flags (pairs of regional indicators) come before \X: regex's \X counts every preceding
# indicator for each flag, so a long line of flags would cost quadratic time.
_FLAG = "[\U0001F1E6-\U0001F1FF]{2}"
_token: regex.Pattern[str] | None = None


def tokens(text: str, start: int, end: int) -> list[str]:
    """The tokens of ``text[start:end]``. The pattern is compiled on first use (with the
    ``regex`` import, 15 ms at start-up for nothing: a line of simple characters never
    needs it)."""
    global _token
    if _token is None:
        import regex

        _token = regex.compile(
            f"[{_SIMPLE_CLASS}]+(?![{_JOINERS}])|[{_WIDE_CLASS}]+(?![{_JOINERS}])"
            f"|{_FLAG}(?![{_JOINERS}])|\\X", regex.DOTALL)
    return _token.findall(text, start, end)


def _unit(tok: str) -> int:
    """Cells per code point of a run token (1 or 2), or 0 for a single-cluster token.

    A cluster of several code points always holds a non-simple, non-wide code point at
    one of its ends (its first, or its last one joins it), so the two ends decide.
    """
    if _is_wide is None:
        _compile_classes()
    is_simple, is_wide = _is_simple, _is_wide
    assert is_simple is not None and is_wide is not None
    if is_simple(tok) is not None and is_simple(tok, len(tok) - 1) is not None:
        return 1
    if is_wide(tok) is not None and is_wide(tok, len(tok) - 1) is not None:
        return 2
    return 0


_is_simple: Callable[..., Any] | None = None
_is_wide: Callable[..., Any] | None = None


def warm() -> None:
    """Compile the tokenizer and the character classes now (after the first frame): the
    first line with an emoji or a CJK character scrolled into view must not wait for them."""
    if _is_wide is None:
        _compile_classes()
    tokens("", 0, 0)


def _compile_classes() -> None:
    # on the first line that is not all simple characters: the wide class alone is 2 ms
    # of re's compiler (30,000 code points), at start-up for nothing otherwise
    global _is_simple, _is_wide
    _is_simple = re.compile(f"[{_SIMPLE_CLASS}]").match
    _is_wide = re.compile(f"[{_WIDE_CLASS}]").match


def _cluster_display(cluster: str) -> tuple[str, int]:
    """Display string and cell width of one (non-tab) cluster; the width is at least 1."""
    disp = display_text(cluster)
    w = cell_len(disp)
    if w == 0:
        disp = DOTTED_CIRCLE + disp
        w = cell_len(disp) or 1
    return disp, w


class _TokenWidths(dict):
    """Cell width of a (non-tab) token, memoised for short tokens."""

    def __missing__(self, tok: str) -> int:
        u = _unit(tok)
        w = u * len(tok) if u else _cluster_display(tok)[1]
        if len(tok) <= 32:
            self[tok] = w
        return w
