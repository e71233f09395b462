"""Merging databases (issue 7): two and three databases, idempotence, nothing lost,
conflicts reported, history kept out of anyone's undo stack, snapshots of databases open
elsewhere, refusals that change nothing, and a kill -9 half-way."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotui.core import history, schema
from annotui.core.merge import MERGED, fingerprint, merge
from annotui.core.schema import SCHEMA_VERSION, StoreError
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"
SAMPLE = (ROOT / "data" / "sample-article.txt").read_text(encoding="utf-8")
OTHER_TEXT = "A second article. It says other things, at some length, to be labelled."


def make(path: Path, who: str, *texts: str, labels: bool = True) -> tuple[Store, list[int]]:
    store = Store(path, annotator=who)
    if labels:
        store.load_labels(LABELS)
    return store, [store.add_document(text, key=f"doc{n}")[0] for n, text in enumerate(texts)]


def span_set(path: Path) -> set[tuple[Any, ...]]:
    """Every span as (document text hash, start, end, label, annotator, note): ids differ
    between databases, this does not."""
    with Store(path, annotator="reader", readonly=True) as store:
        return set(store.conn.execute(
            'SELECT d.sha256, s.start, s."end", l.name, s.annotator, s.note FROM spans s'
            " JOIN documents d ON d.id = s.document_id JOIN labels l ON l.id = s.label_id"))


def status_set(path: Path) -> set[tuple[Any, ...]]:
    with Store(path, annotator="reader", readonly=True) as store:
        return set(store.conn.execute(
            "SELECT d.sha256, s.annotator, s.status FROM statuses s JOIN documents d"
            " ON d.id = s.document_id"))


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("documents", "labels", "spans", "statuses", "events",
                              "positions")}
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def native_events(path: Path) -> int:
    with Store(path, annotator="reader", readonly=True) as store:
        return int(store.conn.execute(
            "SELECT count(*) FROM events WHERE action != ?", (MERGED,)).fetchone()[0])


def origins(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute(
        "SELECT json_extract(after, '$.origin') FROM events WHERE action = ?", (MERGED,))]


def tick() -> None:
    """Let the millisecond timestamps move on: "the newer wins" must not see a tie."""
    time.sleep(0.003)


def at(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def team(tmp_path: Path) -> dict[str, Path]:
    """ana (the target), bob and cy: each labelled the sample; bob and cy one more text
    each, bob with a relabel undone and a deletion, cy with a label ana does not have."""
    ana, (a0,) = make(tmp_path / "ana.db", "ana", SAMPLE)
    ana.add_span(a0, *at(SAMPLE, "Azerbaijan and the countries"), "claim")
    ana.add_span(a0, *at(SAMPLE, "Azerbaijan is ready"), "commitment", note="ready")
    ana.set_status(a0, "done")
    ana.close()
    bob, _ = make(tmp_path / "bob.db", "bob", labels=False)
    bob.add_label("aside")  # so that bob's label ids are not ana's
    bob.rebind_label("aside", None)
    bob.load_labels(LABELS)
    b0, b1 = (bob.add_document(text, key=f"doc{n}")[0]
              for n, text in enumerate((SAMPLE, OTHER_TEXT)))
    first = bob.add_span(b0, *at(SAMPLE, "Azerbaijan and the countries"), "claim")
    bob.relabel_span(first.id, "invitation")
    bob.undo(b0)
    gone = bob.add_span(b0, *at(SAMPLE, "Azerbaijan is ready"), "claim")
    bob.delete_span(gone.id)
    bob.add_span(b0, *at(SAMPLE, "Azerbaijan is ready"), "commitment")
    bob.add_span(b1, *at(OTHER_TEXT, "A second article"), "claim", note="bob's note")
    bob.set_status(b0, "done")
    bob.close()
    cy, (c0, c1) = make(tmp_path / "cy.db", "cy", SAMPLE, "Cy's own text, nobody else has it.")
    cy.add_label("evidence", key="4", color="#123456", description="what backs a claim")
    cy.add_span(c0, *at(SAMPLE, "Azerbaijan and the countries"), "evidence")
    cy.add_span(c1, 0, 4, "claim")
    cy.set_status(c1, "skipped")
    cy.close()
    return {"ana": tmp_path / "ana.db", "bob": tmp_path / "bob.db", "cy": tmp_path / "cy.db"}


# -- two and three databases: nothing lost, nothing twice ------------------------------


def test_two_databases_nothing_lost_and_idempotent(team: dict[str, Path]) -> None:
    before = span_set(team["ana"]) | span_set(team["bob"])
    statuses = status_set(team["ana"]) | status_set(team["bob"])
    bob_events = native_events(team["bob"])
    with Store(team["ana"], annotator="ana") as ana:
        (report,) = merge(ana, [team["bob"]])
    assert report.source == "bob.db"
    assert (report.documents_new, report.documents_matched) == (1, 1)
    assert report.annotators["bob"].spans_added == 3
    assert report.annotators["bob"].statuses_added == 1
    assert report.events_added == bob_events and report.events_skipped == 0
    assert span_set(team["ana"]) == before
    assert status_set(team["ana"]) == statuses
    once = dump(team["ana"])
    with Store(team["ana"], annotator="ana") as ana:
        (again,) = merge(ana, [team["bob"]])
    assert not again.changed
    assert again.annotators["bob"].spans_skipped == 3
    assert (again.events_added, again.events_skipped) == (0, bob_events)
    assert dump(team["ana"]) == once  # not even a log line more


def test_three_databases_in_one_call(team: dict[str, Path]) -> None:
    union = span_set(team["ana"]) | span_set(team["bob"]) | span_set(team["cy"])
    statuses = status_set(team["ana"]) | status_set(team["bob"]) | status_set(team["cy"])
    with Store(team["ana"], annotator="ana") as ana:
        reports = merge(ana, [team["bob"], team["cy"]])
        assert [r.source for r in reports] == ["bob.db", "cy.db"]
        # new documents are appended in the order the other database has them
        assert [d.title for d in ana.documents()][1:] == [
            OTHER_TEXT[:80], "Cy's own text, nobody else has it."]
        assert [d.key for d in ana.documents()] == ["doc0", "doc1", "doc1-2"]
        assert ana.label("evidence").color == "#123456"
        assert len(origins(ana)) == len(set(origins(ana)))
    assert span_set(team["ana"]) == union
    assert status_set(team["ana"]) == statuses
    assert reports[1].renamed == [("doc1", "doc1-2")]  # doc1 here is bob's other text
    once = dump(team["ana"])
    with Store(team["ana"], annotator="ana") as ana:
        assert not any(r.changed for r in merge(ana, [team["cy"], team["bob"]]))
    assert dump(team["ana"]) == once


def test_the_same_events_by_two_ways_come_in_once(team: dict[str, Path]) -> None:
    """bob into cy, then cy and bob into ana: bob's history arrives twice, lands once."""
    with Store(team["cy"], annotator="cy") as cy:
        merge(cy, [team["bob"]])
    with Store(team["ana"], annotator="ana") as ana:
        first, second = merge(ana, [team["cy"], team["bob"]])
        assert second.events_added == 0
        assert second.events_skipped == native_events(team["bob"])
        merged = ana.conn.execute("SELECT count(*) FROM events WHERE action = ?",
                                  (MERGED,)).fetchone()[0]
        # every event of bob.db and cy.db, once (cy's log holds bob's as merged copies)
        assert merged == native_events(team["bob"]) + native_events(team["cy"])
        sources = {json.loads(a)["from"] for (a,) in ana.conn.execute(
            "SELECT after FROM events WHERE action = ?", (MERGED,))}
        assert sources == {"bob.db", "cy.db"}  # where each event was first written


