"""`annotui docs` on a big corpus: drawn line by line, every line as wide as the box."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from annotui.core import reports
from annotui.core.formats import ImportSpan, Record
from annotui.core.store import Store


def test_docs_lists_every_document_line_by_line_without_a_rich_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "r.db", annotator="alice")
    records = [Record(text=f"Text 😀 number {n}.", key=f"doc-{n}", title=f"Report {n} 中文",
                      spans=[ImportSpan(0, 4, "claim", None, None)] if n % 2 else [])
               for n in range(3_000)]
    with store.transaction():
        store.import_records(records, "alice")
    store.set_status(store.first_document() or 0, "done")

    def no_table(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a rich Table lays out every cell before the first line")

    monkeypatch.setattr(reports, "Table", no_table)
    lines = [line.plain for line in reports.docs_listing(store, width=100)]
    assert lines[0] == "3,000 documents · annotator alice"
    box = lines[1:]
    assert len(box) == 3 + 3_000 + 1  # top, header, rule, the rows, bottom
    assert len({cell_len(line) for line in box}) == 1  # one box, straight edges
    cells = [c.strip() for c in box[3].split("│")[1:-1]]
    assert cells == ["1", "doc-0", "Report 0 中文", "16", "done", "0", "0"]  # code points
    assert [c.strip() for c in box[4].split("│")[1:-1]][-2:] == ["1", "1"]
    store.close()
