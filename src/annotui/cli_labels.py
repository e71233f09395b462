"""``annotui labels``: list and edit the label set."""

from __future__ import annotations

from pathlib import Path

import click

from annotui.cliutil import annotator_option, db_option, open_store, out_console


@click.group(invoke_without_command=True)
@db_option
@click.pass_context
def labels(ctx: click.Context, db_path: Path | None) -> None:
    """List (the default) or change the label set."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_cmd, db_path=db_path)


@labels.command("list")
@db_option
def list_cmd(db_path: Path | None = None) -> None:
    """The labels with their keys, colours, usage and guidelines."""
    from annotui.core.reports import labels_table

    with open_store(db_path, must_exist=True, readonly=True) as store:
        out_console().print(labels_table(store))


@labels.command("add")
@click.argument("name")
@click.option("--key", help="Key 1-9 (default: the first free one).")
@click.option("--color", help="Colour as #rrggbb (default: from annotui's palette).")
@click.option("--description", default="", help="A guideline: what counts, what does not.")
@db_option
@annotator_option
def add_cmd(name: str, key: str | None, color: str | None, description: str,
            db_path: Path | None, annotator: str | None) -> None:
    """Add a label."""
    with open_store(db_path, annotator) as store:
        label = store.add_label(name, key=key, color=color, description=description)
    click.echo(f"added label {label.name!r} (key {label.key or 'none'}, {label.color})")


@labels.command("rename")
@click.argument("name")
@click.argument("new_name")
@db_option
@annotator_option
def rename_cmd(name: str, new_name: str, db_path: Path | None, annotator: str | None) -> None:
    """Rename a label; its spans follow."""
    with open_store(db_path, annotator, must_exist=True) as store:
        store.rename_label(name, new_name)
    click.echo(f"renamed {name!r} to {new_name!r}")


@labels.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True, help="Also delete the spans that use it.")
@db_option
@annotator_option
def remove_cmd(name: str, force: bool, db_path: Path | None, annotator: str | None) -> None:
    """Remove a label (one in use needs --force; its spans stay in the events log)."""
    with open_store(db_path, annotator, must_exist=True) as store:
        deleted = store.remove_label(name, force=force)
    extra = f" and its {deleted} span{'s' if deleted != 1 else ''}" if deleted else ""
    click.echo(f"removed label {name!r}{extra}")


@labels.command("recolor")
@click.argument("name")
@click.argument("color")
@db_option
@annotator_option
def recolor_cmd(name: str, color: str, db_path: Path | None, annotator: str | None) -> None:
    """Give a label another colour (#rrggbb)."""
    with open_store(db_path, annotator, must_exist=True) as store:
        label = store.recolor_label(name, color)
    click.echo(f"{label.name!r} is now {label.color}")


@labels.command("rebind")
@click.argument("name")
@click.argument("key")
@db_option
@annotator_option
def rebind_cmd(name: str, key: str, db_path: Path | None, annotator: str | None) -> None:
    """Bind a label to key 1-9 ("none" unbinds); the key's previous holder loses it."""
    with open_store(db_path, annotator, must_exist=True) as store:
        label = store.rebind_label(name, None if key.lower() == "none" else key)
    click.echo(f"{label.name!r} is on key {label.key or 'none'}")


@labels.command("describe")
@click.argument("name")
@click.argument("description")
@db_option
@annotator_option
def describe_cmd(name: str, description: str, db_path: Path | None,
                 annotator: str | None) -> None:
    """Set a label's guideline text (shown by `?` in the reader)."""
    with open_store(db_path, annotator, must_exist=True) as store:
        store.set_label_description(name, description)
    click.echo(f"updated the guideline of {name!r}")
