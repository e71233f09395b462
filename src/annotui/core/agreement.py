"""Inter-annotator agreement: span F1, token kappa and Krippendorff's alpha, per label.

Pure Python, no Textual: ``annotui agree`` prints it and a screen can run :func:`agreement`
in a worker (``progress`` counts documents). The maths is a few sums; numpy would cost
more start-up than it saves. The definitions (the README repeats them):

* **Who labelled a document**: whoever marked it done, or has a span on it and did not
  mark it skipped. A pair is compared on the documents both labelled; one that only one
  of them touched counts against nobody. Done without a span means "nothing here" (every
  token 'O'). ``done_only`` keeps only documents marked done; ``labels`` ignores other
  labels' spans but does not change which documents count.
* **Exact F1**: same start, end and label. F1 = 2 matched / (spans of A + spans of B),
  symmetric, so nobody has to be the reference (the matched counts give P and R).
* **Overlap F1**: same label and at least one shared character, one-to-one: candidate
  pairs are taken greedily, best first (Jaccard, then overlap length, then text order).
  Exact pairs come first, so overlap F1 is never below exact F1.
* **Tokens**: annotui's words (what ``w`` moves by), with Han, kana, Thai, Lao, Khmer and
  Myanmar words, which run on without spaces, split into characters; punctuation, emoji
  and spaces are not tokens. A span covers every token it shares a character with. All
  labels together: a token takes the label of the longest span covering it, then the
  earliest, then the first by name (the CoNLL export's rule), else 'O'. Per label: a
  token is L if any span of L covers it, so nesting under another label costs nothing.
* **Cohen's kappa** pools the tokens of the shared documents: over all of them, and over
  those at least one of the two labelled ("labelled").
* **Krippendorff's alpha** (nominal): on documents three or more labelled, a unit per
  token and a value per annotator who labelled the document (alpha allows gaps).
* None (undefined): a coefficient with nothing to compare or one category only
  (1 - Pe = 0), an F1 with no span on either side.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import regex

# segment's own word pattern, run once over the whole text: walking the words with the
# public calls (next_word_end, word_at) costs 5x more; a test checks both agree
from annotui.core.segment import _WORD, snap_to_graphemes

if TYPE_CHECKING:
    from annotui.core.store import Store

OUTSIDE = "O"  # the category of a token that no span covers
SpanTuple = tuple[int, int, str]  # (start, end, label), code points, end exclusive

# scripts written without spaces: one "word" is a phrase, so count characters instead
_UNSPACED = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
_HAS_UNSPACED = regex.compile(_UNSPACED)
# a cluster of those scripts alone, or a run of clusters of any other (digits, Latin)
_SPLIT = regex.compile(rf"(?={_UNSPACED})\X|(?:(?!{_UNSPACED})\X)+")


def tokens(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every token of ``text``, in order (see the module docstring)."""
    out: list[tuple[int, int]] = []
    n = len(text)
    for m in _WORD.finditer(text):
        s, e = m.span()
        # ASCII on both sides of both edges is a grapheme boundary: no snapping to do
        if not ((s == 0 or text[s - 1] < "\x80") and text[s] < "\x80" and
                text[e - 1] < "\x80" and (e == n or text[e] < "\x80")):
            s, e = snap_to_graphemes(text, s, e)
        if _HAS_UNSPACED.search(text, s, e):
            out.extend(m.span() for m in _SPLIT.finditer(text, s, e))
        else:
            out.append((s, e))
    return out


def _covered(bounds: tuple[list[int], list[int]], start: int, end: int) -> range:
    """Indices of the tokens sharing a character with [start, end)."""
    starts, ends = bounds
    return range(bisect_right(ends, start), bisect_left(starts, end))


def token_labels(toks: Sequence[tuple[int, int]], spans: Iterable[SpanTuple]) -> list[str]:
    """One label per token: the longest covering span's, then earliest, then by name."""
    bounds = ([s for s, _ in toks], [e for _, e in toks])
    out: list[str | None] = [None] * len(toks)
    for start, end, label in sorted(spans, key=lambda s: (s[0] - s[1], s[0], s[2])):
        for i in _covered(bounds, start, end):
            if out[i] is None:
                out[i] = label
    return [OUTSIDE if label is None else label for label in out]


def coverage(toks: Sequence[tuple[int, int]], spans: Iterable[SpanTuple]
             ) -> dict[str, set[int]]:
    """For each label, the indices of the tokens its spans cover."""
    bounds = ([s for s, _ in toks], [e for _, e in toks])
    out: dict[str, set[int]] = {}
    for start, end, label in spans:
        out.setdefault(label, set()).update(_covered(bounds, start, end))
    return out


