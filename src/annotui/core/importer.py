"""``annotui import``: files, folders and stdin into the store, streaming and idempotent.

Each input is read by the reader its extension (or ``--format``) names; readers yield
records and per-record errors, so a bad line or span is named with its line number and
skipped while the rest of the file lands. Records are validated before anything is
written, then written in batches, one transaction per batch, set-wise (see
:mod:`._import_batch`); a batch that something in it spoils is written again record by
record under savepoints. Each document lands with its spans and status entirely or not
at all, and a failing record never takes its neighbours with it. Importing the same input
twice adds nothing: the store keeps one document per text and skips spans it has. A
large JSONL file is read by a second process while this one writes (see
:mod:`._import_read`); the WAL is checkpointed in a thread meanwhile.
"""

from __future__ import annotations

import codecs
import gc
import os
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from annotui.core._import_batch import Checkpointer, write_batch
from annotui.core._import_read import (
    READ_BUFFER,
    CountingStream,
    read_here,
    read_in_worker,
    spans_named,
    worker_can_read,
)
from annotui.core.corpus import Imported
from annotui.core.formats import (
    READERS,
    FormatError,
    Reader,
    Record,
    RecordError,
    Source,
    format_for_path,
    reader,
)
from annotui.core.schema import StoreError
from annotui.core.store import Store

__all__ = ["BATCH_RECORDS", "FIRST_BATCH", "ImportReport", "import_paths"]

# Records per transaction: a file's first batch is small (its first documents show up at
# once), each next one twice the last, up to BATCH_RECORDS: enough that commits (fsync)
# vanish in a 100k-record import, few enough to hold the write lock well under a second
# and keep memory flat. BATCH_CHARS bounds a batch of long documents the same way.
FIRST_BATCH = 200
BATCH_RECORDS = 2000
BATCH_CHARS = 8_000_000
# page cache while importing (KiB): a batch's pages stay in memory until its commit
IMPORT_CACHE_KIB = 32_768
# past this many messages for one file, the rest are only counted (a wrong file type
# would otherwise print a line per line)
MAX_ERRORS_PER_FILE = 50
STDIN_NAME = "<stdin>"


@dataclass
class ImportReport:
    """What an import did; ``errors`` holds one-line ``name[:line]: reason`` messages."""

    files: int = 0                 # inputs read (files and stdin), good or bad
    documents_added: int = 0
    documents_present: int = 0     # records whose text was already stored
    spans_added: int = 0
    spans_duplicate: int = 0       # already stored: skipped, not an error
    spans_rejected: int = 0        # invalid spans, named in errors
    records_rejected: int = 0      # invalid records or files, named in errors
    statuses: int = 0              # statuses recorded
    files_ignored: int = 0         # files in folders that no reader claims
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # stored, but worth saying (renamed ids)
    document_ids: list[int] = field(default_factory=list)  # touched, in input order
    _seen: set[int] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        """True when nothing had to be skipped (the CLI exits 1 otherwise)."""
        return not self.errors

    def summary(self) -> str:
        """One line for the end of ``annotui import``."""
        def n(count: int, word: str) -> str:
            return f"{count:,} {word}{'' if count == 1 else 's'}"

        parts = [f"{n(self.files, 'file')} read",
                 f"{n(self.documents_added, 'document')} added"]
        if self.documents_present:
            parts.append(f"{self.documents_present:,} already present")
        parts.append(f"{n(self.spans_added, 'span')} added")
        if self.spans_duplicate:
            parts.append(f"{self.spans_duplicate:,} already present")
        if self.files_ignored:
            parts.append(f"{n(self.files_ignored, 'file')} of unknown type ignored")
        if self.errors:
            parts.append(n(len(self.errors), "error"))
        return ", ".join(parts)

    def _touch(self, doc_id: int) -> None:
        if doc_id not in self._seen:
            self._seen.add(doc_id)
            self.document_ids.append(doc_id)


