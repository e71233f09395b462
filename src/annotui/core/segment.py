"""Local segmentation of a document: grapheme clusters and words.

Every function takes the whole document text and an offset (a code-point index) but only
looks at the characters around that offset, so a cursor motion costs the same on a 5 KB
article and on a 1 MB single-line file. Only a single giant cluster or word (a run of
300,000 combining marks) costs in proportion to its own length, at regex-engine speed.

``annotui.core.text`` re-exports everything public here; import from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from annotui.core import lazyre

# ---------------------------------------------------------------------------------------
# Grapheme clusters

_GRAPHEME = lazyre.compile(r"\X")

# What a character can do to the boundary before it (as b) and after it (as a), UAX #29:
_CTRL = r"\p{GCB=Control}\r\n"
_PREPEND = r"\p{GCB=Prepend}"
# may glue a following consonant (GB9c); only ZWJ glues a following pictograph (GB11)
_STICKY = r"\p{InCB=Linker}\p{InCB=Extend}"
# Other, and no rule looks back from it except Prepend's GB9b
_STARTER = r"[\p{GCB=Other}--\p{Extended_Pictographic}--\p{InCB=Consonant}]"
_B_CONTROL, _B_STARTER, _B_PICT, _B_CONSONANT, _B_JOINS = 0, 1, 2, 3, 4
_A_CONTROL, _A_PREPEND, _A_ZWJ, _A_STICKY, _A_PLAIN = 0, 1, 2, 3, 4
_B_CLASSES = [
    (lazyre.compile(rf"[{_CTRL}]"), _B_CONTROL),
    (lazyre.compile(rf"(?V1){_STARTER}"), _B_STARTER),
    (lazyre.compile(r"(?V1)[\p{GCB=Other}&&\p{Extended_Pictographic}]"), _B_PICT),
    (lazyre.compile(r"(?V1)[\p{GCB=Other}&&\p{InCB=Consonant}]"), _B_CONSONANT),
]
_A_CLASSES = [
    (lazyre.compile(rf"[{_CTRL}]"), _A_CONTROL),
    (lazyre.compile(rf"[{_PREPEND}]"), _A_PREPEND),
    (lazyre.compile(r"\p{GCB=ZWJ}"), _A_ZWJ),  # ZWJ is InCB=Extend too: test it first
    (lazyre.compile(rf"[{_STICKY}]"), _A_STICKY),
]


@lru_cache(maxsize=8192)
def _kinds(ch: str) -> tuple[int, int]:
    ka = next((k for pat, k in _A_CLASSES if pat.match(ch)), _A_PLAIN)
    kb = next((k for pat, k in _B_CLASSES if pat.match(ch)), _B_JOINS)
    return ka, kb


def _safe(text: str, p: int) -> bool:
    """True if UAX #29 puts a boundary at ``p`` whatever surrounds the pair text[p-1:p+1].

    GB3-GB5 break around controls (except CR LF); before a character of class Other only
    GB9b (Prepend), GB9c (Indic linkers) and GB11 (emoji ZWJ) can join, so knowing the
    pair is enough. Any other pair is "unknown" and the caller walks further back.
    """
    if p <= 0 or p >= len(text):
        return True
    a, b = text[p - 1], text[p]
    if a < "\x80" and b < "\x80":
        # ASCII is Other, Control, CR or LF: only CR LF is glued
        return not (a == "\r" and b == "\n")
    if a == "\r":
        return b != "\n"
    ka, kb = _kinds(a)[0], _kinds(b)[1]
    if ka == _A_CONTROL or kb == _B_CONTROL:
        return True
    if ka == _A_PREPEND:
        return False
    if kb == _B_PICT:
        return ka != _A_ZWJ
    if kb == _B_CONSONANT:
        return ka not in (_A_ZWJ, _A_STICKY)
    return kb == _B_STARTER


# The same test as _safe, as a reverse search over character pairs: the rightmost match
# ``ab`` puts the nearest safe position between a and b.
_SAFE_PAIR_REV = lazyre.compile(
    rf"(?V1rs)(?:\r[^\n]|[\p{{GCB=Control}}\n].|[^\r][{_CTRL}]"
    rf"|[^{_PREPEND}\r]{_STARTER}"
    rf"|[^{_PREPEND}\p{{GCB=ZWJ}}\r][\p{{GCB=Other}}&&\p{{Extended_Pictographic}}]"
    rf"|[^{_PREPEND}\p{{GCB=ZWJ}}{_STICKY}\r][\p{{GCB=Other}}&&\p{{InCB=Consonant}}])"
)
_RI = lazyre.compile(r"\p{GCB=Regional_Indicator}")
_NOT_RI_REV = lazyre.compile(r"(?r)\P{GCB=Regional_Indicator}")


def _safe_before(text: str, p: int) -> int:
    """The nearest position <= p from which \\X segmentation is the true segmentation."""
    # ordinary text has a safe position within a character or two
    for _ in range(16):
        if p <= 0 or _safe(text, p):
            return p
        p -= 1
    if _RI.match(text, p - 1) and _RI.match(text, p):
        # inside a run of flags, boundaries fall at even distances from the run's start
        m = _NOT_RI_REV.search(text, 0, p)
        r0 = m.end() if m else 0
        q = p - (p - r0) % 2
        if q > r0:
            return q
        p = r0
    # a long run of marks or jamo: let the regex engine walk back, in growing windows
    width = 256
    while True:
        lo = max(0, p - width)
        m = _SAFE_PAIR_REV.search(text, lo, p + 1)
        if m:
            return m.start() + 1
        if lo == 0:
            return 0
        width *= 4


def _clamp(text: str, offset: int) -> int:
    return 0 if offset < 0 else min(offset, len(text))


def _boundaries(text: str, p: int, upto: int) -> list[int]:
    """Cluster boundaries from the safe position ``p`` through the first one after ``upto``.

    Segments a slice of the text: matching \\X at a position inside the full text makes
    regex look behind it to pair regional indicators, quadratic in a long run of flags. A
    slice that starts at a safe position is segmented exactly as the whole text is there,
    and a boundary before the slice's end depends on nothing after it.
    """
    n = len(text)
    hi = min(n, upto + 8)
    while True:
        out = [p]
        for m in _GRAPHEME.finditer(text[p:hi]):
            e = p + m.end()
            if e >= hi and hi < n:
                break  # the cluster may go on past the slice
            out.append(e)
            if e > upto:
                return out
        if hi >= n:
            return out
        hi = min(n, hi + max(64, hi - p))


def next_grapheme(text: str, offset: int) -> int:
    """The first grapheme-cluster boundary strictly after ``offset`` (``len(text)`` at the end)."""
    offset = _clamp(text, offset)
    if offset >= len(text):
        return len(text)
    return _boundaries(text, _safe_before(text, offset), offset)[-1]


def prev_grapheme(text: str, offset: int) -> int:
    """The last grapheme-cluster boundary strictly before ``offset`` (0 at the start)."""
    offset = _clamp(text, offset)
    if offset <= 0:
        return 0
    bounds = _boundaries(text, _safe_before(text, offset - 1), offset - 1)
    return next(b for b in reversed(bounds) if b < offset)


def is_grapheme_boundary(text: str, offset: int) -> bool:
    """True if ``offset`` does not split a grapheme cluster (0 and ``len(text)`` always do not)."""
    if offset <= 0 or offset >= len(text) or _safe(text, offset):
        return True
    return prev_grapheme(text, offset + 1) == offset


def grapheme_boundaries(s: str) -> list[int]:
    """Every cluster boundary of a short string, 0 and ``len(s)`` included."""
    return [0, *(m.end() for m in _GRAPHEME.finditer(s))]


def snap_to_graphemes(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` so that neither edge splits a grapheme cluster."""
    start, end = sorted((_clamp(text, start), _clamp(text, end)))
    if not is_grapheme_boundary(text, start):
        start = prev_grapheme(text, start)
    if not is_grapheme_boundary(text, end):
        end = next_grapheme(text, end)
    return start, end


