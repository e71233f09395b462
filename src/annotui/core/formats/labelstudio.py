"""Label Studio task JSON: one task per document, one annotation per annotator.

A task is ``{"id", "data": {"text", "key", "meta"}, "annotations": [{"id", "annotator",
"status", "was_cancelled", "result": [...]}]}``; each result is a ``labels`` region
``{"id", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start",
"end", "text", "labels": [label]}}`` with the span's note as ``"meta": {"text": [note]}``
(Label Studio's per-region comment). Offsets are code points, as Label Studio's Python
converter counts. The project needs the labelling config of :func:`config_xml`, whose
``from_name``/``to_name`` match the results.

The reader takes a JSON array of tasks or a single task, with ``annotations`` (or the old
``completions``) and ``predictions``; predictions are imported as annotator
``prediction:<model_version>``. A region whose ``value.text`` is not the document's text
at its offsets is named (task, annotation, result) and not stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from annotui.core.formats import ExportReport, Reader, Record, RecordError, Source, Writer
from annotui.core.formats._offsets import (
    Normal,
    Units,
    base_record,
    load_json,
    make_span,
    offset_unit,
)
from annotui.core.formats.jsonl import dumps_line
from annotui.core.records import ExportRecord, filters, iter_records

if TYPE_CHECKING:
    from annotui.core.model import Label
    from annotui.core.store import Store

__all__ = ["config_for", "config_xml", "read_labelstudio", "write_labelstudio"]

DEFAULT_UNIT = "codepoint"
FROM_NAME = "label"
TO_NAME = "text"


_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\n", "&#10;"),
             ("\t", "&#9;"))  # "&" first: the others add ampersands


def _attr(value: str) -> str:
    # by hand: xml.sax.saxutils pulls in urllib.request, http.client and ssl (30 ms of
    # start-up for every import, since the registry loads each format module)
    for char, entity in _ENTITIES:
        value = value.replace(char, entity)
    return value


def config_xml(labels: Iterable[Label | str | tuple[str, str]]) -> str:
    """The labelling config matching the export: a ``Labels`` tag over a ``Text`` tag."""
    lines = ["<View>", f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">']
    for label in labels:
        if isinstance(label, str):
            name, color = label, None
        elif hasattr(label, "color"):  # a Label (a named tuple itself: asked first)
            name, color = label.name, label.color
        else:
            name, color = label
        colour = f' background="{_attr(color)}"' if color else ""
        lines.append(f'    <Label value="{_attr(name)}"{colour}/>')
    lines += ["  </Labels>", f'  <Text name="{TO_NAME}" value="${TO_NAME}"/>', "</View>", ""]
    return "\n".join(lines)


def config_for(store: Store, labels: Iterable[str] | None = None) -> str:
    """:func:`config_xml` for the store's labels (only ``labels``, if given)."""
    keep = set(labels) if labels else None
    return config_xml(label for label in store.labels() if keep is None or label.name in keep)


def _annotation(record: ExportRecord, number: int, task: int, units: Units
                ) -> dict[str, Any]:
    results = []
    for i, span in enumerate(record.spans, 1):
        result: dict[str, Any] = {
            "id": f"{task}-{number}-{i}", "from_name": FROM_NAME, "to_name": TO_NAME,
            "type": "labels",
            "value": {"start": units.out(span.start), "end": units.out(span.end),
                      "text": record.text[span.start:span.end], "labels": [span.label]},
        }
        if span.note:
            result["meta"] = {"text": [span.note]}
        results.append(result)
    return {"id": number, "annotator": record.annotator, "status": record.status,
            "was_cancelled": record.status == "skipped", "result": results}


def write_labelstudio(store: Store, out: TextIO, **options: Any) -> ExportReport:
    """A JSON array of tasks, one a line (see the module docstring)."""
    unit = offset_unit(options, DEFAULT_UNIT)
    report = ExportReport()
    task: dict[str, Any] | None = None
    units = Units("")
    annotations = 0
    out.write("[")

    def emit(task: dict[str, Any]) -> None:
        out.write(("\n" if report.documents == 1 else ",\n") + dumps_line(task))

    for record in iter_records(store, **filters(options)):
        if task is None or task["data"]["key"] != record.key:
            if task is not None:
                emit(task)
            report.documents += 1
            task = {"id": report.documents,
                    "data": {"text": record.text, "key": record.key, "meta": record.meta},
                    "annotations": []}
            units = Units(record.text, unit)
        report.records += 1
        report.spans += len(record.spans)
        if record.annotator is not None:
            annotations += 1
            task["annotations"].append(_annotation(record, annotations, report.documents,
                                                   units))
    if task is not None:
        out.write(("\n" if report.documents == 1 else ",\n") + dumps_line(task))
    out.write("\n]\n")
    return report