def test_round_trip_brings_nobodys_events_back_twice(team: dict[str, Path]) -> None:
    with Store(team["ana"], annotator="ana") as ana:
        merge(ana, [team["bob"]])
    bob_own = native_events(team["bob"])
    with Store(team["bob"], annotator="bob") as bob:
        (back,) = merge(bob, [team["ana"]])
        # ana's own events come in; bob's, which went there, are recognised as his
        assert back.events_skipped == bob_own
        assert back.events_added == native_events(team["ana"])
        mine = {fingerprint(bob.conn, row) for row in bob.conn.execute(
            "SELECT id, ts, annotator, action, document_id, span_id, before, after, ref"
            " FROM events WHERE action != ?", (MERGED,))}
        assert not mine & set(origins(bob))
    assert span_set(team["bob"]) == span_set(team["ana"])


def test_a_copied_database_shares_its_history_once(tmp_path: Path) -> None:
    """A lead sets up the corpus and hands each annotator a copy: the events from before
    the copy are the same events, not new ones."""
    lead, (doc,) = make(tmp_path / "lead.db", "lead", SAMPLE)
    copy = sqlite3.connect(tmp_path / "bob.db")
    lead.conn.backup(copy)
    copy.close()
    shared = native_events(tmp_path / "lead.db")
    with Store(tmp_path / "bob.db", annotator="bob") as bob:
        bob.add_span(doc, 0, 10, "claim")
    (report,) = merge(lead, [tmp_path / "bob.db"])
    assert (report.events_skipped, report.events_added) == (shared, 1)
    assert report.documents_new == 0 and not report.labels_added
    lead.close()


