"""Document text: import normalisation, line geometry, and selection-to-span snapping.

Offsets everywhere are Python ``str`` indices (code points), ``start`` inclusive, ``end``
exclusive. Grapheme and word segmentation live in ``annotui.core.segment`` and are
re-exported here, so callers import everything from this module. Paragraph work touches
the paragraph only, and sentences/clauses the paragraph they sit in (cached, so repeated
motions are cheap); nothing here scans the whole document per call.
"""

from __future__ import annotations

import codecs
from bisect import bisect_right
from functools import lru_cache

from annotui.core import lazyre
from annotui.core.segment import (
    _clamp,
    grapheme_boundaries,
    is_grapheme_boundary,
    next_grapheme,
    next_word_end,
    next_word_start,
    prev_grapheme,
    prev_word_start,
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


# ---------------------------------------------------------------------------------------
# Paragraphs: maximal runs of lines that are not blank (empty or white space only)

_WS = r"\s\x1c-\x1f"  # regex's \s lacks these four, str.isspace() has them
_NONSPACE = lazyre.compile(rf"[^{_WS}]")
_NONSPACE_REV = lazyre.compile(rf"(?r)[^{_WS}]")
_BLANK_AFTER = lazyre.compile(r"\n[^\S\x1c-\x1f\n]*(?:\n|\Z)")
_BLANK_BEFORE_REV = lazyre.compile(r"(?r)(?:\A|\n)[^\S\x1c-\x1f\n]*\n")


def _line_has_text(text: str, pos: int) -> bool:
    ls = text.rfind("\n", 0, pos) + 1
    le = text.find("\n", pos)
    return _NONSPACE.search(text, ls, len(text) if le < 0 else le) is not None


def _para_containing(text: str, pos: int) -> tuple[int, int]:
    """Trimmed bounds of the paragraph of ``pos``, whose line must hold non-blank text."""
    m = _BLANK_BEFORE_REV.search(text, 0, pos)
    start = _NONSPACE.search(text, m.end() if m else 0).start()
    m = _BLANK_AFTER.search(text, pos)
    end = _NONSPACE_REV.search(text, start, m.start() if m else len(text)).end()
    return start, end


def paragraph_at(text: str, offset: int) -> tuple[int, int]:
    """The paragraph around ``offset``, trimmed of white space.

    In a blank gap, the next paragraph (or the previous one after the last paragraph);
    ``(offset, offset)`` if the text has no paragraph at all.
    """
    offset = _clamp(text, offset)
    if _line_has_text(text, offset):
        return _para_containing(text, offset)
    m = _NONSPACE.search(text, offset) or _NONSPACE_REV.search(text, 0, offset)
    return _para_containing(text, m.start()) if m else (offset, offset)


def next_paragraph_start(text: str, offset: int) -> int:
    """Start of the first paragraph beginning after ``offset``, ``len(text)`` if none."""
    ps, pe = paragraph_at(text, offset)
    if ps > offset:
        return ps
    # everything between a paragraph's trimmed end and the next non-space is blank lines
    m = _NONSPACE.search(text, pe)
    return m.start() if m else len(text)


def prev_paragraph_start(text: str, offset: int) -> int:
    """Start of the last paragraph beginning before ``offset``, 0 if none."""
    ps, _ = paragraph_at(text, offset)
    if ps < offset:
        return ps
    m = _NONSPACE_REV.search(text, 0, min(ps, _clamp(text, offset)))
    return _para_containing(text, m.start())[0] if m else 0


# ---------------------------------------------------------------------------------------
# Sentences (sentencex, one paragraph at a time) and clauses


def _trim_in(s: str, a: int, b: int) -> tuple[int, int]:
    while a < b and s[a].isspace():
        a += 1
    while b > a and s[b - 1].isspace():
        b -= 1
    return a, b


_QUOTES = {ord(q): " " for q in '"“”„«»‘’‚‹›「」『』'}


@lru_cache(maxsize=16)
def _sentences_of(par: str, lang: str) -> tuple[tuple[int, int], ...]:
    from sentencex import get_sentence_boundaries  # 1.5 ms: not before the first frame

    try:
        # sentencex keeps a quotation whole however many sentences it holds; speeches are
        # mostly quotations, so quote marks are blanked (same length: offsets hold) and the
        # sentences inside a quote come out one by one, as spaCy's would
        unquoted = par.translate(_QUOTES)
        found = [
            (d["start_index"], d["end_index"]) for d in get_sentence_boundaries(lang, unquoted)
        ]
    except Exception:  # a splitter failure must not take a cursor motion down with it
        found = []
    out = [t for s, e in found if (t := _trim_in(par, s, e))[0] < t[1]]
    if not out:
        out = [_trim_in(par, 0, len(par))]
    return tuple(out)


def _snap_within(text: str, lo: int, hi: int, s: int, e: int) -> tuple[int, int]:
    # a parent's trimmed edge can split a degenerate cluster (U+0600 PREPEND + space):
    # the parent wins, so a sentence never leaves its paragraph nor a clause its sentence
    s, e = snap_to_graphemes(text, s, e)
    return max(s, lo), min(e, hi)


def _sentences(text: str, ps: int, pe: int, lang: str) -> list[tuple[int, int]]:
    return [_snap_within(text, ps, pe, ps + s, ps + e) for s, e in _sentences_of(text[ps:pe], lang)]


# Sentences are found one paragraph at a time, but a paragraph can be a whole book (a
# text with single line breaks only). Finding its edges, or splitting it into sentences,
# would cost the whole book on every sentence key; so paragraph edges are only looked for
# within 2 * BLOCK of the cursor, and a paragraph longer than that is cut into blocks at
# absolute positions (after the white space following each multiple of BLOCK). The cuts
# depend on the text alone, so every motion sees the same blocks.
BLOCK = 20_000
_WS_RUN = lazyre.compile(rf"[{_WS}]+")


def _cut(text: str, k: int) -> int:
    at = k * BLOCK
    if at <= 0:
        return 0
    if at >= len(text):
        return len(text)
    m = _WS_RUN.search(text, at, min(len(text), at + BLOCK))
    return m.end() if m else snap_to_graphemes(text, at, at)[0]


def _block_at(text: str, offset: int) -> tuple[int, int]:
    """The sentence-finding unit around ``offset``: its paragraph (as ``paragraph_at``
    finds it) when that is at most 2 * BLOCK long, else a block of it."""
    offset = _clamp(text, offset)
    if not _line_has_text(text, offset):
        m = _NONSPACE.search(text, offset) or _NONSPACE_REV.search(text, 0, offset)
        if m is None:
            return offset, offset
        offset = m.start()
    lo, hi = max(0, offset - 2 * BLOCK), min(len(text), offset + 2 * BLOCK)
    before = _BLANK_BEFORE_REV.search(text, lo, offset)
    after = _BLANK_AFTER.search(text, offset, hi)
    ps = None
    if before is not None or lo == 0:
        ps = _NONSPACE.search(text, before.end() if before else 0).start()
    pe = (after.start() if after else len(text)) if after or hi == len(text) else None
    if pe is not None:
        pe = _NONSPACE_REV.search(text, ps or 0, pe).end()
    if ps is not None and pe is not None and pe - ps <= 2 * BLOCK:
        return ps, pe
    k = offset // BLOCK
    if offset < _cut(text, k):
        k -= 1
    start, end = _cut(text, k), _cut(text, k + 1)
    return max(start, ps or 0), min(end, len(text) if pe is None else pe)


def _next_block(text: str, end: int) -> tuple[int, int] | None:
    m = _NONSPACE.search(text, end)
    return _block_at(text, m.start()) if m else None


def _prev_block(text: str, start: int) -> tuple[int, int] | None:
    m = _NONSPACE_REV.search(text, 0, start)
    return _block_at(text, m.start()) if m else None


def sentence_at(text: str, offset: int, *, lang: str = "en") -> tuple[int, int]:
    """The sentence around ``offset`` (trimmed, never crossing a paragraph).

    Between sentences, the next one; ``(offset, offset)`` if the text is blank.
    """
    ps, pe = _block_at(text, offset)
    if ps == pe:
        return ps, pe
    sents = _sentences(text, ps, pe, lang)
    return next(((s, e) for s, e in sents if offset < e), sents[-1])


def next_sentence_start(text: str, offset: int, *, lang: str = "en") -> int:
    """Start of the first sentence beginning after ``offset``, ``len(text)`` if none."""
    para: tuple[int, int] | None = _block_at(text, offset)
    while para and para[0] < para[1]:
        for s, _ in _sentences(text, *para, lang):
            if s > offset:
                return s
        para = _next_block(text, para[1])
    return len(text)


def prev_sentence_start(text: str, offset: int, *, lang: str = "en") -> int:
    """Start of the last sentence beginning before ``offset``, 0 if none."""
    para: tuple[int, int] | None = _block_at(text, offset)
    while para and para[0] < para[1]:
        starts = [s for s, _ in _sentences(text, *para, lang) if s < offset]
        if starts:
            return starts[-1]
        para = _prev_block(text, para[0])
    return 0


def sentence_bounds(text: str, start: int, end: int, *, lang: str = "en") -> list[tuple[int, int]]:
    """Every sentence overlapping ``[start, end)`` (the one containing ``start`` if empty)."""
    start, end = sorted((_clamp(text, start), _clamp(text, end)))
    hi = max(end, start + 1)
    out: list[tuple[int, int]] = []
    para: tuple[int, int] | None = _block_at(text, start)
    while para and para[0] < min(para[1], hi):
        out += [(s, e) for s, e in _sentences(text, *para, lang) if s < hi and e > start]
        para = _next_block(text, para[1])
    return out


# Commas and colons between two digits are number punctuation ("5,000", "10:30"); en dashes
# and hyphens split only with white space around them, so "centuries-old" stays whole.
_CLAUSE_CUT = lazyre.compile(r"(?<!\d)[,:]|[,:](?!\d)|[;—()“”\"«»]|(?<=\s)[–\-‐](?=\s)")
# Blanking quotes and brackets (same length, so offsets hold) lets sentencex find the
# sentence breaks it declines to make inside a quotation: “... importance. Our peoples ...”
_QUOTES = str.maketrans({c: " " for c in '“”"«»()'})
_HAS_WORD = lazyre.compile(r"[\p{L}\p{N}]")


@lru_cache(maxsize=64)
def _clauses_of(sent: str, lang: str) -> tuple[tuple[int, int], ...]:
    cuts = [m.span() for m in _CLAUSE_CUT.finditer(sent)]
    blanked = sent.translate(_QUOTES)
    if blanked != sent:
        inner = _sentences_of(blanked, lang)
        cuts += [(s, s) for s, _ in inner[1:]]
    cuts.sort()
    out, pos = [], 0
    for a, b in [*cuts, (len(sent), len(sent))]:
        s, e = _trim_in(sent, pos, a)
        if s < e and _HAS_WORD.search(sent, s, e):
            out.append((s, e))
        pos = max(pos, b)
    return tuple(out) or ((0, len(sent)),)


def _clauses(text: str, ss: int, se: int, lang: str) -> list[tuple[int, int]]:
    return [_snap_within(text, ss, se, ss + s, ss + e) for s, e in _clauses_of(text[ss:se], lang)]


def clause_at(text: str, offset: int, *, lang: str = "en") -> tuple[int, int]:
    """The clause around ``offset`` inside its sentence: split at , ; : — spaced dashes,
    brackets and quotation marks; trimmed; the whole sentence if it has no clause."""
    ss, se = sentence_at(text, offset, lang=lang)
    if ss == se:
        return ss, se
    cl = _clauses(text, ss, se, lang)
    return next(((s, e) for s, e in cl if offset < e), cl[-1])


def next_clause_end(text: str, offset: int, *, lang: str = "en") -> int:
    """End of the first clause ending after ``offset`` (growing a selection by clause),
    continuing into the following sentences; ``len(text)`` if none."""
    para: tuple[int, int] | None = _block_at(text, offset)
    while para and para[0] < para[1]:
        for ss, se in _sentences(text, *para, lang):
            if se > offset:
                for _, e in _clauses(text, ss, se, lang):
                    if e > offset:
                        return e
        para = _next_block(text, para[1])
    return len(text)


def prev_clause_start(text: str, offset: int, *, lang: str = "en") -> int:
    """Start of the last clause beginning before ``offset``, looking back into earlier
    sentences; 0 if none."""
    para: tuple[int, int] | None = _block_at(text, offset)
    while para and para[0] < para[1]:
        for ss, se in reversed(_sentences(text, *para, lang)):
            if ss < offset:
                for s, _ in reversed(_clauses(text, ss, se, lang)):
                    if s < offset:
                        return s
        para = _prev_block(text, para[0])
    return 0
