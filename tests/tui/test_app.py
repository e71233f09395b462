"""The TUI driven by keys, as a person would: every binding of the reader and the main
screen, the dialogs, documents, search, help, resume, layout sizes and Unicode.

Assertions read the database (a fresh connection on the same file) rather than the
screen: whatever the screen shows as saved must already be committed.
"""

from __future__ import annotations

import io
from pathlib import Path

import regex
from rich.console import Console
from textual.widgets import Input

from annotui.core import text as tx
from annotui.core.model import Span
from annotui.core.store import Store
from annotui.tui import keymap
from annotui.tui.app import AnnotuiApp
from annotui.tui.screens.dialogs import LabelChooser, NoteEditor
from annotui.tui.screens.help_screen import HelpScreen
from annotui.tui.screens.main_screen import MainScreen
from annotui.tui.screens.picker_screen import PickerScreen
from annotui.tui.widgets.reader import Reader
from annotui.tui.widgets.span_list import SpanList

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = (ROOT / "data" / "sample-article.txt").read_text(encoding="utf-8")
SIZE = (100, 30)


def fresh(path: Path) -> Store:
    """Another connection on the same file: it only sees committed rows."""
    return Store(path, annotator="alice")


def committed_spans(path: Path, doc_id: int) -> list[Span]:
    with fresh(path) as other:
        return other.spans(doc_id)


def committed_status(path: Path, doc_id: int) -> str:
    with fresh(path) as other:
        return other.status(doc_id)


def committed_events(path: Path, doc_id: int) -> list[tuple[str, int | None]]:
    """(action, span_id) of the document's events, oldest first."""
    with fresh(path) as other:
        rows = other.conn.execute(
            "SELECT action, span_id FROM events WHERE document_id = ? ORDER BY id", (doc_id,))
        return [(a, s) for a, s in rows]


def notifications(app: AnnotuiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


SMALL = ("Alpha beta gamma delta epsilon. Second sentence here, with a clause; and more.\n"
         "\n"
         "New paragraph starts. It ends.")
CLUSTER = regex.compile(r"\X", regex.DOTALL)


def main(app: AnnotuiApp) -> MainScreen:
    return next(s for s in app.screen_stack if isinstance(s, MainScreen))


def reader(app: AnnotuiApp) -> Reader:
    return main(app).query_one(Reader)


def add(store: Store, text: str, title: str) -> int:
    doc_id, created = store.add_document(text, title=title)
    assert created
    return doc_id


def texts(store_path: Path, doc_id: int, text: str) -> list[str]:
    return [text[s.start:s.end] for s in committed_spans(store_path, doc_id)]


# ----------------------------------------------------------------------- labelling


async def test_s_then_1_labels_the_first_sentence(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, ARTICLE, "Article")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert reader(app).cursor == 0
        await pilot.press("s")
        start, end = tx.trim(ARTICLE, *tx.sentence_at(ARTICLE, 0))
        assert reader(app).selection == tx.sentence_at(ARTICLE, 0)
        await pilot.press("1")
        await pilot.pause()
        spans = committed_spans(store.path, doc)
        assert [(s.start, s.end, s.label) for s in spans] == [(start, end, "claim")]
        assert ARTICLE[spans[0].start:spans[0].end] == ARTICLE[start:end]
        assert ARTICLE[start:end].startswith("“Azerbaijan") and \
            ARTICLE[start:end].endswith("strategic importance.")
        assert reader(app).selection is None  # labelled: the selection is gone
        assert len(main(app).query_one(SpanList).index) == 1
        assert ("add", spans[0].id) in committed_events(store.path, doc)
    assert commit_guard.problems == []


async def test_v_w_w_then_2_labels_two_words(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "w", "w")
        assert reader(app).selection == (0, 11)
        await pilot.press("2")
        await pilot.pause()
    spans = committed_spans(store.path, doc)
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 10, "commitment")]
    assert SMALL[0:10] == "Alpha beta"
    assert commit_guard.problems == []


