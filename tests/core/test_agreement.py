"""Agreement (annotui.core.agreement): hand-computed cases, published examples, the
definitions of who labelled what, and random cases against nltk's AnnotationTask."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask

from annotui.core.agreement import (
    OUTSIDE,
    Alpha,
    agreement,
    cohen_kappa,
    compute,
    coverage,
    exact_matches,
    overlap_matches,
    token_labels,
    tokens,
)
from annotui.core.store import Store
from annotui.core.text import next_word_end, word_at

ROOT = Path(__file__).resolve().parents[2]
LABELS = ["claim", "commitment", "invitation"]


def words(text: str, toks: list[tuple[int, int]] | None = None) -> list[str]:
    return [text[s:e] for s, e in (tokens(text) if toks is None else toks)]


# -- tokens ---------------------------------------------------------------------------


def test_tokens_are_annotuis_words_without_punctuation_or_emoji() -> None:
    text = "“Azerbaijan’s centuries-old ties,” he said 👋🏽 in 2024 — café\u0301!"
    assert words(text) == ["Azerbaijan’s", "centuries-old", "ties", "he", "said", "in",
                           "2024", "café\u0301"]


def test_scripts_without_spaces_count_characters() -> None:
    assert words("北京欢迎你。") == ["北", "京", "欢", "迎", "你"]
    assert words("東京2024年に") == ["東", "京", "2024", "年", "に"]
    assert words("한국어 텍스트") == ["한국어", "텍스트"]  # Hangul has spaces
    # a character with a variation selector stays one token
    assert words("葛\U000e0100城") == ["葛\U000e0100", "城"]


def _public_words(text: str) -> Iterator[tuple[int, int]]:
    """Words through the public per-word calls: what `tokens` must equal."""
    pos = 0
    while pos < len(text):
        end = next_word_end(text, pos)
        word = word_at(text, end - 1) if end else None
        if word is None or word[1] <= pos:
            return
        yield word
        pos = word[1]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["a", "Zoë", " ", "\n", "\r\n", "’", "-", "e\u0301", "👍🏽",
                                 "4", ",", "👨‍👩‍👧", "ﬁ", "\u200d", "'", "🇦🇿🇰🇿", "\u0301",
                                 "क्ष", "ि", "\u0600", "각", "\u1100", "_", "\t"]),
                max_size=30))
def test_tokens_equal_the_public_word_segmentation(parts: list[str]) -> None:
    text = "".join(parts)
    assert tokens(text) == list(_public_words(text))


def test_a_token_takes_the_longest_span_then_the_earliest_then_by_name() -> None:
    text = "one two six seven"
    toks = tokens(text)
    # "two six seven" (13) is longer than "one two six" (11)
    assert token_labels(toks, [(0, 11, "b"), (4, 17, "c"), (0, 7, "a")]) == ["b", "c", "c", "c"]
    # equal lengths: the earliest start; the same range: the first label by name
    assert token_labels(toks, [(4, 11, "x"), (0, 7, "y")]) == ["y", "y", "x", OUTSIDE]
    assert token_labels(toks, [(0, 3, "z"), (0, 3, "a"), (4, 7, "x"), (4, 7, "m")]) == \
        ["a", "m", OUTSIDE, OUTSIDE]
    # a span labels every word it shares a character with
    assert token_labels(toks, [(2, 5, "x")]) == ["x", "x", OUTSIDE, OUTSIDE]
    assert coverage(toks, [(0, 11, "b"), (4, 17, "c")]) == {"b": {0, 1, 2}, "c": {1, 2, 3}}


# -- span matching --------------------------------------------------------------------


def test_exact_and_overlap_matching() -> None:
    a = [(0, 10, "x"), (20, 30, "x"), (40, 50, "y")]
    b = [(0, 10, "x"), (25, 35, "x"), (40, 50, "x"), (30, 40, "y")]
    assert exact_matches(a, b) == 1
    # (20,30) meets (25,35); (40,50,y) and (30,40,y) only touch; (40,50) differs in label
    assert overlap_matches(a, b) == 2


def test_overlap_is_one_to_one_and_prefers_the_best_fit() -> None:
    assert overlap_matches([(0, 20, "x")], [(0, 5, "x"), (10, 15, "x")]) == 1
    assert overlap_matches([(0, 10, "x")], [(0, 12, "x"), (0, 10, "x")]) == 1
    # greedy by Jaccard: a1 takes b1 (10/12), leaving b2 for a2
    assert overlap_matches([(0, 10, "x"), (8, 20, "x")], [(0, 12, "x"), (14, 30, "x")]) == 2
    # a long span of another label lets (5, 8) into the sweep; (1, 2) must not match it
    assert overlap_matches([(0, 10, "y"), (1, 2, "x")], [(5, 8, "x")]) == 0


# -- the coefficients on published and textbook examples -------------------------------


def test_cohen_kappa_textbook() -> None:
    # Wikipedia's example: 20 yes-yes, 5 yes-no, 10 no-yes, 15 no-no: Po .7, Pe .5
    conf = {("y", "y"): 20, ("y", "n"): 5, ("n", "y"): 10, ("n", "n"): 15}
    assert cohen_kappa(conf) == pytest.approx(0.4)
    assert cohen_kappa({("a", "a"): 3}) is None  # one category: undefined
    assert cohen_kappa({}) is None
    assert cohen_kappa({("a", "b"): 2, ("b", "a"): 2}) == pytest.approx(-1.0)


def _alpha(units: list[list[str]]) -> float | None:
    acc = Alpha()
    for unit in units:
        acc.add(Counter(unit))
    return acc.alpha


def test_krippendorff_alpha_published_examples() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four coders,
    # twelve units, missing values; nominal alpha = 0.743
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3",
            ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    units = [[v for v in column if v != "."] for column in zip(*(r.split() for r in rows),
                                                               strict=True)]
    assert _alpha(units) == pytest.approx(0.743, abs=5e-4)
    # the same paper's two coders, binary data: alpha = 0.095
    a, b = "0100000010", "1110010000"
    assert _alpha([list(p) for p in zip(a, b, strict=True)]) == pytest.approx(0.095, abs=5e-4)
    assert _alpha([["x", "x"], ["x", "x", "x"]]) is None  # one value only
    assert _alpha([["x"], ["y"]]) is None  # nothing pairable


# -- a corpus computed by hand ----------------------------------------------------------

TEXT = "We will build a road. You are welcome in Baku."
#       0  3    8     14 16   22  26  30      38 41
A = [(0, 21, "commitment"), (22, 46, "invitation")]
B = [(3, 20, "commitment"), (30, 45, "invitation")]


def test_a_pair_by_hand() -> None:
    # words:  We will build a road | You are welcome in Baku
    # A:      C  C    C     C C    | I   I   I       I  I
    # B:      O  C    C     C C    | O   O   I       I  I
    result = compute([(TEXT, {"ana": A, "bob": B})], LABELS)
    (pair,) = result.pairs
    assert (pair.a, pair.b, result.group) == ("ana", "bob", None)
    s = pair.overall
    assert (s.documents, s.spans_a, s.spans_b, s.tokens, s.tokens_labelled) == (1, 2, 2, 10, 10)
    assert (s.exact_f1, s.overlap_f1) == (0.0, 1.0)
    # n 10, agreed 7, A: C5 I5, B: O3 C4 I3: Pe*n^2 = 5*4 + 5*3 = 35, kappa = 35/65
    assert s.kappa == pytest.approx(7 / 13)
    assert s.kappa_labelled == pytest.approx(7 / 13)  # A labelled every word
    claim, commitment, invitation = pair.labels
    assert (claim.documents, claim.exact_f1, claim.kappa) == (0, None, None)
    # commitment: both 4, A only 1, neither 5: (90 - 50) / (100 - 50)
    assert commitment.kappa == pytest.approx(0.8)
    # invitation: both 3, A only 2, neither 5: (80 - 50) / (100 - 50)
    assert invitation.kappa == pytest.approx(0.6)
    assert (invitation.spans_a, invitation.overlap_matched, invitation.exact_matched) == (1, 1, 0)


def test_three_annotators_by_hand() -> None:
    # cy marked the document done with no span: every word 'O'
    result = compute([(TEXT, {"ana": A, "bob": B, "cy": []})], LABELS)
    pairs = {(p.a, p.b): p.overall for p in result.pairs}
    assert pairs["ana", "cy"].kappa == 0.0 and pairs["ana", "cy"].exact_f1 == 0.0
    assert pairs["bob", "cy"].kappa == 0.0 and pairs["bob", "cy"].tokens_labelled == 7
    group = result.group
    assert group is not None and group.annotators == ["ana", "bob", "cy"]
    # units: C,O,O | 4 x C,C,O | 2 x I,O,O | 3 x I,I,O; n 30; margins C9 I8 O13;
    # each unit disagrees (9 - 5) / 2 = 2: Do 20; alpha = 1 - 29 * 20 / (900 - 314)
    assert group.overall.alpha == pytest.approx(3 / 293)
    assert (group.overall.documents, group.overall.spans, group.overall.tokens) == (1, 4, 10)
    assert group.overall.tokens_labelled == 10


def test_a_label_filter_ignores_the_other_labels_spans() -> None:
    result = compute([(TEXT, {"ana": A, "bob": B})], ["invitation"])
    s = result.pairs[0].overall
    assert (s.spans_a, s.spans_b, s.tokens_labelled) == (1, 1, 5)
    assert [row.label for row in result.pairs[0].labels] == ["invitation"]


def test_to_dict_is_json_with_nulls() -> None:
    import json

    data = compute([(TEXT, {"ana": A, "bob": B})], LABELS).to_dict()
    text = json.dumps(data, allow_nan=False)
    pair = json.loads(text)["pairs"][0]
    assert pair["labels"][0] == {
        "label": "claim", "documents": 0, "spans_a": 0, "spans_b": 0, "exact_matched": 0,
        "overlap_matched": 0, "tokens": 10, "tokens_labelled": 10, "kappa": None,
        "kappa_labelled": None, "exact_f1": None, "overlap_f1": None}
    assert pair["overall"]["overlap_f1"] == 1.0


# -- who labelled which document (the store) ----------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "agree.db", annotator="ana") as s:
        s.load_labels(ROOT / "data" / "labels.toml")
        yield s


def _add(store: Store, text: str, spans: dict[str, list[tuple[int, int, str]]],
         statuses: dict[str, str] | None = None) -> int:
    doc_id, _ = store.add_document(text)
    store.insert_spans(doc_id, [(s, e, label, who, None)
                                for who, items in spans.items() for s, e, label in items])
    for who, status in (statuses or {}).items():
        store.import_status(doc_id, who, status)
    return doc_id


def test_only_documents_both_labelled_count(store: Store) -> None:
    _add(store, TEXT, {"ana": A, "bob": B})
    _add(store, "Only ana read this one.", {"ana": [(0, 4, "claim")]})
    # done with no span is a judgement ("nothing here"); skipped is not, even with spans
    _add(store, "Nothing to label here.", {"ana": [(0, 7, "claim")]}, {"bob": "done"})
    _add(store, "Bob skipped this.", {"ana": [(0, 3, "claim")], "bob": [(0, 3, "claim")]},
         {"bob": "skipped"})
    result = agreement(store)
    assert (result.shared_documents, result.single_documents) == (2, 2)
    s = result.pairs[0].overall
    assert (s.documents, s.spans_a, s.spans_b) == (2, 3, 2)
    assert s.tokens == 10 + 4


def test_done_only_and_annotator_filters(store: Store) -> None:
    _add(store, TEXT, {"ana": A, "bob": B, "cy": B}, {"ana": "done", "bob": "done"})
    _add(store, "A second text.", {"ana": [(0, 1, "claim")], "bob": [(0, 1, "claim")]})
    assert agreement(store, done_only=True).shared_documents == 1
    assert [(p.a, p.b) for p in agreement(store, done_only=True).pairs] == [("ana", "bob")]
    result = agreement(store, annotators=["bob", "cy"])
    assert [(p.a, p.b, p.overall.exact_f1) for p in result.pairs] == [("bob", "cy", 1.0)]
    assert result.group is None and result.annotators == ["bob", "cy"]
    assert agreement(store).group is not None
    seen: list[tuple[int, int]] = []
    agreement(store, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]


# -- random corpora against nltk --------------------------------------------------------

WORDS = ["We", "will", "build", "roads", "Baku", "北京", "café", "2024", "you", "es"]
SEPARATORS = [" ", " ", ", ", ". ", "\n", " 👍🏽 ", "—"]


@st.composite
def corpora(draw: st.DrawFn) -> list[tuple[str, dict[str, list[tuple[int, int, str]]]]]:
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        parts = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)),
                              min_size=1, max_size=12))
        text = "".join(w + sep for w, sep in parts)
        who = draw(st.lists(st.sampled_from(["ana", "bob", "cy", "dan"]), min_size=2,
                            max_size=4, unique=True))
        spans = {}
        for name in who:
            items = draw(st.lists(st.tuples(st.integers(0, len(text) - 1),
                                            st.integers(1, 12), st.sampled_from(LABELS[:2])),
                                  max_size=5))
            spans[name] = sorted({(s, min(len(text), s + n), label) for s, n, label in items})
        docs.append((text, spans))
    return docs


def _tags(toks: list[tuple[int, int]], spans: list[tuple[int, int, str]]) -> list[str]:
    """The rule, written the slow, obvious way: every span against every token."""
    out = []
    for s, e in toks:
        on = [sp for sp in spans if sp[0] < e and sp[1] > s]
        out.append(min(on, key=lambda sp: (sp[0] - sp[1], sp[0], sp[2]))[2] if on else "O")
    return out


def _nltk(data: list[tuple[str, tuple[int, int], str]], measure: str, a: str = "",
          b: str = "") -> float | None:
    task = AnnotationTask(data)
    if measure == "alpha":
        return None if len({label for _, _, label in data}) < 2 else task.alpha()
    if not data or math.isclose(task.Ae_kappa(a, b), 1.0):
        return None  # nltk calls this 1.0 (or raises); annotui says undefined
    return task.kappa_pairwise(a, b)


def _close(mine: float | None, reference: float | None) -> bool:
    if mine is None or reference is None:
        return mine is reference
    return math.isclose(mine, reference, abs_tol=1e-9)


@settings(max_examples=120, deadline=None)
@given(corpora())
def test_random_corpora_agree_with_nltk_and_brute_force(docs: list) -> None:
    result = compute(docs, LABELS)
    tagged = []
    for d, (text, spans) in enumerate(docs):
        toks = tokens(text)
        tagged.append((d, toks, {who: _tags(toks, items) for who, items in spans.items()}))
    for pair in result.pairs:
        a, b = pair.a, pair.b
        both = [(d, toks, tags) for d, toks, tags in tagged if a in tags and b in tags]
        data = [(who, (d, i), tag) for d, _, tags in both for who in (a, b)
                for i, tag in enumerate(tags[who])]
        labelled = {item for who, item, tag in data if tag != "O"}
        assert _close(pair.overall.kappa, _nltk(data, "kappa", a, b))
        assert _close(pair.overall.kappa_labelled,
                      _nltk([x for x in data if x[1] in labelled], "kappa", a, b))
        for row in pair.labels:
            # per label, a word is L if any span of L covers it, not only the winning one
            cover = {(who, (d, i)) for d, toks, _ in both for who in (a, b)
                     for i in range(len(toks)) for s, e, label in docs[d][1][who]
                     if label == row.label and s < toks[i][1] and e > toks[i][0]}
            binary = [(who, item, "L" if (who, item) in cover else "-")
                      for who, item, _ in data]
            assert _close(row.kappa, _nltk(binary, "kappa", a, b)), row
            assert _close(row.kappa_labelled, _nltk(
                [x for x in binary if x[1] in labelled], "kappa", a, b)), row
            spans_a = [s for d, _, _ in both for s in docs[d][1][a] if s[2] == row.label]
            spans_b = [s for d, _, _ in both for s in docs[d][1][b] if s[2] == row.label]
            assert (row.spans_a, row.spans_b) == (len(spans_a), len(spans_b))
            exact = sum(len(set(docs[d][1][a]) & set(docs[d][1][b]) & {
                s for s in docs[d][1][a] if s[2] == row.label}) for d, _, _ in both)
            assert row.exact_matched == exact
            assert exact <= row.overlap_matched <= min(row.spans_a, row.spans_b)
    group = [(d, tags) for d, _, tags in tagged if len(tags) >= 3]
    if not group:
        assert result.group is None
        return
    assert result.group is not None
    data = [(who, (d, i), tag) for d, tags in group for who, seq in tags.items()
            for i, tag in enumerate(seq)]
    assert _close(result.group.overall.alpha, _nltk(data, "alpha"))
    labelled = {item for _, item, tag in data if tag != "O"}
    assert _close(result.group.overall.alpha_labelled,
                  _nltk([x for x in data if x[1] in labelled], "alpha"))


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 10), st.sampled_from("xy")),
                max_size=6),
       st.lists(st.tuples(st.integers(0, 30), st.integers(1, 10), st.sampled_from("xy")),
                max_size=6))
def test_overlap_matching_is_the_greedy_rule_and_near_the_maximum(a: list, b: list) -> None:
    a = sorted({(s, s + n, label) for s, n, label in a})
    b = sorted({(s, s + n, label) for s, n, label in b})
    pairs = [(i, k) for i, x in enumerate(a) for k, y in enumerate(b)
             if x[2] == y[2] and x[0] < y[1] and y[0] < x[1]]

    def fit(p: tuple[int, int]) -> tuple[float, int, int, int]:
        x, y = a[p[0]], b[p[1]]
        inter = min(x[1], y[1]) - max(x[0], y[0])
        return (-inter / (max(x[1], y[1]) - min(x[0], y[0])), -inter, *p)

    used_a, used_b = set(), set()
    for i, k in sorted(pairs, key=fit):
        if i not in used_a and k not in used_b:
            used_a.add(i)
            used_b.add(k)
    found = overlap_matches(a, b)
    assert found == len(used_a)
    if len(pairs) <= 10:
        best = max(n for n in range(len(pairs) + 1) for chosen in combinations(pairs, n)
                   if len({i for i, _ in chosen}) == n == len({k for _, k in chosen}))
        assert best / 2 <= found <= best  # a greedy matching is at least half the maximum
    assert exact_matches(a, b) <= found
