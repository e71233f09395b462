"""brat standoff: a folder of ``NAME.txt`` + ``NAME.ann`` pairs, one per record.

``NAME`` comes from the document key (ASCII letters, digits, ``-`` and ``_``, with a short
hash of the key when sanitising changed it or two names would clash, case-insensitively);
a document with several annotators gets one pair per annotator, ``KEY__ANNOTATOR``. The
``.txt`` holds the text exactly (written with ``newline=""``); the ``.ann`` holds
``T1<TAB>label start end<TAB>text`` lines, code-point offsets, end exclusive. A span over
a line break is written as fragments ``start end;start end`` (brat cannot show a break
inside a fragment) whose texts the text column joins with a space. A span's note is
``#1<TAB>AnnotatorNotes T1<TAB>note`` (tabs and line breaks escaped as ``\\t``, ``\\n``).
``annotation.conf`` lists the entity labels used.

What brat has no place for (key, title, meta, annotator, status, labels brat cannot
spell) goes in ``NAME.annotui.toml`` beside the pair, which brat ignores; with it a round
trip is exact. The reader takes the ``.ann`` path, reads the sibling ``.txt`` (and the
sidecar if there is one), rebuilds a fragmented span from its first start to its last
end, and takes notes from ``AnnotatorNotes``; relations, events and attributes are not
spans and are skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotui.core.formats import ExportReport, Reader, Record, RecordError, Source, Writer
from annotui.core.formats._offsets import Normal, base_record, excerpt, make_span
from annotui.core.records import ExportRecord, filters, iter_records
from annotui.core.text import DecodeError, normalize_bytes

if TYPE_CHECKING:
    from annotui.core.store import Store

__all__ = ["fragments", "read_brat", "safe_name", "write_brat"]

SIDECAR = ".annotui.toml"
# where str.splitlines() (and so many .ann readers) would cut a line
BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"{p}{i}" for p in ("com", "lpt") for i in range(10))}
_BRAT_TYPE = re.compile(r"[\s;:|<>=,#\\/\"']+")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # what a TOML literal string cannot hold
_TOML_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')


def _digest(*parts: str | None) -> str:
    return hashlib.sha1("\x00".join(p or "" for p in parts).encode()).hexdigest()[:8]


def safe_name(text: str, limit: int = 60) -> tuple[str, bool]:
    """(a file-name-safe form of ``text``, whether it differs from ``text``)."""
    name = _UNSAFE.sub("_", text).strip("_-")[:limit] or "doc"
    return name, name != text or name.lower() in _RESERVED


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at line breaks: the runs of non-break characters."""
    pieces: list[tuple[int, int]] = []
    at = start
    for i in range(start, end):
        if text[i] in BREAKS:
            if at < i:
                pieces.append((at, i))
            at = i + 1
    if at < end:
        pieces.append((at, end))
    return pieces


def _brat_type(label: str) -> str:
    name = _BRAT_TYPE.sub("_", label)
    return name if name == label else f"{name}-{_digest(label)[:6]}"


def _toml(value: str) -> str:
    """A TOML string: literal (as written) when it can be, else escaped."""
    if "'" not in value and not _CONTROL.search(value):
        return f"'{value}'"
    escape = {'"': '\\"', "\\": "\\\\"}
    return '"' + _TOML_ESCAPE.sub(lambda m: escape.get(m.group()) or f"\\u{ord(m.group()):04x}",
                              value) + '"'


def _escape(note: str) -> str:
    note = "".join(_ESCAPES.get(c, c) for c in note)
    return "".join(f"\\u{ord(c):04x}" if c in BREAKS else c for c in note)


