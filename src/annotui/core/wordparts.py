"""Word parts: the words that consistency checks, patterns and label-all-occurrences
look for and must not cut.

A word part is a run of letters and digits with their marks, without the hyphens and
apostrophes that the segmenter's words keep inside ("Azerbaijan" in "Azerbaijan’s");
in scripts written without spaces (Han, kana, Thai), each character is a part, as the
agreement measures count them.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex

# one definition of what a word is: the segmenter's letters and marks, the agreement's
# split of unspaced scripts into characters
from annotui.core.agreement import _HAS_UNSPACED, _SPLIT
from annotui.core.segment import _BASE, _MARKS, snap_to_graphemes, word_at

# a part's regex (and reversed, to find the last one); a character of one; a grapheme
# Prepend character, which can put a part's edge inside a cluster
PART = regex.compile(rf"(?:{_BASE}{_MARKS}*)+")
PART_REV = regex.compile(rf"(?r)(?:{_BASE}{_MARKS}*)+")
PART_CHAR = regex.compile(rf"{_BASE}|{_MARKS}")
PREPEND = regex.compile(r"\p{GCB=Prepend}")


def parts(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """The words of ``text[start:end]`` (see the module docstring), in order."""
    end = len(text) if end is None else end
    # a word ends with its marks, so only a Prepend character before one can put a
    # word's edge inside a cluster; most texts have neither that nor unspaced scripts,
    # and then the regex's matches are the words, at C speed
    snap = PREPEND.search(text, start, end) is not None
    if not snap and _HAS_UNSPACED.search(text, start, end) is None:
        return (m.span() for m in PART.finditer(text, start, end))
    return _split_parts(text, start, end, snap)


def _split_parts(text: str, start: int, end: int, snap: bool) -> Iterator[tuple[int, int]]:
    for m in PART.finditer(text, start, end):
        s, e = snap_to_graphemes(text, *m.span()) if snap else m.span()
        if _HAS_UNSPACED.search(text, s, e):
            yield from (t.span() for t in _SPLIT.finditer(text, s, e))
        else:
            yield s, e


def word_part_at(text: str, p: int) -> tuple[int, int] | None:
    """The word holding the character at ``p``; local, like segment's word_at."""
    if not (PART_CHAR.match(text, p) and (PART_CHAR.match(text, p - 1) if p else True)):
        return None  # not between two word characters: no word to be inside (fast path)
    w = word_at(text, p)
    return next((t for t in parts(text, *w) if t[0] <= p < t[1]), None) if w else None
