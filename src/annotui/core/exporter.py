"""``annotui export``: a writer from the registry, to stdout or atomically to a file."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any, TextIO

from annotui.core.formats import ExportReport, FormatError, writer
from annotui.core.output import atomic_text
from annotui.core.store import Store

__all__ = ["export"]


def export(store: Store, fmt: str = "jsonl", output: Path | None = None, *,
           out: TextIO | None = None, **options: Any) -> ExportReport:
    """Export with the writer ``fmt`` to ``output`` (atomically), ``out``, or stdout.

    ``options`` go to the writer (``annotator``, ``status``, ``labels``). A file is
    replaced only once the export has completed: a failure leaves the old one intact.
    """
    entry = writer(fmt)
    if entry.mode != "text":
        raise FormatError(f"format {fmt!r} writes {entry.mode} output; not supported here yet")
    if output is not None:
        with atomic_text(output) as stream:
            return entry.write(store, stream, **options)
    if out is not None:
        return entry.write(store, out, **options)
    return _to_stdout(lambda stream: entry.write(store, stream, **options))


def _to_stdout(run: Any) -> ExportReport:
    # UTF-8 and "\n" whatever the locale says: the bytes must not depend on the terminal
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        return run(sys.stdout)  # type: ignore[no-any-return]
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="\n")
    try:
        return run(stream)  # type: ignore[no-any-return]
    finally:
        try:
            stream.flush()
        finally:
            # leave sys.stdout's buffer open for whoever writes next
            stream.detach()
