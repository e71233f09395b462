"""The team commands: ``annotui agree`` (inter-annotator agreement as rich tables or
JSON) and ``annotui merge`` (other annotators' databases into this one).

The numbers come from :mod:`annotui.core.agreement`, whose docstring defines each one, and
the merge rules from :mod:`annotui.core.merge`; this module only picks, formats and
prints. Every name that comes from a database goes through ``display_text`` into a
``Text``, never into markup.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from annotui.cliutil import (
    annotator_option,
    db_option,
    default_db_path,
    err_console,
    open_store,
    out_console,
)

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from annotui.core.agreement import Agreement
    from annotui.core.merge import MergeReport

# Krippendorff's rule of thumb: from .800 reliable, from .667 tentative conclusions only
GOOD, FAIR = 0.8, 0.667
# two-line headers: the table fits 80 columns
SCORES = ("exact\nF1", "overlap\nF1", "κ\nall words", "κ\nlabelled")

LEGEND = (
    "exact F1: same start, end and label · overlap F1: same label and overlapping",
    "κ: Cohen's kappa over all words, or over those either annotator labelled",
    "α: Krippendorff's alpha (nominal) over words, where 3+ annotators labelled",
    "green from 0.8, yellow from 0.667 (Krippendorff's rule of thumb) · — undefined",
)


def _score(value: float | None) -> Text:
    from rich.text import Text

    if value is None:
        return Text("—", style="dim")
    style = "green" if value >= GOOD else "yellow" if value >= FAIR else "red"
    return Text(f"{value:.3f}", style=style)


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _name(value: str) -> str:
    from annotui.core.display import one_line

    return one_line(value, 30)


def _label(name: str | None, colors: dict[str, str]) -> Text:
    from rich.text import Text

    if name is None:
        return Text("all labels", style="bold")
    return Text(_name(name), style=f"bold {colors.get(name, '')}".strip())


def _words(tokens: int, labelled: int) -> str:
    return f"{_plural(tokens, 'word')} ({labelled:,} labelled)"


def pair_tables(result: Agreement, shown: set[str], colors: dict[str, str]) -> list[Table]:
    """One table per pair: a row per label and one for all labels."""
    from rich.table import Table
    from rich.text import Text

    tables = []
    for pair in result.pairs:
        s0 = pair.overall
        table = Table(title=Text(f"{_name(pair.a)} · {_name(pair.b)}: "
                                 f"{_plural(s0.documents, 'document')}, "
                                 f"{_words(s0.tokens, s0.tokens_labelled)}"),
                      title_justify="left")
        table.add_column("label", no_wrap=True)
        for column in ("docs", f"spans\n{_name(pair.a)}", f"spans\n{_name(pair.b)}",
                       *SCORES):
            # names are text, not markup: a header is a Text too
            table.add_column(Text(column), justify="right")
        rows = [s for s in pair.labels if s.label in shown]
        for s in [*rows, s0]:
            table.add_row(_label(s.label, colors), f"{s.documents:,}", f"{s.spans_a:,}",
                          f"{s.spans_b:,}", _score(s.exact_f1), _score(s.overlap_f1),
                          _score(s.kappa), _score(s.kappa_labelled),
                          end_section=s is rows[-1] if rows else False)
        tables.append(table)
    return tables


def summary_table(result: Agreement) -> Table:
    """Every pair over all labels: who agrees with whom, at a glance."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"all labels, {_plural(len(result.pairs), 'pair')}",
                  title_justify="left")
    table.add_column("pair")
    for column in ("docs", "spans", *SCORES):
        table.add_column(column, justify="right")
    for pair in result.pairs:
        s = pair.overall
        table.add_row(Text(f"{_name(pair.a)} · {_name(pair.b)}"), f"{s.documents:,}",
                      f"{s.spans_a:,} · {s.spans_b:,}", _score(s.exact_f1),
                      _score(s.overlap_f1), _score(s.kappa), _score(s.kappa_labelled))
    return table