@dataclass(frozen=True, slots=True)
class _Input:
    name: str
    reader: Reader
    path: Path | None   # None: stdin
    key: str | None
    size: int


def _message(name: str, line: int | None, reason: str) -> str:
    return f"{name}:{line}: {reason}" if line else f"{name}: {reason}"


def _known_extensions() -> str:
    return ", ".join(sorted({ext for r in READERS.values() for ext in r.extensions}))


def _plan(paths: list[str], fmt: str | None, report: ImportReport) -> list[_Input]:
    """Resolve paths to inputs in a stable order; unusable ones go to report.errors."""
    chosen = reader(fmt) if fmt else None
    inputs: list[_Input] = []
    for given in paths:
        if given == "-":
            # the reader is decided when stdin is read (sniffed unless --format)
            inputs.append(_Input(STDIN_NAME, chosen or READERS["txt"], None, None, 0))
            continue
        path = Path(given)
        problem = _not_a_file(path)
        if path.is_dir():
            inputs.extend(_walk(path, given, chosen, report))
        elif problem:
            report.errors.append(_message(given, None, problem))
            report.records_rejected += 1
        else:
            name = chosen.name if chosen else format_for_path(path)
            if name is None:
                what = f"unknown file type {path.suffix!r}" if path.suffix else "no extension"
                report.errors.append(_message(
                    given, None, f"{what} (known: {_known_extensions()}; or use --format)"))
                report.records_rejected += 1
                continue
            inputs.append(_Input(given, READERS[name], path, _key(path.stem), _size(path)))
    return inputs


