"""annotui's JSONL lines built by SQLite and streamed from one cursor.

Each line is made in SQL (``json_quote``, ``substr``, ``printf``) and handed over as bytes,
so Python does no per-span or per-character work; the bytes are exactly those of the
Python writer (``json.dumps(record_dict(record), ensure_ascii=False)`` with U+2028,
U+2029 and U+0085 escaped). SQLite's ``json_quote`` escapes strings as ``json.dumps``
does (``"``, ``\\``, ``\\b \\f \\n \\r \\t``, other controls as lower-case ``\\u00XX``, the
rest raw), ``printf`` supplies json.dumps' ``", "`` and ``": "`` separators, and the
stored meta is spliced in as it was written (by ``json.dumps`` too).

Where SQL cannot be trusted to give the same bytes, that record goes through the Python
path instead (:func:`annotui.core.records.make_record`), so correctness never depends on
it: a text holding NUL (``substr`` stops there), a span beyond its text (the Python path
refuses to export it), meta not in json.dumps' form or with its own ``title`` or
``source``, and documents so long and so densely labelled that ``substr``, which counts
characters from the start of the text for every span, would be slower than Python.
Everything else is one query for the whole export, whatever the corpus size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from annotui.core import gcpause
from annotui.core.formats import ExportReport
from annotui.core.model import Document
from annotui.core.records import ExportRecord, check_options, make_record, read_snapshot

if TYPE_CHECKING:
    from annotui.core.store import Store

# a span, as json.dumps lays it out in record_dict(...); the rest of the line is joined
# in Python around the pieces the query returns
SPAN = ('{"start": %d, "end": %d, "label": %s, "text": %s, "annotator": %s,'
        ' "note": %s}')
# texts up to this long always get their span texts cut by SQL; a longer one only while
# (characters x spans) stays under SUBSTR_WORK, since substr() walks the text from its
# start for every span (a 10 MB text with 100k spans would take minutes; Python: 0.1 s)
SHORT_TEXT = 100_000
SUBSTR_WORK = 200_000_000


def _escape_breaks(line: bytes) -> bytes:
    """Escape U+2028, U+2029 and U+0085 as the Python writer does after json.dumps.

    In UTF-8 they are E2 80 A8, E2 80 A9 and C2 85, byte sequences nothing else contains;
    a one-byte search (memchr) for their rarer bytes first spares most lines the slower
    three-byte searches."""
    if b"\xa8" in line or b"\xa9" in line:
        line = line.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    if b"\xc2" in line:
        line = line.replace(b"\xc2\x85", b"\\u0085")
    return line


def _query(annotator: str | None, labels: bool, by_label_id: bool) -> str:
    """The export query: one row per record, in corpus order, from one index scan."""
    # who: the one annotator asked for, or everyone with spans or a status on the
    # document in name order (json_each keeps the array's order), or one row with NULL
    if annotator is not None:
        who = "CROSS JOIN (SELECT :annotator AS value) w"
    else:
        who = ("LEFT JOIN json_each((SELECT json_group_array(a) FROM ("
               " SELECT annotator AS a FROM spans WHERE document_id = d.id UNION"
               " SELECT annotator FROM statuses WHERE document_id = d.id ORDER BY 1))) w")
    status = ("CASE WHEN w.value IS NULL THEN 'todo' ELSE coalesce((SELECT status FROM"
              " statuses s WHERE s.document_id = d.id AND s.annotator = w.value), 'todo') END")
    mine = ("FROM spans sp JOIN labels l ON l.id = sp.label_id WHERE sp.document_id = d.id"
            " AND sp.annotator = w.value"
            + (" AND l.name IN (SELECT value FROM json_each(:labels))" if labels else ""))
    # (start, end, label name): the spans_unique index gives (start, end, label_id),
    # which is the same order when the labels' ids follow their names
    order = 'sp.start, sp."end", ' + ("sp.label_id" if by_label_id else "l.name")
    # a span past the end of its text (a damaged database) becomes a NUL byte, which
    # json_quote never writes: Python sees it and lets the Python path refuse the record
    # "count,span, span, ...": the count comes free with the aggregate
    spans = ("(SELECT count(*) || ',' || coalesce(group_concat(o, ', '), '') FROM ("
             "SELECT CASE WHEN sp.\"end\" <= d.length"
             " THEN printf(:span, sp.start, sp.\"end\", json_quote(l.name),"
             " json_quote(substr(d.text, sp.start + 1, sp.\"end\" - sp.start)),"
             " json_quote(sp.annotator),"
             " CASE WHEN sp.note = '' THEN 'null' ELSE json_quote(sp.note) END)"
             f" ELSE char(0) END AS o {mine} ORDER BY {order}))")
    cheap = f"d.length <= {SHORT_TEXT} OR (SELECT count(*) {mine}) * d.length <= {SUBSTR_WORK}"
    columns = [
        "d.id", "w.value", "d.meta", "d.source IS NOT NULL",
        "json_quote(d.key)", "json_quote(d.text)",
        # NULL when too costly for SQL: then Python makes the record
        f"CASE WHEN {cheap} THEN {spans} END",
        "json_quote(w.value)", f"json_quote({status})", "json_quote(d.title)",
        """CASE WHEN d.source IS NOT NULL THEN ', "source": ' || json_quote(d.source) END""",
        "CASE WHEN d.meta != '{}' THEN ', ' || substr(d.meta, 2, length(d.meta) - 2) END",
    ]
    # the JSON pieces as bytes: joined and written as they are, never decoded
    select = ", ".join(c if n < 4 else f"CAST({c} AS BLOB)" for n, c in enumerate(columns))
    return (f"SELECT {select} FROM documents d {who}"
            f" WHERE :status IS NULL OR {status} = :status"
            # the position index streams the documents: no sort, no temporary b-tree
            " ORDER BY d.position")


def _labels_in_name_order(store: Store) -> bool:
    ids = [row[0] for row in store.conn.execute("SELECT id FROM labels ORDER BY name, id")]
    return ids == sorted(ids)


class _MetaCheck:
    """Whether a stored meta can be spliced into a line as it is: written by json.dumps
    (so its layout is the Python writer's) and without its own title, or source when the
    document has a source column (export_meta drops those). Remembered per text."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, bool], bool] = {("{}", False): True, ("{}", True): True}

    def __call__(self, meta: str, has_source: bool) -> bool:
        found = self.known.get((meta, has_source))
        if found is None:
            found = self._check(meta, has_source)
            if len(self.known) > 10_000:  # a meta per document: keep memory flat
                self.known.clear()
            self.known[meta, has_source] = found
        return found

    @staticmethod
    def _check(meta: str, has_source: bool) -> bool:
        try:
            value = json.loads(meta)
        except (ValueError, RecursionError):
            return False
        return (isinstance(value, dict) and "title" not in value
                and not (has_source and "source" in value)
                and json.dumps(value, ensure_ascii=False) == meta)


def sql_lines(store: Store, python_line: Callable[[ExportRecord], str], *,
              annotator: str | None = None, status: str | None = None,
              labels: Iterable[str] | None = None) -> Iterator[tuple[int, bytes, int]]:
    """(document id, line as UTF-8 with its newline, spans in it) for every record, in
    the order and with the filters of :func:`annotui.core.records.iter_records`."""
    check_options(status)
    keep = set(labels) if labels else None
    meta_ok = _MetaCheck()
    document: Document | None = None
    join = b"".join
    with read_snapshot(store):
        query = _query(annotator, keep is not None, _labels_in_name_order(store))
        rows = store.conn.execute(query, {
            "annotator": annotator, "status": status, "span": SPAN,
            "labels": json.dumps(sorted(keep)) if keep is not None else None})
        for (doc_id, name, meta, has_source, key, text, spans, who, state, title, source,
             rest) in rows:
            if (spans is not None and meta_ok(meta, bool(has_source))
                    # a NUL in the text (json_quote writes it so) cut substr() short
                    and b"\\u0000" not in text and b"\0" not in spans):
                count, _, spans = spans.partition(b",")
                line = join((b'{"id": ', key, b', "text": ', text, b', "spans": [', spans,
                             b'], "annotator": ', who, b', "status": ', state,
                             b', "meta": {"title": ', title, source or b"", rest or b"",
                             b"}}\n"))
                yield doc_id, _escape_breaks(line), int(count)
                continue
            if document is None or document.id != doc_id:
                document = store.document(doc_id)
            record = _python_record(store, document, name, keep)
            yield doc_id, (python_line(record) + "\n").encode("utf-8"), len(record.spans)


def _python_record(store: Store, doc: Document, name: str | None, keep: set[str] | None
                   ) -> ExportRecord:
    """The record SQL would not make, as iter_records makes it (three queries)."""
    status = store.status(doc.id, name) if name is not None else "todo"
    spans = store.spans(doc.id, name) if name is not None else []
    return make_record(doc, name, status, spans, keep)


def write_lines(store: Store, write: Callable[[bytes], object],
                python_line: Callable[[ExportRecord], str], **filters: object
                ) -> ExportReport:
    """Write every record's line with ``write``; what an export reports."""
    report = ExportReport()
    last = None
    # a tuple per row and nothing that cycles: the cycle collector would only walk the
    # heap again and again (7% of an export)
    with gcpause.paused():
        for doc_id, line, spans in sql_lines(store, python_line, **filters):  # type: ignore[arg-type]
            write(line)
            report.records += 1
            report.spans += spans
            report.documents += doc_id != last
            last = doc_id
    return report
