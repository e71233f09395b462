"""Tests for the reader's pure soft-wrap geometry (annotui.tui.layout)."""

from __future__ import annotations

import random
import time

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len, get_character_cell_size

from annotui.core import display as layout_mod
from annotui.tui import cells as _layout  # the width rules behind the layout
from annotui.tui.layout import Layout, Row, display_char, display_text

CLUSTER = regex.compile(r"\X", regex.DOTALL)


def rows_of(layout: Layout) -> list[tuple[int, int]]:
    return [(layout.row(y).start, layout.row(y).end) for y in range(layout.row_count)]


def shown(layout: Layout) -> list[str]:
    return [layout.text[s:e] for s, e in rows_of(layout)]


def cells_width(layout: Layout, y: int) -> int:
    return sum(cell_len(d) for _s, _e, d in layout.cells(y))


def boundaries(text: str) -> list[int]:
    out = [0]
    for m in CLUSTER.finditer(text):
        out.append(m.end())
    return out


# ------------------------------------------------------------------------- reference wrap


def reference_rows(text: str, width: int, tab_size: int = 4) -> list[int]:
    """Row starts by the documented rules, one cluster at a time (slow and obvious)."""
    width = max(1, width)
    starts: list[int] = []
    pos = 0
    for line in text.split("\n"):
        ls, le = pos, pos + len(line)
        cl = [(ls + m.start(), ls + m.end()) for m in CLUSTER.finditer(line)]
        starts.append(ls)
        idx = 0
        while True:
            col = 0
            k = idx
            lim = None
            while k < len(cl):
                s, e = cl[k]
                c = text[s:e]
                if c == "\t":
                    w = min(tab_size - col % tab_size, width - col) if col < width else width + 1
                else:
                    w = _layout._cluster_display(c)[1]
                if col + w <= width:
                    col += w
                    k += 1
                else:
                    lim = s
                    break
            if lim is None:
                break
            if k == idx:
                brk = cl[idx][1]  # too wide: alone
            elif text[lim] == " " and cl[k] == (lim, lim + 1) and lim + 1 < le:
                brk = lim + 1  # hanging space
            else:
                brk = lim
                for s, e in reversed(cl[idx:k]):
                    if text[s:e] == " ":
                        brk = e
                        break
            if brk >= le:
                break
            starts.append(brk)
            idx = next(n for n, (s, _e) in enumerate(cl) if s == brk)
        pos = le + 1
    return starts


# ------------------------------------------------------------------------------- display


def test_display_char_controls() -> None:
    assert display_char("\x1b") == "␛"
    assert display_char("\x00") == "␀"
    assert display_char("\x07") == "␇"
    assert display_char("\x7f") == "␡"
    assert display_char("\x85") == "\ufffd"
    assert display_char("\t") == "\t"
    assert display_char("\n") == "\n"
    assert display_char("a") == "a"
    for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c":
        assert display_char(ch) == layout_mod.BIDI_MARK
    for ch in "\u200b\u2060\ufeff\u00ad":
        assert display_char(ch) == layout_mod.ZERO_WIDTH_MARK
    for ch in "\u200d\u200c\ufe0f\ufe0e":
        assert display_char(ch) == ch  # parts of clusters: never replaced


def test_display_text_same_length_and_fast_path() -> None:
    s = "plain “text” é"
    assert display_text(s) is s
    nasty = "a\x1b[31mred\x07\u202eevil\u200b\x7f\x9b"
    out = display_text(nasty)
    assert len(out) == len(nasty)
    assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    assert out.startswith("a␛[31mred␇⇄evil¦␡")
    assert display_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"


def test_marks_are_one_cell() -> None:
    for mark in set(layout_mod._DISPLAY_TABLE.values()):
        assert cell_len(mark) == 1


