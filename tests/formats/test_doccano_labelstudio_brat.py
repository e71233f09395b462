"""doccano, Label Studio and brat: exact offsets, exact round trips, bad spans named."""

from __future__ import annotations

import json
import re
from pathlib import Path

import corpus
import pytest
from click.testing import CliRunner

from annotui.cli import cli
from annotui.core.exporter import export
from annotui.core.formats._offsets import Units
from annotui.core.formats.brat import fragments
from annotui.core.formats.labelstudio import config_for, config_xml
from annotui.core.importer import import_paths
from annotui.core.store import Store

FORMATS = [("doccano", {}), ("doccano", {"offsets": "codepoint"}), ("labelstudio", {}),
           ("brat", {})]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return corpus.build(tmp_path / "c.db")


def _out(tmp_path: Path, name: str, fmt: str) -> Path:
    return tmp_path / (name if fmt == "brat" else f"{name}.{fmt}")


def _files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))}
    return {"": path.read_bytes()}


def _spans(store: Store) -> set[tuple[str, str, str, str | None, str | None]]:
    return {(doc.key, doc.text[s.start:s.end], s.label, s.annotator, s.note)
            for doc in store.iter_documents() for s in store.spans(doc.id, everyone=True)}


def _import(tmp_path: Path, name: str, path: Path, fmt: str, **options: str):
    target = Store(tmp_path / f"{name}.db", annotator="importer")
    report = import_paths(target, [str(path)], fmt=fmt, options=options or None)
    return target, report


# -- offsets ------------------------------------------------------------------------


def test_utf16_offsets_differ_and_convert_back() -> None:
    text = corpus.TEXTS["emoji"]
    units = Units(text, "utf16")
    start = text.index("👍🏽")
    end = start + len("👍🏽")
    assert (end - start, units.out(end) - units.out(start)) == (2, 4)
    assert units.out(start) != start
    assert all(units.back(units.out(i)) == i for i in range(len(text) + 1))
    with pytest.raises(ValueError, match="surrogate pair"):
        units.back(units.out(start) + 1)
    assert Units(corpus.TEXTS["cjk"], "utf16").bounds is None   # BMP only: identity


def test_doccano_utf16_import(store: Store, tmp_path: Path) -> None:
    text = corpus.TEXTS["emoji"]
    u = Units(text, "utf16")
    s, e = text.index("👍🏽"), text.index("👍🏽") + 2
    path = tmp_path / "in.jsonl"
    lines = [{"text": text, "label": [[u.out(s), u.out(e), "claim"]]},
             {"text": text + " 2", "labels": [[u.out(s) + 1, u.out(e), "claim"],
                                             {"start_offset": u.out(s), "end_offset": u.out(e),
                                              "label": "claim", "text": "nope"}]}]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    target, report = _import(tmp_path, "d", path, "doccano")
    assert report.spans_added == 1 and report.spans_rejected == 2
    assert {t for _, t, *_ in _spans(target)} == {"👍🏽"}
    assert all(":2: span" in m for m in report.errors), report.errors
    assert "surrogate pair" in report.errors[0] and "does not match" in report.errors[1]
    # the same offsets read as code points land elsewhere
    target, report = _import(tmp_path, "c", path, "doccano", offsets="codepoint")
    assert "👍🏽" not in {t for _, t, *_ in _spans(target)}


def test_doccano_writes_utf16_by_default(store: Store, tmp_path: Path) -> None:
    export(store, "doccano", tmp_path / "u.jsonl")
    export(store, "doccano", tmp_path / "c.jsonl", offsets="codepoint")
    bob = [json.loads(x) for x in (tmp_path / "u.jsonl").read_text("utf-8").splitlines()
           if '"bob"' in x and '"emoji"' in x][0]
    point = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text("utf-8").splitlines()
             if '"bob"' in x and '"emoji"' in x][0]
    text = bob["text"]
    (s, e, label), = bob["label"]
    (cs, ce, _), = point["label"]
    assert text[cs:ce] == "Then they left" and (s, e) != (cs, ce)
    assert text.encode("utf-16-le")[2 * s:2 * e].decode("utf-16-le") == "Then they left"


