"""Consistency checks: the places where an annotator's labels disagree with themselves.

Pure Python, no Textual: ``annotui check`` prints the findings and a screen lists them
(run :func:`check` in a worker, on the worker's own :class:`Store`). Each finding names
a document and a code-point range, so a caller can jump to it. The rules (the README
repeats them):

* Each annotator is checked against themselves only; where two annotators differ is
  ``annotui agree``'s and ``annotui review``'s business.
* **Words** are annotui's words (what ``w`` moves by), split at the hyphens and
  apostrophes inside them ("Azerbaijan’s" is "Azerbaijan" + "s", so labelling
  "Azerbaijan" cuts nothing), and with Han, kana, Thai, Lao, Khmer and Myanmar split into
  characters: those scripts have no spaces, so a span may start or end between any two
  characters. Punctuation and emoji are not words.
* ``cuts-word`` (error): a span edge inside a word, or inside a character (a letter and
  its accents, an emoji with its modifiers). Such spans are left out of the text checks.
* ``whitespace`` (error): a span starting or ending with white space (``str.isspace``,
  as annotui's own trimming) or a zero-width space, word joiner or BOM.
* ``same-label-overlap`` (warning): two spans with the same label sharing a character
  (one inside the other included).
* ``label-conflict`` (warning): the same text labelled differently in different places.
  "The same text" is the span's words and what lies between them, with leading and
  trailing punctuation dropped, case folded and white space runs made one space. A
  place's labels are all the labels on that text there; the places whose labels differ
  from the most common choice are reported (every place, on a tie).
* ``unlabelled-occurrence`` (info): a text labelled somewhere (``min_count`` times,
  default once) occurs as whole words, unlabelled, in a document the annotator labelled
  (has a span in and did not skip, or marked done). Not reported: an occurrence covered
  by a span with one of the text's labels, one inside a longer unlabelled occurrence,
  and texts too short or common to mean anything (fewer than 3 letters or digits, a Han
  or kana character counting 2; or English function words only, "of the").

Memory grows with the number of distinct labelled texts, not with the corpus: the
documents are read one at a time, twice (once for what is labelled, once to check).
"""

from __future__ import annotations

import heapq
import json
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple

import regex

from annotui.core.agreement import _HAS_UNSPACED
from annotui.core.agreement import _UNSPACED as _UNSPACED_CLASS
from annotui.core.display import one_line
from annotui.core.model import Span
from annotui.core.segment import is_grapheme_boundary, next_grapheme, prev_grapheme
from annotui.core.spans import SpanIndex
from annotui.core.text import LineIndex
from annotui.core.wordparts import PART, PART_REV, PREPEND, word_part_at
from annotui.core.wordparts import parts as _parts

if TYPE_CHECKING:
    from annotui.core.store import Store

KINDS = ("label-conflict", "unlabelled-occurrence", "cuts-word", "whitespace",
         "same-label-overlap")
SEVERITY = {"cuts-word": "error", "whitespace": "error", "same-label-overlap": "warning",
            "label-conflict": "warning", "unlabelled-occurrence": "info"}
DESCRIPTIONS = {
    "label-conflict": "the same text labelled differently elsewhere",
    "unlabelled-occurrence": "text labelled elsewhere, not here",
    "cuts-word": "a span edge inside a word or a character",
    "whitespace": "a span starting or ending with white space",
    "same-label-overlap": "two spans with the same label overlapping",
}
MIN_WEIGHT = 3  # letters and digits a text needs to be searched for (Han/kana count 2)
# texts made of these words only are too common to look for (English only, for now)
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has",
    "have", "he", "her", "his", "i", "if", "in", "is", "it", "its", "no", "nor", "not", "of",
    "on", "or", "our", "she", "so", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "was", "we", "were", "which", "who", "will",
    "with", "you", "your"
})

