"""spaCy's binary training format: a ``.spacy`` DocBin (needs ``annotui[spacy]``).

Writing: one Doc per export record, tokenised by ``spacy.blank(lang)`` (no model), with
every span in ``doc.spans["sc"]`` (a span group, so overlaps are kept; ``doc.ents`` would
refuse them). Spans are aligned to tokens with ``--align``: in ``strict`` mode a span
that does not start and end on token boundaries is left out and reported, never
dropped silently. ``doc.user_data["annotui"]`` carries what spaCy has no place for: the
record's key, annotator, status and meta (title first), the language, and each written
span's annotator and note. The DocBin is saved with ``store_user_data=True``.

Reading: a DocBin's docs become records. Text is ``doc.text`` (exact: spaCy keeps every
character); spans come from ``doc.spans["sc"]`` (or ``doc.ents`` when there is no
``sc`` group, as in many NER corpora) with annotator and note matched back from the user
data. Export -> import -> export gives the same bytes: DocBin sorts its string table and
msgpack keeps key order, so the bytes depend only on the docs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from annotui.core.formats import (
    ExportReport,
    Reader,
    Record,
    RecordError,
    Source,
    Writer,
)
from annotui.core.formats._tokens import Aligner, Tally, blank, require_spacy
from annotui.core.formats.jsonl import parse_record
from annotui.core.records import filters, iter_records

if TYPE_CHECKING:
    from annotui.core.store import Store

__all__ = ["GROUP", "USER_DATA", "read_spacy", "write_spacy"]

GROUP = "sc"          # spaCy's default span group (the spancat component reads it)
USER_DATA = "annotui"  # the doc.user_data key holding annotui's own fields
VERSION = 1


def write_spacy(store: Store, out: BinaryIO, **options: Any) -> ExportReport:
    """Write a DocBin of the corpus (``lang``, ``align`` and the record filters)."""
    require_spacy()
    from spacy.tokens import DocBin

    lang = options.get("lang") or "en"
    nlp = blank(lang)
    aligner = Aligner("spacy", options.get("align"))
    report = ExportReport()
    tally = Tally(report)
    docbin = DocBin(store_user_data=True)
    for record in iter_records(store, **filters(options)):
        doc = nlp.make_doc(record.text)
        pairs = aligner.align(doc, record)
        doc.spans[GROUP] = [got for got, _ in pairs]
        doc.user_data[USER_DATA] = {
            "version": VERSION,
            "id": record.key,
            "annotator": record.annotator,
            "status": record.status,
            "meta": record.meta,
            "lang": lang,
            "spans": [{"start": got.start_char, "end": got.end_char, "label": span.label,
                       "annotator": span.annotator, "note": span.note or None}
                      for got, span in pairs],
        }
        docbin.add(doc)
        tally.record(record, len(pairs))
    out.write(docbin.to_bytes())
    aligner.finish(report)
    return report


def read_spacy(source: Source) -> Iterator[Record | RecordError]:
    """Read a ``.spacy`` DocBin: one record per Doc."""
    require_spacy()
    import srsly
    from spacy.tokens import DocBin

    data = source.stream.read()
    try:
        docbin = DocBin(store_user_data=True).from_bytes(data)
    except Exception as exc:  # zlib, msgpack or spaCy errors: not a DocBin
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        yield RecordError(f"not a spaCy DocBin ({first})", fatal=True)
        return
    lang = "en"
    if docbin.user_data and docbin.user_data[0]:  # None when saved without user data
        first_data = srsly.msgpack_loads(docbin.user_data[0])
        if isinstance(first_data, dict) and isinstance(first_data.get(USER_DATA), dict):
            lang = first_data[USER_DATA].get("lang") or "en"
    nlp = blank(lang)
    for number, doc in enumerate(docbin.get_docs(nlp.vocab), 1):
        yield from parse_record(_native(doc), number)


def _native(doc: Any) -> dict[str, Any]:
    """A Doc as annotui's native record dict (checked by jsonl.parse_record)."""
    ours = doc.user_data.get(USER_DATA)
    ours = ours if isinstance(ours, dict) else {}
    extra: dict[tuple[int, int, str], list[dict[str, Any]]] = {}
    for item in ours.get("spans") or ():
        if isinstance(item, dict):
            extra.setdefault((item.get("start"), item.get("end"), item.get("label")),
                             []).append(item)
    group = doc.spans.get(GROUP, doc.ents)
    spans = []
    for span in group:
        found = extra.get((span.start_char, span.end_char, span.label_))
        info = found.pop(0) if found else {}
        spans.append({"start": span.start_char, "end": span.end_char, "label": span.label_,
                      "annotator": info.get("annotator"), "note": info.get("note")})
    return {"id": ours.get("id"), "text": doc.text, "spans": spans,
            "annotator": ours.get("annotator"), "status": ours.get("status"),
            "meta": ours.get("meta")}


READERS = [Reader("spacy", (".spacy",), read_spacy,
                  "a spaCy DocBin: doc.spans['sc'] (or doc.ents) as spans")]
WRITERS = [Writer("spacy", ".spacy", write_spacy, mode="binary",
                  description="a spaCy DocBin with every span in doc.spans['sc']")]
