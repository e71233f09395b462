"""Child processes of test_faults: each mode does one thing and reports on stdout.

``migrate PATH WHERE``: opens PATH (a file at the latest schema, N) with a patched annotui
that knows one more migration, N + 1; with WHERE = ``migration`` it prints MIGRATING in the
middle of that migration (after some of its changes) and sleeps there; with WHERE =
``backup`` it prints BACKUP while ``VACUUM INTO`` is writing the ``.vN.bak`` copy (under
that name or a temporary one) and sleeps there;
with ``none`` it migrates and prints MIGRATED. The parent kills it with SIGKILL where it sleeps.

``disk PATH LIMIT``: limits the size of any file it writes to LIMIT bytes
(RLIMIT_FSIZE, SIGXFSZ ignored, so a write past it fails with EFBIG like a full disk),
then labels in a loop, printing ``ACK id start end`` after each commit, until the store
raises: then prints ``ERROR <message>`` and exits 0.

``label PATH``: labels once (no limit) and prints ``ACK id start end``.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import sys
import time

from annotui.core import schema
from annotui.core.schema import StoreError
from annotui.core.store import Store


def _m_next_slow(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE spans ADD COLUMN confidence REAL")
    conn.execute("UPDATE spans SET confidence = 0.5")
    conn.execute("CREATE TABLE reviews (span_id INTEGER, verdict TEXT)")
    conn.execute("INSERT INTO reviews SELECT id, 'ok' FROM spans")
    if os.environ.get("FAULT_WHERE") == "migration":
        print("MIGRATING", flush=True)
        time.sleep(60)


def migrate(path: str, where: str) -> None:
    os.environ["FAULT_WHERE"] = where
    old = schema.SCHEMA_VERSION  # the version of the file, and of its backup's name
    schema.MIGRATIONS.append(("slow", _m_next_slow))
    schema.SCHEMA_VERSION = len(schema.MIGRATIONS)
    if where == "backup":
        folder, name = os.path.split(os.path.abspath(path))
        real_connect = sqlite3.connect

        def copy_started() -> bool:
            # the .vN.bak, or a temporary name it is first written under
            for entry in os.scandir(folder):
                if f"{name}.v{old}.bak" in entry.name and not entry.name.endswith("-journal") \
                        and entry.stat().st_size > 0:
                    return True
            return False

        def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
            conn = real_connect(*args, **kwargs)
            said = []

            def progress() -> int:
                # called every few VM steps: once VACUUM INTO has written part of the
                # copy, stop there (and be killed)
                if not said and copy_started():
                    said.append(1)
                    print("BACKUP", flush=True)
                    time.sleep(60)
                return 0

            conn.set_progress_handler(progress, 50)
            return conn

        sqlite3.connect = connect  # type: ignore[assignment]
    store = Store(path, annotator="migrator")
    print("MIGRATED", store.schema_version, flush=True)
    store.close()


def disk(path: str, limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    store = Store(path, annotator="filler")
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    doc = store.document_ids()[0]
    length = len(store.document(doc).text)
    labels = [label.name for label in store.labels()]
    n = 0
    while True:
        start = n % (length - 1)
        end = min(length, start + 1 + (n // (length - 1)) % 30)
        note = "x" * 500  # grow the files fast
        try:
            span = store.add_span(doc, start, end, labels[n % len(labels)], note=note)
        except StoreError as exc:
            if "already has that label" in str(exc):
                n += 1
                continue
            print(f"ERROR {exc}", flush=True)
            break
        print(f"ACK {span.id} {span.start} {span.end}", flush=True)
        n += 1
        if n > 100_000:
            print("NEVER FULL", flush=True)
            break
    store.close()


def label(path: str) -> None:
    with Store(path, annotator="after") as store:
        doc = store.document_ids()[0]
        span = store.add_span(doc, 0, 5, store.labels()[0].name)
        print(f"ACK {span.id} {span.start} {span.end}", flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "migrate":
        migrate(sys.argv[2], sys.argv[3])
    elif mode == "disk":
        disk(sys.argv[2], int(sys.argv[3]))
    elif mode == "label":
        label(sys.argv[2])
    else:
        raise SystemExit(f"unknown mode {mode}")
