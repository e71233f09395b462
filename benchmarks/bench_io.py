"""Import and export throughput and peak memory, against sqlite-utils and the sqlite3 CLI.

    python benchmarks/bench_io.py [--quick] [--docs 100000] [--runs 3]

Import: ``annotui import corpus.jsonl`` (documents ~3 KB, 10 spans each) vs
``sqlite-utils insert DB docs corpus.jsonl --nl`` of the same file into a plain table.
Export: ``annotui export -o out.jsonl`` vs the ``sqlite3`` CLI printing the same records
with JSON built in SQL (``json_object`` / ``json_group_array``). Every figure is a whole
process (start-up included), median of --runs; peak RSS from ``wait4`` of that child.

The Python children run with their bytecode cached (PYTHONPYCACHEPREFIX in the run's
temporary folder, after one warm-up call each), as an installed package has it: with
PYTHONDONTWRITEBYTECODE set, an editable checkout would compile every module of
annotui on every call (~0.3 s), while sqlite-utils' site-packages have theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import gen  # noqa: E402

EXPORT_SQL = """
SELECT json_object(
  'id', d.key, 'text', d.text,
  'spans', (SELECT json_group_array(json_object('start', s.start, 'end', s."end",
              'label', s.label, 'text', substr(d.text, s.start + 1, s."end" - s.start),
              'annotator', s.annotator, 'note', s.note))
            FROM (SELECT sp.*, l.name AS label FROM spans sp JOIN labels l ON l.id = sp.label_id
                  WHERE sp.document_id = d.id ORDER BY sp.start, sp."end", l.name) s),
  'annotator', (SELECT min(annotator) FROM spans WHERE document_id = d.id),
  'status', coalesce((SELECT min(status) FROM statuses WHERE document_id = d.id), 'todo'),
  'meta', json_patch(json_object('title', d.title, 'source', d.source), d.meta))