# -- what comes in, and how ids are translated ----------------------------------------


def test_merged_events_keep_annotator_time_and_translate_ids(team: dict[str, Path]) -> None:
    with Store(team["bob"], annotator="bob", readonly=True) as bob:
        theirs = bob.conn.execute("SELECT id, ts, annotator, action FROM events"
                                  " ORDER BY id").fetchall()
    with Store(team["ana"], annotator="ana") as ana:
        top = ana.conn.execute("SELECT max(id) FROM events").fetchone()[0]
        merge(ana, [team["bob"]])
        rows = ana.conn.execute(
            "SELECT id, ts, annotator, action, document_id, span_id, after, ref FROM events"
            " WHERE id > ? AND action = ? ORDER BY id", (top, MERGED)).fetchall()
        assert [(json.loads(r[6])["event"], r[1], r[2], json.loads(r[6])["action"])
                for r in rows] == theirs
        by_action = {json.loads(r[6])["action"]: r for r in rows}
        # the undo names the merged copy of the relabel it undid
        assert by_action["undo"][7] == by_action["relabel"][0]
        # the last add (bob's note span): its row in our ids, pointing at our span
        add = [r for r in rows if json.loads(r[6])["action"] == "add"][-1]
        row = json.loads(add[6])["after"]
        span = ana.span(add[5])
        assert (row["id"], row["document_id"], row["label_id"]) == (
            span.id, span.document_id, ana.label_id("claim"))
        assert (span.annotator, span.note) == ("bob", "bob's note")
        # the deleted span is in the log, with our document and label ids
        deleted = by_action["delete"]
        gone = json.loads(deleted[6])["before"]
        assert deleted[5] is None and gone["id"] is None
        assert (gone["document_id"], gone["label_id"]) == (1, ana.label_id("claim"))
        summary = ana.conn.execute("SELECT annotator, after FROM events WHERE action ="
                                   " 'merge'").fetchall()
        assert [(who, json.loads(after)["from"]) for who, after in summary] == [
            ("ana", "bob.db")]


def test_span_rows_nested_in_an_event_are_translated_too(tmp_path: Path) -> None:
    """An event may carry several span rows (``{"spans": [row, ...]}``, one undo step
    for many spans): every row in it gets our ids."""
    ana, _ = make(tmp_path / "ana.db", "ana", OTHER_TEXT, SAMPLE)
    bob, (doc,) = make(tmp_path / "bob.db", "bob", SAMPLE)
    bob.add_label("aside")
    spans = [bob.add_span(doc, 0, 5, "aside"), bob.add_span(doc, 6, 9, "claim")]
    rows = [history.span_row(bob.conn, s.id) for s in spans]
    with bob.transaction():
        bob._event("add_many", doc, after={"spans": rows})
    bob.close()
    merge(ana, [tmp_path / "bob.db"])
    (after,) = [json.loads(a)["after"] for (a,) in ana.conn.execute(
        "SELECT after FROM events WHERE json_extract(after, '$.action') = 'add_many'")]
    ours = {(s.start, s.end): s for s in ana.spans(ana.document_ids()[1], "bob")}
    assert [(r["id"], r["document_id"], r["label_id"]) for r in after["spans"]] == [
        (ours[(0, 5)].id, ana.document_ids()[1], ana.label_id("aside")),
        (ours[(6, 9)].id, ana.document_ids()[1], ana.label_id("claim"))]
    ana.close()