def test_character_classes_match_unicode_data() -> None:
    ok = regex.compile(
        r"(?=\p{GCB=Other})(?!\p{Extended_Pictographic})(?!\p{InCB=Consonant})", regex.V1
    )
    for ranges, width in ((_layout._SIMPLE_RANGES, 1), (_layout._WIDE_RANGES, 2)):
        for a, b in ranges:
            for code in range(a, b + 1):
                ch = chr(code)
                assert ok.match(ch), hex(code)
                assert get_character_cell_size(ch) == width, hex(code)
                assert display_char(ch) == ch, hex(code)


# --------------------------------------------------------------------------- ASCII wrap


def test_short_line_one_row() -> None:
    lay = Layout("hello", 10)
    assert lay.row_count == 1
    assert lay.row(0) == Row(0, 5, 0)


def test_ascii_wraps_after_spaces() -> None:
    lay = Layout("the quick brown fox jumps", 10)
    assert shown(lay) == ["the quick ", "brown fox ", "jumps"]
    assert lay.row(1) == Row(10, 20, 0)


def test_hanging_space_when_row_is_exactly_full() -> None:
    lay = Layout("aaaa bbbb", 4)
    assert shown(lay) == ["aaaa ", "bbbb"]
    assert lay.cells(0) == [(0, 4, "aaaa"), (4, 5, "")]
    assert lay.x_of(4) == (0, 4)
    # a space that ends the line never hangs
    lay = Layout("aaaa ", 4)
    assert shown(lay) == ["aaaa", " "]


def test_hard_break_long_word() -> None:
    lay = Layout("abcdefghij xy", 4)
    assert shown(lay) == ["abcd", "efgh", "ij ", "xy"]


def test_width_clamped_to_one() -> None:
    lay = Layout("abc", 0)
    assert lay.width == 1
    assert shown(lay) == ["a", "b", "c"]


def test_multiple_lines_and_line_numbers() -> None:
    lay = Layout("one two\n\nthree", 4)
    assert shown(lay) == ["one ", "two", "", "thre", "e"]
    assert [lay.row(y).line for y in range(lay.row_count)] == [0, 0, 1, 2, 2]
    assert lay.line_count == 3
    assert lay.line_rows(2) == range(3, 5)
    assert lay.line_start(2) == 9 and lay.line_end(0) == 7


def test_empty_text_and_trailing_newline() -> None:
    lay = Layout("", 10)
    assert lay.row_count == 1
    assert lay.row(0) == Row(0, 0, 0)
    assert lay.cells(0) == []
    assert lay.x_of(0) == (0, 0)
    assert lay.offset_at(5, 5) == 0
    lay = Layout("ab\n", 10)
    assert lay.row_count == 2
    assert lay.row(1) == Row(3, 3, 1)
    assert lay.row_of(2) == 0  # the "\n" belongs to the row ending its line
    assert lay.row_of(3) == 1
    with pytest.raises(IndexError):
        lay.row(2)
    assert lay.cells(2) == []


# ---------------------------------------------------------------------- wide / clusters


def test_cjk_is_two_cells_and_never_overflows() -> None:
    text = "日本語のテキストです"
    for width in range(2, 12):
        lay = Layout(text, width)
        for y in range(lay.row_count):
            assert cells_width(lay, y) <= width
        assert "".join(shown(lay)) == text
    lay = Layout("ab日本", 3)
    assert shown(lay) == ["ab", "日", "本"]  # 日 does not fit after "ab"


def test_wide_char_alone_at_width_one() -> None:
    lay = Layout("a日b", 1)
    assert shown(lay) == ["a", "日", "b"]
    assert lay.cells(1) == [(1, 2, "日")]