def _unescape(note: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(code) or chr(int(code[1:], 16))
    return re.sub(r"\\(u[0-9a-fA-F]{4}|[\\tnr])", one, note)


class _Names:
    """File names, unique case-insensitively; a contested name is hashed for everyone
    who wants it (renaming files already written), so the result does not depend on the
    order the records come in."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: dict[str, tuple[str, str] | None] = {}  # base -> (owner, its hashed)

    def claim(self, base: str, changed: bool, identity: tuple[str, str | None]) -> str:
        hashed = f"{base}-{_digest(*identity)}"
        if changed:
            name = hashed
        elif base.lower() not in self.taken:
            self.taken[base.lower()] = (base, hashed)
            return base
        else:
            owner = self.taken[base.lower()]
            if owner is not None:   # first clash: the first owner moves to its hashed name
                for suffix in (".txt", ".ann", SIDECAR):
                    old = self.folder / (owner[0] + suffix)
                    if old.exists():
                        old.rename(self.folder / (owner[1] + suffix))
                self.taken[base.lower()] = None
                self.taken[owner[1].lower()] = None
            name = hashed
        n = 1
        while name.lower() in self.taken:
            n += 1
            name = f"{hashed}-{n}"
        self.taken[name.lower()] = None
        return name


def _ann(record: ExportRecord, types: dict[str, str], report: ExportReport
         ) -> tuple[list[str], dict[str, list[int]]]:
    """The .ann lines, and the true bounds of spans whose fragments do not show them."""
    lines: list[str] = []
    notes: list[str] = []
    bounds: dict[str, list[int]] = {}
    text = record.text
    number = 0
    for span in record.spans:
        pieces = fragments(text, span.start, span.end)
        if not pieces:
            report.warnings.append(f"{record.key}: span [{span.start}, {span.end}) is only"
                                   " line breaks; brat cannot hold it, not written")
            continue
        number += 1
        tid = f"T{number}"
        if (pieces[0][0], pieces[-1][1]) != (span.start, span.end):
            bounds[tid] = [span.start, span.end]
        label = types.setdefault(span.label, _brat_type(span.label))
        where = ";".join(f"{s} {e}" for s, e in pieces)
        shown = " ".join(text[s:e] for s, e in pieces)
        lines.append(f"{tid}\t{label} {where}\t{shown}")
        if span.note:
            notes.append(f"#{len(notes) + 1}\tAnnotatorNotes {tid}\t{_escape(span.note)}")
        report.spans += 1
    return lines + notes, bounds


def write_brat(store: Store, out: Path, **options: Any) -> ExportReport:
    """A brat folder (see the module docstring) into the empty folder ``out``."""
    report = ExportReport()
    names = _Names(out)
    types: dict[str, str] = {}
    group: list[ExportRecord] = []

    def flush() -> None:
        for record in group:
            base, changed = safe_name(record.key)
            if len(group) > 1 and record.annotator is not None:
                who, who_changed = safe_name(record.annotator, 30)
                base, changed = f"{base}__{who}", changed or who_changed
            name = names.claim(base, changed, (record.key, record.annotator))
            lines, bounds = _ann(record, types, report)
            with open(out / f"{name}.txt", "w", encoding="utf-8", newline="") as handle:
                handle.write(record.text)
            with open(out / f"{name}.ann", "w", encoding="utf-8", newline="\n") as handle:
                handle.write("".join(line + "\n" for line in lines))
            labels = {types[s.label]: s.label for s in record.spans
                      if types.get(s.label, s.label) != s.label}
            side = {"key": record.key, "annotator": record.annotator,
                    "status": record.status, "meta": json.dumps(record.meta, ensure_ascii=False),
                    "labels": json.dumps(labels, ensure_ascii=False) if labels else None,
                    "bounds": json.dumps(bounds) if bounds else None}
            with open(out / f"{name}{SIDECAR}", "w", encoding="utf-8", newline="\n") as handle:
                handle.write("# annotui: what brat has no place for (meta is JSON)\n")
                handle.write("".join(f"{k} = {_toml(v)}\n" for k, v in side.items()
                                     if v is not None))
            report.records += 1
        report.documents += 1 if group else 0
        group.clear()

    for record in iter_records(store, **filters(options)):
        if group and group[0].key != record.key:
            flush()
        group.append(record)
    flush()
    with open(out / "annotation.conf", "w", encoding="utf-8", newline="\n") as handle:
        entities = "".join(f"{name}\n" for name in sorted(set(types.values())))
        handle.write(f"[entities]\n{entities}[relations]\n[events]\n[attributes]\n")
    return report


def _sidecar(path: Path) -> dict[str, Any] | None:
    side = path.with_suffix(SIDECAR)
    if not side.exists():
        return None
    try:
        data = tomllib.loads(side.read_text(encoding="utf-8"))
        for field in ("meta", "labels", "bounds"):
            data[field] = json.loads(data[field]) if field in data else None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise ValueError(f"{side.name}: cannot read ({exc})") from None
    return data


def read_brat(source: Source) -> Iterator[Record | RecordError]:
    """Read one ``.ann`` with its ``.txt`` (see the module docstring)."""
    if source.path is None:
        yield RecordError("brat needs its files: give the .ann file or the folder",
                          fatal=True)
        return
    txt = source.path.with_suffix(".txt")
    try:
        side = _sidecar(source.path)
        raw = txt.read_bytes().decode(source.encoding)
        ann = normalize_bytes(source.stream.read(), source.encoding)
    except FileNotFoundError:
        yield RecordError(f"no {txt.name} beside it: brat needs both", fatal=True)
        return
    except (OSError, UnicodeDecodeError, LookupError, DecodeError, ValueError) as exc:
        yield RecordError(str(exc), fatal=True)
        return
    # brat reads the text with universal newlines: its offsets count CR LF as one
    normal = Normal(raw.replace("\r\n", "\n").replace("\r", "\n"))
    info = side or {}
    try:
        record = base_record(normal.text, info.get("key", source.key), info.get("meta"),
                             info.get("annotator"), info.get("status"), None)
    except ValueError as exc:
        yield RecordError(str(exc), fatal=True)
        return
    labels, bounds = info.get("labels") or {}, info.get("bounds") or {}
    spans: dict[str, tuple[int, Any]] = {}
    notes: dict[str, str] = {}
    for number, line in enumerate(ann.split("\n"), 1):
        if not line.strip():
            continue
        ident, _, rest = line.partition("\t")
        if ident.startswith("#"):
            kind, _, tail = rest.partition("\t")
            parts = kind.split()
            if len(parts) == 2 and parts[0] == "AnnotatorNotes":
                notes[parts[1]] = _unescape(tail) if side is not None else tail
            continue
        if not ident.startswith("T"):
            continue    # relations, events, attributes, normalisations: not spans
        try:
            spans[ident] = (number, _span(normal, ident, rest, labels, bounds))
        except ValueError as exc:
            yield RecordError(f"{ident}: {exc}", number, span=True)
    for ident, (number, (start, end, label, shown)) in spans.items():
        try:
            record.spans.append(make_span(normal, start, end, label, shown, notes.get(ident)))
        except ValueError as exc:
            yield RecordError(f"{ident}: {exc}", number, span=True)
    yield record


def _span(normal: Normal, ident: str, rest: str, labels: dict[str, str],
          bounds: dict[str, list[int]]) -> tuple[int, int, str, str | None]:
    """(start, end, label, the span's own text if the line's text column fits it)."""
    kind, _, shown = rest.partition("\t")
    label, _, where = kind.partition(" ")
    try:
        pieces = [tuple(int(v) for v in piece.split()) for piece in where.split(";")]
        if not pieces or any(len(p) != 2 for p in pieces):
            raise ValueError
    except ValueError:
        raise ValueError(f"cannot read offsets {where!r}") from None
    text = normal.raw
    if any(not 0 <= s <= e <= len(text) for s, e in pieces):
        raise ValueError(f"{where} is outside the text (0-{len(text)})")
    joined = " ".join(text[s:e] for s, e in pieces)
    if shown != joined:
        raise ValueError(f"text {excerpt(shown)} does not match the document"
                         f" ({excerpt(joined)})")
    start, end = bounds.get(ident, (pieces[0][0], pieces[-1][1]))
    return start, end, labels.get(label, label), None


READERS = [Reader("brat", (".ann",), read_brat,
                  "brat standoff: NAME.ann with its NAME.txt (and annotui's sidecar)")]
WRITERS = [Writer("brat", "", write_brat, mode="folder",
                  description="a folder of brat .txt + .ann pairs and annotation.conf")]