# ---------------------------------------------------------------------------------------
# Words

# Letters and digits, with the marks and joiners that stay in their cluster. A run of Han
# or kana is one word, as \w runs are (no dictionary segmentation); CJK text has
# punctuation often enough that a run stays short.
_BASE = r"[\p{L}\p{N}\p{Pc}]"
_MARKS = r"[\p{M}\p{Join_Control}\p{GCB=Extend}\p{GCB=SpacingMark}\p{GCB=ZWJ}]"
_INNER = r"'’\-‐‑"  # apostrophes and hyphens that join two word parts
_WORD = lazyre.compile(rf"(?:{_BASE}{_MARKS}*)+(?:[{_INNER}](?:{_BASE}{_MARKS}*)+)*")
# A "chunk" is a maximal run of characters that can be part of a word; words never cross
# its edges, so a chunk is the local window the word functions scan.
_WORDISH_SET = rf"[\w{_INNER}\p{{GCB=Extend}}\p{{GCB=SpacingMark}}\p{{GCB=ZWJ}}]"
_WORDISH = lazyre.compile(_WORDISH_SET)
# a chunk holds a word only if it holds one of these: jump over the rest in C
_WORD_SEED = lazyre.compile(_BASE)
_WORD_SEED_REV = lazyre.compile(rf"(?r){_BASE}")
_CHUNK_EDGE = lazyre.compile(rf"[^{_WORDISH_SET[1:-1]}]")
_CHUNK_EDGE_REV = lazyre.compile(rf"(?r)[^{_WORDISH_SET[1:-1]}]")


