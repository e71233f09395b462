"""What every annotui command shares: the --db and --annotator options, opening the store."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from annotui.core.schema import StoreError

DB_ENV = "ANNOTUI_DB"
ANNOTATOR_ENV = "ANNOTUI_ANNOTATOR"


def default_db_path() -> Path:
    """``./annotui.db`` if it exists, else annotui.db in the user data folder."""
    local = Path("annotui.db")
    if local.exists():
        return local
    from platformdirs import user_data_path

    return user_data_path("annotui", appauthor=False) / "annotui.db"


def default_annotator() -> str:
    try:
        return getpass.getuser() or "annotator"
    except Exception:  # no user name in containers without /etc/passwd entries
        return "annotator"


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db", "db_path", type=click.Path(path_type=Path), envvar=DB_ENV,
        help=f"Database file (env {DB_ENV}; default ./annotui.db if present, else the user"
             " data folder; `annotui info` prints it).",
    )(func)


def annotator_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--annotator", envvar=ANNOTATOR_ENV,
        help=f"Who is annotating (env {ANNOTATOR_ENV}; default: your user name).",
    )(func)


def open_store(db_path: Path | None, annotator: str | None = None, *, must_exist: bool = False,
               readonly: bool = False) -> Any:
    from annotui.core.store import Store

    path = db_path or default_db_path()
    if must_exist and not path.exists():
        raise StoreError(f"{path}: no such database (import something first)")
    return Store(path, annotator=annotator or default_annotator(), readonly=readonly)


def err_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def out_console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def prepare_for_reader(db_path: Path, annotator: str, paths: list[str], *, readonly: bool,
                       encoding: str = "utf-8", verb: str = "opening") -> tuple[int | None, bool]:
    """Before the reader opens (`annotui`, each `annotui serve` visitor): import PATHs or
    the sample, load default labels; a database that may only be read is opened
    read-only instead. Returns (the document to open first, read-only?)."""
    from annotui.core.bootstrap import prepare

    first = None
    if not readonly:
        try:
            store = open_store(db_path, annotator)
        except StoreError as exc:
            if "readonly" not in str(exc).replace("-", "").replace(" ", "").lower():
                raise
            # a database we may read but not write (a shared folder, a read-only mount)
            click.echo(f"annotui: {exc}; {verb} it read-only", err=True)
            readonly = True
        else:
            with store:
                first = prepare(store, paths, encoding=encoding, console=err_console())
    if readonly:
        if paths:
            raise StoreError("cannot import into a database opened read-only")
        with open_store(db_path, annotator, must_exist=True, readonly=True) as store:
            if store.first_document() is None:
                raise StoreError(f"{store.path}: read-only and empty: nothing to show")
    return first, readonly
