"""The ``annotui`` command line: help, import, export, labels, docs/stats/info, user errors.

Everything runs in-process through click's CliRunner except the broken-pipe check, which
needs the real console script behind a real shell pipeline.
"""

from __future__ import annotations

import inspect
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import click
import pytest
from _cli_support import (
    ANNOTATOR,
    LABELS,
    SAMPLE,
    SAMPLE_TITLE,
    console_script,
    field,
    no_traceback,
    ok,
    open_store,
    row_starting,
    run,
    subprocess_env,
    table_rows,
    user_error,
)

from annotui.cli import cli
from annotui.core.schema import SCHEMA_VERSION
from annotui.core.store import Store

# -- help -----------------------------------------------------------------------------


def _commands(group: click.Group, path: tuple[str, ...] = ()
              ) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    context = click.Context(group)
    for name in group.list_commands(context):  # the lazily loaded commands too
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
        else:
            found.append(((*path, name), command))
    return found


COMMANDS = _commands(cli)


def test_the_command_tree_has_what_the_readme_promises() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    for expected in ("open", "import", "export", "docs", "stats", "info", "agree", "merge",
                     "review", "serve", "suggest", "check", "labels",
                     "labels list", "labels add", "labels rename", "labels remove",
                     "labels recolor", "labels rebind", "labels describe"):
        assert expected in paths, f"`annotui {expected}` is missing"


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path,command", COMMANDS,
                         ids=[" ".join(p) or "annotui" for p, _ in COMMANDS])
def test_every_command_has_help_that_says_what_it_does(path: tuple[str, ...],
                                                       command: click.Command) -> None:
    assert command.help and command.help.strip(), f"`annotui {' '.join(path)}` has no help"
    result = ok(run(*path, "--help"))
    purpose = inspect.cleandoc(command.help).split("\n\n")[0]
    assert _squash(purpose) in _squash(result.stdout)
    assert "Usage:" in result.stdout
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            assert name in result.stdout
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("help", "version"):
            assert param.help, f"`annotui {' '.join(path)}` option {param.opts} has no help"


def test_short_help_and_version() -> None:
    assert ok(run("-h")).stdout == ok(run("--help")).stdout
    version = ok(run("--version")).stdout
    from annotui import __version__

    assert __version__ in version


# -- import, docs, stats, info ----------------------------------------------------------


def _import_sample(db: Path) -> Store:
    ok(run("import", "--db", db, SAMPLE))
    return open_store(db)


def test_import_sample_then_docs_stats_info_tell_the_truth(db: Path) -> None:
    result = ok(run("import", "--db", db, SAMPLE))
    assert "1 document added" in result.stderr
    with open_store(db) as store:
        (doc_id,) = store.document_ids()
        doc = store.document(doc_id)
        assert doc.title == SAMPLE_TITLE
        assert doc.text == SAMPLE.read_text(encoding="utf-8")
        store.load_labels(LABELS)
        text = doc.text
        spans = [("Azerbaijan", "claim"), ("Central Asia", "claim"),
                 ("President Ilham Aliyev", "commitment")]
        for piece, label in spans:
            start = text.index(piece)
            store.add_span(doc_id, start, start + len(piece), label)
        store.set_status(doc_id, "done")
    with Store(db, annotator="bob") as bob:
        start = text.index("Astana")
        bob.add_span(doc_id, start, start + len("Astana"), "claim")

    # docs: count, title, length, this annotator's status and spans
    docs = ok(run("docs", "--db", db)).stdout
    assert re.search(r"\b1 documents?\b", docs)
    row = row_starting(docs, "1")
    assert row[1] == "sample-article"
    assert row[2] == SAMPLE_TITLE
    assert row[3].replace(",", "") == str(len(text))
    assert row[4] == "done"
    assert row[5] == "3"
    assert row[6] == "4"  # all annotators' spans: alice's 3 and bob's 1
    bob_docs = ok(run("docs", "--db", db, "--annotator", "bob")).stdout
    assert row_starting(bob_docs, "1")[4:] == ["todo", "1", "4"]

    # stats: spans per label and annotator (columns: ana, bob, total)
    stats = ok(run("stats", "--db", db)).stdout
    header = row_starting(stats, "label")
    assert header == ["label", "ana", "bob", "total"]
    assert row_starting(stats, "claim") == ["claim", "2", "1", "3"]
    assert row_starting(stats, "commitment") == ["commitment", "1", "0", "1"]
    assert row_starting(stats, "invitation") == ["invitation", "0", "0", "0"]
    assert row_starting(stats, "ana")[:4] == ["ana", "3", "1", "1"]
    assert row_starting(stats, "bob")[:4] == ["bob", "1", "1", "0"]
    assert row_starting(stats, "done by someone") == ["done by someone", "1"]
    assert row_starting(stats, "untouched") == ["untouched", "0"]

    # info: where, schema version, counts
    info = ok(run("info", "--db", db)).stdout
    assert field(info, "database") == str(db.resolve())
    version = sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    assert field(info, "schema version").startswith(f"{version} ")
    assert f"this annotui: {SCHEMA_VERSION}" in field(info, "schema version")
    assert field(info, "documents") == "1"
    assert field(info, "labels") == "3"
    assert field(info, "spans").startswith("4 by 2 annotator")
    assert field(info, "annotator") == ANNOTATOR


