"""Child of test_kill: labels, relabels, deletes, undoes and redoes in a loop, printing an
ACK line after each commit and a TRY line before each attempt, until it is killed."""

from __future__ import annotations

import random
import sys

from annotui.core.schema import StoreError
from annotui.core.store import Store


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    store = Store(path, annotator="killer")
    doc = store.document_ids()[0]
    length = len(store.document(doc).text)
    labels = [label.name for label in store.labels()]
    out = sys.stdout
    while True:
        spans = store.spans(doc)
        op = rng.choice(["add", "add", "relabel", "delete", "undo", "redo"])
        target = rng.choice(spans).id if spans and op in ("relabel", "delete") else None
        if target is None and op in ("relabel", "delete"):
            op = "add"
        out.write(f"TRY {op} {target if target is not None else '?'}\n")
        out.flush()
        try:
            if op == "add":
                start = rng.randrange(0, length - 1)
                span = store.add_span(doc, start, min(length, start + rng.randint(1, 40)),
                                      rng.choice(labels))
                affected = span.id
            elif op == "relabel":
                affected = store.relabel_span(target, rng.choice(labels)).id
            elif op == "delete":
                affected = store.delete_span(target).id
            else:
                change = store.undo(doc) if op == "undo" else store.redo(doc)
                affected = change.span_id if change else None
        except StoreError:
            out.write("NOOP\n")  # a refused duplicate: nothing changed
            out.flush()
            continue
        if affected is None:
            out.write("NOOP\n")
        else:
            row = store.conn.execute(
                'SELECT spans.start, spans."end", labels.name FROM spans JOIN labels'
                " ON labels.id = spans.label_id WHERE spans.id = ?", (affected,)).fetchone()
            state = "gone" if row is None else f"{row[0]} {row[1]} {row[2]}"
            out.write(f"ACK {affected} {state}\n")
        out.flush()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