_ALNUM = regex.compile(r"[\p{L}\p{N}]")
_UNSPACED = regex.compile(_UNSPACED_CLASS)  # each counts twice towards MIN_WEIGHT
# invisible characters that str.isspace() does not know but that trim should have
_INVISIBLE = {"\u200b": "zero-width space", "\u2060": "word joiner", "\ufeff": "BOM"}
_NAMES = {" ": "space", "\t": "tab", "\n": "newline", "\u00a0": "no-break space",
          "\u3000": "ideographic space", **_INVISIBLE}


class Place(NamedTuple):
    """Where something is: a document and a code-point range."""

    document_id: int
    document_key: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Finding:
    """One inconsistency, at ``[start, end)`` of a document (code points)."""

    kind: str  # one of KINDS: a stable id
    severity: str  # "error", "warning" or "info" (SEVERITY)
    document_id: int
    document_key: str
    start: int
    end: int
    line: int  # 1-based line of ``start``
    annotator: str
    label: str | None  # the span's label, or the label the text has elsewhere
    span_id: int | None  # the span at fault; None for an unlabelled occurrence
    message: str  # one line, control characters shown as symbols
    excerpt: str  # text[start:end] on one line, shortened, made visible
    text: str  # text[start:end] exactly
    related: Place | None = field(default=None)  # the other span, or an example elsewhere

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``annotui check --format jsonl``: ``document`` is the key."""
        r = self.related
        return {"kind": self.kind, "severity": self.severity, "document": self.document_key,
                "document_id": self.document_id, "start": self.start, "end": self.end,
                "line": self.line, "annotator": self.annotator, "label": self.label,
                "span_id": self.span_id, "message": self.message, "excerpt": self.excerpt,
                "text": self.text,
                "related": r and {"document": r.document_key, "document_id": r.document_id,
                                  "start": r.start, "end": r.end}}


class _Core(NamedTuple):
    """The words of a span: where they start and end, and the text they make."""

    start: int
    end: int
    norm: str  # case folded, white space runs made one space: "the same text"
    first: str  # the first and last words, case folded: the scan's index
    last: str
    n: int  # words
    searchable: bool  # long and uncommon enough to look for elsewhere


@dataclass(slots=True)
class _Form:
    """A labelled text: how often each set of labels was put on it, and where first."""

    core: _Core  # of its first place
    sets: Counter[frozenset[str]] = field(default_factory=Counter)
    example: dict[frozenset[str], Place] = field(default_factory=dict)


def _norm(s: str) -> str:
    return " ".join(s.casefold().split())


def _cuts(text: str, start: int, end: int) -> str | None:
    """How ``[start, end)`` cuts a character or a word, or None."""
    said = []
    for edge, where in ((start, "starts"), (end, "ends")):
        if not is_grapheme_boundary(text, edge):
            a, b = prev_grapheme(text, edge), next_grapheme(text, edge)
            said.append(f"{where} inside the character “{one_line(text[a:b], 20)}”")
            continue
        t = word_part_at(text, edge) if 0 < edge < len(text) else None
        if t and t[0] < edge:
            said.append(f"{where} inside the word “{one_line(text[t[0]:t[1]], 30)}”")
    return " and ".join(said) or None


def _junk(ch: str) -> bool:
    return ch.isspace() or ch in _INVISIBLE


def _describe(run: str) -> str:
    def name(ch: str) -> str:
        return _NAMES.get(ch) or unicodedata.name(ch, f"U+{ord(ch):04X}").lower()

    if len(set(run)) == 1:
        return f"a {name(run[0])}" if len(run) == 1 else f"{len(run)} {name(run[0])}s"
    return f"white space ({', '.join(dict.fromkeys(map(name, run)))})"


def _whitespace(piece: str) -> str | None:
    """What white space a span's text starts and ends with, or None."""
    lead = next((i for i, ch in enumerate(piece) if not _junk(ch)), None)
    if lead is None:
        return "holds only white space"
    trail = next(i for i, ch in enumerate(reversed(piece)) if not _junk(ch))
    said = [f"starts with {_describe(piece[:lead])}"] if lead else []
    said += [f"ends with {_describe(piece[len(piece) - trail:])}"] if trail else []
    return " and ".join(said) or None