@pytest.mark.parametrize(
    "cluster", ["👨\u200d👩\u200d👧", "🇫🇷", "👍🏽", "e\u0301", "\u0915\u094d\u0937\u093f"]
)
def test_clusters_never_split(cluster: str) -> None:
    text = f"x {cluster}{cluster} y{cluster}"
    bounds = set(boundaries(text))
    for width in range(1, 8):
        lay = Layout(text, width)
        for s, e in rows_of(lay):
            assert s in bounds and e in bounds
        for y in range(lay.row_count):
            for s, e, _d in lay.cells(y):
                assert s in bounds and e in bounds


def test_combining_marks_take_their_base_cell() -> None:
    text = "cafe\u0301 ok"
    lay = Layout(text, 80)
    assert lay.cells(0)[0:2] == [(0, 3, "caf"), (3, 5, "e\u0301")]
    assert lay.x_of(5) == (0, 4)
    assert lay.offset_at(0, 3) == 3
    # a lone mark at the start of a line is drawn on a dotted circle, one cell
    lay = Layout("\u0301x", 80)
    assert lay.cells(0) == [(0, 1, "◌\u0301"), (1, 2, "x")]


def test_tabs_expand_to_stops() -> None:
    lay = Layout("a\tbc\td", 20, tab_size=4)
    assert lay.cells(0) == [(0, 1, "a"), (1, 2, "   "), (2, 4, "bc"), (4, 5, "  "), (5, 6, "d")]
    assert lay.x_of(2) == (0, 4)
    assert lay.x_of(5) == (0, 8)
    assert lay.offset_at(0, 2) == 1  # inside the tab
    lay = Layout("abc\tdef", 5, tab_size=4)
    for y in range(lay.row_count):
        assert cells_width(lay, y) <= 5
    assert "".join(shown(lay)) == "abc\tdef"


def test_control_chars_are_shown_harmlessly() -> None:
    text = "a\x1b[2Jb\x07c\u202ed"
    lay = Layout(text, 80)
    drawn = "".join(d for _s, _e, d in lay.cells(0))
    assert drawn == "a␛[2Jb␇c⇄d"
    assert len(drawn) == len(text)
    assert lay.x_of(len(text)) == (0, len(text))


# ------------------------------------------------------------------- cursor geometry


SAMPLES = [
    "the quick brown fox jumps over the lazy dog",
    "日本語 mixed with English and 👨\u200d👩\u200d👧 families\tand tabs\n\nnext “para”",
    "e\u0301e\u0301e\u0301 🇫🇷🇫🇷 \x1b\u202e\u200b end\n",
    "",
    "\n\n",
]


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("width", [1, 2, 3, 7, 13, 80])
def test_x_of_offset_at_round_trip(text: str, width: int) -> None:
    lay = Layout(text, width)
    for off in boundaries(text):
        y, x = lay.x_of(off)
        assert 0 <= x <= width or width == 1
        assert lay.offset_at(y, x) == off, (off, y, x)


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("width", [1, 4, 9, 80])
def test_row_of_monotonic_and_consistent(text: str, width: int) -> None:
    lay = Layout(text, width)
    prev = 0
    for off in range(len(text) + 1):
        y = lay.row_of(off)
        assert y >= prev
        prev = y
        row = lay.row(y)
        assert row.start <= off <= row.end
        # an offset exactly at a soft-wrap break goes to the later row
        at_soft_break = off == row.end and y + 1 < lay.row_count and lay.row(y + 1).start == off
        assert not at_soft_break, (off, y)
    assert lay.row_of(len(text)) == lay.row_count - 1
    assert lay.row_of(-5) == 0 and lay.row_of(len(text) + 5) == lay.row_count - 1


def test_offset_at_clamps_and_past_end() -> None:
    lay = Layout("hello world\nab", 8)  # rows: "hello ", "world", "ab"
    assert shown(lay) == ["hello ", "world", "ab"]
    assert lay.offset_at(0, 99) == 5  # soft-wrapped row: stays on the row (its last char)
    assert lay.row_of(lay.offset_at(0, 99)) == 0
    assert lay.offset_at(1, 99) == 11  # last row of the line: the line end
    assert lay.offset_at(2, 99) == 14
    assert lay.offset_at(-3, 0) == 0
    assert lay.offset_at(99, 1) == 13
    lay = Layout("日本", 10)
    assert lay.offset_at(0, 0) == 0 and lay.offset_at(0, 1) == 0
    assert lay.offset_at(0, 2) == 1 and lay.offset_at(0, 3) == 1


