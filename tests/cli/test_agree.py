"""``annotui agree``: two and three annotators imported as a user would, the tables and
the JSON against the core's numbers, filters, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from _cli_support import SAMPLE, ok, run, table_rows, user_error

from annotui.core.agreement import agreement
from annotui.core.store import Store

TEXT = SAMPLE.read_text(encoding="utf-8")


def _span(phrase: str, label: str, who: str) -> dict[str, object]:
    start = TEXT.index(phrase)
    return {"start": start, "end": start + len(phrase), "label": label, "annotator": who}


FIRST = ("Azerbaijan and the countries of Central Asia represent a single historical,"
         " cultural, and geopolitical space, with growing strategic importance.")
VALUES = "Our peoples share a centuries-old history, culture, religion, and common values"
READY = ("Azerbaijan is ready to support joint initiatives with Central Asian countries to"
         " solve problems related to climate change")
MEET = "will be delighted to meet with you again in Baku in November"
SPANS = {
    "bob": [(FIRST, "claim"), (VALUES, "claim"), (READY, "commitment"),
            ("I have already sent official invitation letters to the Presidents of Central"
             " Asian countries and " + MEET, "invitation")],
    "cy": [(FIRST, "claim"), (VALUES + ",", "claim"), (READY, "claim"), (MEET, "invitation")],
    "dee": [(FIRST, "claim"), (READY, "commitment")],
}


def _import(db: Path, tmp_path: Path, *who: str, done: bool = True) -> None:
    lines = [{"id": "sample-article", "text": TEXT, "annotator": name,
              "status": "done" if done else "todo",
              "spans": [_span(p, label, name) for p, label in SPANS[name]]} for name in who]
    path = tmp_path / f"{len(list(tmp_path.glob('*.jsonl')))}.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                    encoding="utf-8")
    ok(run("import", "--db", db, path))


def _result(db: Path, **options: object):  # type: ignore[no-untyped-def]
    with Store(db, annotator="ana", readonly=True) as store:
        return agreement(store, **options)  # type: ignore[arg-type]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def test_two_annotators_table_shows_the_cores_numbers(db: Path, tmp_path: Path) -> None:
    _import(db, tmp_path, "bob", "cy")
    out = ok(run("agree", "--db", db)).stdout
    (pair,) = _result(db).pairs
    assert f"bob · cy: 1 document, {pair.overall.tokens:,} words" in out
    rows = {row[0]: row for row in table_rows(out)}
    for s in [*pair.labels, pair.overall]:
        name = s.label or "all labels"
        assert rows[name] == [name, f"{s.documents:,}", str(s.spans_a), str(s.spans_b),
                              _fmt(s.exact_f1), _fmt(s.overlap_f1), _fmt(s.kappa),
                              _fmt(s.kappa_labelled)]
    # what the user reads: bob and cy agree exactly on the first claim only; the
    # invitation and the second claim overlap; READY is a commitment for bob, a claim for cy
    assert rows["claim"][2:6] == ["2", "3", "0.400", "0.800"]
    assert rows["invitation"][4:6] == ["0.000", "1.000"]
    assert rows["all labels"][2:6] == ["4", "4", "0.250", "0.750"]
    assert "Krippendorff's α" not in out and "overlap F1: same label" in out


def test_json_is_the_cores_result(db: Path, tmp_path: Path) -> None:
    _import(db, tmp_path, "bob", "cy", "dee")
    data = json.loads(ok(run("agree", "--db", db, "--format", "json")).stdout)
    assert data == json.loads(json.dumps(_result(db).to_dict()))
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [("bob", "cy"), ("bob", "dee"),
                                                         ("cy", "dee")]
    assert data["alpha"]["annotators"] == ["bob", "cy", "dee"]


def test_three_annotators_add_a_summary_and_alpha(db: Path, tmp_path: Path) -> None:
    _import(db, tmp_path, "bob", "cy", "dee")
    out = ok(run("agree", "--db", db)).stdout
    result = _result(db)
    assert result.group is not None
    assert "all labels, 3 pairs" in out
    assert "Krippendorff's α: bob, cy, dee on 1 document" in out
    alpha_rows = [row for row in table_rows(out) if len(row) == 5]
    assert alpha_rows[-1] == ["all labels", "1", "10", _fmt(result.group.overall.alpha),
                              _fmt(result.group.overall.alpha_labelled)]
    summary = [row for row in table_rows(out) if row[0] == "bob · dee"]
    assert summary and summary[0][1:3] == ["1", "4 · 2"]


def test_filters(db: Path, tmp_path: Path) -> None:
    _import(db, tmp_path, "bob", "cy", "dee")
    out = ok(run("agree", "--db", db, "--annotator", "bob", "--annotator", "dee",
                 "--label", "commitment")).stdout
    rows = table_rows(out)[2:]  # after the two header lines
    assert [row[0] for row in rows] == ["commitment", "all labels"]
    assert rows[0][2:6] == ["1", "1", "1.000", "1.000"]
    assert "bob · dee" in out and "cy" not in out
    # a label asked for by name is shown even when nobody used it
    ok(run("labels", "add", "promise", "--db", db))
    out = ok(run("agree", "--db", db, "--label", "promise", "--label", "claim")).stdout
    assert any(row[0] == "promise" and row[4:] == ["—"] * 4 for row in table_rows(out))


def test_done_only_counts_documents_marked_done(db: Path, tmp_path: Path) -> None:
    _import(db, tmp_path, "bob", done=True)
    _import(db, tmp_path, "cy", done=False)
    ok(run("agree", "--db", db))
    user_error(run("agree", "--db", db, "--done"), "no two annotators", "bob")


def test_fewer_than_two_annotators_is_one_line_and_exit_1(db: Path, tmp_path: Path) -> None:
    _import(db, tmp_path, "bob")
    user_error(run("agree", "--db", db), "no two annotators labelled the same document")
    user_error(run("agree", "--db", db, "--format", "json"), "no two annotators")
    user_error(run("agree", "--db", db, "--annotator", "bob"), "two annotators")
    user_error(run("agree", "--db", db, "--annotator", "bob", "--annotator", "zed"),
               "no annotator 'zed'", "bob")
    user_error(run("agree", "--db", db, "--label", "nope"), "no label 'nope'")
    user_error(run("agree", "--db", db.with_name("missing.db")), "no such database")
    assert not db.with_name("missing.db").exists()


def test_names_are_shown_literally(db: Path, tmp_path: Path) -> None:
    SPANS["[bold]x[/bold]"] = SPANS["dee"]
    try:
        _import(db, tmp_path, "bob", "[bold]x[/bold]")
    finally:
        del SPANS["[bold]x[/bold]"]
    out = ok(run("agree", "--db", db)).stdout
    assert "spans" in out and "[bold]x[/bold]" in out