def test_spans_keep_their_timestamps(team: dict[str, Path]) -> None:
    with Store(team["bob"], annotator="bob", readonly=True) as bob:
        times = {(s.start, s.end, s.label): (s.created_at, s.updated_at)
                 for doc in bob.document_ids() for s in bob.spans(doc)}
    with Store(team["ana"], annotator="ana") as ana:
        merge(ana, [team["bob"]])
        got = {(s.start, s.end, s.label): (s.created_at, s.updated_at)
               for doc in ana.document_ids() for s in ana.spans(doc, "bob")}
    assert got == times


# -- conflicts: documents, labels, notes, statuses ------------------------------------


def test_matched_documents_keep_our_key_title_and_meta(tmp_path: Path) -> None:
    ana, _ = make(tmp_path / "ana.db", "ana")
    doc, _ = ana.add_document(SAMPLE, key="speech", title="Ours", meta={"who": "ana"})
    bob, _ = make(tmp_path / "bob.db", "bob")
    bob.add_document(SAMPLE, key="aliyev", title="Theirs", meta={"who": "bob"})
    bob.close()
    (report,) = merge(ana, [tmp_path / "bob.db"])
    assert (report.documents_matched, report.other_key) == (1, 1)
    document = ana.document(doc)
    assert (document.key, document.title, document.meta) == ("speech", "Ours", {"who": "ana"})
    ana.close()


def test_label_rules(tmp_path: Path) -> None:
    ana, _ = make(tmp_path / "ana.db", "ana", SAMPLE)
    ana.add_label("question", key="4")
    bob, (doc,) = make(tmp_path / "bob.db", "bob", SAMPLE)
    bob.recolor_label("claim", "#000000")
    bob.rebind_label("commitment", "7")
    bob.set_label_description("invitation", "bob's own words")
    bob.add_label("evidence", key="4", color="#abcdef")   # 4 is ana's "question"
    bob.add_label("quote", key="8", color="#fedcba")      # 8 is free at ana's
    bob.add_span(doc, 0, 10, "evidence")
    bob.close()
    (report,) = merge(ana, [tmp_path / "bob.db"])
    assert report.labels_added == [("evidence", "4", "5"), ("quote", "8", "8")]
    assert sorted((name, what) for name, what, _, _ in report.label_conflicts) == [
        ("claim", "colour"), ("commitment", "key"), ("invitation", "description")]
    # ours wins where both have the label
    assert (ana.label("claim").color, ana.label("commitment").key) == ("#d9734e", "2")
    assert ana.label("invitation").description != "bob's own words"
    evidence = ana.label("evidence")
    assert (evidence.key, evidence.color) == ("5", "#abcdef")
    assert ana.label("question").key == "4"
    assert [s.label for s in ana.spans(ana.document_ids()[0], "bob")] == ["evidence"]
    ana.close()


