"""One of the processes of the two-writers test (run by tests/core/test_store.py).

usage: store_worker.py DATABASE ANNOTATOR OPERATIONS SEED GO_FILE

Opens the database as ANNOTATOR, prints "ready", waits for GO_FILE to exist, then does
OPERATIONS read-then-write intents as fast as it can. Prints one JSON line: what it saw
acknowledged (span ids alive, documents created, events written) and every failure.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from pathlib import Path

from annotui.core.store import Store, StoreError

LABELS = ("claim", "commitment", "invitation")


def main() -> int:
    path, annotator, operations, seed, go_file = sys.argv[1:6]
    rng = random.Random(f"{seed}-{annotator}")
    errors: list[str] = []
    live: set[int] = set()
    created_docs: list[str] = []
    shared_created: dict[str, bool] = {}
    events = 0
    with Store(path, annotator=annotator) as store:
        print("ready", flush=True)
        deadline = time.monotonic() + 30
        while not Path(go_file).exists():
            if time.monotonic() > deadline:
                errors.append("never got the go signal")
                break
            time.sleep(0.001)
        base_docs = store.document_ids()[:3]
        for i in range(int(operations)):
            op = i % 6
            try:
                infos = store.documents()  # read first, then write
                doc = base_docs[i % len(base_docs)]
                length = next(d.length for d in infos if d.id == doc)
                if op in (0, 1):
                    start = (i * 7 + (0 if annotator == "alice" else 3)) % (length - 2)
                    span = store.add_span(doc, start, start + 2, LABELS[i % 3])
                    live.add(span.id)
                    events += 1
                elif op == 2:
                    mine = [s for s in store.spans(doc) if s.id in live]
                    if mine:
                        span = rng.choice(mine)
                        new = next(x for x in LABELS if x != span.label)
                        store.relabel_span(span.id, new)
                        events += 1
                elif op == 3:
                    change = store.undo(doc)
                    if change is not None:
                        events += 1
                        if change.action == "add":
                            live.discard(change.span_id)  # type: ignore[arg-type]
                elif op == 4:
                    text = f"{annotator}'s own document {i}"
                    doc_id, created = store.add_document(text)
                    if not created:
                        errors.append(f"{text!r} not created")
                    created_docs.append(text)
                    events += 1
                else:
                    text = f"a document both processes add, number {i}"
                    _, created = store.add_document(text)
                    shared_created[text] = created
                    events += created
            except StoreError as exc:
                # a refused duplicate is not possible here: every range is unique
                errors.append(f"op {op}: StoreError: {exc}")
            except Exception:  # noqa: BLE001 - every failure is reported
                errors.append(f"op {op}: {traceback.format_exc()}")
    print(json.dumps({
        "annotator": annotator,
        "errors": errors,
        "live": sorted(live),
        "created_docs": created_docs,
        "shared_created": shared_created,
        "events": events,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
