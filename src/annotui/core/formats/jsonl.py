"""annotui's own JSONL: one record per document and annotator, read and written.

A record is ``{"id", "text", "spans", "annotator", "status", "meta"}``; spans are
``{"start", "end", "label", "text", "annotator", "note"}`` with code-point offsets, end
exclusive. The writer emits every key on every line (``null`` when empty) because
Hugging Face ``datasets`` types a column only when all records share their keys, and it
escapes U+2028, U+2029 and U+0085: they are valid raw in JSON, but any reader that splits
lines with ``str.splitlines()`` would cut a record in two there. The reader, for the same
reason, splits on ``\\n`` only.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from annotui.core.formats import (
    ExportReport,
    ImportSpan,
    Reader,
    Record,
    RecordError,
    Source,
    Writer,
)
from annotui.core.labels import NAME
from annotui.core.model import STATUSES
from annotui.core.records import ExportRecord, ExportText, filters, iter_records
from annotui.core.text import DecodeError, normalize_bytes, normalize_text

if TYPE_CHECKING:
    from annotui.core.store import Store

__all__ = ["dumps_line", "parse_record", "read_jsonl", "write_jsonl", "write_records"]

BOM = codecs.BOM_UTF8
# only an escaped surrogate can make json.loads return a string SQLite cannot store
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# label names that passed _span's checks, so the next spans using them need not
_GOOD_LABELS: set[str] = set()


def _excerpt(text: str, limit: int = 40) -> str:
    """A short repr for messages: enough to recognise, never a whole article."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# -- reading ------------------------------------------------------------------------


def _lines(source: Source) -> Iterator[tuple[int, int, bytes | str]]:
    """(line number, byte offset, line) for every line, split at ``\\n`` only.

    UTF-16 and UTF-32 do not encode ``\\n`` as one byte, so those files are decoded
    whole (and normalised, which only touches line ends and the BOM: JSON strings cannot
    hold a raw CR) and split as text.
    """
    info = codecs.lookup(source.encoding)
    if "\n".encode(info.name) != b"\n":
        text = normalize_bytes(source.stream.read(), source.encoding)
        offset = 0
        for number, line in enumerate(text.split("\n"), 1):
            yield number, offset, line
            offset += len(line) + 1
        return
    offset = 0
    for number, line in enumerate(source.stream, 1):
        yield number, offset, line
        offset += len(line)


def read_jsonl(source: Source) -> Iterator[Record | RecordError]:
    """Read a JSONL input: a record per non-blank line; bad lines and spans reported."""
    try:
        codec = codecs.lookup(source.encoding).name
    except LookupError:
        yield RecordError(f"unknown encoding {source.encoding!r}", fatal=True)
        return
    codec_name = "UTF-8" if codec == "utf-8" else codec
    seen_record = False
    lines = _lines(source)
    while True:
        try:
            number, offset, raw = next(lines)
        except StopIteration:
            return
        except DecodeError as exc:
            yield RecordError(str(exc), fatal=True)
            return
        if isinstance(raw, bytes):
            if number == 1 and raw.startswith(BOM) and codec == "utf-8":
                raw = raw[len(BOM):]
            if not raw.strip():
                continue
            if b"\x00" in raw:
                at = offset + raw.index(b"\x00")
                if not seen_record:
                    yield RecordError(f"looks like a binary file (NUL byte at {at})",
                                      fatal=True)
                    return
                yield RecordError(f"NUL byte at {at}: not a JSON record", number)
                continue
            try:
                line = raw.decode(codec)
            except UnicodeDecodeError as exc:
                reason = f"not valid {codec_name} at byte {offset + exc.start} (try --encoding)"
                # a first line that does not decode: the whole file is in another encoding
                yield RecordError(reason, None if not seen_record else number,
                                  fatal=not seen_record)
                if not seen_record:
                    return
                continue
        else:
            line = raw.lstrip("\ufeff") if number == 1 else raw
            if not line.strip():
                continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RecordError(f"invalid JSON ({exc.msg.removesuffix(' at')},"
                              f" column {exc.colno})", number)
            continue
        except RecursionError:
            yield RecordError("invalid JSON (nested too deeply)", number)
            continue
        if "\\u" in line and _SURROGATE_ESCAPE.search(line):  # "in": a fast first look
            try:
                json.dumps(obj, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = exc.object[exc.start]
                yield RecordError(f"contains a lone surrogate (\\u{ord(bad):04x}),"
                                  " which is not text", number)
                continue
        for item in _parse_any(obj, number, source):
            if isinstance(item, Record):
                seen_record = True
            yield item


def _parse_any(obj: Any, line: int, source: Source) -> Iterator[Record | RecordError]:
    """annotui's records, or doccano's (``label``/``labels`` and no ``spans``): a .jsonl
    file is imported with its spans whichever of the two wrote it."""
    if isinstance(obj, dict) and "spans" not in obj and ("label" in obj or "labels" in obj):
        from annotui.core.formats.doccano import parse_doccano

        return parse_doccano(obj, line, source.options.get("offsets"))
    return parse_record(obj, line)


def _optional_str(obj: dict[str, Any], field: str, where: str = "") -> str | None:
    value = obj.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}{field!r} must be a string or null")
    return value


