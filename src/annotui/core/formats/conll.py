"""CoNLL token-per-line IOB2 (``token<TAB>TAG``), written and read. Lossy about white space.

Writing: text is tokenised by ``spacy.blank(lang)`` (``annotui[spacy]``); white-space
tokens (spaces, tabs, line breaks) are skipped. A record starts with ``# id = KEY``,
``# annotator = NAME`` (if any) and ``# status = S`` lines; its sentences follow, one
token a line, a blank line after each. Sentences are cut at line breaks and by
``annotui.core.text.sentence_bounds`` (on each line, then on each sentence's rebuilt
form, so that a re-export cuts the rebuilt text the same way); sentences a span crosses
are written as one. Tags are ``B-label``, ``I-label`` and ``O``.

Spans are aligned to tokens with ``--align`` (strict: a span off the token boundaries
is left out and reported). IOB2 cannot hold overlaps, so they are resolved by one rule:
the longest span (in characters) is kept, ties go to the earliest start, then to the
label name (alphabetical); every span overlapping a kept one is dropped and counted
("conll: 3 overlapping spans dropped (longest kept)").

Reading: the text is rebuilt by joining a record's tokens with single spaces and its
sentences with ``\\n``: the original spacing is gone (CoNLL does not keep it), and spans
land on the rebuilt text, which re-exports to the same tokens and sentences, so export
-> import -> export is byte-identical. A record starts at a block with ``# id``-style
comments (later blocks without comments belong to it) or at a ``-DOCSTART-`` line;
other blocks are one record each. Columns are split at tabs (else spaces): the first
is the token, the last the tag (IOB2, IOB1, BIOES and bare IO tags are read).
"""

from __future__ import annotations

import codecs
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import chain, pairwise
from typing import TYPE_CHECKING, Any, TextIO

from annotui.core.formats import ExportReport, Reader, Record, RecordError, Source, Writer
from annotui.core.formats._tokens import Aligner, Tally, blank, text_lines
from annotui.core.formats.jsonl import parse_record
from annotui.core.records import ExportRecord, filters, iter_records
from annotui.core.text import sentence_bounds

if TYPE_CHECKING:
    from annotui.core.store import Store

__all__ = ["iob_tags", "read_conll", "resolve_overlaps", "write_conll"]

Entity = tuple[int, int, str]  # token start, token end (exclusive), label


def resolve_overlaps(entities: Iterable[tuple[int, int, int, str]]) -> tuple[list[Entity], int]:
    """Keep non-overlapping ``(token_start, token_end, char_length, label)`` entities:
    longest first, then earliest start, then label name. Returns (kept sorted, dropped)."""
    taken: list[Entity] = []
    used: set[int] = set()  # token indices already in a kept entity
    dropped = 0
    for start, end, _, label in sorted(entities, key=lambda e: (-e[2], e[0], e[3], e[1])):
        if used.isdisjoint(range(start, end)):
            taken.append((start, end, label))
            used.update(range(start, end))
        else:
            dropped += 1
    return sorted(taken), dropped


def iob_tags(size: int, entities: Iterable[Entity]) -> list[str]:
    """IOB2 tags for ``size`` tokens from non-overlapping entities."""
    tags = ["O"] * size
    for start, end, label in entities:
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def _cuts(words: list[str]) -> list[int]:
    """Where sentences start (word indices > 0) in the words joined by single spaces."""
    line = " ".join(words)
    starts = [start for start, _ in sentence_bounds(line, 0, len(line))]
    cuts, offset, previous = [], 0, None
    for k, word in enumerate(words):
        sentence = bisect_right(starts, offset) - 1
        if k and sentence != previous:
            cuts.append(k)
        previous, offset = sentence, offset + len(word) + 1
    return cuts


