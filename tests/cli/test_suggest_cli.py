"""``annotui suggest``: pattern files and learning propose suggestions, --list shows them,
--accept-all / --reject-all / --clear decide or withdraw them; bad pattern files are one
line naming the file and line; and suggestions never reach a default export."""

from __future__ import annotations

import json
from pathlib import Path

from _cli_support import ANNOTATOR, SAMPLE, ok, run, table_rows, user_error

from annotui.cli import cli
from annotui.core.store import Store

THREE_LINES = '[phrases]\nclaim = ["Central Asia", "energy"]\ncommitment = "is ready to"\n'


def imported(db: Path) -> Path:
    ok(run("import", "--db", db, SAMPLE))
    return db


def patterns(tmp_path: Path, text: str = THREE_LINES, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def suggestions(db: Path, annotator: str = ANNOTATOR, status: str | None = "open"
                ) -> list[tuple[str, str, str]]:
    with Store(db, annotator=annotator) as store:
        [doc] = store.document_ids()
        text = store.document(doc).text
        return [(text[s.start:s.end], s.label, s.status)
                for s in store.suggestions(doc, status=status)]


def test_suggest_is_a_command() -> None:
    # loaded on first use (start-up): listed, and found by name, whatever ran before
    import click

    ctx = click.Context(cli)
    assert "suggest" in cli.list_commands(ctx)  # type: ignore[attr-defined]
    assert cli.get_command(ctx, "suggest") is not None  # type: ignore[attr-defined]


def test_a_three_line_pattern_file_proposes_on_the_sample(db: Path, tmp_path: Path) -> None:
    imported(db)
    result = ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path)))
    assert "proposed 7 new suggestions on 1 document from 3 patterns" in result.stderr
    got = suggestions(db)
    assert got.count(("Central Asia", "claim", "open")) == 2  # not "Central Asian"
    assert got.count(("energy", "claim", "open")) == 4
    assert got.count(("is ready to", "commitment", "open")) == 1
    # the default label set was loaded, as the reader would have
    with Store(db, annotator=ANNOTATOR) as store:
        assert [label.name for label in store.labels()] == ["claim", "commitment",
                                                           "invitation"]
        assert store.spans(store.document_ids()[0]) == []
    again = ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path)))
    assert "proposed 0 new suggestions" in again.stderr
    assert suggestions(db) == got


def test_list_as_a_table_and_as_json(db: Path, tmp_path: Path) -> None:
    imported(db)
    ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path)))
    table = ok(run("suggest", "--db", db, "--list")).stdout
    assert f"7 open suggestions for {ANNOTATOR} on sample-article" in table
    rows = [row for row in table_rows(table) if row[0].isdigit()]
    assert len(rows) == 7
    assert rows[0][1:4] == ["33-45", "claim", "Central Asia"]
    assert "p.toml:2 'Central Asia'" in rows[0][-1]
    lines = ok(run("suggest", "--db", db, "--list", "--json")).stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 7
    first = records[0]
    assert first == {"id": first["id"], "document": "sample-article", "start": 33, "end": 45,
                     "label": "claim", "text": "Central Asia", "annotator": ANNOTATOR,
                     "source": "pattern", "detail": "p.toml:2 'Central Asia'", "score": 1.0,
                     "status": "open"}
    assert "no open suggestions for bob" in ok(run("suggest", "--db", db, "--list",
                                                   "--annotator", "bob")).stdout


def test_patterns_and_list_in_one_go_on_chosen_documents(db: Path, tmp_path: Path) -> None:
    imported(db)
    (tmp_path / "two.txt").write_text("More energy for Central Asia.\n", encoding="utf-8")
    ok(run("import", "--db", db, tmp_path / "two.txt"))
    result = ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path), "--doc", "two",
                    "--list"))
    assert "proposed 2 new suggestions on 1 document" in result.stderr
    assert "2 open suggestions for ana on two" in result.stdout
    listed = ok(run("suggest", "--db", db, "--list")).stdout
    assert "2 open suggestions" in listed and "document" not in listed  # one document
    error = user_error(run("suggest", "--db", db, "--patterns", patterns(tmp_path),
                           "--doc", "nope"), "no document with key 'nope'")
    assert "annotui docs" in error


def test_accept_all_makes_spans_that_export_and_undo(db: Path, tmp_path: Path) -> None:
    imported(db)
    ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path)))
    result = ok(run("suggest", "--db", db, "--accept-all"))
    assert "accepted 7 suggestions" in result.stderr
    [record] = [json.loads(line) for line in ok(run("export", "--db", db)).stdout.splitlines()]
    assert len(record["spans"]) == 7 and record["annotator"] == ANNOTATOR
    with Store(db, annotator=ANNOTATOR) as store:
        change = store.undo(store.document_ids()[0])  # one step for the whole document
        assert change is not None and change.count == 7
    assert len(suggestions(db)) == 7