def _heavy(text: str, start: int, end: int) -> bool:
    """Whether the text has MIN_WEIGHT letters and digits (unspaced scripts count 2);
    the first few characters usually say so."""
    for hi in (min(end, start + 8), end):
        found = _ALNUM.findall(text, start, hi)
        if len(found) + len(_UNSPACED.findall(text, start, hi)) >= MIN_WEIGHT:
            return True
    return False


def _core(text: str, start: int, end: int) -> _Core | None:
    """The words of ``[start, end)``, or None if it has none (punctuation, emoji)."""
    if PREPEND.search(text, start, end) or _HAS_UNSPACED.search(text, start, end):
        spans = list(_parts(text, start, end))
        words = [text[s:e].casefold() for s, e in spans]
        cs, ce = (spans[0][0], spans[-1][1]) if spans else (0, 0)
    else:  # the words are the regex's matches: let it find them at C speed
        words = [w.casefold() for w in PART.findall(text, start, end)]
        if words:
            cs = PART.search(text, start, end).start()  # type: ignore[union-attr]
            ce = PART_REV.search(text, start, end).end()  # type: ignore[union-attr]
    if not words:
        return None
    searchable = _heavy(text, cs, ce) and not all(w in STOP_WORDS for w in words)
    return _Core(cs, ce, _norm(text[cs:ce]), words[0], words[-1], len(words), searchable)


def _excerpt(piece: str, limit: int = 40) -> str:
    """``piece`` on one line, shortened in the middle: both edges stay in sight."""
    flat = one_line(piece, len(piece) * 3 + 1)
    if len(flat) <= limit:
        return flat
    half = (limit - 1) // 2
    return f"{flat[:half]}…{flat[len(flat) - (limit - 1 - half):]}"


def _quote(label: str, piece: str) -> str:
    return f"{one_line(label, 30)} “{_excerpt(piece)}”"


def _where(place: Place, doc_id: int) -> str:
    """An example place, for a message in document ``doc_id``."""
    where = "" if place.document_id == doc_id else f" {one_line(place.document_key, 30)}"
    return f"first{where} at {place.start}–{place.end}"


def _labels(labels: frozenset[str]) -> str:
    return one_line(" + ".join(sorted(labels)), 40)


def _elsewhere(sets: list[tuple[frozenset[str], int]]) -> str:
    """"claim in 3 other places, commitment in 1", the most common first."""
    said = [f"{_labels(labels)} in {c}" for labels, c in sets[:3]]
    said[0] += f" other place{'' if sets[0][1] == 1 else 's'}"
    return ", ".join(said) + (", …" if len(sets) > 3 else "")


# a finding before its line is known: kind, start, end, annotator, label, span, message,
# related place
_Raw = tuple[str, int, int, str, "str | None", "int | None", str, "Place | None"]
_RANK = {kind: n for n, kind in enumerate(KINDS)}


def _order(raw: _Raw) -> tuple[int, int, int, str, int]:
    """Findings in text order; at one place, in the order of KINDS."""
    return raw[1], raw[2], _RANK[raw[0]], raw[3], raw[5] or 0


# a document's labelled texts of one annotator: word range -> its words, the spans on it
_Places = dict[tuple[int, int], tuple[_Core, list[Span]]]


