"""Whose spans the reader shows (`A`): mine, everyone's, one other annotator's. Only my
own spans can be changed, in any view; the database is checked, not the screen."""

from __future__ import annotations

from pathlib import Path

from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.screens.main_screen import MainScreen
from annotui.tui.widgets.reader import Reader
from annotui.tui.widgets.topbar import TopBar

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Alpha beta gamma delta epsilon. Zeta eta theta iota kappa lambda.\n"


def seed(path: Path) -> int:
    with Store(path, annotator="bob") as bob:
        bob.load_labels(ROOT / "data" / "labels.toml")
        doc, _ = bob.add_document(TEXT, title="views")
        bob.add_span(doc, 0, 10, "claim")        # "Alpha beta"
        bob.add_span(doc, 32, 41, "commitment")  # "Zeta eta "
    with Store(path, annotator="ann") as ann:
        ann.add_span(doc, 6, 16, "claim")        # "beta gamma": overlaps bob's first
    return doc


def owners(path: Path, doc: int) -> list[tuple[str, int, int]]:
    with Store(path, annotator="ann") as store:
        return sorted((s.annotator, s.start, s.end) for s in store.spans(doc, everyone=True))


def topbar_text(screen: MainScreen) -> str:
    return str(screen.query_one(TopBar).render())


async def test_views_cycle_and_only_my_spans_change(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    doc = seed(db)
    before = owners(db, doc)
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        reader = screen.query_one(Reader)
        assert [s.annotator for s in reader.index] == ["ann"]
        assert "everyone" not in topbar_text(screen)

        await pilot.press("A")  # everyone's
        await pilot.pause()
        assert sorted(s.annotator for s in reader.index) == ["ann", "bob", "bob"]
        assert "everyone's spans" in topbar_text(screen)

        # on "beta" both spans cover the cursor: x deletes mine, never bob's
        reader.move_to(7)
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert owners(db, doc) == [a for a in before if a[0] == "bob"]

        # on bob's "Zeta": every edit key is refused, nothing changes
        reader.move_to(33)
        await pilot.pause()
        for key in ("x", "alt+right"):
            await pilot.press(key)
            await pilot.pause()
        assert owners(db, doc) == [a for a in before if a[0] == "bob"]
        assert any("bob's" in str(n.message) for n in app._notifications)

        await pilot.press("A")  # bob's, read-only
        await pilot.pause()
        assert [s.annotator for s in reader.index] == ["bob", "bob"]
        assert "bob's spans (read-only)" in topbar_text(screen)
        reader.move_to(17)
        await pilot.press("s", "1")  # labelling here would make a span this view hides
        await pilot.pause()
        assert len(owners(db, doc)) == 2

        await pilot.press("A")  # back to mine
        await pilot.pause()
        assert list(reader.index) == []
        await pilot.press("u")  # my deletion is undone, in my view
        await pilot.pause()
        assert owners(db, doc) == before
        assert [s.annotator for s in reader.index] == ["ann"]
    store.close()


async def test_everyone_view_paints_others_underlined_and_mine_filled(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    doc = seed(db)
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        await pilot.press("A")
        await pilot.pause()
        from annotui.tui.widgets.paint import paint_row

        pieces = paint_row(reader.layout_, 0, reader.index, reader._styles, reader.rich_style,
                           None, reader.me)
        style_at = {text: style for _, _, text, style in pieces}
        alpha, overlap, gamma = style_at["Alpha "], style_at["beta"], style_at[" gamma"]
        assert alpha.underline and alpha.bgcolor == reader.rich_style.bgcolor  # bob's only
        assert overlap.underline and overlap.bgcolor != reader.rich_style.bgcolor  # both
        assert not gamma.underline and gamma.bgcolor == overlap.bgcolor  # mine only
    store.close()


async def test_with_no_one_else_the_view_key_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "solo.db", annotator="ann")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document(TEXT, title="solo")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("A")
        await pilot.pause()
        assert any("only your spans" in str(n.message) for n in app._notifications)
        assert app.screen.view is None
    store.close()


async def test_agreement_screen_shows_the_pairs_and_closes(tmp_path: Path) -> None:
    from annotui.tui.screens.agreement_screen import AgreementScreen

    db = tmp_path / "v.db"
    doc = seed(db)
    store = Store(db, annotator="ann")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("equals_sign")
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = _plain(app.screen.tables, 110)
        assert "ann · bob" in text and "exact" in text and "claim" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    store.close()


async def test_agreement_screen_with_one_annotator_says_why(tmp_path: Path) -> None:
    from annotui.tui.screens.agreement_screen import AgreementScreen

    store = Store(tmp_path / "solo.db", annotator="ann")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document(TEXT, title="solo")
    store.add_span(doc, 0, 5, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.press("equals_sign")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen)
        text = _plain(app.screen.tables, 110)
        assert "No two annotators" in text
    store.close()


def _plain(renderables: list[object], width: int) -> str:
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]