def test_reject_all_and_clear(db: Path, tmp_path: Path) -> None:
    imported(db)
    ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path)))
    with Store(db, annotator=ANNOTATOR) as store:
        doc = store.document_ids()[0]
        store.reject_suggestion(store.suggestions(doc)[0].id)
    result = ok(run("suggest", "--db", db, "--clear", "--patterns",
                    patterns(tmp_path, '[phrases]\nclaim = "energy"\n', "q.toml")))
    assert "withdrew 6 open suggestions" in result.stderr
    assert suggestions(db) == [("energy", "claim", "open")] * 4
    assert "rejected 4 suggestions" in ok(run("suggest", "--db", db, "--reject-all")).stderr
    # the rejected ones are never proposed again
    again = ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path)))
    # "Central Asia" once (the other was rejected), and "is ready to" (withdrawn, not decided)
    assert "proposed 2 new suggestions on" in again.stderr
    status = ok(run("suggest", "--db", db, "--list", "--status", "all")).stdout
    assert "status" in status and "rejected" in status


def test_learn_from_the_command_line(db: Path) -> None:
    imported(db)
    with Store(db, annotator=ANNOTATOR) as store:
        store.load_labels(SAMPLE.parent / "labels.toml")
        doc = store.document_ids()[0]
        text = store.document(doc).text
        start = text.index("Central Asia")
        store.add_span(doc, start, start + len("Central Asia"), "claim")
    result = ok(run("suggest", "--db", db, "--learn"))
    assert "proposed 1 new suggestion on 1 document learned from your labels" in result.stderr
    [row] = [json.loads(line) for line in
             ok(run("suggest", "--db", db, "--list", "--json")).stdout.splitlines()]
    assert (row["text"], row["source"], row["score"]) == ("Central Asia", "learn", 1.0)
    assert ok(run("suggest", "--db", db, "--learn", "--min-score", "0.9"))


def test_suggestions_never_appear_in_a_default_export(db: Path, tmp_path: Path) -> None:
    imported(db)
    before = ok(run("export", "--db", db)).stdout
    ok(run("suggest", "--db", db, "--patterns", patterns(tmp_path)))
    after = ok(run("export", "--db", db)).stdout
    assert after == before
    for fmt in ("doccano", "labelstudio"):
        ok(run("export", "--db", db, "--format", fmt))
    [record] = [json.loads(line) for line in after.splitlines()]
    assert record["spans"] is None or record["spans"] == []
    assert "predictions" not in record
    mine = ok(run("export", "--db", db, "--annotator", ANNOTATOR)).stdout
    assert '"label": "claim"' not in mine and "Central Asia\", \"label" not in mine
    [record] = [json.loads(line) for line in mine.splitlines()]
    assert not record["spans"]


# -- errors: one line, naming the file and line; nothing changed ------------------------


def test_a_pattern_file_that_does_not_parse_names_the_line(db: Path, tmp_path: Path) -> None:
    imported(db)
    bad = patterns(tmp_path, '[phrases]\nclaim = "a"\ncommitment = \n')
    user_error(run("suggest", "--db", db, "--patterns", bad), "p.toml:3", "invalid TOML")
    bad = patterns(tmp_path, '{"label": "claim", "pattern": "a"}\n{"label": \n', "p.jsonl")
    user_error(run("suggest", "--db", db, "--patterns", bad), "p.jsonl:2", "invalid JSON")
    assert suggestions(db) == []


def test_a_bad_regex_is_named(db: Path, tmp_path: Path) -> None:
    imported(db)
    good = patterns(tmp_path, '[phrases]\nclaim = "energy"\n', "good.toml")
    bad = patterns(tmp_path, '[phrases]\nclaim = "energy"\n\n[regex]\nclaim = "(unclosed"\n')
    user_error(run("suggest", "--db", db, "--patterns", good, "--patterns", bad),
               "p.toml:5", "bad regex '(unclosed'", "missing )")
    assert suggestions(db) == []  # every file is read before anything is proposed


def test_an_unknown_label_is_named(db: Path, tmp_path: Path) -> None:
    imported(db)
    bad = patterns(tmp_path, '[phrases]\nclaim = "energy"\npromise = "will"\n')
    user_error(run("suggest", "--db", db, "--patterns", bad), "p.toml:3",
               "unknown label 'promise'")


def test_usage_errors(db: Path, tmp_path: Path) -> None:
    imported(db)
    result = run("suggest", "--db", db)
    assert result.exit_code == 2 and "say what to do" in result.stderr
    result = run("suggest", "--db", db, "--accept-all", "--reject-all")
    assert result.exit_code == 2
    user_error(run("suggest", "--db", tmp_path / "none.db", "--list"), "no such database")
    user_error(run("suggest", "--db", db, "--patterns", tmp_path / "missing.toml"),
               "missing.toml", "cannot read")
