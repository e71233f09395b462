"""The plain records the store hands out. Frozen: a change goes through the Store.

Named tuples where many are built: the reader builds a Span for each of 100,000 spans
when it opens, the picker a DocumentInfo per document, every label key reads the labels
again. A frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field) took
three times as long, and defining one costs half a millisecond of start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

STATUSES = ("todo", "done", "skipped")


class Label(NamedTuple):
    id: int
    name: str
    key: str | None
    color: str
    description: str
    position: int


class Span(NamedTuple):
    """A labelled range of a document: code points, ``start`` inclusive, ``end`` exclusive."""

    id: int
    document_id: int
    start: int
    end: int
    label: str
    annotator: str
    note: str | None = None
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    key: str
    title: str
    text: str
    source: str | None = None
    sha256: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class DocumentInfo(NamedTuple):
    """A row of the document list: everything but the text."""

    id: int
    key: str
    title: str
    length: int
    status: str
    spans: int | None  # None when not counted (Store.documents(count_spans=False))
    position: int
