"""Hugging Face ``datasets`` reads annotui's native JSONL with typed columns.

``load_dataset("json")`` types a column only when its values agree: spans must come out
as a list of structs (start/end int64, label/text/annotator/note string), never as an
opaque ``Json`` column. Nothing is downloaded (offline) and the cache is a tmp folder.

What datasets 5.2 does with ``meta``, whose keys differ between documents, is pinned
here too: in the first 10 MB chunk, differing keys turn the whole ``meta`` column into
``Json`` (rows still come back as the dicts written); a change of keys *after* that
chunk, like a first chunk whose records have no spans at all, makes it fail with
``DatasetGenerationError``. Passing ``features=`` (as below) loads every case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from corpus import build

from annotui.core.exporter import export
from annotui.core.formats.jsonl import hf_features
from annotui.core.store import Store

import datasets  # noqa: E402  (in the test extras: a real consumer, never skipped)
from datasets import Features, List, Value  # noqa: E402

SPAN = {"start": Value("int64"), "end": Value("int64"), "label": Value("string"),
        "text": Value("string"), "annotator": Value("string"), "note": Value("string")}


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(name, "1")
        monkeypatch.setattr(datasets.config, name, True)
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    datasets.disable_progress_bars()


def exported(tmp_path: Path, extra: Any = None, before: Any = None) -> Path:
    """The corpus (with documents added ``before`` it and ``extra`` after) as native JSONL."""
    db = tmp_path / "corpus.db"
    if before is not None:
        with Store(db, annotator="alice") as store:
            before(store)
    store = build(db)
    try:
        if extra is not None:
            extra(store)
        out = tmp_path / "out.jsonl"
        export(store, "jsonl", out)
    finally:
        store.close()
    return out


def load(path: Path, **options: Any) -> Any:
    return datasets.load_dataset("json", data_files=str(path), split="train",
                                 cache_dir=str(path.parent / "hf-cache"), **options)


def written(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def assert_typed_spans(ds: Any) -> None:
    feature = ds.features["spans"]
    assert isinstance(feature, List), feature
    assert dict(feature.feature) == SPAN
    for name in ("id", "text", "annotator", "status"):
        assert ds.features[name] == Value("string"), name


def assert_rows_match(ds: Any, path: Path) -> None:
    rows = written(path)
    assert len(ds) == len(rows)
    for got, want in zip(ds, rows, strict=True):
        assert got["spans"] == want["spans"]
        for span in got["spans"]:
            assert got["text"][span["start"]:span["end"]] == span["text"]
        assert (got["id"], got["text"], got["annotator"], got["status"]) == (
            want["id"], want["text"], want["annotator"], want["status"])


def test_corpus_loads_with_typed_spans_and_meta(tmp_path: Path) -> None:
    path = exported(tmp_path)
    ds = load(path)
    assert_typed_spans(ds)
    assert ds.features["meta"] == {"title": Value("string"), "lang": Value("string")}
    assert_rows_match(ds, path)
    assert [row["meta"] for row in ds] == [row["meta"] for row in written(path)]
    assert any(s["note"] is None for row in ds for s in row["spans"])
    assert any(s["note"] for row in ds for s in row["spans"])


def test_records_without_spans_and_with_null_notes_keep_the_types(tmp_path: Path) -> None:
    def unlabelled(store: Store) -> None:
        store.add_document("Nobody labelled this one.", key="bare", title="bare sample",
                           meta={"lang": "en"})

    path = exported(tmp_path, unlabelled)
    assert written(path)[-1]["spans"] == []
    assert written(path)[-1]["annotator"] is None
    ds = load(path)
    assert_typed_spans(ds)
    assert ds[-1]["spans"] == [] and ds[-1]["annotator"] is None
    assert_rows_match(ds, path)


def web_page(store: Store) -> None:
    store.add_document("A page from the web, imported from HTML.", key="web",
                       title="web sample", source="pages/web.html", meta={"format": "html"})


def test_meta_with_other_keys_becomes_one_json_column(tmp_path: Path) -> None:
    # title + source + format beside title + lang: datasets gives up typing meta, but
    # loads, keeps spans typed and gives every row's meta back as written
    path = exported(tmp_path, web_page)
    ds = load(path)
    assert_typed_spans(ds)
    assert isinstance(ds.features["meta"], datasets.Json)
    assert [row["meta"] for row in ds] == [row["meta"] for row in written(path)]
    assert_rows_match(ds, path)


def features(meta: Any) -> Features:
    return Features({"id": Value("string"), "text": Value("string"), "spans": List(SPAN),
                     "annotator": Value("string"), "status": Value("string"), "meta": meta})


def unlabelled_first(store: Store) -> None:
    for n in range(3):
        store.add_document(f"Unlabelled document number {n}.", key=f"u{n}", title="u",
                           meta={"lang": "mixed"})


def test_first_chunk_without_spans_needs_explicit_features(tmp_path: Path) -> None:
    """datasets infers spans as list<null> from a first chunk (10 MB by default) without
    spans, then cannot cast the structs: why the README gives ``hf_features()``."""
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        load(exported(tmp_path, before=unlabelled_first), chunksize=200)


def test_meta_keys_changing_after_the_first_chunk_need_explicit_features(
        tmp_path: Path) -> None:
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        load(exported(tmp_path, web_page), chunksize=200)


@pytest.mark.parametrize("case", ["spans-late", "meta-late"])
def test_explicit_features_load_every_case(tmp_path: Path, case: str) -> None:
    path = (exported(tmp_path, before=unlabelled_first) if case == "spans-late"
            else exported(tmp_path, web_page))
    ds = load(path, chunksize=200, features=hf_features())
    assert hf_features() == features(datasets.Json())
    assert_typed_spans(ds)
    assert [row["meta"] for row in ds] == [row["meta"] for row in written(path)]
    assert_rows_match(ds, path)


def test_nothing_written_outside_the_tmp_cache(tmp_path: Path) -> None:
    home_cache = Path.home() / ".cache" / "huggingface" / "datasets"
    before = sorted(home_cache.rglob("*")) if home_cache.exists() else None
    load(exported(tmp_path))
    after = sorted(home_cache.rglob("*")) if home_cache.exists() else None
    assert after == before
    assert any((tmp_path / "hf-cache").iterdir())