# -- round trips --------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
def test_round_trip_is_exact(store: Store, tmp_path: Path, fmt: str,
                             options: dict[str, str]) -> None:
    first = _out(tmp_path, "first", fmt)
    report = export(store, fmt, first, **options)
    assert (report.documents, report.records, report.spans) == (5, 7, 9)
    target, imported = _import(tmp_path, "again", first, fmt, **options)
    assert imported.errors == [] and imported.spans_added == 9
    assert _spans(target) == _spans(store)
    second = _out(tmp_path, "second", fmt)
    export(target, fmt, second, **options)
    assert _files(first) == _files(second)


# -- Label Studio -------------------------------------------------------------------


def test_labelstudio_predictions_and_mismatches(tmp_path: Path) -> None:
    text = "Alice met Bob in Paris."
    region = {"from_name": "label", "to_name": "text", "type": "labels"}
    tasks = [
        {"id": 7, "data": {"text": text, "source_id": "x1"},
         "annotations": [{"completed_by": 3, "result": [
             {**region, "value": {"start": 0, "end": 5, "text": "Alice", "labels": ["claim"]},
              "meta": {"text": ["the subject"]}},
             {"type": "choices", "value": {"choices": ["ok"]}}]}],
         "predictions": [{"model_version": "ner-2", "result": [
             {**region, "value": {"start": 17, "end": 22, "text": "Paris",
                                  "labels": ["place"]}}]}, {"result": [
             {**region, "value": {"start": 10, "end": 13, "labels": ["person"]}}]}]},
        {"data": {"text": "Second task here."}, "annotations": [{"result": [
            {**region, "value": {"start": 0, "end": 6, "text": "Secnod", "labels": ["claim"]}},
            {**region, "value": {"start": 7, "end": 11, "text": "task", "labels": ["claim"]}},
        ]}]},
    ]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    target, report = _import(tmp_path, "ls", path, "labelstudio")
    assert report.spans_added == 4 and report.spans_rejected == 1
    assert len(report.errors) == 1 and "task 2 annotation 1 result 1" in report.errors[0]
    assert "does not match" in report.errors[0]
    assert _spans(target) == {
        ("7", "Alice", "claim", "labelstudio:3", "the subject"),
        ("7", "Paris", "place", "prediction:ner-2", None),
        ("7", "Bob", "person", "prediction:model", None),
        (target.document(report.document_ids[1]).key, "task", "claim", "importer", None)}
    single = tmp_path / "one.json"
    single.write_text(json.dumps(tasks[0]), encoding="utf-8")
    assert _import(tmp_path, "one", single, "labelstudio")[1].spans_added == 3


def test_labelstudio_config(store: Store) -> None:
    xml = config_for(store, ["claim"])
    assert '<Labels name="label" toName="text">' in xml
    assert '<Label value="claim" background="#d9734e"/>' in xml
    assert "commitment" not in xml and '<Text name="text" value="$text"/>' in xml
    assert 'value="a &amp; &quot;b&quot;"' in config_xml(['a & "b"'])


# -- brat ---------------------------------------------------------------------------


