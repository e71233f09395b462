"""The plain records the store hands out. Frozen: a change goes through the Store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

STATUSES = ("todo", "done", "skipped")


@dataclass(frozen=True, slots=True)
class Label:
    id: int
    name: str
    key: str | None
    color: str
    description: str
    position: int


class Span(NamedTuple):
    """A labelled range of a document: code points, ``start`` inclusive, ``end`` exclusive.

    A named tuple, not a frozen dataclass like the others: a document with 100,000 spans
    builds them all when it opens, and a frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field) took three times as long.
    """

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
    """A row of the document list: everything but the text. A named tuple, like Span:
    the picker builds one per document when it opens (60 ms for 20,000 frozen
    dataclasses)."""

    id: int
    key: str
    title: str
    length: int
    status: str
    spans: int | None  # None when not counted (Store.documents(count_spans=False))
    position: int
