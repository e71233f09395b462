"""Prodigy task JSONL (``--format prodigy``), written and read.

A task is ``{"text", "tokens", "spans", "answer", "meta", "_annotator_id"}``. Tokens
come from ``spacy.blank(lang)`` (so ``annotui[spacy]`` is needed to write) as
``{"text", "start", "end", "id", "ws"}``; spans are ``{"start", "end", "label",
"token_start", "token_end"}`` with character offsets in code points, end exclusive, and
``token_end`` INCLUSIVE, as Prodigy counts. Spans are aligned to the tokens with
``--align`` like the spaCy format; those that do not align are left out and reported.
``answer`` is ``"accept"``, or ``"ignore"`` for a record marked skipped (Prodigy's own
word for a skipped task). annotui's own fields live in ``meta["annotui"]``: ``id`` (the
document key), ``annotator``, ``status`` and ``notes`` (``[start, end, label, note]``),
beside the document's meta (title first), so a Prodigy file round-trips exactly.

Reading (``annotui import --format prodigy``; no extension is claimed, ``.jsonl`` is
annotui's own): accepted tasks bring their spans, ignored ones come in as skipped,
rejected ones bring their text only. Without annotui's meta, the annotator is Prodigy's
``_annotator_id`` (else the importing annotator). No tokenizer is needed to read.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from annotui.core.formats import (
    ExportReport,
    Reader,
    Record,
    RecordError,
    Source,
    Writer,
)
from annotui.core.formats._tokens import Aligner, Tally, blank, text_lines
from annotui.core.formats.jsonl import dumps_line, parse_record
from annotui.core.records import ExportRecord, filters, iter_records

if TYPE_CHECKING:
    from annotui.core.store import Store

__all__ = ["read_prodigy", "task", "write_prodigy"]

OURS = "annotui"  # the meta key holding annotui's fields
ANSWERS = {"skipped": "ignore"}  # every other status is "accept"


def task(record: ExportRecord, doc: Any, aligner: Aligner) -> tuple[dict[str, Any], int]:
    """One record as a Prodigy task, and the number of spans written."""
    pairs = aligner.align(doc, record)
    tokens = [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i,
               "ws": bool(t.whitespace_)} for t in doc]
    spans = [{"start": got.start_char, "end": got.end_char, "label": span.label,
              "token_start": got.start, "token_end": got.end - 1} for got, span in pairs]
    notes = [[got.start_char, got.end_char, span.label, span.note]
             for got, span in pairs if span.note]
    meta = {name: value for name, value in record.meta.items() if name != OURS}
    meta[OURS] = {"id": record.key, "annotator": record.annotator, "status": record.status,
                  "notes": notes}
    return {"text": record.text, "tokens": tokens, "spans": spans,
            "answer": ANSWERS.get(record.status, "accept"), "meta": meta,
            "_annotator_id": record.annotator}, len(spans)


def write_prodigy(store: Store, out: TextIO, **options: Any) -> ExportReport:
    """Stream Prodigy tasks, one line per record (``lang``, ``align``, the filters)."""
    nlp = blank(options.get("lang"), "prodigy")
    aligner = Aligner("prodigy", options.get("align"))
    report = ExportReport()
    tally = Tally(report)
    for record in iter_records(store, **filters(options)):
        line, written = task(record, nlp.make_doc(record.text), aligner)
        out.write(dumps_line(line) + "\n")
        tally.record(record, written)
    aligner.finish(report)
    return report


def read_prodigy(source: Source) -> Iterator[Record | RecordError]:
    """Read Prodigy JSONL: one task a non-blank line; bad lines and spans named."""
    try:
        codec = codecs.lookup(source.encoding).name
    except LookupError:
        yield RecordError(f"unknown encoding {source.encoding!r}", fatal=True)
        return
    for number, line in text_lines(source, codec):
        if isinstance(line, RecordError):
            yield RecordError(line.reason, line.line, fatal=True)
            return
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RecordError(f"invalid JSON ({exc.msg} at column {exc.colno})", number)
            continue
        except RecursionError:
            yield RecordError("invalid JSON (nested too deeply)", number)
            continue
        if not isinstance(obj, dict):
            yield RecordError(f"expected a JSON object, got {type(obj).__name__}", number)
            continue
        yield from parse_record(native(obj), number)


def native(obj: dict[str, Any]) -> dict[str, Any]:
    """A Prodigy task as annotui's native record dict (checked by jsonl.parse_record)."""
    meta = obj.get("meta")
    meta = dict(meta) if isinstance(meta, dict) else meta
    ours = meta.pop(OURS, None) if isinstance(meta, dict) else None
    has_ours = isinstance(ours, dict)
    ours = ours if isinstance(ours, dict) else {}
    answer = obj.get("answer")
    spans = [] if answer == "reject" else obj.get("spans")
    notes: dict[tuple[Any, Any, Any], list[Any]] = {}
    for item in ours.get("notes") or ():
        if isinstance(item, list) and len(item) == 4:
            notes.setdefault(tuple(item[:3]), []).append(item[3])
    converted: Any = spans
    if isinstance(spans, list):
        converted = []
        for span in spans:
            if not isinstance(span, dict):
                converted.append(span)  # parse_record names it
                continue
            found = notes.get((span.get("start"), span.get("end"), span.get("label")))
            converted.append({"start": span.get("start"), "end": span.get("end"),
                              "label": span.get("label"), "text": span.get("text"),
                              "note": found.pop(0) if found else None})
    annotator = ours.get("annotator") if has_ours else obj.get("_annotator_id")
    status = ours.get("status")
    if status is None and annotator is not None:
        status = {"accept": "done", "reject": "done", "ignore": "skipped"}.get(answer)
    return {"id": ours.get("id"), "text": obj.get("text"), "spans": converted,
            "annotator": annotator, "status": status, "meta": meta}


READERS = [Reader("prodigy", (), read_prodigy,
                  "Prodigy task JSONL (--format prodigy): text, spans, answer")]
WRITERS = [Writer("prodigy", ".jsonl", write_prodigy,
                  description="Prodigy tasks: tokens, spans with token_start/token_end")]
