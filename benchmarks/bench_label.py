"""Label a span: Store.add_span, and keypress-to-repainted in the TUI, vs a bare commit.

    python benchmarks/bench_label.py [--quick]

Floor, measured in the same run (interleaved, on the same disk): a bare ``BEGIN IMMEDIATE;
INSERT; COMMIT`` into a plain sqlite3 table with the same pragmas (WAL, synchronous=FULL).
The TUI figure: from the ``1`` key event entering AnnotuiApp (a sentence selected with
``s``) to the end of the last frame, with the new span in ``reader.index``; it also
checks that the commit returned before the first frame was drawn. TEXTUAL_FPS=1000 takes
the 60 fps frame timer's phase out of the figure (see bench_reader.py).
"""

from __future__ import annotations

import os

os.environ["TEXTUAL_FPS"] = "1000"  # before textual is imported

import argparse  # noqa: E402
import asyncio  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import gen  # noqa: E402
from bench_reader import make_db  # noqa: E402
from gen import instrument, settle  # noqa: E402
from textual import events  # noqa: E402
from textual.keys import _character_to_key  # noqa: E402

from annotui.core.schema import StoreError  # noqa: E402
from annotui.core.store import Store  # noqa: E402
from annotui.tui.app import AnnotuiApp  # noqa: E402
from annotui.tui.widgets.reader import Reader  # noqa: E402


def bare_table(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute('CREATE TABLE spans (id INTEGER PRIMARY KEY, document_id INTEGER, start INTEGER,'
                 ' "end" INTEGER, label TEXT, annotator TEXT)')
    return conn


def bare_insert(conn: sqlite3.Connection, i: int) -> float:
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute('INSERT INTO spans (document_id, start, "end", label, annotator)'
                 " VALUES (1, ?, ?, 'claim', 'bench')", (i, i + 10))
    conn.execute("COMMIT")
    return time.perf_counter() - t0


def store_adds(tmp: Path, n: int) -> tuple[list[float], list[float]]:
    """add_span and the bare commit, interleaved so both see the same disk weather."""
    text = gen.prose(50_000)
    doc = make_db(tmp / "store.db", text, 0)
    store = Store(tmp / "store.db", annotator="bench")
    conn = bare_table(tmp / "bare.db")
    ours, floor = [], []
    for i in range(n):
        start = (i * 131) % (len(text) - 60)
        floor.append(bare_insert(conn, i))
        t0 = time.perf_counter()
        try:
            store.add_span(doc, start, start + 5 + i % 40, gen.LABELS[i % 3])
        except StoreError:
            continue
        ours.append(time.perf_counter() - t0)
    store.close()
    conn.close()
    return ours, floor


async def tui_labels(db: Path, doc: int, n: int) -> tuple[list[float], int]:
    """Keypress `1` to repainted, per label; and how often a frame came before the commit."""
    store = Store(db, annotator="bench")
    commits: list[float] = []
    original = store.add_span

    def add_span(*args, **kwargs):  # type: ignore[no-untyped-def]
        span = original(*args, **kwargs)
        commits.append(time.perf_counter())
        return span

    store.add_span = add_span  # type: ignore[method-assign]
    app = AnnotuiApp(store, doc)
    frames = instrument(app)
    costs, early = [], 0

    async def press(key: str) -> float:
        frames.clear()
        t0 = time.perf_counter()
        name = key if key.isalnum() else _character_to_key(key)  # ")" -> right_parenthesis
        app._driver.send_message(events.Key(name, key))  # type: ignore[union-attr]
        await settle(frames=frames)
        return t0

    async with app.run_test(size=(160, 50)):
        await settle()
        reader = app.screen.query_one(Reader)
        for _ in range(n + 2):
            await press(")")
            await press(")")  # every other sentence: never an existing span
            await press("s")
            before = len(reader.index)
            commits.clear()
            t0 = await press("1")
            if len(reader.index) != before + 1 or not frames:
                continue  # refused (e.g. a sentence already labelled): not a label
            costs.append(frames[-1] - t0)
            if not commits or frames[0] < commits[0]:
                early += 1
    store.close()
    return costs[2:], early


def row(name: str, values: list[float], floor: list[float], goal: bool) -> list[str]:
    p50, p99 = gen.median(values) * 1000, gen.pct(values, 99) * 1000
    f50, f99 = gen.median(floor) * 1000, gen.pct(floor, 99) * 1000
    ok = p50 <= 5 and p99 <= 20
    return [name, str(len(values)), f"{p50:.2f}", f"{p99:.2f}", f"{p50 / f50:.2f}x",
            f"{p99 / f99:.2f}x", gen.verdict(ok) if goal else ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer labels")
    args = parser.parse_args()
    n = 40 if args.quick else 300
    tui_n = 15 if args.quick else 100
    tmp = gen.tmpdir()
    print(f"# bench_label ({'quick' if args.quick else 'full'}; {gen.env_line()})", flush=True)
    ours, floor = store_adds(tmp, n)
    text = gen.prose(400_000, seed=7)
    tui = {}
    for nspans in (0, 10_000):
        db = tmp / f"tui{nspans}.db"
        doc = make_db(db, text, nspans)
        with Store(db, annotator="bench") as store:
            store.save_position(doc, 0)
        tui[nspans] = asyncio.run(tui_labels(db, doc, tui_n))
        print(f"  TUI with {nspans} spans: {len(tui[nspans][0])} labels", flush=True)
    conn = bare_table(tmp / "bare2.db")  # a fresh floor sample, after the TUI runs
    floor2 = [bare_insert(conn, i) for i in range(n)]
    conn.close()
    print("\nLabel a span, ms; goal: keypress to committed and repainted p50 <= 5, p99 <= 20;"
          " commit before repaint")
    rows = [row("Store.add_span (in-process)", ours, floor, False)]
    for nspans, (costs, _early) in tui.items():
        rows.append(row(f"TUI key 1 to repainted, {nspans // 1000}k spans on the document",
                        costs, floor + floor2, True))
    f50, f99 = gen.median(floor + floor2) * 1000, gen.pct(floor + floor2, 99) * 1000
    rows.append(["bare INSERT + COMMIT (floor)", str(len(floor + floor2)), f"{f50:.2f}",
                 f"{f99:.2f}", "1.00x", "1.00x", ""])
    print(gen.table(["what", "n", "p50 ms", "p99 ms", "p50 / floor", "p99 / floor", "goal"],
                    rows))
    for nspans, (_costs, early) in tui.items():
        print(f"frames drawn before the commit returned ({nspans} spans): {early}"
              f" ({gen.verdict(early == 0)})")


if __name__ == "__main__":
    main()