FROM documents d ORDER BY d.position;
"""


ENV = dict(os.environ)


def run(argv: list[str], stdout: Path | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB, CPU seconds) of one child process and the processes
    it waited for (annotui's import reads a large file in a second process: the CPU
    figure adds both, the peak RSS is the larger of the two); raises if it fails."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    t0 = time.perf_counter()
    child = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=ENV)
    err = child.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if stdout:
        out.close()  # type: ignore[union-attr]
    if child.returncode:
        raise SystemExit(f"{argv[0]} failed ({child.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def same_records(ours: Path, floor: Path, limit: int = 2000) -> bool:
    """The two exports hold the same records (ids, texts, spans, annotator, status)."""
    def key(line: str) -> tuple:  # type: ignore[type-arg]
        r = json.loads(line)
        spans = [(s["start"], s["end"], s["label"], s["text"], s["annotator"], s["note"])
                 for s in r["spans"] or []]
        return r["id"], r["text"], spans, r["annotator"], r["status"], r["meta"]

    with open(ours, encoding="utf-8") as a, open(floor, encoding="utf-8") as b:
        for n, (x, y) in enumerate(zip(a, b, strict=False)):
            if n >= limit:
                break
            if key(x) != key(y):
                return False
    return sum(1 for _ in open(ours, "rb")) == sum(1 for _ in open(floor, "rb"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 documents, 2 runs")
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    docs = 2_000 if args.quick else args.docs
    runs = 2 if args.quick else args.runs
    tmp = gen.tmpdir()
    corpus = tmp / "corpus.jsonl"
    size = gen.jsonl_corpus(corpus, docs)
    print(f"# bench_io ({docs:,} documents, {docs * 10:,} spans, {size / 1e6:.0f} MB;"
          f" {runs} runs; {gen.env_line()})", flush=True)
    annotui, sqlite_utils = gen.venv_bin("annotui"), gen.venv_bin("sqlite-utils")
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    # warm-up: every module the timed runs use, compiled once and cached
    warm = tmp / "warm.jsonl"
    warm.write_text(corpus.open(encoding="utf-8").readline(), encoding="utf-8")
    run([annotui, "import", str(warm), "--db", str(tmp / "warm.db")])
    run([annotui, "export", "--db", str(tmp / "warm.db"), "-o", str(tmp / "warm-out.jsonl")])
    run([sqlite_utils, "insert", str(tmp / "warm-plain.db"), "docs", str(warm), "--nl"])
    db = tmp / "annotui.db"
    imp_ours, imp_floor = [], []
    for i in range(runs):
        for path in tmp.glob("*.db*"):
            path.unlink()
        imp_floor.append(run([sqlite_utils, "insert", str(tmp / "plain.db"), "docs",
                              str(corpus), "--nl"]))
        imp_ours.append(run([annotui, "import", str(corpus), "--db", str(db),
                             "--annotator", "bench"]))
        print(f"  import run {i + 1}: annotui {imp_ours[-1][0]:.1f}s, sqlite-utils"
              f" {imp_floor[-1][0]:.1f}s", flush=True)
    exp_ours, exp_floor = [], []
    out_ours, out_floor = tmp / "ours.jsonl", tmp / "floor.jsonl"
    for i in range(runs):
        exp_ours.append(run([annotui, "export", "--db", str(db), "-o", str(out_ours)]))
        exp_floor.append(run(["sqlite3", "-readonly", "-batch", "-noheader", "-list", str(db),
                              EXPORT_SQL], stdout=out_floor))
        print(f"  export run {i + 1}: annotui {exp_ours[-1][0]:.1f}s, sqlite3"
              f" {exp_floor[-1][0]:.1f}s", flush=True)
    same = same_records(out_ours, out_floor)

    def med(values: list[tuple[float, float, float]], k: int) -> float:
        return gen.median([v[k] for v in values])

    i_ours, i_floor = docs / med(imp_ours, 0), docs / med(imp_floor, 0)
    mb_ours = out_ours.stat().st_size / 1e6 / med(exp_ours, 0)
    mb_floor = out_floor.stat().st_size / 1e6 / med(exp_floor, 0)
    print(f"\nImport {docs:,} JSONL documents with {docs * 10:,} spans; goal >= 0.8x"
          " sqlite-utils' docs/s")
    print(gen.table(["tool", "s", "docs/s", "ratio", "CPU s", "peak RSS MB", "goal"], [
        ["annotui import", f"{med(imp_ours, 0):.1f}", f"{i_ours:,.0f}",
         f"{i_ours / i_floor:.2f}x", f"{med(imp_ours, 2):.1f}", f"{med(imp_ours, 1):.0f}",
         gen.verdict(i_ours / i_floor >= 0.8)],
        ["sqlite-utils insert --nl (floor)", f"{med(imp_floor, 0):.1f}", f"{i_floor:,.0f}",
         "1.00x", f"{med(imp_floor, 2):.1f}", f"{med(imp_floor, 1):.0f}", ""]]))
    ok = mb_ours / mb_floor >= 0.5 and med(exp_ours, 1) <= 64
    print(f"\nExport to JSONL ({out_ours.stat().st_size / 1e6:.0f} MB); goal >= 0.5x the"
          f" sqlite3 CLI's MB/s (stretch 0.8x), peak RSS <= 64 MB; same records: {same}")
    print(gen.table(["tool", "s", "MB/s", "ratio", "peak RSS MB", "goal"], [
        ["annotui export -o", f"{med(exp_ours, 0):.2f}", f"{mb_ours:.0f}",
         f"{mb_ours / mb_floor:.2f}x", f"{med(exp_ours, 1):.0f}", gen.verdict(ok and same)],
        ["sqlite3 json_object (floor)", f"{med(exp_floor, 0):.2f}", f"{mb_floor:.0f}", "1.00x",
         f"{med(exp_floor, 1):.0f}", ""]]))


if __name__ == "__main__":
    main()
