"""Suggestions: proposed spans, kept apart from labels until a person decides.

A suggestion is a row of ``suggestions`` (schema migration 2), never of ``spans``: the
exports, agreement, review and merge read spans only, so nothing proposed can be taken
for a label. It is made for one annotator, by a ``source`` (``pattern``, ``propagate`` or
``learn``) with a ``detail`` saying why and a ``score``, and its ``status`` goes from
``open`` to ``accepted`` or ``rejected``.

Accepting makes an ordinary span of the person accepting and rejecting records the
decision; both are one transaction with one ``accept``/``reject`` event, which undo and
redo reverse like any other change (:mod:`annotui.core.history`). A decided row stays:
the unique index on (document, start, end, label, annotator) means a re-run of the same
patterns adds nothing, and a rejected proposal is never made again.

:class:`SuggestionsMixin` is a mixin of :class:`annotui.core.store.Store`.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, NamedTuple

from annotui.core import history
from annotui.core.history import now
from annotui.core.schema import StoreError

if TYPE_CHECKING:
    from annotui.core.model import Document, Span
    from annotui.core.patterns import Pattern

__all__ = ["SOURCES", "SUGGESTION_STATUSES", "Proposal", "Suggestion", "SuggestionsMixin",
           "suggestions_for_export"]

SOURCES = ("pattern", "propagate", "learn")
SUGGESTION_STATUSES = ("open", "accepted", "rejected")
COLUMNS = ('suggestions.id, suggestions.document_id, suggestions.start, suggestions."end",'
           " labels.name, suggestions.annotator, suggestions.source, suggestions.detail,"
           " suggestions.score, suggestions.status, suggestions.span_id,"
           " suggestions.created_at, suggestions.updated_at")
FROM = "suggestions JOIN labels ON labels.id = suggestions.label_id"
ORDER = 'suggestions.start, suggestions."end", labels.position, suggestions.id'

Progress = Callable[[int, int], None]  # (documents done, documents in all)


class Suggestion(NamedTuple):
    """A proposed span: code points, ``start`` inclusive, ``end`` exclusive."""

    id: int
    document_id: int
    start: int
    end: int
    label: str
    annotator: str       # whom it is proposed to
    source: str          # pattern, propagate or learn
    detail: str          # why: "p.toml:3 'we will'", "span 12", "like “…” (0.83)"
    score: float         # 0-1; patterns and propagation 1.0
    status: str          # open, accepted or rejected
    span_id: int | None  # the span an accept made (or found already there)
    created_at: str = ""
    updated_at: str = ""


class Proposal(NamedTuple):
    """What a proposer hands :meth:`SuggestionsMixin.add_suggestions`."""

    start: int
    end: int
    label: str
    source: str
    detail: str = ""
    score: float = 1.0


class SuggestionsMixin:
    conn: sqlite3.Connection
    annotator: str

    if TYPE_CHECKING:  # provided by Store and LabelsMixin; declared for the type checker
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _event(self, action: str, document_id: int | None, span_id: int | None = None,
                   before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                   ref: int | None = None) -> int: ...
        def label_id(self, name: str) -> int: ...
        def document(self, doc_id: int) -> Document: ...
        def document_ids(self) -> list[int]: ...
        def span(self, span_id: int) -> Span: ...
        def spans(self, doc_id: int, annotator: str | None = None, *, everyone: bool = False,
                  ordered: bool = True, timestamps: bool = True) -> list[Span]: ...

    # -- proposing ------------------------------------------------------------------

    def add_suggestions(self, doc_id: int, proposals: Iterable[Proposal | Sequence[Any]], *,
                        annotator: str | None = None, text: str | None = None) -> int:
        """Propose spans on a document to ``annotator`` (default: me); one transaction.

        Each proposal is ``(start, end, label, source, detail, score)``. Edges are widened
        to whole grapheme clusters. Skipped, so that a re-run adds nothing: a place
        already proposed with that label (open, accepted or rejected) and a place
        overlapping a span of that label the annotator already has. Unknown labels and
        ranges outside the text raise :class:`StoreError`. Returns how many were added.
        ``text``: the document's text, when the caller has it already.
        """
        # here, not at the top: the Store imports this module, and the segmentation
        # tables cost every command that never proposes anything a few dozen ms
        from annotui.core.text import snap_to_graphemes

        who = annotator or self.annotator
        items = [Proposal(*p) for p in proposals]
        if not items:
            return 0
        rows = []
        stamp = now()
        with self.transaction() as conn:
            if text is None:
                text = self.document(doc_id).text
            mine = _Labelled(self.spans(doc_id, who, ordered=False))
            label_ids: dict[str, int] = {}
            for start, end, label, source, detail, score in items:
                if not 0 <= start < end <= len(text):
                    raise StoreError(f"suggestion {start}-{end} is outside the text"
                                     f" (0-{len(text)}) or empty")
                if source not in SOURCES:
                    raise StoreError(f"unknown suggestion source {source!r}")
                if label not in label_ids:
                    label_ids[label] = self.label_id(label)
                start, end = snap_to_graphemes(text, start, end)
                if mine.overlaps(label, start, end):
                    continue
                rows.append((doc_id, start, end, label_ids[label], who, source, detail,
                             float(score), stamp, stamp))
            before = conn.total_changes
            conn.executemany(
                'INSERT OR IGNORE INTO suggestions (document_id, start, "end", label_id,'
                " annotator, source, detail, score, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            added = conn.total_changes - before
            if added:
                # not undoable (nothing is labelled), but logged like every change
                self._event("suggest", doc_id, after={
                    "annotator": who, "added": added,
                    "sources": sorted({row[5] for row in rows})})
        return added

    def clear_suggestions(self, doc_id: int | None = None, *, source: str | None = None,
                          annotator: str | None = None) -> int:
        """Withdraw the OPEN suggestions to ``annotator`` (default: me) on a document (or
        all), optionally of one source, so a changed pattern file can be run afresh.
        Decided ones stay: a rejection is remembered. Returns how many were withdrawn."""
        who = annotator or self.annotator
        where = "annotator = ? AND status = 'open'"
        args: list[Any] = [who]
        if doc_id is not None:
            where += " AND document_id = ?"
            args.append(doc_id)
        if source is not None:
            where += " AND source = ?"
            args.append(source)
        with self.transaction() as conn:
            removed = conn.execute(f"DELETE FROM suggestions WHERE {where}", args).rowcount
            if removed:
                self._event("unsuggest", doc_id, after={"annotator": who, "removed": removed,
                                                        "source": source})
        return int(removed)

    def suggest_patterns(self, patterns: Sequence[Pattern], doc_ids: Sequence[int] | None
                         = None, *, annotator: str | None = None,
                         progress: Progress | None = None) -> int:
        """Match ``patterns`` (:mod:`annotui.core.patterns`) on documents (default: all)
        and propose what they find; one transaction per document. Returns how many were
        added. An unknown label raises PatternError, naming the pattern's line, first."""
        from annotui.core.patterns import Folded, PatternError

        for pattern in patterns:
            if not self.conn.execute("SELECT 1 FROM labels WHERE name = ?",
                                     (pattern.label,)).fetchone():
                raise PatternError(f"{pattern.where}: unknown label {pattern.label!r}"
                                   " (`annotui labels list` shows them; `annotui labels"
                                   " add` adds one)")
        ids = list(doc_ids) if doc_ids is not None else self.document_ids()
        added = 0
        folding = any(p.ignore_case and p.kind == "phrase" for p in patterns)
        for n, doc_id in enumerate(ids):
            text = self.document(doc_id).text
            folded = Folded(text) if folding else None
            found = [Proposal(s, e, p.label, "pattern", p.detail)
                     for p in patterns for s, e in p.find(text, folded)]
            added += self.add_suggestions(doc_id, found, annotator=annotator, text=text)
            if progress:
                progress(n + 1, len(ids))
        return added

    def propagate(self, span_id: int, scope: str = "document", *, whole_word: bool = True,
                  ignore_case: bool = False, progress: Progress | None = None) -> int:
        """Label all occurrences: propose the span's label on every other occurrence of
        its text, in its document (``scope="document"``) or everywhere (``"corpus"``).

        The proposals are mine (whoever made the span); white space in the text matches
        any white space. Places I already labelled so are skipped, as are proposals I
        rejected before. Returns how many were added (one transaction)."""
        from annotui.core.patterns import Pattern

        if scope not in ("document", "corpus"):
            raise StoreError(f"unknown scope {scope!r} (document or corpus)")
        span = self.span(span_id)
        home = self.document(span.document_id)
        phrase = home.text[span.start:span.end]
        if not phrase.strip():
            return 0
        pattern = Pattern.phrase(span.label, phrase, ignore_case=ignore_case,
                                 whole_word=whole_word, where=f"span {span_id}")
        ids = [home.id] if scope == "document" else self.document_ids()
        added = 0
        with self.transaction():
            for n, doc_id in enumerate(ids):
                text = home.text if doc_id == home.id else self.document(doc_id).text
                found = [Proposal(s, e, span.label, "propagate", f"same text as span {span_id}")
                         for s, e in pattern.find(text)
                         if not (doc_id == home.id and (s, e) == (span.start, span.end))]
                added += self.add_suggestions(doc_id, found, text=text)
                if progress:
                    progress(n + 1, len(ids))
        return added

    def learn(self, doc_ids: Sequence[int] | None = None, *, min_score: float = 0.5,
              progress: Progress | None = None) -> int:
        """Propose from my own labels (:mod:`annotui.core.learn`): the same text labelled
        elsewhere, and sentences or clauses like the ones I labelled, scored 0-1; only
        scores from ``min_score``. On ``doc_ids`` (default: all). Returns how many."""
        from annotui.core.learn import learn

        return learn(self, doc_ids, min_score=min_score, progress=progress)  # type: ignore[arg-type]

    # -- reading ----------------------------------------------------------------------

    def suggestions(self, doc_id: int, annotator: str | None = None, *,
                    status: str | None = "open", everyone: bool = False) -> list[Suggestion]:
        """A document's suggestions to ``annotator`` (default: me; ``everyone``: to all)
        in text order; ``status`` None for every status."""
        where, args = "suggestions.document_id = ?", [doc_id]
        if not everyone:
            where += " AND suggestions.annotator = ?"
            args.append(annotator or self.annotator)
        if status is not None:
            _check_status(status)
            where += " AND suggestions.status = ?"
            args.append(status)
        rows = self.conn.execute(f"SELECT {COLUMNS} FROM {FROM} WHERE {where} ORDER BY {ORDER}",
                                 args)
        return list(map(Suggestion._make, rows))

    def suggestion(self, suggestion_id: int) -> Suggestion:
        row = self.conn.execute(f"SELECT {COLUMNS} FROM {FROM} WHERE suggestions.id = ?",
                                (suggestion_id,)).fetchone()
        if row is None:
            raise StoreError(f"no suggestion with id {suggestion_id}")
        return Suggestion._make(row)

    def suggestion_counts(self, annotator: str | None = None, status: str = "open"
                          ) -> dict[int, int]:
        """{document id: how many suggestions to ``annotator`` have ``status``}, for lists."""
        _check_status(status)
        return dict(self.conn.execute(
            "SELECT document_id, count(*) FROM suggestions WHERE annotator = ? AND status = ?"
            " GROUP BY document_id", (annotator or self.annotator, status)))

    def suggestion_annotators(self, doc_id: int, status: str = "open") -> list[str]:
        """Who has suggestions with ``status`` on a document (an export with predictions
        writes a record for each, even one who labelled nothing there)."""
        _check_status(status)
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT annotator FROM suggestions WHERE document_id = ? AND status = ?"
            " ORDER BY 1", (doc_id, status))]

    def next_suggestion(self, doc_id: int, offset: int, step: int = 1,
                        annotator: str | None = None) -> Suggestion | None:
        """My next open suggestion starting after ``offset`` (``step`` 1) or the previous
        one starting before it (-1); None if there is none. For "jump to next"."""
        sign, order = (">", "ASC") if step > 0 else ("<", "DESC")
        row = self.conn.execute(
            f"SELECT {COLUMNS} FROM {FROM} WHERE suggestions.document_id = ? AND"
            f" suggestions.annotator = ? AND suggestions.status = 'open' AND"
            f" suggestions.start {sign} ? ORDER BY suggestions.start {order},"
            f' suggestions."end" {order}, suggestions.id {order} LIMIT 1',
            (doc_id, annotator or self.annotator, offset)).fetchone()
        return Suggestion._make(row) if row else None

    # -- deciding ---------------------------------------------------------------------

    def accept_suggestion(self, suggestion_id: int) -> Span:
        """Accept one open suggestion: it becomes my span (or the identical span I have
        already). One undoable change. Returns the span."""
        doc_id = self.suggestion(suggestion_id).document_id
        spans = self.accept_suggestions(doc_id, [suggestion_id])
        return spans[0]

    def reject_suggestion(self, suggestion_id: int) -> Suggestion:
        """Reject one open suggestion (remembered: never proposed again). Undoable."""
        doc_id = self.suggestion(suggestion_id).document_id
        self.reject_suggestions(doc_id, [suggestion_id])
        return self.suggestion(suggestion_id)

    def accept_all(self, doc_id: int) -> list[Span]:
        """Accept all my open suggestions on a document: one undo step."""
        return self.accept_suggestions(doc_id)

    def reject_all(self, doc_id: int) -> int:
        """Reject all my open suggestions on a document: one undo step."""
        return self.reject_suggestions(doc_id)

    def accept_suggestions(self, doc_id: int, ids: Sequence[int] | None = None) -> list[Span]:
        """Accept the given open suggestions of a document (default: all mine that are
        open) as one change, one ``accept`` event. Returns the spans, in text order."""
        with self.transaction() as conn:
            chosen = self._open(doc_id, ids)
            items: list[dict[str, Any]] = []
            stamp = now()
            for sug in chosen:
                label_id = self.label_id(sug.label)
                existing = conn.execute(
                    'SELECT id FROM spans WHERE document_id = ? AND start = ? AND "end" = ?'
                    " AND label_id = ? AND annotator = ?",
                    (doc_id, sug.start, sug.end, label_id, self.annotator)).fetchone()
                row = None
                if existing is None:
                    cursor = conn.execute(
                        'INSERT INTO spans (document_id, start, "end", label_id, annotator,'
                        " note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                        (doc_id, sug.start, sug.end, label_id, self.annotator, stamp, stamp))
                    row = history.span_row(conn, int(cursor.lastrowid or 0))
                span_id = row["id"] if row else existing[0]
                history.set_suggestion(conn, sug.id, "accepted", span_id, stamp)
                items.append({"suggestion": sug.id, "start": sug.start, "end": sug.end,
                              "span": row, "existing": None if row else span_id})
            if items:
                self._event("accept", doc_id, items[0]["span"]["id"] if len(items) == 1
                            and items[0]["span"] else None, after={"suggestions": items})
        return [self.span(item["span"]["id"] if item["span"] else item["existing"])
                for item in items]

    def reject_suggestions(self, doc_id: int, ids: Sequence[int] | None = None) -> int:
        """Reject the given open suggestions of a document (default: all mine that are
        open) as one change, one ``reject`` event. Returns how many."""
        with self.transaction() as conn:
            chosen = self._open(doc_id, ids)
            stamp = now()
            for sug in chosen:
                history.set_suggestion(conn, sug.id, "rejected", None, stamp)
            if chosen:
                self._event("reject", doc_id, after={"suggestions": [
                    {"suggestion": s.id, "start": s.start, "end": s.end, "span": None,
                     "existing": None} for s in chosen]})
        return len(chosen)

    def _open(self, doc_id: int, ids: Sequence[int] | None) -> list[Suggestion]:
        """The suggestions to decide, read under the write lock; refuses decided ones."""
        if ids is None:
            return self.suggestions(doc_id)
        chosen = [self.suggestion(i) for i in dict.fromkeys(ids)]
        for sug in chosen:
            if sug.document_id != doc_id:
                raise StoreError(f"suggestion {sug.id} is not on this document")
            if sug.status != "open":
                raise StoreError(f"suggestion {sug.id} was already {sug.status}")
        return sorted(chosen, key=lambda s: (s.start, s.end, s.id))


class _Labelled:
    """An annotator's spans per label, to test "already labelled here" by bisect."""

    def __init__(self, spans: Iterable[Span]) -> None:
        by_label: dict[str, list[tuple[int, int]]] = {}
        for span in spans:
            by_label.setdefault(span.label, []).append((span.start, span.end))
        self.starts: dict[str, list[int]] = {}
        self.ends: dict[str, list[int]] = {}
        self.longest: dict[str, int] = {}
        for label, ranges in by_label.items():
            ranges.sort()
            self.starts[label] = [s for s, _ in ranges]
            self.ends[label] = [e for _, e in ranges]
            self.longest[label] = max(e - s for s, e in ranges)

    def overlaps(self, label: str, start: int, end: int) -> bool:
        starts = self.starts.get(label)
        if not starts:
            return False
        ends = self.ends[label]
        # only spans starting in [start - longest, end) can reach into [start, end)
        i = bisect_left(starts, start - self.longest[label])
        while i < len(starts) and starts[i] < end:
            if ends[i] > start:
                return True
            i += 1
        return False


def _check_status(status: str) -> None:
    if status not in SUGGESTION_STATUSES:
        raise StoreError(f"unknown suggestion status {status!r}"
                         f" (one of {', '.join(SUGGESTION_STATUSES)})")


def suggestions_for_export(store: Any, doc_id: int, annotator: str | None,
                           status: str = "open") -> list[dict[str, Any]]:
    """A document's suggestions to ``annotator`` as export predictions, in text order:
    ``{"start", "end", "label", "text", "score", "source", "detail"}``. Only what
    ``annotui export --suggestions`` writes, under its own key, never among the spans."""
    if annotator is None:
        return []
    text = store.document(doc_id).text
    return [{"start": s.start, "end": s.end, "label": s.label, "text": text[s.start:s.end],
             "score": s.score, "source": s.source, "detail": s.detail}
            for s in store.suggestions(doc_id, annotator, status=status)]