def _settle(doc: Any, group: list[int]) -> list[list[int]]:
    """Split ``group`` until each piece, rebuilt as the reader rebuilds it (words joined
    by spaces), is one sentence: then re-exporting the rebuilt text cuts it nowhere else."""
    done: list[list[int]] = []
    todo = [group]
    while todo:
        piece = todo.pop()
        cuts = _cuts([doc[i].text for i in piece])
        if not cuts:
            done.append(piece)
            continue
        bounds = [0, *cuts, len(piece)]
        todo.extend(piece[a:b] for a, b in reversed(list(pairwise(bounds))))
    return done


def _blocks(doc: Any, entities: Iterable[Entity]) -> list[list[int]]:
    """Indices of the non-space tokens, grouped into sentences no entity crosses.

    Each line is cut where ``sentence_bounds`` cuts it (one line at a time, so the cuts
    depend on nothing else), then again wherever it cuts a sentence's rebuilt form (so a
    re-export cuts the rebuilt text the same way); sentences an entity crosses are
    joined again.
    """
    lines: list[list[int]] = [[]]
    for token in doc:
        if token.is_space or token.text.isspace():
            if "\n" in token.text and lines[-1]:
                lines.append([])
        else:
            lines[-1].append(token.i)
    groups: list[list[int]] = []
    for line in filter(None, lines):
        first, last = doc[line[0]], doc[line[-1]]
        text = doc.text[first.idx:last.idx + len(last.text)]
        starts = [start for start, _ in sentence_bounds(text, 0, len(text))]
        previous = None
        for i in line:
            sentence = bisect_right(starts, doc[i].idx - first.idx) - 1
            if sentence != previous:
                groups.append([])
            groups[-1].append(i)
            previous = sentence
    inside: set[int] = set()
    for start, end, _ in entities:
        inside.update(range(start + 1, end))
    blocks: list[list[int]] = []
    for piece in (piece for group in groups for piece in _settle(doc, group)):
        if blocks and piece[0] in inside:
            blocks[-1].extend(piece)
        else:
            blocks.append(piece)
    return blocks


def _same_document(records: Iterable[ExportRecord]) -> Iterator[list[ExportRecord]]:
    """Consecutive records of one document (one text), together."""
    group: list[ExportRecord] = []
    for record in records:
        if group and (record.key, record.text) != (group[0].key, group[0].text):
            yield group
            group = []
        group.append(record)
    if group:
        yield group


def write_conll(store: Store, out: TextIO, **options: Any) -> ExportReport:
    """Stream IOB2 CoNLL (``lang``, ``align`` and the record filters)."""
    nlp = blank(options.get("lang"), "conll")
    aligner = Aligner("conll", options.get("align"))
    report = ExportReport()
    tally = Tally(report)
    dropped = 0
    for group in _same_document(iter_records(store, **filters(options))):
        doc = nlp.make_doc(group[0].text)
        kept: list[list[Entity]] = []
        for record in group:
            pairs = aligner.align(doc, record)
            entities, lost = resolve_overlaps(
                (got.start, got.end, got.end_char - got.start_char, span.label)
                for got, span in pairs)
            dropped += lost
            kept.append(entities)
        # one sentence split for all the document's records, so they rebuild one text
        blocks = _blocks(doc, [e for entities in kept for e in entities])
        for record, entities in zip(group, kept, strict=True):
            if not blocks:  # nothing but white space: no token to write
                continue
            out.write(f"# id = {_one_line(record.key)}\n")
            if record.annotator:
                out.write(f"# annotator = {_one_line(record.annotator)}\n")
            out.write(f"# status = {record.status}\n")
            tags = iob_tags(len(doc), entities)
            for block in blocks:
                out.write("".join(f"{doc[i].text}\t{tags[i]}\n" for i in block) + "\n")
            tally.record(record, len(entities))
    aligner.finish(report)
    if dropped:
        report.warnings.append(f"conll: {dropped} overlapping spans dropped (longest kept)")
    return report


