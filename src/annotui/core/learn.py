"""Learning from what is labelled: proposals from an annotator's own earlier spans.

Two light, pure-Python proposers, no model and no download:

* **The same text.** Every text the annotator labelled (edges trimmed to words, at least
  three characters) is looked for in the documents, case-insensitively and as whole
  words. Score: 1.0 for the same letters and case, 0.9 when only the case differs, times
  the share of that text's labels that were this label (a text labelled claim twice and
  commitment once proposes claim at 0.67 and commitment at 0.33).
* **Like a labelled sentence.** Spans of three words or more are compared with every
  sentence, and every clause of a sentence, of the documents: cosine similarity of TF-IDF
  weighted word unigrams and bigrams (case-folded), through an inverted index so a
  sentence is only compared with the spans it shares a word with. Score: the best cosine
  for that label. Near-identical sentences (a word changed, another tense) score high;
  where a sentence and a clause inside it both qualify, only the better one is proposed.

Scores below ``min_score`` are dropped. Places the annotator already labelled with that
label, and proposals rejected before, are skipped by ``add_suggestions``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import regex

from annotui.core.patterns import fits
from annotui.core.suggestions import Proposal
from annotui.core.text import clause_at, sentence_bounds

if TYPE_CHECKING:
    from annotui.core.store import Store

__all__ = ["cosine", "features", "learn", "tokens"]

# words for comparing texts: letters and digits with their marks, joined by an inner
# apostrophe or hyphen (as annotui's word rules join them); offsets are checked against
# the real word rules before anything is proposed
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’\-‐‑][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*")
MIN_WORDS = 3        # a span shorter than this is a phrase: matched as text, not as a sentence
MIN_TEXT = 3         # shorter texts ("a", "EU") would be proposed everywhere
EXCERPT = 40


def tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The words of ``text[start:end]`` as (start, end) offsets into ``text``."""
    return [m.span() for m in _WORD.finditer(text, start, len(text) if end is None else end)]


def features(words: Sequence[str]) -> Counter[str]:
    """Case-folded unigrams and bigrams of a text's words, with counts."""
    folded = [w.casefold() for w in words]
    grams: Counter[str] = Counter(folded)
    grams.update(f"{a} {b}" for a, b in zip(folded, folded[1:], strict=False))
    return grams


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two sparse vectors (0 when either is empty)."""
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(slots=True)
class _Example:
    label: str
    text: str
    where: str           # the document key, for the detail


@dataclass(slots=True)
class _Unit:
    doc_id: int
    start: int
    end: int
    grams: Counter[str]


def learn(store: Store, doc_ids: Sequence[int] | None = None, *, min_score: float = 0.5,
          progress: Callable[[int, int], None] | None = None) -> int:
    """Propose spans to ``store.annotator`` from their own labels; returns how many."""
    examples = list(_examples(store))
    if not examples:
        return 0
    ids = list(doc_ids) if doc_ids is not None else store.document_ids()
    phrases = _phrases(examples)
    models = [e for e in examples if len(tokens(e.text)) >= MIN_WORDS]
    units: list[_Unit] = []
    found: dict[int, list[Proposal]] = {}
    for n, doc_id in enumerate(ids):
        text = store.document(doc_id).text
        found[doc_id] = list(_same_text(text, phrases, min_score))
        if models:
            units.extend(_units(doc_id, text))
        if progress:
            progress(n + 1, len(ids))
    if models:
        for doc_id, proposals in _similar(models, units, min_score).items():
            found.setdefault(doc_id, []).extend(proposals)
    added = 0
    with store.transaction():  # all or nothing: the proposals of one run stand together
        for doc_id in ids:
            if found.get(doc_id):
                added += store.add_suggestions(doc_id, _best(found[doc_id]))
    return added


def _best(proposals: list[Proposal]) -> list[Proposal]:
    """The best first; a weaker proposal overlapping a kept one of its label goes (a
    sentence around a clause, a sentence around a labelled text found again)."""
    kept: list[Proposal] = []
    for p in sorted(proposals, key=lambda p: (-p.score, p.start, p.end)):
        if not any(k.label == p.label and k.start < p.end and p.start < k.end for k in kept):
            kept.append(p)
    return kept


def _examples(store: Store) -> Iterator[_Example]:
    """The annotator's spans, with their texts (one query, documents read as needed)."""
    rows = store.conn.execute(
        'SELECT spans.document_id, spans.start, spans."end", labels.name, documents.key'
        " FROM spans JOIN labels ON labels.id = spans.label_id"
        " JOIN documents ON documents.id = spans.document_id"
        " WHERE spans.annotator = ? ORDER BY spans.document_id", (store.annotator,)).fetchall()
    text, current = "", None
    for doc_id, start, end, label, key in rows:
        if doc_id != current:
            text, current = store.document(doc_id).text, doc_id
        yield _Example(label, text[start:end], key)


# -- the same text ----------------------------------------------------------------------


@dataclass(slots=True)
class _Phrase:
    words: int
    first: str                    # its first word, case-folded
    spelling: Counter[str]        # the texts as labelled (white space collapsed)
    labels: Counter[str]


