"""What every export format writes: one record per document and annotator, in corpus order.

Writers never query the store themselves; they consume :func:`iter_records`, so the
filters (``--annotator``, ``--status``, ``--label``) and the sentence unit mean the same in
every format. Records stream: one document is in memory at a time.
"""

from __future__ import annotations

import io
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from annotui.core.model import STATUSES, Document, Span
from annotui.core.schema import StoreError
from annotui.core.store import Store

UNITS = ("doc", "sentence")


class ExportText(io.TextIOWrapper):
    """The text stream ``annotui export`` hands a text writer: UTF-8, and ``"\\n"``
    written as ``"\\n"`` on every platform. So a writer that has its output as UTF-8
    bytes already may flush it and write them to ``buffer`` unchanged (the JSONL
    writer does); any other text stream gets text."""


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One document (or sentence example) as one annotator labelled it."""

    key: str
    title: str
    text: str
    spans: list[Span]             # sorted by (start, end, label, annotator); offsets into text
    annotator: str | None
    status: str
    meta: dict[str, Any] = field(default_factory=dict)
    document: str = ""            # the source document's key (differs for sentence examples)

    @property
    def document_key(self) -> str:
        return self.document or self.key


def export_meta(store_meta: dict[str, Any], title: str, source: str | None) -> dict[str, Any]:
    """A document's exported meta: title first, then source (if any), then the rest."""
    meta: dict[str, Any] = {"title": title}
    if source is not None:
        meta["source"] = source
    for name, value in store_meta.items():
        if name not in meta and not (name == "source" and source is not None):
            meta[name] = value
    return meta


@contextmanager
def read_snapshot(store: Store) -> Iterator[None]:
    """One read transaction for a whole export: a consistent corpus even while another
    process keeps labelling (WAL readers never block writers)."""
    conn = store.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def check_span(span: Span, text: str, key: str) -> str:
    """The span's text; refuses to export a span that does not fit its document."""
    if not 0 <= span.start < span.end <= len(text):
        # cannot happen through the Store; if it ever does, refuse to export wrong data
        raise StoreError(f"database is inconsistent: document {key!r} span {span.id}"
                         f" [{span.start}, {span.end}) is outside its text (0-{len(text)})")
    return text[span.start:span.end]


def check_options(status: str | None, unit: str = "doc") -> None:
    if status is not None and status not in STATUSES:
        raise StoreError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    if unit not in UNITS:
        raise StoreError(f"unknown unit {unit!r} (one of {', '.join(UNITS)})")


def iter_records(store: Store, *, annotator: str | None = None, status: str | None = None,
                 labels: Iterable[str] | None = None, unit: str = "doc"
                 ) -> Iterator[ExportRecord]:
    """Records in corpus order.

    Without ``annotator``: one per annotator with spans or a status on the document, or
    one with annotator None and status todo if nobody touched it. With ``annotator``:
    exactly one per document. ``status`` keeps records with that status; ``labels``
    keeps spans with those labels; ``unit="sentence"`` splits each record into sentences.
    """
    check_options(status, unit)
    keep = set(labels) if labels else None
    with read_snapshot(store):
        for doc in store.iter_documents():
            # two queries per document: its spans and its statuses (who is derived)
            by_annotator: dict[str, list[Span]] = {}
            for span in store.spans(doc.id, annotator, everyone=annotator is None):
                by_annotator.setdefault(span.annotator, []).append(span)
            statuses = store.statuses(doc.id)
            who: list[str | None] = [annotator] if annotator else sorted(
                by_annotator.keys() | statuses.keys()) or [None]
            meta = export_meta(doc.meta, doc.title, doc.source)
            for name in who:
                record_status = statuses.get(name, "todo") if name is not None else "todo"
                if status is not None and record_status != status:
                    continue
                record = make_record(doc, name, record_status,
                                     by_annotator.get(name or "", []), keep, meta)
                if unit == "sentence":
                    yield from split_sentences(record)
                else:
                    yield record


def make_record(doc: Document, name: str | None, status: str, spans: list[Span],
                keep: set[str] | None, meta: dict[str, Any] | None = None) -> ExportRecord:
    """One document as ``name`` labelled it (spans: that annotator's, in any order)."""
    spans = [s for s in spans if keep is None or s.label in keep]
    spans.sort(key=lambda s: (s.start, s.end, s.label, s.annotator))
    for span in spans:
        check_span(span, doc.text, doc.key)
    if meta is None:
        meta = export_meta(doc.meta, doc.title, doc.source)
    return ExportRecord(doc.key, doc.title, doc.text, spans, name, status, meta)


def split_sentences(record: ExportRecord) -> Iterator[ExportRecord]:
    """Sentence examples with spans re-based; sentences joined by a span stay together."""
    from annotui.core import text as tx  # the sentence splitter: only this needs it

    text = record.text
    pieces = tx.sentence_bounds(text, 0, len(text))
    if not pieces:
        return
    starts = [start for start, _ in pieces]
    # joined[i]: a span crosses from sentence i into sentence i + 1, so they stay one example
    joined = [False] * len(pieces)
    home: list[list[Span]] = [[] for _ in pieces]  # spans by the sentence they start in
    for span in record.spans:
        first = max(0, bisect_right(starts, span.start) - 1)
        last = max(first, bisect_right(starts, span.end - 1) - 1)
        home[first].append(span)
        for i in range(first, last):
            joined[i] = True
    i = 0
    while i < len(pieces):
        j = i
        while joined[j]:
            j += 1
        inside = sorted((s for k in range(i, j + 1) for s in home[k]),
                        key=lambda s: (s.start, s.end, s.label, s.annotator))
        # a span reaching into the white space around its sentence widens the example
        start = min([pieces[i][0], *(s.start for s in inside)])
        end = max([pieces[j][1], *(s.end for s in inside)])
        # named by sentence number, so every annotator's example k#3 is the same text
        yield ExportRecord(
            key=f"{record.key}#{i + 1}" + (f"-{j + 1}" if j > i else ""), title=record.title,
            text=text[start:end], annotator=record.annotator, status=record.status,
            spans=[s._replace(start=s.start - start, end=s.end - start) for s in inside],
            meta={**record.meta, "document": record.key, "sentence": i + 1, "offset": start},
            document=record.key)
        i = j + 1


def filters(options: dict[str, Any]) -> dict[str, Any]:
    """The options of an export that choose records (the rest belong to the format)."""
    return {name: options[name] for name in ("annotator", "status", "labels", "unit")
            if options.get(name) is not None}