def test_same_annotator_on_both_sides(tmp_path: Path) -> None:
    """ana on the server (the target) and on her laptop: her spans combine, the newer
    note and status win, and the losing values stay in the log."""
    laptop = tmp_path / "laptop.db"
    server, (doc,) = make(tmp_path / "server.db", "ana", SAMPLE)
    copy = sqlite3.connect(laptop)
    server.conn.backup(copy)
    copy.close()
    both = server.add_span(doc, 0, 10, "claim", note="server, older")
    server.set_status(doc, "done")
    older_here = server.add_span(doc, 20, 30, "claim")
    server.set_note(older_here.id, "server wins")
    tick()
    with Store(laptop, annotator="ana") as away:
        span = away.add_span(doc, 0, 10, "claim")
        away.set_note(span.id, "laptop, newer")       # newer than the server's note
        away.set_status(doc, "skipped")               # newer than the server's status
        away.add_span(doc, 40, 50, "commitment")
        old = away.add_span(doc, 20, 30, "claim")
        away.set_note(old.id, "laptop, older")
    tick()
    server.set_note(older_here.id, "server, newest")  # this one is newer
    (report,) = merge(server, [laptop])
    counts = report.annotators["ana"]
    assert (counts.spans_added, counts.spans_skipped) == (1, 2)
    assert (report.notes_updated, report.notes_kept) == (1, 1)
    assert counts.statuses_updated == 1
    notes = {(s.start, s.note) for s in server.spans(doc)}
    assert notes == {(0, "laptop, newer"), (20, "server, newest"), (40, None)}
    assert server.status(doc) == "skipped"
    logged = [json.loads(a) for (a,) in server.conn.execute(
        "SELECT before FROM events WHERE action = 'merge' AND before IS NOT NULL")]
    assert {"note": "server, older"} in logged
    assert {"annotator": "ana", "status": "done"} in logged
    assert both.id in {s.id for s in server.spans(doc)}  # our row, updated in place
    server.close()


def test_statuses_newest_wins_either_way(tmp_path: Path) -> None:
    ana, (doc,) = make(tmp_path / "ana.db", "ana", SAMPLE)
    ana.import_status(doc, "bob", "done")  # an old copy of bob's status
    tick()
    bob, _ = make(tmp_path / "bob.db", "bob", SAMPLE)
    bob.set_status(doc, "skipped")         # newer
    bob.close()
    cy, _ = make(tmp_path / "cy.db", "cy", SAMPLE)
    cy.import_status(doc, "bob", "todo")   # older than both
    cy.conn.execute("UPDATE statuses SET updated_at = '2000-01-01T00:00:00.000+00:00'")
    cy.close()
    first, second = merge(ana, [tmp_path / "bob.db", tmp_path / "cy.db"])
    assert first.annotators["bob"].statuses_updated == 1
    assert second.annotators["bob"].statuses_kept == 1
    assert ana.status(doc, "bob") == "skipped"
    ana.close()


# -- undo and redo are per database ---------------------------------------------------


def test_undo_and_redo_are_untouched_by_a_merge(team: dict[str, Path], tmp_path: Path
                                                ) -> None:
    # ana's own work elsewhere too: the same annotator in another database
    away, (doc_away,) = make(tmp_path / "away.db", "ana", SAMPLE)
    away.add_span(doc_away, *at(SAMPLE, "Central Asia"), "claim")
    away.close()
    with Store(team["ana"], annotator="ana") as ana:
        doc = ana.document_ids()[0]
        extra = ana.add_span(doc, *at(SAMPLE, "Our peoples"), "claim")
        ana.relabel_span(extra.id, "invitation")
        ana.undo(doc)  # a redo is pending
        stacks = history.stacks(ana.conn, doc, "ana")
        merge(ana, [team["bob"], team["cy"], tmp_path / "away.db"])
        after = history.stacks(ana.conn, doc, "ana")
        assert [[e.id for e in s] for s in after] == [[e.id for e in s] for s in stacks]
        # redo and undo do what they would have done without the merge
        assert ana.redo(doc) is not None
        assert ana.span(extra.id).label == "invitation"
        spans = span_set(team["ana"])
        change = ana.undo(doc)
        assert change is not None and change.action == "relabel"
        assert ana.span(extra.id).label == "claim"
        ana.undo(doc)  # the add
        assert span_set(team["ana"]) == {s for s in spans if s[1:3] != at(SAMPLE, "Our peoples")}
        # the merged span of ana's laptop stays: it was not done here
        assert at(SAMPLE, "Central Asia") in {(s.start, s.end) for s in ana.spans(doc)}
    with Store(team["ana"], annotator="bob") as bob:
        assert bob.undo(bob.document_ids()[0]) is None  # nothing of bob's was done here