def _key(name: str) -> str:
    """A document key from a file name; bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None. FIFOs and devices (/dev/zero) would
    block or never end, so only regular files are read."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return "not a regular file (a FIFO, socket or device); nothing imported"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _walk(folder: Path, given: str, chosen: Reader | None, report: ImportReport
          ) -> list[_Input]:
    found: list[tuple[tuple[str, ...], _Input]] = []

    def unreadable(exc: OSError) -> None:
        report.errors.append(_message(str(exc.filename or given), None,
                                      f"cannot read folder ({exc.strerror or exc})"))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        # hidden folders (.git, .venv, .ipynb_checkpoints) are never someone's corpus
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in files:
            if file.startswith("."):
                continue
            path = Path(root, file)
            problem = _not_a_file(path)
            if problem:
                if format_for_path(path) or (chosen and path.suffix.lower() in chosen.extensions):
                    # it looks like corpus: say why it was left out
                    report.errors.append(_message(os.path.join(given, file), None, problem))
                    report.records_rejected += 1
                else:
                    report.files_ignored += 1
                continue
            if chosen is not None and chosen.name == "brat" and (
                    path.suffix.lower() == ".conf"
                    or (path.suffix.lower() == ".txt" and path.with_suffix(".ann").exists())):
                continue  # a brat folder's texts and configuration belong to its .ann files
            if chosen is not None:
                entry = chosen if path.suffix.lower() in chosen.extensions else None
            else:
                name = format_for_path(path)
                entry = READERS[name] if name else None
            if entry is None:
                # sidecars belong to their .txt; anything else is counted as ignored
                if path.suffix.lower() != ".toml":
                    report.files_ignored += 1
                continue
            relative = path.relative_to(folder)
            key = _key(relative.with_suffix("").as_posix())
            shown = os.path.join(given, *relative.parts)
            found.append((relative.parts, _Input(shown, entry, path, key, _size(path))))
    found.sort(key=lambda item: item[0])
    if not found:
        report.errors.append(_message(
            given, None, f"no files to import here (looked for {_known_extensions()})"))
    return [item for _, item in found]


def _sniff(raw: BinaryIO) -> tuple[str, list[bytes]]:
    """Read stdin up to its first non-blank line: ``{`` there means JSONL, else text."""
    prefix: list[bytes] = []
    for line in iter(raw.readline, b""):
        prefix.append(line)
        head = line[3:] if not prefix[1:] and line.startswith(codecs.BOM_UTF8) else line
        head = head.lstrip()
        if head:
            return ("jsonl" if head.startswith(b"{") else "txt"), prefix
    return "txt", prefix


def import_paths(
    store: Store,
    paths: list[str],
    *,
    fmt: str | None = None,
    encoding: str = "utf-8",
    stdin: BinaryIO | None = None,
    progress: Callable[[int, int], None] | None = None,
    annotator: str | None = None,
    options: dict[str, Any] | None = None,
) -> ImportReport:
    """Import files, folders (recursively) and ``-`` (stdin) into ``store``.

    ``fmt`` forces a reader for every named file and stdin (in folders it selects the
    files that reader claims); otherwise formats come from extensions, and stdin is
    sniffed. Spans and statuses that name no annotator are recorded as ``annotator``
    (default: the store's). ``progress(done, total)`` gets bytes read so far and the
    total size of the files (stdin counts as it is read). Bad inputs never raise: they
    are named in ``report.errors``; an unknown ``fmt`` or ``encoding`` raises
    :class:`FormatError` before anything is read.
    """
    if store.readonly:
        raise StoreError(f"{store.path}: opened read-only; cannot import")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FormatError(f"unknown encoding {encoding!r}") from None
    report = ImportReport()
    inputs = _plan(paths, fmt, report)
    conn = store.conn
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    # the parsed JSON is millions of short-lived dicts and lists without cycles; the cycle
    # collector would walk the growing heap over and over for nothing (5% of an import)
    collecting = gc.isenabled()
    gc.disable()
    checkpoint = Checkpointer(store)
    try:
        _import_inputs(store, inputs, report, checkpoint, fmt=fmt, encoding=encoding,
                       stdin=stdin, progress=progress, annotator=annotator, options=options)
    finally:
        checkpoint.close()
        if collecting:
            gc.enable()
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
    return report


def _import_inputs(store: Store, inputs: list[_Input], report: ImportReport,
                   checkpoint: Checkpointer, *,
                   fmt: str | None, encoding: str, stdin: BinaryIO | None,
                   progress: Callable[[int, int], None] | None, annotator: str | None,
                   options: dict[str, Any] | None) -> None:
    total = sum(item.size for item in inputs)
    done = 0
    importer = _Importer(store, report, annotator or store.annotator, options, checkpoint)
    for item in inputs:
        stream: CountingStream | None = None
        try:
            if item.path is None:
                raw = stdin if stdin is not None else _stdin()
                entry = item.reader
                prefix: list[bytes] = []
                if fmt is None:
                    name, prefix = _sniff(raw)
                    entry = READERS[name]
                stream = CountingStream(raw, prefix)
                # the ticks run inside this iteration, so the loop variables are current
                importer.run(item, entry, stream, encoding,
                             lambda: _tick(progress, done + stream.count if stream else done,  # noqa: B023
                                           total))  # noqa: B023
            else:
                with open(item.path, "rb", buffering=READ_BUFFER) as handle:
                    stream = CountingStream(handle)  # type: ignore[arg-type]
                    importer.run(item, item.reader, stream, encoding,
                                 lambda: _tick(progress, done + stream.count if stream else done,  # noqa: B023
                                               total))  # noqa: B023
        except OSError as exc:
            importer.file_error(item.name, f"cannot read ({exc.strerror or exc})")
        done += stream.count if stream is not None else item.size
        total = max(total, done)
        _tick(progress, done, total)


def _stdin() -> BinaryIO:
    import sys

    return sys.stdin.buffer


def _tick(progress: Callable[[int, int], None] | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, max(total, done))


class _Importer:
    """Writes validated records in batches and keeps the report's books."""

    def __init__(self, store: Store, report: ImportReport, annotator: str,
                 options: dict[str, Any] | None = None,
                 checkpoint: Checkpointer | None = None) -> None:
        self.options = options or {}
        self.checkpoint = checkpoint
        self.renamed: list[tuple[int | None, str, str]] = []  # of the record being written
        self.store = store
        self.report = report
        self.annotator = annotator

    def file_error(self, name: str, reason: str, line: int | None = None) -> None:
        self.report.errors.append(_message(name, line, reason))
        self.report.records_rejected += 1

    def run(self, item: _Input, entry: Reader, stream: CountingStream, encoding: str,
            tick: Callable[[], None]) -> None:
        report = self.report
        report.files += 1
        source = Source(item.name, stream, item.path, item.key, encoding, self.options)
        batch: list[Record] = []
        sums: list[str | None] = []  # the texts' sha256, where the reading process sent it
        chars = errors = records = 0
        size = FIRST_BATCH
        # a large JSONL file is read by a second process while this one writes
        items = (read_in_worker(entry, source, stream)
                 if item.path is not None and worker_can_read(entry, item.size)
                 else read_here(entry, source))
        for got, text_sum in items:
            if isinstance(got, RecordError):
                errors += 1
                if got.span:
                    report.spans_rejected += 1
                else:
                    report.records_rejected += 1
                if errors <= MAX_ERRORS_PER_FILE:
                    report.errors.append(_message(item.name, got.line, got.reason))
                if got.fatal:
                    break
                continue
            records += 1
            batch.append(got)
            sums.append(text_sum)
            chars += len(got.text)
            if len(batch) >= size or chars >= BATCH_CHARS:
                self.write(item.name, batch, sums)
                batch, sums, chars, size = [], [], 0, min(size * 2, BATCH_RECORDS)
                tick()
        if batch:
            self.write(item.name, batch, sums)
        if errors > MAX_ERRORS_PER_FILE:
            report.errors.append(_message(
                item.name, None, f"{errors - MAX_ERRORS_PER_FILE:,} more errors not shown"))
        if not records and not errors:
            self.file_error(item.name, "empty file, nothing imported")

    def write(self, name: str, batch: list[Record], sums: list[str | None] | None = None
              ) -> None:
        """Write a batch in one transaction: set-wise, or, when something in it is refused,
        record by record under savepoints, so that only the culprit is lost."""
        store, conn = self.store, self.store.conn
        failed: list[str] = []
        if self.checkpoint is not None:
            self.checkpoint.before_write()
        try:
            with store.transaction():
                conn.execute("SAVEPOINT annotui_batch")
                try:
                    done = write_batch(store, batch, self.annotator, sums)
                except (StoreError, sqlite3.Error, ValueError):
                    conn.execute("ROLLBACK TO annotui_batch")
                    done = None
                finally:
                    conn.execute("RELEASE annotui_batch")
                if done is None:
                    done = Imported()
                    for record in batch:
                        conn.execute("SAVEPOINT annotui_import")
                        try:
                            store.import_record(spans_named(record), self.annotator, done)
                        except (StoreError, sqlite3.Error, ValueError) as exc:
                            conn.execute("ROLLBACK TO annotui_import")
                            failed.append(_message(name, record.line, f"not stored ({exc})"))
                        finally:
                            conn.execute("RELEASE annotui_import")
        except StoreError as exc:
            # the commit itself failed (disk full, lock timeout): the batch is not stored
            self.file_error(name, f"{len(batch)} records not stored ({exc})",
                            batch[0].line)
            return
        if self.checkpoint is not None:
            self.checkpoint.after_commit()
        report = self.report
        for line, wanted, stored in done.renamed:
            report.warnings.append(_message(
                name, line, f"id {wanted!r} is already used by another text; stored as {stored!r}"))
        for message in failed:
            report.errors.append(message)
            report.records_rejected += 1
        for doc_id, created in done.documents:
            report._touch(doc_id)
            if created:
                report.documents_added += 1
            else:
                report.documents_present += 1
        report.spans_added += done.spans_added
        report.spans_duplicate += done.spans_skipped
        report.statuses += done.statuses
