"""``annotui suggest``: propose spans from pattern files or from what is labelled, list
them, and accept or reject them in bulk.

Proposals are suggestions (:mod:`annotui.core.suggestions`), never labels: they are not
exported, and become spans only when accepted (in the reader, or with ``--accept-all``).
This module picks documents, runs the core with a progress bar, and prints; every string
from a database or a file goes through ``one_line`` into a ``Text``, never into markup.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from annotui.cliutil import annotator_option, db_option, err_console, open_store, out_console
from annotui.core.schema import StoreError

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from annotui.core.store import Store
    from annotui.core.suggestions import Suggestion

EXCERPT = 50


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@click.command("suggest")
@db_option
@annotator_option
@click.option("--patterns", "pattern_files", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="Propose what this JSONL or TOML pattern file matches (repeatable; the"
                   " README's Suggestions section shows the format).")
@click.option("--learn", is_flag=True,
              help="Propose from your own labels: the same text labelled elsewhere, and"
                   " sentences like the ones you labelled.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="--learn: propose only from this similarity score (0-1).")
@click.option("--doc", "doc_keys", multiple=True,
              help="Only this document (its key, as `annotui docs` shows); repeatable."
                   " Default: the whole corpus.")
@click.option("--clear", is_flag=True,
              help="First withdraw the open suggestions (accepted and rejected ones stay"
                   " decided), e.g. after changing a pattern file.")
@click.option("--accept-all", is_flag=True,
              help="Accept every open suggestion (one undo step per document).")
@click.option("--reject-all", is_flag=True,
              help="Reject every open suggestion (one undo step per document).")
@click.option("--list", "show", is_flag=True,
              help="List the suggestions (after anything else asked for).")
@click.option("--status", type=click.Choice(["open", "accepted", "rejected", "all"]),
              default="open", show_default=True, help="--list: which suggestions.")
@click.option("--json", "as_json", is_flag=True,
              help="--list: one JSON object a line instead of a table.")
def suggest(db_path: Path | None, annotator: str | None, pattern_files: tuple[Path, ...],
            learn: bool, min_score: float, doc_keys: tuple[str, ...], clear: bool,
            accept_all: bool, reject_all: bool, show: bool, status: str,
            as_json: bool) -> None:
    """Propose spans to confirm: from pattern files, or learned from your labels.

    Suggestions are not labels: they are never exported as annotations, and become spans
    only when accepted (in the reader, or here with --accept-all). Running the same
    patterns again proposes nothing new, and what you rejected is never proposed again.

    \b
    annotui suggest --patterns patterns.toml        propose on every document
    annotui suggest --learn --doc speech-2          learn from your labels, on one document
    annotui suggest --list                          what is proposed to you
    annotui suggest --accept-all --doc speech-2     accept them all (undo in the reader)
    """
    if not (pattern_files or learn or clear or accept_all or reject_all or show):
        raise click.UsageError("say what to do: --patterns FILE, --learn, --list,"
                               " --accept-all, --reject-all or --clear")
    if accept_all and reject_all:
        raise click.UsageError("--accept-all and --reject-all exclude each other")
    from annotui.core.patterns import load_patterns

    # every pattern file is read (and refused) before the database is opened or changed
    patterns = [p for path in pattern_files for p in load_patterns(path)]
    console = err_console()
    with open_store(db_path, annotator, must_exist=True) as store:
        doc_ids = _documents(store, doc_keys)
        if patterns and not store.labels():
            # as opening the reader does: a corpus only imported so far has no label set
            from annotui import resources

            store.load_labels(resources.default_labels())
        if clear:
            removed = sum(store.clear_suggestions(d) for d in doc_ids) if doc_keys \
                else store.clear_suggestions()
            console.print(f"withdrew {_plural(removed, 'open suggestion')}", highlight=False)
        if patterns:
            with _progress(console, "matching patterns", len(doc_ids)) as tick:
                started = time.monotonic()
                added = store.suggest_patterns(patterns, doc_ids, progress=tick)
            _said(console, added, doc_ids, f"from {_plural(len(patterns), 'pattern')}",
                  started)
        if learn:
            with _progress(console, "learning", len(doc_ids)) as tick:
                started = time.monotonic()
                added = store.learn(doc_ids, min_score=min_score, progress=tick)
            _said(console, added, doc_ids, "learned from your labels", started)
        if accept_all or reject_all:
            _decide_all(store, doc_ids, accept=accept_all, console=console)
        if show:
            _list(store, doc_ids, status, as_json)


def _documents(store: Store, keys: tuple[str, ...]) -> list[int]:
    if not keys:
        ids = store.document_ids()
        if not ids:
            raise StoreError(f"{store.path}: no documents (import something first)")
        return ids
    ids = []
    for key in dict.fromkeys(keys):
        doc = store.document_by_key(key)
        if doc is None:
            raise StoreError(f"no document with key {key!r} (`annotui docs` lists them)")
        ids.append(doc.id)
    return ids


@contextmanager
def _progress(console: Any, what: str, total: int
              ) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar over documents on stderr; drawn only on a terminal, and only
    for more than one document."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress("[progress.description]{task.description}", BarColumn(),
                        MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                        transient=True, disable=total < 2)
    task = progress.add_task(what, total=total)

    def tick(done: int, of: int) -> None:
        progress.update(task, completed=done, total=of)

    with progress:
        yield tick


def _said(console: Any, added: int, doc_ids: list[int], how: str, started: float) -> None:
    console.print(f"proposed {_plural(added, 'new suggestion')} on"
                  f" {_plural(len(doc_ids), 'document')} {how}"
                  f" in {time.monotonic() - started:.1f}s", highlight=False, markup=False)


def _decide_all(store: Store, doc_ids: list[int], *, accept: bool, console: Any) -> None:
    done = 0
    for doc_id in doc_ids:
        done += len(store.accept_all(doc_id)) if accept else store.reject_all(doc_id)
    verb = "accepted" if accept else "rejected"
    console.print(f"{verb} {_plural(done, 'suggestion')}", highlight=False)


def _rows(store: Store, doc_ids: list[int], status: str) -> Iterator[tuple[str, str,
                                                                         Suggestion]]:
    """(document key, suggestion text, suggestion) in corpus and text order."""
    for doc_id in doc_ids:
        found = store.suggestions(doc_id, status=None if status == "all" else status)
        if not found:
            continue
        doc = store.document(doc_id)
        for sug in found:
            yield doc.key, doc.text[sug.start:sug.end], sug


def _list(store: Store, doc_ids: list[int], status: str, as_json: bool) -> None:
    if as_json:
        for key, text, sug in _rows(store, doc_ids, status):
            click.echo(json.dumps({
                "id": sug.id, "document": key, "start": sug.start, "end": sug.end,
                "label": sug.label, "text": text, "annotator": sug.annotator,
                "source": sug.source, "detail": sug.detail, "score": sug.score,
                "status": sug.status}, ensure_ascii=False))
        return
    console = out_console()
    console.print(_table(store, list(_rows(store, doc_ids, status)), status, console.width))


def _table(store: Store, rows: list[tuple[str, str, Suggestion]], status: str,
           width: int) -> Table | Text:
    """One row per suggestion; the document column only when there are several, and the
    text and the reason share what the other columns leave of the terminal."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from annotui.core.display import one_line

    shown = "" if status == "all" else f"{status} "
    who = one_line(store.annotator, 30)
    if not rows:
        return Text(f"no {shown}suggestions for {who}")
    keys = list(dict.fromkeys(key for key, _, _ in rows))
    where = f" on {one_line(keys[0], 40)}" if len(keys) == 1 else ""
    table = Table(title=Text(f"{_plural(len(rows), shown + 'suggestion')} for {who}{where}"),
                  title_justify="left")
    cells = [{"id": str(sug.id), "document": one_line(key, 16),
              "at": f"{sug.start}-{sug.end}", "label": one_line(sug.label, 12),
              "score": f"{sug.score:.2f}", "status": sug.status,
              "text": text, "why": sug.detail or sug.source} for key, text, sug in rows]
    columns = ["id", *(["document"] if len(keys) > 1 else []), "at", "label", "text",
               "score", "why", *(["status"] if status == "all" else [])]
    fixed = sum(max(cell_len(c), *(cell_len(row[c]) for row in cells))
                for c in columns if c not in ("text", "why"))
    # the fixed columns and the borders (3 cells a column) first; then 3/5 text, 2/5 why
    room = max(24, width - fixed - 3 * len(columns) - 1)
    limits = {"text": room * 3 // 5, "why": room - room * 3 // 5}
    for column in columns:
        table.add_column(column, no_wrap=True,
                         justify="right" if column in ("id", "score") else "left")
    colors = {label.name: label.color for label in store.labels()}
    for row, (_, _, sug) in zip(cells, rows, strict=True):
        styles = {"label": f"bold {colors.get(sug.label, '')}".strip(), "why": "dim"}
        table.add_row(*(Text(one_line(row[c], limits.get(c, 80)), style=styles.get(c, ""))
                        for c in columns))
    return table
