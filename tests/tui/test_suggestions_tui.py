"""Suggestions in the reader: painted apart from labels, listed in the panel, decided
with y / d / + / -, reached with ', proposed from a span with *; all undoable. The
database is checked, not the screen."""

from __future__ import annotations

from pathlib import Path

from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.widgets.paint import paint_row
from annotui.tui.widgets.reader import Reader
from annotui.tui.widgets.span_list import SuggestionList

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Central Asia met. The Central Asia talks went on. Then Central Asia again.\n"
#       0          12                  30                         55


def seed(path: Path) -> int:
    with Store(path, annotator="ann") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = store.add_document(TEXT, title="suggest", key="s")
        store.add_suggestions(doc, [(0, 12, "claim", "pattern", "p.toml:1", 1.0),
                                    (22, 34, "claim", "pattern", "p.toml:1", 1.0),
                                    (55, 67, "commitment", "pattern", "p.toml:2", 0.5)])
    return doc


def state(path: Path, doc: int) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]]]:
    with Store(path, annotator="ann") as store:
        spans = [(s.start, s.end, s.label) for s in store.spans(doc)]
        offers = [(s.start, s.status) for s in store.suggestions(doc, status=None)]
    return spans, sorted(offers)


async def test_keys_accept_dismiss_and_undo(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    doc = seed(db)
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        panel = app.screen.query_one(SuggestionList)
        assert len(reader.suggested) == 3 and len(panel.index) == 3
        await pilot.press("apostrophe")  # the first suggestion is selected
        await pilot.pause()
        assert reader.selection == (0, 12)
        await pilot.press("y")
        await pilot.pause()
        assert state(db, doc) == ([(0, 12, "claim")],
                                  [(0, "accepted"), (22, "open"), (55, "open")])
        assert len(reader.suggested) == 2 and len(panel.index) == 2

        await pilot.press("apostrophe", "d")  # the next one is dismissed
        await pilot.pause()
        assert state(db, doc)[1] == [(0, "accepted"), (22, "rejected"), (55, "open")]

        await pilot.press("u")  # the dismissal comes back as an open suggestion
        await pilot.pause()
        assert state(db, doc)[1] == [(0, "accepted"), (22, "open"), (55, "open")]
        assert len(reader.suggested) == 2

        await pilot.press("plus")  # every open one, one step
        await pilot.pause()
        assert state(db, doc)[0] == [(0, 12, "claim"), (22, 34, "claim"),
                                     (55, 67, "commitment")]
        assert len(reader.suggested) == 0
        assert app.screen.query_one("#panel").has_class("no-suggestions")
        await pilot.press("u")
        await pilot.pause()
        assert state(db, doc)[0] == [(0, 12, "claim")] and len(reader.suggested) == 2
    store.close()


async def test_star_proposes_the_label_on_every_occurrence(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db, annotator="ann") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = store.add_document(TEXT, title="star", key="s")
        store.add_span(doc, 0, 12, "claim")
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        reader.move_to(3)
        await pilot.press("asterisk")
        await pilot.pause()
        assert sorted((s.start, s.end, s.label) for s in reader.suggested) == [
            (22, 34, "claim"), (55, 67, "claim")]
        await pilot.press("minus")
        await pilot.pause()
        assert state(db, doc)[1] == [(22, "rejected"), (55, "rejected")]
        await pilot.press("asterisk")  # dismissed ones are never proposed again
        await pilot.pause()
        assert len(reader.suggested) == 0
    store.close()


async def test_suggestions_are_painted_apart_from_labels(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    doc = seed(db)
    with Store(db, annotator="ann") as store:
        store.add_span(doc, 0, 12, "claim")
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        pieces = paint_row(reader.layout_, 0, reader.index, reader._styles, reader.rich_style,
                           None, None, reader.suggested)
        at = {start: st for start, _, _, st in pieces}
        label, offered, plain = at[0], at[22], at[12]
        assert label.bgcolor != reader.rich_style.bgcolor  # a label: filled
        assert offered.italic and offered.underline  # a proposal: italic, underlined,
        assert offered.bgcolor == reader.rich_style.bgcolor  # and never filled
        assert not plain.italic and not plain.underline
    store.close()


async def test_findings_list_jumps_to_the_inconsistent_span(tmp_path: Path) -> None:
    from annotui.tui.screens.findings_screen import FindingsScreen

    db = tmp_path / "s.db"
    with Store(db, annotator="ann") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        other, _ = store.add_document("Nothing here but words.\n", title="first", key="a")
        doc, _ = store.add_document(TEXT, title="check", key="s")
        store.add_span(doc, 0, 12, "claim")
        store.add_span(doc, 22, 34, "claim")
        store.add_span(doc, 55, 67, "commitment")  # planted: the same text, another label
        store.add_span(doc, 17, 22, "invitation")   # planted: " The " has white space
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, other)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("exclamation_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FindingsScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        kinds = {f.kind for f in screen.findings}
        assert {"label-conflict", "whitespace"} <= kinds, kinds
        conflict = next(i for i, f in enumerate(screen.findings) if f.kind == "label-conflict")
        wanted = screen.findings[conflict]
        listing = screen.query_one("#findings-list")
        listing.highlighted = conflict
        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        assert app.screen.doc.id == doc  # the finding's document was opened
        assert reader.selection == (wanted.start, wanted.end)
    store.close()


async def test_a_pattern_file_run_from_the_reader(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db, annotator="ann") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        other, _ = store.add_document("Central Asia elsewhere.\n", title="other", key="o")
        doc, _ = store.add_document(TEXT, title="patterns", key="s")
    good = tmp_path / "p.toml"
    good.write_text('[phrases]\nclaim = "Central Asia"\n', encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text('[phrases]\nclaim = "Central Asia"\nnolabel = "x"\n', encoding="utf-8")
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        await pilot.press("P")
        await pilot.pause()
        app.screen.query_one("#pattern-path").value = str(bad)
        await pilot.press("enter")
        await pilot.pause()
        assert len(reader.suggested) == 0  # refused whole, in one line naming the line
        message = " | ".join(str(n.message) for n in app._notifications)
        assert "bad.toml:3" in message and "\n" not in message, message

        await pilot.press("P")
        await pilot.pause()
        app.screen.query_one("#pattern-path").value = str(good)
        await pilot.press("enter")  # this document only
        await pilot.pause()
        assert sorted((s.start, s.end) for s in reader.suggested) == [(0, 12), (22, 34),
                                                                       (55, 67)]
    store.close()
    with Store(db, annotator="ann") as again:
        assert again.suggestions(other) == []  # enter: not the other documents


async def test_undoing_one_accept_brings_the_suggestion_back_on_screen(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    doc = seed(db)
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        panel = app.screen.query_one(SuggestionList)
        await pilot.press("apostrophe", "y")
        await pilot.pause()
        assert len(reader.suggested) == len(panel.index) == 2
        await pilot.press("u")
        await pilot.pause()
        assert len(store.suggestions(doc)) == len(reader.suggested) == len(panel.index) == 3
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert len(store.suggestions(doc)) == len(reader.suggested) == len(panel.index) == 2
    store.close()


async def test_the_span_list_never_shows_two_highlighted_rows(tmp_path: Path) -> None:
    from textual.geometry import Region

    from annotui.tui.widgets.span_list import SpanList

    db = tmp_path / "s.db"
    with Store(db, annotator="ann") as store:
        store.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = store.add_document(TEXT, title="suggest", key="s")
        store.add_span(doc, 0, 12, "claim")
        store.add_suggestions(doc, [(8, 12, "commitment", "pattern", "p", 1.0),
                                    (55, 67, "invitation", "pattern", "p", 1.0)])
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        panel = app.screen.query_one(SpanList)
        highlight = panel.get_component_rich_style("span-list--highlight")

        def lit_rows() -> list[int]:
            width, height = panel.scrollable_content_region.size
            strips = panel.render_lines(Region(0, 0, width, height))
            return [y for y, strip in enumerate(strips)
                    if any(seg.style and seg.style.bgcolor == highlight.bgcolor
                           for seg in strip if seg.text.strip())]

        reader.move_to(9)
        await pilot.pause()
        assert lit_rows() == [panel.highlighted] == [0]
        await pilot.press("y")  # the accepted span becomes the highlighted row
        await pilot.pause()
        assert lit_rows() == [panel.highlighted]
    store.close()
