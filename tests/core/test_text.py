"""Tests for annotui.core.text (and the segmentation it re-exports from core.segment)."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from annotui.core import segment
from annotui.core.text import (
    DecodeError,
    LineIndex,
    clause_at,
    grapheme_boundaries,
    is_grapheme_boundary,
    next_clause_end,
    next_grapheme,
    next_paragraph_start,
    next_sentence_start,
    next_word_end,
    next_word_start,
    normalize_bytes,
    normalize_text,
    paragraph_at,
    prev_clause_start,
    prev_grapheme,
    prev_paragraph_start,
    prev_sentence_start,
    prev_word_start,
    selection_to_span,
    sentence_at,
    sentence_bounds,
    snap_to_graphemes,
    snap_to_words,
    trim,
    word_at,
)

SAMPLE = (Path(__file__).parents[2] / "data" / "sample-article.txt").read_text(encoding="utf-8")
MR = "Mr. Ruiz said it rose 5.5% in Jan. 2026. Then it fell."

NASTY = [
    "e\u0301",
    "👍🏽",
    "👨‍👩‍👧",
    "🇫🇷",
    "日本",
    "\t",
    "\n",
    " ",
    "a",
    "क्षि",
    "\u200b",
    "\u202e",
    "\u0301",
    "\u200d",
    "🇫",
    "\r",
    "\r\n",
    "x",
    "’",
    "-",
    ",",
    ".",
    "\u0600",
    "각",
    "ᄀ",
    "ᅡ",
]
nasty_text = st.lists(st.sampled_from(NASTY), max_size=25).map("".join)


def at(text: str, needle: str, nth: int = 0) -> int:
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    return i


def cut(text: str, pair: tuple[int, int] | None) -> str | None:
    return None if pair is None else text[pair[0] : pair[1]]


# ---------------------------------------------------------------------------------------
# normalisation


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfhello", "hello"),
        (b"a\r\nb\r\n", "a\nb\n"),
        (b"a\rb\rc", "a\nb\nc"),
        (b"a\r\r\nb\n\rc", "a\n\nb\n\nc"),
        (b"tab\there  ", "tab\there  "),
        ("e\u0301".encode(), "e\u0301"),  # no NFC
    ],
)
def test_normalize_bytes(data: bytes, expected: str) -> None:
    assert normalize_bytes(data) == expected


def test_normalize_bytes_other_encoding() -> None:
    assert normalize_bytes("café\r\n".encode("latin-1"), "latin-1") == "café\n"
    assert normalize_bytes("\ufeffhi\r\n".encode("utf-16"), "utf-16") == "hi\n"


def test_invalid_utf8_names_the_byte() -> None:
    with pytest.raises(DecodeError, match=r"^not valid UTF-8 at byte 3 \(try --encoding\)$"):
        normalize_bytes("café".encode("latin-1") + b" ok")
    # a UTF-16 byte-order mark is unambiguous: such a file is decoded, not refused
    assert normalize_bytes("h\u00e9\r\n👍🏽".encode("utf-16")) == "h\u00e9\n👍🏽"
    assert normalize_bytes(codecs.BOM_UTF16_BE + "hi".encode("utf-16-be")) == "hi"


def test_binary_and_unknown_encoding() -> None:
    with pytest.raises(DecodeError, match=r"^looks like a binary file \(NUL byte at 3\)$"):
        normalize_bytes(b"abc\x00def")
    with pytest.raises(DecodeError, match="binary"):
        normalize_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(DecodeError, match=r"^unknown encoding 'klingon'$"):
        normalize_bytes(b"abc", "klingon")
    assert issubclass(DecodeError, ValueError)


def test_normalize_text() -> None:
    assert normalize_text("\ufeffa\r\nb\rc") == "a\nb\nc"
    assert normalize_text("a\ufeffb") == "a\ufeffb"  # only a leading BOM goes


@given(st.text(alphabet=st.sampled_from(["\r", "\n", "\ufeff", "a", " ", "é", "\t"])))
def test_normalize_no_cr_and_idempotent(s: str) -> None:
    once = normalize_text(s)
    assert "\r" not in once
    assert not once.startswith("\ufeff")
    assert normalize_text(once) == once
    assert normalize_bytes(s.encode()) == once


# ---------------------------------------------------------------------------------------
# LineIndex


def test_line_index_basics() -> None:
    li = LineIndex("ab\n\ncd\n")
    assert li.line_count == 4
    assert [li.line_bounds(i) for i in range(4)] == [(0, 2), (3, 3), (4, 6), (7, 7)]
    assert li.to_line_col(2) == (0, 2)  # the "\n" belongs to the line it ends
    assert li.to_line_col(5) == (2, 1)
    assert li.to_offset(0, 99) == 2
    assert LineIndex("").line_count == 1
    with pytest.raises(IndexError):
        li.line_of(8)
    with pytest.raises(IndexError):
        li.line_bounds(4)


@given(st.lists(st.sampled_from(["a", "\n", "日", " ", "👍🏽", "\n\n"]), max_size=40), st.data())
def test_line_index_round_trip(pieces: list[str], data: st.DataObject) -> None:
    text = "".join(pieces)
    li = LineIndex(text)
    assert li.line_count == text.count("\n") + 1
    off = data.draw(st.integers(0, len(text)))
    line, col = li.to_line_col(off)
    assert li.to_offset(line, col) == off
    start, end = li.line_bounds(line)
    assert start <= off <= end and "\n" not in text[start:end]
    assert text.split("\n")[line] == text[start:end]


# ---------------------------------------------------------------------------------------
# graphemes


def full_boundaries(s: str) -> list[int]:
    return [0, *(m.end() for m in regex.finditer(r"\X", s))]


@settings(max_examples=300)
@given(nasty_text)
def test_graphemes_agree_with_full_segmentation(s: str) -> None:
    bounds = full_boundaries(s)
    assert grapheme_boundaries(s) == bounds
    bset = set(bounds)
    for i in range(len(s) + 1):
        assert is_grapheme_boundary(s, i) == (i in bset), i
        nxt = min([b for b in bounds if b > i], default=len(s))
        prv = max([b for b in bounds if b < i], default=0)
        assert next_grapheme(s, i) == nxt, i
        assert prev_grapheme(s, i) == prv, i


def test_grapheme_examples() -> None:
    s = "a👨‍👩‍👧🇫🇷e\u0301"
    assert next_grapheme(s, 1) == 6
    assert prev_grapheme(s, 6) == 1
    assert next_grapheme(s, 6) == 8
    assert grapheme_boundaries(s) == [0, 1, 6, 8, 10]
    assert snap_to_graphemes(s, 3, 9) == (1, 10)
    assert next_grapheme(s, 99) == len(s) and prev_grapheme(s, -5) == 0


# ---------------------------------------------------------------------------------------
# words


def test_words_on_sample() -> None:
    i = at(SAMPLE, "Azerbaijan’s")
    assert cut(SAMPLE, word_at(SAMPLE, i + 11)) == "Azerbaijan’s"
    assert cut(SAMPLE, word_at(SAMPLE, at(SAMPLE, "centuries-old") + 3)) == "centuries-old"
    assert cut(SAMPLE, word_at(SAMPLE, at(SAMPLE, "Birlestik") + 1)) == "Birlestik-2024"
    assert word_at(SAMPLE, 0) is None  # the opening quote
    assert cut(SAMPLE, word_at(SAMPLE, 1)) == "Azerbaijan"
    # w skips punctuation: "values,” President"
    i = at(SAMPLE, "values,")
    assert next_word_start(SAMPLE, i) == at(SAMPLE, "President")
    assert prev_word_start(SAMPLE, at(SAMPLE, "President")) == i
    assert prev_word_start(SAMPLE, i + 2) == i
    assert next_word_end(SAMPLE, i) == i + len("values")
    assert next_word_end(SAMPLE, i + len("values")) == at(SAMPLE, "President") + 9
    assert next_word_start(SAMPLE, 0) == 1
    assert prev_word_start(SAMPLE, 1) == 0
    end = SAMPLE.rstrip()
    assert next_word_start(SAMPLE, len(end) - 2) == len(SAMPLE)
    assert next_word_end(SAMPLE, len(SAMPLE)) == len(SAMPLE)


def test_words_unicode() -> None:
    s = "kafe\u0301 क्षिति 日本語 👍🏽 'tis rock-n-roll -x"
    words = []
    i = 0
    while (i := next_word_start(s, i)) < len(s):
        words.append(cut(s, word_at(s, i)))
    assert words == ["क्षिति", "日本語", "tis", "rock-n-roll", "x"]
    assert cut(s, word_at(s, 4)) == "kafe\u0301"
    assert word_at(s, at(s, "👍")) is None


@given(nasty_text, st.data())
def test_word_edges_are_grapheme_boundaries(s: str, data: st.DataObject) -> None:
    off = data.draw(st.integers(0, len(s)))
    bset = set(full_boundaries(s))
    w = word_at(s, off)
    if w:
        assert w[0] <= off < w[1] and w[0] in bset and w[1] in bset
    nws = next_word_start(s, off)
    assert nws > off or nws == len(s)
    pws = prev_word_start(s, off)
    assert pws < off or pws == 0
    assert {nws, pws, next_word_end(s, off)} <= bset


def test_local_work_on_a_huge_single_line() -> None:
    line = SAMPLE.replace("\n", " ")
    text = (line + " ") * (2_000_000 // len(line) + 1)
    assert len(text) > 2_000_000 and "\n" not in text
    mid = len(text) // 2
    t0 = time.perf_counter()
    for k in range(1000):
        o = mid + k
        next_grapheme(text, o)
        prev_grapheme(text, o)
        next_word_start(text, o)
        prev_word_start(text, o)
        word_at(text, o)
        selection_to_span(text, o, o + 30)
    assert time.perf_counter() - t0 < 1.0


# ---------------------------------------------------------------------------------------
# paragraphs


PARAS = [p.strip() for p in SAMPLE.split("\n\n") if p.strip()]


def test_paragraphs_on_sample() -> None:
    starts = [SAMPLE.index(p) for p in PARAS]
    for p, s in zip(PARAS, starts, strict=True):
        assert paragraph_at(SAMPLE, s + len(p) // 2) == (s, s + len(p))
        assert paragraph_at(SAMPLE, s) == (s, s + len(p))
    # the blank gap belongs to the next paragraph
    gap = starts[1] - 1
    assert paragraph_at(SAMPLE, gap)[0] == starts[1]
    assert [next_paragraph_start(SAMPLE, s) for s in starts] == [*starts[1:], len(SAMPLE)]
    assert [prev_paragraph_start(SAMPLE, s) for s in starts] == [0, *starts[:-1]]
    assert prev_paragraph_start(SAMPLE, starts[2] + 5) == starts[2]


def test_paragraph_edges() -> None:
    s = "  \n\n  one\n two  \n \t \nthree\n\n  "
    assert cut(s, paragraph_at(s, 0)) == "one\n two"
    assert cut(s, paragraph_at(s, s.index("two"))) == "one\n two"
    assert cut(s, paragraph_at(s, len(s))) == "three"  # after the last: the previous
    assert cut(s, paragraph_at(s, s.index("\t"))) == "three"
    assert next_paragraph_start(s, 0) == s.index("one")
    assert next_paragraph_start(s, s.index("one")) == s.index("three")
    assert prev_paragraph_start(s, s.index("three")) == s.index("one")
    assert paragraph_at("", 0) == (0, 0) and paragraph_at(" \n ", 1) == (1, 1)


# ---------------------------------------------------------------------------------------
# sentences and clauses


def test_sentences_mr_and_jan() -> None:
    assert cut(MR, sentence_at(MR, 0)) == "Mr. Ruiz said it rose 5.5% in Jan. 2026."
    assert cut(MR, sentence_at(MR, len(MR) - 1)) == "Then it fell."
    assert cut(MR, sentence_at(MR, 40)) == "Then it fell."  # the space between: the next one
    assert next_sentence_start(MR, 0) == MR.index("Then")
    assert next_sentence_start(MR, MR.index("Then")) == len(MR)
    assert prev_sentence_start(MR, MR.index("Then")) == 0
    assert sentence_bounds(MR, 0, len(MR)) == [(0, 40), (41, 54)]
    assert sentence_bounds(MR, 45, 45) == [(41, 54)]


def test_sentences_on_sample() -> None:
    third = PARAS[2]
    p0 = SAMPLE.index(third)
    first = cut(SAMPLE, sentence_at(SAMPLE, p0))
    assert first is not None and first.startswith("” Growing threats")
    assert first.endswith("defense and security.")
    got = [cut(SAMPLE, b) for b in sentence_bounds(SAMPLE, p0, p0 + len(third))]
    assert got == [
        first,
        "In this context, I would like to especially emphasize the international "
        "operational-tactical command-staff exercises “Birlestik-2024” held in Kazakhstan "
        "last month, in which Azerbaijan also took part.",
        "The training of cadets from Central Asian countries in Azerbaijan’s military "
        "educational institutions is also an indicator of the development of relations in "
        "this area,” the President of Azerbaijan said.",
    ]
    # sentences never cross a paragraph; motions do
    every = sentence_bounds(SAMPLE, 0, len(SAMPLE))
    for s, e in every:
        ps, pe = paragraph_at(SAMPLE, s)
        assert ps <= s < e <= pe
        assert SAMPLE[s:e] == SAMPLE[s:e].strip()
    starts = [s for s, _ in every]
    assert [next_sentence_start(SAMPLE, s) for s in starts] == [*starts[1:], len(SAMPLE)]
    assert [prev_sentence_start(SAMPLE, s) for s in starts] == [0, *starts[:-1]]
    assert prev_sentence_start(SAMPLE, p0 - 1) == starts[starts.index(p0) - 1]


CLAUSES = "Our peoples share a centuries-old history, culture, religion, and common values,"


def test_clauses() -> None:
    s = CLAUSES
    assert cut(s, clause_at(s, 5)) == "Our peoples share a centuries-old history"
    assert cut(s, clause_at(s, s.index("religion"))) == "religion"
    assert cut(s, clause_at(s, s.index(", and") + 1)) == "and common values"
    assert next_clause_end(s, 0) == s.index(",")
    assert next_clause_end(s, s.index(",")) == s.index(", religion")
    assert prev_clause_start(s, s.index("culture")) == 0
    assert clause_at("Hello", 2) == (0, 5)
    assert clause_at(",,,", 1) == (0, 3)  # never empty: the sentence itself
    t = "It cost 5,000 dollars – a lot (really) — at 10:30; “quote” here."
    pieces = []
    o = 0
    while o < len(t):
        c = clause_at(t, o)
        if cut(t, c) not in pieces:
            pieces.append(cut(t, c))
        o = c[1] + 1
    assert pieces == ["It cost 5,000 dollars", "a lot", "really", "at 10:30", "quote", "here."]


def test_clauses_on_sample_cross_sentences() -> None:
    i = at(SAMPLE, "Our peoples")
    assert cut(SAMPLE, clause_at(SAMPLE, i)) == "Our peoples share a centuries-old history"
    assert cut(SAMPLE, clause_at(SAMPLE, 5)) == (
        "Azerbaijan and the countries of Central Asia represent a single historical"
    )
    end1 = sentence_at(SAMPLE, 0)[1]
    nxt = next_clause_end(SAMPLE, end1)
    # the first sentence ends inside the opening quotation ("…importance."), so growing by
    # a clause crosses into the next sentence's first clause
    assert SAMPLE[:nxt].endswith("Our peoples share a centuries-old history")
    assert prev_clause_start(SAMPLE, nxt - 3) == at(SAMPLE, "Our peoples")
    assert prev_clause_start(SAMPLE, at(SAMPLE, "In his speech")) == at(SAMPLE, "speaking at")


# ---------------------------------------------------------------------------------------
# selection -> span


def test_trim_and_snap() -> None:
    s = "  hello world \n"
    assert trim(s, 0, len(s)) == (2, 13)
    assert trim(s, 0, 2) == (2, 2)
    assert snap_to_words(s, 4, 9) == (2, 13)
    assert snap_to_words(s, 7, 8) == (7, 8)  # on the edges of words already: unchanged


def test_selection_to_span_examples() -> None:
    i = at(SAMPLE, "Azerbaijan’s")
    assert cut(SAMPLE, selection_to_span(SAMPLE, i + 14, i + 3)) == "Azerbaijan’s cooperation"
    assert cut(SAMPLE, selection_to_span(SAMPLE, i + 13, i + 3)) == "Azerbaijan’s"
    assert selection_to_span(SAMPLE, i + 3, i + 5, snap_words=False) == (i + 3, i + 5)
    assert selection_to_span(SAMPLE, 5, 5) is None
    assert selection_to_span("a   b", 1, 4) is None
    assert cut("x 👨‍👩‍👧 y", selection_to_span("x 👨‍👩‍👧 y", 3, 4)) == "👨‍👩‍👧"


@settings(max_examples=300)
@given(nasty_text, st.data(), st.booleans())
def test_selection_to_span_properties(s: str, data: st.DataObject, words: bool) -> None:
    a = data.draw(st.integers(0, len(s)))
    b = data.draw(st.integers(0, len(s)))
    span = selection_to_span(s, a, b, snap_words=words)
    if span is None:
        return
    start, end = span
    bset = set(full_boundaries(s))
    assert start in bset and end in bset
    assert 0 <= start < end <= len(s)
    assert not s[start].isspace() and not s[end - 1].isspace()
    lo, hi = snap_to_graphemes(s, min(a, b), max(a, b))
    if not words:
        assert lo <= start and end <= hi


def test_motions_never_scan_whole_paragraphs_for_words() -> None:
    # a 1 MB "word" is the one case words cost O(word); make sure it is still correct
    s = "x " + "a" * 200_000 + " y"
    assert word_at(s, 100_000) == (2, 200_002)
    assert next_word_start(s, 5) == 200_003
    assert segment.prev_word_start(s, 200_003) == 2


def test_sentences_inside_a_quotation_are_split() -> None:
    """sentencex keeps a quotation whole; speeches need its sentences one by one."""
    first = sentence_at(SAMPLE, 0)
    assert cut(SAMPLE, first).endswith("with growing strategic importance.")
    second = sentence_at(SAMPLE, first[1] + 1)
    assert cut(SAMPLE, second).startswith("Our peoples share")
    assert cut(SAMPLE, second).endswith("in Astana.")
    text = "Mr. Ruiz said “it rose 5.5% in Jan. 2026. Then it fell.” She left."
    starts = [cut(text, sentence_at(text, i))[:8] for i in (0, 45, 60)]
    assert starts == ["Mr. Ruiz", "Then it ", "She left"]


def test_safe_pair_regex_matches_safe() -> None:
    # the C-speed reverse search and the per-pair test must agree on every pair
    chars = sorted(
        {c for piece in NASTY for c in piece}
        | {"\x00", "\x7f", "\x85", "\u00ad", "\u0903", "\U0001f1e6", "\u1160", "\u11a8"}
        | {"\uac00", "\u0e33", "\u094d", "\u0915", "\U0001f3fd", "\u200c", "\U000e0020"}
    )
    for a in chars:
        for b in chars:
            t = "q" + a + b + "q"
            found = segment._SAFE_PAIR_REV.search(t, 1, 3) is not None
            assert found == segment._safe(t, 2), (a, b)


def test_long_runs_stay_correct_and_cheap() -> None:
    flags = "🇫🇷" * 50_000
    assert next_grapheme(flags, 50_001) == 50_002
    assert prev_grapheme(flags, 50_001) == 50_000
    assert not is_grapheme_boundary(flags, 50_001)
    cjk = "日本語の文章、" * 150_000
    t0 = time.perf_counter()
    for k in range(200):
        o = 7 * (75_000 + k)
        assert word_at(cjk, o + 2) == (o, o + 6)
        assert next_word_start(cjk, o + 2) == o + 7
        prev_grapheme(flags, 50_001 + 2 * k)
    assert time.perf_counter() - t0 < 1.0


STRUCT = [*NASTY, "\n\n", "  \n", "Mr. ", "Jan. ", "Hello. ", "World! ", "“", "”", "; ", "(", ")"]


@settings(max_examples=150)
@given(st.lists(st.sampled_from(STRUCT), max_size=30).map("".join), st.data())
def test_structure_invariants(s: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(s)))
    n = len(s)
    ps, pe = paragraph_at(s, i)
    if ps < pe:
        assert not s[ps].isspace() and not s[pe - 1].isspace()
        ss, se = sentence_at(s, i)
        assert ps <= ss < se <= pe
        cs, ce = clause_at(s, i)
        assert ss <= cs < ce <= se
    for nxt in (next_paragraph_start, next_sentence_start, next_clause_end, next_word_start):
        r = nxt(s, i)
        assert r > i or r == n, nxt.__name__
    for prv in (prev_paragraph_start, prev_sentence_start, prev_clause_start, prev_word_start):
        r = prv(s, i)
        assert r < i or r == 0, prv.__name__


def test_sentence_keys_in_a_book_long_paragraph_look_at_a_block_only(monkeypatch) -> None:
    """A text with single line breaks only is one paragraph however long: a sentence key
    must not split (or even scan) all of it, and every motion must see the same cuts."""
    import annotui.core.text as text_module
    import annotui.core.text as tx

    line = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n"
    book = line * 40_000  # 2.7 MB, no blank line, no full stop
    seen: list[int] = []
    import sentencex

    real = sentencex.get_sentence_boundaries

    def spy(lang, text):  # type: ignore[no-untyped-def]
        seen.append(len(text))
        return real(lang, text)

    monkeypatch.setattr(sentencex, "get_sentence_boundaries", spy)
    text_module._sentences_of.cache_clear()
    middle = len(book) // 2
    s, e = tx.sentence_at(book, middle)
    assert s <= middle < e and e - s <= 2 * text_module.BLOCK
    assert max(seen) <= 2 * text_module.BLOCK
    # motions agree with the blocks: next from inside lands on the following block's start
    nxt = tx.next_sentence_start(book, middle)
    assert nxt == e + 1 or tx.sentence_at(book, nxt)[0] == nxt
    assert tx.prev_sentence_start(book, nxt) == s
    assert tx.sentence_at(book, len(book) - 3)[1] == len(book) - 1
    # an ordinary paragraph is still one unit, exactly as before
    short = "One. Two three.\n\nFour five. Six."
    assert tx.sentence_at(short, 18) == (17, 27)
