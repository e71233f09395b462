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
_GCB_OTHER = regex.compile(r"\p{Grapheme_Cluster_Break=Other}")
_GCB_CONTROL = regex.compile(r"\p{Grapheme_Cluster_Break=Control}")

_OTHER, _CONTROL, _CR, _JOINS = 0, 1, 2, 3


@lru_cache(maxsize=8192)
def _kind(ch: str) -> int:
    if ch == "\r":
        return _CR
    if ch == "\n" or _GCB_CONTROL.match(ch):
        return _CONTROL
    return _OTHER if _GCB_OTHER.match(ch) else _JOINS


def _safe(text: str, p: int) -> bool:
    """True if UAX #29 puts a boundary at ``p`` whatever surrounds the pair text[p-1:p+1].

    Rules GB3-GB5 break around controls (except CR LF) and GB999 breaks between two
    characters of class Other; every other rule needs more context, so those pairs are
    "unknown" and the caller walks further back.
    """
    if p <= 0 or p >= len(text):
        return True
    a, b = text[p - 1], text[p]
    if a < "\x80" and b < "\x80":
        # ASCII is Other, Control, CR or LF: only CR LF is glued
        return not (a == "\r" and b == "\n")
    ka, kb = _kind(a), _kind(b)
    if ka == _CR:
        return b != "\n"
    if ka == _CONTROL or kb in (_CONTROL, _CR):
        return True  # b == "\n" with a != "\r" lands here too
    return ka == _OTHER and kb == _OTHER


# The same test as _safe, as a reverse search over character pairs: the rightmost match
# ``ab`` puts the nearest safe position between a and b.
_SAFE_PAIR_REV = regex.compile(
    r"(?rs)(?:[\p{GCB=Control}\n].|\r[^\n]|[^\r][\p{GCB=Control}\r\n]"
    r"|\p{GCB=Other}\p{GCB=Other})"
)


def _safe_before(text: str, p: int) -> int:
    """The nearest position <= p from which \\X segmentation is the true segmentation."""
    # ordinary text has a safe position within a character or two
    for _ in range(16):
        if p <= 0 or _safe(text, p):
            return p
        p -= 1
    # a long run of marks, flags or jamo: let the regex engine walk back, in growing windows
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


def next_grapheme(text: str, offset: int) -> int:
    """The first grapheme-cluster boundary strictly after ``offset`` (``len(text)`` at the end)."""
    n = len(text)
    offset = _clamp(text, offset)
    if offset >= n:
        return n
    p = _safe_before(text, offset)
    while True:
        m = _GRAPHEME.match(text, p)
        p = m.end() if m else p + 1
        if p > offset:
            return p


def prev_grapheme(text: str, offset: int) -> int:
    """The last grapheme-cluster boundary strictly before ``offset`` (0 at the start)."""
    offset = _clamp(text, offset)
    if offset <= 0:
        return 0
    b = _safe_before(text, offset - 1)
    while True:
        m = _GRAPHEME.match(text, b)
        e = m.end() if m else b + 1
        if e >= offset:
            return b
        b = e


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

# Regex's \w already covers letters, digits, marks and joiners; the extra classes glue an
# emoji modifier or a spacing mark to the letter it follows, as the cluster rules do.
_GLUE = r"\p{GCB=Extend}\p{GCB=SpacingMark}\p{GCB=ZWJ}"
_INNER = r"'’\-‐‑"  # apostrophes and hyphens that join two word parts
_WORD = regex.compile(rf"(?:\w[{_GLUE}]*)+(?:[{_INNER}](?:\w[{_GLUE}]*)+)*")
# A "chunk" is a maximal run of characters that can belong to a word; words never cross
# its edges, so a chunk is the local window the word functions work in.
_WORDISH = regex.compile(rf"[\w{_GLUE}{_INNER}]")
_WORDISH_REV = regex.compile(rf"(?r)[\w{_GLUE}{_INNER}]")
_NOT_WORDISH = regex.compile(rf"[^\w{_GLUE}{_INNER}]")
_NOT_WORDISH_REV = regex.compile(rf"(?r)[^\w{_GLUE}{_INNER}]")


def _chunk_words(text: str, cs: int, ce: int) -> list[tuple[int, int]]:
    return [snap_to_graphemes(text, *m.span()) for m in _WORD.finditer(text, cs, ce)]


def _chunk_start(text: str, p: int) -> int:
    m = _NOT_WORDISH_REV.search(text, 0, p)
    return m.end() if m else 0


def _chunk_end(text: str, p: int) -> int:
    m = _NOT_WORDISH.search(text, p)
    return m.start() if m else len(text)


def _words_forward(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """Words ending after ``pos``, in document order."""
    if pos < len(text) and _WORDISH.match(text, pos):
        cs = _chunk_start(text, pos)
    else:
        m = _WORDISH.search(text, pos)
        if not m:
            return
        cs = m.start()
    while True:
        ce = _chunk_end(text, cs)
        for s, e in _chunk_words(text, cs, ce):
            if e > pos:
                yield s, e
        m = _WORDISH.search(text, ce)
        if not m:
            return
        cs = m.start()


def _words_backward(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """Words starting before ``pos``, last first."""
    if pos > 0 and _WORDISH.match(text, pos - 1):
        ce = _chunk_end(text, pos - 1)
    else:
        m = _WORDISH_REV.search(text, 0, pos)
        if not m:
            return
        ce = m.end()
    while True:
        cs = _chunk_start(text, ce - 1)
        for s, e in reversed(_chunk_words(text, cs, ce)):
            if s < pos:
                yield s, e
        m = _WORDISH_REV.search(text, 0, cs)
        if not m:
            return
        ce = m.end()


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The word containing the character at ``offset`` (``start <= offset < end``), or None.

    A word is a run of ``\\w`` with its combining marks and joiners; ``'``/``’`` and
    hyphens between two word characters keep it one word ("Azerbaijan’s",
    "centuries-old", "Birlestik-2024").
    """
    if offset < 0 or offset >= len(text):
        return None
    if not _WORDISH.match(text, offset) and _safe(text, offset) and _safe(text, offset + 1):
        return None  # a lone non-word character: no need to look around
    for s, e in _words_forward(text, prev_grapheme(text, offset + 1)):
        return (s, e) if s <= offset else None
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
_HAS_WORD = regex.compile(r"\w")


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
