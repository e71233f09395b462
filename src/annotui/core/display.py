"""Showing document text on a terminal harmlessly, without changing its length.

rich drops BEL, BS, VT, FF and CR (shifting every column after them) and passes ESC
straight to the terminal; bidi overrides reorder what follows them and zero-width
characters hide. Each is replaced one-for-one by a visible stand-in, so offsets into the
displayed string are offsets into the text. Stored text never changes. Used by the reader,
the panel, notifications and the CLI's tables alike.
"""

from __future__ import annotations

import re
from typing import Any

#: Mark shown for bidi controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM).
BIDI_MARK = "\u21c4"  # ⇄
#: Mark shown for invisible format characters: ZWSP, word joiner, BOM, soft hyphen,
#: invisible math operators, deprecated format controls.
ZERO_WIDTH_MARK = "\u00a6"  # ¦
#: Mark shown for U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR.
SEPARATOR_MARK = "\u2424"  # ␤
#: Prefix drawn before a cluster that would otherwise take no cell (a lone combining mark).
DOTTED_CIRCLE = "\u25cc"  # ◌


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if code not in (0x09, 0x0A):
            table[code] = chr(0x2400 + code)  # ␀ ... ␟, e.g. ESC -> ␛
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):
        table[code] = "\ufffd"
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C):
        table[code] = BIDI_MARK
    for code in (0x200B, 0x2060, 0xFEFF, 0x00AD, *range(0x2061, 0x2065), *range(0x206A, 0x2070)):
        table[code] = ZERO_WIDTH_MARK
    table[0x2028] = SEPARATOR_MARK
    table[0x2029] = SEPARATOR_MARK
    return table


_DISPLAY_TABLE = _build_table()
_NEEDS_DISPLAY = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_DISPLAY_TABLE)) + "]")


def display_char(ch: str) -> str:
    """A same-length visible stand-in for one code point.

    C0 controls except tab and newline -> the Control Pictures block (ESC -> ``"␛"``),
    DEL -> ``"␡"``, C1 controls -> ``"\\ufffd"``, bidi controls -> ``"⇄"``, zero-width
    format characters (ZWSP, WJ, BOM, soft hyphen, ...) -> ``"¦"``, U+2028/U+2029 -> ``"␤"``.
    ZWJ, ZWNJ and variation selectors are never replaced (they belong to clusters).
    Everything else is returned unchanged.
    """
    return _DISPLAY_TABLE.get(ord(ch), ch) if len(ch) == 1 else display_text(ch)


def display_text(s: str) -> str:
    """Apply :func:`display_char` to every char; ``len(display_text(s)) == len(s)``."""
    if _NEEDS_DISPLAY.search(s) is None:
        return s
    return s.translate(_DISPLAY_TABLE)



class VisibleControls:
    """A rich highlighter for inputs (the note editor, the search box): pasted text shows
    its control and bidi characters as stand-ins; the value itself is untouched."""

    def __call__(self, text: Any) -> Any:
        from rich.text import Text

        if isinstance(text, str):
            text = Text(text)
        self.highlight(text)
        return text

    def highlight(self, text: Any) -> None:
        text.plain = display_text(text.plain)


def one_line(text: str, limit: int = 60) -> str:
    """An excerpt for lists and messages: newlines and tabs shown as spaces, shortened."""
    flat = display_text(text).replace("\n", " ⏎ ").replace("\t", " ")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