def test_brat_fragments_over_a_newline(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db", annotator="alice")
    text = "First line here\nsecond line.\n\nThird"
    store.ensure_label("claim")
    doc, _ = store.add_document(text, key="lines")
    store.add_span(doc, text.index("line"), text.index("second") + 6, "claim", note="a\tb\nc")
    store.add_span(doc, text.index("second"), text.index("Third") + 5, "claim")
    assert fragments(text, 0, len(text)) == [(0, 15), (16, 28), (30, 35)]
    out = tmp_path / "brat"
    export(store, "brat", out)
    ann = (out / "lines.ann").read_text("utf-8").splitlines()
    assert ann[0] == "T1\tclaim 6 15;16 22\tline here second"
    assert ann[1] == "T2\tclaim 16 28;30 35\tsecond line. Third"
    assert ann[2] == "#1\tAnnotatorNotes T1\ta\\tb\\nc"
    assert (out / "lines.txt").read_bytes() == text.encode()
    assert "claim\n" in (out / "annotation.conf").read_text("utf-8")
    target, report = _import(tmp_path, "b", out, "brat")
    assert report.errors == [] and _spans(target) == _spans(store)
    export(target, "brat", tmp_path / "again")
    assert _files(out) == _files(tmp_path / "again")


def test_brat_safe_file_names(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db", annotator="alice")
    store.ensure_label("claim")
    keys = ["../etc/passwd", "a b/c", "日本", "Doc", "doc", "plain-key_1", "CON"]
    for i, key in enumerate(keys):
        doc, _ = store.add_document(f"Text number {i}.", key=key)
        store.add_span(doc, 0, 4, "claim")
    out = tmp_path / "brat"
    export(store, "brat", out)
    names = sorted(p.name for p in out.iterdir())
    stems = {n.split(".")[0] for n in names if n != "annotation.conf"}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", s) for s in stems), stems
    assert len(stems) == len(keys) and len({s.lower() for s in stems}) == len(keys)
    assert "plain-key_1" in stems and all(p.is_file() for p in out.iterdir())
    assert {s for s in stems if s.startswith("etc_passwd-")} and {
        s for s in stems if s.startswith("doc-")}
    target, report = _import(tmp_path, "k2", out, "brat")
    assert report.errors == [] and _spans(target) == _spans(store)
    export(target, "brat", tmp_path / "again")
    assert _files(out) == _files(tmp_path / "again")


def test_brat_reports_bad_lines_and_plain_brat(tmp_path: Path) -> None:
    folder = tmp_path / "foreign"
    folder.mkdir()
    (folder / "news.txt").write_bytes(b"Alice met Bob\r\nin Paris.")
    (folder / "news.ann").write_text(
        "T1\tPerson 0 5\tAlice\nT2\tPerson 10 13\tBob\nR1\tMeets Arg1:T1 Arg2:T2\n"
        "T3\tPlace 17 22\tParis\nT4\tPlace 0 3\tXYZ\nT5\tPerson 0 5;10 13\tAlice Bob\n"
        "#1\tAnnotatorNotes T2\tC:\\temp stays\n", encoding="utf-8")
    target, report = _import(tmp_path, "f", folder, "brat")
    assert report.spans_added == 4 and report.spans_rejected == 1
    assert len(report.errors) == 1 and re.search(r"news\.ann:5: T4: .*does not match",
                                                 report.errors[0])
    assert _spans(target) == {("news", "Alice", "Person", "importer", None),
                              ("news", "Bob", "Person", "importer", "C:\\temp stays"),
                              ("news", "Paris", "Place", "importer", None),
                              ("news", "Alice met Bob", "Person", "importer", None)}


# -- CLI ----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "options"), FORMATS[1:])
def test_cli_export_then_import(store: Store, tmp_path: Path, fmt: str,
                                options: dict[str, str]) -> None:
    store.close()
    out = _out(tmp_path, "cli", fmt)
    flags = [f"--offsets={options['offsets']}"] if options else []
    runner = CliRunner()
    done = runner.invoke(cli, ["export", "--db", str(tmp_path / "c.db"), "--format", fmt,
                               "-o", str(out), *flags])
    assert done.exit_code == 0, done.output
    done = runner.invoke(cli, ["import", "--db", str(tmp_path / "new.db"), "--annotator",
                               "carol", "--format", fmt, str(out), *flags])
    assert done.exit_code == 0, done.output
    again = Store(tmp_path / "new.db", annotator="carol")
    assert len(_spans(again)) == 9 and {a for *_, a, _ in _spans(again)} == {"alice", "bob"}
