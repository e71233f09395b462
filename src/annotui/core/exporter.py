"""``annotui export``: a writer from the registry, to stdout or atomically to a file/folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from annotui.core.formats import ExportReport, FormatError, writer
from annotui.core.output import atomic_file, atomic_folder
from annotui.core.records import ExportText
from annotui.core.store import Store

__all__ = ["export", "manifest"]

MANIFEST_VERSION = 1


def export(store: Store, fmt: str = "jsonl", output: Path | None = None, *,
           out: TextIO | None = None, write_manifest: bool = False,
           **options: Any) -> ExportReport:
    """Export with the writer ``fmt`` to ``output`` (atomically), ``out``, or stdout.

    ``options`` go to the writer (``annotator``, ``status``, ``labels``, ``unit`` and the
    format's own). A file or folder is replaced only once the export has completed: a
    failure leaves the old one intact.
    """
    entry = writer(fmt)
    if entry.mode == "folder":
        if output is None:
            raise FormatError(f"format {fmt!r} writes a folder of files: give -o FOLDER")
        with atomic_folder(output) as folder:
            report = entry.write(store, folder, **options)
    elif output is not None:
        with atomic_file(output, binary=True) as raw:
            if entry.mode == "binary":
                report = entry.write(store, raw, **options)
            else:
                report = _as_text(raw, lambda stream: entry.write(store, stream, **options))
    elif out is not None:
        report = entry.write(store, out, **options)
    elif entry.mode == "binary":
        if sys.stdout.isatty():
            raise FormatError(f"format {fmt!r} is binary: give -o FILE or pipe it")
        report = entry.write(store, sys.stdout.buffer, **options)
        sys.stdout.buffer.flush()
    else:
        report = _to_stdout(lambda stream: entry.write(store, stream, **options))
    if write_manifest:
        if output is None:
            raise FormatError("--manifest needs -o: it is written beside the export")
        with atomic_file(output.with_name(output.name + ".manifest.json")) as stream:
            json.dump(manifest(store, fmt, report, options), stream, ensure_ascii=False,
                      indent=2)
            stream.write("\n")
    return report


def manifest(store: Store, fmt: str, report: ExportReport, options: dict[str, Any]
             ) -> dict[str, Any]:
    """What a consumer needs to read an export right: format, offsets, labels, counts."""
    from annotui import __version__

    return {
        "manifest_version": MANIFEST_VERSION,
        "annotui": __version__,
        "format": fmt,
        "offsets": options.get("offsets") or ("utf16" if fmt == "doccano" else "codepoint"),
        "offset_convention": "start inclusive, end exclusive",
        "unit": options.get("unit") or "doc",
        "filters": {name: options.get(name) for name in ("annotator", "status", "labels")},
        "labels": [{"name": label.name, "key": label.key, "color": label.color}
                   for label in store.labels()],
        "counts": {"documents": report.documents, "records": report.records,
                   "spans": report.spans},
    }


def _to_stdout(run: Any) -> ExportReport:
    # UTF-8 and "\n" whatever the locale says: the bytes must not depend on the terminal
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        return run(sys.stdout)  # type: ignore[no-any-return]
    sys.stdout.flush()
    return _as_text(buffer, run)


def _as_text(raw: BinaryIO, run: Any) -> ExportReport:
    """``run(stream)`` with an ExportText over ``raw``, which stays open afterwards."""
    stream = ExportText(raw, encoding="utf-8", newline="\n")
    try:
        return run(stream)  # type: ignore[no-any-return]
    finally:
        try:
            stream.flush()
        finally:
            # leave the file (or sys.stdout's buffer) open for whoever writes next
            stream.detach()
