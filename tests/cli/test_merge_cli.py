"""``annotui merge``: as a new user would try it (two annotators, two databases, merge,
agree, export one person's spans), the summary, --dry-run, and one-line refusals that
change nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from _cli_support import SAMPLE, ok, row_starting, run, user_error

from annotui.core.schema import SCHEMA_VERSION
from annotui.core.store import Store

TEXT = SAMPLE.read_text(encoding="utf-8")
FIRST = ("Azerbaijan and the countries of Central Asia represent a single historical,"
         " cultural, and geopolitical space")
READY = "Azerbaijan is ready to support joint initiatives"
MEET = "will be delighted to meet with you again in Baku in November"


def _span(phrase: str, label: str) -> dict[str, object]:
    start = TEXT.index(phrase)
    return {"start": start, "end": start + len(phrase), "label": label}


def _label(db: Path, who: str, spans: list[tuple[str, str]], tmp_path: Path,
           text: str = TEXT) -> None:
    """WHO labels the sample in their own database, as a new user would: a JSONL file
    imported with ANNOTUI_ANNOTATOR set."""
    path = tmp_path / f"{who}-{db.stem}.jsonl"
    record = {"id": "sample-article", "text": text, "status": "done",
              "spans": [_span(phrase, label) for phrase, label in spans]}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    ok(run("import", "--db", db, path, env={"ANNOTUI_ANNOTATOR": who}))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump(path: Path) -> list[object]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("documents", "labels", "spans", "statuses", "events")]
    finally:
        conn.close()


def test_two_annotators_merge_agree_and_export(tmp_path: Path) -> None:
    ana, bob = tmp_path / "ana.db", tmp_path / "bob.db"
    _label(ana, "ana", [(FIRST, "claim"), (READY, "commitment")], tmp_path)
    _label(bob, "bob", [(FIRST, "claim"), (READY, "claim"), (MEET, "invitation")], tmp_path)
    out = ok(run("merge", bob, "--db", ana, env={"ANNOTUI_ANNOTATOR": "ana"})).stdout
    assert "bob.db → ana.db" in out
    assert row_starting(out, "bob")[1:] == ["3", "0", "1", "0", "0"]
    assert "documents: 0 new, 1 already here (matched by text)" in out
    assert "labels: invitation (key 3)" in out
    # their agreement, now that both are in one database
    agree = ok(run("agree", "--db", ana)).stdout
    assert "ana · bob: 1 document" in agree
    # one person's spans
    lines = ok(run("export", "--db", ana, "--annotator", "bob")).stdout.splitlines()
    (record,) = [json.loads(line) for line in lines]
    assert record["annotator"] == "bob" and record["status"] == "done"
    assert sorted((s["label"], s["text"]) for s in record["spans"]) == [
        ("claim", FIRST), ("claim", READY), ("invitation", MEET)]
    # and again: nothing new, nothing changed
    before = _dump(ana)
    again = ok(run("merge", bob, "--db", ana)).stdout
    assert row_starting(again, "bob")[1:] == ["0", "3", "0", "0", "0"]
    assert "nothing new: ana.db had all of it already" in again
    assert _dump(ana) == before


def test_three_databases_into_a_new_team_database(tmp_path: Path) -> None:
    paths = [tmp_path / f"{who}.db" for who in ("ana", "bob", "cy")]
    _label(paths[0], "ana", [(FIRST, "claim")], tmp_path)
    _label(paths[1], "bob", [(FIRST, "claim"), (READY, "commitment")], tmp_path)
    _label(paths[2], "cy", [(MEET, "invitation")], tmp_path)
    team = tmp_path / "team.db"
    out = ok(run("merge", *paths, "--db", team)).stdout
    assert f"created {team}" in out
    for who in ("ana", "bob", "cy"):
        assert f"{who}.db → team.db" in out
    with Store(team, annotator="lead", readonly=True) as store:
        (doc,) = store.document_ids()
        assert sorted((s.annotator, s.label) for s in store.spans(doc, everyone=True)) == [
            ("ana", "claim"), ("bob", "claim"), ("bob", "commitment"), ("cy", "invitation")]
    agree = ok(run("agree", "--db", team)).stdout
    assert "Krippendorff" in agree


def test_conflicts_are_listed(tmp_path: Path) -> None:
    ana, bob = tmp_path / "ana.db", tmp_path / "bob.db"
    _label(ana, "ana", [(FIRST, "claim")], tmp_path)
    ok(run("labels", "add", "question", "--key", "4", "--db", ana))
    # bob's first text is another one, under the key ana's sample has
    _label(bob, "bob", [], tmp_path, text="Bob's other text.")
    _label(bob, "bob", [(FIRST, "claim")], tmp_path)  # the sample: sample-article-2 there
    ok(run("labels", "recolor", "claim", "#000000", "--db", bob))
    ok(run("labels", "add", "evidence", "--key", "4", "--color", "#abcdef", "--db", bob))
    out = ok(run("merge", bob, "--db", ana)).stdout
    assert "documents: 1 new, 1 already here (matched by text)" in out
    assert "conflict: 1 matched document called differently there: our key, title and" \
        " meta kept" in out
    assert "conflict: label claim: colour #d9734e here, #000000 there: ours kept" in out
    assert "conflict: label evidence: key 4 is taken here, so it got key 2" in out
    assert "conflict: document key 'sample-article' is another text here: stored as" \
        " 'sample-article-2'" in out
    assert "labels: evidence (key 2)" in out


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    ana, bob = tmp_path / "ana.db", tmp_path / "bob.db"
    _label(ana, "ana", [(FIRST, "claim")], tmp_path)
    _label(bob, "bob", [(READY, "claim")], tmp_path)
    before = _dump(ana)
    out = ok(run("merge", bob, "--db", ana, "--dry-run")).stdout
    assert "bob.db → ana.db (dry run)" in out
    assert row_starting(out, "bob")[1:3] == ["1", "0"]
    assert "dry run: nothing was changed" in out
    assert _dump(ana) == before
    # into a database that does not exist yet: it is not created
    missing = tmp_path / "team.db"
    out = ok(run("merge", bob, "--db", missing, "--dry-run")).stdout
    assert row_starting(out, "bob")[1:3] == ["1", "0"]
    assert not missing.exists()


def test_refusals_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    ana, bob = tmp_path / "ana.db", tmp_path / "bob.db"
    _label(ana, "ana", [(FIRST, "claim")], tmp_path)
    _label(bob, "bob", [(READY, "claim")], tmp_path)
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n" * 100, encoding="utf-8")
    newer = tmp_path / "newer.db"
    Store(newer, annotator="x").close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before, other = _dump(ana), _digest(bob)
    cases = [
        (tmp_path / "nope.db", "no such file"),
        (notes, "not an annotui database"),
        (newer, "newer annotui"),
        (tmp_path, "directory"),
        (ana, "the database being merged into"),
    ]
    for bad, message in cases:
        # bob.db is fine; the merge is all or nothing
        user_error(run("merge", bob, bad, "--db", ana), str(bad.name), message)
        assert _dump(ana) == before
    assert _digest(bob) == other
    # a bad OTHER never creates the target either
    user_error(run("merge", notes, "--db", tmp_path / "new.db"), "not an annotui database")
    assert not (tmp_path / "new.db").exists()


def test_merge_has_help() -> None:
    out = ok(run("merge", "--help")).stdout
    assert "--dry-run" in out and "OTHERS" in out
