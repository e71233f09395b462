"""Helpers shared by the doccano, Label Studio and brat formats (not a format itself).

Offsets: annotui counts code points; doccano counts UTF-16 code units (JavaScript string
indices), where every character outside the BMP (most emoji) takes two. :class:`Units`
converts both ways, exactly, and refuses an offset that falls inside a surrogate pair.
Foreign files may also carry texts with CR line ends or a BOM, which annotui normalises;
:class:`Normal` maps their offsets onto the normalised text.
"""

from __future__ import annotations

import codecs
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any

from annotui.core.formats import ImportSpan, Record, RecordError, Source
from annotui.core.formats.jsonl import parse_record
from annotui.core.labels import NAME
from annotui.core.text import normalize_text

__all__ = ["OFFSET_UNITS", "Normal", "Units", "base_record", "excerpt", "iter_json_lines",
           "load_json", "make_span", "offset_unit"]

OFFSET_UNITS = ("utf16", "codepoint")
_BMP_END = "\U00010000"


def offset_unit(options: dict[str, Any], default: str) -> str:
    """The ``offsets`` option, checked (``None`` means the format's default)."""
    unit = options.get("offsets") or default
    if unit not in OFFSET_UNITS:
        raise ValueError(f"unknown offsets {unit!r} (one of {', '.join(OFFSET_UNITS)})")
    return str(unit)


class Units:
    """Code-point offsets of one text to and from ``unit`` (utf16 or codepoint)."""

    def __init__(self, text: str, unit: str = "codepoint") -> None:
        self.unit = unit
        self.length = len(text)
        # bounds[i]: the UTF-16 offset of code point i; only built when they differ
        self.bounds: list[int] | None = None
        if unit == "utf16" and not text.isascii() and max(text) >= _BMP_END:
            bounds = [0] * (len(text) + 1)
            at = 0
            for i, char in enumerate(text):
                bounds[i] = at
                at += 2 if char >= _BMP_END else 1
            bounds[len(text)] = at
            self.bounds = bounds

    def out(self, offset: int) -> int:
        """A code-point offset in this unit."""
        return offset if self.bounds is None else self.bounds[offset]

    def back(self, offset: int) -> int:
        """This unit's offset as a code point; ValueError inside a surrogate pair."""
        if self.bounds is None:
            return offset
        i = bisect_left(self.bounds, offset)
        if i < len(self.bounds) and self.bounds[i] == offset:
            return i
        if 0 < offset < self.bounds[-1]:
            raise ValueError(f"UTF-16 offset {offset} falls inside a surrogate pair"
                             f" (the character at code point {i - 1})")
        return offset + (len(self.bounds) - 1 - self.bounds[-1])  # outside: caught later


class Normal:
    """A foreign text normalised (BOM dropped, CR line ends to LF), with an offset map."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = normalize_text(raw)
        self.removed: list[int] = []   # raw positions of characters the text dropped
        if self.text != raw:
            lead = len(raw) - len(raw.lstrip("\ufeff"))
            self.removed = list(range(lead))
            at = raw.find("\r\n", lead)
            while at >= 0:
                self.removed.append(at)
                at = raw.find("\r\n", at + 2)

    def map(self, offset: int) -> int:
        """A raw offset in the normalised text."""
        return offset - bisect_right(self.removed, offset - 1) if self.removed else offset


def excerpt(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def make_span(normal: Normal, start: Any, end: Any, label: Any, given: Any = None,
              note: Any = None, annotator: str | None = None) -> ImportSpan:
    """A checked span from raw-text code-point offsets; ValueError names what is wrong.

    ``given`` (the span's text, if the file has it) must match the raw text there.
    """
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise ValueError(f"start and end must be integers (got {start!r}, {end!r})")
    raw = normal.raw
    if not 0 <= start < end <= len(raw):
        raise ValueError(f"[{start}, {end}) is empty or outside the text (0-{len(raw)})")
    if not isinstance(label, str) or label != label.strip() or not NAME.fullmatch(label):
        raise ValueError(f"[{start}, {end}): invalid label {label!r}")
    piece = raw[start:end]
    if given is not None and given != piece:
        raise ValueError(f"[{start}, {end}) text {excerpt(str(given))} does not match the"
                         f" document ({excerpt(piece)})")
    if note is not None and not isinstance(note, str):
        raise ValueError(f"[{start}, {end}): note must be a string")
    first, last = normal.map(start), normal.map(end)
    if first >= last:
        raise ValueError(f"[{start}, {end}) is empty once CR line ends are normalised")
    return ImportSpan(first, last, label, annotator, note or None)


def base_record(text: str, key: Any, meta: Any, annotator: Any, status: Any,
                line: int | None = None) -> Record:
    """A Record checked the way annotui's JSONL checks one (text, key, meta, annotator,
    status); ValueError with a one-line reason. ``text`` must be normalised already."""
    obj = {"id": key, "text": text, "meta": meta, "annotator": annotator, "status": status}
    for item in parse_record(obj, line):
        if isinstance(item, RecordError):
            raise ValueError(item.reason)
        return item
    raise ValueError("not a record")  # pragma: no cover - parse_record always yields


def _surrogate_free(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def iter_json_lines(source: Source) -> Iterator[tuple[int, Any] | RecordError]:
    """(line number, decoded value) for every non-blank JSONL line; bad lines as errors."""
    try:
        codec = codecs.lookup(source.encoding).name
    except LookupError:
        yield RecordError(f"unknown encoding {source.encoding!r}", fatal=True)
        return
    if "\n".encode(codec) != b"\n":
        data = source.stream.read().decode(codec, errors="replace")
        lines: Any = ((n, line) for n, line in enumerate(data.split("\n"), 1))
    else:
        lines = enumerate(source.stream, 1)
    seen = False
    for number, raw in lines:
        if isinstance(raw, bytes):
            if number == 1 and raw.startswith(codecs.BOM_UTF8) and codec == "utf-8":
                raw = raw[3:]
            try:
                raw = raw.decode(codec)
            except UnicodeDecodeError as exc:
                yield RecordError(f"not valid {codec} at byte {exc.start} of the line"
                                  " (try --encoding)", number, fatal=not seen)
                if not seen:
                    return
                continue
        line = raw.lstrip("\ufeff") if number == 1 else raw
        if not line.strip():
            continue
        if "\x00" in line:
            yield RecordError("NUL character: not a JSON record", number, fatal=not seen)
            if not seen:
                return
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = getattr(exc, "msg", "nested too deeply")
            yield RecordError(f"invalid JSON ({msg})", number)
            continue
        if "\\u" in line and not _surrogate_free(value):
            yield RecordError("contains a lone surrogate, which is not text", number)
            continue
        seen = True
        yield number, value


def load_json(source: Source) -> Any:
    """A whole input as one JSON value; ValueError with a one-line reason."""
    try:
        data = source.stream.read().decode(codecs.lookup(source.encoding).name)
    except LookupError:
        raise ValueError(f"unknown encoding {source.encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid {source.encoding} at byte {exc.start}"
                         " (try --encoding)") from None
    try:
        value = json.loads(data.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at line {exc.lineno} column"
                         f" {exc.colno})") from None
    except RecursionError:
        raise ValueError("invalid JSON (nested too deeply)") from None
    if not _surrogate_free(value):
        raise ValueError("contains a lone surrogate, which is not text")
    return value