def parse_record(obj: Any, line: int | None = None) -> Iterator[Record | RecordError]:
    """Check one decoded JSON value; yields the Record (if usable) and its span errors.

    A record that cannot be used at all yields one RecordError and no Record; a bad span
    yields a RecordError naming it and the record is kept without it.
    """
    try:
        record = _record(obj, line)
    except ValueError as exc:
        yield RecordError(str(exc), line)
        return
    spans = obj.get("spans")
    if spans:
        text, kept = record.text, record.spans
        size = len(text)
        for number, span in enumerate(spans, 1):
            # the usual span (known-good label, no annotator) is checked here, inline: a
            # million of them are most of an import's reading time. Anything else goes
            # through _span, which also says what is wrong.
            if type(span) is dict:
                start, end, label = span.get("start"), span.get("end"), span.get("label")
                given, note = span.get("text"), span.get("note")
                if (type(start) is int and type(end) is int and 0 <= start < end <= size
                        and type(label) is str and label in _GOOD_LABELS
                        and span.get("annotator") is None
                        and (note is None or type(note) is str)
                        and (given is None or given == text[start:end])):
                    kept.append(ImportSpan(start, end, label, None, note or None))
                    continue
            try:
                kept.append(_span(span, number, text))
            except ValueError as exc:
                yield RecordError(str(exc), line, span=True)
    yield record


def _record(obj: Any, line: int | None) -> Record:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    if "text" not in obj:
        raise ValueError('no "text" field')
    text = obj["text"]
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    if not text or text.isspace():  # not text.strip(): that copies a long text
        raise ValueError("empty text, nothing imported")
    if "\x00" in text:
        # SQLite's length() and substr() stop at a NUL, so offsets could not be checked
        raise ValueError(f'"text" contains a NUL character at {text.index(chr(0))}')
    key = obj.get("id")
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    elif key is not None and not isinstance(key, str):
        raise ValueError('"id" must be a string, an integer or null')
    meta = obj.get("meta")
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise ValueError('"meta" must be an object or null')
    else:
        meta = dict(meta)
    title = _optional_str(meta, "title", "meta ")
    meta.pop("title", None)
    # a string source goes to the document's column (and comes back in exported meta)
    source = meta.pop("source") if isinstance(meta.get("source"), str) else None
    annotator = _optional_str(obj, "annotator")
    if annotator is not None and not annotator.strip():
        raise ValueError('"annotator" must not be empty')
    status = obj.get("status")
    if status is not None and status not in STATUSES:
        raise ValueError(f'"status" must be one of {", ".join(STATUSES)} (got {status!r})')
    spans = obj.get("spans")
    if spans is not None and not isinstance(spans, list):
        raise ValueError('"spans" must be a list or null')
    normal = normalize_text(text)
    if normal != text:
        if spans:
            # the offsets were counted on the raw text; shifted, they would label other words
            raise ValueError(
                '"text" has a BOM or CR line ends, which annotui normalises; its span'
                " offsets would no longer fit: normalise the text and offsets first")
        text = normal
    return Record(text=text, key=key or None, title=title or None, source=source, meta=meta,
                  annotator=annotator, status=status, line=line)


def _span(span: Any, number: int, text: str) -> ImportSpan:
    where = f"span {number}"
    if not isinstance(span, dict):
        raise ValueError(f"{where} is not an object")
    start, end = span.get("start"), span.get("end")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise ValueError(f"{where}: start and end must be integers (got {start!r}, {end!r})")
    assert isinstance(start, int) and isinstance(end, int)
    where = f"span {number} [{start}, {end})"
    if not 0 <= start < end <= len(text):
        raise ValueError(f"{where} is empty or outside the text (0-{len(text)})")
    label = span.get("label")
    if not isinstance(label, str) or label != label.strip() or not NAME.fullmatch(label):
        raise ValueError(f"{where}: invalid label {label!r}")
    if len(_GOOD_LABELS) < 1000:  # a file with a label per span must not grow it forever
        _GOOD_LABELS.add(label)
    piece = text[start:end]
    given = span.get("text")
    if given is not None and given != piece:
        if not isinstance(given, str):
            raise ValueError(f"{where}: \"text\" must be a string or null")
        raise ValueError(f"{where} text {_excerpt(given)} does not match the document"
                         f" ({_excerpt(piece)})")
    annotator = _optional_str(span, "annotator", f"{where}: ")
    if annotator is not None and not annotator.strip():
        raise ValueError(f'{where}: "annotator" must not be empty')
    note = _optional_str(span, "note", f"{where}: ")
    return ImportSpan(start, end, label, annotator, note or None)


