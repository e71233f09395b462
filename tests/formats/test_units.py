"""``--unit sentence``: sentence examples with spans re-based; and ``export --manifest``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from corpus import TEXTS, build

from annotui.cli import cli
from annotui.core.formats.jsonl import dumps_line, record_dict
from annotui.core.model import Span
from annotui.core.records import ExportRecord, iter_records, split_sentences
from annotui.core.store import Store

# three sentences; the span "here. Two" crosses from the first into the second
CROSSING = "One sentence here. Two sentences now. Three is the last one."


def run(*args: object) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args],
                                env={"ANNOTUI_ANNOTATOR": "alice", "COLUMNS": "200"})
    assert "Traceback" not in result.output + (result.stderr or "")
    return result


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = tmp_path / "corpus.db"
    built = build(db)
    doc_id, _ = built.add_document(CROSSING, key="crossing", title="crossing sample")
    start = CROSSING.index("here.")
    built.add_span(doc_id, start, CROSSING.index("Two") + 3, "claim")
    built.add_span(doc_id, CROSSING.index("Three"), CROSSING.index("last") + 4, "commitment")
    yield built
    built.close()


def documents(store: Store) -> dict[str, str]:
    return {doc.key: doc.text for doc in store.iter_documents()}


def original_spans(store: Store) -> Counter[tuple[str, str | None, int, int, str]]:
    return Counter((r.key, r.annotator, s.start, s.end, s.label) for r in iter_records(store)
                   for s in r.spans)


def test_examples_are_slices_and_spans_reslice(store: Store) -> None:
    texts = documents(store)
    examples = list(iter_records(store, unit="sentence"))
    assert len(examples) > len(list(iter_records(store)))
    for example in examples:
        doc, offset = example.meta["document"], example.meta["offset"]
        assert example.key.startswith(f"{doc}#")
        assert example.text == texts[doc][offset:offset + len(example.text)]
        assert example.text == example.text.strip()
        for span in example.spans:
            assert 0 <= span.start < span.end <= len(example.text)
            assert (example.text[span.start:span.end]
                    == texts[doc][offset + span.start:offset + span.end])


def test_spans_are_rebased_and_none_lost(store: Store) -> None:
    rebased = Counter((e.meta["document"], e.annotator, e.meta["offset"] + s.start,
                       e.meta["offset"] + s.end, s.label)
                      for e in iter_records(store, unit="sentence") for s in e.spans)
    assert rebased == original_spans(store)


def test_a_span_across_a_boundary_keeps_its_sentences_together(store: Store) -> None:
    examples = [e for e in iter_records(store, unit="sentence")
                if e.meta["document"] == "crossing"]
    assert [e.text for e in examples] == ["One sentence here. Two sentences now.",
                                          "Three is the last one."]
    merged, last = examples
    assert [merged.text[s.start:s.end] for s in merged.spans] == ["here. Two"]
    assert [last.text[s.start:s.end] for s in last.spans] == ["Three is the last"]
    assert (merged.meta["offset"], last.meta["offset"]) == (0, CROSSING.index("Three"))
    assert last.meta["offset"] + last.spans[0].start == CROSSING.index("Three")


def test_corpus_sentences() -> None:
    record = ExportRecord("emoji", "t", TEXTS["emoji"], [], None, "todo", {})
    assert [e.text for e in split_sentences(record)] == [
        "The family 👨‍👩‍👧 waved 👍🏽 at the 🇫🇷 flag.", "Then they left."]
    record = ExportRecord("crlf", "t", TEXTS["crlf"], [], None, "todo", {})
    assert [e.text for e in split_sentences(record)] == [
        "First line of a Windows file.", "Second line, with a claim."]


def test_cli_export_unit_sentence(store: Store, tmp_path: Path) -> None:
    result = run("export", "--db", store.path, "--unit", "sentence")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert lines.pop() == ""
    want = [dumps_line(record_dict(e)) for e in iter_records(store, unit="sentence")]
    assert lines == want
    texts = documents(store)
    for line in lines:
        row = json.loads(line)
        offset = row["meta"]["offset"]
        for span in row["spans"]:
            assert row["text"][span["start"]:span["end"]] == span["text"]
            start = offset + span["start"]
            assert texts[row["meta"]["document"]][start:start + len(span["text"])] == span["text"]


def test_cli_export_manifest(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run("export", "--db", store.path, "-o", out, "--manifest")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
    assert manifest["format"] == "jsonl"
    assert manifest["offsets"] == "codepoint"
    assert manifest["unit"] == "doc"
    assert [label["name"] for label in manifest["labels"]] == [
        label.name for label in store.labels()]
    assert manifest["counts"] == {"documents": len(documents(store)), "records": len(rows),
                                  "spans": sum(len(row["spans"]) for row in rows)}


def test_cli_manifest_with_sentence_unit(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    result = run("export", "--db", store.path, "--unit", "sentence", "-o", out, "--manifest")
    assert result.exit_code == 0, result.output
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text("utf-8"))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
    assert manifest["unit"] == "sentence"
    assert manifest["counts"]["records"] == len(rows)
    assert manifest["counts"]["spans"] == sum(original_spans(store).values())


def test_manifest_counts_documents_not_examples(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "sentences.jsonl"
    assert run("export", "--db", store.path, "--unit", "sentence", "-o", out,
               "--manifest").exit_code == 0
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text("utf-8"))
    assert manifest["counts"]["documents"] == len(documents(store))


def test_manifest_needs_an_output_file(store: Store) -> None:
    result = run("export", "--db", store.path, "--manifest")
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        "Error: --manifest needs -o: it is written beside the export"]


def spans_of(text: str, *ranges: tuple[int, int]) -> ExportRecord:
    spans = [Span(n, 1, s, e, "claim", "alice") for n, (s, e) in enumerate(ranges)]
    return ExportRecord("k", "t", text, spans, "alice", "todo", {})


@pytest.mark.parametrize(("text", "span"), [
    ("Hello there.  Next one.", (6, 13)),     # ends in the space between sentences
    ("  Leading space. Two.", (0, 7)),        # starts before the first sentence
    ("Trailing. Two words.  \n", (10, 22)),   # ends after the last one
])
def test_spans_with_white_space_edges_are_kept(text: str, span: tuple[int, int]) -> None:
    examples = list(split_sentences(spans_of(text, span)))
    assert sum(len(e.spans) for e in examples) == 1


def test_an_example_id_names_the_same_text_for_every_annotator() -> None:
    text = "One here. Two here. Three here."
    merged = {e.key: e.text for e in split_sentences(spans_of(text, (4, 13)))}
    plain = {e.key: e.text for e in split_sentences(spans_of(text))}
    assert all(plain.get(key, value) == value for key, value in merged.items())