def exact_matches(a: Iterable[SpanTuple], b: Iterable[SpanTuple]) -> int:
    """Spans of A and B with the same start, end and label."""
    return len(set(a) & set(b))


def overlap_matches(a: Iterable[SpanTuple], b: Iterable[SpanTuple]) -> int:
    """One-to-one matches of same-label spans sharing a character (greedy, best first)."""
    aa, bb = sorted(set(a)), sorted(set(b))
    candidates = []
    active: list[int] = []  # spans of B that started before the current A span ends
    j = 0
    for i, (s, e, label) in enumerate(aa):  # a sweep by start: no all-pairs loop
        while j < len(bb) and bb[j][0] < e:
            active.append(j)
            j += 1
        # A's starts only grow: a B span ending before this one starts is done for good
        active = [k for k in active if bb[k][1] > s]
        for k in active:
            bs, be, blabel = bb[k]
            if blabel == label and bs < e:  # an earlier, longer A span let in later Bs
                inter = min(e, be) - max(s, bs)
                candidates.append((-inter / (max(e, be) - min(s, bs)), -inter, i, k))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, _, i, k in sorted(candidates):
        if i not in used_a and k not in used_b:
            used_a.add(i)
            used_b.add(k)
    return len(used_a)


def cohen_kappa(confusion: Mapping[tuple[str, str], int]) -> float | None:
    """Cohen's kappa from counts of (A's category, B's category); None if undefined."""
    n = sum(confusion.values())
    rows: Counter[str] = Counter()
    cols: Counter[str] = Counter()
    agree = 0
    for (x, y), count in confusion.items():
        rows[x] += count
        cols[y] += count
        agree += count if x == y else 0
    chance = sum(rows[k] * cols[k] for k in rows)
    # (Po - Pe) / (1 - Pe) with both scaled by n^2: integers, so "Pe = 1" is exact
    if n == 0 or chance == n * n:
        return None
    return (n * agree - chance) / (n * n - chance)


class Alpha:
    """Krippendorff's alpha (nominal) accumulated unit by unit, in constant memory."""

    def __init__(self) -> None:
        self.n = 0  # pairable values
        self.values: Counter[str] = Counter()  # n_c: the coincidence matrix's margins
        self.disagree = 0.0  # sum over units of (m^2 - sum n_uc^2) / (m - 1)

    def add(self, unit: Mapping[str, int], times: int = 1) -> None:
        """Count a unit (category -> how many coders gave it), ``times`` times over."""
        m = sum(unit.values())
        if m < 2 or times <= 0:
            return  # a value nobody else coded cannot be compared
        self.n += m * times
        for category, count in unit.items():
            self.values[category] += count * times
        self.disagree += times * (m * m - sum(c * c for c in unit.values())) / (m - 1)

    @property
    def alpha(self) -> float | None:
        expected = self.n * self.n - sum(c * c for c in self.values.values())
        if expected == 0:  # no values, or a single category: undefined
            return None
        return 1 - (self.n - 1) * self.disagree / expected


# -- results ------------------------------------------------------------------------------


def _f1(matched: int, a: int, b: int) -> float | None:
    return 2 * matched / (a + b) if a + b else None


@dataclass
class PairScores:
    """One pair of annotators on one label (``label`` None: all labels together)."""

    label: str | None
    documents: int = 0  # shared documents (for a label: those where either used it)
    spans_a: int = 0
    spans_b: int = 0
    exact_matched: int = 0
    overlap_matched: int = 0
    tokens: int = 0
    tokens_labelled: int = 0  # tokens at least one of the two labelled (any label)
    kappa: float | None = None
    kappa_labelled: float | None = None

    @property
    def exact_f1(self) -> float | None:
        return _f1(self.exact_matched, self.spans_a, self.spans_b)

    @property
    def overlap_f1(self) -> float | None:
        return _f1(self.overlap_matched, self.spans_a, self.spans_b)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"exact_f1": self.exact_f1, "overlap_f1": self.overlap_f1}


@dataclass
class GroupScores:
    """Krippendorff's alpha of three or more annotators on one label (None: all labels)."""

    label: str | None
    documents: int = 0
    spans: int = 0
    tokens: int = 0
    tokens_labelled: int = 0
    alpha: float | None = None
    alpha_labelled: float | None = None


@dataclass
class Pair:
    a: str
    b: str
    overall: PairScores
    labels: list[PairScores]


@dataclass
class Group:
    annotators: list[str]  # everyone who labelled one of its documents
    overall: GroupScores
    labels: list[GroupScores]


