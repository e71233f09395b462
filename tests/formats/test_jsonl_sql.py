"""JSONL built by SQLite (the export's fast path) is byte for byte the JSONL built by
Python (json.dumps per record), and the export's work does not grow with the corpus."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from corpus import TEXTS, build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotui.core.formats import _jsonl_sql
from annotui.core.formats.jsonl import write_jsonl, write_records
from annotui.core.records import ExportText
from annotui.core.schema import StoreError
from annotui.core.store import Store

NASTY = 'quote " back\\slash / \x1b[31m esc \x07\x0b\x0c\x7f \t tab \u2028\u2029\u0085 é 😀'


def by_python(store: Store, **options: Any) -> bytes:
    out = io.StringIO()
    write_records(store, out, **options)
    return out.getvalue().encode("utf-8")


def by_sql(store: Store, **options: Any) -> bytes:
    """write_jsonl as `annotui export` runs it (bytes straight to the file) and, to a
    plain text stream, through str: the same bytes both ways."""
    raw = io.BytesIO()
    stream = ExportText(raw, encoding="utf-8", newline="\n")
    report = write_jsonl(store, stream, **options)
    stream.flush()
    text = io.StringIO()
    assert write_jsonl(store, text, **options) == report
    assert text.getvalue().encode("utf-8") == raw.getvalue()
    assert report.records == raw.getvalue().count(b"\n")
    return raw.getvalue()


@pytest.fixture
def python_never(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if any record is handed to the Python path: SQL must make every line."""
    def refuse(*args: object) -> None:
        raise AssertionError("a record went to the Python path")

    monkeypatch.setattr(_jsonl_sql, "_python_record", refuse)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """The hard-Unicode corpus, plus documents that are hard for JSON."""
    built = build(tmp_path / "corpus.db")
    nasty = f"{NASTY}. Second sentence, {NASTY}!"
    doc, _ = built.add_document(nasty, key=f"key {NASTY}", title=f"title {NASTY}",
                                source=f"source {NASTY}",
                                meta={"nested": {"a": [1, 2.5, 1e16, -0.0, None, True]},
                                      NASTY: NASTY, "n": 12345678901234567890})
    built.add_span(doc, 0, 5, "claim", note=NASTY)
    built.add_span(doc, 6, len(NASTY), "invitation", note="")
    built.add_span(doc, len(NASTY) + 2, len(nasty), "commitment")
    # a label whose id does not follow its name, on the same range as another span
    built.add_label("aardvark")
    built.add_span(doc, 0, 5, "aardvark")
    # "source" in meta with no source column stays in meta, where it was
    other, _ = built.add_document("Nobody has touched this one.", key="untouched",
                                  meta={"z": 1, "source": 7, "a": "b"})
    with Store(built.path, annotator=NASTY) as someone:
        someone.set_status(other, "skipped")
        someone.add_span(doc, 1, 4, "claim")
    yield built
    built.close()


OPTIONS = [dict(zip(("annotator", "status", "labels"), combo, strict=True))
           for combo in itertools.product(
               [None, "alice", "bob", NASTY, "nobody"], [None, "todo", "done", "skipped"],
               [None, ["claim"], ["claim", "aardvark"], ["no-such-label"]])]


@pytest.mark.parametrize("options", OPTIONS, ids=repr)
def test_sql_lines_equal_python_lines(store: Store, python_never: None,
                                      options: dict[str, Any]) -> None:
    options = {name: value for name, value in options.items() if value is not None}
    assert by_sql(store, **options) == by_python(store, **options)


def test_the_lines_are_the_records(store: Store, python_never: None) -> None:
    lines = by_sql(store).decode("utf-8").split("\n")[:-1]
    records = [json.loads(line) for line in lines]
    assert {r["id"] for r in records} >= set(TEXTS)
    for record in records:
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]
    for line in lines:
        assert not any(char in line for char in "\u2028\u2029\u0085\n")


