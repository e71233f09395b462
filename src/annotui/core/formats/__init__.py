"""The import and export formats, by name: one module per format, one registry here.

``annotui import`` picks a :class:`Reader` by file extension (or ``--format``);
``annotui export --format`` picks a :class:`Writer`. A reader turns one input stream into
:class:`Record` items (one per document and annotator) interleaved with
:class:`RecordError` items for what it had to skip, so the importer can keep the good
records, name the bad ones with their line numbers, and never hold a whole file of
records in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

__all__ = [
    "READERS",
    "WRITERS",
    "ExportReport",
    "FormatError",
    "ImportSpan",
    "Reader",
    "Record",
    "RecordError",
    "Source",
    "Writer",
    "format_for_path",
    "reader",
    "writer",
]


class FormatError(ValueError):
    """An unknown format name or an input no reader claims; the message is one line."""


class ByteStream(Protocol):
    """What a reader needs from its input: the whole of it, or its lines (``\\n``-split)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def __iter__(self) -> Iterator[bytes]: ...


@dataclass(frozen=True, slots=True)
class Source:
    """One input to read: a file, a file found in a folder, or stdin."""

    name: str                 # how messages name it: the path as the user gave it, or <stdin>
    stream: ByteStream
    path: Path | None = None  # the file on disk (for sidecar files); None for stdin
    key: str | None = None    # the document key a one-document format should use
    encoding: str = "utf-8"
    options: dict[str, Any] = field(default_factory=dict)  # a format's own (e.g. offsets)


class ImportSpan(NamedTuple):
    """A span as read from a file, already checked against its record's text.

    A named tuple: an import builds one per span (200,000 for a 20,000-document corpus),
    and a frozen dataclass took five times as long to build.
    """

    start: int
    end: int
    label: str
    annotator: str | None = None  # None: the record's annotator, else the importing one
    note: str | None = None


@dataclass(slots=True)
class Record:
    """One document as read (with one annotator's spans and status, if any)."""

    text: str
    key: str | None = None
    title: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    spans: list[ImportSpan] = field(default_factory=list)
    annotator: str | None = None
    status: str | None = None
    line: int | None = None   # where it starts in its file (1-based), for messages


class RecordError(NamedTuple):
    """Something a reader skipped: a whole record, or one span of a record it kept."""

    reason: str
    line: int | None = None
    fatal: bool = False       # the rest of the file is not worth reading (a binary file)
    span: bool = False        # only one span was dropped; its record was kept


ReadFunc = Callable[[Source], Iterator["Record | RecordError"]]


class Reader(NamedTuple):
    name: str
    extensions: tuple[str, ...]   # lower case, with the dot
    read: ReadFunc
    description: str = ""


@dataclass(slots=True)
class ExportReport:
    """What an export wrote: distinct documents, records (lines) and spans."""

    documents: int = 0
    records: int = 0
    spans: int = 0
    warnings: list[str] = field(default_factory=list)  # one line each, for stderr


class Writer(NamedTuple):
    """An export format. ``write(store, out, annotator=, status=, labels=)``.

    ``mode`` tells the CLI what ``out`` must be: "text" (a text stream, stdout by
    default); formats written later may need "binary" (spaCy DocBin) or "folder" (brat).
    """

    name: str
    extension: str
    write: Callable[..., ExportReport]
    mode: str = "text"
    description: str = ""


def _known(table: dict[str, Any]) -> str:
    return ", ".join(sorted(table))


def reader(name: str) -> Reader:
    """The reader called ``name``; :class:`FormatError` if there is none."""
    readers = _registry()[0]
    found = readers.get(name.lower().lstrip("."))
    if found is None:
        raise FormatError(f"unknown format {name!r} (known: {_known(readers)})")
    return found


def writer(name: str) -> Writer:
    """The writer called ``name``; :class:`FormatError` if there is none."""
    writers = _registry()[1]
    found = writers.get(name.lower())
    if found is None:
        raise FormatError(f"unknown format {name!r} (known: {_known(writers)})")
    return found


def format_for_path(path: str | Path) -> str | None:
    """The name of the reader claiming this file's extension, or None."""
    suffix = Path(path).suffix.lower()
    if not suffix:
        return None
    for name, entry in _registry()[0].items():
        if suffix in entry.extensions:
            return name
    return None


def _register() -> tuple[dict[str, Reader], dict[str, Writer]]:
    """Collect ``READERS``/``WRITERS`` lists from every module of this package.

    A new format is one new module; nothing else needs editing. Modules load here, at
    first use of the package, and must keep heavy imports (spaCy, lxml) inside functions.
    """
    import importlib
    import pkgutil

    readers: dict[str, Reader] = {}
    writers: dict[str, Writer] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for entry in getattr(module, "READERS", ()):
            readers[entry.name] = entry
        for entry in getattr(module, "WRITERS", ()):
            writers[entry.name] = entry
    return readers, writers


_REGISTRY: tuple[dict[str, Reader], dict[str, Writer]] | None = None


def _registry() -> tuple[dict[str, Reader], dict[str, Writer]]:
    # built on first use, not at import: opening the reader or catching a FormatError
    # must not load every format module (a quarter of a second of start-up)
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _register()
    return _REGISTRY


def __getattr__(name: str) -> Any:
    if name == "READERS":
        return _registry()[0]
    if name == "WRITERS":
        return _registry()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
