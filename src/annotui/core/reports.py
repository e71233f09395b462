"""The tables of ``annotui docs``, ``stats``, ``info`` and ``labels`` (rich, no Textual).

Every string that comes from a document goes through :func:`display_text` and into a
``rich.text.Text``, never into markup: an article may contain ``[bold]`` or ESC bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.table import Table
from rich.text import Text

from annotui import __version__
from annotui.core.display import display_text, one_line
from annotui.core.store import Store


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _safe(value: object, limit: int = 60) -> Text:
    return Text(one_line(str(value), limit))


def docs_listing(store: Store, width: int = 100) -> Iterator[Text]:
    """``annotui docs``: one line per document, drawn like the other tables (rich's
    heavy-head box) but line by line. A rich Table measures and lays out every cell
    before it prints a line: 13 s for 20,000 documents."""
    docs = store.documents()
    if not docs:
        yield Text("no documents yet: `annotui import PATH` or just `annotui`")
        return
    # everyone's spans too: `annotui docs` as another user must not look like lost work
    everyone = dict(store.conn.execute(
        "SELECT document_id, count(*) FROM spans GROUP BY document_id").fetchall())
    # one row per document: the title gets what the other columns leave of the terminal
    title_room = max(12, width - 64)
    rows = [(str(n), one_line(doc.key, 20), one_line(doc.title, title_room),
             f"{doc.length:,}", doc.status, str(doc.spans), str(everyone.get(doc.id, 0)))
            for n, doc in enumerate(docs, 1)]
    headers = ("#", "key", "title", "chars", "status", "spans", "all")
    right = (True, False, False, True, False, True, True)
    widths = [max(cell_len(h), *(cell_len(row[i]) for row in rows))
              for i, h in enumerate(headers)]
    who = display_text(store.annotator)
    yield Text(f"{plural(len(docs), 'document')} · annotator {who}", style="italic")
    yield Text("┏" + "┳".join("━" * (w + 2) for w in widths) + "┓")
    yield _boxed(headers, widths, right, "┃", Style(bold=True))
    yield Text("┡" + "╇".join("━" * (w + 2) for w in widths) + "┩")
    for row in rows:
        yield _boxed(row, widths, right, "│", None, status=_STATUS_STYLE[row[4]])
    yield Text("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")


_STATUS_STYLE = {"done": Style(color="green"), "skipped": Style(color="yellow"),
                 "todo": Style(dim=True)}


def _boxed(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool], bar: str,
           style: Style | None, status: Style | None = None) -> Text:
    line = Text(bar)
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * (width - cell_len(cell))
        line.append(" ")
        line.append(pad + cell if right[i] else cell + pad,
                    style=status if i == 4 and status else style)
        line.append(" " + bar)
    return line


def stats_tables(store: Store) -> list[Table | Text]:
    conn = store.conn
    total_docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    if not total_docs:
        return [Text("no documents yet")]
    labels = Table(title="spans by label", title_justify="left")
    labels.add_column("label")
    annotators = [r[0] for r in conn.execute(
        "SELECT DISTINCT annotator FROM spans ORDER BY 1")]
    for name in annotators:
        labels.add_column(display_text(name), justify="right")
    labels.add_column("total", justify="right")
    counts = {(label, who): n for label, who, n in conn.execute(
        "SELECT labels.name, spans.annotator, count(*) FROM spans"
        " JOIN labels ON labels.id = spans.label_id GROUP BY 1, 2")}
    for label in store.labels():
        row = [counts.get((label.name, who), 0) for who in annotators]
        labels.add_row(Text(display_text(label.name), style=f"bold {label.color}"),
                       *map(str, row), str(sum(row)))

    people = Table(title="annotators", title_justify="left")
    for column in ("annotator", "spans", "documents labelled", "done", "skipped"):
        people.add_column(column, justify="left" if column == "annotator" else "right")
    for who in annotators or []:
        spans, docs = conn.execute(
            "SELECT count(*), count(DISTINCT document_id) FROM spans WHERE annotator = ?",
            (who,)).fetchone()
        done, skipped = (conn.execute(
            "SELECT count(*) FROM statuses WHERE annotator = ? AND status = ?",
            (who, status)).fetchone()[0] for status in ("done", "skipped"))
        people.add_row(display_text(who), str(spans), str(docs), str(done), str(skipped))

    statuses = Table(title=plural(total_docs, "document"),
                     title_justify="left")
    statuses.add_column("status")
    statuses.add_column("documents", justify="right")
    done_any = conn.execute(
        "SELECT count(DISTINCT document_id) FROM statuses WHERE status = 'done'").fetchone()[0]
    untouched = conn.execute(
        "SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM spans"
        " WHERE document_id = d.id) AND NOT EXISTS (SELECT 1 FROM statuses"
        " WHERE document_id = d.id)").fetchone()[0]
    statuses.add_row("done by someone", str(done_any))
    statuses.add_row("untouched", str(untouched))
    return [labels, people, statuses]


def info_table(store: Store) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    size = os.path.getsize(store.path) if store.path.exists() else 0
    counts = store.counts()
    rows = [
        ("database", str(store.path.resolve())),
        ("size", f"{size / 1024:,.0f} KB"),
        ("schema version", f"{store.schema_version} (this annotui: {store.latest_schema})"),
        ("annotui", __version__),
        ("annotator", store.annotator),
        ("documents", f"{counts['documents']:,}"),
        ("labels", f"{counts['labels']:,}"),
        ("spans", f"{counts['spans']:,} by {counts['annotators']} annotator(s)"),
        ("suggestions", f"{counts['suggestions']:,} open"),
        ("events", f"{counts['events']:,}"),
    ]
    for key, value in rows:
        table.add_row(key, Text(display_text(value)))
    return table


def labels_table(store: Store) -> Table | Text:
    labels = store.labels()
    if not labels:
        return Text("no labels yet: `annotui` loads the defaults, `annotui labels add` adds one")
    table = Table(title="labels", title_justify="left")
    for column in ("key", "label", "colour", "spans", "guideline"):
        table.add_column(column, justify="right" if column == "spans" else "left")
    for label in labels:
        table.add_row(label.key or "", Text(display_text(label.name), style=f"bold {label.color}"),
                      Text(label.color, style=label.color), str(store.label_usage(label.name)),
                      _safe(label.description.strip().split("\n", 1)[0], 70))
    return table
