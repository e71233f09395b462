"""Screenshots of the key screens (pytest-textual-snapshot); update with --snapshot-update.

Each picture is what a user judges: the sample with a span of each label and an overlap,
at 80x24 and squeezed to 40x12, the help screen and the document picker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotui import resources
from annotui.core.store import Store
from annotui.tui.app import AnnotuiApp

SAMPLE = resources.sample_article().read_text(encoding="utf-8")


def _range(first: str, last: str) -> tuple[int, int]:
    start = SAMPLE.index(first)
    return start, SAMPLE.index(last, start) + len(last)


@pytest.fixture
def app(tmp_path: Path) -> AnnotuiApp:
    store = Store(tmp_path / "snap.db", annotator="ana")
    store.load_labels(resources.default_labels())
    doc, _ = store.add_document(SAMPLE, key="sample-article",
                                title="Aliyev: Azerbaijan and Central Asia share one space")
    store.add_document("A second document, still to do.\n", key="second", title="Second")
    store.add_span(doc, *_range("Azerbaijan and the countries", "strategic importance."),
                   "claim")
    # an overlap: a commitment inside the claim
    store.add_span(doc, *_range("Our peoples", "common values"), "commitment", note="shared")
    store.add_span(doc, *_range("Our peoples share", "history"), "claim")
    store.add_span(doc, *_range("I have already sent", "in November"), "invitation")
    store.save_position(doc, 0)
    return AnnotuiApp(store, doc)


def test_main_screen_80x24(snap_compare, app: AnnotuiApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24))


def test_main_screen_40x12(snap_compare, app: AnnotuiApp) -> None:
    assert snap_compare(app, terminal_size=(40, 12))


def test_selection_and_cursor(snap_compare, app: AnnotuiApp) -> None:
    assert snap_compare(app, press=["}", "w", "v", "w", "w"], terminal_size=(80, 24))


def test_help_screen(snap_compare, app: AnnotuiApp) -> None:
    assert snap_compare(app, press=["question_mark"], terminal_size=(100, 40))


def test_picker(snap_compare, app: AnnotuiApp) -> None:
    assert snap_compare(app, press=["o"], terminal_size=(100, 24))
