"""Document text: import normalisation, line geometry, and selection-to-span snapping.

Offsets everywhere are Python ``str`` indices (code points), ``start`` inclusive, ``end``
exclusive. Segmentation (graphemes, words, paragraphs, sentences, clauses) lives in
``annotui.core.segment`` and is re-exported here, so callers import from one place.
"""

from __future__ import annotations

import codecs
from bisect import bisect_right

from annotui.core.segment import (
    clause_at,
    grapheme_boundaries,
    is_grapheme_boundary,
    next_clause_end,
    next_grapheme,
    next_paragraph_start,
    next_sentence_start,
    next_word_end,
    next_word_start,
    paragraph_at,
    prev_clause_start,
    prev_grapheme,
    prev_paragraph_start,
    prev_sentence_start,
    prev_word_start,
    sentence_at,
    sentence_bounds,
    snap_to_graphemes,
    snap_to_words,
    word_at,
)

__all__ = [
    "DecodeError",
    "LineIndex",
    "clause_at",
    "grapheme_boundaries",
    "is_grapheme_boundary",
    "next_clause_end",
    "next_grapheme",
    "next_paragraph_start",
    "next_sentence_start",
    "next_word_end",
    "next_word_start",
    "normalize_bytes",
    "normalize_text",
    "paragraph_at",
    "prev_clause_start",
    "prev_grapheme",
    "prev_paragraph_start",
    "prev_sentence_start",
    "prev_word_start",
    "selection_to_span",
    "sentence_at",
    "sentence_bounds",
    "snap_to_graphemes",
    "snap_to_words",
    "trim",
    "word_at",
]


class DecodeError(ValueError):
    """A file that cannot become document text; the message is one user-facing line."""


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def normalize_text(text: str) -> str:
    """Drop a leading BOM and turn ``\\r\\n`` and lone ``\\r`` into ``\\n``; nothing else.

    Every leading U+FEFF goes, not just one, so that normalising twice changes nothing.
    """
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def normalize_bytes(data: bytes, encoding: str = "utf-8") -> str:
    """Decode a file strictly and normalise it (see :func:`normalize_text`).

    Raises :class:`DecodeError` for an unknown codec, bytes the codec rejects, or text
    holding a NUL character (a binary file).
    """
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise DecodeError(f"unknown encoding {encoding!r}") from None
    if info.name == "utf-8" and data.startswith(_UTF16_BOMS):
        # a UTF-16 byte-order mark is unambiguous (Windows' "Unicode" text): decode it
        info = codecs.lookup("utf-16")
    name = "UTF-8" if info.name == "utf-8" else info.name
    try:
        text = data.decode(info.name)
    except UnicodeDecodeError as exc:
        hint = "try --encoding"
        if info.name == "utf-8" and data.startswith(_UTF16_BOMS):
            hint = "looks like UTF-16; try --encoding utf-16"
        elif info.name == "utf-8" and b"\x00" in data[:8192]:
            # a PNG or a PDF fails as UTF-8 long before anyone would call it text
            raise DecodeError(f"looks like a binary file (NUL byte at {data.index(0)})") from None
        raise DecodeError(f"not valid {name} at byte {exc.start} ({hint})") from None
    nul = text.find("\x00")
    if nul >= 0:
        at = _byte_offset(text, nul, data, info.name)
        raise DecodeError(f"looks like a binary file (NUL byte at {at})")
    return normalize_text(text)


def _byte_offset(text: str, index: int, data: bytes, encoding: str) -> int:
    """Byte position of ``text[index]`` in ``data``, for error messages."""
    if "\x00".encode(encoding, "ignore") == b"\x00":
        # ASCII-compatible codecs keep NUL as one zero byte; the first one is the one
        return data.find(b"\x00")
    try:
        return len(text[:index].encode(encoding))
    except (UnicodeError, LookupError):
        return index


class LineIndex:
    """Offset <-> (line, column) for one document, from a line-start table built once.

    Lines are split at ``\\n`` only (the stored text has no other line break); a text
    ending in ``\\n`` has a last, empty line. Lines and columns count from 0.
    """

    def __init__(self, text: str) -> None:
        self._len = len(text)
        starts = [0]
        find, append, i = text.find, starts.append, text.find("\n")
        while i >= 0:
            append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    @property
    def line_count(self) -> int:
        """Number of lines (at least 1, even for an empty text)."""
        return len(self._starts)

    def line_of(self, offset: int) -> int:
        """The line holding ``offset`` (a ``\\n`` belongs to the line it ends)."""
        if not 0 <= offset <= self._len:
            raise IndexError(f"offset {offset} outside 0..{self._len}")
        return bisect_right(self._starts, offset) - 1

    def line_bounds(self, line: int) -> tuple[int, int]:
        """``(start, end)`` of ``line``; ``end`` excludes the ``\\n``."""
        if not 0 <= line < len(self._starts):
            raise IndexError(f"line {line} outside 0..{len(self._starts) - 1}")
        start = self._starts[line]
        end = self._starts[line + 1] - 1 if line + 1 < len(self._starts) else self._len
        return start, end

    def to_line_col(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of ``offset``, column in code points."""
        line = self.line_of(offset)
        return line, offset - self._starts[line]

    def to_offset(self, line: int, col: int) -> int:
        """The offset of ``(line, col)``; ``col`` is clamped to the line's length."""
        start, end = self.line_bounds(line)
        return start + max(0, min(col, end - start))


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip white space from both ends of ``[start, end)``; may return ``start == end``."""
    start, end = sorted((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def selection_to_span(
    text: str, start: int, end: int, *, snap_words: bool = True
) -> tuple[int, int] | None:
    """Turn a selection (anchor and cursor, in any order) into span offsets, or None.

    Widens to whole grapheme clusters, then (``snap_words``) to whole words, then trims
    white space. The result's edges are always cluster boundaries, so trimming drops a
    whole edge cluster that starts (or ends) with white space, such as a space carrying a
    stray combining mark. None when nothing is left.
    """
    start, end = sorted((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    if start == end:
        return None
    start, end = snap_to_graphemes(text, start, end)
    if snap_words:
        start, end = snap_to_graphemes(text, *snap_to_words(text, start, end))
    while start < end and text[start].isspace():
        start = next_grapheme(text, start)
    while end > start and text[end - 1].isspace():
        end = prev_grapheme(text, end)
    return (start, end) if start < end else None
