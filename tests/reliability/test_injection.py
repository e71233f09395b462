"""Document text is data, never instructions.

A document (and its key, title, notes, label and annotator names, all of which arrive in
imported files) carrying terminal escapes, Textual/rich markup, bidi overrides and
zero-width characters must be shown as visible symbols, act on nothing, and be stored and
exported byte for byte. Checked in the CLI tables, in the TUI (reader rows, span list,
top bar, note editor, search box, notifications) and in brat exports, which must never
write outside their folder whatever a document's key says.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from textual import events
from textual.widgets import Input

from annotui.cli import cli
from annotui.core.formats.jsonl import write_jsonl
from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"
ANNOTATOR = "ana"
ENV = {"ANNOTUI_ANNOTATOR": ANNOTATOR, "COLUMNS": "250", "LINES": "50", "NO_COLOR": "1",
       "TERM": "dumb"}
SIZE = (100, 30)

# what a terminal would act on: ESC (every CSI/OSC), BEL (ends an OSC), C1 CSI/OSC, and
# what reorders or hides text: bidi overrides and isolates, zero-width space
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\u202d", "\u2066", "\u200b")

MARKUP = "[@click=app.quit]x[/] [/] [bold red]loud"
PAYLOAD = ("\x1b[2J\x1b]0;pwned\x07 " + MARKUP + " \x1b]52;c;ZXZpbA==\x07 \x1b[6n"
           " \u202eevil\u202c zero\u200bwidth \x9b31m end")
TEXT = ("Title " + PAYLOAD + "\n"
        "A second line, plain, then the payload again: " + PAYLOAD + "\n"
        "Last line.\n")
EVIL_LABEL = "\u202eev\x9bil"     # label names may hold neither C0 nor whitespace, but this
MARKUP_LABEL = "[red]x"


def hostile(text: str) -> list[str]:
    return [ch for ch in FORBIDDEN if ch in text]


def run(*args: object, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=ENV,
                              catch_exceptions=True)


def ok(result: Result) -> Result:
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    return result


def clean_output(result: Result) -> None:
    both = result.stdout + (result.stderr or "")
    assert not hostile(both), (hostile(both), both)


# -- (a) the CLI's tables and messages ---------------------------------------------------


@pytest.fixture
def hostile_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database filled the way a user would: importing a hostile JSONL file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    db = tmp_path / "x.db"
    ok(run("labels", "add", MARKUP_LABEL, "--db", db, "--description", PAYLOAD))
    record = {
        "id": "key " + PAYLOAD[:20],
        "text": TEXT,
        "spans": [{"start": 6, "end": 6 + len(PAYLOAD), "label": "claim", "note": PAYLOAD},
                  {"start": 0, "end": 5, "label": EVIL_LABEL, "note": None},
                  {"start": 0, "end": 5, "label": MARKUP_LABEL, "note": None},
                  # a span of only a line break: brat warns about it, naming the key
                  {"start": TEXT.index("\n"), "end": TEXT.index("\n") + 1, "label": "claim"}],
        "annotator": "eve\x1b]0;pwned\x07",
        "status": "done",
        "meta": {"title": "[bold]T[/] " + PAYLOAD},
    }
    (tmp_path / "hostile.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    ok(run("import", "--db", db, "hostile.jsonl"))
    return db


def test_cli_tables_print_no_escape_and_markup_literally(hostile_db: Path) -> None:
    db = hostile_db
    docs = ok(run("docs", "--db", db, "--annotator", "eve\x1b]0;pwned\x07"))
    clean_output(docs)
    assert "[bold]T[/]" in docs.stdout and "␛" in docs.stdout
    assert "[@click=app.quit]" in docs.stdout or "[@click" in docs.stdout

    stats = ok(run("stats", "--db", db))
    clean_output(stats)
    assert MARKUP_LABEL in stats.stdout and "eve␛]0;pwned␇" in stats.stdout

    labels = ok(run("labels", "--db", db))
    clean_output(labels)
    assert MARKUP_LABEL in labels.stdout and "⇄ev" in labels.stdout

    info = ok(run("info", "--db", db, "--annotator", "ann\x1b[2J\u202e"))
    clean_output(info)
    assert "ann␛[2J" in info.stdout

    checked = ok(run("info", "--check", "--db", db))
    clean_output(checked)


def test_cli_messages_and_export_warnings_print_no_escape(hostile_db: Path,
                                                          tmp_path: Path) -> None:
    """Warnings name records by key and annotator, both straight from imported files."""
    result = ok(run("export", "--db", hostile_db, "--format", "brat", "-o", tmp_path / "b"))
    assert "warning" in result.stderr  # the line-break-only span is reported ...
    clean_output(result)               # ... without handing its key's ESC to the terminal


def test_cli_import_errors_print_no_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.chdir(tmp_path)
    bad = [{"text": "t", "spans": [{"start": 0, "end": 1, "label": PAYLOAD}]},
           {"text": "u", "spans": [{"start": 0, "end": 1, "label": "claim", "text": PAYLOAD}]},
           {"text": PAYLOAD, "status": PAYLOAD}]
    (tmp_path / ("name \x1b[2J\u202e.jsonl")).write_text(
        "".join(json.dumps(r) + "\n" for r in bad), encoding="utf-8")
    result = run("import", "--db", tmp_path / "x.db", "name \x1b[2J\u202e.jsonl")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.count("error") >= 3
    clean_output(result)


def test_stored_text_is_byte_for_byte_the_payload(hostile_db: Path) -> None:
    record = json.loads(ok(run("export", "--db", hostile_db)).stdout_bytes.decode("utf-8"))
    assert record["text"] == TEXT
    assert record["meta"]["title"] == "[bold]T[/] " + PAYLOAD
    notes = {s["note"] for s in record["spans"]}
    assert PAYLOAD in notes
    assert {s["label"] for s in record["spans"]} == {"claim", EVIL_LABEL, MARKUP_LABEL}


# -- (b) the TUI ------------------------------------------------------------------------


@pytest.fixture
def tui_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "t.db", annotator="alice")
    store.load_labels(LABELS)
    doc, _ = store.add_document(TEXT, title="Title " + PAYLOAD, key="k " + PAYLOAD[:12])
    store.add_span(doc, 6, 6 + len(PAYLOAD), "claim", note=PAYLOAD)
    store.ensure_label(MARKUP_LABEL)
    second = TEXT.index("A second")
    store.add_span(doc, second + 9, second + 13, MARKUP_LABEL, note="[@click=app.quit]n[/]")
    # a test that adds to the store afterwards re-takes this snapshot
    before = {"jsonl": exported(store)}
    yield store, doc, before
    after = exported(store)
    assert after == before["jsonl"], "showing the document changed what is stored"
    record = json.loads(after.split("\n")[0])
    assert record["text"] == TEXT and record["meta"]["title"] == "Title " + PAYLOAD
    assert PAYLOAD in {span["note"] for span in record["spans"]}
    store.close()


def exported(store: Store) -> str:
    out = io.StringIO()
    write_jsonl(store, out)
    return out.getvalue()


def screen_lines(app: AnnotuiApp) -> list[str]:
    """Every row the terminal would get, all layers composed (text only, no styles)."""
    return ["".join(seg.text for seg in strip)
            for strip in app.screen._compositor.render_strips()]


def widget_lines(widget) -> list[str]:  # type: ignore[no-untyped-def]
    return ["".join(seg.text for seg in widget.render_line(y))
            for y in range(widget.size.height)]


def own_lines(app: AnnotuiApp) -> list[str]:
    """The rows of the active screen's own widgets (not the screen under a modal)."""
    return [line for widget in app.screen.walk_children() if widget.size.height
            for line in widget_lines(widget)]


