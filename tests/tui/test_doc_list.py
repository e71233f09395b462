"""The document picker (`o`) on a big corpus: its table builds only the rows on screen,
so opening it and every key typed in its filter cost the same with 3,000 documents as
with three. Work is counted (rows painted), never timed."""

from __future__ import annotations

from annotui.core.formats import ImportSpan, Record
from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp
from annotui.tui.screens.main_screen import MainScreen
from annotui.tui.screens.picker_screen import PickerScreen
from annotui.tui.widgets.doc_list import DocList

SIZE = (100, 30)
DOCS = 3_000


def corpus(store: Store) -> list[int]:
    """3,000 documents; every 100th is about Baku and has two claims; the 7th is done."""
    records = [Record(text=f"Text number {n}." + (" Baku." if n % 100 == 0 else ""),
                      key=f"doc-{n}", title=f"Report {n}" + (" on Baku" if n % 100 == 0 else ""),
                      spans=[ImportSpan(0, 4, "claim", None, None),
                             ImportSpan(5, 11, "claim", None, None)] if n % 100 == 0 else [])
               for n in range(DOCS)]
    with store.transaction():
        done = store.import_records(records, store.annotator)
    ids = [doc_id for doc_id, _ in done.documents]
    store.set_status(ids[7], "done")
    return ids


def painted(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    rows: list[int] = []
    render = DocList.render_line

    def spy(self, y):  # type: ignore[no-untyped-def]
        rows.append(y)
        return render(self, y)

    monkeypatch.setattr(DocList, "render_line", spy)
    return rows


def cells(docs: DocList, y: int) -> list[str]:
    """Line ``y`` of the table, cut at its columns."""
    line, out, x = "".join(seg.text for seg in docs.render_line(y)), [], 0
    for column in docs._columns:
        width = column.width + 2
        out.append(line[x:x + width].strip())
        x += width
    return out


def shown(docs: DocList) -> list[str]:
    return ["".join(seg.text for seg in docs.render_line(y)).split()[1]
            for y in range(1, min(4, len(docs.rows) + 1))]


async def test_a_big_corpus_paints_only_the_rows_on_screen(store, monkeypatch) -> None:
    ids = corpus(store)
    app = AnnotuiApp(store, ids[0])
    rows = painted(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        docs = app.screen.query_one(DocList)
        height = docs.size.height
        assert len(docs.rows) == DOCS
        assert 0 < len(rows) <= 3 * height  # a frame or three of the rows on screen
        for key in ("b", "a", "k", "u", "backspace", "down", "pagedown", "end"):
            rows.clear()
            await pilot.press(key)
            await pilot.pause()
            assert len(rows) <= 3 * height, (key, len(rows))


async def test_filter_words_status_and_labels_and_the_cursor_follows(store) -> None:
    ids = corpus(store)
    app = AnnotuiApp(store, ids[300])  # a Baku document: the cursor starts on it
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        docs = app.screen.query_one(DocList)
        assert docs.chosen == ids[300]
        await pilot.press(*"baku")
        await pilot.pause()
        assert len(docs.rows) == DOCS // 100 and docs.chosen == ids[300]  # still on it
        assert shown(docs)[:1] == ["Report"]
        await pilot.press("down")
        assert docs.chosen == ids[400]
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.press(*"has:claim")
        await pilot.pause()
        assert [docs.docs[i].id for i in docs.rows] == ids[::100]
        app.screen.query_one("#filter").value = "done"
        await pilot.pause()
        assert [docs.docs[i].id for i in docs.rows] == [ids[7]]
        app.screen.query_one("#filter").value = "no such title"
        await pilot.pause()
        assert docs.rows == [] and docs.chosen is None
        line = "".join(seg.text for seg in docs.render_line(1))
        assert "no document matches" in line
        await pilot.press("enter")  # nothing to open: the picker stays
        assert isinstance(app.screen, PickerScreen)
        app.screen.query_one("#filter").value = "report 2999"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.screen.doc.id == ids[2999]


async def test_keys_move_the_cursor_within_the_list_and_a_click_opens(store) -> None:
    ids = corpus(store)
    app = AnnotuiApp(store, ids[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        docs = app.screen.query_one(DocList)
        # the list fits in the dialog, and the dialog on the screen: the cursor row is
        # always one the user sees
        dialog = app.screen.query_one("#picker")
        assert dialog.region.contains_region(docs.region)
        assert app.screen.region.contains_region(dialog.region)
        await pilot.press("up")
        assert docs.cursor == 0  # clamped
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert docs.cursor == 2 * docs.page
        assert docs.scroll_y <= docs.cursor < docs.scroll_y + docs.page  # in view
        assert docs.page == docs.region.height - 1  # a page is the rows below the header
        await pilot.press("pageup")
        assert docs.cursor == docs.page
        await pilot.pause()
        top = int(docs.scroll_y)
        await pilot.click(DocList, offset=(10, 3))  # the header is row 0: this is row 3
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.screen.doc.id == ids[top + 2]


def test_typing_on_narrows_and_anything_else_looks_at_every_document() -> None:
    from annotui.tui.widgets.doc_list import narrows

    assert narrows(["rep"], ["repo"]) and narrows(["rep"], ["report", "12"])
    assert narrows(["a", "b"], ["a", "bc"]) and narrows(["has:claim"], ["has:claim", "x"])
    assert narrows(["report"], ["report", "done"])  # a status added is one more condition
    assert not narrows([], ["a"])  # everything was shown: nothing to narrow
    assert not narrows(["repo"], ["rep"])  # a key deleted: rows come back
    assert not narrows(["a", "b"], ["ab"]) and not narrows(["a", "b"], ["c", "b"])
    assert not narrows(["don"], ["done"])  # a title word became a status
    assert not narrows(["done"], ["doner"])  # and the other way
    assert not narrows(["has:c"], ["has:claim"])  # a label name is matched whole
    assert not narrows(["status:do"], ["status:done"])


async def test_a_filter_typed_key_by_key_shows_what_it_shows_typed_at_once(store) -> None:
    ids = corpus(store)
    app = AnnotuiApp(store, ids[0])
    queries = ["r", "re", "rep", "report 1", "report 12", "report 12 b", "report 12",
               "report 1", "baku", "baku done", "done", "don", "has:c", "has:claim",
               "has:claim 3", "has:claim 30", "", "7"]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        docs = app.screen.query_one(DocList)
        box = app.screen.query_one("#filter")
        for query in queries:
            box.value = query
            await pilot.pause()
            typed = list(docs.rows)
            docs._words = []  # forget the filter before: look at every document
            docs.filter(query)
            assert typed == docs.rows, query


async def test_counts_per_label_keep_labels_that_differ_only_in_case_apart(store) -> None:
    doc, _ = store.add_document("one two three four", title="Cased")
    store.ensure_label("Claim")
    store.add_span(doc, 0, 3, "Claim")
    store.add_span(doc, 4, 7, "claim")
    store.add_span(doc, 8, 13, "claim")
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        docs = app.screen.query_one(DocList)
        header, row = (cells(docs, y) for y in (0, 1))
        counts = dict(zip(header[3:-1], row[3:-1], strict=True))
        assert counts == {"claim": "2", "commitment": "", "invitation": "", "Claim": "1"}
        app.screen.query_one("#filter").value = "has:claim"  # has: finds either
        await pilot.pause()
        assert [docs.docs[i].id for i in docs.rows] == [doc]