def test_rows_for_range() -> None:
    lay = Layout("aaa bbb ccc ddd", 4)
    assert shown(lay) == ["aaa ", "bbb ", "ccc ", "ddd"]
    assert lay.rows_for_range(0, 3) == range(0, 1)
    assert lay.rows_for_range(2, 9) == range(0, 3)
    assert lay.rows_for_range(4, 8) == range(1, 2)
    assert lay.rows_for_range(5, 5) == range(1, 2)


def test_vertical_move_keeps_goal_column() -> None:
    lay = Layout("abcdefgh\nab\nabcdefgh", 80)
    assert lay.vertical_move(5, 1) == 11  # line 1 is short: its end
    assert lay.vertical_move(11, 1, goal_x=5) == 17
    assert lay.vertical_move(17, -2, goal_x=5) == 5
    assert lay.vertical_move(5, -1) == 5  # clamped at the first row
    assert lay.vertical_move(17, 5) == 17  # clamped at the last row
    wrapped = Layout("aaaa bbbb cccc", 5)
    assert wrapped.vertical_move(2, 1) == 7
    assert wrapped.row_of(wrapped.vertical_move(2, 1)) == 1
    assert wrapped.vertical_move(13, -1, goal_x=4) == 9  # past the row's content: stays on it
    wide = Layout("日本語\nabcdef", 80)
    assert wide.vertical_move(7, -1) == 1  # "d" at column 3: the right half of 本 -> 本
    assert wide.vertical_move(1, 1) == 6  # 本 is at column 2 -> "c"
    assert wide.vertical_move(2, 1) == 8  # 語 is at column 4 -> "e"


# ------------------------------------------------------------------------ properties

PIECES = [
    "e\u0301",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🇫🇷",
    "日本語",
    "\t",
    "\n",
    " ",
    "word",
    "\x1b",
    "\u202e",
    "\u200b",
]


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=40),
    width=st.integers(min_value=1, max_value=40),
    tab_size=st.sampled_from([1, 2, 4, 8]),
)
def test_layout_properties(pieces: list[str], width: int, tab_size: int) -> None:
    text = "".join(pieces)
    lay = Layout(text, width, tab_size)
    bounds = set(boundaries(text))
    rows = rows_of(lay)
    # partition of the text into rows
    assert rows[0][0] == 0
    assert rows[-1][1] == len(text)
    for (_s0, e0), (s1, _e1) in zip(rows, rows[1:], strict=False):
        assert s1 == e0 or (s1 == e0 + 1 and text[e0] == "\n")
    for y, (s, e) in enumerate(rows):
        assert s <= e
        assert s in bounds and e in bounds
        assert "\n" not in text[s:e]
        assert lay.row(y).line == text.count("\n", 0, s)
        segs = lay.cells(y)
        # segments are consecutive and cover the row exactly
        pos = s
        for a, b, _d in segs:
            assert a == pos and b > a
            pos = b
        assert pos == e
        w = sum(cell_len(d) for _a, _b, d in segs)
        if w > width:  # only one too-wide cluster alone on its row
            assert len(segs) == 1 and (s, e) in {
                (m.start() + s, m.end() + s) for m in CLUSTER.finditer(text[s:e])
            }
            assert width == 1
        for a, b, d in segs:
            assert "\x1b" not in d and "\u202e" not in d and "\u200b" not in d
            if text[a:b] != "\t" and not d.startswith("◌") and d:
                assert len(d) == b - a
    # same rows as the slow reference implementation
    assert list(lay._rows) == reference_rows(text, width, tab_size)
    # cursor geometry
    prev = 0
    for off in sorted(bounds):
        y, x = lay.x_of(off)
        assert y >= prev
        prev = y
        assert lay.offset_at(y, x) == off
        r = lay.row(y)
        assert r.start <= off <= r.end


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab \n“é")), max_size=200),
    width=st.integers(min_value=1, max_value=30),
)
def test_simple_fast_path_matches_reference(text: str, width: int) -> None:
    lay = Layout(text, width)
    assert list(lay._rows) == reference_rows(text, width)
    # a tab in the line sends it down the slow path: same rows for the same text
    for y in range(lay.row_count):
        assert cells_width(lay, y) <= width