# -- snapshots: safe while the other database is open ---------------------------------


def test_merge_while_the_other_holds_a_write_transaction(team: dict[str, Path]) -> None:
    busy = sqlite3.connect(team["bob"], isolation_level=None)
    busy.execute("BEGIN IMMEDIATE")
    busy.execute("UPDATE spans SET note = 'uncommitted'")
    busy.execute("DELETE FROM statuses")
    try:
        with Store(team["ana"], annotator="ana", busy_timeout=1) as ana:
            (report,) = merge(ana, [team["bob"]])
        assert report.annotators["bob"].spans_added == 3
        assert ("uncommitted" not in {s[5] for s in span_set(team["ana"])})
        assert report.annotators["bob"].statuses_added == 1
    finally:
        busy.execute("ROLLBACK")
        busy.close()


def test_merge_reads_committed_frames_still_in_the_wal(team: dict[str, Path]) -> None:
    other = Store(team["bob"], annotator="bob")
    other.conn.execute("PRAGMA wal_autocheckpoint = 0")
    doc = other.document_ids()[0]
    late = other.add_span(doc, 0, 3, "claim")  # committed, only in bob.db-wal
    wal = team["bob"].with_name("bob.db-wal")
    assert wal.stat().st_size > 0
    main_file = digest(team["bob"])
    try:
        with Store(team["ana"], annotator="ana") as ana:
            merge(ana, [team["bob"]])
            assert (0, 3) in {(s.start, s.end) for s in ana.spans(ana.document_ids()[0], "bob")}
        assert digest(team["bob"]) == main_file  # never written to
        assert other.span(late.id).start == 0
    finally:
        other.close()


