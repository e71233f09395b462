"""doccano JSONL: ``{"id", "text", "label": [[start, end, "label"], ...]}``, one line a record.

doccano counts offsets in JavaScript string indices, UTF-16 code units, where an emoji
outside the BMP is two; so the writer converts annotui's code points to UTF-16 by default
(``offsets="codepoint"`` keeps code points) and the reader converts back exactly, refusing
an offset inside a surrogate pair. What doccano has no place for rides in extra keys,
which doccano keeps as metadata: ``meta`` (the document's) and ``annotui`` (annotator,
status, the offset unit, and each span's text and note, in ``label`` order) so that a
round trip is exact and span texts can be checked.

The reader takes ``label`` or the older ``labels`` (or ``entities``), spans as triples or
objects (``start_offset``/``end_offset`` or ``start``/``end``), in the unit of the
``offsets`` option, else the one the line names, else UTF-16.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from annotui.core.formats import ExportReport, Reader, Record, RecordError, Source, Writer
from annotui.core.formats._offsets import (
    OFFSET_UNITS,
    Normal,
    Units,
    base_record,
    iter_json_lines,
    make_span,
    offset_unit,
)
from annotui.core.formats.jsonl import dumps_line
from annotui.core.records import ExportRecord, filters, iter_records

if TYPE_CHECKING:
    from annotui.core.store import Store

__all__ = ["doccano_dict", "parse_doccano", "read_doccano", "write_doccano"]

DEFAULT_UNIT = "utf16"


def doccano_dict(record: ExportRecord, unit: str = DEFAULT_UNIT) -> dict[str, Any]:
    """One record as a doccano sequence-labelling line."""
    units = Units(record.text, unit)
    return {
        "id": record.key,
        "text": record.text,
        "label": [[units.out(s.start), units.out(s.end), s.label] for s in record.spans],
        "meta": record.meta,
        "annotui": {
            "annotator": record.annotator,
            "status": record.status,
            "offsets": unit,
            "spans": [{"text": record.text[s.start:s.end], "note": s.note or None}
                      for s in record.spans],
        },
    }


def write_doccano(store: Store, out: TextIO, **options: Any) -> ExportReport:
    """doccano JSONL, one line per document and annotator (``offsets``: utf16 default)."""
    unit = offset_unit(options, DEFAULT_UNIT)
    report = ExportReport()
    last_key = None
    for record in iter_records(store, **filters(options)):
        out.write(dumps_line(doccano_dict(record, unit)) + "\n")
        report.records += 1
        report.spans += len(record.spans)
        report.documents += record.key != last_key
        last_key = record.key
    return report


def _entries(obj: dict[str, Any]) -> list[Any]:
    for name in ("label", "labels", "entities"):
        value = obj.get(name)
        if value is not None:
            if not isinstance(value, list):
                raise ValueError(f'"{name}" must be a list')
            return value
    return []


def _entry(entry: Any) -> tuple[Any, Any, Any, Any]:
    """(start, end, label, text or None) of one span entry, in the file's unit."""
    if isinstance(entry, list | tuple):
        if len(entry) != 3:
            raise ValueError(f"expected [start, end, label], got {entry!r}")
        return entry[0], entry[1], entry[2], None
    if isinstance(entry, dict):
        start = entry.get("start_offset", entry.get("start"))
        end = entry.get("end_offset", entry.get("end"))
        return start, end, entry.get("label"), entry.get("text")
    raise ValueError(f"expected [start, end, label] or an object, got {entry!r}")


def parse_doccano(obj: Any, line: int | None = None, unit: str | None = None
                  ) -> Iterator[Record | RecordError]:
    """One decoded doccano line: its Record (if usable) and an error per bad span.

    ``unit`` None: the unit the line names (annotui's ``annotui.offsets``), else UTF-16.
    """
    if not isinstance(obj, dict):
        yield RecordError(f"expected a JSON object, got {type(obj).__name__}", line)
        return
    text = obj.get("text")
    extra = obj.get("annotui")
    extra = extra if isinstance(extra, dict) else {}
    if unit is None:
        unit = extra.get("offsets") if extra.get("offsets") in OFFSET_UNITS else DEFAULT_UNIT
    try:
        if not isinstance(text, str):
            raise ValueError('no "text" string')
        normal = Normal(text)
        entries = _entries(obj)
        meta = obj.get("meta")
        record = base_record(normal.text, obj.get("id"), meta, extra.get("annotator"),
                             extra.get("status"), line)
    except ValueError as exc:
        yield RecordError(str(exc), line)
        return
    infos = extra.get("spans")
    infos = infos if isinstance(infos, list) and len(infos) == len(entries) else None
    units = Units(text, unit)
    for number, entry in enumerate(entries, 1):
        where = f"span {number}"
        try:
            start, end, label, given = _entry(entry)
            where = f"span {number} [{start}, {end})"
            info = infos[number - 1] if infos and isinstance(infos[number - 1], dict) else {}
            if given is None:
                given = info.get("text")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
                raise ValueError(f"start and end must be integers (got {start!r}, {end!r})")
            record.spans.append(make_span(normal, units.back(start), units.back(end), label,
                                          given, info.get("note")))
        except ValueError as exc:
            unit_name = "UTF-16" if unit == "utf16" else "code point"
            yield RecordError(f"{where} ({unit_name} offsets): {exc}", line, span=True)
    yield record


def read_doccano(source: Source) -> Iterator[Record | RecordError]:
    """Read doccano JSONL (see the module docstring); bad lines and spans named by line."""
    try:
        unit = offset_unit(source.options, DEFAULT_UNIT) if source.options.get(
            "offsets") else None
    except ValueError as exc:
        yield RecordError(str(exc), fatal=True)
        return
    for item in iter_json_lines(source):
        if isinstance(item, RecordError):
            yield item
        else:
            yield from parse_doccano(item[1], item[0], unit)


READERS = [Reader("doccano", (), read_doccano,
                  "doccano JSONL (label or labels; --offsets utf16|codepoint)")]
WRITERS = [Writer("doccano", ".jsonl", write_doccano,
                  description="doccano JSONL; offsets in UTF-16 code units unless"
                              " --offsets codepoint")]
