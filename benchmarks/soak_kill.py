"""Soak: kill -9 the store loop at random moments, many times; no acknowledged change lost.

    python benchmarks/soak_kill.py [--quick] [--trials 1000] [--seed 0]

The CI test (tests/reliability/test_kill.py, 200 trials) in a longer run: the same child
(tests/reliability/kill_worker.py labels, relabels, deletes, undoes and redoes, printing
an ACK after each commit) and the same check (each ACKed span's state must be in the
database; only the one change in flight may differ), on one database that grows over
all trials. Losses are counted instead of stopping at the first.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import gen  # noqa: E402

from annotui import resources  # noqa: E402
from annotui.core.store import Store  # noqa: E402

TEST = Path(__file__).resolve().parents[1] / "tests" / "reliability" / "test_kill.py"


def load_test_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("annotui_test_kill", TEST)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trial(kt, path: Path, seed: int) -> tuple[int, int, bool]:  # type: ignore[no-untyped-def]
    """(acknowledged spans checked, lost, database checks ok) for one kill."""
    checked, differing, in_flight, ok = kt.run_trial(path, seed)
    return checked, max(0, len(differing) - (1 if in_flight else 0)), ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 trials")
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    trials = 50 if args.quick else args.trials
    kt = load_test_module()
    path = gen.tmpdir("annotui-soak-") / "kill.db"
    with Store(path, annotator="killer") as store:
        store.load_labels(resources.default_labels())
        store.add_document(resources.sample_article().read_text(encoding="utf-8"))
    checked = lost = bad = 0
    started = time.perf_counter()
    for i in range(trials):
        acks, missing, ok = trial(kt, path, seed=args.seed * 1_000_000 + 100_000 + i)
        checked, lost, bad = checked + acks, lost + missing, bad + (not ok)
        if missing or not ok:
            print(f"  trial {i}: {missing} lost, integrity {'ok' if ok else 'FAILED'}",
                  flush=True)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1} trials, {checked:,} acknowledged spans checked, {lost} lost",
                  flush=True)
    with Store(path, annotator="checker") as store:
        counts = store.counts()
    took = time.perf_counter() - started
    print(f"\nkill -9 soak ({took:.0f} s; final database: {counts['spans']:,} spans,"
          f" {counts['events']:,} events); goal: 0 lost, every integrity check ok")
    print(gen.table(["trials", "acknowledged spans checked", "lost", "integrity failures",
                     "goal"], [[trials, f"{checked:,}", lost, bad,
                                gen.verdict(lost == 0 and bad == 0)]]))
    sys.exit(1 if lost or bad else 0)


if __name__ == "__main__":
    main()