def _one_line(value: str) -> str:
    return " ".join(value.split("\n"))


# -- reading ------------------------------------------------------------------------


class _Builder:
    """One record being read: its comments, sentences and the line it starts on."""

    def __init__(self, line: int, fields: dict[str, str] | None = None) -> None:
        self.line = line
        self.fields = fields or {}
        self.sentences: list[list[tuple[str, str]]] = []

    def native(self) -> dict[str, Any]:
        text_parts: list[str] = []
        spans: list[dict[str, Any]] = []
        offset = 0
        for number, sentence in enumerate(self.sentences):
            if number:
                text_parts.append("\n")
                offset += 1
            open_span: dict[str, Any] | None = None
            for position, (token, tag) in enumerate(sentence):
                if position:
                    text_parts.append(" ")
                    offset += 1
                prefix, sep, label = tag.partition("-")
                if tag != "O" and (prefix not in ("B", "I", "E", "S") or not sep):
                    prefix, label = "I", tag  # IO tagging: a bare label
                begins = prefix in ("B", "S") or (
                    prefix in ("I", "E") and (open_span is None or open_span["label"] != label))
                if tag == "O":
                    open_span = None
                elif begins:
                    open_span = {"start": offset, "end": offset + len(token), "label": label}
                    spans.append(open_span)
                elif open_span is not None:
                    open_span["end"] = offset + len(token)
                if prefix in ("E", "S"):
                    open_span = None
                text_parts.append(token)
                offset += len(token)
        status = self.fields.get("status")
        return {"id": self.fields.get("id"), "text": "".join(text_parts), "spans": spans,
                "annotator": self.fields.get("annotator"), "status": status or None,
                "meta": None}


def read_conll(source: Source) -> Iterator[Record | RecordError]:
    """Read CoNLL/IOB: records as the module docstring says; bad tags named."""
    try:
        codec = codecs.lookup(source.encoding).name
    except LookupError:
        yield RecordError(f"unknown encoding {source.encoding!r}", fatal=True)
        return
    current: _Builder | None = None   # a record started by comments or -DOCSTART-
    comments: dict[str, str] = {}
    block: list[tuple[str, str]] = []
    block_line = 0

    def finish(record: _Builder | None) -> Iterator[Record | RecordError]:
        if record is not None and record.sentences:
            yield from parse_record(record.native(), record.line)

    for number, line in chain(text_lines(source, codec), [(0, "")]):
        if isinstance(line, RecordError):
            yield from finish(current)
            yield RecordError(line.reason, line.line, fatal=True)
            return
        line = line.rstrip("\r\n")
        if not line.strip():  # a blank line (or the end) closes a sentence
            if block:
                if comments or current is None:
                    yield from finish(current)
                    current = _Builder(block_line, comments) if comments else None
                    comments = {}
                single = current is None
                if single:
                    current = _Builder(block_line)
                current.sentences.append(block)
                if single:
                    yield from finish(current)
                    current = None
                block = []
            continue
        if line.startswith("-DOCSTART-"):
            yield from finish(current)
            current, comments, block = _Builder(number + 1), {}, []
            continue
        if not block and line.startswith("# ") and " = " in line and "\t" not in line:
            name, _, value = line[2:].partition(" = ")
            comments[name.strip()] = value
            block_line = block_line if len(comments) > 1 else number
            continue
        columns = line.split("\t") if "\t" in line else line.split()
        if len(columns) < 2:
            yield RecordError(f"expected a token and a tag, got {line[:40]!r}", number)
            continue
        if not block and not comments:
            block_line = number
        block.append((columns[0], columns[-1].strip()))
    yield from finish(current)


READERS = [Reader("conll", (".conll",), read_conll,
                  "CoNLL token-per-line IOB tags (text rebuilt with single spaces)")]
WRITERS = [Writer("conll", ".conll", write_conll,
                  description="token-per-line IOB2; overlaps resolved, longest kept")]