def _annotator(entry: dict[str, Any]) -> str | None:
    """Who made a foreign annotation: its email or user id, if Label Studio says."""
    who = entry.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    if isinstance(who, int) and not isinstance(who, bool):
        return f"labelstudio:{who}"
    return who if isinstance(who, str) and who.strip() else None


def _groups(task: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any, Any]]:
    """(what, entry, annotator, status) for each annotation and prediction of a task."""
    for field in ("annotations", "completions", "predictions"):
        entries = task.get(field) or []
        if not isinstance(entries, list):
            raise ValueError(f'"{field}" must be a list')
        for entry in entries:
            if not isinstance(entry, dict):
                raise ValueError(f'"{field}" must hold objects')
            if field == "predictions":
                version = entry.get("model_version")
                name = version if isinstance(version, str) and version.strip() else "model"
                yield "prediction", entry, f"prediction:{name}", None
            elif "annotator" in entry or "status" in entry:   # annotui's own
                yield "annotation", entry, entry.get("annotator"), entry.get("status")
            else:
                status = "skipped" if entry.get("was_cancelled") else "done"
                yield "annotation", entry, _annotator(entry), status


def _spans(entry: dict[str, Any], normal: Normal, units: Units, record: Record,
           where: str) -> Iterator[RecordError]:
    results = entry.get("result") or []
    if not isinstance(results, list):
        yield RecordError(f'{where}: "result" must be a list', span=True)
        return
    for number, result in enumerate(results, 1):
        if not isinstance(result, dict) or result.get("type") not in ("labels", None):
            continue   # choices, relations, text areas: not spans
        value = result.get("value")
        if not isinstance(value, dict) or "start" not in value:
            continue
        labels = value.get("labels")
        meta = result.get("meta")
        note = meta.get("text") if isinstance(meta, dict) else None
        if isinstance(note, list):
            note = "\n".join(str(n) for n in note)
        start, end = value.get("start"), value.get("end")
        try:
            if not isinstance(labels, list) or not labels:
                raise ValueError(f"no labels (got {labels!r})")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
                raise ValueError(f"start and end must be integers (got {start!r}, {end!r})")
            first, last = units.back(start), units.back(end)
            for label in labels:
                record.spans.append(make_span(normal, first, last, label, value.get("text"),
                                              note))
        except ValueError as exc:
            yield RecordError(f"{where} result {number} [{start}, {end}): {exc}", span=True)


def _task(task: Any, number: int, unit: str) -> Iterator[Record | RecordError]:
    where = f"task {number}"
    if not isinstance(task, dict):
        yield RecordError(f"{where}: expected an object, got {type(task).__name__}")
        return
    data = task.get("data") if isinstance(task.get("data"), dict) else task
    text = data.get("text")
    key = data.get("key") if isinstance(data.get("key"), str) else task.get("id")
    meta = dict(data["meta"]) if isinstance(data.get("meta"), dict) else {}
    for name, value in data.items():
        if name not in ("text", "key", "meta", "annotations", "completions", "predictions", "id"):
            meta.setdefault(name, value)
    try:
        if not isinstance(text, str):
            raise ValueError('no "text" string in "data"')
        normal = Normal(text)
        units = Units(text, unit)
        groups = list(_groups(task)) or [("", {}, None, None)]
        records = []
        for what, entry, annotator, status in groups:
            records.append((what, entry, base_record(normal.text, key, meta, annotator,
                                                     status)))
    except ValueError as exc:
        yield RecordError(f"{where}: {exc}")
        return
    counts: dict[str, int] = {}
    for what, entry, record in records:
        counts[what] = counts.get(what, 0) + 1
        yield from _spans(entry, normal, units, record, f"{where} {what} {counts[what]}")
        yield record


def read_labelstudio(source: Source) -> Iterator[Record | RecordError]:
    """Read a Label Studio export or import file (see the module docstring)."""
    try:
        unit = offset_unit(source.options, DEFAULT_UNIT)
        tasks = load_json(source)
    except ValueError as exc:
        yield RecordError(str(exc), fatal=True)
        return
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        yield RecordError("expected a JSON array of tasks or one task", fatal=True)
        return
    for number, task in enumerate(tasks, 1):
        yield from _task(task, number, unit)


READERS = [Reader("labelstudio", (".json",), read_labelstudio,
                  "Label Studio tasks (annotations and predictions)")]
WRITERS = [Writer("labelstudio", ".json", write_labelstudio,
                  description="Label Studio task JSON (code-point offsets)")]
