"""kill -9 the real TUI while it labels: every span it painted as saved is in the database.

annotui runs in a pseudo-terminal with ANNOTUI_PAINT_LOG set, so it appends each span to a
log once the span is on screen; keys label sentence after sentence, and the process is
killed at a random moment. Invariant I1: every logged span is stored, exactly once.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from test_signals import Terminal  # the pty harness of the signal tests

from annotui import resources
from annotui.core.store import Store


@pytest.mark.parametrize("seed", range(4))
def test_kill_9_in_the_tui_loses_no_painted_span(tmp_path: Path, monkeypatch, seed: int
                                                 ) -> None:
    db = tmp_path / "tui.db"
    log = tmp_path / "painted.log"
    with Store(db, annotator="alice") as store:
        store.load_labels(resources.default_labels())
        store.add_document(resources.sample_article().read_text(encoding="utf-8"))
    monkeypatch.setenv("ANNOTUI_PAINT_LOG", str(log))
    rng = random.Random(seed)
    term = Terminal(db)
    try:
        term.wait_drawn(b"Azerbaijan", timeout=10)
        deadline = time.monotonic() + rng.uniform(0.8, 2.5)
        while time.monotonic() < deadline:
            # the next sentence (or clause), select it, label it 1, 2 or 3
            term.send(rng.choice([")s", "\x3bc", "ws"]) + rng.choice("123"))
            time.sleep(rng.uniform(0.0, 0.08))
        term.proc.kill()  # SIGKILL: no handler, no cleanup
        term.proc.wait(5)
    finally:
        term.close()
    painted: dict[int, str] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        span_id, state = line.split(" ", 1)
        painted[int(span_id)] = state
    assert len(painted) >= 2, "the test labelled (almost) nothing: keys did not reach the TUI"
    with Store(db, annotator="alice", readonly=True) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {s.id: f"{s.start} {s.end} {s.label}"
                  for s in store.spans(store.document_ids()[0])}
        rows = store.conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    assert rows == len(stored)  # each span once
    lost = {span: state for span, state in painted.items() if stored.get(span) != state}
    assert not lost, f"painted as saved but not stored: {lost}"