def alpha_table(result: Agreement, shown: set[str], colors: dict[str, str]) -> Table:
    """Krippendorff's alpha of the documents that three or more annotators labelled."""
    from rich.table import Table
    from rich.text import Text

    group = result.group
    assert group is not None
    s0 = group.overall
    table = Table(title=Text(f"Krippendorff's α: {', '.join(map(_name, group.annotators))}"
                             f" on {_plural(s0.documents, 'document')}, "
                             f"{_words(s0.tokens, s0.tokens_labelled)}"),
                  title_justify="left")
    table.add_column("label", no_wrap=True)
    for column in ("docs", "spans", "α\nall words", "α\nlabelled"):
        table.add_column(column, justify="right")
    rows = [s for s in group.labels if s.label in shown]
    for s in [*rows, s0]:
        table.add_row(_label(s.label, colors), f"{s.documents:,}", f"{s.spans:,}",
                      _score(s.alpha), _score(s.alpha_labelled),
                      end_section=s is rows[-1] if rows else False)
    return table


@click.command("agree")
@db_option
@click.option("--label", "labels", multiple=True,
              help="Only this label (repeatable); other labels' spans are ignored.")
@click.option("--annotator", "annotators", multiple=True,
              help="Only this annotator (repeatable; at least two).")
@click.option("--done", "done_only", is_flag=True,
              help="Count a document for an annotator only if they marked it done.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Tables to read, or one JSON object for scripts.")
def agree(db_path: Path | None, labels: tuple[str, ...], annotators: tuple[str, ...],
          done_only: bool, fmt: str) -> None:
    """Inter-annotator agreement: span F1, word-level kappa, Krippendorff's alpha.

    Every pair of annotators who labelled the same documents (marked them done, or made a
    span) is compared per label and over all labels, on those documents only; alpha is
    added when three or more annotators labelled a document.
    """
    from rich.text import Text

    from annotui.core.agreement import agreement

    if len(set(annotators)) == 1:
        raise click.ClickException("agreement needs two annotators: give --annotator at"
                                   " least twice (or not at all, for everyone)")
    with open_store(db_path, must_exist=True, readonly=True) as store:
        for name in labels:
            store.label(name)  # an unknown label is a typo, not an empty result
        known = {who for (who,) in store.conn.execute(
            "SELECT annotator FROM spans UNION SELECT annotator FROM statuses")}
        for who in annotators:
            if who not in known:
                raise click.ClickException(
                    f"no annotator {_name(who)!r} in {store.path} (there are: "
                    f"{', '.join(sorted(map(_name, known))) or 'none'})")
        result = agreement(store, annotators=list(annotators) or None,
                           labels=list(labels) or None, done_only=done_only)
        colors = {label.name: label.color for label in store.labels()}
    if not result.pairs:
        who = ", ".join(map(_name, result.annotators)) or "nobody"
        raise click.ClickException(
            "no two annotators labelled the same document, so there is no agreement to"
            f" measure (annotators with {'done ' if done_only else ''}documents: {who})")
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    # a label nobody used makes a row of dashes: shown only when asked for by name
    shown = set(labels) or {s.label for pair in result.pairs for s in pair.labels
                            if s.spans_a or s.spans_b}
    console = out_console()
    printed: list[Any] = pair_tables(result, shown, colors)
    if len(result.pairs) > 1:
        printed.append(summary_table(result))
    if result.group is not None:
        printed.append(alpha_table(result, shown, colors))
    for table in printed:
        console.print(table)
    legend = [line for line in LEGEND if result.group or not line.startswith("α")]
    console.print(Text("\n".join(legend), style="dim"))
    if result.single_documents:
        console.print(Text(f"{_plural(result.single_documents, 'document')} labelled by one"
                           " annotator only, not compared.", style="dim"))


# -- merge -------------------------------------------------------------------------