def test_reports_on_an_empty_database_say_so(db: Path) -> None:
    Store(db, annotator=ANNOTATOR).close()
    assert "no documents" in ok(run("docs", "--db", db)).stdout
    assert "no documents" in ok(run("stats", "--db", db)).stdout
    assert field(ok(run("info", "--db", db)).stdout, "documents") == "0"


def test_info_on_a_database_that_does_not_exist_says_so_and_creates_nothing(
        tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "missing.db"
    result = ok(run("info", "--db", missing))
    assert str(missing) in result.stdout
    assert "not created yet" in result.stdout
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("command", [["docs"], ["stats"], ["export"],
                                     ["labels", "rename", "claim", "x"]])
def test_reading_commands_on_a_missing_database_fail_without_creating_it(
        tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "missing.db"
    user_error(run(*command, "--db", missing), "missing.db", "no such database")
    assert not missing.exists()


def _mixed_corpus(folder: Path) -> None:
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("A plain text article.\n", encoding="utf-8")
    (folder / "sub" / "b.md").write_text("# A heading\n\nSome *markdown*.\n", encoding="utf-8")
    (folder / "c.jsonl").write_text(
        json.dumps({"text": "First JSON record.", "id": "c1"}) + "\n"
        + json.dumps({"text": "Second JSON record.", "id": "c2",
                      "spans": [{"start": 0, "end": 6, "label": "claim"}]}) + "\n",
        encoding="utf-8")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    (folder / "latin1.txt").write_bytes("Caf\u00e9 cr\u00e8me.\n".encode("latin-1"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "half.jsonl").write_text(
        json.dumps({"text": "Good line of a half-bad file."}) + "\n{not json\n",
        encoding="utf-8")


def test_import_a_mixed_folder_names_each_bad_file_and_keeps_the_good_ones(
        db: Path, tmp_path: Path) -> None:
    _mixed_corpus(tmp_path / "corpus")
    result = run("import", "--db", db, "corpus")
    user_error_lines = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    no_traceback(result)
    assert result.exit_code == 1, result.output
    expected = {
        "image.txt": "binary",
        "latin1.txt": "utf-8",
        "empty.txt": "empty",
        "half.jsonl:2": "json",
    }
    for name, reason in expected.items():
        lines = [line for line in user_error_lines if name in line]
        assert lines, f"{name} is not named on stderr:\n{result.stderr}"
        assert reason in lines[0].lower(), lines[0]
    for good in ("a.txt", "b.md", "c.jsonl"):
        assert not any(good in line for line in user_error_lines)
    with open_store(db) as store:
        texts = {store.document(i).text for i in store.document_ids()}
        assert texts == {"A plain text article.\n", "# A heading\n\nSome *markdown*.\n",
                         "First JSON record.", "Second JSON record.",
                         "Good line of a half-bad file."}
        c2 = store.document_by_key("c2")
        assert c2 is not None
        assert [(s.start, s.end, s.label) for s in store.spans(c2.id)] == [(0, 6, "claim")]
        events = store.counts()["events"]

    again = run("import", "--db", db, "corpus")
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert "0 documents added" in again.stderr
    with open_store(db) as store:
        assert len(store.document_ids()) == 5
        assert store.counts()["spans"] == 1
        assert store.counts()["events"] == events


def test_importing_good_files_twice_adds_nothing_and_exits_0(db: Path, tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "one.txt").write_text("One.\n", encoding="utf-8")
    (tmp_path / "good" / "two.md").write_text("Two.\n", encoding="utf-8")
    first = ok(run("import", "--db", db, "good"))
    assert "2 documents added" in first.stderr
    before = ok(run("export", "--db", db)).stdout_bytes
    second = ok(run("import", "--db", db, "good", SAMPLE, SAMPLE))
    assert "1 document added" in second.stderr
    with open_store(db) as store:
        assert len(store.document_ids()) == 3
    third = ok(run("import", "--db", db, "good", SAMPLE))
    assert "0 documents added" in third.stderr
    assert ok(run("export", "--db", db)).stdout_bytes.startswith(before)


def test_import_from_stdin(db: Path) -> None:
    ok(run("import", "--db", db, "-", input="Read from a pipe.\r\nSecond line.\n"))
    line = json.dumps({"text": "A JSONL record on stdin.", "id": "piped",
                       "spans": [{"start": 2, "end": 7, "label": "claim"}]})
    ok(run("import", "--db", db, "-", input=line + "\n"))
    with open_store(db) as store:
        texts = [store.document(i).text for i in store.document_ids()]
        assert texts == ["Read from a pipe.\nSecond line.\n", "A JSONL record on stdin."]
        piped = store.document_by_key("piped")
        assert piped is not None
        assert [(s.start, s.end, s.label, s.annotator) for s in store.spans(piped.id)] == [
            (2, 7, "claim", ANNOTATOR)]
    # the same input again adds nothing
    ok(run("import", "--db", db, "-", input="Read from a pipe.\r\nSecond line.\n"))
    with open_store(db) as store:
        assert len(store.document_ids()) == 2


def test_import_of_a_missing_path_and_an_empty_stdin_are_user_errors(db: Path) -> None:
    result = run("import", "--db", db, "no-such-file.txt")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no-such-file.txt" in result.stderr and "no such file" in result.stderr
    result = run("import", "--db", db, "-", input="")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "<stdin>" in result.stderr and "empty" in result.stderr


def test_import_with_an_unknown_format_or_encoding_is_one_line(db: Path) -> None:
    user_error(run("import", "--db", db, "--format", "docx", SAMPLE), "docx")
    user_error(run("import", "--db", db, "--encoding", "klingon", SAMPLE), "klingon")


# -- export -------------------------------------------------------------------------

# (file name, raw bytes on disk, the pieces to label in the stored text)
UNICODE_FILES = [
    ("emoji.txt",
     "Family \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 at home, flag "
     "\U0001F1E6\U0001F1FF, thumbs \U0001F44D\U0001F3FD up.\n".encode(),
     ["\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", "\U0001F1E6\U0001F1FF",
      "\U0001F44D\U0001F3FD up"]),
    ("cjk.txt", "阿塞拜疆和中亚国家。日本語のテキスト、한국어 문장.\n".encode(),
     ["中亚国家", "日本語", "한국어 문장"]),
    ("combining.txt", "Cafe\u0301 nai\u0308ve Zoe\u0308 \u0915\u094D\u0937 end.\n".encode(),
     ["Cafe\u0301", "nai\u0308ve Zoe\u0308", "\u0915\u094D\u0937"]),
    ("crlf-bom.txt",
     b"\xef\xbb\xbfFirst line\r\nSecond line\rThird line \xe2\x80\x94 done\r\n",
     ["First line", "Second line\nThird", "\u2014 done"]),
    ("separators.txt", "Tab\there, line\u2028separator, para\u2029graph, nel\u0085end.\n"
     .encode(), ["Tab\there", "line\u2028separator", "para\u2029graph, nel\u0085end"]),
]


def _unicode_corpus(db: Path, tmp_path: Path) -> dict[str, list[tuple[int, int, str]]]:
    folder = tmp_path / "unicode"
    folder.mkdir()
    for name, raw, _ in UNICODE_FILES:
        (folder / name).write_bytes(raw)
    ok(run("import", "--db", db, folder))
    expected: dict[str, list[tuple[int, int, str]]] = {}
    with open_store(db) as store:
        store.load_labels(LABELS)
        for name, raw, pieces in UNICODE_FILES:
            doc = store.document_by_key(Path(name).stem)
            assert doc is not None, name
            assert "\r" not in doc.text and not doc.text.startswith("\ufeff")
            assert doc.text == raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
            for n, piece in enumerate(pieces):
                start = doc.text.index(piece)
                label = ("claim", "commitment", "invitation")[n % 3]
                store.add_span(doc.id, start, start + len(piece), label)
                expected.setdefault(doc.key, []).append((start, start + len(piece), label))
            # the whole text too, ending at the very last code point
            store.add_span(doc.id, 0, len(doc.text), "claim")
            expected[doc.key].append((0, len(doc.text), "claim"))
    return expected


def _records(data: bytes) -> list[dict]:
    text = data.decode("utf-8")
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    # U+2028, U+2029 and U+0085 are escaped: splitlines() sees the same lines
    assert text.splitlines() == lines
    return [json.loads(line) for line in lines]


def test_export_offsets_reslice_exactly_on_hard_unicode(db: Path, tmp_path: Path) -> None:
    expected = _unicode_corpus(db, tmp_path)
    result = ok(run("export", "--db", db))
    records = _records(result.stdout_bytes)
    assert {r["id"] for r in records} == set(expected)
    spans_seen = 0
    for record in records:
        assert set(record) == {"id", "text", "spans", "annotator", "status", "meta"}
        assert record["annotator"] == ANNOTATOR
        got = []
        for span in record["spans"]:
            assert set(span) == {"start", "end", "label", "text", "annotator", "note"}
            assert record["text"][span["start"]:span["end"]] == span["text"]
            got.append((span["start"], span["end"], span["label"]))
            spans_seen += 1
        assert sorted(got) == sorted(expected[record["id"]])
    assert spans_seen == sum(len(v) for v in expected.values())

    # --label keeps only those spans, still exact
    claims = _records(ok(run("export", "--db", db, "--label", "claim")).stdout_bytes)
    for record in claims:
        assert record["spans"] and all(s["label"] == "claim" for s in record["spans"])
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]

    # round trip: import the export into an empty database, export again: same bytes
    (tmp_path / "exported.jsonl").write_bytes(result.stdout_bytes)
    other = tmp_path / "other.db"
    ok(run("import", "--db", other, tmp_path / "exported.jsonl"))
    assert ok(run("export", "--db", other)).stdout_bytes == result.stdout_bytes


def test_export_to_a_file_is_atomic_and_equals_stdout(db: Path, tmp_path: Path) -> None:
    _unicode_corpus(db, tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "corpus.jsonl"
    stdout = ok(run("export", "--db", db)).stdout_bytes
    result = ok(run("export", "--db", db, "-o", target))
    assert result.stdout == ""
    assert target.read_bytes() == stdout
    assert sorted(p.name for p in out_dir.iterdir()) == ["corpus.jsonl"]
    # overwriting works and still leaves nothing behind
    ok(run("export", "--db", db, "--label", "claim", "--output", target))
    assert target.read_bytes() == ok(run("export", "--db", db, "--label", "claim")).stdout_bytes
    assert sorted(p.name for p in out_dir.iterdir()) == ["corpus.jsonl"]


def test_export_failing_midway_leaves_the_old_file_and_no_temp_file(
        db: Path, tmp_path: Path) -> None:
    _unicode_corpus(db, tmp_path)
    target = tmp_path / "out" / "corpus.jsonl"
    target.parent.mkdir()
    target.write_bytes(b"the old export\n")
    # the third document's span now reaches past its text: the export refuses it there,
    # after writing the first two documents' lines
    with open_store(db) as store:
        third = store.document_ids()[2]
        store.conn.execute('UPDATE spans SET "end" = 10000000 WHERE id ='
                           " (SELECT max(id) FROM spans WHERE document_id = ?)", (third,))
    user_error(run("export", "--db", db, "-o", target), "is outside its text")
    assert target.read_bytes() == b"the old export\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["corpus.jsonl"]


@pytest.mark.parametrize("where", ["under-a-file", "missing-folder", "a-directory"])
def test_export_to_an_unwritable_target_is_one_line(db: Path, tmp_path: Path,
                                                    where: str) -> None:
    _import_sample(db).close()
    (tmp_path / "plain.txt").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    target = {"under-a-file": tmp_path / "plain.txt" / "x.jsonl",
              "missing-folder": tmp_path / "no" / "such" / "x.jsonl",
              "a-directory": tmp_path / "adir"}[where]

    def listing() -> list[str]:
        # the database's own -wal/-shm files may come and go
        return sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("t.db"))

    before = listing()
    result = run("export", "--db", db, "-o", target)
    no_traceback(result)
    if where == "a-directory":
        # click's own check (exit 2 with a usage hint) is fine here: the message is clear
        assert result.exit_code in (1, 2) and "directory" in result.stderr, result.output
    else:
        user_error(result, str(target.parent.name))
    assert (tmp_path / "plain.txt").read_text(encoding="utf-8") == "not a folder\n"
    assert listing() == before
    assert list((tmp_path / "adir").iterdir()) == []


def test_export_with_an_unknown_label_is_one_line_and_keeps_the_old_file(
        db: Path, tmp_path: Path) -> None:
    store = _import_sample(db)
    store.load_labels(LABELS)
    store.close()
    user_error(run("export", "--db", db, "--label", "clam"), "clam")
    old = tmp_path / "old.jsonl"
    old.write_bytes(b"keep me\n")
    user_error(run("export", "--db", db, "--label", "clam", "-o", old), "clam")
    assert old.read_bytes() == b"keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".old")) == []


def test_export_filters(db: Path) -> None:
    store = _import_sample(db)
    store.load_labels(LABELS)
    (doc_id,) = store.document_ids()
    store.add_span(doc_id, 1, 11, "claim")
    store.close()
    with Store(db, annotator="bob") as bob:
        bob.add_span(doc_id, 1, 11, "commitment")
        bob.set_status(doc_id, "done")
    everyone = _records(ok(run("export", "--db", db)).stdout_bytes)
    assert sorted(r["annotator"] for r in everyone) == ["ana", "bob"]
    done = _records(ok(run("export", "--db", db, "--status", "done")).stdout_bytes)
    assert [(r["annotator"], r["status"]) for r in done] == [("bob", "done")]
    only_ana = _records(ok(run("export", "--db", db, "--annotator", "ana")).stdout_bytes)
    assert [(r["annotator"], [s["label"] for s in r["spans"]]) for r in only_ana] == [
        ("ana", ["claim"])]
    user_error(run("export", "--db", db, "--format", "nope"), "nope")


def test_export_of_a_database_nobody_touched_has_null_annotator(db: Path) -> None:
    _import_sample(db).close()
    (record,) = _records(ok(run("export", "--db", db)).stdout_bytes)
    assert record["annotator"] is None and record["status"] == "todo"
    assert record["spans"] == []
    assert record["meta"]["title"] == SAMPLE_TITLE


def test_export_into_a_closed_pipe_prints_no_traceback(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    with Store(db, annotator=ANNOTATOR) as store:
        for i in range(300):
            store.add_document(f"Document {i}. " + "Many words in a long line. " * 40)
    script = console_script()
    proc = subprocess.run(
        ["bash", "-c", '"$0" export --db "$1" | head -1; echo "rc=${PIPESTATUS[0]}" >&2',
         str(script), str(db)],
        capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path)
    assert proc.returncode == 0
    first = json.loads(proc.stdout.splitlines()[0])
    assert first["text"].startswith("Document 0.")
    assert "Traceback" not in proc.stderr
    assert "BrokenPipe" not in proc.stderr and "Exception ignored" not in proc.stderr
    # nothing but the exit status: the reader left, annotui says nothing
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rc="), proc.stderr


def test_the_console_script_runs(tmp_path: Path) -> None:
    proc = subprocess.run([str(console_script()), "info", "--db", str(tmp_path / "x.db")],
                          capture_output=True, text=True, timeout=60, env=subprocess_env(),
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "not created yet" in proc.stdout


# -- labels -------------------------------------------------------------------------


def _labelled(db: Path) -> int:
    with _import_sample(db) as store:
        store.load_labels(LABELS)
        (doc_id,) = store.document_ids()
        store.add_span(doc_id, 1, 11, "claim")
        store.add_span(doc_id, 16, 25, "claim")
        store.add_span(doc_id, 1, 11, "commitment")
        return doc_id


def _labels(db: Path) -> dict[str, tuple[str | None, str, str]]:
    with open_store(db) as store:
        return {lb.name: (lb.key, lb.color, lb.description) for lb in store.labels()}


def test_labels_list_shows_keys_colours_and_usage(db: Path) -> None:
    _labelled(db)
    out = ok(run("labels", "list", "--db", db)).stdout
    assert row_starting(out, "1")[:4] == ["1", "claim", "#d9734e", "2"]
    assert row_starting(out, "2")[:4] == ["2", "commitment", "#3f9e6e", "1"]
    assert row_starting(out, "3")[:4] == ["3", "invitation", "#8a6fd1", "0"]
    assert row_starting(out, "1")[4].startswith("A statement presented as true")


def test_labels_without_a_subcommand_lists_the_labels_of_the_given_database(db: Path) -> None:
    """`annotui labels` lists (README); every command takes --db or ANNOTUI_DB."""
    _labelled(db)
    default_db = Path("_home") / "data" / "annotui" / "annotui.db"
    by_env = ok(run("labels", env={"ANNOTUI_DB": str(db)})).stdout
    assert "claim" in by_env and "commitment" in by_env, by_env
    assert not default_db.exists(), "`annotui labels` ignored ANNOTUI_DB and made a database"
    by_option = ok(run("labels", "--db", db)).stdout
    assert "claim" in by_option and "commitment" in by_option


def test_labels_add(db: Path) -> None:
    _labelled(db)
    result = ok(run("labels", "add", "fact check", "--key", "5", "--color", "#AABBCC",
                    "--description", "Verifiable statements.", "--db", db))
    assert "fact check" in result.stdout
    assert _labels(db)["fact check"] == ("5", "#aabbcc", "Verifiable statements.")
    ok(run("labels", "add", "other", "--db", db))
    assert _labels(db)["other"][0] == "4"  # the first free key
    user_error(run("labels", "add", "claim", "--db", db), "claim", "exists")
    user_error(run("labels", "add", "x", "--key", "1", "--db", db), "taken")
    user_error(run("labels", "add", "y", "--key", "0", "--db", db), "1-9")
    user_error(run("labels", "add", "z", "--color", "blue", "--db", db), "colour")
    assert "z" not in _labels(db) and "y" not in _labels(db)


def test_labels_rename_keeps_the_spans(db: Path) -> None:
    doc_id = _labelled(db)
    ok(run("labels", "rename", "claim", "assertion", "--db", db))
    with open_store(db) as store:
        assert sorted(s.label for s in store.spans(doc_id)) == [
            "assertion", "assertion", "commitment"]
    user_error(run("labels", "rename", "assertion", "commitment", "--db", db), "exists")
    user_error(run("labels", "rename", "nope", "other", "--db", db), "nope")


def test_labels_remove_in_use_needs_force(db: Path) -> None:
    doc_id = _labelled(db)
    message = user_error(run("labels", "remove", "claim", "--db", db), "claim", "--force")
    assert re.search(r"\b2 spans\b", message), message
    assert "claim" in _labels(db)
    with open_store(db) as store:
        assert len(store.spans(doc_id)) == 3
    result = ok(run("labels", "remove", "claim", "--force", "--db", db))
    assert "2 spans" in result.stdout
    assert "claim" not in _labels(db)
    with open_store(db) as store:
        assert [s.label for s in store.spans(doc_id)] == ["commitment"]
    # unused: no --force needed
    ok(run("labels", "remove", "invitation", "--db", db))
    assert set(_labels(db)) == {"commitment"}
    user_error(run("labels", "remove", "invitation", "--db", db), "invitation")


def test_labels_recolor(db: Path) -> None:
    _labelled(db)
    ok(run("labels", "recolor", "claim", "#123456", "--db", db))
    assert _labels(db)["claim"][1] == "#123456"
    for bad in ("red", "#12345", "#1234567", "123456", "#ggg000"):
        user_error(run("labels", "recolor", "claim", bad, "--db", db), "colour")
    assert _labels(db)["claim"][1] == "#123456"


def test_labels_rebind_and_describe(db: Path) -> None:
    _labelled(db)
    ok(run("labels", "rebind", "invitation", "1", "--db", db))
    labels = _labels(db)
    assert labels["invitation"][0] == "1" and labels["claim"][0] is None
    ok(run("labels", "rebind", "invitation", "none", "--db", db))
    assert _labels(db)["invitation"][0] is None
    user_error(run("labels", "rebind", "claim", "10", "--db", db), "1-9")
    ok(run("labels", "describe", "claim", "Anything arguable.", "--db", db))
    assert _labels(db)["claim"][2] == "Anything arguable."
    user_error(run("labels", "describe", "nope", "x", "--db", db), "nope")


# -- a --db that is not a usable annotui database ------------------------------------------

DB_COMMANDS = [["docs"], ["stats"], ["info"], ["export"], ["labels", "list"],
               ["labels", "add", "fresh"], ["import", str(SAMPLE)]]


def _not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("These are my notes, not a database.\n" * 20, encoding="utf-8")
    return path


def _newer(tmp_path: Path) -> Path:
    path = tmp_path / "newer.db"
    with Store(path, annotator=ANNOTATOR) as store:
        store.add_document("Some text.")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


def _foreign(tmp_path: Path) -> Path:
    path = tmp_path / "other-app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("command", DB_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("kind", ["not-sqlite", "newer-schema", "other-application"])
def test_a_bad_database_file_is_one_line_and_left_untouched(
        tmp_path: Path, command: list[str], kind: str) -> None:
    path = {"not-sqlite": _not_sqlite, "newer-schema": _newer,
            "other-application": _foreign}[kind](tmp_path)
    before = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    message = user_error(run(*command, "--db", path), path.name)
    if kind == "newer-schema":
        assert "newer" in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_a_directory_as_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """Like every other unusable --db: exit 1 and one line (not click's usage error, 2)."""
    folder = tmp_path / "adir.db"
    folder.mkdir()
    for command in DB_COMMANDS:
        result = run(*command, "--db", folder)
        assert result.exit_code == 1, (command, result.exit_code, result.output)
        user_error(result, "adir.db", "directory")
        assert list(folder.iterdir()) == []
    result = run("info", env={"ANNOTUI_DB": str(folder)})
    user_error(result, "adir.db", "directory")


def test_the_db_env_variable_is_honoured(db: Path) -> None:
    _import_sample(db).close()
    out = ok(run("docs", env={"ANNOTUI_DB": str(db)})).stdout
    assert SAMPLE_TITLE in out
    assert field(ok(run("info", env={"ANNOTUI_DB": str(db)})).stdout,
                 "database") == str(db.resolve())


def test_the_default_database_is_the_local_one_if_present(tmp_path: Path) -> None:
    # the isolated fixture made tmp_path the working directory
    ok(run("import", "--db", "annotui.db", SAMPLE))
    info = ok(run("info")).stdout
    assert field(info, "database") == str((tmp_path / "annotui.db").resolve())
    assert field(info, "documents") == "1"


def test_tables_never_interpret_document_text_as_markup(db: Path, tmp_path: Path) -> None:
    (tmp_path / "evil.txt").write_text("[bold]Title[/] \x1b[31mred\x1b[0m [/]\n",
                                       encoding="utf-8")
    ok(run("import", "--db", db, tmp_path / "evil.txt"))
    out = ok(run("docs", "--db", db)).stdout
    assert "\x1b" not in out
    assert "[bold]Title[/]" in out
    rows = table_rows(out)
    assert any("[bold]Title[/]" in cell for row in rows for cell in row)
