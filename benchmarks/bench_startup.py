"""Start-up: process start to the first frame showing the sample article, in a real pty.

    python benchmarks/bench_startup.py [--quick] [--runs 5]

``annotui --db fresh.db`` (a new database each run: the first run imports the bundled
sample) vs a bare Textual App with one Static holding the same first sentence, started
the same way. Both are timed until the terminal output contains "Azerbaijan", with
their bytecode cached (one warm-up start each first).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import gen  # noqa: E402

NEEDLE = b"Azerbaijan"

BARE_APP = textwrap.dedent("""
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("\u201cAzerbaijan and the countries of Central Asia represent a single"
                         " historical, cultural, and geopolitical space\u201d")

    Bare().run()
""")


# Both sides start from cached bytecode, as after `pip install` (which compiles it). Where
# PYTHONDONTWRITEBYTECODE is set, an editable checkout would otherwise recompile every
# annotui module on each start while Textual loads its installed .pyc files.
ENV: dict[str, str] = {"PYTHONDONTWRITEBYTECODE": ""}


def first_frame(argv: list[str], cwd: str) -> float:
    term = gen.Pty(argv, cwd=cwd, env=ENV)
    try:
        return term.read_until(NEEDLE, timeout=60)
    finally:
        term.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    tmp = gen.tmpdir()
    bare = tmp / "bare_app.py"
    bare.write_text(BARE_APP, encoding="utf-8")
    annotui = gen.venv_bin("annotui")
    ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")  # filled by the warm-up starts below
    print(f"# bench_startup ({runs} runs; {gen.env_line()})", flush=True)
    first_frame([sys.executable, str(bare)], str(tmp))  # warm the OS file cache for both
    first_frame([annotui, "--db", str(tmp / "warm.db")], str(tmp))
    ours: list[float] = []
    floor: list[float] = []
    again: list[float] = []
    for i in range(runs):
        # interleaved, so all three see the same machine weather, and in a rotating order,
        # so that none always follows the same one (a warm cache, a checkpoint)
        starts = [(floor, [sys.executable, str(bare)]),
                  (ours, [annotui, "--db", str(tmp / f"fresh{i}.db"), "--annotator", "bench"]),
                  (again, [annotui, "--db", str(tmp / "warm.db"), "--annotator", "bench"])]
        for times, argv in starts[i % 3:] + starts[:i % 3]:
            times.append(first_frame(argv, str(tmp)))
        print(f"  run {i + 1}: annotui fresh {ours[-1]:.3f}s, existing {again[-1]:.3f}s,"
              f" bare App {floor[-1]:.3f}s", flush=True)
    o, f, a = gen.median(ours), gen.median(floor), gen.median(again)
    # the ratio of each run to its own floor, then the median: this machine's speed
    # drifts between runs, and a run's three starts are seconds apart
    ro = gen.median([x / y for x, y in zip(ours, floor, strict=True)])
    ra = gen.median([x / y for x, y in zip(again, floor, strict=True)])
    print(f"\nStart-up to the first frame showing the sample (pty 160x50; median of {runs},"
          " the ratio is the median of each run's own ratio);"
          " goal <= 1.2x the bare App")
    print(gen.table(["what", "s", "ratio", "goal"], [
        ["annotui --db fresh.db (imports the sample)", f"{o:.3f}", f"{ro:.2f}x",
         gen.verdict(ro <= 1.2)],
        ["annotui --db existing.db", f"{a:.3f}", f"{ra:.2f}x", gen.verdict(ra <= 1.2)],
        ["bare Textual App + Static (floor)", f"{f:.3f}", "1.00x", ""]]))


if __name__ == "__main__":
    main()