# -- writing ------------------------------------------------------------------------

# what json.dumps(ensure_ascii=False) leaves raw but str.splitlines() splits at
_LINE_BREAKS = (("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\u0085", "\\u0085"))


def dumps_line(value: Any) -> str:
    """One JSON value as one line that every line splitter keeps whole (no newline)."""
    line = json.dumps(value, ensure_ascii=False)
    for char, escape in _LINE_BREAKS:
        if char in line:
            line = line.replace(char, escape)
    return line


def record_dict(record: ExportRecord) -> dict[str, Any]:
    """annotui's native record: the same keys, in the same order, on every line."""
    return {
        "id": record.key,
        "text": record.text,
        "spans": [{"start": s.start, "end": s.end, "label": s.label,
                   "text": record.text[s.start:s.end], "annotator": s.annotator,
                   "note": s.note or None} for s in record.spans],
        "annotator": record.annotator,
        "status": record.status,
        "meta": record.meta,
    }


def write_jsonl(store: Store, out: TextIO, **options: Any) -> ExportReport:
    """Stream the corpus as JSONL: one line per document and annotator, corpus order
    (see :func:`annotui.core.records.iter_records` for the options).

    The lines are built by SQLite from one query (see :mod:`._jsonl_sql`), records it
    cannot build exactly by :func:`write_records`' code; sentence examples, which only
    Python can cut, by :func:`write_records` itself.
    """
    chosen = filters(options)
    if chosen.pop("unit", "doc") != "doc" or options.get("suggestions"):
        return write_records(store, out, **options)
    from annotui.core.formats._jsonl_sql import write_lines

    if isinstance(out, ExportText):  # the lines are UTF-8 already: no decode, no encode
        out.flush()
        return write_lines(store, out.buffer.write, _python_line, **chosen)
    return write_lines(store, lambda line: out.write(line.decode("utf-8")), _python_line,
                       **chosen)


def write_records(store: Store, out: TextIO, **options: Any) -> ExportReport:
    """:func:`write_jsonl` done in Python, record by record (json.dumps per line)."""
    report = ExportReport()
    last_key = None
    predictions = bool(options.get("suggestions"))
    for record in iter_records(store, **filters(options)):
        if predictions:  # opt-in: the open suggestions, apart from the spans
            from annotui.core.suggestions import suggestions_for_export

            line = record_dict(record)
            found = store.document_by_key(record.document_key)
            line["predictions"] = suggestions_for_export(
                store, found.id, record.annotator) if found is not None else []
            out.write(dumps_line(line) + "\n")
        else:
            out.write(_python_line(record) + "\n")
        report.records += 1
        report.spans += len(record.spans)
        report.documents += record.document_key != last_key
        last_key = record.document_key
    return report


def _python_line(record: ExportRecord) -> str:
    return dumps_line(record_dict(record))


def hf_features() -> Any:
    """Hugging Face ``datasets`` features for annotui's JSONL.

    ``load_dataset("json")`` infers types from the first 10 MB only: a corpus whose first
    records have no spans, or whose meta keys vary, fails to load or loses its types.
    Pass ``features=hf_features()`` to load any annotui export with typed spans.
    """
    import datasets

    span = {"start": datasets.Value("int64"), "end": datasets.Value("int64"),
            "label": datasets.Value("string"), "text": datasets.Value("string"),
            "annotator": datasets.Value("string"), "note": datasets.Value("string")}
    return datasets.Features({
        "id": datasets.Value("string"), "text": datasets.Value("string"),
        "spans": datasets.List(span), "annotator": datasets.Value("string"),
        "status": datasets.Value("string"), "meta": datasets.Json(),
    })


READERS = [Reader("jsonl", (".jsonl", ".ndjson"), read_jsonl,
                  "one JSON record a line: text, id, meta, spans, annotator, status")]
WRITERS = [Writer("jsonl", ".jsonl", write_jsonl,
                  description="one line per document and annotator")]