class _Checker:
    """The two passes of :func:`check`: ``learn`` each labelled document, then
    ``build_index`` and ``check`` each document findings are wanted in."""

    def __init__(self, store: Store, who: list[str] | None, kinds: set[str],
                 min_count: int) -> None:
        self.store, self.who, self.kinds, self.min_count = store, who, kinds, min_count
        self.text_checks = bool(kinds & {"label-conflict", "unlabelled-occurrence"})
        self.forms: dict[tuple[str, str], _Form] = {}  # (annotator, norm) -> form
        # first word -> number of words -> last word -> norm -> annotators who labelled it
        self.index: dict[str, dict[int, dict[str, dict[str, list[str]]]]] = {}
        self.longest = 0

    def spans(self, doc_id: int) -> dict[str, list[Span]]:
        out: dict[str, list[Span]] = {}
        for span in self.store.spans(doc_id, everyone=True):
            if self.who is None or span.annotator in self.who:
                out.setdefault(span.annotator, []).append(span)
        return out

    @staticmethod
    def places(text: str, spans: list[Span]) -> _Places:
        """The labelled texts of one annotator's spans, by word range; spans that cut a
        word are left out (fixing them comes first)."""
        out: _Places = {}
        for span in spans:
            if _cuts(text, span.start, span.end) is None and (
                    core := _core(text, span.start, span.end)):
                out.setdefault((core.start, core.end), (core, []))[1].append(span)
        return out

    def learn(self, doc_id: int, key: str, text: str) -> None:
        """Pass 1: add a document's labelled texts to the forms."""
        for who, spans in self.spans(doc_id).items():
            for (cs, ce), (core, on) in self.places(text, spans).items():
                form = self.forms.setdefault((who, core.norm), _Form(core))
                labels = frozenset(s.label for s in on)
                form.sets[labels] += 1
                form.example.setdefault(labels, Place(doc_id, key, cs, ce))

    def build_index(self) -> None:
        for (who, norm), form in self.forms.items():
            core = form.core
            if core.searchable and form.sets.total() >= self.min_count:
                by_n = self.index.setdefault(core.first, {}).setdefault(core.n, {})
                by_n.setdefault(core.last, {}).setdefault(norm, []).append(who)
                self.longest = max(self.longest, core.n)

    def check(self, doc_id: int, key: str, text: str) -> Iterator[Finding]:
        """Pass 2: every finding of one document, in text order."""
        found: list[_Raw] = []
        by_who = self.spans(doc_id)
        places: dict[str, _Places] = {}
        for who, spans in by_who.items():
            for span in spans:
                piece = text[span.start:span.end]
                said = [("cuts-word", _cuts(text, span.start, span.end)),
                        ("whitespace", _whitespace(piece))]
                found += [(kind, span.start, span.end, who, span.label, span.id,
                           f"{_quote(span.label, piece)} {how}", None)
                          for kind, how in said if how and kind in self.kinds]
            if "same-label-overlap" in self.kinds:
                found += self.overlaps(doc_id, key, text, who, spans)
            if self.text_checks:
                places[who] = self.places(text, spans)
            if "label-conflict" in self.kinds:
                found += self.conflicts(doc_id, who, text, places[who])
        found.sort(key=_order)
        stream: Iterable[_Raw] = found
        if "unlabelled-occurrence" in self.kinds and self.index:
            statuses = self.store.statuses(doc_id)
            # whoever labelled this document: has a span here and did not skip it, or
            # marked it done (the agreement's rule)
            worked = {w for w in by_who if statuses.get(w) != "skipped"} | {
                w for w, st in statuses.items()
                if st == "done" and (self.who is None or w in self.who)}
            if worked:
                # a labelled word can occur without bound: those findings are streamed,
                # the others (a few per span at most) merged in
                unlabelled = self.unlabelled(doc_id, text, worked, by_who, places)
                stream = heapq.merge(found, unlabelled, key=_order)
        lines: LineIndex | None = None
        for kind, s, e, who, label, span_id, said, related in stream:
            lines = lines or LineIndex(text)
            yield Finding(kind, SEVERITY[kind], doc_id, key, s, e, lines.line_of(s) + 1, who,
                          label, span_id, said, _excerpt(text[s:e], 60), text[s:e], related)

    @staticmethod
    def overlaps(doc_id: int, key: str, text: str, who: str, spans: list[Span]
                 ) -> list[_Raw]:
        """Each span overlapping an earlier one with its label (a sweep by start)."""
        out: list[_Raw] = []
        reach: Span | None = None  # of the spans so far with this label, the furthest
        for span in sorted(spans, key=lambda s: (s.label, s.start, s.end, s.id)):
            if reach is None or reach.label != span.label or reach.end <= span.start:
                reach = span
                continue
            how = ("inside" if span.end <= reach.end else
                   "contains" if span.start == reach.start else "overlaps")
            piece = text[span.start:span.end]
            out.append(("same-label-overlap", span.start, span.end, who, span.label, span.id,
                        f"{_quote(span.label, piece)} {how} another {one_line(span.label, 30)}"
                        f" span ({reach.start}–{reach.end})",
                        Place(doc_id, key, reach.start, reach.end)))
            if span.end > reach.end:
                reach = span
        return out

    def conflicts(self, doc_id: int, who: str, text: str, places: _Places) -> list[_Raw]:
        """The places whose labels differ from the most common choice for their text."""
        out: list[_Raw] = []
        for (cs, ce), (core, on) in places.items():
            form = self.forms.get((who, core.norm))
            if form is None or len(form.sets) < 2:
                continue
            here = frozenset(s.label for s in on)
            top = max(form.sets.values())
            if form.sets[here] == top and list(form.sets.values()).count(top) == 1:
                continue  # the majority's choice
            others = [(labels, c) for labels, c in form.sets.most_common() if labels != here]
            elsewhere = _elsewhere(others)
            example = form.example[others[0][0]]
            span = on[0]
            out.append(("label-conflict", span.start, span.end, who, span.label, span.id,
                        f"“{_excerpt(text[cs:ce])}”: {_labels(here)} here, {elsewhere}"
                        f" ({_where(example, doc_id)})", example))
        return out

    def occurrences(self, text: str) -> Iterator[tuple[int, int, str, list[str]]]:
        """Every place where a searchable labelled text occurs as whole words:
        (start, end, norm, annotators who labelled it). One pass over the words, keeping
        the last ``longest`` of them; a word that starts a labelled text is looked at
        once the words after it are known."""
        recent: deque[tuple[int, int, str]] = deque(maxlen=self.longest)
        waiting: deque[int] = deque()  # numbers of the words that start a labelled text
        n = -1
        for n, (s, e) in enumerate(_parts(text)):
            folded = text[s:e].casefold()
            recent.append((s, e, folded))
            if folded in self.index:
                waiting.append(n)
            if waiting and n - waiting[0] + 1 == self.longest:
                yield from self.match(text, recent, 0)
                waiting.popleft()
        for i in waiting:  # the last words of the text
            yield from self.match(text, recent, len(recent) - 1 - (n - i))

    def match(self, text: str, recent: deque[tuple[int, int, str]], i: int
              ) -> Iterator[tuple[int, int, str, list[str]]]:
        """The labelled texts starting at the word ``recent[i]``."""
        s0, _, f0 = recent[i]
        for n, by_last in self.index[f0].items():
            if i + n <= len(recent):
                _, ce, last = recent[i + n - 1]
                texts = by_last.get(last)  # most candidates end with another word
                if texts and (norm := _norm(text[s0:ce])) in texts:
                    yield s0, ce, norm, texts[norm]

    def unlabelled(self, doc_id: int, text: str, worked: set[str],
                   by_who: dict[str, list[Span]], places: dict[str, _Places]
                   ) -> Iterator[_Raw]:
        """The occurrences nobody labelled, in order; those at one word are sorted
        together (the occurrences come by start, longest not first)."""
        indexes = {who: SpanIndex(spans) for who, spans in by_who.items()}
        reach: dict[str, int] = {}  # the end of the last occurrence kept, per annotator
        at, group = -1, []
        end: list[tuple[int, int, str, list[str]]] = [(len(text) + 1, 0, "", [])]
        for s, e, norm, whos in chain(self.occurrences(text), end):  # end: the last group
            if s != at:
                kept = []
                for who, cs, ce, n in sorted(group, key=lambda h: (h[0], -h[2])):
                    if ce > reach.get(who, -1):  # not inside a longer one
                        reach[who] = ce
                        kept.append(self.unlabelled_at(doc_id, text, who, cs, ce, n,
                                                       indexes.get(who), places.get(who)))
                yield from sorted(filter(None, kept), key=_order)
                at, group = s, []
            group += [(who, s, e, norm) for who in whos if who in worked]

    def unlabelled_at(self, doc_id: int, text: str, who: str, cs: int, ce: int, norm: str,
                      index: SpanIndex | None, places: _Places | None) -> _Raw | None:
        """The finding for an occurrence, unless it is labelled after all."""
        if places and (cs, ce) in places:
            return None  # labelled here (differently: then a label-conflict says so)
        form = self.forms[(who, norm)]
        labels = frozenset().union(*form.sets)
        if index and any(s.start <= cs and ce <= s.end and s.label in labels
                         for s in index.overlapping(cs, ce)):
            return None  # inside a longer span with one of its labels
        votes: Counter[str] = Counter()
        for on, c in form.sets.items():
            votes.update(dict.fromkeys(on, c))
        example = form.example[form.sets.most_common(1)[0][0]]
        return ("unlabelled-occurrence", cs, ce, who, votes.most_common(1)[0][0], None,
                f"“{_excerpt(text[cs:ce])}” unlabelled here,"
                f" {_elsewhere(form.sets.most_common())} ({_where(example, doc_id)})",
                example)


