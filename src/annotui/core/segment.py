"""Local segmentation of a document: grapheme clusters, words, paragraphs, sentences, clauses.

Every function takes the whole document text and an offset (a code-point index) but only
looks at the characters around that offset, so a cursor motion costs the same on a 5 KB
article and on a 1 MB single-line file. Paragraph work is bounded by the paragraph, and
sentences/clauses by the paragraph they sit in (cached, so repeated motions are cheap).

``annotui.core.text`` re-exports everything public here; import from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import regex
from sentencex import get_sentence_boundaries

# ---------------------------------------------------------------------------------------
# Grapheme clusters

_GRAPHEME = regex.compile(r"\X")

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
    (regex.compile(rf"[{_CTRL}]"), _B_CONTROL),
    (regex.compile(rf"(?V1){_STARTER}"), _B_STARTER),
    (regex.compile(r"(?V1)[\p{GCB=Other}&&\p{Extended_Pictographic}]"), _B_PICT),
    (regex.compile(r"(?V1)[\p{GCB=Other}&&\p{InCB=Consonant}]"), _B_CONSONANT),
]
_A_CLASSES = [
    (regex.compile(rf"[{_CTRL}]"), _A_CONTROL),
    (regex.compile(rf"[{_PREPEND}]"), _A_PREPEND),
    (regex.compile(r"\p{GCB=ZWJ}"), _A_ZWJ),  # ZWJ is InCB=Extend too: test it first
    (regex.compile(rf"[{_STICKY}]"), _A_STICKY),
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
_SAFE_PAIR_REV = regex.compile(
    rf"(?V1rs)(?:\r[^\n]|[\p{{GCB=Control}}\n].|[^\r][{_CTRL}]"
    rf"|[^{_PREPEND}\r]{_STARTER}"
    rf"|[^{_PREPEND}\p{{GCB=ZWJ}}\r][\p{{GCB=Other}}&&\p{{Extended_Pictographic}}]"
    rf"|[^{_PREPEND}\p{{GCB=ZWJ}}{_STICKY}\r][\p{{GCB=Other}}&&\p{{InCB=Consonant}}])"
)
_RI = regex.compile(r"\p{GCB=Regional_Indicator}")
_NOT_RI_REV = regex.compile(r"(?r)\P{GCB=Regional_Indicator}")


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

# Letters and digits, with the marks and joiners that stay in their cluster. Han and kana
# are words one character at a time: without a dictionary that is the honest unit, and it
# keeps a CJK line from being one giant "word".
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_BASE = rf"[[\p{{L}}\p{{N}}\p{{Pc}}]--[{_CJK}]]"
_MARKS = r"[\p{M}\p{Join_Control}\p{GCB=Extend}\p{GCB=SpacingMark}\p{GCB=ZWJ}]"
_INNER = r"'’\-‐‑"  # apostrophes and hyphens that join two word parts
_WORD = regex.compile(
    rf"(?V1)[{_CJK}]{_MARKS}*|(?:{_BASE}{_MARKS}*)+(?:[{_INNER}](?:{_BASE}{_MARKS}*)+)*"
)
# A "chunk" runs from a CJK character or after a non-word character to the next of either;
# words never cross a chunk's edges, so a chunk is the local window word functions scan.
_WORDISH_SET = rf"[\w{_INNER}\p{{GCB=Extend}}\p{{GCB=SpacingMark}}\p{{GCB=ZWJ}}]"
_WORDISH = regex.compile(rf"(?V1){_WORDISH_SET}")
# a chunk holds a word only if it holds one of these: jump over the rest in C
_WORD_SEED = regex.compile(rf"(?V1){_BASE}|[{_CJK}]")
_WORD_SEED_REV = regex.compile(rf"(?V1r){_BASE}|[{_CJK}]")
_STOP = rf"[^{_WORDISH_SET[1:-1]}]|[{_CJK}]"
_CHUNK_EDGE = regex.compile(rf"(?V1){_STOP}")
_CHUNK_EDGE_REV = regex.compile(rf"(?V1r){_STOP}")


def _chunk_words(text: str, cs: int, ce: int) -> list[tuple[int, int]]:
    return [snap_to_graphemes(text, *m.span()) for m in _WORD.finditer(text, cs, ce)]


def _chunk_start(text: str, p: int) -> int:
    """Start of the chunk holding the word character at ``p``."""
    m = _CHUNK_EDGE_REV.search(text, 0, p + 1)
    if not m:
        return 0
    return m.start() if _WORDISH.match(text, m.start()) else m.end()


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


# ---------------------------------------------------------------------------------------
# Paragraphs: maximal runs of lines that are not blank (empty or white space only)

_WS = r"\s\x1c-\x1f"  # regex's \s lacks these four, str.isspace() has them
_NONSPACE = regex.compile(rf"[^{_WS}]")
_NONSPACE_REV = regex.compile(rf"(?r)[^{_WS}]")
_BLANK_AFTER = regex.compile(r"\n[^\S\x1c-\x1f\n]*(?:\n|\Z)")
_BLANK_BEFORE_REV = regex.compile(r"(?r)(?:\A|\n)[^\S\x1c-\x1f\n]*\n")


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


_QUOTES = {ord(q): " " for q in "\"“”„«»‘’‚‹›「」『』"}


@lru_cache(maxsize=16)
def _sentences_of(par: str, lang: str) -> tuple[tuple[int, int], ...]:
    try:
        # sentencex keeps a quotation whole however many sentences it holds; speeches are
        # mostly quotations, so quote marks are blanked (same length: offsets hold) and the
        # sentences inside a quote come out one by one, as spaCy's would
        unquoted = par.translate(_QUOTES)
        found = [(d["start_index"], d["end_index"])
                 for d in get_sentence_boundaries(lang, unquoted)]
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
    return [
        _snap_within(text, ps, pe, ps + s, ps + e) for s, e in _sentences_of(text[ps:pe], lang)
    ]


def _next_para(text: str, pe: int) -> tuple[int, int] | None:
    m = _NONSPACE.search(text, pe)
    return _para_containing(text, m.start()) if m else None


def _prev_para(text: str, ps: int) -> tuple[int, int] | None:
    m = _NONSPACE_REV.search(text, 0, ps)
    return _para_containing(text, m.start()) if m else None


def sentence_at(text: str, offset: int, *, lang: str = "en") -> tuple[int, int]:
    """The sentence around ``offset`` (trimmed, never crossing a paragraph).

    Between sentences, the next one; ``(offset, offset)`` if the text is blank.
    """
    ps, pe = paragraph_at(text, offset)
    if ps == pe:
        return ps, pe
    sents = _sentences(text, ps, pe, lang)
    return next(((s, e) for s, e in sents if offset < e), sents[-1])


def next_sentence_start(text: str, offset: int, *, lang: str = "en") -> int:
    """Start of the first sentence beginning after ``offset``, ``len(text)`` if none."""
    para: tuple[int, int] | None = paragraph_at(text, offset)
    while para and para[0] < para[1]:
        for s, _ in _sentences(text, *para, lang):
            if s > offset:
                return s
        para = _next_para(text, para[1])
    return len(text)


def prev_sentence_start(text: str, offset: int, *, lang: str = "en") -> int:
    """Start of the last sentence beginning before ``offset``, 0 if none."""
    para: tuple[int, int] | None = paragraph_at(text, offset)
    while para and para[0] < para[1]:
        starts = [s for s, _ in _sentences(text, *para, lang) if s < offset]
        if starts:
            return starts[-1]
        para = _prev_para(text, para[0])
    return 0


def sentence_bounds(
    text: str, start: int, end: int, *, lang: str = "en"
) -> list[tuple[int, int]]:
    """Every sentence overlapping ``[start, end)`` (the one containing ``start`` if empty)."""
    start, end = sorted((_clamp(text, start), _clamp(text, end)))
    hi = max(end, start + 1)
    out: list[tuple[int, int]] = []
    para: tuple[int, int] | None = paragraph_at(text, start)
    while para and para[0] < min(para[1], hi):
        out += [(s, e) for s, e in _sentences(text, *para, lang) if s < hi and e > start]
        para = _next_para(text, para[1])
    return out


# Commas and colons between two digits are number punctuation ("5,000", "10:30"); en dashes
# and hyphens split only with white space around them, so "centuries-old" stays whole.
_CLAUSE_CUT = regex.compile(
    r"(?<!\d)[,:]|[,:](?!\d)|[;—()“”\"«»]|(?<=\s)[–\-‐](?=\s)"
)
# Blanking quotes and brackets (same length, so offsets hold) lets sentencex find the
# sentence breaks it declines to make inside a quotation: “... importance. Our peoples ...”
_QUOTES = str.maketrans({c: " " for c in "“”\"«»()"})
_HAS_WORD = regex.compile(r"[\p{L}\p{N}]")


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
    para: tuple[int, int] | None = paragraph_at(text, offset)
    while para and para[0] < para[1]:
        for ss, se in _sentences(text, *para, lang):
            if se > offset:
                for _, e in _clauses(text, ss, se, lang):
                    if e > offset:
                        return e
        para = _next_para(text, para[1])
    return len(text)


def prev_clause_start(text: str, offset: int, *, lang: str = "en") -> int:
    """Start of the last clause beginning before ``offset``, looking back into earlier
    sentences; 0 if none."""
    para: tuple[int, int] | None = paragraph_at(text, offset)
    while para and para[0] < para[1]:
        for ss, se in reversed(_sentences(text, *para, lang)):
            if ss < offset:
                for s, _ in reversed(_clauses(text, ss, se, lang)):
                    if s < offset:
                        return s
        para = _prev_para(text, para[0])
    return 0