def _phrases(examples: Sequence[_Example]) -> dict[str, _Phrase]:
    """Labelled texts by their case-folded key; edges trimmed to the first/last word."""
    out: dict[str, _Phrase] = {}
    for example in examples:
        words = tokens(example.text)
        if not words:
            continue
        core = example.text[words[0][0]:words[-1][1]]
        key = _key(core)
        if len(key) < MIN_TEXT:
            continue
        first = core[: words[0][1] - words[0][0]].casefold()
        phrase = out.setdefault(key, _Phrase(len(words), first, Counter(), Counter()))
        phrase.spelling[" ".join(core.split())] += 1
        phrase.labels[example.label] += 1
    return out


def _same_text(text: str, phrases: dict[str, _Phrase], min_score: float
               ) -> Iterator[Proposal]:
    """Every run of whole words whose case-folded text is a labelled text."""
    if not phrases:
        return
    lengths = sorted({phrase.words for phrase in phrases.values()})
    first = {phrase.first for phrase in phrases.values()}  # most words start none
    words = tokens(text)
    for i in range(len(words)):
        if text[words[i][0]:words[i][1]].casefold() not in first:
            continue
        for n in lengths:
            if i + n > len(words):
                break
            start, end = words[i][0], words[i + n - 1][1]
            phrase = phrases.get(_key(text[start:end]))
            if phrase is None or not fits(text, start, end):
                continue
            exact = " ".join(text[start:end].split()) in phrase.spelling
            total = sum(phrase.labels.values())
            for label, count in phrase.labels.items():
                score = (1.0 if exact else 0.9) * count / total
                if score >= min_score:
                    yield Proposal(start, end, label, "learn",
                                   f"same text labelled {label} {count}×", round(score, 3))


# -- like a labelled sentence -------------------------------------------------------------


def _units(doc_id: int, text: str) -> Iterator[_Unit]:
    """The sentences of a document, and the clauses of those that have several."""
    for ss, se in sentence_bounds(text, 0, len(text)):
        yield from _unit(doc_id, text, ss, se)
        clauses = []
        pos = ss
        while pos < se:
            cs, ce = clause_at(text, pos)
            if ce <= pos or cs >= se:
                break
            clauses.append((max(cs, ss), min(ce, se)))
            pos = ce
        if len(clauses) > 1:
            for cs, ce in clauses:
                yield from _unit(doc_id, text, cs, ce)


_END = frozenset(".!?…。！？")


def _unit(doc_id: int, text: str, start: int, end: int) -> Iterator[_Unit]:
    """A sentence or clause from its first word to its last, and the full stop after it:
    a quotation mark or dash the splitter left at an edge is no part of a claim."""
    words = tokens(text, start, end)
    if len(words) >= MIN_WORDS:
        start, end = words[0][0], words[-1][1]
        if end < len(text) and text[end] in _END:
            end += 1
        yield _Unit(doc_id, start, end, features([text[s:e] for s, e in words]))


def _similar(models: Sequence[_Example], units: Sequence[_Unit], min_score: float
             ) -> dict[int, list[Proposal]]:
    grams = [features([m.text[s:e] for s, e in tokens(m.text)]) for m in models]
    df: Counter[str] = Counter()
    for unit in units:
        df.update(unit.grams.keys())
    for g in grams:
        df.update(g.keys())
    total = len(units) + len(grams)

    def weigh(counts: Counter[str]) -> dict[str, float]:
        return {t: c * (math.log((1 + total) / (1 + df[t])) + 1) for t, c in counts.items()}

    postings: dict[str, list[tuple[int, float]]] = {}
    norms = []
    for i, g in enumerate(grams):
        vector = weigh(g)
        norms.append(math.sqrt(sum(w * w for w in vector.values())))
        for term, weight in vector.items():
            postings.setdefault(term, []).append((i, weight))
    best: dict[int, list[tuple[float, int, int, str, int]]] = {}  # per document
    for unit in units:
        vector = weigh(unit.grams)
        norm = math.sqrt(sum(w * w for w in vector.values()))
        dots: dict[int, float] = {}
        for term, weight in vector.items():
            for i, w in postings.get(term, ()):
                dots[i] = dots.get(i, 0.0) + weight * w
        top: dict[str, tuple[float, int]] = {}
        for i, dot in dots.items():
            score = dot / (norm * norms[i])
            label = models[i].label
            if score >= min_score and score > top.get(label, (0.0, -1))[0]:
                top[label] = (score, i)
        for label, (score, i) in top.items():
            best.setdefault(unit.doc_id, []).append(
                (min(score, 1.0), unit.start, unit.end, label, i))
    out: dict[int, list[Proposal]] = {}
    for doc_id, candidates in best.items():
        for score, start, end, label, i in candidates:
            model = models[i]
            excerpt = " ".join(model.text.split())
            if len(excerpt) > EXCERPT:
                excerpt = excerpt[: EXCERPT - 1] + "…"
            out.setdefault(doc_id, []).append(Proposal(
                start, end, label, "learn", f"like “{excerpt}” in {model.where}",
                round(score, 3)))
    return out