def check(store: Store, *, annotator: str | None = None, everyone: bool = False,
          documents: Iterable[int] | None = None, kinds: Iterable[str] | None = None,
          min_count: int = 1, progress: Callable[[int, int], None] | None = None
          ) -> Iterator[Finding]:
    """The findings of the consistency checks, by document (corpus order) then offset.

    ``annotator`` is whose spans are checked (default the store's), or ``everyone``:
    each annotator against themselves. ``documents`` (ids) limits where findings are
    looked for; what is labelled in the other documents still counts. ``kinds`` picks
    checks (default all of KINDS); ``min_count`` is how many places a text must be
    labelled in before its unlabelled occurrences are reported. ``progress(done,
    total)`` counts the documents read (those someone in scope labelled, up to twice).
    Read-only; a generator, so findings come as each document is checked.
    """
    chosen = set(KINDS if kinds is None else kinds)
    if unknown := chosen - set(KINDS):
        raise ValueError(f"unknown check {sorted(unknown)[0]!r} (one of {', '.join(KINDS)})")
    who = None if everyone else [annotator or store.annotator]
    checker = _Checker(store, who, chosen, max(1, min_count))
    scope, args = ("", []) if who is None else (" AND annotator = ?", who)
    labelled = f"id IN (SELECT document_id FROM spans WHERE 1{scope})"
    # findings are looked for where someone in scope has a span or marked it done
    wanted = (f"({labelled} OR id IN (SELECT document_id FROM statuses"
              f" WHERE status = 'done'{scope}))")
    wanted_args = [*args, *args]
    if documents is not None:
        wanted += " AND id IN (SELECT value FROM json_each(?))"
        wanted_args.append(json.dumps(list(documents)))
    passes = [(labelled, args)] if checker.text_checks else []
    passes.append((wanted, wanted_args))
    conn = store.conn
    total = sum(conn.execute(f"SELECT count(*) FROM documents WHERE {where}", a).fetchone()[0]
                for where, a in passes) if progress else 0
    done = 0
    for n, (where, a) in enumerate(passes, 1):
        last = n == len(passes)
        if last:
            checker.build_index()
        # one cursor over the documents, one text in memory at a time
        rows = conn.execute(f"SELECT id, key, text FROM documents WHERE {where}"
                            " ORDER BY position", a)
        for doc_id, key, text in rows:
            if last:
                yield from checker.check(doc_id, key, text)
            else:
                checker.learn(doc_id, key, text)
            done += 1
            if progress:
                progress(done, total)


__all__ = ["DESCRIPTIONS", "KINDS", "SEVERITY", "Finding", "Place", "check"]
