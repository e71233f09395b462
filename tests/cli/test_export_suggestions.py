"""`annotui export --suggestions`: open suggestions under "predictions", apart from the
spans, exact offsets; without the flag they never appear."""

from __future__ import annotations

import json
from pathlib import Path

from _cli_support import run

from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Ça va: 東京 and 👨‍👩‍👧 met Central Asia. Central Asia again.\n"


def seed(path: Path) -> int:
    with Store(path, annotator="ana") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = store.add_document(TEXT, key="d")
        first = TEXT.index("Central Asia")
        second = TEXT.index("Central Asia", first + 1)
        store.add_span(doc, 7, 9, "claim")  # 東京
        store.add_suggestions(doc, [(first, first + 12, "claim", "pattern", "p:1", 1.0),
                                    (second, second + 12, "claim", "pattern", "p:1", 1.0),
                                    (14, 19, "invitation", "learn", "like x", 0.5)])
        decided = next(s for s in store.suggestions(doc) if s.start == first)
        store.reject_suggestion(decided.id)
    return doc


def test_predictions_only_with_the_flag_and_only_open_ones(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    seed(db)
    plain = run("export", "--db", db)
    assert plain.exit_code == 0
    record = json.loads(plain.stdout)
    assert "predictions" not in record and len(record["spans"]) == 1

    flagged = run("export", "--db", db, "--suggestions")
    assert flagged.exit_code == 0, flagged.stderr
    record = json.loads(flagged.stdout)
    assert len(record["spans"]) == 1  # accepted labels only among the spans
    predictions = record["predictions"]
    assert [(p["label"], p["source"]) for p in predictions] == [("invitation", "learn"),
                                                                ("claim", "pattern")]
    for p in predictions:
        assert record["text"][p["start"]:p["end"]] == p["text"]
    assert predictions[0]["text"] == "👨‍👩‍👧"


def test_the_flag_is_refused_where_it_cannot_be_exact(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    seed(db)
    for extra in (["--format", "conll"], ["--unit", "sentence"]):
        result = run("export", "--db", db, "--suggestions", *extra)
        assert result.exit_code == 1
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "--suggestions" in lines[0]


def test_info_counts_the_open_suggestions(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    seed(db)  # three proposed, one dismissed
    result = run("info", "--db", db)
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("suggestions"))
    assert line.split()[1:] == ["2", "open"]
