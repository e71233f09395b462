"""Shared helpers for the TUI tests: a labelled store, an app factory, and readers of the
database through a *fresh* connection (what is there is what was committed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotui.core.model import Span
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(db_path, annotator="alice")
    assert s.load_labels(LABELS) == 3  # claim=1, commitment=2, invitation=3
    yield s
    s.close()


def fresh(path: Path) -> Store:
    """Another connection on the same file: it only sees committed rows."""
    return Store(path, annotator="alice")


def _committed_spans(path: Path, doc_id: int) -> list[Span]:
    with fresh(path) as other:
        return other.spans(doc_id)


def shape(spans: list[Span]) -> list[tuple[int, int, int, str, str | None]]:
    return [(s.id, s.start, s.end, s.label, s.note) for s in spans]


@pytest.fixture
def commit_guard(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Every time the screen shows a span set (reader or panel), a fresh connection must
    already see exactly that set: nothing is shown as saved that is not committed."""
    from annotui.tui.widgets.reader import Reader
    from annotui.tui.widgets.span_list import SpanList

    problems: list[str] = []
    state: dict[str, Store | None] = {"store": None}

    def check(where: str, spans: list[Span]) -> None:
        s = state["store"]
        if s is None:
            return
        if s.conn.in_transaction:
            problems.append(f"{where}: shown while a transaction is still open")
        doc_ids = {sp.document_id for sp in spans}
        for doc_id in doc_ids:
            seen = shape(_committed_spans(s.path, doc_id))
            shown = shape([sp for sp in spans if sp.document_id == doc_id])
            if seen != shown:
                problems.append(f"{where}: shown {shown} but committed {seen}")

    original_set_spans = Reader.set_spans
    original_show = SpanList.show

    def set_spans(self, spans, changed=()):  # type: ignore[no-untyped-def]
        check("Reader.set_spans", list(spans))
        return original_set_spans(self, spans, changed)

    def show(self, spans, *args, **kwargs):  # type: ignore[no-untyped-def]
        check("SpanList.show", list(spans))
        return original_show(self, spans, *args, **kwargs)

    monkeypatch.setattr(Reader, "set_spans", set_spans)
    monkeypatch.setattr(SpanList, "show", show)

    class Guard:
        def watch(self, s: Store) -> None:
            state["store"] = s

        @property
        def problems(self) -> list[str]:
            return problems

    return Guard()
