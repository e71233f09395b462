"""Import (txt, md, jsonl, folders, stdin) and JSONL export: offsets, errors, round trips."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotui.core import importer as importer_module
from annotui.core.exporter import export
from annotui.core.formats import (
    READERS,
    WRITERS,
    FormatError,
    format_for_path,
    reader,
    writer,
)
from annotui.core.formats.jsonl import write_jsonl
from annotui.core.importer import import_paths
from annotui.core.schema import StoreError
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"
SAMPLE = ROOT / "data" / "sample-article.txt"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "t.db", annotator="alice")
    s.load_labels(LABELS)
    yield s
    s.close()


def dump(store: Store, **options: object) -> str:
    out = io.StringIO()
    write_jsonl(store, out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def records(text: str) -> list[dict]:
    # split at "\n" only, as every JSONL reader should; the test below checks the rest
    return [json.loads(line) for line in text.split("\n") if line]


def jsonl(path: Path, *rows: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n"
                            for r in rows), encoding="utf-8")
    return path


def check_offsets(exported: str) -> int:
    count = 0
    for record in records(exported):
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]
            count += 1
    return count


# -- registry ---------------------------------------------------------------------


def test_registry() -> None:
    assert {"txt", "md", "jsonl"} <= READERS.keys()
    assert "jsonl" in WRITERS
    assert format_for_path("a/b.TXT") == "txt"
    assert format_for_path("notes.md") == "md"
    assert format_for_path("x.jsonl") == "jsonl"
    assert format_for_path("x.csv") is None
    assert format_for_path("README") is None
    assert reader("jsonl").name == "jsonl"
    assert writer("jsonl").extension == ".jsonl"
    with pytest.raises(FormatError, match=r"unknown format 'xml' \(known: .*jsonl"):
        reader("xml")
    with pytest.raises(FormatError, match="unknown format 'csv'"):
        writer("csv")


# -- plain text -------------------------------------------------------------------


def test_sample_takes_title_source_and_meta_from_its_toml(store: Store) -> None:
    report = import_paths(store, [str(SAMPLE)])
    assert report.errors == []
    assert (report.files, report.documents_added) == (1, 1)
    doc = store.document(report.document_ids[0])
    assert doc.key == "sample-article"
    assert doc.title == "Aliyev: Azerbaijan and Central Asia share one space"
    assert doc.source == "nCa"
    assert doc.meta == {"date": "2024-08-10", "dateline": "nCa, 10 August 2024"}
    assert doc.text == SAMPLE.read_text(encoding="utf-8").replace("\r\n", "\n")


def test_title_is_first_short_line_else_stem(store: Store, tmp_path: Path) -> None:
    (tmp_path / "short.txt").write_text("\n\n  A Title  \nbody\n", encoding="utf-8")
    (tmp_path / "long.txt").write_text("x" * 81 + "\nbody\n", encoding="utf-8")
    report = import_paths(store, [str(tmp_path / "short.txt"), str(tmp_path / "long.txt")])
    short, long = (store.document(i) for i in report.document_ids)
    assert (short.title, short.key) == ("A Title", "short")
    assert (long.title, long.key) == ("long", "long")


def test_bad_sidecar_skips_the_file_and_names_the_toml(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("text\n", encoding="utf-8")
    (tmp_path / "a.toml").write_text("title = \n", encoding="utf-8")
    report = import_paths(store, [str(tmp_path / "a.txt")])
    assert report.documents_added == 0
    assert len(report.errors) == 1 and "a.toml" in report.errors[0]
    assert report.errors[0].startswith(str(tmp_path / "a.txt") + ": ")


def test_folder_of_mixed_files(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    (folder / "sub" / "deeper").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "a.txt").write_text("Alpha\n\nThe first text.\n", encoding="utf-8")
    (folder / "b.md").write_text("# Beta\n\n*kept* as text\n", encoding="utf-8")
    (folder / "sub" / "c.txt").write_text("Gamma text", encoding="utf-8")
    (folder / "sub" / "deeper" / "d.TXT").write_text("Delta text", encoding="utf-8")
    jsonl(folder / "sub" / "e.jsonl",
          {"id": "e1", "text": "Epsilon one", "spans": [
              {"start": 0, "end": 7, "label": "claim", "text": "Epsilon"}]},
          {"text": "Epsilon two", "meta": {"title": "Two"}})
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "latin.txt").write_bytes("caf\u00e9 cr\u00e8me".encode("latin-1"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (folder / "data.csv").write_text("a,b\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (folder / ".git" / "x.txt").write_text("in git", encoding="utf-8")

    report = import_paths(store, [str(folder)])

    assert report.documents_added == 6
    assert report.spans_added == 1
    assert report.files == 9          # a, b, c, d, e, image, latin, empty, blank
    assert report.files_ignored == 1  # data.csv
    keys = [store.document(i).key for i in report.document_ids]
    # sorted path order, keys relative to the folder without extension
    assert keys[:5] == ["a", "b", "sub/c", "sub/deeper/d", "e1"]
    assert len(keys[5]) == 12  # no id: the store derives a key from the text's hash
    assert "sub/e" not in keys
    titles = {store.document(i).title for i in report.document_ids}
    assert {"Alpha", "Beta", "Two"} <= titles  # a Markdown heading loses its "#"
    beta = store.document_by_key("b")
    assert beta is not None and beta.text == "# Beta\n\n*kept* as text\n"
    errors = "\n".join(report.errors)
    assert len(report.errors) == 4, errors
    assert f"{folder / 'image.txt'}: looks like a binary file" in errors
    assert f"{folder / 'latin.txt'}: not valid UTF-8 at byte 3" in errors
    assert f"{folder / 'empty.txt'}: empty file, nothing imported" in errors
    assert f"{folder / 'blank.md'}: empty file, nothing imported" in errors
    for document in store.iter_documents():
        assert "hidden" not in document.text and "in git" not in document.text


def test_folder_keys_and_order(store: Store, tmp_path: Path) -> None:
    # sorted by path components: a folder's files stay together
    for name in ("b.txt", "a/z.txt", "a.txt", "c/a.md"):
        path = tmp_path / "f" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"text of {name}", encoding="utf-8")
    report = import_paths(store, [str(tmp_path / "f")])
    assert [store.document(i).key for i in report.document_ids] == ["a/z", "a", "b", "c/a"]


def test_encoding_option(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("caf\u00e9\r\n".encode("latin-1"))
    report = import_paths(store, [str(path)], encoding="latin-1")
    assert report.errors == []
    assert store.document(report.document_ids[0]).text == "caf\u00e9\n"
    with pytest.raises(FormatError, match="unknown encoding"):
        import_paths(store, [str(path)], encoding="klingon")


def test_named_files_unknown_extension_and_missing(store: Store, tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / "README").write_text("readme\n", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("fine\n", encoding="utf-8")
    names = [str(tmp_path / n) for n in ("notes.csv", "README", "missing.txt", "ok.txt")]
    report = import_paths(store, names)
    assert report.documents_added == 1
    assert report.errors[0].startswith(f"{names[0]}: unknown file type '.csv'")
    assert "--format" in report.errors[0]
    assert report.errors[1].startswith(f"{names[1]}: no extension")
    assert report.errors[2] == f"{names[2]}: no such file or directory"
    # --format makes any named file readable
    report = import_paths(store, [names[0]], fmt="txt")
    assert report.errors == [] and report.documents_added == 1


def test_crlf_and_bom_are_normalised(store: Store, tmp_path: Path) -> None:
    (tmp_path / "win.txt").write_bytes(b"\xef\xbb\xbfTitle\r\nline two\rline three\r\n")
    report = import_paths(store, [str(tmp_path / "win.txt")])
    doc = store.document(report.document_ids[0])
    assert doc.text == "Title\nline two\nline three\n"
    assert doc.title == "Title"
    # the same text with LF only is the same document
    (tmp_path / "unix.txt").write_bytes(b"Title\nline two\nline three\n")
    again = import_paths(store, [str(tmp_path / "unix.txt")])
    assert (again.documents_added, again.documents_present) == (0, 1)
    assert again.document_ids == report.document_ids


def test_stdin_text_and_jsonl(store: Store) -> None:
    report = import_paths(store, ["-"], stdin=io.BytesIO(b"\n  Piped title\nbody\n"))
    assert report.errors == [] and report.documents_added == 1
    doc = store.document(report.document_ids[0])
    assert doc.title == "Piped title"
    assert len(doc.key) == 12  # derived from the text's hash by the store
    piped = b'\n\n  {"text": "one"}\n{"text": "two", "id": "t2"}\n'
    report = import_paths(store, ["-"], stdin=io.BytesIO(piped))
    assert report.errors == [] and report.documents_added == 2
    assert store.document_by_key("t2") is not None
    # --format wins over sniffing: the JSON line is kept as text
    report = import_paths(store, ["-"], fmt="txt", stdin=io.BytesIO(b'{"text": "x"}'))
    assert store.document(report.document_ids[0]).text == '{"text": "x"}'
    report = import_paths(store, ["-"], stdin=io.BytesIO(b""))
    assert report.errors == ["<stdin>: empty file, nothing imported"]


def test_import_is_idempotent(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some text here.", encoding="utf-8")
    jsonl(tmp_path / "b.jsonl",
          {"id": "b", "text": "Bee text", "annotator": "bob", "status": "done",
           "spans": [{"start": 0, "end": 3, "label": "claim"}]},
          {"id": "b", "text": "Bee text", "annotator": "carol", "status": "todo",
           "spans": [{"start": 4, "end": 8, "label": "new-label", "note": "n"}]})
    paths = [str(tmp_path / "a.txt"), str(tmp_path / "b.jsonl")]
    first = import_paths(store, paths)
    assert first.errors == []
    assert (first.documents_added, first.documents_present) == (2, 1)
    assert (first.spans_added, first.statuses) == (2, 2)
    before = store.counts()
    exported = dump(store)
    second = import_paths(store, paths)
    assert second.errors == []
    assert (second.documents_added, second.spans_added, second.statuses) == (0, 0, 0)
    assert second.documents_present == 3 and second.spans_duplicate == 2
    assert store.counts() == before   # not even an event
    assert dump(store) == exported
    assert "new-label" in [label.name for label in store.labels()]


def test_progress_reports_bytes(store: Store, tmp_path: Path) -> None:
    many = importer_module.FIRST_BATCH * 3 + 50
    jsonl(tmp_path / "many.jsonl", *({"text": f"document {i}"} for i in range(many)))
    (tmp_path / "one.txt").write_text("one", encoding="utf-8")
    calls: list[tuple[int, int]] = []
    report = import_paths(store, [str(tmp_path)], progress=lambda d, t: calls.append((d, t)))
    assert report.documents_added == many + 1
    total = (tmp_path / "many.jsonl").stat().st_size + 3
    assert calls[-1] == (total, total)
    assert len(calls) >= 4  # the first two batches (200, then 400) report as they go
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:], strict=False))


def test_a_failing_record_does_not_lose_its_batch(store: Store, tmp_path: Path) -> None:
    rows = [{"text": f"doc {i}", "spans": [{"start": 0, "end": 3, "label": "claim"}]}
            for i in range(5)]
    # the database refuses one record's span: the set-wise write of the batch fails, and
    # the batch is written again record by record, losing only that record
    store.conn.execute(
        "CREATE TRIGGER fire BEFORE INSERT ON spans WHEN (SELECT text FROM documents"
        " WHERE id = NEW.document_id) = 'doc 2' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    report = import_paths(store, [str(jsonl(tmp_path / "x.jsonl", *rows))])
    assert report.documents_added == 4 and report.spans_added == 4
    assert report.errors == [f"{tmp_path / 'x.jsonl'}:3: not stored (disk on fire)"]
    texts = [d.text for d in store.iter_documents()]
    assert texts == ["doc 0", "doc 1", "doc 3", "doc 4"]  # doc 2 left no document behind
    store.conn.execute("DROP TRIGGER fire")
    assert import_paths(store, [str(tmp_path / "x.jsonl")]).documents_added == 1


# -- JSONL reading ----------------------------------------------------------------


def test_bad_jsonl_records_are_named_and_good_ones_kept(store: Store, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "data.jsonl",
        {"id": "good1", "text": "The quick brown fox"},                      # 1
        "",                                                                   # 2 blank
        "{not json",                                                          # 3
        {"id": "no-text"},                                                    # 4
        {"text": 42},                                                         # 5
        ["a", "list"],                                                        # 6
        {"text": "bad status", "status": "finished"},                         # 7
        {"id": "good2", "text": "foo bar baz", "annotator": "bob", "spans": [
            {"start": 0, "end": 3, "label": "claim", "text": "foo"},
            {"start": 4, "end": 7, "label": "claim", "text": "BAR"},
            {"start": 8, "end": 99, "label": "claim"},
            {"start": 5, "end": 5, "label": "claim"},
            {"start": "1", "end": 2, "label": "claim"},
            {"start": 0, "end": 3, "label": ""},
            {"start": 8, "end": 11, "label": "commitment", "note": ""},
        ]},                                                                   # 8
        {"text": "spans not a list", "spans": {}},                           # 9
        {"text": "   "},                                                      # 10
        {"text": "bad meta", "meta": []},                                     # 11
        {"text": "nul \u0000 inside"},                                        # 12
        '{"text": "lone \\ud800 surrogate"}',                                 # 13
    )
    report = import_paths(store, [str(path)])
    name = str(path)
    assert report.documents_added == 2
    assert report.spans_added == 2 and report.spans_rejected == 5
    assert report.records_rejected == 10
    errors = report.errors
    assert len(errors) == 15
    assert errors[0].startswith(f"{name}:3: invalid JSON")
    assert errors[1] == f'{name}:4: no "text" field'
    assert errors[2] == f'{name}:5: "text" must be a string'
    assert errors[3] == f"{name}:6: expected a JSON object, got list"
    assert errors[4].startswith(f'{name}:7: "status" must be one of todo, done, skipped')
    assert errors[5] == (f"{name}:8: span 2 [4, 7) text 'BAR' does not match the document"
                         " ('bar')")
    assert errors[6] == f"{name}:8: span 3 [8, 99) is empty or outside the text (0-11)"
    assert errors[7] == f"{name}:8: span 4 [5, 5) is empty or outside the text (0-11)"
    assert errors[8].startswith(f"{name}:8: span 5: start and end must be integers")
    assert errors[9] == f"{name}:8: span 6 [0, 3): invalid label ''"
    assert errors[10] == f'{name}:9: "spans" must be a list or null'
    assert errors[11] == f"{name}:10: empty text, nothing imported"
    assert errors[12] == f'{name}:11: "meta" must be an object or null'
    assert errors[13].startswith(f'{name}:12: "text" contains a NUL character')
    assert errors[14].startswith(f"{name}:13: contains a lone surrogate")
    doc = store.document_by_key("good2")
    assert doc is not None
    spans = store.spans(doc.id, "bob")
    assert [(s.start, s.end, s.label, s.note) for s in spans] == [
        (0, 3, "claim", None), (8, 11, "commitment", None)]
    assert store.document_by_key("good1") is not None


def test_jsonl_first_line_problems_reject_the_file(store: Store, tmp_path: Path) -> None:
    (tmp_path / "bin.jsonl").write_bytes(b"\x00\x01\x02\n{}\n")
    (tmp_path / "latin.jsonl").write_bytes('{"text": "caf\u00e9"}\n'.encode("latin-1") * 3)
    (tmp_path / "blank.jsonl").write_bytes(b"\n \n\r\n")
    report = import_paths(store, [str(tmp_path / n)
                                  for n in ("bin.jsonl", "latin.jsonl", "blank.jsonl")])
    assert report.errors == [
        f"{tmp_path / 'bin.jsonl'}: looks like a binary file (NUL byte at 0)",
        f"{tmp_path / 'latin.jsonl'}: not valid UTF-8 at byte 13 (try --encoding)",
        f"{tmp_path / 'blank.jsonl'}: empty file, nothing imported",
    ]
    report = import_paths(store, [str(tmp_path / "latin.jsonl")], encoding="latin-1")
    assert report.errors == [] and report.documents_added == 1


def test_jsonl_later_bad_bytes_name_their_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n{"text": "fine"}\n')
    report = import_paths(store, [str(path)])
    assert report.errors == [f"{path}:2: not valid UTF-8 at byte 28 (try --encoding)"]
    assert report.documents_added == 2


def test_jsonl_too_many_errors_are_counted(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok"}\n' + "nope\n" * 80, encoding="utf-8")
    report = import_paths(store, [str(path)])
    assert len(report.errors) == importer_module.MAX_ERRORS_PER_FILE + 1
    assert report.errors[-1] == f"{path}: 30 more errors not shown"
    assert report.records_rejected == 80


def test_jsonl_text_normalisation(store: Store, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "x.jsonl",
        {"id": "crlf", "text": "\ufeffone\r\ntwo\rthree"},
        {"id": "shifted", "text": "a\r\nbc", "spans": [{"start": 3, "end": 5, "label": "claim"}]},
    )
    report = import_paths(store, [str(path)])
    doc = store.document_by_key("crlf")
    assert doc is not None and doc.text == "one\ntwo\nthree"
    assert store.document_by_key("shifted") is None
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"{path}:2: \"text\" has a BOM or CR line ends")
    # a file with a BOM and CRLF line ends is fine: those are outside the JSON strings
    path.write_bytes(b'\xef\xbb\xbf{"text": "bom file"}\r\n{"text": "second"}\r\n')
    report = import_paths(store, [str(path)])
    assert report.errors == [] and report.documents_added == 2


def test_jsonl_line_separators_inside_text_do_not_split(store: Store, tmp_path: Path) -> None:
    text = "first\u2028second\u2029third\u0085fourth\x0bfifth\x1cend"
    path = tmp_path / "x.jsonl"
    raw = json.dumps({"text": text, "spans": [{"start": 6, "end": 12, "label": "claim",
                                               "text": "second"}]}, ensure_ascii=False)
    assert "\u2028" in raw  # written raw, as json.dumps does
    path.write_text(raw + "\n", encoding="utf-8")
    report = import_paths(store, [str(path)])
    assert report.errors == [] and report.documents_added == 1 and report.spans_added == 1
    assert store.document(report.document_ids[0]).text == text


def test_utf16_jsonl(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes('{"text": "one"}\r\n{"text": "two \u00e9"}\n'.encode("utf-16"))
    report = import_paths(store, [str(path)], encoding="utf-16")
    assert report.errors == [] and report.documents_added == 2
    assert report.document_ids and store.document(report.document_ids[1]).text == "two \u00e9"


def test_status_rules(store: Store, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl",
                 {"id": "d", "text": "status doc", "annotator": "bob", "status": "done"},
                 {"id": "d", "text": "status doc", "annotator": "bob", "status": "todo"},
                 {"id": "d", "text": "status doc", "status": "skipped"},
                 {"id": "d", "text": "status doc", "status": "todo"})
    report = import_paths(store, [str(path)])
    doc = store.document_by_key("d")
    assert doc is not None
    assert store.status(doc.id, "bob") == "done"       # todo never downgrades done
    assert store.status(doc.id, "alice") == "skipped"  # no annotator: the importing one
    assert report.statuses == 2


# -- export -----------------------------------------------------------------------

UNICODE_TEXT = (
    "Family 👨\u200d👩\u200d👧\u200d👦 and flag 🇺🇦 and thumbs 👍🏽.\n"
    "中文文本：北京欢迎你。\n"
    "Cafe\u0301 and n\u0303o combining.\n"
    "עברית וערבית: مرحبا بالعالم\n"
    "line\u2028separator and para\u2029graph and nel\u0085here.\n"
    "tab\tand ESC \x1b[31m red."
)


def find(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def test_unicode_offsets_survive_export(store: Store) -> None:
    doc_id, _ = store.add_document(UNICODE_TEXT, key="uni")
    parts = ["👨\u200d👩\u200d👧\u200d👦", "🇺🇦", "👍🏽", "北京欢迎你", "Cafe\u0301",
             "n\u0303o", "مرحبا", "עברית", "line\u2028separator", "para\u2029graph",
             "nel\u0085here", "\x1b[31m red"]
    for part in parts:
        store.add_span(doc_id, *find(UNICODE_TEXT, part), "claim")
    exported = dump(store)
    assert "\u2028" not in exported and "\u2029" not in exported and "\u0085" not in exported
    assert "\\u2028" in exported and "\\u2029" in exported and "\\u0085" in exported
    assert len(exported.splitlines()) == 1  # even str.splitlines() sees one record
    assert "北京欢迎你" in exported  # ensure_ascii=False: readable
    assert check_offsets(exported) == len(parts)
    (record,) = records(exported)
    assert record["text"] == UNICODE_TEXT
    assert sorted(s["text"] for s in record["spans"]) == sorted(parts)


def build_corpus(path: Path) -> None:
    """Two annotators, notes, overlaps, statuses, an untouched and a status-only doc."""
    alice = Store(path, annotator="alice")
    bob = Store(path, annotator="bob")
    alice.load_labels(LABELS)
    one, _ = alice.add_document("We will build a bridge. You should join us.", key="one",
                                title="One", source="nCa", meta={"lang": "en", "n": 1})
    two, _ = alice.add_document(UNICODE_TEXT, key="two")
    alice.add_document("Nobody touched this one.", key="three")
    four, _ = alice.add_document("Only a status here.", key="four")
    alice.add_span(one, 0, 22, "commitment", note="a promise")
    alice.add_span(one, 3, 7, "claim")                 # inside the first: overlap
    alice.add_span(one, 0, 22, "claim")                # same range, other label
    bob.add_span(one, 24, 43, "invitation", note="note with \u2028 and \"quotes\"")
    bob.add_span(one, 0, 22, "commitment")             # same span as alice's
    alice.set_status(one, "done")
    bob.set_status(one, "skipped")
    bob.add_span(two, *find(UNICODE_TEXT, "👍🏽"), "claim")
    bob.add_span(two, *find(UNICODE_TEXT, "line\u2028separator"), "claim")
    alice.set_status(four, "done")
    alice.close()
    bob.close()


def test_export_shape(tmp_path: Path) -> None:
    build_corpus(tmp_path / "a.db")
    with Store(tmp_path / "a.db", annotator="x", readonly=True) as store:
        exported = dump(store)
    rows = records(exported)
    assert [(r["id"], r["annotator"], r["status"]) for r in rows] == [
        ("one", "alice", "done"), ("one", "bob", "skipped"), ("two", "bob", "todo"),
        ("three", None, "todo"), ("four", "alice", "done")]
    for row in rows:
        assert list(row) == ["id", "text", "spans", "annotator", "status", "meta"]
        for span in row["spans"]:
            assert list(span) == ["start", "end", "label", "text", "annotator", "note"]
            assert span["annotator"] == row["annotator"]
    assert rows[0]["meta"] == {"title": "One", "source": "nCa", "lang": "en", "n": 1}
    assert [(s["start"], s["end"], s["label"], s["note"]) for s in rows[0]["spans"]] == [
        (0, 22, "claim", None), (0, 22, "commitment", "a promise"), (3, 7, "claim", None)]
    assert rows[3]["spans"] == [] and rows[3]["meta"] == {"title": "Nobody touched this one."}
    assert check_offsets(exported) == 7
    assert "\u2028" not in exported


def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    build_corpus(tmp_path / "a.db")
    with Store(tmp_path / "a.db", annotator="x") as store:
        first = dump(store)
    (tmp_path / "export.jsonl").write_text(first, encoding="utf-8", newline="")
    with Store(tmp_path / "b.db", annotator="carol") as empty:
        report = import_paths(empty, [str(tmp_path / "export.jsonl")])
        assert report.errors == []
        assert (report.documents_added, report.documents_present) == (4, 1)
        assert report.spans_added == 7
        second = dump(empty)
        # and once more: importing it again changes nothing
        import_paths(empty, [str(tmp_path / "export.jsonl")])
        assert dump(empty) == first
    assert second == first


def test_export_filters(tmp_path: Path) -> None:
    build_corpus(tmp_path / "a.db")
    with Store(tmp_path / "a.db", annotator="x") as store:
        bob = records(dump(store, annotator="bob"))
        assert [(r["id"], r["annotator"], r["status"], len(r["spans"])) for r in bob] == [
            ("one", "bob", "skipped", 2), ("two", "bob", "todo", 2),
            ("three", "bob", "todo", 0), ("four", "bob", "todo", 0)]
        done = records(dump(store, status="done"))
        assert [(r["id"], r["annotator"]) for r in done] == [("one", "alice"), ("four", "alice")]
        alice_done = records(dump(store, annotator="alice", status="done"))
        assert [r["id"] for r in alice_done] == ["one", "four"]
        todo = records(dump(store, status="todo"))
        assert [(r["id"], r["annotator"]) for r in todo] == [("two", "bob"), ("three", None)]
        claims = records(dump(store, labels=["claim"]))
        assert len(claims) == 5
        assert {s["label"] for r in claims for s in r["spans"]} == {"claim"}
        assert sum(len(r["spans"]) for r in claims) == 4
        out = io.StringIO()
        report = write_jsonl(store, out, labels=["invitation", "commitment"])
        assert (report.documents, report.records, report.spans) == (4, 5, 3)
        with pytest.raises(StoreError, match="unknown status"):
            dump(store, status="finished")


def test_export_to_file_is_atomic_and_matches(tmp_path: Path) -> None:
    build_corpus(tmp_path / "a.db")
    target = tmp_path / "out.jsonl"
    target.write_text("old content\n", encoding="utf-8")
    with Store(tmp_path / "a.db", annotator="x", readonly=True) as store:
        report = export(store, "jsonl", target)
        assert report.records == 5
        assert target.read_text(encoding="utf-8") == dump(store)
        buffer = io.StringIO()
        export(store, "jsonl", out=buffer, annotator="alice")
        assert len(records(buffer.getvalue())) == 4
        with pytest.raises(FormatError):
            export(store, "nope", target)
        with pytest.raises(StoreError):
            export(store, "jsonl", tmp_path / "missing-folder" / "x.jsonl")
    assert not list(tmp_path.glob(".out.jsonl.*"))


def test_export_to_stdout(tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    build_corpus(tmp_path / "a.db")
    with Store(tmp_path / "a.db", annotator="x", readonly=True) as store:
        export(store)
        expected = dump(store)
    assert capfdbinary.readouterr().out.decode("utf-8") == expected


def test_empty_database_exports_nothing(store: Store) -> None:
    out = io.StringIO()
    report = write_jsonl(store, out)
    assert out.getvalue() == ""
    assert (report.documents, report.records, report.spans) == (0, 0, 0)