# ----------------------------------------------------------------------- performance


def _synthetic_text(size: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    words = (
        "the of and to in claim commitment invitation annotation reader offset "
        "span label corpus document café élan naïve “quoted” ‘single’ — résumé "
        "a an is was were promise we will shall consider please join us today"
    ).split()
    lines = []
    for _ in range(3000):
        n = rnd.randint(60, 400)
        out: list[str] = []
        length = 0
        while length < n:
            w = rnd.choice(words)
            out.append(w)
            length += len(w) + 1
        lines.append(" ".join(out))
    parts: list[str] = []
    total = 0
    i = 0
    while total < size:
        line = lines[i % len(lines)]
        parts.append(line)
        total += len(line) + 1
        i += 1
    return "\n".join(parts)


def test_performance_10mb_and_long_line(capsys: pytest.CaptureFixture[str]) -> None:
    text = _synthetic_text(10_000_000)
    timings = {}
    t0 = time.perf_counter()
    lay = Layout(text, 80)
    timings["10 MB, width 80"] = time.perf_counter() - t0
    assert lay.row_count > 100_000
    t0 = time.perf_counter()
    Layout(text, 53)  # a resize re-wraps
    timings["10 MB, width 53"] = time.perf_counter() - t0
    one = text[:1_000_000].replace("\n", " ")
    t0 = time.perf_counter()
    lay1 = Layout(one, 80)
    timings["1 MB single line"] = time.perf_counter() - t0
    cjk = ("日本語のテキスト、English words “here” " * 40_000)[:1_000_000]
    t0 = time.perf_counter()
    Layout(cjk, 80)
    timings["1 MB CJK/English line"] = time.perf_counter() - t0
    # per-row queries cost the row, not the document
    t0 = time.perf_counter()
    for y in range(0, lay1.row_count, 97):
        lay1.cells(y)
        lay1.x_of(lay1.row(y).start + 3)
    per_query = (time.perf_counter() - t0) / len(range(0, lay1.row_count, 97))
    with capsys.disabled():
        print()
        for name, secs in timings.items():
            print(f"  layout {name}: {secs:.3f} s")
        print(f"  cells()+x_of() per row on the 1 MB line: {per_query * 1e6:.0f} µs")
    for name, secs in timings.items():
        assert secs < 3.0, name
    assert per_query < 0.005


def test_a_long_line_of_flags_wraps_in_linear_time() -> None:
    """regex's \\X is quadratic on runs of regional indicators; flags are matched first."""
    flags = "🇫🇷" * 50_000
    started = time.perf_counter()
    layout = Layout(flags, 80)
    assert time.perf_counter() - started < 2.0
    assert layout.row_count == 50_000 * 2 // 80
    # every row starts on a flag boundary: never half a flag
    assert all(layout.row(y).start % 2 == 0 for y in range(layout.row_count))
    # indicators pair from the start of their run, as \X pairs them
    odd = "🇫" + flags[:200]
    shifted = Layout(odd, 80)
    ends = {0}
    for cluster in regex.findall(r"\X", odd):
        ends.add(max(ends) + len(cluster))
    assert all(shifted.row(y).start in ends for y in range(shifted.row_count))
