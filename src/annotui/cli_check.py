"""``annotui check``: the consistency checks of the labels, as tables or JSON lines.

The checks and their rules live in :mod:`annotui.core.consistency`; this module only
picks, prints and sets the exit code, like a linter: 0 clean, 1 findings, 2 when the
check could not run (a usage error, no database, an unknown document or annotator), so
a script can tell "inconsistent" from "broken". Every string from the database goes
into a ``Text`` through ``one_line``/``display_text``, never into markup.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from annotui.cliutil import ANNOTATOR_ENV, db_option, open_store, out_console
from annotui.core.consistency import KINDS
from annotui.core.schema import StoreError

if TYPE_CHECKING:
    from annotui.core.consistency import Finding
    from annotui.core.store import Store

STYLES = {"error": "red", "warning": "yellow", "info": "cyan"}


class CheckError(click.ClickException):
    """One line on stderr and exit 2: the check did not run (1 means findings)."""

    exit_code = 2


def _name(value: str, limit: int = 30) -> str:
    from annotui.core.display import one_line

    return one_line(value, limit)


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _document_ids(store: Store, keys: tuple[str, ...]) -> list[int] | None:
    if not keys:
        return None
    ids = []
    for key in keys:
        row = store.conn.execute("SELECT id FROM documents WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise CheckError(f"no document with key {_name(key)!r} (`annotui docs` lists them)")
        ids.append(row[0])
    return ids


def _annotators(store: Store) -> list[str]:
    return [who for (who,) in store.conn.execute(
        "SELECT annotator FROM spans UNION SELECT annotator FROM statuses ORDER BY 1")]


def _table(findings: list[Finding], everyone: bool) -> Any:
    """One document's findings: where, which check, what."""
    from rich.table import Table
    from rich.text import Text

    first = findings[0]
    table = Table(title=Text(f"{_name(first.document_key, 60)} ·"
                             f" {_plural(len(findings), 'finding')}"),
                  title_justify="left")
    table.add_column("line", justify="right", no_wrap=True)
    table.add_column("offsets", no_wrap=True)
    table.add_column("check", no_wrap=True)
    if everyone:
        table.add_column("annotator", no_wrap=True)
    table.add_column("message", ratio=1)
    for f in findings:
        who = [Text(_name(f.annotator, 20))] if everyone else []
        table.add_row(f"{f.line:,}", f"{f.start}–{f.end}",
                      Text(f.kind, style=STYLES.get(f.severity, "")), *who, Text(f.message))
    return table


def _summary(counts: dict[str, int], documents: int, whose: str) -> str:
    total = sum(counts.values())
    if not total:
        return f"no findings in {whose}"
    kinds = ", ".join(f"{counts[kind]:,} {kind}" for kind in KINDS if counts.get(kind))
    return (f"{_plural(total, 'finding')} in {_plural(documents, 'document')}"
            f" ({kinds}) in {whose}")


def _print(findings: Iterable[Finding], fmt: str, everyone: bool, whose: str) -> int:
    """Print as the findings come (a document at a time); returns how many there were."""
    counts: dict[str, int] = {}
    documents = 0
    if fmt == "jsonl":
        from annotui.core.formats.jsonl import dumps_line

        for f in findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
            click.echo(dumps_line(f.to_dict()))
        return sum(counts.values())
    from rich.text import Text

    console = out_console()
    for _, group in groupby(findings, key=lambda f: f.document_id):
        batch = list(group)
        documents += 1
        for f in batch:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        console.print(_table(batch, everyone))
    console.print(Text(_summary(counts, documents, whose),
                       style="bold" if counts else "green"))
    return sum(counts.values())


def _guarded(findings: Iterator[Finding]) -> Iterator[Finding]:
    """The findings, with a database failing mid-way turned into a one-line error."""
    try:
        yield from findings
    except (StoreError, sqlite3.DatabaseError) as exc:
        raise CheckError(f"database error: {exc}") from None


@click.command("check")
@db_option
@click.option("--annotator", envvar=ANNOTATOR_ENV,
              help=f"Whose spans to check (env {ANNOTATOR_ENV}; default: your user name).")
@click.option("--everyone", is_flag=True,
              help="Check every annotator's spans, each against their own.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), metavar="KIND",
              help="Only this check (repeatable; default all; listed above).")
@click.option("--doc", "doc_keys", multiple=True, metavar="KEY",
              help="Only findings in this document (repeatable); what is labelled in the"
                   " others still counts.")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Report unlabelled occurrences of a text only once it is labelled in"
                   " this many places.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True, help="Tables by document, or one JSON object a line.")
def check(db_path: Path | None, annotator: str | None, everyone: bool,
          kinds: tuple[str, ...], doc_keys: tuple[str, ...], min_count: int,
          fmt: str) -> None:
    """Consistency checks of the labels: where an annotator's spans disagree.

    Each annotator's spans are checked against their own; each finding gives its
    document, line and offsets. The README gives the rules. Exit code 0: clean;
    1: findings; 2: could not check. (`annotui info --check` is another thing: it
    checks the database file itself.)

    \b
    The checks (--kind):
      label-conflict         the same text labelled differently elsewhere
      unlabelled-occurrence  text labelled elsewhere, not here
      cuts-word              a span edge inside a word or a character
      whitespace             a span starting or ending with white space
      same-label-overlap     two spans with the same label overlapping
    """
    from annotui.core.consistency import check as run_check

    # ANNOTUI_ANNOTATOR names who I am; only a typed --annotator clashes with --everyone
    typed = click.get_current_context().get_parameter_source("annotator") \
        == click.core.ParameterSource.COMMANDLINE
    if everyone and typed:
        raise click.UsageError("give --annotator NAME or --everyone, not both")
    try:
        store = open_store(db_path, annotator, must_exist=True, readonly=True)
    except StoreError as exc:
        raise CheckError(str(exc)) from None
    with store:
        try:
            ids = _document_ids(store, doc_keys)
            known = _annotators(store)
        except (StoreError, sqlite3.DatabaseError) as exc:
            raise CheckError(f"database error: {exc}") from None
        who = store.annotator
        if not everyone and known and who not in known:
            # most likely a name typed wrong, or spans made under another name
            hint = "one of them" if typed else "--annotator NAME or --everyone"
            raise CheckError(
                f"{_name(who)!r} has labelled nothing in {_name(str(store.path), 80)}"
                f" (annotators here: {', '.join(map(_name, known))}); use {hint}")
        whose = "everyone's spans" if everyone else f"{_name(who)}'s spans"
        findings = _guarded(run_check(store, everyone=everyone, documents=ids,
                                      kinds=kinds or None, min_count=min_count))
        found = _print(findings, fmt, everyone, whose)
    sys.exit(1 if found else 0)
