"""Every bad input gets an answer: the documented outcome, the file (and line) named, the
good records kept, exit 1 when anything failed, never a traceback, and the data stored
before the import unchanged.

One table drives ``annotui import`` in-process (click's CliRunner) over fixtures the
tests generate; inputs that could block a process (``/dev/zero``, a FIFO, a symlink
loop) and file names that are not UTF-8 run the real console script with a timeout.
Invariants checked after every case: (I2) integrity and foreign keys, (I3) every exported
span re-slices, (I4) no traceback, (I5) the export of what was there before is a prefix
of the export after.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from annotui.cli import cli
from annotui.core.store import Store
from annotui.core.text import grapheme_boundaries

ANNOTATOR = "ana"
# wide, colourless output: rich never wraps a message line
ENV = {"ANNOTUI_ANNOTATOR": ANNOTATOR, "COLUMNS": "200", "LINES": "50", "NO_COLOR": "1",
       "TERM": "dumb"}
CONSOLE_SCRIPT = str(Path(sys.executable).parent / "annotui")


def run(*args: object, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=ENV,
                              catch_exceptions=True)


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr or "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        detail = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"an exception escaped the CLI:\n{detail}")


def export_lines(db: Path) -> list[str]:
    result = run("export", "--db", db)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    text = result.stdout_bytes.decode("utf-8")
    assert text == "" or text.endswith("\n")
    lines = text.split("\n")[:-1] if text else []
    # U+2028/U+2029/U+0085 are escaped: every line splitter sees the same records
    assert text.splitlines() == lines
    return lines


def check_reslice(lines: list[str]) -> None:
    """I3: every exported span's text is text[start:end]."""
    for line in lines:
        record = json.loads(line)
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"], (record["id"], span)


def check_integrity(db: Path) -> None:
    """I2: SQLite's own checks on the file (through a fresh connection)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


# -- the data that must survive every bad import ----------------------------------------

SEED = [
    {"id": "seed-one", "text": "Seeded text: the first document, with a claim.",
     "spans": [{"start": 0, "end": 11, "label": "claim", "text": "Seeded text",
                "annotator": ANNOTATOR, "note": "kept"}],
     "annotator": ANNOTATOR, "status": "done", "meta": {"title": "Seed one"}},
    {"id": "seed-two", "text": "Second seeded document 👍🏽 with an emoji.",
     "spans": [{"start": 7, "end": 22, "label": "commitment", "text": "seeded document",
                "annotator": "bo", "note": None}],
     "annotator": "bo", "status": None, "meta": {"title": "Seed two"}},
]


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[str]]:
    """(database with the seed, a folder to make inputs in (the cwd), the seed's export)."""
    home = tmp_path / "_home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("ANNOTUI_DB", raising=False)
    db = tmp_path / "x.db"
    seed = tmp_path / "seed.jsonl"
    seed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in SEED),
                    encoding="utf-8")
    result = run("import", "--db", db, seed)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    before = export_lines(db)
    assert len(before) == 2
    inputs = tmp_path / "in"
    inputs.mkdir()
    monkeypatch.chdir(inputs)
    return db, inputs, before


def new_texts(db: Path) -> list[str]:
    """Texts of the documents added after the seed, in corpus order."""
    with Store(db, annotator=ANNOTATOR, readonly=True) as store:
        return [store.document(i).text for i in store.document_ids()[len(SEED):]]


def after_checks(db: Path, before: list[str]) -> list[str]:
    """I2, I3, I5 after an import; returns the export lines of what the import added."""
    check_integrity(db)
    after = export_lines(db)
    assert after[:len(before)] == before, "data stored before the import changed"
    check_reslice(after)
    return after[len(before):]


# -- the table --------------------------------------------------------------------------


def jsonl(*records: object) -> bytes:
    """Lines of JSONL; a str item is written as it is (for malformed lines)."""
    out = []
    for record in records:
        out.append(record if isinstance(record, str) else json.dumps(record))
    return ("\n".join(out) + "\n").encode("utf-8")


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
UNICODE_TEXTS = {
    "zwj.txt": "Family 👨‍👩‍👧‍👦 and 👍🏽 👋🏿 thumbs, flags 🇺🇦🇯🇵, keycap 1️⃣.\n",
    "combining.txt": "e\u0301te\u0301 cafe\u0301 n\u0303 a\u0308\u0304 Z\u0351\u036b\u0343 नमस्ते\n",
    "cjk.txt": "日本語のテキスト。中文文本，全角！한국어 텍스트\n",
    "rtl.txt": "English then עברית (Hebrew) and العربية 123 mixed, then back.\n",
    "tabs.txt": "col1\tcol2\t\tcol3\n\tindented\ttext\n",
    "separators.txt": "para one\u2028same para\u2029next para \u0085 NEL\n",
}


