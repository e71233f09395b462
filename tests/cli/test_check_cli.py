"""`annotui check`: tables and JSON lines, the linter's exit codes (0 clean, 1 findings,
2 could not check), the filters, and one-line errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from _cli_support import ANNOTATOR, LABELS, SAMPLE, no_traceback, ok, run, table_rows

from annotui.core.consistency import DESCRIPTIONS
from annotui.core.store import Store


def _labelled(db: Path) -> tuple[int, str]:
    """The sample with a planted slip: "Central Asian countries" is a claim twice, then a
    commitment; two more occurrences are left unlabelled; one span ends with a space."""
    ok(run("import", "--db", db, SAMPLE))
    with Store(db, annotator=ANNOTATOR) as store:
        store.load_labels(LABELS)
        (doc_id,) = store.document_ids()
        text = store.document(doc_id).text
        at = -1
        for name in ("claim", "claim", "commitment"):
            at = text.index("Central Asian countries", at + 1)
            store.add_span(doc_id, at, at + 23, name)
        start = text.index("Baku will host")
        store.add_span(doc_id, start, start + len("Baku will host "), "commitment")
    return doc_id, text


def _exit_2(result: object, *fragments: str) -> str:
    """Could not check: exit 2, one line on stderr, no traceback."""
    no_traceback(result)  # type: ignore[arg-type]
    assert result.exit_code == 2, (result.exit_code, result.output)  # type: ignore[attr-defined]
    lines = [x for x in result.stderr.splitlines() if x.strip()]  # type: ignore[attr-defined]
    assert len(lines) == 1 or lines[0].startswith("Usage:"), lines
    for fragment in fragments:
        assert fragment.lower() in lines[-1].lower(), (fragment, lines)
    return lines[-1]


def test_findings_as_a_table_grouped_by_document_exit_1(db: Path) -> None:
    _, text = _labelled(db)
    result = run("check", "--db", db)
    no_traceback(result)
    assert result.exit_code == 1
    out = result.stdout
    assert "sample-article · 4 findings" in out
    rows = [row for row in table_rows(out) if row[0].isdigit()]
    assert [row[2] for row in rows] == ["label-conflict", "whitespace",
                                        "unlabelled-occurrence", "unlabelled-occurrence"]
    conflict = text.index("Central Asian countries", text.index("Central Asian countries",
                                                                 1000) + 1)
    assert rows[0][1] == f"{conflict}–{conflict + 23}"
    assert rows[0][0] == str(text.count("\n", 0, conflict) + 1)
    assert "“Central Asian countries”: commitment here, claim in 2 other places" in rows[0][3]
    assert "ends with a space" in rows[1][3]
    assert ("4 findings in 1 document (1 label-conflict, 2 unlabelled-occurrence,"
            " 1 whitespace) in ana's spans") in " ".join(out.split())


def test_jsonl_one_finding_a_line_with_exact_offsets(db: Path) -> None:
    _, text = _labelled(db)
    result = run("check", "--db", db, "--format", "jsonl")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [x["kind"] for x in lines] == ["label-conflict", "whitespace",
                                          "unlabelled-occurrence", "unlabelled-occurrence"]
    for x in lines:
        assert text[x["start"]:x["end"]] == x["text"]
        assert x["document"] == "sample-article" and x["annotator"] == ANNOTATOR
        assert {"line", "message", "excerpt", "severity", "label", "span_id",
                "related"} <= x.keys()
    assert lines[2]["span_id"] is None and lines[2]["label"] == "claim"
    assert lines[2]["related"]["document"] == "sample-article"
    assert lines[0]["severity"] == "warning" and lines[1]["severity"] == "error"


def test_a_clean_database_exits_0(db: Path) -> None:
    ok(run("import", "--db", db, SAMPLE))
    with Store(db, annotator=ANNOTATOR) as store:
        store.load_labels(LABELS)
        (doc_id,) = store.document_ids()
        text = store.document(doc_id).text
        start = text.index("In his speech")  # a whole sentence, said once
        store.add_span(doc_id, start, text.index("energy.", start) + 7, "claim")
    assert "no findings in ana's spans" in ok(run("check", "--db", db)).stdout
    assert ok(run("check", "--db", db, "--format", "jsonl")).stdout == ""


def test_nothing_labelled_yet_is_clean(db: Path) -> None:
    ok(run("import", "--db", db, SAMPLE))
    assert "no findings" in ok(run("check", "--db", db)).stdout


def test_kind_doc_and_min_count_filters(db: Path) -> None:
    _labelled(db)
    only = run("check", "--db", db, "--kind", "whitespace", "--format", "jsonl")
    assert result_kinds(only) == ["whitespace"]
    two = run("check", "--db", db, "--kind", "whitespace", "--kind", "label-conflict",
              "--format", "jsonl")
    assert result_kinds(two) == ["label-conflict", "whitespace"]
    assert result_kinds(run("check", "--db", db, "--min-count", "3", "--format",
                            "jsonl")) == ["label-conflict", "whitespace",
                                          "unlabelled-occurrence", "unlabelled-occurrence"]
    assert result_kinds(run("check", "--db", db, "--min-count", "4", "--format",
                            "jsonl")) == ["label-conflict", "whitespace"]
    assert result_kinds(run("check", "--db", db, "--doc", "sample-article", "--format",
                            "jsonl"))[0] == "label-conflict"
    clean = run("check", "--db", db, "--kind", "cuts-word")
    assert clean.exit_code == 0 and "no findings" in clean.stdout


def result_kinds(result: object) -> list[str]:
    no_traceback(result)  # type: ignore[arg-type]
    return [json.loads(x)["kind"] for x in result.stdout.splitlines()]  # type: ignore[attr-defined]


def test_annotators_each_checked_against_themselves(db: Path) -> None:
    doc_id, text = _labelled(db)
    with Store(db, annotator="bob") as bob:
        start = text.index("Astana")
        bob.add_span(doc_id, start, start + 5, "claim")  # cuts "Astana"
    mine = result_kinds(run("check", "--db", db, "--format", "jsonl"))
    assert "cuts-word" not in mine
    bobs = run("check", "--db", db, "--annotator", "bob", "--format", "jsonl")
    assert result_kinds(bobs) == ["cuts-word"]
    everyone = run("check", "--db", db, "--everyone")
    assert everyone.exit_code == 1
    rows = [row for row in table_rows(everyone.stdout) if row[0].isdigit()]
    assert {row[3] for row in rows} == {"ana", "bob"}  # an annotator column
    assert "in everyone's spans" in everyone.stdout


def test_could_not_check_exits_2_with_one_line(db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    _exit_2(run("check", "--db", missing), "no such database")
    assert not missing.exists()
    _labelled(db)
    _exit_2(run("check", "--db", db, "--doc", "nope"), "no document with key 'nope'")
    _exit_2(run("check", "--db", db, "--annotator", "zed"), "'zed' has labelled nothing",
            "ana")
    _exit_2(run("check", "--db", db, env={"ANNOTUI_ANNOTATOR": "newcomer"}),
            "--everyone")
    _exit_2(run("check", "--db", db, "--annotator", "ana", "--everyone"), "not both")
    _exit_2(run("check", "--db", db, "--kind", "typo"), "--kind")
    _exit_2(run("check", "--db", db, "--min-count", "0"), "--min-count")
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    _exit_2(run("check", "--db", tmp_path / "junk.db"))


def test_hostile_text_is_shown_harmlessly(db: Path) -> None:
    with Store(db, annotator=ANNOTATOR) as store:
        store.load_labels(LABELS)
        text = "Evil \x1b[2J[bold]text[/bold] here \x1b]0;x\x07 ok."
        doc_id, _ = store.add_document(text, key="evil\x1bkey")
        store.add_span(doc_id, 0, text.index("here") + 5, "claim")  # ends with a space
        store.add_span(doc_id, text.index("here") + 5, len(text) - 2, "claim")  # cuts "ok"
    result = run("check", "--db", db)
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "␛" in result.stdout and "[bold]" in result.stdout


def test_help_tells_it_apart_from_info_check() -> None:
    out = " ".join(ok(run("check", "--help")).stdout.split())
    assert "annotui info --check" in out
    assert "0: clean; 1: findings; 2: could not check" in out
    for kind, description in DESCRIPTIONS.items():
        assert f"{kind} {description}" in out
