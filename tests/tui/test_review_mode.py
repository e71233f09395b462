"""Review mode driven by keys: tab walks disagreements first, `a` accepts one span, `Y`
accepts every agreed span in one undoable step, and the gold spans survive a reopen and
export with --annotator gold."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from annotui.cli import cli
from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.widgets.reader import Reader

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota. Kappa lambda mu.\n"


def seed(path: Path) -> int:
    with Store(path, annotator="ann") as ann:
        ann.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = ann.add_document(TEXT, title="review", key="r")
        ann.add_span(doc, 0, 5, "claim")         # agreed with bob
        ann.add_span(doc, 18, 23, "claim")       # bob drew it wider: a disagreement
        ann.add_span(doc, 55, 60, "invitation")  # agreed with bob
    with Store(path, annotator="bob") as bob:
        bob.add_span(doc, 0, 5, "claim")
        bob.add_span(doc, 18, 31, "claim")
        bob.add_span(doc, 55, 60, "invitation")
    return doc


def gold(path: Path, doc: int) -> list[tuple[int, int, str]]:
    with Store(path, annotator="gold") as store:
        return [(s.start, s.end, s.label) for s in store.spans(doc)]


async def test_review_keys_write_gold_and_survive_reopen(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    doc = seed(db)
    store = Store(db, annotator="gold")
    app = AnnotuiApp(store, doc, review=True)
    async with app.run_test(size=(110, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        assert {s.annotator for s in reader.index} == {"ann", "bob"}  # everyone's, overlaid
        await pilot.press("tab")  # the first disagreement: ann's short claim
        await pilot.pause()
        assert reader.selection == (18, 23)
        await pilot.press("tab")  # then bob's wider one
        await pilot.pause()
        assert reader.selection == (18, 31)
        await pilot.press("a")
        await pilot.pause()
        assert gold(db, doc) == [(18, 31, "claim")]
        await pilot.press("a")  # again: already there, nothing doubled
        await pilot.pause()
        assert gold(db, doc) == [(18, 31, "claim")]

        await pilot.press("Y")  # every agreed span, one step
        await pilot.pause()
        assert gold(db, doc) == [(0, 5, "claim"), (18, 31, "claim"), (55, 60, "invitation")]
        await pilot.press("u")
        await pilot.pause()
        assert gold(db, doc) == [(18, 31, "claim")]
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert len(gold(db, doc)) == 3
        assert {s.annotator for s in reader.index} == {"ann", "bob", "gold"}
        assert "in gold" in app.screen.query_one("#spans-title").rows[0].plain
    store.close()

    # reopened: gold's work is there, and its undo history too
    store = Store(db, annotator="gold")
    app = AnnotuiApp(store, doc, review=True)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert gold(db, doc) == [(18, 31, "claim")]
        await pilot.press("ctrl+r")
        await pilot.pause()
    store.close()
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--annotator", "gold"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.splitlines()[0])
    assert [(s["start"], s["end"], s["label"]) for s in record["spans"]] == \
        [(0, 5, "claim"), (18, 31, "claim"), (55, 60, "invitation")]
    assert all(TEXT[s["start"]:s["end"]] == s["text"] for s in record["spans"])


async def test_review_keys_do_nothing_outside_review(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    doc = seed(db)
    store = Store(db, annotator="gold")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("Y", "a")
        await pilot.pause()
    store.close()
    assert gold(db, doc) == []


def test_review_command_refuses_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["review", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no such database" in missing.stderr
    db = tmp_path / "r.db"
    seed(db)
    unknown = runner.invoke(cli, ["review", "--db", str(db), "--doc", "nope"])
    assert unknown.exit_code == 1 and "no document with key 'nope'" in unknown.stderr
    no_tty = runner.invoke(cli, ["review", "--db", str(db)])
    assert no_tty.exit_code == 1 and "needs a terminal" in no_tty.stderr
    assert "Traceback" not in no_tty.output


async def test_tab_and_a_tell_apart_two_labels_on_the_same_words(tmp_path: Path) -> None:
    """The commonest disagreement: the same range, two labels. tab visits both groups
    and moves on; a accepts the one tab announced, not the first on that range."""
    db = tmp_path / "r.db"
    with Store(db, annotator="ann") as ann:
        ann.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = ann.add_document(TEXT, title="review", key="r")
        ann.add_span(doc, 0, 5, "claim")
        ann.add_span(doc, 38, 42, "claim")
    with Store(db, annotator="bob") as bob:
        bob.add_span(doc, 0, 5, "commitment")
        bob.add_span(doc, 38, 42, "invitation")
    store = Store(db, annotator="gold")
    app = AnnotuiApp(store, doc, review=True)
    async with app.run_test(size=(110, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(reader.selection)
        assert seen == [(0, 5), (0, 5), (38, 42), (38, 42)]
        await pilot.press("tab", "tab")  # round again: claim by ann, then commitment by bob
        await pilot.pause()
        assert "commitment by bob" in str(list(app._notifications)[-1].message)
        await pilot.press("a")
        await pilot.pause()
    store.close()
    assert gold(db, doc) == [(0, 5, "commitment")]
