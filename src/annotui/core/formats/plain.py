"""Plain text and Markdown: one file, one document, kept exactly as written.

A file ``X.txt`` (or ``X.md``) next to an ``X.toml`` takes its title, source and other
fields from it, the way the bundled sample article does.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotui.core.formats import Reader, Record, RecordError, Source
from annotui.core.text import DecodeError, normalize_bytes

__all__ = ["TITLE_LIMIT", "read_markdown", "read_plain", "sidecar_path", "title_of"]

# a first line longer than this is the article's first paragraph, not its title
TITLE_LIMIT = 80


def title_of(text: str, fallback: str | None, *, markdown: bool = False) -> str | None:
    """The first non-empty line if it is short, else ``fallback``.

    For Markdown, a heading's ``#`` marks are not part of the title (the text keeps them).
    """
    for line in text.split("\n"):
        line = line.strip()
        if markdown and line.startswith("#"):
            line = line.lstrip("#").strip() or line
        if line:
            return line if len(line) <= TITLE_LIMIT else fallback
    return fallback


def sidecar_path(path: Path) -> Path:
    """Where a text file's metadata would be: ``X.txt`` -> ``X.toml``."""
    return path.with_suffix(".toml")


def _jsonable(value: Any) -> Any:
    # TOML dates and times have no JSON form; the store keeps meta as JSON
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def read_sidecar(path: Path) -> tuple[str | None, str | None, dict[str, Any]]:
    """(title, source, meta) from a sidecar TOML; raises ValueError with a one-line reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 at byte {exc.start}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML ({exc})") from None
    title, source = data.pop("title", None), data.pop("source", None)
    for field, value in (("title", title), ("source", source)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{field} must be a string")
    return title, source, _jsonable(data)


def read_markdown(source: Source) -> Iterator[Record | RecordError]:
    """Read a Markdown input as one document, kept as text (see :func:`read_plain`)."""
    return read_plain(source, markdown=True)


def read_plain(source: Source, *, markdown: bool = False) -> Iterator[Record | RecordError]:
    """Read a .txt (or .md) input as one document (see the module docstring)."""
    try:
        text = normalize_bytes(source.stream.read(), source.encoding)
    except DecodeError as exc:
        yield RecordError(str(exc), fatal=True)
        return
    if not text.strip():
        yield RecordError("empty file, nothing imported", fatal=True)
        return
    stem = source.key or (source.path.stem if source.path is not None else None)
    title, origin, meta = title_of(text, stem, markdown=markdown), None, {}
    if source.path is not None:
        sidecar = sidecar_path(source.path)
        if sidecar.is_file():
            try:
                side_title, origin, meta = read_sidecar(sidecar)
            except ValueError as exc:
                # skipped, not imported bare: once stored, a fixed sidecar could no longer
                # reach the document (the same text is never imported twice)
                yield RecordError(f"{sidecar.name}: {exc}; file skipped", fatal=True)
                return
            title = side_title or title
    yield Record(text=text, key=source.key, title=title, source=origin, meta=meta)


READERS = [
    Reader("txt", (".txt", ".text"), read_plain, "plain text, one document"),
    Reader("md", (".md", ".markdown"), read_markdown, "Markdown, kept as text"),
]
