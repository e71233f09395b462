"""The annotui application: opens the store, shows the main screen, wires the palette."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.screen import Screen

from annotui import resources
from annotui.core.store import Store
from annotui.tui import keymap


class AnnotuiApp(App[int]):
    TITLE = "annotui"
    CSS_PATH = str(resources.styles_dir() / "annotui.tcss")
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, store: Store, doc_id: int | None = None, *,
                 snap_words: bool = True, review: bool = False) -> None:
        super().__init__()
        self.store = store
        self.snap_words = snap_words
        self.review = review
        self._doc_id = doc_id

    def get_default_screen(self) -> Screen:
        # the main screen is the app's first screen, not pushed over a blank one: that
        # one would be styled and laid out for nothing before the first frame
        from annotui.tui.screens.main_screen import MainScreen

        doc_id, cursor = self._doc_id, None
        if doc_id is None:
            resume = self.store.last_position()
            if resume and self.store.has_document(resume[0]):
                doc_id, cursor = resume
            else:
                doc_id = self.store.first_document()
                # prepare_for_reader gives an empty database the sample, or refuses it
                # when it may only be read
                assert doc_id is not None
        if cursor is None:
            cursor = self.store.position(doc_id)
        return MainScreen(self.store, doc_id, cursor, review=self.review)

    def on_mount(self) -> None:
        # An SSH drop or a kill: every change is already committed, so just leave cleanly
        # (Textual restores the terminal on exit); 128 + signal number, as shells expect.
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            # not on every platform, nor outside the main thread (tests)
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, self.exit, 128 + signum)

    def on_ready(self) -> None:
        # the first frame is out: now load what the first keys will need (regex and the
        # motions' patterns, the sentence splitter, the grapheme tokenizer), ~20 ms the
        # first frame did not wait for
        from annotui.core import lazyre
        from annotui.tui import cells

        lazyre.warm()
        cells.warm()
        import sentencex  # noqa: F401

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from annotui.tui.screens.main_screen import MainScreen
        from annotui.tui.widgets.reader import Reader

        if not isinstance(screen, MainScreen):
            return
        reader = screen.query_one(Reader)
        reader_ids = {b.id for b in Reader.BINDINGS if hasattr(b, "id")}
        for binding in keymap.bindings():
            target = reader if binding.id in reader_ids else screen
            action = binding.action

            async def run(target=target, action=action) -> None:  # type: ignore[no-untyped-def]
                await target.run_action(action)

            yield SystemCommand(binding.description.capitalize(),
                                f"{keymap.key_text(binding)} — {binding.id}", run)


def run(db_path: Path, annotator: str, doc_id: int | None, *, readonly: bool = False,
        review: bool = False) -> int:
    """Open the TUI on a database; returns the exit code."""
    store = Store(db_path, annotator=annotator, readonly=readonly)
    try:
        code = AnnotuiApp(store, doc_id, review=review).run()
    finally:
        store.close()
    return code or 0