def _unicode_spans() -> bytes:
    """One JSONL record per hard text, spans on grapheme edges, with their texts."""
    records = []
    for name, text in UNICODE_TEXTS.items():
        edges = grapheme_boundaries(text)
        pairs = [(edges[1], edges[len(edges) // 2]), (edges[2], edges[-2]), (0, edges[-1])]
        spans = [{"start": s, "end": e, "label": "claim", "text": text[s:e]}
                 for s, e in pairs if s < e]
        records.append({"id": name, "text": text, "spans": spans})
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


@dataclass
class Case:
    id: str
    files: dict[str, bytes]          # created in the inputs folder (the cwd)
    args: list[str]                  # after `import --db DB`
    exit: int | None                 # None: not what this case is about
    stderr: list[str] = field(default_factory=list)   # fragments, case-insensitive
    texts: list[str] | None = None   # texts of the documents added, in order
    stdin: bytes | None = None
    spans: int | None = None         # spans the import added
    more: Callable[[Path, list[str]], None] | None = None  # extra checks (db, added lines)


def _separators_escaped(db: Path, added: list[str]) -> None:
    line = next(line for line in added if "same para" in line)
    assert "\u2028" not in line and "\u2029" not in line and "\u0085" not in line
    assert "\\u2028" in line and "\\u2029" in line and "\\u0085" in line


def _unicode_spans_kept(db: Path, added: list[str]) -> None:
    records = {json.loads(line)["id"]: json.loads(line) for line in added}
    assert set(records) == set(UNICODE_TEXTS)
    for name, text in UNICODE_TEXTS.items():
        record = records[name]
        assert record["text"] == text
        assert len(record["spans"]) == 3


def _duplicate_keys(db: Path, added: list[str]) -> None:
    ids = [json.loads(line)["id"] for line in added]
    assert len(set(ids)) == len(ids) == 2 and "dup" in ids


CASES = [
    # empty inputs
    Case("empty-file", {"empty.txt": b""}, ["empty.txt"], 1, ["empty.txt", "empty"], []),
    Case("whitespace-only", {"blank.txt": " \n\t \r\n\u3000\u00a0\n".encode()}, ["blank.txt"],
         1, ["blank.txt", "empty"], []),
    Case("empty-jsonl", {"empty.jsonl": b"\n\n  \n"}, ["empty.jsonl"], 1,
         ["empty.jsonl", "empty"], []),
    # encodings
    Case("invalid-utf8", {"bad.txt": b"caf\xe9 au lait\n"}, ["bad.txt"], 1,
         ["bad.txt", "byte 3", "--encoding"], []),
    Case("invalid-utf8-late", {"late.txt": b"ok " * 5000 + b"\xff\xfe tail"}, ["late.txt"], 1,
         ["late.txt", "byte 15000", "--encoding"], []),
    Case("invalid-utf8-then-encoding", {"bad.txt": b"caf\xe9 au lait\n"},
         ["--encoding", "latin-1", "bad.txt"], 0, [], ["café au lait\n"]),
    Case("utf16-le-bom", {"u16.txt": "Grüße aus Köln 👋\r\nzweite Zeile\r\n".encode("utf-16")},
         ["u16.txt"], 0, [], ["Grüße aus Köln 👋\nzweite Zeile\n"]),
    Case("utf16-be-bom", {"u16be.txt": b"\xfe\xff" + "Hallo ✓ 日本".encode("utf-16-be")},
         ["u16be.txt"], 0, [], ["Hallo ✓ 日本"]),
    Case("utf8-bom", {"bom.txt": b"\xef\xbb\xbfwith a BOM\n"}, ["bom.txt"], 0, [],
         ["with a BOM\n"]),
    # binary
    Case("binary-png", {"image.txt": PNG}, ["image.txt"], 1, ["image.txt", "binary"], []),
    Case("nul-byte", {"nul.txt": b"hello\x00world\n"}, ["nul.txt"], 1,
         ["nul.txt", "NUL byte at 5"], []),
    Case("binary-jsonl", {"image.jsonl": PNG}, ["image.jsonl"], 1, ["image.jsonl"], []),
    # line ends and hard Unicode, kept exactly (only CR LF / CR become LF)
    Case("crlf", {"crlf.txt": b"line one\r\nline two\r\n"}, ["crlf.txt"], 0, [],
         ["line one\nline two\n"]),
    Case("lone-cr", {"cr.txt": b"a\rb\r\rc"}, ["cr.txt"], 0, [], ["a\nb\n\nc"]),
    *[Case(f"unicode-{name[:-4]}", {name: text.encode("utf-8")}, [name], 0, [], [text])
      for name, text in UNICODE_TEXTS.items()],
    Case("separators-escaped-in-export", {"sep.txt": UNICODE_TEXTS["separators.txt"].encode()},
         ["sep.txt"], 0, [], [UNICODE_TEXTS["separators.txt"]], more=_separators_escaped),
    Case("unicode-spans-jsonl", {"uni.jsonl": _unicode_spans()}, ["uni.jsonl"], 0, [],
         list(UNICODE_TEXTS.values()), spans=3 * len(UNICODE_TEXTS), more=_unicode_spans_kept),
    # JSONL: bad lines named with their line, good records kept
    Case("jsonl-malformed", {"mixed.jsonl": jsonl(
        {"id": "g1", "text": "good one", "spans": [
            {"start": 0, "end": 4, "label": "claim", "text": "good"}]},   # 1
        '{"text": "broken',                                                 # 2 malformed
        {"id": "g2", "text": "good two"},                                    # 3
        "[1, 2]",                                                           # 4 not an object
        {"id": "no-text"},                                                  # 5 missing text
        {"text": 5},                                                        # 6 wrong type
        {"text": "spans wrong", "spans": "nope"},                           # 7 wrong type
        {"text": "status wrong", "status": 3},                              # 8 wrong type
        {"text": "annotator wrong", "annotator": 5},                        # 9 wrong type
        {"text": "id wrong", "id": [1]},                                    # 10 wrong type
        '{"text": "lone \\ud800 surrogate"}',                               # 11 surrogate
        '{"id": "k\\udfff", "text": "surrogate in the key"}',               # 12 surrogate
        {"id": "g3", "text": "good three"},                                 # 13
        "",                                                                 # 14 blank: fine
        {"id": "cr", "text": "cr\r\nline", "spans": [
            {"start": 0, "end": 2, "label": "claim"}]},                     # 15 CR + spans
    )}, ["mixed.jsonl"], 1,
        ["mixed.jsonl:2:", "mixed.jsonl:4:", "mixed.jsonl:5:", "mixed.jsonl:6:",
         "mixed.jsonl:7:", "mixed.jsonl:8:", "mixed.jsonl:9:", "mixed.jsonl:10:",
         "mixed.jsonl:11:", "mixed.jsonl:12:", "mixed.jsonl:15:", "invalid JSON",
         'no "text"', "surrogate"],
        ["good one", "good two", "good three"], spans=1),
    Case("jsonl-bad-spans", {"spans.jsonl": jsonl(
        {"id": "r1", "text": "out of range here", "spans": [
            {"start": 3, "end": 99, "label": "claim"},                      # out of range
            {"start": 0, "end": 3, "label": "claim", "text": "out"}]},      # good
        {"id": "r2", "text": "mismatch here", "spans": [
            {"start": 0, "end": 8, "label": "claim", "text": "MISMATCH"},   # wrong text
            {"start": -1, "end": 2, "label": "claim"},                      # negative
            {"start": 5, "end": 5, "label": "claim"},                       # empty
            {"start": "0", "end": 3, "label": "claim"},                     # wrong type
            {"start": 0, "end": 3, "label": ""},                            # bad label
            {"start": 9, "end": 13, "label": "claim", "text": "here"}]},    # good
        '{"id": "r3", "text": "note surrogate", "spans": [{"start": 0, "end": 4,'
        ' "label": "claim", "note": "\\ud800"}]}',
    )}, ["spans.jsonl"], 1,
        ["spans.jsonl:1:", "spans.jsonl:2:", "spans.jsonl:3:", "outside the text",
         "does not match"],
        ["out of range here", "mismatch here"], spans=2),
    # duplicate ids: both records are kept, and the renamed one is named (with its line)
    Case("jsonl-duplicate-ids", {"dup.jsonl": jsonl(
        {"id": "dup", "text": "first text with this id"},
        {"id": "dup", "text": "second text with the same id"},
        {"id": "dup", "text": "first text with this id"},  # the same record again: nothing
    )}, ["dup.jsonl"], None, ["dup.jsonl:2:", "dup"],
        ["first text with this id", "second text with the same id"], more=_duplicate_keys),
    # file names
    Case("name-with-spaces", {"my file name.txt": b"spaces in the name"},
         ["my file name.txt"], 0, [], ["spaces in the name"]),
    Case("name-leading-dash-dot-slash", {"-x.txt": b"leading dash"}, ["./-x.txt"], 0, [],
         ["leading dash"]),
    Case("name-leading-dash-after-ddash", {"-x.txt": b"leading dash"}, ["--", "-x.txt"], 0, [],
         ["leading dash"]),
    Case("name-with-newline", {"a\nb.txt": b"newline in the name"}, ["a\nb.txt"], 0, [],
         ["newline in the name"]),
    Case("missing-and-good", {"good.txt": b"a good file"}, ["missing.txt", "good.txt"], 1,
         ["missing.txt", "no such file"], ["a good file"]),
    # stdin
    Case("stdin-empty", {}, ["-"], 1, ["<stdin>", "empty"], [], stdin=b""),
    Case("stdin-binary", {}, ["-"], 1, ["<stdin>", "binary"], [], stdin=PNG),
    Case("stdin-invalid-utf8", {}, ["-"], 1, ["<stdin>", "byte 4", "--encoding"], [],
         stdin=b"text\xff more\n"),
    Case("stdin-utf16-bom", {}, ["-"], 0, [], ["piped ✓\n"],
         stdin="piped ✓\r\n".encode("utf-16")),
    Case("stdin-jsonl-bad-line", {}, ["-"], 1, ["<stdin>:2:"], ["piped record"],
         stdin=jsonl({"text": "piped record"}, "{nope")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_table(case: Case, seeded: tuple[Path, Path, list[str]]) -> None:
    db, inputs, before = seeded
    for name, data in case.files.items():
        (inputs / name).write_bytes(data)
    result = run("import", "--db", db, *case.args, input=case.stdin)
    no_traceback(result)
    if case.exit is not None:
        assert result.exit_code == case.exit, (result.exit_code, result.stderr)
    for fragment in case.stderr:
        assert fragment.lower() in result.stderr.lower(), (fragment, result.stderr)
    if result.exit_code == 1:
        assert "error" in result.stderr.lower()
    added = after_checks(db, before)
    if case.texts is not None:
        assert new_texts(db) == case.texts
    if case.spans is not None:
        assert sum(len(json.loads(line)["spans"]) for line in added) == case.spans
    if case.more is not None:
        case.more(db, added)


def test_a_bad_file_whose_name_holds_a_newline_is_named_on_one_line(
        seeded: tuple[Path, Path, list[str]]) -> None:
    db, inputs, before = seeded
    (inputs / "a\nb.txt").write_bytes(b"caf\xe9\n")
    result = run("import", "--db", db, "a\nb.txt")
    no_traceback(result)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1 and "b.txt" in lines[0] and "byte 3" in lines[0], result.stderr
    after_checks(db, before)


# -- big inputs: import and export fine, every span re-slices ----------------------------


def _big_text(size: int) -> str:
    paragraph = ("Plain words, then 👨‍👩‍👧 and 👍🏽, e\u0301te\u0301, 日本語のテキスト, עברית"
                 " and العربية,\ttabs\tand more.\n")
    return (paragraph * (size // len(paragraph.encode("utf-8")) + 1))


def _add_spans_everywhere(db: Path, text: str, key: str) -> list[tuple[int, int]]:
    """Spans at the start, the middle and the very end, on grapheme edges."""
    with Store(db, annotator=ANNOTATOR) as store:
        doc = store.document_by_key(key)
        assert doc is not None and doc.text == text
        pairs = []
        for at in (0, len(text) // 2, len(text) - 40):
            edges = grapheme_boundaries(text[at:at + 40])
            pairs.append((at + edges[1], at + edges[-2]))
        for start, end in pairs:
            store.add_span(doc.id, start, end, "claim")
    return pairs


def test_a_5mb_text_imports_exports_and_reslices(seeded: tuple[Path, Path, list[str]]) -> None:
    db, inputs, before = seeded
    text = _big_text(5_000_000)
    assert len(text.encode("utf-8")) >= 5_000_000
    (inputs / "big.txt").write_text(text, encoding="utf-8", newline="")
    result = run("import", "--db", db, "big.txt")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    pairs = _add_spans_everywhere(db, text, "big")
    added = after_checks(db, before)
    record = json.loads(added[0])
    assert record["text"] == text
    assert [(s["start"], s["end"]) for s in record["spans"]] == pairs


def test_a_200kb_single_line_imports_exports_and_reslices(
        seeded: tuple[Path, Path, list[str]]) -> None:
    db, inputs, before = seeded
    line = _big_text(200_000).replace("\n", " ")
    assert "\n" not in line and len(line.encode("utf-8")) >= 200_000
    (inputs / "line.txt").write_text(line, encoding="utf-8")
    edges = grapheme_boundaries(line[-30:])
    tail = (len(line) - 30 + edges[1], len(line))
    spans = [{"start": s, "end": e, "label": "claim", "text": line[s:e]}
             for s, e in ((0, 5), (len(line) // 2, len(line) // 2 + 5), tail)]
    (inputs / "line.jsonl").write_text(
        json.dumps({"id": "one-line", "text": line + "!", "spans": spans},
                   ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("import", "--db", db, "line.txt", "line.jsonl")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    added = after_checks(db, before)
    records = [json.loads(x) for x in added]
    assert [r["text"] for r in records] == [line, line + "!"]
    assert [(s["start"], s["end"], s["text"]) for s in records[1]["spans"]] == [
        (s["start"], s["end"], s["text"]) for s in spans]


# -- what could block: the real console script, with a timeout ---------------------------


def run_script(db: Path, *paths: str | bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **ENV}
    env.pop("ANNOTUI_DB", None)
    try:
        return subprocess.run([CONSOLE_SCRIPT, "import", "--db", str(db), *paths],
                              capture_output=True, timeout=10, cwd=cwd, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:  # pragma: no cover - the failure itself
        raise AssertionError(f"annotui import {paths!r} hung for 10 s") from exc


def _fifo(folder: Path) -> str:
    os.mkfifo(folder / "fifo.txt")
    return "fifo.txt"


def _loop(folder: Path) -> str:
    os.symlink("loop.txt", folder / "loop.txt")
    return "loop.txt"


@pytest.mark.parametrize(("make", "named", "reason"), [
    (lambda folder: "/dev/zero", "/dev/zero", "not a regular file"),
    (_fifo, "fifo.txt", "not a regular file"),
    (_loop, "loop.txt", "symbolic links"),
], ids=["dev-zero", "fifo", "symlink-loop"])
def test_inputs_that_could_block_are_refused_quickly(
        make: Callable[[Path], str], named: str, reason: str,
        seeded: tuple[Path, Path, list[str]]) -> None:
    db, inputs, before = seeded
    path = make(inputs)
    (inputs / "good.txt").write_text("the good file lands", encoding="utf-8")
    done = run_script(db, path, "good.txt", cwd=inputs)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, stderr
    assert "Traceback" not in stderr and b"Traceback" not in done.stdout
    assert named in stderr and reason in stderr.lower(), stderr
    added = after_checks(db, before)
    assert [json.loads(x)["text"] for x in added] == ["the good file lands"]


def test_a_folder_with_a_fifo_and_a_symlink_loop_never_hangs_and_names_them(
        seeded: tuple[Path, Path, list[str]]) -> None:
    db, inputs, before = seeded
    corpus = inputs / "corpus"
    corpus.mkdir()
    _fifo(corpus)
    _loop(corpus)
    (corpus / "good.txt").write_text("good file in a folder", encoding="utf-8")
    done = run_script(db, "corpus", cwd=inputs)
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    added = after_checks(db, before)
    assert [json.loads(x)["text"] for x in added] == ["good file in a folder"]
    # a .txt that cannot be read is not "a file of unknown type": say which and why
    assert "fifo.txt" in stderr and "loop.txt" in stderr, stderr
    assert done.returncode == 1, stderr


def test_a_file_name_that_is_not_utf8_is_imported_and_exported(
        seeded: tuple[Path, Path, list[str]]) -> None:
    """The name's bytes are the user's business; the content is valid UTF-8, so it lands,
    with a key that is text (the undecodable byte replaced), and exports."""
    db, inputs, before = seeded
    name = b"caf\xe9 \xff.txt"
    with open(os.path.join(os.fsencode(inputs), name), "wb") as handle:
        handle.write(b"content is fine, the name is not UTF-8")
    done = run_script(db, name, cwd=inputs)
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    assert done.returncode == 0, stderr
    added = after_checks(db, before)
    records = [json.loads(x) for x in added]
    assert [r["text"] for r in records] == ["content is fine, the name is not UTF-8"]
    assert records[0]["id"].startswith("caf")
