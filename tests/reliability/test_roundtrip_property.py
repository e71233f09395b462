"""Property: random Unicode texts with random span sets survive the store and every export
format. (I3) every exported span's text is ``text[start:end]`` in the format's own terms;
export -> import into an empty store -> export gives the same output for the formats that
promise it (jsonl, doccano, labelstudio, brat, prodigy); conll parses back; spaCy keeps
the aligned spans at their offsets.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotui import resources
from annotui.core.exporter import export
from annotui.core.formats import WRITERS
from annotui.core.importer import import_paths
from annotui.core.schema import StoreError
from annotui.core.store import Store
from annotui.core.text import grapheme_boundaries

LABELS = resources.default_labels()
LABEL_NAMES = ["claim", "commitment", "invitation"]
ANNOTATORS = ["alice", "bob"]

# whole clusters as pieces: a random code point stream would mostly test the snapping
LETTERS = list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789")
PIECES = (
    LETTERS * 3
    + [" "] * 12 + ["\n"] * 3 + ["\t"] * 2 + [".", ",", "!", "?", "'", "-", "(", ")"]
    + list("日本語中文한국어テキスト")
    + ["👨\u200d👩\u200d👧\u200d👦", "👍🏽", "👋🏿", "🏳️\u200d🌈", "🇺🇦", "1️⃣", "😀"]
    + ["e\u0301", "a\u0308\u0304", "n\u0303", "\u0915\u094d\u0937", "Z\u0351\u036b"]
    + list("שלוםעברית") + list("مرحباالعربية")
    # where str.splitlines() (and so many readers) cut a line, and invisible characters
    + ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\u00a0", "\u200b", "\ufeff", "\u202e"]
)
FORMATS_ROUND_TRIP = ("jsonl", "doccano", "labelstudio", "brat", "prodigy")


@dataclass
class Doc:
    text: str
    key: str | None
    spans: list[tuple[int, int, str, str, str | None]]   # start, end, label, annotator, note
    status: str | None


@st.composite
def texts(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(LETTERS))   # never blank: import refuses empty texts
    rest = draw(st.lists(st.sampled_from(PIECES), max_size=80))
    return first + "".join(rest)


@st.composite
def docs(draw: st.DrawFn) -> Doc:
    text = draw(texts())
    edges = grapheme_boundaries(text)
    span = st.tuples(
        st.integers(0, len(edges) - 2), st.integers(1, len(edges) - 1),
        st.sampled_from(LABEL_NAMES), st.sampled_from(ANNOTATORS),
        st.one_of(st.none(), st.sampled_from(["", "a note", "multi\nline\tnote", "ノート 👍🏽",
                                              "\\n literally", "quote ' and \""])))
    spans = []
    for a, b, label, who, note in draw(st.lists(span, max_size=8)):
        lo, hi = sorted((a, b))
        if lo == hi:
            hi = lo + 1
        spans.append((edges[lo], edges[hi], label, who, note))
    key = draw(st.sampled_from([None, "doc 1", "../x", "ключ", "k:1", "a/b"]))
    status = draw(st.sampled_from([None, "done", "skipped"]))
    return Doc(text, key, spans, status)


def fill(path: Path, corpus: list[Doc]) -> dict[str, set[tuple[int, int, str, str]]]:
    """Store the corpus; returns the spans stored per document key."""
    stored: dict[str, set[tuple[int, int, str, str]]] = {}
    with Store(path, annotator=ANNOTATORS[0]) as store:
        store.load_labels(LABELS)
        for doc in corpus:
            doc_id, created = store.add_document(doc.text, key=doc.key)
            key = store.document(doc_id).key
            for start, end, label, who, note in doc.spans:
                store.annotator = who
                try:
                    store.add_span(doc_id, start, end, label, note=note)
                except StoreError as exc:
                    assert "already has that label" in str(exc)
                    continue
                stored.setdefault(key, set()).add((start, end, label, who))
            if doc.status is not None:
                store.annotator = ANNOTATORS[0]
                store.set_status(doc_id, doc.status)
    return stored


def read(path: Path) -> bytes | dict[str, bytes]:
    if path.is_dir():
        return {p.relative_to(path).as_posix(): p.read_bytes()
                for p in sorted(path.rglob("*")) if p.is_file()}
    return path.read_bytes()


def target(folder: Path, fmt: str, tag: str) -> Path:
    entry = WRITERS[fmt]
    return folder / (f"{fmt}-{tag}" if entry.mode == "folder" else f"{fmt}-{tag}{entry.extension}")


# -- I3 in each format's own terms -------------------------------------------------------


def check_jsonl(data: bytes, stored: dict) -> None:
    seen = set()
    for line in data.decode("utf-8").split("\n")[:-1]:
        record = json.loads(line)
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]
            seen.add((record["id"], span["start"], span["end"], span["label"], span["annotator"]))
    assert seen == {(k, *s) for k, spans in stored.items() for s in spans}


def check_doccano(data: bytes, stored: dict) -> None:
    seen = set()
    for line in data.decode("utf-8").split("\n")[:-1]:
        record = json.loads(line)
        units = record["text"].encode("utf-16-le")
        extra = record["annotui"]
        assert extra["offsets"] == "utf16"
        for (start, end, label), info in zip(record["label"], extra["spans"], strict=True):
            piece = units[2 * start:2 * end].decode("utf-16-le")   # raises inside a pair
            assert piece == info["text"]
            # back to code points: the stored span
            cp_start = len(units[:2 * start].decode("utf-16-le"))
            seen.add((record["id"], cp_start, cp_start + len(piece), label, extra["annotator"]))
    assert seen == {(k, *s) for k, spans in stored.items() for s in spans}


def check_labelstudio(data: bytes, stored: dict) -> None:
    seen = set()
    for task in json.loads(data.decode("utf-8")):
        text = task["data"]["text"]
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                value = result["value"]
                assert text[value["start"]:value["end"]] == value["text"]
                for label in value["labels"]:
                    seen.add((task["data"]["key"], value["start"], value["end"], label,
                              annotation["annotator"]))
    assert seen == {(k, *s) for k, spans in stored.items() for s in spans}


ANN_LINE = re.compile(r"^(T\d+)\t(\S+) ([\d ;]+)\t(.*)$")


def check_brat(files: dict[str, bytes], stored: dict) -> None:
    assert "annotation.conf" in files
    written = 0
    for name, data in files.items():
        if not name.endswith(".ann"):
            continue
        assert "/" not in name
        text = files[name[:-4] + ".txt"].decode("utf-8")
        for line in data.decode("utf-8").split("\n")[:-1]:
            if line.startswith("#"):
                continue
            match = ANN_LINE.match(line)
            assert match, line
            pieces = [tuple(map(int, p.split())) for p in match.group(3).split(";")]
            shown = match.group(4)
            assert " ".join(text[s:e] for s, e in pieces) == shown
            if len(pieces) == 1:
                (start, end), = pieces
                assert text[start:end] == shown
            written += 1
    total = sum(len(spans) for spans in stored.values())
    assert written <= total   # spans of only line breaks are left out (with a warning)


def check_prodigy(data: bytes, stored: dict) -> None:
    for line in data.decode("utf-8").split("\n")[:-1]:
        task = json.loads(line)
        text, tokens = task["text"], task["tokens"]
        ours = task["meta"]["annotui"]
        for token in tokens:
            assert text[token["start"]:token["end"]] == token["text"]
        for span in task["spans"]:
            assert tokens[span["token_start"]]["start"] == span["start"]
            assert tokens[span["token_end"]]["end"] == span["end"]   # token_end inclusive
            # strict alignment: a written span is a stored span, at the same offsets
            assert (span["start"], span["end"], span["label"], ours["annotator"]) in \
                stored.get(ours["id"], set())


def check_spacy(data: bytes, stored: dict) -> None:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    for doc in DocBin(store_user_data=True).from_bytes(data).get_docs(nlp.vocab):
        ours = doc.user_data["annotui"]
        for span in doc.spans["sc"]:
            assert doc.text[span.start_char:span.end_char] == span.text
            assert (span.start_char, span.end_char, span.label_, ours["annotator"]) in \
                stored.get(ours["id"], set())


CHECKS = {"jsonl": check_jsonl, "doccano": check_doccano, "labelstudio": check_labelstudio,
          "brat": check_brat, "prodigy": check_prodigy, "spacy": check_spacy}


def test_every_writer_is_covered() -> None:
    assert set(WRITERS) == {*CHECKS, "conll"}, "a new format needs its I3 check here"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus=st.lists(docs(), min_size=1, max_size=3))
def test_random_unicode_and_spans_round_trip_through_every_format(corpus: list[Doc]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "a.db"
        stored = fill(db, corpus)
        with Store(db, annotator="reader", readonly=True) as store:
            # the store itself: every span re-slices (SQLite counts code points too)
            for doc_id in store.document_ids():
                doc = store.document(doc_id)
                for span in store.spans(doc_id, everyone=True):
                    assert 0 <= span.start < span.end <= len(doc.text)
            outputs = {}
            for fmt in WRITERS:
                path = target(folder, fmt, "first")
                export(store, fmt, path)
                outputs[fmt] = read(path)
        for fmt, check in CHECKS.items():
            check(outputs[fmt], stored)

        # conll: lossy about white space, but what it writes parses back
        with Store(folder / "conll.db", annotator="reader") as empty:
            report = import_paths(empty, [str(target(folder, "conll", "first"))], fmt="conll")
            assert not report.errors, report.errors

        for fmt in FORMATS_ROUND_TRIP:
            again_db = folder / f"{fmt}.db"
            with Store(again_db, annotator="importer") as empty:
                report = import_paths(empty, [str(target(folder, fmt, "first"))], fmt=fmt)
                assert not report.errors, (fmt, report.errors)
                path = target(folder, fmt, "again")
                export(empty, fmt, path)
            assert read(path) == outputs[fmt], f"{fmt}: export -> import -> export differs"
