"""The document picker (`o`) on a big corpus: opening it, and a key typed in its filter.

    python benchmarks/bench_picker.py [--quick] [--docs 20000]

Issue 6 names no goal for it; its rule that nothing per keystroke may cost in proportion
to the document applies (here, to the corpus). The floor is what the picker was before:
a Textual DataTable holding one row per document, cleared and filled again with the
matching rows on each key of the filter, in a bare App, headless 160x50, same rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TEXTUAL_FPS", "1000")  # as bench_reader: no frame-timer phase
sys.path.insert(0, str(Path(__file__).parent))
import gen  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App  # noqa: E402
from textual.widgets import DataTable, Input  # noqa: E402

from annotui.core.formats import ImportSpan, Record  # noqa: E402
from annotui.core.store import Store  # noqa: E402
from annotui.tui.app import AnnotuiApp  # noqa: E402

SIZE = (160, 50)
TYPED = "rep"  # every title starts "Report": each key keeps every row, the worst case


def make_db(path: Path, docs: int) -> int:
    with Store(path, annotator="bench") as store:
        from annotui import resources

        store.load_labels(resources.default_labels())
        for start in range(0, docs, 2000):
            records = [Record(text=f"Text number {n}. " + gen.prose(300, seed=n)[:300],
                              key=f"doc-{n}", title=f"Report {n}",
                              spans=[ImportSpan(0, 4, "claim", None, None)])
                       for n in range(start, min(docs, start + 2000))]
            with store.transaction():
                store.import_records(records, "bench")
        first = store.document_ids()[0]
        store.save_position(first, 0)
        return first


async def press(app: App, frames: list[float], key: str) -> float:
    frames.clear()
    t0 = time.perf_counter()
    app._driver.send_message(events.Key(key, key))  # type: ignore[union-attr]
    await gen.settle(frames=frames)
    return (frames[-1] - t0) * 1000 if frames else float("nan")


async def ours(db: Path) -> tuple[float, list[float]]:
    store = Store(db, annotator="bench")
    app = AnnotuiApp(store)
    frames = gen.instrument(app)
    async with app.run_test(size=SIZE):
        await gen.settle()
        opened = await press(app, frames, "o")
        keys = [await press(app, frames, ch) for ch in TYPED]
    store.close()
    return opened, keys


class TableApp(App[None]):
    """The floor: the picker as it was, a DataTable refilled on every filter key."""

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self):  # type: ignore[no-untyped-def]
        yield Input(id="filter")
        yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill(event.value.lower())

    def fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            if query in row[1].lower():
                table.add_row(*row)


async def floor(db: Path) -> tuple[float, list[float]]:
    with Store(db, annotator="bench") as store:
        rows = [(str(n), d.title, d.status, f"{d.length:,}")
                for n, d in enumerate(store.documents(count_spans=False), 1)]
    app = TableApp(rows)
    frames = gen.instrument(app)
    async with app.run_test(size=SIZE):
        await gen.settle()
        table = app.query_one(DataTable)
        for name in ("#", "title", "status", "chars"):
            table.add_column(name)
        frames.clear()
        t0 = time.perf_counter()
        app.fill("")
        await gen.settle(frames=frames)
        opened = (frames[-1] - t0) * 1000 if frames else float("nan")
        app.query_one(Input).focus()
        await gen.settle()
        keys = [await press(app, frames, ch) for ch in TYPED]
    return opened, keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 documents")
    parser.add_argument("--docs", type=int, default=20_000)
    args = parser.parse_args()
    docs = 2_000 if args.quick else args.docs
    tmp = gen.tmpdir()
    db = tmp / "picker.db"
    print(f"# bench_picker ({docs:,} documents; {gen.env_line()})", flush=True)
    make_db(db, docs)
    a_open, a_keys = asyncio.run(ours(db))
    f_open, f_keys = asyncio.run(floor(db))
    a_key, f_key = gen.median(a_keys), gen.median(f_keys)
    print(f"  annotui: open {a_open:.0f} ms, filter keys",
          ", ".join(f"{k:.1f}" for k in a_keys), "ms")
    print(f"  DataTable: fill {f_open:.0f} ms, filter keys",
          ", ".join(f"{k:.0f}" for k in f_keys), "ms")
    print(f"\nDocument picker on {docs:,} documents (headless 160x50; every key keeps every row)")
    print(gen.table(["what", "annotui ms", "DataTable ms", "ratio"], [
        ["open (`o` to its settled frame)", f"{a_open:.0f}", f"{f_open:.0f}",
         f"{a_open / f_open:.3f}x"],
        ["a key typed in the filter (median)", f"{a_key:.1f}", f"{f_key:.0f}",
         f"{a_key / f_key:.3f}x"]]))


if __name__ == "__main__":
    main()