def test_records_sql_cannot_make_go_through_python(store: Store,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # a text holding NUL (substr() stops there), a meta with its own title, a meta not
    # laid out by json.dumps, a long densely labelled text
    nul, _ = store.add_document("Before\x00after the NUL, a span.", key="nul")
    store.add_span(nul, 7, 12, "claim")
    store.add_document("Titled in meta.", key="titled", meta={"title": "mine", "k": 1})
    compact, _ = store.add_document("Compact meta.", key="compact")
    store.conn.execute("UPDATE documents SET meta = '{\"b\":1,\"a\":[1,2]}' WHERE id = ?",
                       (compact,))
    handed: list[object] = []
    real = _jsonl_sql._python_record

    def spy(*args: Any) -> Any:
        handed.append(args[1].key)
        return real(*args)

    monkeypatch.setattr(_jsonl_sql, "_python_record", spy)
    assert by_sql(store) == by_python(store)
    assert {"nul", "titled", "compact"} <= set(handed)
    handed.clear()
    monkeypatch.setattr(_jsonl_sql, "SHORT_TEXT", 10)
    monkeypatch.setattr(_jsonl_sql, "SUBSTR_WORK", 10)
    assert by_sql(store, annotator="alice") == by_python(store, annotator="alice")
    assert set(handed) >= {"emoji", "cjk", "combining"}


def test_a_span_past_its_text_is_refused_either_way(store: Store) -> None:
    doc = store.document_by_key("cjk")
    assert doc is not None
    store.conn.execute('UPDATE spans SET "end" = 999 WHERE document_id = ?', (doc.id,))
    for make in (by_python, by_sql):
        with pytest.raises(StoreError, match="outside its text"):
            make(store)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60),
       cuts=st.lists(st.tuples(st.integers(0, 59), st.integers(1, 60)), max_size=6),
       note=st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)),
                                         max_size=10)),
       meta=st.dictionaries(st.text(max_size=5),
                            st.one_of(st.none(), st.booleans(), st.integers(),
                                      st.floats(allow_nan=False), st.text(max_size=5)),
                            max_size=3))
def test_any_text_and_meta(tmp_path_factory: pytest.TempPathFactory, text: str,
                           cuts: list[tuple[int, int]], note: str | None,
                           meta: dict[str, Any]) -> None:
    if not text.strip():
        return
    path = tmp_path_factory.mktemp("any") / "any.db"
    with Store(path, annotator="any") as store:
        store.add_label("claim")
        doc, _ = store.add_document(text, meta=meta)
        for start, length in cuts:
            start, end = min(start, len(text) - 1), min(start + length, len(text))
            if start < end:
                with contextlib.suppress(StoreError):  # the same span twice
                    store.add_span(doc, start, end, "claim", note=note)
        assert by_sql(store) == by_python(store)


# -- the CI guard: work counted, not timed ------------------------------------------------


def corpus(path: Path, documents: int) -> Store:
    store = Store(path, annotator="alice")
    store.add_label("claim")
    for n in range(documents):
        doc, _ = store.add_document(f"Document {n} says something worth a label.")
        store.add_span(doc, 0, 8, "claim")
        if n % 3 == 0:
            store.set_status(doc, "done")
    with Store(path, annotator="bob") as bob:
        for doc in bob.document_ids()[::2]:
            bob.add_span(doc, 9, 12, "claim")
    return store


def statements(store: Store, **options: Any) -> list[str]:
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        write_jsonl(store, io.StringIO(), **options)
    finally:
        store.conn.set_trace_callback(None)
    return seen


@pytest.mark.parametrize("options", [{}, {"annotator": "bob"}, {"status": "done"},
                                     {"labels": ["claim"]}], ids=repr)
def test_export_issues_the_same_few_queries_for_any_corpus_size(
        tmp_path: Path, options: dict[str, Any]) -> None:
    small, large = corpus(tmp_path / "small.db", 3), corpus(tmp_path / "large.db", 120)
    few, many = statements(small, **options), statements(large, **options)
    assert len(few) == len(many) <= 5, many  # BEGIN, the labels' order, the query, COMMIT
    small.close()
    large.close()


def test_the_export_query_streams_without_sorting(tmp_path: Path) -> None:
    store = corpus(tmp_path / "plan.db", 3)
    for annotator, labels, by_id in itertools.product([None, "bob"], [False, True],
                                                      [False, True]):
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN " + _jsonl_sql._query(annotator, labels, by_id),
            {"annotator": annotator, "status": None, "span": "", "labels": "[]"}).fetchall()
        outer = [detail for _, parent, _, detail in plan if parent == 0]
        assert "SCAN d USING INDEX documents_position" in outer, plan
        assert not any("TEMP B-TREE" in detail for detail in outer), plan
    store.close()
