"""The ``annotui`` command: a click group whose default command opens the TUI.

Each command is a thin shell over ``annotui.core``; the TUI is imported only when it
opens, so ``annotui export`` never pays for Textual.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import click
from click_default_group import DefaultGroup

from annotui import __version__
from annotui.cliutil import (
    annotator_option,
    db_option,
    default_annotator,
    default_db_path,
    err_console,
    open_store,
    out_console,
    prepare_for_reader,
)
from annotui.core.display import display_text
from annotui.core.schema import StoreError

# the default command's options that take a value: `annotui --db X info` is `info`
_VALUE_OPTIONS = {"--db", "--annotator", "--encoding"}
# Commands in their own modules, imported when named: opening the reader must not pay
# for them (`check` alone pulls in the consistency and agreement code, ~60 ms).
_LAZY = {
    "labels": "annotui.cli_labels:labels",
    "agree": "annotui.cli_team:agree",
    "merge": "annotui.cli_team:merge",
    "check": "annotui.cli_check:check",
    "serve": "annotui.cli_serve:serve",
    "suggest": "annotui.cli_suggest:suggest",
}


class UserErrors(DefaultGroup):
    """Turn every user-facing error into one line on stderr and exit 1, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY and cmd_name not in self.commands:
            import importlib

            module, name = _LAZY[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `annotui --db X info` means `annotui info --db X`, not "open a file called info"
        if args and args[0].startswith("-") and args[0] not in ("-h", "--help", "--version"):
            i = 0
            while i < len(args) and args[i].startswith("-") and args[i] != "-":
                i += 2 if args[i] in _VALUE_OPTIONS else 1
            if i < len(args) and (args[i] in self.commands or args[i] in _LAZY):
                args = [args[i], *args[:i], *args[i + 1:]]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from annotui.core.text import DecodeError

        try:
            return super().invoke(ctx)
        except (StoreError, DecodeError) as exc:
            raise click.ClickException(str(exc)) from None
        except ValueError as exc:
            # a FormatError, if the formats were loaded at all (the reader does not load
            # them: 7 ms of start-up only to name an exception it cannot meet)
            formats = sys.modules.get("annotui.core.formats")
            if formats is not None and isinstance(exc, formats.FormatError):
                raise click.ClickException(str(exc)) from None
            raise
        except sqlite3.DatabaseError as exc:
            # a damaged file found mid-way (a page that cannot be read)
            hint = "; `annotui info --check` tells more" if "malformed" in str(exc) else ""
            raise click.ClickException(f"database error: {exc}{hint}") from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


@click.group(cls=UserErrors, default="open", default_if_no_args=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annotui")
def cli() -> None:
    """annotui: read articles, label spans with the keyboard, export training data.

    Run `annotui` to open the reader (the bundled sample on first run), or
    `annotui FILE ...` to import files and open the first one.
    """


@cli.command("open")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@db_option
@annotator_option
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of PATHs.")
@click.option("--readonly", is_flag=True, help="Only read: nothing can be labelled or changed.")
def open_cmd(paths: tuple[str, ...], db_path: Path | None, annotator: str | None,
             encoding: str, readonly: bool) -> None:
    """Open the reader, importing PATHs first (the default command)."""
    missing = [p for p in paths if p != "-" and not Path(p).exists()]
    if missing:
        raise click.ClickException(f"{missing[0]}: no such file or directory")
    path = db_path or default_db_path()
    annotator = annotator or default_annotator()
    first, readonly = prepare_for_reader(path, annotator, list(paths), readonly=readonly,
                                         encoding=encoding)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # a full-screen app on a pipe would draw into it and wait for keys that never come
        raise click.ClickException(
            "the reader needs a terminal (stdin and stdout are not one); to script,"
            " use `annotui import` and `annotui export`")
    from annotui.tui.app import run

    sys.exit(run(path, annotator, first, readonly=readonly))


@cli.command("review")
@db_option
@click.option("--gold", default="gold", show_default=True,
              help="The annotator the decisions are written as.")
@click.option("--doc", "doc_key", help="Open this document (its key) first.")
def review_cmd(db_path: Path | None, gold: str, doc_key: str | None) -> None:
    """Adjudicate: every annotator's spans overlaid, disagreements first; accepted and
    edited spans are written as the gold annotator (export them with --annotator gold)."""
    store = open_store(db_path, gold, must_exist=True)
    try:
        if store.first_document() is None:
            raise StoreError(f"{store.path}: no documents to review")
        first = None
        if doc_key is not None:
            found = store.document_by_key(doc_key)
            if found is None:
                raise StoreError(f"no document with key {doc_key!r} (`annotui docs` lists them)")
            first = found.id
    finally:
        store.close()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.ClickException("review needs a terminal (stdin and stdout are not one)")
    from annotui.tui.app import run

    sys.exit(run(store.path, gold, first, review=True))


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@db_option
@annotator_option
@click.option("--format", "fmt", help="Format of every PATH (default: by extension).")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding.")
@click.option("--offsets", type=click.Choice(["utf16", "codepoint"]),
              help="doccano (default utf16) and labelstudio (default codepoint): the unit"
                   " of offsets in the files.")
def import_cmd(paths: tuple[str, ...], db_path: Path | None, annotator: str | None,
               fmt: str | None, encoding: str, offsets: str | None) -> None:
    """Import files, folders (recursively) or - (stdin); formats by extension or --format."""
    from annotui.core.bootstrap import run_import

    store = open_store(db_path, annotator)
    with store:
        report = run_import(store, list(paths), fmt=fmt, encoding=encoding,
                            console=err_console(),
                            options={"offsets": offsets} if offsets else None)
    if report.errors:
        sys.exit(1)


@cli.command("export")
@db_option
@click.option("--format", "fmt", default="jsonl", show_default=True,
              help="Output format (see the README's Formats).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write to FILE (or FOLDER for brat) atomically instead of stdout.")
@click.option("--annotator", help="Only this annotator's labels (one record per document).")
@click.option("--status", type=click.Choice(["todo", "done", "skipped"]),
              help="Only records with this status.")
@click.option("--label", "labels", multiple=True, help="Only spans with this label (repeatable).")
@click.option("--unit", type=click.Choice(["doc", "sentence"]), default="doc",
              show_default=True, help="One example per document, or per sentence.")
@click.option("--align", type=click.Choice(["strict", "contract", "expand"]),
              default="strict", show_default=True,
              help="spacy/prodigy/conll: how spans that cut a token are aligned.")
@click.option("--offsets", type=click.Choice(["utf16", "codepoint"]),
              help="doccano (default utf16, as doccano counts) and labelstudio (default"
                   " codepoint): the unit of offsets.")
@click.option("--labelstudio-config", "ls_config", type=click.Path(path_type=Path),
              help="labelstudio: also write the matching labelling-config XML to FILE.")
@click.option("--lang", default="en", show_default=True,
              help="spacy/prodigy/conll: tokenizer language (spacy.blank).")
@click.option("--manifest", "write_manifest", is_flag=True,
              help="Also write FILE.manifest.json: format, offsets, labels, counts.")
@click.option("--suggestions", is_flag=True,
              help="jsonl: add each record's open suggestions under \"predictions\" (never"
                   " among the spans).")
def export_cmd(db_path: Path | None, fmt: str, output: Path | None, annotator: str | None,
               status: str | None, labels: tuple[str, ...], unit: str, align: str,
               offsets: str | None, lang: str, write_manifest: bool,
               ls_config: Path | None, suggestions: bool) -> None:
    """Stream the corpus (default JSONL, one line per document and annotator)."""
    from annotui.core.exporter import export
    from annotui.core.formats import writer

    writer(fmt)  # an unknown format is an error before anything is opened
    extra: dict[str, Any] = {}
    if suggestions:
        if fmt != "jsonl" or unit != "doc":
            raise click.ClickException("--suggestions works with the jsonl format and"
                                       " --unit doc (predictions use document offsets)")
        extra["suggestions"] = True
    store = open_store(db_path, must_exist=True, readonly=True)
    with store:
        for name in labels:
            store.label(name)  # an unknown label is a typo, not an empty export
        report = export(store, fmt, output, write_manifest=write_manifest,
                        annotator=annotator, status=status, labels=list(labels) or None,
                        unit=unit, align=align, offsets=offsets, lang=lang, **extra)
        if ls_config is not None:
            from annotui.core.formats.labelstudio import config_for
            from annotui.core.output import atomic_text

            with atomic_text(ls_config) as stream:
                stream.write(config_for(store, list(labels) or None))
    for warning in getattr(report, "warnings", ()):
        click.echo(f"warning: {display_text(warning)}", err=True)


@cli.command("docs")
@db_option
@annotator_option
def docs_cmd(db_path: Path | None, annotator: str | None) -> None:
    """List documents with their status and span counts."""
    from itertools import islice

    from rich.text import Text

    from annotui.core.reports import docs_listing

    with open_store(db_path, annotator, must_exist=True, readonly=True) as store:
        console = out_console()
        lines = docs_listing(store, console.width)
        # a thousand lines a print: one print per line costs rich's overhead 20,000 times
        while chunk := list(islice(lines, 1000)):
            console.print(Text("\n").join(chunk), crop=True, no_wrap=True, overflow="crop")


@cli.command("stats")
@db_option
def stats_cmd(db_path: Path | None) -> None:
    """Counts per label, annotator and status."""
    from annotui.core.reports import stats_tables

    with open_store(db_path, must_exist=True, readonly=True) as store:
        console = out_console()
        for table in stats_tables(store):
            console.print(table)


@cli.command("info")
@db_option
@annotator_option
@click.option("--check", is_flag=True,
              help="Also check the file (SQLite's integrity check, foreign keys, spans).")
def info_cmd(db_path: Path | None, annotator: str | None, check: bool) -> None:
    """Where the database is, its schema version and its counts."""
    from annotui.core.reports import info_table

    path = db_path or default_db_path()
    if not path.exists():
        out_console().print(f"database: {path} (not created yet)")
        return
    with open_store(path, annotator, readonly=True) as store:
        problems = store.check() if check else []
        try:
            out_console().print(info_table(store))
        except sqlite3.DatabaseError:
            if not check:
                raise
    if check:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        if problems:
            raise click.ClickException(
                f"{path}: damaged; salvage what is left with"
                f" sqlite3 {path} .recover | sqlite3 recovered.db")
        click.echo("check: ok")


def main() -> None:
    # click itself turns a broken pipe (`annotui export | head -1`) into a quiet exit 1
    cli(prog_name="annotui")