async def test_a_burst_of_keys_labels_in_order(store, commit_guard):
    """`s 1 ) s 2` arriving at once (a paste, a fast typist over SSH) labels the first
    sentence claim and the second commitment. Every key the reader gets must take the
    same road to its action: a label key made faster than the motions (a priority
    binding, or handled in the reader while motions bubble up to their bindings)
    overtakes the `s` before it and labels nothing."""
    from textual import events

    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key, char in [("s", "s"), ("1", "1"), ("right_parenthesis", ")"), ("s", "s"),
                          ("2", "2")]:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        await pilot.pause()
    spans = committed_spans(store.path, doc)
    assert [(SMALL[s.start:s.end], s.label) for s in spans] == [
        ("Alpha beta gamma delta epsilon.", "claim"),
        ("Second sentence here, with a clause; and more.", "commitment")]
    assert commit_guard.problems == []


async def test_shift_right_extends_then_3_snaps_to_the_word(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w", "shift+right", "shift+right", "L")
        assert reader(app).selection == (6, 9)
        await pilot.press("3")
        await pilot.pause()
    spans = committed_spans(store.path, doc)
    assert [(s.start, s.end, s.label) for s in spans] == [(6, 10, "invitation")]
    assert SMALL[6:10] == "beta"
    assert commit_guard.problems == []


async def test_label_without_selection_notifies_and_stores_nothing(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w", "1", "2")
        await pilot.pause()
        said = notifications(app)
        assert any("select" in m for m in said), said
        # an unbound label key says so too
        await pilot.press("v", "w", "9")
        await pilot.pause()
        assert any("no label on key 9" in m for m in notifications(app))
    assert committed_spans(store.path, doc) == []
    assert [a for a, _ in committed_events(store.path, doc)] == ["import"]


async def test_whitespace_only_selection_stores_nothing(store):
    doc = add(store, "One      two", "Spaces")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        reader(app).move_to(4)
        await pilot.press("shift+right", "shift+right", "1")
        await pilot.pause()
    # snapping to words widens a selection inside white space; it must never store blanks
    for span in committed_spans(store.path, doc):
        assert span.end > span.start
        piece = "One      two"[span.start:span.end]
        assert piece.strip() == piece and piece


# ----------------------------------------------------------------------- span editing


async def test_tab_then_x_deletes_and_delete_key_too(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    first = store.add_span(doc, 6, 10, "claim")
    second = store.add_span(doc, 17, 22, "commitment")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        assert reader(app).cursor == 6
        assert main(app).query_one(SpanList).current == first.id
        await pilot.press("x")
        await pilot.pause()
        assert [s.id for s in committed_spans(store.path, doc)] == [second.id]
        await pilot.press("tab")
        assert reader(app).cursor == 17
        await pilot.press("delete")
        await pilot.pause()
        assert committed_spans(store.path, doc) == []
        assert len(main(app).query_one(SpanList).index) == 0
        # nothing under the cursor: x says so and deletes nothing
        await pilot.press("g", "x")
        await pilot.pause()
    events = committed_events(store.path, doc)
    assert ("delete", first.id) in events and ("delete", second.id) in events
    assert commit_guard.problems == []


async def test_shift_tab_goes_to_the_previous_span(store):
    doc = add(store, SMALL, "Small")
    store.add_span(doc, 6, 10, "claim")
    store.add_span(doc, 17, 22, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G", "shift+tab")
        assert reader(app).cursor == 17
        await pilot.press("shift+tab")
        assert reader(app).cursor == 6
        await pilot.press("shift+tab")  # wraps around
        assert reader(app).cursor == 17


async def test_r_then_2_relabels_in_the_dialog(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    span = store.add_span(doc, 6, 10, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "r")
        await pilot.pause()
        assert isinstance(app.screen, LabelChooser)
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        # escape in the chooser changes nothing
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, LabelChooser)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    spans = committed_spans(store.path, doc)
    assert [(s.id, s.start, s.end, s.label) for s in spans] == [(span.id, 6, 10, "commitment")]
    assert [a for a, _ in committed_events(store.path, doc)].count("relabel") == 1
    assert commit_guard.problems == []


async def test_n_writes_a_note_and_escape_writes_nothing(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    span = store.add_span(doc, 6, 10, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "n")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"[doubt] maybe")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert committed_spans(store.path, doc)[0].note == "[doubt] maybe"
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*" changed", "escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    spans = committed_spans(store.path, doc)
    assert [(s.id, s.note) for s in spans] == [(span.id, "[doubt] maybe")]
    assert [a for a, _ in committed_events(store.path, doc)].count("note") == 1
    assert commit_guard.problems == []


async def test_alt_keys_move_span_edges_keeping_the_span(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    span = store.add_span(doc, 6, 10, "claim")  # "beta"
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        expected = [
            ("alt+right", (6, 16)),        # "beta gamma"
            ("alt+left", (6, 10)),         # "beta"
            ("alt+shift+left", (0, 10)),   # "Alpha beta"
            ("alt+shift+right", (6, 10)),  # "beta"
        ]
        for key, (start, end) in expected:
            await pilot.press(key)
            await pilot.pause()
            spans = committed_spans(store.path, doc)
            assert [(s.id, s.start, s.end, s.label) for s in spans] == \
                [(span.id, start, end, "claim")], key
            assert reader(app).index.get(span.id).start == start  # type: ignore[union-attr]
        await pilot.press("alt+right", "u")  # a move undoes to the same span
        await pilot.pause()
        spans = committed_spans(store.path, doc)
        assert [(s.id, s.start, s.end) for s in spans] == [(span.id, 6, 10)]
    actions = [a for a, _ in committed_events(store.path, doc)]
    assert actions.count("move") == 5 and "delete" not in actions
    assert commit_guard.problems == []


async def test_x_deletes_the_span_focused_in_the_panel(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    first = store.add_span(doc, 0, 5, "claim")
    second = store.add_span(doc, 17, 22, "commitment")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        panel = main(app).query_one(SpanList)
        panel.focus()
        await pilot.pause()
        panel.highlighted = 0
        await pilot.press("down")  # the list follows the keys; the reader follows the list
        await pilot.pause()
        assert panel.current == second.id
        assert reader(app).cursor == 17
        await pilot.press("x")
        await pilot.pause()
    assert [s.id for s in committed_spans(store.path, doc)] == [first.id]
    assert commit_guard.problems == []


# ----------------------------------------------------------------------- undo / redo


async def test_undo_redo_with_every_key(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "w", "1")           # "Alpha"
        await pilot.press("w", "v", "w", "2")  # the cursor was on "beta": "gamma"
        await pilot.pause()
        assert texts(store.path, doc, SMALL) == ["Alpha", "gamma"]
        await pilot.press("u")
        await pilot.pause()
        assert texts(store.path, doc, SMALL) == ["Alpha"]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert texts(store.path, doc, SMALL) == []
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert texts(store.path, doc, SMALL) == ["Alpha"]
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert texts(store.path, doc, SMALL) == ["Alpha", "gamma"]
        assert [s.label for s in committed_spans(store.path, doc)] == ["claim", "commitment"]
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert any("nothing to redo" in m for m in notifications(app))
        assert len(reader(app).index) == 2
    assert commit_guard.problems == []


async def test_undo_survives_closing_and_reopening(store, db_path, commit_guard):
    doc = add(store, SMALL, "Small")
    span = store.add_span(doc, 32, 38, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "x")  # delete
        await pilot.press("v", "w", "2")  # the cursor stayed on 32: label "Second"
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0
    assert texts(db_path, doc, SMALL) == ["Second"]
    assert committed_spans(db_path, doc)[0].label == "commitment"
    store.close()

    again = Store(db_path, annotator="alice")
    commit_guard.watch(again)
    try:
        app2 = AnnotuiApp(again, doc)
        async with app2.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert len(reader(app2).index) == 1
            await pilot.press("u")  # undo the label
            await pilot.pause()
            assert committed_spans(db_path, doc) == []
            assert len(reader(app2).index) == 0
            await pilot.press("u")  # undo the deletion: the same span comes back
            await pilot.pause()
            back = committed_spans(db_path, doc)
            assert [(s.id, s.start, s.end, s.label) for s in back] == \
                [(span.id, 32, 38, "claim")]
            await pilot.press("ctrl+r")  # redo the deletion
            await pilot.pause()
            assert committed_spans(db_path, doc) == []
    finally:
        again.close()
    assert commit_guard.problems == []


# ----------------------------------------------------------------------- documents


async def test_D_marks_done_and_goes_to_the_next_not_done(store):
    a = add(store, "First document text.", "First")
    b = add(store, "Second document text.", "Second")
    c = add(store, "Third document text.", "Third")
    store.set_status(b, "done")
    app = AnnotuiApp(store, a)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        await pilot.pause()
        assert committed_status(store.path, a) == "done"
        assert main(app).doc.id == c
        assert reader(app).text == "Third document text."
        await pilot.press("D")  # the last not-done one: stays, says so
        await pilot.pause()
        assert committed_status(store.path, c) == "done"
        assert main(app).doc.id == c
        assert any("every document is done" in m for m in notifications(app))
    assert committed_status(store.path, b) == "done"


async def test_brackets_switch_documents(store):
    a = add(store, "First document text.", "First")
    b = add(store, "Second document text.", "Second")
    app = AnnotuiApp(store, a)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert main(app).doc.id == b and reader(app).text == "Second document text."
        await pilot.press("]")
        await pilot.pause()
        assert main(app).doc.id == b
        assert any("last document" in m for m in notifications(app))
        await pilot.press("[")
        await pilot.pause()
        assert main(app).doc.id == a and reader(app).text == "First document text."
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert main(app).doc.id == a


async def test_labels_go_to_the_shown_document(store):
    a = add(store, "First document text.", "First")
    b = add(store, "Second document text.", "Second")
    app = AnnotuiApp(store, a)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("]", "v", "w", "1")
        await pilot.pause()
    assert committed_spans(store.path, a) == []
    assert texts(store.path, b, "Second document text.") == ["Second"]


async def test_o_opens_the_picker_and_a_filter_opens_a_document(store):
    a = add(store, "First document text.", "Apple pie")
    add(store, "Second document text.", "Banana split")
    c = add(store, "Third document text.", "Cherry tart")
    app = AnnotuiApp(store, a)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"cherry")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert main(app).doc.id == c and reader(app).text == "Third document text."
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and main(app).doc.id == c


# ----------------------------------------------------------------------- search


async def test_slash_searches_and_ctrl_n_b_move_between_hits(store):
    doc = add(store, ARTICLE, "Article")
    hits = []
    at = ARTICLE.lower().find("baku")
    while at >= 0:
        hits.append(at)
        at = ARTICLE.lower().find("baku", at + 1)
    assert len(hits) >= 3
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"Baku", "enter")
        await pilot.pause()
        r = reader(app)
        assert r.has_focus
        assert r.selection == (hits[0], hits[0] + 4)
        await pilot.press("ctrl+n")
        assert r.selection == (hits[1], hits[1] + 4)
        await pilot.press("ctrl+n")
        assert r.selection == (hits[2], hits[2] + 4)
        await pilot.press("ctrl+b")
        assert reader(app).selection == (hits[1], hits[1] + 4)
        # the hit is selected: a label key labels it, snapped to the whole word it is in
        # ("Baku" here is the start of "Baku-Tbilisi-Kars", one hyphenated word)
        await pilot.press("1")
        await pilot.pause()
    start, end = tx.selection_to_span(ARTICLE, hits[1], hits[1] + 4)
    assert texts(store.path, doc, ARTICLE) == [ARTICLE[start:end]]


async def test_search_not_found_and_escape_closes(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("/", *"zebra", "enter")
        await pilot.pause()
        assert any("not found" in m for m in notifications(app))
        assert reader(app).selection is None and reader(app).cursor == 0
        await pilot.press("/", *"x", "escape")
        await pilot.pause()
        assert reader(app).has_focus
        await pilot.press("w")
        assert reader(app).cursor == 6


async def test_digits_typed_in_the_search_box_search_rather_than_label(store):
    """The label keys are priority keys (they skip the bubbling): in the search box a
    digit must still be typed, and with a selection under it, nothing labelled."""
    text = "In 1994 the contract of the century was signed; by 2006 oil flowed.\n"
    doc = add(store, text, "Digits")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "slash", *"2006")  # a sentence selected under the box
        await pilot.pause()
        assert app.screen.query_one(Input).value == "2006"
        assert store.spans(doc) == []
        await pilot.press("enter")
        await pilot.pause()
        at = text.index("2006")
        assert reader(app).selection == (at, at + 4)
        await pilot.press("2")  # back in the reader: the digit labels the hit
        await pilot.pause()
        assert [(s.start, s.end) for s in store.spans(doc)] == [(at, at + 4)]


# ----------------------------------------------------------------------- help, quit, panel


def _plain(renderable: object) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


async def test_question_mark_opens_help_listing_every_key(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        from textual.widgets import Static

        shown = "\n".join(_plain(s.content) for s in app.screen.query(Static))
        for keys, description, _ in keymap.rows():
            assert description in shown, description
            assert keys in shown, keys
        for description in ("next word", "undo", "relabel", "span end +word", "next hit"):
            assert description in shown
        assert "claim" in shown and "smallest clause" in shown  # the guidelines
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("?")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("?")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_q_exits_with_zero(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_value == 0


async def test_p_toggles_the_panel(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        panel = main(app).query_one("#panel")
        assert panel.display
        await pilot.press("p")
        await pilot.pause()
        assert main(app).has_class("panel-hidden")
        assert not panel.region.width
        await pilot.press("p")
        await pilot.pause()
        assert not main(app).has_class("panel-hidden")
        assert panel.region.width > 0


async def test_every_binding_is_reachable_from_the_reader(store):
    """Each key of Reader.BINDINGS and MainScreen.BINDINGS reaches its own action (not
    shadowed by Textual's screen or app bindings) while the reader has focus."""
    doc = add(store, SMALL, "Small")
    store.add_span(doc, 0, 5, "claim")
    for review in (False, True):
        await _bindings_reach_their_actions(AnnotuiApp(store, doc, review=review), review)


async def _bindings_reach_their_actions(app: AnnotuiApp, review: bool) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert reader(app).has_focus
        active = app.screen.active_bindings
        for binding in keymap.bindings():
            if (binding.id or "").startswith("review.") and not review:
                # review mode's keys are inert outside it, and `a`/`Y` mean nothing else
                assert not any(k.strip() in active for k in binding.key.split(","))
                continue
            for key in binding.key.split(","):
                key = key.strip()
                from textual.keys import _character_to_key

                name = _character_to_key(key) if len(key) == 1 else key
                assert name in active, (key, binding.id)
                assert active[name].binding.action == binding.action, (key, binding.id)


async def test_every_key_pressed_in_turn_never_crashes(store, db_path):
    """Mash every bound key (closing whatever dialog opens): nothing raises, the database
    stays consistent (every span re-slices to trimmed, non-empty text)."""
    doc = add(store, ARTICLE, "Article")
    add(store, SMALL, "Small")
    store.add_span(doc, 1, 11, "claim")
    app = AnnotuiApp(store, doc)
    keys = [k.strip() for b in keymap.bindings() for k in b.key.split(",")
            if k.strip() not in ("q", "ctrl+c")]  # both quit
    async with app.run_test(size=SIZE) as pilot:
        for key in keys:
            await pilot.press(key)
            for _ in range(3):
                if isinstance(app.screen, MainScreen):
                    break
                await pilot.press("escape")
            assert app.is_running, key
            assert isinstance(app.screen, MainScreen), key
        await pilot.pause()
    with fresh(db_path) as other:
        for doc_id in other.document_ids():
            text = other.document(doc_id).text
            for span in other.spans(doc_id):
                piece = text[span.start:span.end]
                assert piece and piece == piece.strip()


# ----------------------------------------------------------------------- motions


async def test_motion_keys_move_the_cursor(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(40, 20)) as pilot:
        r = reader(app)
        layout = r.layout_
        assert layout.row_count > 3  # wrapped at 40 columns

        async def at(*keys: str) -> int:
            await pilot.press(*keys)
            return r.cursor

        assert await at("G") == len(SMALL)
        assert await at("g") == 0
        assert await at("end") == len(SMALL)
        assert await at("home") == 0
        assert await at("w") == tx.next_word_start(SMALL, 0) == 6
        assert await at("w") == 11
        assert await at("b") == 6
        assert await at("l") == 7
        assert await at("right") == 8
        assert await at("h") == 7
        assert await at("left") == 6
        assert await at(")") == tx.next_sentence_start(SMALL, 6) == 32
        assert await at("(") == tx.prev_sentence_start(SMALL, 32)
        assert await at("g", "}") == tx.next_paragraph_start(SMALL, 0) == 80
        assert await at("{") == 0
        start_row = layout.row_of(0)
        await pilot.press("j")
        assert layout.row_of(r.cursor) == start_row + 1
        await pilot.press("down")
        assert layout.row_of(r.cursor) == start_row + 2
        await pilot.press("k")
        assert layout.row_of(r.cursor) == start_row + 1
        await pilot.press("up")
        assert r.cursor == 0
        await pilot.press("pagedown")
        assert layout.row_of(r.cursor) > start_row + 1
        assert r.selection is None
        await pilot.press("pageup")
        assert r.cursor == 0


async def test_pagedown_on_a_long_document_moves_a_page(store):
    text = "\n".join(f"Line {i} of the long text." for i in range(300))
    doc = add(store, text, "Long")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = reader(app)
        height = r.scrollable_content_region.height
        await pilot.press("pagedown")
        await pilot.pause()
        assert r.layout_.row_of(r.cursor) == height - 1
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        row = r.layout_.row_of(r.cursor)
        assert row == 3 * (height - 1)
        assert r.scroll_offset.y <= row < r.scroll_offset.y + height  # cursor visible
        await pilot.press("pageup")
        assert r.layout_.row_of(r.cursor) == 2 * (height - 1)


async def test_unit_selections_S_c_e(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = reader(app)
        await pilot.press("S")
        assert r.selection == tx.paragraph_at(SMALL, 0)
        await pilot.press("escape")
        assert r.selection is None
        r.move_to(40)  # inside "sentence"
        await pilot.press("c")
        assert r.selection == tx.clause_at(SMALL, 40) == (32, 52)
        await pilot.press("escape")
        r.move_to(40)
        await pilot.press("e")
        assert r.selection == (tx.word_at(SMALL, 40)[0], tx.sentence_at(SMALL, 40)[1])  # type: ignore[index]
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("g", "S", "1")
        await pilot.pause()
    spans = committed_spans(store.path, doc)
    got = {(SMALL[s.start:s.end], s.label) for s in spans}
    assert got == {("sentence here, with a clause; and more.", "invitation"),
                   (SMALL[slice(*tx.trim(SMALL, *tx.paragraph_at(SMALL, 0)))], "claim")}
    assert commit_guard.problems == []


async def test_grow_and_shrink_W_B_gt_lt(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = reader(app)
        await pilot.press("W")
        assert r.selection == (0, 5)
        await pilot.press("W")
        assert r.selection == (0, 10)
        await pilot.press("B")
        assert r.selection == (0, 6)
        await pilot.press("B")  # never flips or collapses past the anchor
        assert r.selection is not None and r.selection[0] == 0
        await pilot.press("escape")
        assert r.selection is None
        r.move_to(32)
        await pilot.press(">")
        assert r.selection == (32, tx.next_clause_end(SMALL, 32)) == (32, 52)
        await pilot.press(">")
        grown = r.selection
        assert grown is not None and grown[1] > 52
        await pilot.press("<")
        assert r.selection is not None and r.selection[1] < grown[1] and r.selection[0] == 32
        await pilot.press("2")
        await pilot.pause()
    assert len(committed_spans(store.path, doc)) == 1


async def test_extend_keys_and_escape(store):
    doc = add(store, SMALL, "Small")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(40, 20)) as pilot:
        r = reader(app)
        r.move_to(11)
        await pilot.press("shift+left", "H")
        assert r.selection == (9, 11)
        await pilot.press("escape")
        assert r.selection is None and r.cursor == 9
        await pilot.press("shift+down")
        assert r.selection is not None and r.selection[0] == 9
        assert r.layout_.row_of(r.cursor) == r.layout_.row_of(9) + 1
        await pilot.press("J", "K", "shift+up")
        assert r.layout_.row_of(r.cursor) == r.layout_.row_of(9) + 0
        await pilot.press("shift+end")
        assert r.selection == (9, len(SMALL))
        await pilot.press("shift+home")
        assert r.selection == (0, 9)
        await pilot.press("escape")
        assert r.selection is None
        # v starts a sticky selection; v again stops extending but keeps it
        await pilot.press("v", "w", "v")
        sel = r.selection
        assert sel == (0, 6)
        await pilot.press("w")
        assert r.selection is None  # a plain move after `v v` drops it
        await pilot.press("v", "w", "w", "escape")
        assert r.selection is None
        await pilot.press("w")
        assert r.selection is None


# ----------------------------------------------------------------------- resume


async def test_resume_restores_document_and_cursor(store, db_path):
    add(store, SMALL, "Small")
    b = add(store, ARTICLE, "Article")
    app = AnnotuiApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("]", ")", ")", "w", "w")
        where = reader(app).cursor
        assert main(app).doc.id == b and where > 0
        await pilot.press("q")
        await pilot.pause()
    store.close()
    again = Store(db_path, annotator="alice")
    try:
        app2 = AnnotuiApp(again)
        async with app2.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert main(app2).doc.id == b
            assert reader(app2).cursor == where
            row = reader(app2).layout_.row_of(where)
            r = reader(app2)
            assert r.scroll_offset.y <= row < r.scroll_offset.y + r.scrollable_content_region.height
    finally:
        again.close()


async def test_resume_position_saved_without_q(store, db_path):
    """Closing any other way (a kill, the terminal gone) keeps the last resting place."""
    doc = add(store, ARTICLE, "Article")
    app = AnnotuiApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(")", ")")
        where = reader(app).cursor
        await pilot.pause(0.7)  # the debounced save
    with fresh(db_path) as other:
        assert other.last_position() == (doc, where)


# ----------------------------------------------------------------------- layout sizes


async def test_small_and_standard_terminals_mount_and_resize(store):
    doc = add(store, ARTICLE, "Article with a rather long title that will not fit anywhere")
    store.add_span(doc, 1, 11, "claim")
    for size in ((80, 24), (40, 12)):
        app = AnnotuiApp(store, doc)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            r = reader(app)
            assert r.region.width > 0 and r.region.height > 0, size
            # the reader fits the terminal: no text is cut off on the right
            assert r.region.right <= size[0], (size, r.region)
            await pilot.press("j", "w", "s")
            assert r.selection is not None
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(")", ")")
        where = reader(app).cursor
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        r = reader(app)
        assert r.region.width > 0 and r.region.height > 0
        assert r.region.right <= 40, r.region
        assert r.layout_.width < 40
        assert r.scroll_offset.y <= r.layout_.row_of(where) < \
            r.scroll_offset.y + r.scrollable_content_region.height
        await pilot.press("w", "v", "w")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert r.layout_.width > 40
        assert r.selection is not None
        await pilot.press("1")
        await pilot.pause()
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await pilot.press("?")
        await pilot.pause()
        await pilot.press("escape", "o")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert len(committed_spans(store.path, doc)) == 2


# ----------------------------------------------------------------------- unicode


UNICODE = ("Family 👩‍👩‍👧‍👦 and flag 🇺🇦 waved. 中文字符 测试 here.\n"
           "Cafe\u0301 re\u0301sume\u0301 na\u0308ive.\tTabbed\tcolumns.\n"
           "שלום עולם and مرحبا بالعالم mixed.\n"
           "Escape \x1b[31mred\x1b[0m text \u202eevil\u202c end.")


def _boundaries(text: str) -> set[int]:
    out = {0}
    for m in CLUSTER.finditer(text):
        out.add(m.end())
    return out


async def test_unicode_words_label_on_grapheme_boundaries(store, commit_guard):
    commit_guard.watch(store)
    doc = add(store, UNICODE, "Unicode")
    starts = ["Family", "👩", "🇺🇦", "中文", "测试", "Cafe", "re\u0301", "na\u0308",
              "Tabbed", "שלום", "مرحبا", "\x1b[31m", "red", "\u202eevil"]
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        r = reader(app)
        for word in starts:
            r.move_to(UNICODE.index(word))
            await pilot.press("v", "w", "1")
        # selections made character by character, from inside a cluster
        r.move_to(UNICODE.index("👩") + 1)  # inside the ZWJ family
        await pilot.press("shift+right", "shift+right", "2")
        r.move_to(UNICODE.index("Cafe") + 4)  # between "e" and its accent
        await pilot.press("shift+right", "3")
        await pilot.pause()
        # nothing in the reader's rows sends a control sequence or a bidi override out
        for y in range(r.scrollable_content_region.height):
            line = "".join(seg.text for seg in r.render_line(y))
            assert "\x1b" not in line and "\u202e" not in line, repr(line)
    spans = committed_spans(store.path, doc)
    assert len(spans) >= len(starts)
    ok = _boundaries(UNICODE)
    for span in spans:
        piece = UNICODE[span.start:span.end]
        assert span.start in ok and span.end in ok, (span, piece)
        assert piece and piece == piece.strip(), repr(piece)
    pieces = [UNICODE[s.start:s.end] for s in spans]
    # Han ideographs are words one by one (Unicode word boundaries), so `v w` from "中"
    # selects "中": snapping never widens a selection to a whole line of Chinese
    for word in ("👩‍👩‍👧‍👦", "🇺🇦", "中", "Cafe\u0301", "re\u0301sume\u0301", "שלום",
                 "مرحبا"):
        assert any(word in p for p in pieces), (word, pieces)
    assert any("👩‍👩‍👧‍👦" in UNICODE[s.start:s.end] for s in spans if s.label == "commitment")
    assert any("Cafe\u0301" in UNICODE[s.start:s.end] for s in spans if s.label == "invitation")
    assert commit_guard.problems == []


async def test_markup_in_a_document_is_shown_literally(store):
    text = "Click [@click=app.quit]here[/] or [b]bold[/b] and [/] unbalanced."
    doc = add(store, text, "[red]Markup[/red] title [/]")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "1")
        await pilot.pause()
        await pilot.press("tab", "n", *"[/] note", "enter")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, MainScreen)
    spans = committed_spans(store.path, doc)
    assert [text[s.start:s.end] for s in spans] == [text]
    assert spans[0].note == "[/] note"


def test_the_commit_guard_catches_a_span_shown_but_not_committed(store, commit_guard):
    """The guard used above is not vacuous: showing an uncommitted span is reported."""
    commit_guard.watch(store)
    doc = add(store, SMALL, "Small")
    real = store.add_span(doc, 0, 5, "claim")
    Reader().set_spans([real])
    assert commit_guard.problems == []
    ghost = Span(real.id + 1, doc, 6, 10, "claim", "alice")
    Reader().set_spans([real, ghost])
    assert len(commit_guard.problems) == 1
    commit_guard.problems.clear()


async def test_span_edge_keys_never_split_a_word_or_a_grapheme(store):
    """Moving the start of a one-word span "+word" has no next word to go to: the span
    must stay whole (or at least keep its edges on word and grapheme boundaries)."""
    text = "Say Cafe\u0301 now 👩‍👩‍👧‍👦 ok."
    doc = add(store, text, "Edges")
    cafe = store.add_span(doc, 4, 9, "claim")
    family = store.add_span(doc, text.index("👩"), text.index(" ok"), "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "alt+shift+right")
        await pilot.pause()
        await pilot.press("tab", "alt+shift+right", "alt+left")
        await pilot.pause()
    ok = _boundaries(text)
    got = {s.id: (s.start, s.end) for s in committed_spans(store.path, doc)}
    for span in (cafe, family):
        start, end = got[span.id]
        assert start in ok and end in ok, (text[start:end], start, end)
        assert (start, end) == (span.start, span.end), repr(text[start:end])


async def test_resume_position_kept_when_the_terminal_goes_away(store, db_path):
    """An SSH drop (SIGHUP -> App.exit(129), see AnnotuiApp.on_mount) right after a move:
    `annotui` without PATHs must still resume where you left off."""
    add(store, SMALL, "Small")
    doc = add(store, ARTICLE, "Article")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(")", ")")
        where = reader(app).cursor
        app.exit(128 + 1)  # what the SIGHUP handler does
        await pilot.pause()
    assert app.return_value == 129
    with fresh(db_path) as other:
        assert other.last_position() == (doc, where)


async def test_f_moves_into_the_span_list_and_the_reader_follows(store, commit_guard):
    doc = add(store, ARTICLE, "Article")
    words = ("Our peoples", "In his speech", "Growing threats")
    for word in words:
        at = ARTICLE.index(word)
        store.add_span(doc, at, at + len(word), "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.focused, SpanList)
        await pilot.press("down", "down")
        await pilot.pause()
        assert reader(app).cursor == ARTICLE.index("Growing threats")
        await pilot.press("x")  # deletes the span focused in the list
        await pilot.pause()
        assert texts(store.path, doc, ARTICLE) == ["Our peoples", "In his speech"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, Reader)


async def test_a_resize_storm_down_to_1x1_and_back(store):
    """No crash at any size; below the minimum a notice says so; the cursor, the selection
    and the spans are what they were."""
    doc = add(store, ARTICLE, "Article")
    store.add_span(doc, 1, 11, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=(80, 24)) as pilot:
        r = reader(app)
        await pilot.press("}", "w", "v", "w")
        before = (r.cursor, r.selection, [s.id for s in r.index])
        for size in [(1, 1), (5, 3), (19, 5), (200, 60), (2, 50), (40, 12), (1, 1)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert main(app).has_class("tiny") == (size[0] < 20 or size[1] < 6), size
        notice = str(main(app).query_one("#too-small").render())
        assert "too small" in notice and "1x1" in notice
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not main(app).has_class("tiny")
        assert (r.cursor, r.selection, [s.id for s in r.index]) == before
        assert app.is_running
