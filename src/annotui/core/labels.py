"""The label set: names, keys 1-9, colours and guidelines, kept in the ``labels`` table.

A label in use is never removed silently: ``remove_label`` needs ``force=True`` and then
logs every span it deletes, so they stay recoverable from the events log.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from annotui.core.model import Label
from annotui.core.schema import StoreError

# Mid-tone colours for labels created on the fly (imports, `labels add` without --color):
# black or white text stays readable on each, on dark and light themes.
PALETTE = ("#d9734e", "#3f9e6e", "#8a6fd1", "#c9a227", "#3b8fc4", "#c75b9b", "#6f9b3a",
           "#b0655f", "#4f8f8f")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
NAME = re.compile(r"[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]{0,63}")


def load_label_file(path: Path) -> list[dict[str, Any]]:
    """Read a labels.toml (``[[label]]`` tables with name, key, color, description)."""
    try:
        import tomllib  # here: only loading a label file needs it, not opening the reader

        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the label file ({exc})") from None
    labels = data.get("label")
    if not isinstance(labels, list) or not all(isinstance(x, dict) for x in labels):
        raise StoreError(f"{path}: expected [[label]] tables")
    return labels


class LabelsMixin:
    conn: sqlite3.Connection
    annotator: str

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def _event(self, action: str, document_id: int | None, span_id: int | None = None,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
               ref: int | None = None) -> int: ...

    def labels(self) -> list[Label]:
        rows = self.conn.execute(
            "SELECT id, name, key, color, description, position FROM labels ORDER BY position, id"
        )
        return [Label(*row) for row in rows]

    def label(self, name: str) -> Label:
        row = self.conn.execute(
            "SELECT id, name, key, color, description, position FROM labels WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            known = ", ".join(label.name for label in self.labels()) or "none yet"
            raise StoreError(f"no label {name!r} (labels: {known})")
        return Label(*row)

    def label_id(self, name: str) -> int:
        return self.label(name).id

    def label_usage(self, name: str) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM spans WHERE label_id = ?", (self.label_id(name),)
        ).fetchone()[0])

    def _free_keys(self) -> Iterator[str]:
        used = {label.key for label in self.labels()}
        return (k for k in "123456789" if k not in used)

    def add_label(self, name: str, *, key: str | None = None, color: str | None = None,
                  description: str = "") -> Label:
        """Add a label; without a key it takes the first free digit, if any."""
        name = name.strip()
        if not NAME.fullmatch(name):
            raise StoreError(f"invalid label name {name!r}")
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM labels WHERE name = ?", (name,)).fetchone():
                raise StoreError(f"label {name!r} exists already")
            if key is None:
                key = next(self._free_keys(), None)
            else:
                self._check_key(key)
            count, position = conn.execute(
                "SELECT count(*), coalesce(max(position), 0) + 1 FROM labels").fetchone()
            color = self._check_color(color or PALETTE[count % len(PALETTE)])
            conn.execute(
                "INSERT INTO labels (name, key, color, description, position)"
                " VALUES (?, ?, ?, ?, ?)", (name, key, color, description.strip(), position))
            self._event("label-add", None, after={"name": name, "key": key, "color": color})
        return self.label(name)

    def ensure_label(self, name: str) -> int:
        """The id of a label, created (with a free key, if any) when it is new."""
        row = self.conn.execute("SELECT id FROM labels WHERE name = ?", (name,)).fetchone()
        return row[0] if row else self.add_label(name).id

    def load_labels(self, path: Path) -> int:
        """Add the labels of a labels.toml that are not there yet; returns how many."""
        added = 0
        with self.transaction():
            for entry in load_label_file(path):
                name = str(entry.get("name", "")).strip()
                if self.conn.execute("SELECT 1 FROM labels WHERE name = ?", (name,)).fetchone():
                    continue
                key = entry.get("key")
                taken = key is not None and self.conn.execute(
                    "SELECT 1 FROM labels WHERE key = ?", (str(key),)).fetchone()
                self.add_label(name, key=None if taken or key is None else str(key),
                               color=entry.get("color"),
                               description=str(entry.get("description", "")))
                added += 1
        return added

    def rename_label(self, name: str, new: str) -> Label:
        new = new.strip()
        if not NAME.fullmatch(new):
            raise StoreError(f"invalid label name {new!r}")
        with self.transaction() as conn:
            label = self.label(name)
            if conn.execute("SELECT 1 FROM labels WHERE name = ?", (new,)).fetchone():
                raise StoreError(f"label {new!r} exists already")
            conn.execute("UPDATE labels SET name = ? WHERE id = ?", (new, label.id))
            self._event("label-rename", None, before={"name": name}, after={"name": new})
        return self.label(new)

    def recolor_label(self, name: str, color: str) -> Label:
        with self.transaction() as conn:
            label = self.label(name)
            color = self._check_color(color)
            conn.execute("UPDATE labels SET color = ? WHERE id = ?", (color, label.id))
            self._event("label-recolor", None, before={"name": name, "color": label.color},
                        after={"name": name, "color": color})
        return self.label(name)

    def rebind_label(self, name: str, key: str | None) -> Label:
        """Give a label another key (1-9), or none; a label holding that key loses it."""
        with self.transaction() as conn:
            label = self.label(name)
            if key is not None:
                self._check_key(key, allow_taken=True)
                conn.execute("UPDATE labels SET key = NULL WHERE key = ?", (key,))
            conn.execute("UPDATE labels SET key = ? WHERE id = ?", (key, label.id))
            self._event("label-rebind", None, before={"name": name, "key": label.key},
                        after={"name": name, "key": key})
        return self.label(name)

    def set_label_description(self, name: str, description: str) -> Label:
        with self.transaction() as conn:
            label = self.label(name)
            conn.execute("UPDATE labels SET description = ? WHERE id = ?",
                         (description.strip(), label.id))
        return self.label(name)

    def remove_label(self, name: str, *, force: bool = False) -> int:
        """Remove a label; with spans using it, only with force. Returns spans deleted."""
        from annotui.core import history

        with self.transaction() as conn:
            label = self.label(name)
            used = self.label_usage(name)
            if used and not force:
                raise StoreError(
                    f"label {name!r} is used by {used} span{'s' if used != 1 else ''};"
                    " add --force to delete them too (they stay in the events log)")
            # suggestions go with their label (a foreign key cascade), decisions included:
            # a dismissal forgotten would be proposed again, so that needs --force too
            offered = conn.execute("SELECT count(*) FROM suggestions WHERE label_id = ?",
                                   (label.id,)).fetchone()[0]
            if offered and not force:
                raise StoreError(
                    f"label {name!r} has {offered} suggestion{'s' if offered != 1 else ''}"
                    " (open or decided); add --force to delete them too")
            for (span_id,) in conn.execute(
                    "SELECT id FROM spans WHERE label_id = ?", (label.id,)).fetchall():
                row = history.span_row(conn, span_id)
                conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
                # not "delete": undo could not restore a span whose label is gone
                self._event("purge", row["document_id"], span_id, before=row)
            conn.execute("DELETE FROM labels WHERE id = ?", (label.id,))
            self._event("label-remove", None,
                        before={"name": name, "key": label.key, "color": label.color,
                                "description": label.description})
        return used

    def _check_key(self, key: str, allow_taken: bool = False) -> None:
        if key not in tuple("123456789"):
            raise StoreError(f"invalid key {key!r}: labels are bound to 1-9")
        holder = self.conn.execute("SELECT name FROM labels WHERE key = ?", (key,)).fetchone()
        if holder and not allow_taken:
            raise StoreError(f"key {key} is taken by label {holder[0]!r}")

    @staticmethod
    def _check_color(color: str) -> str:
        if not COLOR.fullmatch(color):
            raise StoreError(f"invalid colour {color!r}: use #rrggbb")
        return color.lower()
