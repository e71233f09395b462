"""The key bar: what the footer showed, greyed and ungreyed in place, clickable."""

from __future__ import annotations

from pathlib import Path

from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.screens.help_screen import HelpScreen
from annotui.tui.widgets.keybar import KeyBar

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Alpha beta gamma delta epsilon. Second sentence here, with a clause; and more.\n"


def shown(bar: KeyBar) -> dict[str, bool]:
    """description -> enabled, as painted."""
    items, palette = bar._items
    return {item.description: item.enabled for item in (*items, *filter(None, [palette]))}


def row_text(bar: KeyBar) -> str:
    return bar.render_line(0).text


async def test_span_keys_grey_off_a_span_and_light_up_on_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db", annotator="alice")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document(TEXT, title="keys")
    store.add_span(doc, 6, 10, "claim")  # "beta"
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.screen.query_one(KeyBar)
        await pilot.pause()
        assert shown(bar)["delete"] is False  # the cursor opens on "Alpha"
        line = row_text(bar)
        for words in ("s sentence", "1-9 label", "x delete", "? help", "palette"):
            assert words in line, (words, line)
        assert line.rstrip().endswith("palette")  # the palette key sits on the right edge
        await pilot.press("w")  # onto "beta"
        await pilot.pause()
        assert shown(bar)["delete"] is True
        dim = [seg for seg in bar.render_line(0) if "delete" in seg.text]
        assert dim and not dim[0].style.dim
        await pilot.press("w")
        await pilot.pause()
        assert shown(bar)["delete"] is False
        dim = [seg for seg in bar.render_line(0) if "delete" in seg.text]
        assert dim and dim[0].style.dim
    store.close()


async def test_clicking_a_key_runs_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db", annotator="alice")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document(TEXT, title="keys")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.screen.query_one(KeyBar)
        await pilot.pause()
        x = row_text(bar).index("? help")
        await pilot.click(KeyBar, offset=(x + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
    store.close()


async def test_a_narrow_bar_drops_keys_rather_than_wrapping(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.db", annotator="alice")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document(TEXT, title="keys")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(40, 12)) as pilot:
        bar = app.screen.query_one(KeyBar)
        await pilot.pause()
        line = row_text(bar)
        assert len(line) == 40 and line.rstrip().endswith("palette")
        assert "s sentence" in line and "? help" not in line
    store.close()


async def test_labelling_draws_one_frame_with_the_span_keys_already_lit(tmp_path: Path) -> None:
    """The key bar greys and ungreys in the frame of the change that caused it: when it
    was updated after the refresh, every label cost a second frame (a third of the key)."""
    store = Store(tmp_path / "k.db", annotator="alice")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document(TEXT, title="keys")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.screen.query_one(KeyBar)
        await pilot.press("s")  # the first sentence, selected; the cursor off any span
        await pilot.pause()
        assert shown(bar)["delete"] is False
        frames: list[bool] = []  # per frame drawn: was "delete" lit in it?
        display = app._display

        def counting(screen, update):  # type: ignore[no-untyped-def]
            if update is not None:
                frames.append(shown(bar)["delete"])
            return display(screen, update)

        app._display = counting  # type: ignore[method-assign]
        await pilot.press("1")
        await pilot.pause()
        assert store.spans(doc), "the label was not saved"
        assert frames == [True], frames
    store.close()


async def test_the_bar_follows_the_panel_when_it_has_focus(tmp_path: Path) -> None:
    """The bar's answers are remembered per focused widget and span-or-not: with the
    panel focused, its highlighted span is the one the keys act on."""
    from annotui.tui.widgets.span_list import SpanList

    store = Store(tmp_path / "k.db", annotator="alice")
    store.load_labels(ROOT / "data" / "labels.toml")
    doc, _ = store.add_document(TEXT, title="keys")
    store.add_span(doc, 6, 10, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.screen.query_one(KeyBar)
        await pilot.pause()
        assert shown(bar)["delete"] is False  # the reader's cursor is off the span
        app.screen.query_one(SpanList).focus()  # highlights its first span
        await pilot.pause()
        assert shown(bar)["delete"] is True
        app.screen.query_one("#reader").focus()  # the panel took the cursor to the span
        await pilot.pause()
        assert shown(bar)["delete"] is True
        await pilot.press("w")
        await pilot.pause()
        assert shown(bar)["delete"] is False
        await pilot.press("b")
        await pilot.pause()
        assert shown(bar)["delete"] is True
    store.close()
