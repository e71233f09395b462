"""A large JSONL file is read by a second process (_import_read.read_in_worker): the
same records, errors, line numbers, warnings and progress as reading it in-process;
what the reader raises is raised here; a reading process that dies is a file error,
and one whose importer is killed does not outlive it."""

from __future__ import annotations

import codecs
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from annotui.core import _import_read
from annotui.core._import_read import CountingStream, read_in_worker
from annotui.core.formats import Reader, Record, RecordError, Source
from annotui.core.importer import import_paths
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"


def lines(*rows: object) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                   for r in rows).encode("utf-8")


def corpus() -> bytes:
    """Good records between every kind of bad line and span, and enough of them for
    several batches and chunks."""
    text = "Le “quick” brown fox — 😀 jumps.\tOver the lazy dog."
    good = [{"id": f"d{n}", "text": f"{n}: {text}", "annotator": "bob" if n % 7 else None,
             "status": "done" if n % 5 == 0 else None, "meta": {"n": n, "source": "s"},
             "spans": [{"start": 0, "end": len(str(n)), "label": "claim"},
                       {"start": len(str(n)) + 5, "end": len(str(n)) + 12,
                        "label": "new-label", "note": "é"}]}
            for n in range(900)]
    bad: list[object] = [
        "", "{not json", {"id": "no-text"}, {"text": 42}, ["a", "list"],
        {"text": "bad status", "status": "finished"},
        {"text": "bad spans", "spans": [{"start": 5, "end": 2, "label": "claim"},
                                        {"start": 0, "end": 3, "label": "no good"},
                                        {"start": 0, "end": 3, "label": "claim",
                                         "text": "BAD"}]},
        '{"text": "lone \\udc00 surrogate"}',
        {"text": "doccano shaped", "label": [[0, 7, "claim"]]},
        {"text": "same key", "id": "d3"},
        {"text": "has\r\nCRLF"},
        {"text": "   "},
    ]
    rows: list[object] = []
    for n, row in enumerate(good):
        rows.append(row)
        if n % 40 == 0:
            rows.append(bad[(n // 40) % len(bad)])
    return lines(*rows) + b"\xff\xfe not utf-8\n" + b'{"text": "NUL \x00 byte"}\n' + lines(
        *good[:3])


def state(store: Store) -> dict[str, Any]:
    one = store.conn.execute
    return {
        "documents": one("SELECT id, key, title, text, length, source, sha256, meta,"
                         " position FROM documents ORDER BY id").fetchall(),
        "labels": one("SELECT id, name, key FROM labels ORDER BY id").fetchall(),
        "spans": one('SELECT id, document_id, start, "end", label_id, annotator, note'
                     " FROM spans ORDER BY id").fetchall(),
        "statuses": one("SELECT document_id, annotator, status FROM statuses"
                        " ORDER BY 1, 2").fetchall(),
        "events": one("SELECT id, annotator, document_id, span_id, action,"
                      " json_remove(after, '$.created_at', '$.updated_at')"
                      " FROM events ORDER BY id").fetchall(),
    }


def imported(tmp_path: Path, name: str, data: bytes, worker: bool,
             monkeypatch: pytest.MonkeyPatch, **options: Any
             ) -> tuple[dict[str, Any], dict[str, Any], list[tuple[int, int]]]:
    folder = tmp_path / ("worker" if worker else "here")
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    store = Store(folder / "t.db", annotator="alice")
    store.load_labels(LABELS)
    calls: list[tuple[int, int]] = []
    spawned: list[bool] = []
    real = _import_read.worker_can_read

    def can_read(entry: Reader, size: int) -> bool:
        spawned.append(real(entry, size))
        return spawned[-1]

    with monkeypatch.context() as patch:
        patch.setattr(_import_read, "WORKER_MIN_BYTES", 0 if worker else 1 << 62)
        patch.setattr("annotui.core.importer.worker_can_read", can_read)
        report = import_paths(store, [str(path)], progress=lambda d, t: calls.append((d, t)),
                              **options)
    assert spawned == [worker]
    found = {name: value for name, value in vars(report).items() if name != "_seen"}
    # messages name the file as given: the same file name in two folders
    found["errors"] = [e.replace(str(path), name) for e in found["errors"]]
    found["warnings"] = [w.replace(str(path), name) for w in found["warnings"]]
    try:
        return found, state(store), calls
    finally:
        store.close()


@pytest.mark.parametrize(("name", "data", "options"), [
    ("corpus.jsonl", corpus(), {}),
    ("utf16.jsonl", codecs.BOM_UTF16_LE + corpus().replace(b"\xff\xfe not utf-8\n", b"")
     .decode("utf-8", "replace").encode("utf-16-le"), {"encoding": "utf-16"}),
    ("bom.jsonl", codecs.BOM_UTF8 + lines({"text": "first"}, {"text": "second"}), {}),
    ("binary.jsonl", b"\x00\x01\x02" * 100, {}),
    ("empty.jsonl", b"\n\n", {}),
    ("bad-first.jsonl", b"\xff\xfe\n" + lines({"text": "x"}), {}),
    ("doccano.jsonl", lines(*({"text": f"t {n} here", "label": [[0, 1, "claim"]]}
                              for n in range(300))), {"options": {"offsets": "codepoint"}}),
], ids=lambda value: value if isinstance(value, str) else "")
def test_worker_reads_what_reading_here_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              name: str, data: bytes,
                                              options: dict[str, Any]) -> None:
    here, here_state, here_calls = imported(tmp_path, name, data, False, monkeypatch,
                                            **options)
    there, there_state, there_calls = imported(tmp_path, name, data, True, monkeypatch,
                                               **options)
    assert there == here
    assert there_state == here_state
    # progress: bytes read (all of them, unless the reader gave up), never backwards
    assert there_calls[-1] == here_calls[-1]
    assert here_calls[-1][1] == len(data)
    assert all(a[0] <= b[0] for a, b in zip(there_calls, there_calls[1:], strict=False))
    if name == "corpus.jsonl":
        assert here["documents_added"] > 900 and here["errors"] and here["warnings"]


def read_all(entry: Reader, path: Path) -> list[tuple[Record | RecordError, str | None]]:
    with open(path, "rb") as handle:
        stream = CountingStream(handle)  # type: ignore[arg-type]
        source = Source(str(path), stream, path, "key")
        return list(read_in_worker(entry, source, stream))


def test_what_the_reader_raises_is_raised_here(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(lines({"text": "x"}))
    with pytest.raises(TypeError):  # os.fspath(Source(...)), run by the reading process
        read_all(Reader("jsonl", (".jsonl",), os.fspath), path)


def test_a_reading_process_that_dies_is_an_oserror(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(lines({"text": "x"}))
    # sys.exit(Source(...)) ends the reading process with exit status 1
    with pytest.raises(OSError, match=r"the reading process stopped \(exit status 1\)"):
        read_all(Reader("jsonl", (".jsonl",), sys.exit), path)


KILLED = """
import sys
from annotui.core import _import_read, importer
from annotui.core.store import Store
_import_read.WORKER_MIN_BYTES = 0
real = importer.read_in_worker
def announced(*args):
    for n, item in enumerate(real(*args)):
        if n == 0:
            import subprocess, os
            kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(os.getpid())],
                                  capture_output=True, text=True).stdout.split()
            print(" ".join(kids), flush=True)
        yield item
importer.read_in_worker = announced
importer.import_paths(Store(sys.argv[1], annotator="a"), [sys.argv[2]])
"""


def test_a_killed_import_leaves_no_reading_process(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(lines(*({"text": f"document {n} " + "word " * 200} for n in range(50_000))))
    child = subprocess.Popen([sys.executable, "-c", KILLED, str(tmp_path / "t.db"), str(path)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    pids = [int(p) for p in child.stdout.readline().split()]
    assert pids, "no reading process was started"
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 20
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if _running(p)]
        time.sleep(0.05)
    assert not alive, "the reading process outlived its importer"
    store = Store(tmp_path / "t.db", annotator="a")
    assert store.check() == []
    store.close()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