@dataclass
class Agreement:
    """What :func:`agreement` found: every pair that shares a document, and the group."""

    annotators: list[str]  # those considered (who labelled anything)
    labels: list[str]  # the labels scored, in the label set's order
    shared_documents: int = 0  # documents labelled by two or more of them
    single_documents: int = 0  # documents labelled by exactly one (not compared)
    pairs: list[Pair] = field(default_factory=list)
    group: Group | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (None stays None: JSON null, never NaN)."""
        return {
            "annotators": self.annotators, "labels": self.labels,
            "shared_documents": self.shared_documents,
            "single_documents": self.single_documents,
            "pairs": [{"a": p.a, "b": p.b, "overall": p.overall.to_dict(),
                       "labels": [s.to_dict() for s in p.labels]} for p in self.pairs],
            "alpha": None if self.group is None else {
                "annotators": self.group.annotators,
                "overall": asdict(self.group.overall),
                "labels": [asdict(s) for s in self.group.labels]},
        }


# -- computing ----------------------------------------------------------------------------


class _Side:
    """One annotator on one document: spans, overall token labels, per-label coverage."""

    def __init__(self, toks: Sequence[tuple[int, int]], spans: list[SpanTuple]) -> None:
        self.by_label: dict[str, list[SpanTuple]] = {}
        for span in spans:
            self.by_label.setdefault(span[2], []).append(span)
        self.tags = token_labels(toks, spans)
        self.cover = coverage(toks, spans)
        self.labelled = {i for i, tag in enumerate(self.tags) if tag != OUTSIDE}


class _PairTally:
    def __init__(self) -> None:
        self.documents = 0
        self.confusion: Counter[tuple[str, str]] = Counter()
        self.label_docs: Counter[str] = Counter()
        self.counts: dict[str, Counter[str]] = {}  # label -> span counts, token cells

    def add(self, a: _Side, b: _Side) -> None:
        self.documents += 1
        self.confusion.update(zip(a.tags, b.tags, strict=True))
        for label in a.by_label.keys() | b.by_label.keys():
            sa, sb = a.by_label.get(label, []), b.by_label.get(label, [])
            ca, cb = a.cover.get(label, set()), b.cover.get(label, set())
            both = len(ca & cb)
            self.label_docs[label] += 1
            self.counts.setdefault(label, Counter()).update({
                "spans_a": len(sa), "spans_b": len(sb),
                "exact": exact_matches(sa, sb), "overlap": overlap_matches(sa, sb),
                "both": both, "a_only": len(ca) - both, "b_only": len(cb) - both})

    def result(self, labels: Sequence[str]) -> tuple[PairScores, list[PairScores]]:
        conf = self.confusion
        labelled = Counter({k: v for k, v in conf.items() if k != (OUTSIDE, OUTSIDE)})
        n, n_labelled = conf.total(), labelled.total()
        rows = []
        for label in labels:
            c = self.counts.get(label, Counter())
            cells = {("L", "L"): c["both"], ("L", "-"): c["a_only"], ("-", "L"): c["b_only"]}
            # a token covered by L has a label, so it is among the labelled ones too
            said = sum(cells.values())
            rows.append(PairScores(
                label, self.label_docs[label], c["spans_a"], c["spans_b"], c["exact"],
                c["overlap"], n, n_labelled,
                cohen_kappa(cells | {("-", "-"): n - said}),
                cohen_kappa(cells | {("-", "-"): n_labelled - said})))
        overall = PairScores(
            None, self.documents,
            *(sum(getattr(row, key) for row in rows)
              for key in ("spans_a", "spans_b", "exact_matched", "overlap_matched")),
            n, n_labelled, cohen_kappa(conf), cohen_kappa(labelled))
        return overall, rows


class _GroupTally:
    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = labels
        self.annotators: set[str] = set()
        self.documents = 0
        self.spans: Counter[str | None] = Counter()
        self.label_docs: Counter[str] = Counter()
        self.tokens = self.tokens_labelled = 0
        self.all, self.labelled = Alpha(), Alpha()
        self.by_label = {label: (Alpha(), Alpha()) for label in labels}

    def add(self, sides: Mapping[str, _Side], n_tokens: int) -> None:
        self.documents += 1
        self.annotators |= sides.keys()
        m = len(sides)
        either: set[int] = set().union(*(s.labelled for s in sides.values()))
        self.tokens += n_tokens
        self.tokens_labelled += len(either)
        # units repeat ("C, C, O" again and again): each distinct one is added once, times n
        units = Counter(tuple(sorted(Counter(s.tags[i] for s in sides.values()).items()))
                        for i in either)
        for unit, times in units.items():
            self.all.add(dict(unit), times)
            self.labelled.add(dict(unit), times)
        self.all.add({OUTSIDE: m}, n_tokens - len(either))  # tokens everyone left unlabelled
        for label in self.labels:
            counts = Counter(i for s in sides.values() for i in s.cover.get(label, ()))
            used = sum(len(s.by_label.get(label, ())) for s in sides.values())
            self.spans[label] += used
            self.spans[None] += used
            self.label_docs[label] += 1 if used else 0
            every, labelled = self.by_label[label]
            for k, times in Counter(counts.values()).items():
                every.add({"L": k, "-": m - k}, times)
                labelled.add({"L": k, "-": m - k}, times)
            every.add({"-": m}, n_tokens - len(counts))
            labelled.add({"-": m}, len(either) - len(counts))

    def result(self) -> Group:
        overall = GroupScores(None, self.documents, self.spans[None], self.tokens,
                              self.tokens_labelled, self.all.alpha, self.labelled.alpha)
        rows = [GroupScores(label, self.label_docs[label], self.spans[label], self.tokens,
                            self.tokens_labelled, every.alpha, labelled.alpha)
                for label, (every, labelled) in self.by_label.items()]
        return Group(sorted(self.annotators), overall, rows)


def compute(documents: Iterable[tuple[str, Mapping[str, Iterable[SpanTuple]]]],
            labels: Sequence[str], *, annotators: Sequence[str] = (),
            single_documents: int = 0) -> Agreement:
    """Agreement over ``(text, {annotator: spans})`` pairs, one per document, where each
    annotator listed labelled the document. Spans whose label is not in ``labels`` are
    ignored; ``labels`` also orders the per-label rows."""
    wanted = set(labels)
    pairs: dict[tuple[str, str], _PairTally] = {}
    group = _GroupTally(labels)
    seen: set[str] = set(annotators)
    shared = 0
    for text, by_annotator in documents:
        if len(by_annotator) < 2:
            continue
        shared += 1
        toks = tokens(text)
        sides = {who: _Side(toks, sorted({s for s in spans if s[2] in wanted}))
                 for who, spans in by_annotator.items()}
        seen |= sides.keys()
        for a, b in combinations(sorted(sides), 2):
            pairs.setdefault((a, b), _PairTally()).add(sides[a], sides[b])
        if len(sides) >= 3:
            group.add(sides, len(toks))
    result = Agreement(sorted(seen), list(labels), shared, single_documents)
    for (a, b), tally in sorted(pairs.items()):
        overall, rows = tally.result(labels)
        result.pairs.append(Pair(a, b, overall, rows))
    if group.documents:
        result.group = group.result()
    return result


def labelled_documents(store: Store, annotators: Sequence[str] | None = None, *,
                       done_only: bool = False) -> dict[int, list[str]]:
    """Document id -> the annotators who labelled it (see the module docstring)."""
    allowed = set(annotators) if annotators else None
    status = {(d, who): st for d, who, st in store.conn.execute(
        "SELECT document_id, annotator, status FROM statuses")}
    found: dict[int, set[str]] = {}
    if not done_only:
        for doc_id, who in store.conn.execute(
                "SELECT DISTINCT document_id, annotator FROM spans"):
            if status.get((doc_id, who)) != "skipped":
                found.setdefault(doc_id, set()).add(who)
    for (doc_id, who), st in status.items():
        if st == "done":
            found.setdefault(doc_id, set()).add(who)
    return {d: sorted(w for w in whos if allowed is None or w in allowed)
            for d, whos in found.items()}


def agreement(store: Store, *, annotators: Sequence[str] | None = None,
              labels: Sequence[str] | None = None, done_only: bool = False,
              progress: Callable[[int, int], None] | None = None) -> Agreement:
    """Agreement between the annotators of a :class:`~annotui.core.store.Store`.

    ``annotators`` and ``labels`` restrict who and what is compared (default: everyone,
    every label); ``progress(done, total)`` is called after each shared document.
    Read-only: it runs beside an open reader or from a worker thread's own store.
    """
    names = list(labels) if labels else [label.name for label in store.labels()]
    by_doc = labelled_documents(store, annotators, done_only=done_only)
    order = store.document_ids()
    shared = [d for d in order if len(by_doc.get(d, ())) >= 2]
    single = sum(1 for whos in by_doc.values() if len(whos) == 1)
    everyone = sorted({who for whos in by_doc.values() for who in whos})

    def documents() -> Iterable[tuple[str, dict[str, list[SpanTuple]]]]:
        for n, doc_id in enumerate(shared, 1):
            whos = set(by_doc[doc_id])
            spans: dict[str, list[SpanTuple]] = {who: [] for who in whos}
            for span in store.spans(doc_id, everyone=True):
                if span.annotator in whos:
                    spans[span.annotator].append((span.start, span.end, span.label))
            yield store.document(doc_id).text, spans
            if progress is not None:
                progress(n, len(shared))

    return compute(documents(), names, annotators=everyone, single_documents=single)