def assert_clean(lines: list[str], where: str) -> None:
    bad = [(n, line) for n, line in enumerate(lines) if hostile(line)]
    assert not bad, f"{where}: raw control/bidi characters reach the terminal: {bad}"


async def test_reader_rows_and_top_bar_show_the_payload_as_visible_symbols(tui_store) -> None:
    store, doc, _ = tui_store
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        reader = app.screen.query_one("#reader")
        rows = [line for line in widget_lines(reader)]
        assert_clean(rows, "reader")
        joined = "".join(rows)
        assert "␛[2J␛]0;pwned␇" in joined and "⇄evil⇄" in joined and "zero¦width" in joined
        assert "[@click=app.quit]x[/]" in joined and "[bold red]loud" in joined
        top = widget_lines(app.screen.query_one("#topbar"))
        assert_clean(top, "top bar")
        assert "␛[2J" in top[0] and "[@cli" in top[0]
        assert_clean(screen_lines(app), "screen")
        # keys and clicks over the literal [@click=app.quit] act on nothing
        await pilot.press("w", "w", "e", "right", "s", "escape", "tab", "j", "k", "G", "g")
        for x in range(2, 60, 3):
            await pilot.click("#topbar", offset=(x, 0))
            await pilot.click("#reader", offset=(x, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert_clean(screen_lines(app), "screen after keys")


async def test_span_list_and_legend_show_label_names_and_excerpts_visibly(tui_store) -> None:
    """Label names arrive with imported files too (a span's "label" creates the label)."""
    store, doc, before = tui_store
    store.ensure_label(EVIL_LABEL)
    second = TEXT.index("A second")
    store.add_span(doc, second, second + 8, EVIL_LABEL)
    before["jsonl"] = exported(store)
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        panel = widget_lines(app.screen.query_one("#spans"))
        joined = "\n".join(panel)
        assert "␛[2J" in joined  # the excerpt of the payload span, visible
        assert_clean(panel, "span list")
        assert_clean(widget_lines(app.screen.query_one("#legend")), "legend")
        assert_clean(screen_lines(app), "screen")


async def test_picker_shows_label_names_visibly(tui_store) -> None:
    store, doc, before = tui_store
    store.ensure_label(EVIL_LABEL)
    second = TEXT.index("A second")
    store.add_span(doc, second, second + 8, EVIL_LABEL)
    before["jsonl"] = exported(store)
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert type(app.screen).__name__ == "PickerScreen"
        assert_clean(own_lines(app), "document picker")
        table = app.screen.query_one("#docs")
        table.scroll_to(x=table.max_scroll_x, animate=False)  # the last label columns
        await pilot.pause()
        assert_clean(own_lines(app), "document picker, scrolled right")


async def test_help_screen_shows_label_names_and_guidelines_visibly(tui_store) -> None:
    store, doc, before = tui_store
    store.ensure_label(EVIL_LABEL)
    store.set_label_description(EVIL_LABEL, PAYLOAD)
    before["jsonl"] = exported(store)
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        lines = own_lines(app)
        assert_clean(lines, "help screen")
        assert any("[@click=app.quit]x[/]" in line for line in lines)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


async def test_note_editor_shows_a_hostile_note_visibly(tui_store) -> None:
    """Notes come in with imported files: the editor must not hand their ESC to the
    terminal, and saving an untouched note must not change it."""
    store, doc, _ = tui_store
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.screen.query_one("#reader").move_to(8)  # inside the payload span
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "NoteEditor"
        assert_clean(own_lines(app), "note editor")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


async def test_search_box_shows_a_pasted_payload_visibly(tui_store) -> None:
    store, doc, _ = tui_store
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        box = app.screen.query_one("#search", Input)
        box.post_message(events.Paste(PAYLOAD + " not in the text"))
        await pilot.pause()
        assert box.value.startswith(PAYLOAD)
        assert_clean(screen_lines(app), "search box")


async def test_not_found_notification_shows_the_payload_literally(tui_store) -> None:
    store, doc, _ = tui_store
    app = AnnotuiApp(store, doc)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        box = app.screen.query_one("#search", Input)
        needle = "[@click=app.quit]q[/] " + PAYLOAD + " not in the text"
        box.post_message(events.Paste(needle))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.2)
        messages = [str(n.message) for n in app._notifications]
        assert any(m.startswith("not found: [@click=app.quit]q[/] ␛[2J") for m in messages), \
            messages
        toasts = [line for line in screen_lines(app) if "not found" in line]
        assert toasts and "[@click=app.quit]q[/]" in toasts[0]
        assert_clean(screen_lines(app), "screen with the notification")
        # clicking the toast (where the link would be) dismisses it, nothing more
        await pilot.click("Toast", offset=(14, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None


# -- (c) brat never writes outside its folder -------------------------------------------


def _files(root: Path) -> set[str]:
    found = set()
    for folder, _dirs, files in os.walk(root):
        for name in files:
            found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


def test_brat_export_writes_only_inside_its_folder(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    (tmp_path / "db").mkdir()
    db = tmp_path / "db" / "x.db"
    outside = tmp_path / "outside"
    keys = ["../../evil", "/abs/path", str(outside / "pwn"), "..", ".", "a/../../b",
            "..\\..\\win", "C:\\evil", "con", "nul.txt", ".hidden", "~/home",
            "\x1b]0;pwned\x07", "x" * 300, "/"]
    with Store(db, annotator=ANNOTATOR) as store:
        store.load_labels(LABELS)
        for n, key in enumerate(keys):
            doc, _ = store.add_document(f"Document number {n}, about {key!r}.\n", key=key)
            store.add_span(doc, 0, 8, "claim")
        with Store(db, annotator="../../who") as other:
            other.add_span(1, 0, 8, "claim")
        before = {k: store.document_by_key(k) is not None for k in keys}
    assert all(before.values())
    everything_before = _files(tmp_path)
    target = work / "brat"
    ok(run("export", "--db", db, "--format", "brat", "-o", target))
    created = {p for p in _files(tmp_path) - everything_before if not p.startswith("db" + os.sep)}
    assert created, "nothing written"
    assert all(path.startswith(os.path.relpath(target, tmp_path) + os.sep) for path in created), \
        sorted(p for p in created if not p.startswith("work"))
    assert not outside.exists() and not Path("/abs").exists()
    for path in created:
        real = os.path.realpath(tmp_path / path)
        assert real.startswith(str(target.resolve()) + os.sep), real
        assert len(os.path.basename(real).encode()) <= 255
    # and the keys come back exactly, from annotui's sidecar
    other_db = tmp_path / "back.db"
    ok(run("import", "--db", other_db, "--format", "brat", target))
    with Store(other_db, annotator=ANNOTATOR) as back:
        assert sorted(back.document(i).key for i in back.document_ids()) == sorted(keys)
