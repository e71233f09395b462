"""spaCy DocBin, Prodigy tasks and CoNLL IOB2: checked by spaCy itself, and round-tripped.

Every format is exported from the shared corpus, imported into an empty database and
exported again: the bytes must not change. For the DocBin that holds too (its string
table is sorted and msgpack keeps key order), checked here across hash seeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from corpus import TEXTS, build

from annotui.core.exporter import export
from annotui.core.formats import FormatError
from annotui.core.importer import import_paths
from annotui.core.records import iter_records
from annotui.core.store import Store

import spacy  # noqa: E402  (in the test extras: a real consumer, never skipped)
from spacy.tokens import DocBin  # noqa: E402

from annotui.core.formats import _tokens  # noqa: E402
from annotui.core.formats.conll import resolve_overlaps  # noqa: E402

FORMATS = {"spacy": ".spacy", "prodigy": ".jsonl", "conll": ".conll"}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return build(tmp_path / "c.db")


@pytest.fixture
def ragged(store: Store) -> Store:
    """The corpus plus spans that cut tokens: "amil" inside "family", "é" of "café"."""
    for key, start, end, note in (("emoji", 5, 9, None), ("combining", 5, 7, "accent")):
        doc = store.document_by_key(key)
        assert doc is not None
        store.add_span(doc.id, start, end, "invitation", note=note)
    return store


def docs(path: Path) -> list[Any]:
    nlp = spacy.blank("en")
    return list(DocBin().from_bytes(path.read_bytes()).get_docs(nlp.vocab))


def round_trip(store: Store, tmp_path: Path, fmt: str, **options: Any) -> tuple[bytes, bytes]:
    first, second = (tmp_path / f"{n}{FORMATS[fmt]}" for n in ("first", "second"))
    export(store, fmt, first, **options)
    with Store(tmp_path / f"e-{fmt}.db", annotator="alice") as empty:
        report = import_paths(empty, [str(first)], fmt=fmt)
        assert report.ok, report.errors
        export(empty, fmt, second, **options)
    return first.read_bytes(), second.read_bytes()


# -- round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("corpus", ["store", "ragged"])
def test_round_trip_gives_identical_bytes(request: pytest.FixtureRequest, tmp_path: Path,
                                          fmt: str, corpus: str) -> None:
    # the ragged corpus has spans that cut tokens: expanded here, left out in strict mode
    align = "expand" if corpus == "ragged" else "strict"
    first, second = round_trip(request.getfixturevalue(corpus), tmp_path, fmt, align=align)
    assert first and first == second


def test_docbin_bytes_do_not_depend_on_the_hash_seed(store: Store, tmp_path: Path) -> None:
    export(store, "spacy", tmp_path / "here.spacy")
    code = ("import sys; from pathlib import Path; from annotui.core.store import Store;"
            "from annotui.core.exporter import export;"
            "export(Store(Path(sys.argv[1]), annotator='alice'), 'spacy', Path(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(store.path), str(tmp_path / "there.spacy")],
                   check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert (tmp_path / "here.spacy").read_bytes() == (tmp_path / "there.spacy").read_bytes()


def test_spacy_round_trip_keeps_every_field(store: Store, tmp_path: Path) -> None:
    export(store, "spacy", tmp_path / "a.spacy")
    empty = Store(tmp_path / "e.db", annotator="zed")
    assert import_paths(empty, [str(tmp_path / "a.spacy")]).ok  # by extension

    def fields(where: Store) -> list[Any]:
        return [(r.key, r.title, r.text, r.annotator, r.status, r.meta,
                 [(s.start, s.end, s.label, s.annotator, s.note) for s in r.spans])
                for r in iter_records(where)]
    assert fields(empty) == fields(store)


def test_spacy_reader_takes_a_plain_ner_docbin(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    doc = nlp("Ada met Bob in Paris.")
    doc.ents = [doc.char_span(0, 3, label="PER"), doc.char_span(15, 20, label="LOC")]
    DocBin(docs=[doc]).to_disk(tmp_path / "ner.spacy")
    store = Store(tmp_path / "e.db", annotator="alice")
    assert import_paths(store, [str(tmp_path / "ner.spacy")]).ok
    (record,) = iter_records(store)
    assert [(record.text[s.start:s.end], s.label, s.annotator) for s in record.spans] == \
        [("Ada", "PER", "alice"), ("Paris", "LOC", "alice")]


def test_sentence_unit_works_for_token_formats(store: Store, tmp_path: Path) -> None:
    for fmt, ext in FORMATS.items():
        report = export(store, fmt, tmp_path / f"s{ext}", unit="sentence", annotator="alice")
        assert report.records > 5 and report.spans >= 5, (fmt, report)


# -- spaCy reads the DocBin ----------------------------------------------------------


def test_spacy_reads_the_docbin_and_every_span_text_matches(store: Store, tmp_path: Path
                                                            ) -> None:
    report = export(store, "spacy", tmp_path / "a.spacy")
    expected = {(r.key, r.annotator): [(r.text[s.start:s.end], s.label) for s in r.spans]
                for r in iter_records(store)}
    got = {}
    for doc in docs(tmp_path / "a.spacy"):
        ours = doc.user_data["annotui"]
        got[(ours["id"], ours["annotator"])] = [(s.text, s.label_) for s in doc.spans["sc"]]
        assert doc.text == TEXTS[ours["id"]]
    assert got == expected
    assert report.spans == 9 and report.records == len(expected) and not report.warnings


@pytest.mark.parametrize("fmt", FORMATS)
def test_strict_reports_cut_spans(ragged: Store, tmp_path: Path, fmt: str) -> None:
    report = export(ragged, fmt, tmp_path / f"a{FORMATS[fmt]}", align="strict")
    assert report.spans == (8 if fmt == "conll" else 9)  # conll: one overlap dropped too
    assert any(w.startswith("emoji#alice: span 'amil' [5, 9) does not align to spaCy tokens"
                            " (use --align expand)") for w in report.warnings), report.warnings
    assert any(w.startswith("combining#alice: span") for w in report.warnings)
    assert any(w.startswith(f"{fmt}: 2 of 11 spans left out") for w in report.warnings)


def test_spacy_expand_aligns_cut_spans(ragged: Store, tmp_path: Path) -> None:
    export(ragged, "spacy", tmp_path / "s.spacy", align="strict")
    assert "amil" not in {s.text for d in docs(tmp_path / "s.spacy") for s in d.spans["sc"]}
    expand = export(ragged, "spacy", tmp_path / "x.spacy", align="expand")
    assert expand.spans == 11 and not expand.warnings
    found = {(s.text, s.label_) for d in docs(tmp_path / "x.spacy") for s in d.spans["sc"]}
    assert {("family", "invitation"), ("cafe\u0301", "invitation")} <= found
    contract = export(ragged, "spacy", tmp_path / "c.spacy", align="contract")
    assert contract.spans == 9 and "holds no whole spaCy token" in contract.warnings[0]


# -- Prodigy ---------------------------------------------------------------------------


def test_prodigy_token_indices_agree_with_spacys_tokenizer(store: Store, tmp_path: Path
                                                           ) -> None:
    export(store, "prodigy", tmp_path / "p.jsonl")
    nlp = spacy.blank("en")
    lines = (tmp_path / "p.jsonl").read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    tasks = [json.loads(line) for line in lines[:-1]]
    assert len(tasks) == 7
    count = 0
    for task in tasks:
        assert task["answer"] == "accept"
        doc = nlp(task["text"])
        assert [(t["text"], t["start"], t["end"], t["id"], t["ws"]) for t in task["tokens"]] == \
            [(t.text, t.idx, t.idx + len(t.text), t.i, bool(t.whitespace_)) for t in doc]
        for span in task["spans"]:
            tokens = task["tokens"]
            assert tokens[span["token_start"]]["start"] == span["start"]
            assert tokens[span["token_end"]]["end"] == span["end"]  # token_end inclusive
            assert doc[span["token_start"]:span["token_end"] + 1].text == \
                task["text"][span["start"]:span["end"]]
            count += 1
        assert task["_annotator_id"] == task["meta"]["annotui"]["annotator"]
    assert count == 9


def test_prodigy_reader_takes_prodigys_own_tasks(tmp_path: Path) -> None:
    tasks = [
        {"text": "Ada met Bob.", "spans": [{"start": 0, "end": 3, "label": "PER"}],
         "answer": "accept", "_annotator_id": "ner-ada", "meta": {"source": "mail"}},
        {"text": "No one here.", "spans": [{"start": 0, "end": 2, "label": "PER"}],
         "answer": "reject"},
        {"text": "Skip me.", "answer": "ignore", "_annotator_id": "ner-ada"},
        {"text": "Bad span.", "spans": [{"start": 0, "end": 99, "label": "PER"}]},
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in tasks) + "\n{oops\n", encoding="utf-8")
    store = Store(tmp_path / "e.db", annotator="alice")
    report = import_paths(store, [str(path)], fmt="prodigy")
    assert report.documents_added == 4 and report.spans_added == 1
    assert [e.split(": ")[0] for e in report.errors] == [f"{path}:4", f"{path}:5"]
    records = {(r.text, r.annotator): r for r in iter_records(store)}
    ada = records[("Ada met Bob.", "ner-ada")]
    assert [(s.label, s.annotator) for s in ada.spans] == [("PER", "ner-ada")]
    assert ada.status == "done" and ada.meta["source"] == "mail"
    assert records[("Skip me.", "ner-ada")].status == "skipped"
    assert records[("No one here.", None)].spans == []


# -- CoNLL ---------------------------------------------------------------------------


def test_conll_is_valid_iob2_and_counts_overlaps(store: Store, tmp_path: Path) -> None:
    report = export(store, "conll", tmp_path / "a.conll")
    assert report.warnings == ["conll: 1 overlapping spans dropped (longest kept)"]
    assert report.spans == 8
    text = (tmp_path / "a.conll").read_text(encoding="utf-8")
    entities = []
    for block in text.split("\n\n"):
        previous = "O"
        for line in filter(None, block.split("\n")):
            if line.startswith("# "):
                continue
            token, tag = line.split("\t")
            assert token and not token.isspace()
            if tag.startswith("I-"):
                assert previous[2:] == tag[2:], (previous, tag)  # never after O/other
            else:
                assert tag == "O" or tag.startswith("B-")
            if tag.startswith("B-"):
                entities.append([tag[2:], token])
            elif tag.startswith("I-"):
                entities[-1][1] += " " + token
            previous = tag
    assert entities[0] == ["claim", "family 👨 \u200d 👩 \u200d 👧 waved"]  # longest kept
    assert text.startswith("# id = emoji\n# annotator = alice\n# status = done\nThe\tO\n")


def test_conll_overlap_rule() -> None:
    # longest, then earliest start, then label name
    kept, dropped = resolve_overlaps([(0, 2, 5, "b"), (1, 3, 5, "a"), (0, 1, 2, "z"),
                                      (4, 5, 3, "y"), (4, 5, 3, "x")])
    assert kept == [(0, 2, "b"), (4, 5, "x")] and dropped == 3


def test_conll_reader_takes_plain_conll(tmp_path: Path) -> None:
    path = tmp_path / "x.conll"
    path.write_text("-DOCSTART- -X- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n"
                    "German JJ I-MISC\n\nPeter NNP B-PER\nBlackburn NNP I-PER\n\n"
                    "-DOCSTART- -X- -X- O\n\nBRUSSELS NNP B-LOC\n", encoding="utf-8")
    store = Store(tmp_path / "e.db", annotator="alice")
    report = import_paths(store, [str(path)])
    assert report.ok, report.errors
    records = list(iter_records(store))
    assert [r.text for r in records] == ["EU rejects German\nPeter Blackburn", "BRUSSELS"]
    assert [(records[0].text[s.start:s.end], s.label) for s in records[0].spans] == \
        [("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER")]


# -- CLI, the optional extra -----------------------------------------------------------


def test_cli_export_spacy_and_import_prodigy(store: Store, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from annotui.cli import cli

    monkeypatch.chdir(tmp_path)
    store.close()
    for args in ("export --db c.db --format spacy -o x.spacy",
                 "export --db c.db --format prodigy --annotator alice -o p.jsonl",
                 "import --db e.db --format prodigy p.jsonl"):
        result = CliRunner().invoke(cli, args.split(), env={
            "ANNOTUI_ANNOTATOR": "alice", "NO_COLOR": "1", "HOME": str(tmp_path)})
        assert result.exit_code == 0, (args, result.output)
    assert len(docs(tmp_path / "x.spacy")) == 7
    with Store(tmp_path / "e.db", annotator="alice") as empty:
        assert sum(len(r.spans) for r in iter_records(empty)) == 6


def test_missing_spacy_is_a_one_line_error(store: Store, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy -> ImportError
    _tokens._blank.cache_clear()
    for fmt, ext in FORMATS.items():
        with pytest.raises(FormatError) as info:
            export(store, fmt, tmp_path / f"x{ext}")
        assert str(info.value) == f"the {fmt} format needs spaCy: pip install 'annotui[spacy]'"
        assert not (tmp_path / f"x{ext}").exists()
    monkeypatch.undo()
    _tokens._blank.cache_clear()


def test_annotui_starts_without_importing_spacy() -> None:
    code = "import sys, annotui.core.formats, annotui.cli; sys.exit('spacy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_unknown_language_is_a_one_line_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="no language 'qq'"):
        export(store, "prodigy", tmp_path / "p.jsonl", lang="qq")