def merge_summary(report: MergeReport, target: str, dry_run: bool) -> list[Any]:
    """A table per annotator (spans and statuses), then documents, labels, events and
    every conflict, each resolved by the rule the README gives."""
    from rich.table import Table
    from rich.text import Text

    title = f"{_name(report.source)} → {_name(target)}{' (dry run)' if dry_run else ''}"
    table = Table(title=Text(title), title_justify="left")
    table.add_column("annotator")
    for column in ("spans\nadded", "spans\nalready here", "statuses\nadded",
                   "statuses\nupdated", "statuses\nkept ours"):
        table.add_column(column, justify="right")
    for who, c in sorted(report.annotators.items()):
        table.add_row(Text(_name(who)), f"{c.spans_added:,}", f"{c.spans_skipped:,}",
                      f"{c.statuses_added:,}", f"{c.statuses_updated:,}",
                      f"{c.statuses_kept:,}")
    documents = (f"documents: {report.documents_new:,} new,"
                 f" {report.documents_matched:,} already here (matched by text)")
    added = ", ".join(f"{_name(name)}" + (f" (key {key})" if key else " (no key)")
                      for name, _, key in report.labels_added)
    lines = [documents, f"labels: {added or 'none new'}",
             f"events: {report.events_added:,} added to the log,"
             f" {report.events_skipped:,} already here"]
    conflicts = []
    for theirs, here in report.renamed:
        conflicts.append(f"document key {_name(theirs)!r} is another text here:"
                         f" stored as {_name(here)!r}")
    if report.other_key:
        conflicts.append(f"{_plural(report.other_key, 'matched document')} called"
                         " differently there: our key, title and meta kept")
    for name, asked, got in report.labels_added:
        if asked and asked != got:
            conflicts.append(f"label {_name(name)}: key {asked} is taken here, so it got"
                             f" {'key ' + got if got else 'no key'}")
    for name, what, ours, theirs in report.label_conflicts:
        if what == "description":
            conflicts.append(f"label {_name(name)}: another description there: ours kept")
        else:
            conflicts.append(f"label {_name(name)}: {what} {ours or 'none'} here,"
                             f" {theirs or 'none'} there: ours kept")
    if report.notes_updated or report.notes_kept:
        conflicts.append(f"{_plural(report.notes_updated + report.notes_kept, 'span')} with"
                         f" another note there: {report.notes_updated:,} newer there"
                         f" (taken), {report.notes_kept:,} newer here (kept)")
    kept = sum(c.statuses_kept for c in report.annotators.values())
    updated = sum(c.statuses_updated for c in report.annotators.values())
    if kept or updated:
        many = kept + updated > 1
        conflicts.append(f"{kept + updated:,} status{'es differ' if many else ' differs'}:"
                         f" the newer one won ({updated:,} from there, {kept:,} ours)")
    # no spans and no statuses there: no table, but still the title
    printed: list[Any] = [table] if report.annotators else [Text(title, style="italic")]
    printed.append(Text("\n".join(lines)))
    if conflicts:
        printed.append(Text("\n".join(f"conflict: {line}" for line in conflicts),
                            style="yellow"))
    return printed


@click.command("merge")
@click.argument("others", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@annotator_option
@click.option("--dry-run", is_flag=True,
              help="Say what would come in, and change nothing.")
def merge(others: tuple[Path, ...], db_path: Path | None, annotator: str | None,
          dry_run: bool) -> None:
    """Bring other annotators' databases (OTHERS) into this one.

    Each file is copied through SQLite's backup API first, so it may be open in another
    annotui meanwhile, and is never written to. Documents are matched by their text;
    spans, statuses and history keep their annotator; nothing comes in twice, so running
    it again adds nothing. Everything lands in one transaction, or nothing does.
    Conflicts (labels, keys, notes, statuses) are resolved by the README's rules and
    listed in the summary.
    """
    import tempfile

    from rich.text import Text

    from annotui.core.merge import merge_sources, snapshots

    target = db_path or default_db_path()
    created = not target.exists()
    console, status = out_console(), err_console()
    # every OTHER is copied and checked before the target is opened (or created)
    with snapshots(others, target) as sources, tempfile.TemporaryDirectory() as spare:
        # a dry run into a database that does not exist yet: into an empty one instead
        path = Path(spare) / "empty.db" if dry_run and created else target
        with open_store(path, annotator) as store, status.status("merging") as spinner:
            reports = merge_sources(store, sources, dry_run=dry_run, progress=lambda
                                    source, phase: spinner.update(f"{source}: {phase}"))
    for report in reports:
        for renderable in merge_summary(report, target.name, dry_run):
            console.print(renderable)
    if dry_run:
        console.print(Text("dry run: nothing was changed", style="bold"))
    elif not any(report.changed for report in reports):
        console.print(Text(f"nothing new: {_name(target.name)} had all of it already"))
    elif created:
        from annotui.core.display import one_line

        console.print(Text(f"created {one_line(str(target), 1000)}"))
