"""What happens before the reader opens, and imports with a progress bar on stderr."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from annotui import resources
from annotui.core.store import Store

if TYPE_CHECKING:
    from annotui.core.importer import ImportReport

# below this many bytes an import is instant and a progress bar would only flicker
PROGRESS_THRESHOLD = 2_000_000


def prepare(store: Store, paths: list[str], *, encoding: str = "utf-8",
            console: Any = None) -> int | None:
    """Import PATHs (or the sample on a first run) and load the default labels if none.

    Returns the document to open first, or None to resume where the annotator left off.
    """
    first: int | None = None
    if paths:
        report = run_import(store, paths, encoding=encoding, console=console)
        first = report.document_ids[0] if report.document_ids else None
    elif store.first_document() is None:
        first = add_sample(store)
    if not store.labels():
        store.load_labels(resources.default_labels())
    return first


def add_sample(store: Store) -> int:
    """Store the bundled sample as ``annotui import`` would: read by the plain-text reader
    (its sidecar TOML gives the title and source), written by the same store call. Not
    through the importer, whose format registry and batching were a third of a first
    start."""
    from annotui.core.corpus import Imported
    from annotui.core.formats import Record, Source
    from annotui.core.formats.plain import read_plain

    path = resources.sample_article()
    with path.open("rb") as stream:
        [record] = read_plain(Source(str(path), stream, path=path, key=path.stem))
    assert isinstance(record, Record), record  # the file ships with annotui
    done = Imported()
    with store.transaction():
        store.import_record(record, store.annotator, done)
    return done.documents[0][0]


def run_import(store: Store, paths: list[str], *, fmt: str | None = None,
               encoding: str = "utf-8", console: Any = None,
               options: dict[str, Any] | None = None) -> ImportReport:
    """Import with a rich progress bar (on long runs) and a summary, both on stderr."""
    # here, not at the top: opening an existing database imports nothing, and the
    # format modules are a quarter of a second of start-up
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from annotui.core.importer import import_paths

    console = console or Console(stderr=True)
    progress = Progress("[progress.description]{task.description}", BarColumn(),
                        DownloadColumn(), TimeRemainingColumn(), console=console,
                        transient=True)
    task = progress.add_task("importing", total=None, visible=False)
    started = time.monotonic()

    def tick(done: int, total: int) -> None:
        if total >= PROGRESS_THRESHOLD and not progress.live.is_started:
            progress.start()
            progress.update(task, visible=True)
        progress.update(task, completed=done, total=total)

    try:
        report = import_paths(store, paths, fmt=fmt, encoding=encoding,
                              stdin=sys.stdin.buffer if "-" in paths else None, progress=tick,
                              options=options)
    finally:
        progress.stop()
    for warning in report.warnings:
        console.print(f"[yellow]warning[/] {_escape(warning)}", highlight=False, soft_wrap=True)
    for error in report.errors:
        console.print(f"[red]error[/] {_escape(error)}", highlight=False, soft_wrap=True)
    console.print(_escape(report.summary()) + f" in {time.monotonic() - started:.1f}s",
                  highlight=False, soft_wrap=True)
    return report


def _escape(text: str) -> str:
    from rich.markup import escape

    from annotui.core.display import display_text

    # a file name may hold a newline: every message stays on one line
    return escape(display_text(text).replace("\n", "⏎"))