def test_an_older_schema_is_migrated_on_the_copy_only(
        team: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def m_next(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE documents ADD COLUMN language TEXT")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, ("language", m_next)])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    before = digest(team["bob"])
    with Store(team["ana"], annotator="ana") as ana:  # the target is migrated on opening
        (report,) = merge(ana, [team["bob"]])
    assert report.annotators["bob"].spans_added == 3
    assert digest(team["bob"]) == before
    assert not list(team["bob"].parent.glob("bob.db.v*.bak"))
    conn = sqlite3.connect(team["bob"])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


# -- refusals change nothing ----------------------------------------------------------


def _other_application(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.commit()
    conn.close()


def _newer(path: Path) -> None:
    Store(path, annotator="x").close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


BAD = {
    "missing": (lambda p: None, "no such file"),
    "folder": (lambda p: p.mkdir(), "directory"),
    "text": (lambda p: p.write_text("not a database\n" * 100), "not an annotui database"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "other-app": (_other_application, "another application"),
    "newer": (_newer, "newer annotui"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_sources_are_refused_in_one_line_and_nothing_changes(
        team: dict[str, Path], kind: str) -> None:
    make_it, message = BAD[kind]
    bad = team["ana"].with_name(f"{kind}.db")
    make_it(bad)
    before = dump(team["ana"])
    # bob.db is fine, but it is one merge: nothing of it lands either
    with Store(team["ana"], annotator="ana") as ana, pytest.raises(StoreError) as exc:
        merge(ana, [team["bob"], bad])
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert dump(team["ana"]) == before


def test_the_target_itself_is_refused(team: dict[str, Path]) -> None:
    with Store(team["ana"], annotator="ana") as ana, \
            pytest.raises(StoreError, match="database being merged into"):
        merge(ana, [team["ana"].parent / "." / "ana.db"])


def test_dry_run_reports_the_same_and_changes_nothing(team: dict[str, Path]) -> None:
    before = dump(team["ana"])
    with Store(team["ana"], annotator="ana") as ana:
        dry = merge(ana, [team["bob"], team["cy"]], dry_run=True)
        assert dump(team["ana"]) == before
        real = merge(ana, [team["bob"], team["cy"]])
    assert dry == real


def test_kill_9_half_way_leaves_the_target_as_it_was(team: dict[str, Path]) -> None:
    before = dump(team["ana"])
    worker = textwrap.dedent(f"""
        import time
        from annotui.core.merge import merge
        from annotui.core.store import Store

        def progress(source, phase):
            # after labels, documents, spans and statuses have been written
            if source == "cy.db" and phase == "events":
                print("MERGING", flush=True)
                time.sleep(60)

        store = Store({str(team["ana"])!r}, annotator="ana")
        merge(store, [{str(team["bob"])!r}, {str(team["cy"])!r}], progress=progress)
        print("DONE", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", worker], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    child.kill()
    _, err = child.communicate()
    assert line.startswith("MERGING"), err
    assert dump(team["ana"]) == before
    with Store(team["ana"], annotator="ana") as ana:
        assert ana.check() == []
        merge(ana, [team["bob"], team["cy"]])
    assert span_set(team["ana"]) == (span_set(team["bob"]) | span_set(team["cy"])
                                     | {s for s in span_set(team["ana"]) if s[4] == "ana"})


# -- a property: any work on three databases, merged in any order, any number of times --


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_any_merge_order_gives_the_union_once(tmp_path_factory: pytest.TempPathFactory,
                                              seed: int) -> None:
    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("prop")
    texts = [SAMPLE, OTHER_TEXT, "Third text, a short one."]
    paths = [folder / f"{who}.db" for who in ("ana", "bob", "cy")]
    for path, who in zip(paths, ("ana", "bob", "ana"), strict=True):  # ana on two
        store, docs = make(path, who, *rng.sample(texts, rng.randint(1, 3)))
        for _ in range(rng.randint(0, 12)):
            doc = rng.choice(docs)
            length = len(store.document(doc).text)
            start = rng.randrange(length - 1)
            choice = rng.random()
            try:
                if choice < 0.6:
                    store.add_span(doc, start, rng.randint(start + 1, min(length, start + 40)),
                                   rng.choice(["claim", "commitment", "invitation"]),
                                   note=rng.choice([None, "n"]))
                elif choice < 0.75:
                    store.undo(doc)
                elif choice < 0.85:
                    store.redo(doc)
                else:
                    store.set_status(doc, rng.choice(["done", "skipped", "todo"]))
            except StoreError:
                pass
        store.close()
    union = set().union(*(span_set(p) for p in paths))
    for _ in range(rng.randint(2, 5)):
        target, *others = rng.sample(paths, rng.randint(2, 3))
        with Store(target, annotator="ana") as store:
            merge(store, others)
    for path in paths:
        with Store(path, annotator="ana") as store:
            merge(store, [p for p in paths if p != path])
    for path in paths:
        # everything everywhere (same span twice with another note: one copy survives)
        assert {s[:5] for s in span_set(path)} == {s[:5] for s in union}
        with Store(path, annotator="ana") as store:
            assert len(origins(store)) == len(set(origins(store)))
            assert store.check() == []
            # no event twice: not as two copies, nor as a copy of one of its own
            own = {fingerprint(store.conn, row) for row in store.conn.execute(
                "SELECT id, ts, annotator, action, document_id, span_id, before, after,"
                " ref FROM events WHERE action != ?", (MERGED,))}
            assert not own & set(origins(store))


def test_two_databases_merged_into_each_other_settle(tmp_path: Path) -> None:
    """A merges B, B merges A, and so on: each merge logs a summary, which the other side
    brings in as history but not as news, so after a round nothing changes either way."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    store, (doc,) = make(a, "ana", SAMPLE)
    store.add_span(doc, 0, 11, "claim")
    store.close()
    store, (doc,) = make(b, "bob", SAMPLE)
    store.add_span(doc, 12, 20, "commitment")
    store.close()
    added = []
    for _ in range(3):
        for here, there, who in ((a, b, "ana"), (b, a, "bob")):
            with Store(here, annotator=who) as store:
                added.append(merge(store, [there])[0].changed)
    assert added[-2:] == [False, False], added  # the third round: nothing new either way
    assert span_set(a) == span_set(b)
