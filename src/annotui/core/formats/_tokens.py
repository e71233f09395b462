"""Shared by the token-based formats (spaCy, Prodigy, CoNLL): spaCy's tokenizer, loaded
lazily, and span alignment to its tokens with ``--align strict|contract|expand``.

spaCy is an optional extra: nothing here imports it until a tokenizer is asked for, and
a missing spaCy is a one-line :class:`FormatError` naming the extra to install. A span
that does not fall on token boundaries is never dropped silently: :class:`Aligner`
counts it and names it (up to :data:`MAX_WARNINGS` lines, then a total) in the export's
warnings.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from annotui.core.formats import ExportReport, FormatError, RecordError, Source
from annotui.core.model import Span
from annotui.core.records import ExportRecord

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["ALIGN_MODES", "MAX_WARNINGS", "SPACY_HINT", "Aligner", "Tally", "blank",
           "excerpt", "record_name", "require_spacy", "text_lines"]

SPACY_HINT = "the spacy format needs spaCy: pip install 'annotui[spacy]'"
ALIGN_MODES = ("strict", "contract", "expand")
MAX_WARNINGS = 20  # per export; the rest are only counted


def require_spacy(fmt: str = "spacy") -> Any:
    """The ``spacy`` module, or a one-line FormatError naming the extra to install."""
    try:
        import spacy
    except ImportError:
        raise FormatError(SPACY_HINT.replace("the spacy", f"the {fmt}")) from None
    return spacy


@lru_cache(maxsize=8)
def _blank(lang: str, fmt: str) -> Language:
    spacy = require_spacy(fmt)
    try:
        return spacy.blank(lang)
    except Exception as exc:  # ImportError, KeyError or ValueError, depending on what failed
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        if "E048" in first:  # no such language in spacy.lang
            raise FormatError(f"spaCy has no language {lang!r} (--lang takes a code such"
                              " as en, de, fr, zh)") from None
        raise FormatError(f"spaCy's {lang!r} tokenizer could not be loaded: {first}") from None


def blank(lang: str | None = None, fmt: str = "spacy") -> Language:
    """``spacy.blank(lang)`` (default English), loaded once per language: no model."""
    return _blank(lang or "en", fmt)


def excerpt(text: str, limit: int = 30) -> str:
    """A short repr for messages."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def record_name(record: ExportRecord) -> str:
    """How warnings name a record: ``key#annotator``."""
    return f"{record.key}#{record.annotator}" if record.annotator else record.key


class Tally:
    """Documents, records and spans written, for the ExportReport."""

    def __init__(self, report: ExportReport) -> None:
        self.report = report
        self._last: str | None = None

    def record(self, record: ExportRecord, spans: int) -> None:
        report = self.report
        report.records += 1
        report.spans += spans
        report.documents += record.key != self._last
        self._last = record.key


class Aligner:
    """Aligns spans to a Doc's tokens with one mode, keeping the books on failures.

    ``strict`` keeps a span only if both ends fall on token boundaries; ``contract``
    shrinks it to the whole tokens inside it; ``expand`` grows it to the tokens it
    touches. A span that cannot be aligned (or that contracts to nothing) is left out
    and reported; two spans that align to the same tokens and label are written once.
    """

    def __init__(self, fmt: str, mode: str | None = "strict") -> None:
        mode = mode or "strict"
        if mode not in ALIGN_MODES:
            raise FormatError(f"unknown --align {mode!r} (one of {', '.join(ALIGN_MODES)})")
        self.fmt = fmt
        self.mode = mode
        self.failed = 0
        self.merged = 0
        self.total = 0
        self.lines: list[str] = []

    def align(self, doc: Doc, record: ExportRecord) -> list[tuple[Any, Span]]:
        """(spaCy Span, annotui Span) for every span of ``record`` that aligns, sorted."""
        out: list[tuple[Any, Span]] = []
        seen: set[tuple[int, int, str]] = set()
        for span in record.spans:
            self.total += 1
            got = doc.char_span(span.start, span.end, label=span.label,
                                alignment_mode=self.mode)
            if got is None or len(got) == 0:
                self.failed += 1
                self._warn(record, span)
                continue
            where = (got.start_char, got.end_char, span.label)
            if where in seen:
                self.merged += 1
                continue
            seen.add(where)
            out.append((got, span))
        # contracted or expanded spans may move past their neighbours: re-sort, as the
        # store sorts them, so a re-export of the written offsets gives the same order
        out.sort(key=lambda pair: (pair[0].start_char, pair[0].end_char, pair[1].label,
                                   pair[1].annotator))
        return out

    def _warn(self, record: ExportRecord, span: Span) -> None:
        if len(self.lines) >= MAX_WARNINGS:
            return
        text = record.text[span.start:span.end]
        how = ("does not align to spaCy tokens (use --align expand)" if self.mode != "contract"
               else "holds no whole spaCy token (use --align expand)")
        self.lines.append(f"{record_name(record)}: span {excerpt(text)}"
                          f" [{span.start}, {span.end}) {how}")

    def finish(self, report: ExportReport) -> None:
        """Add the warnings (one line each) to ``report``."""
        report.warnings.extend(self.lines)
        if self.failed:
            hidden = self.failed - len(self.lines)
            more = f", {hidden} not listed above" if hidden > 0 else ""
            report.warnings.append(
                f"{self.fmt}: {self.failed} of {self.total} spans left out: not aligned to"
                f" tokens with --align {self.mode}{more}")
        if self.merged:
            report.warnings.append(
                f"{self.fmt}: {self.merged} spans aligned onto the same tokens and label as"
                " another and were written once")


def text_lines(source: Source, codec: str) -> Iterator[tuple[int, str | RecordError]]:
    """(line number, line), split at ``\\n`` only: ``str.splitlines()`` would also cut
    at U+2028 or U+0085 inside a string. Streams unless the codec is not ASCII-based;
    a line that does not decode ends the file with a RecordError."""
    if "\n".encode(codec) != b"\n":
        try:
            text = source.stream.read().decode(codec)
        except UnicodeDecodeError as exc:
            yield 0, RecordError(f"not valid {codec} at byte {exc.start} (try --encoding)")
            return
        yield from enumerate(text.lstrip("\ufeff").split("\n"), 1)
        return
    offset = 0
    for number, raw in enumerate(source.stream, 1):
        if number == 1 and codec == "utf-8" and raw.startswith(codecs.BOM_UTF8):
            raw, offset = raw[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
        try:
            yield number, raw.decode(codec)
        except UnicodeDecodeError as exc:
            yield number, RecordError(f"not valid {codec} at byte {offset + exc.start}"
                                      " (try --encoding)", number or None, fatal=True)
            return
        offset += len(raw)