def _chunk_words(text: str, cs: int, ce: int) -> list[tuple[int, int]]:
    return [snap_to_graphemes(text, *m.span()) for m in _WORD.finditer(text, cs, ce)]


def _chunk_start(text: str, p: int) -> int:
    """Start of the chunk holding the word character at ``p``."""
    m = _CHUNK_EDGE_REV.search(text, 0, p)
    return m.end() if m else 0


def _chunk_end(text: str, cs: int) -> int:
    m = _CHUNK_EDGE.search(text, cs + 1)
    return m.start() if m else len(text)


def _words_forward(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """Words ending after ``pos``, in document order."""
    if pos < len(text) and _WORDISH.match(text, pos):
        m = _WORD_SEED.search(text, _chunk_start(text, pos))
    else:
        m = _WORD_SEED.search(text, pos)
    while m:
        cs = _chunk_start(text, m.start())
        ce = _chunk_end(text, cs)
        for s, e in _chunk_words(text, cs, ce):
            if e > pos:
                yield s, e
        m = _WORD_SEED.search(text, ce)


def _words_backward(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """Words starting before ``pos``, last first."""
    m = _WORD_SEED_REV.search(text, 0, pos)
    while m:
        cs = _chunk_start(text, m.start())
        for s, e in reversed(_chunk_words(text, cs, _chunk_end(text, cs))):
            if s < pos:
                yield s, e
        m = _WORD_SEED_REV.search(text, 0, cs)


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The word containing the character at ``offset`` (``start <= offset < end``), or None.

    A word is a run of letters and digits with their combining marks and joiners; ``'``,
    ``’`` and hyphens between two word characters keep it one word ("Azerbaijan’s",
    "centuries-old", "Birlestik-2024"). Han and kana characters are one word each.
    """
    if offset < 0 or offset >= len(text):
        return None
    # the word is made of whole clusters, so it holds a word character of offset's cluster
    g = offset
    if not _WORDISH.match(text, offset):
        g, ge = prev_grapheme(text, offset + 1), next_grapheme(text, offset)
        m = _WORDISH.search(text, g, ge)
        if not m:
            return None
        g = m.start()
    cs = _chunk_start(text, g)
    for s, e in _chunk_words(text, cs, _chunk_end(text, cs)):
        if s <= offset < e:
            return s, e
    return None


def next_word_start(text: str, offset: int) -> int:
    """Start of the first word beginning after ``offset`` (vim ``w``), ``len(text)`` if none."""
    for s, _ in _words_forward(text, _clamp(text, offset)):
        if s > offset:
            return s
    return len(text)


def prev_word_start(text: str, offset: int) -> int:
    """Start of the last word beginning before ``offset`` (vim ``b``), 0 if none."""
    for s, _ in _words_backward(text, _clamp(text, offset)):
        return s
    return 0


def next_word_end(text: str, offset: int) -> int:
    """End (exclusive) of the first word ending after ``offset``: the word at ``offset`` or the
    next one. Used to grow a selection by a word; ``len(text)`` if none."""
    for _, e in _words_forward(text, _clamp(text, offset)):
        return e
    return len(text)


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen the edges of ``[start, end)`` that fall strictly inside a word to that word's edges."""
    start, end = sorted((_clamp(text, start), _clamp(text, end)))
    w = word_at(text, start)
    if w and w[0] < start:
        start = w[0]
    w = word_at(text, end - 1) if end > 0 else None
    if w and w[1] > end:
        end = w[1]
    return start, end
