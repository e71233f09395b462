"""Consistency checks (annotui.core.consistency): every kind of finding, positive and
negative, with real Unicode; the order of findings; the scope (annotator, documents,
kinds); and an inconsistency planted in the bundled sample."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotui.core.agreement import tokens
from annotui.core.consistency import KINDS, SEVERITY, Finding, _parts, check
from annotui.core.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample-article.txt"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "c.db", annotator="ana") as s:
        s.load_labels(ROOT / "data" / "labels.toml")
        yield s


def doc(store: Store, text: str, key: str = "d") -> int:
    return store.add_document(text, key=key)[0]


def label(store: Store, doc_id: int, piece: str, name: str = "claim", nth: int = 0,
          left: int = 0, right: int = 0) -> int:
    """Label the nth occurrence of ``piece``, its edges moved by ``left``/``right``."""
    text = store.document(doc_id).text
    at = -1
    for _ in range(nth + 1):
        at = text.index(piece, at + 1)
    return store.add_span(doc_id, at + left, at + len(piece) + right, name).id


def found(store: Store, *kinds: str, **options: object) -> list[Finding]:
    result = list(check(store, kinds=kinds or None, **options))  # type: ignore[arg-type]
    for f in result:  # the invariant every finding keeps
        assert store.document(f.document_id).text[f.start:f.end] == f.text
        assert f.severity == SEVERITY[f.kind] and "\n" not in f.message
    return result


def places(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.kind, f.start, f.end) for f in findings]


# -- cuts-word ------------------------------------------------------------------------


def test_a_span_ending_or_starting_inside_a_word_cuts_it(store: Store) -> None:
    d = doc(store, "Azerbaijan and the countries of Central Asia.")
    a = label(store, d, "Azerbaijan", right=-1)
    b = label(store, d, "countries", left=2)
    label(store, d, "Central Asia")  # whole words: fine
    result = found(store, "cuts-word")
    assert [(f.span_id, f.message) for f in result] == [
        (a, "claim “Azerbaija” ends inside the word “Azerbaijan”"),
        (b, "claim “untries” starts inside the word “countries”")]
    assert result[0].severity == "error" and result[0].label == "claim"


def test_hyphens_and_apostrophes_are_places_a_span_may_stop(store: Store) -> None:
    d = doc(store, "Baku-Tbilisi-Kars railway and Azerbaijan’s fleet, centuries-old ties.")
    label(store, d, "Baku")
    label(store, d, "Tbilisi")
    label(store, d, "Azerbaijan")
    label(store, d, "old ties")
    assert found(store, "cuts-word") == []
    label(store, d, "Kar")
    assert [f.message for f in found(store, "cuts-word")] == [
        "claim “Kar” ends inside the word “Kars”"]


def test_splitting_a_character_is_cutting_it(store: Store) -> None:
    text = "Un cafe\u0301 noir, then 👩🏽\u200d💻 coding."
    d = doc(store, text)
    label(store, d, "cafe")  # leaves the combining accent behind
    e = text.index("👩")
    store.add_span(d, e, e + 2, "claim")  # the woman and her skin tone, not the laptop
    result = found(store, "cuts-word")
    assert [f.message for f in result] == [
        "claim “cafe” ends inside the character “e\u0301”",
        "claim “👩🏽” ends inside the character “👩🏽\u200d💻”"]
    label(store, d, "cafe\u0301")
    assert len(found(store, "cuts-word")) == 2  # the whole word is fine


def test_han_and_kana_may_be_cut_anywhere_but_not_inside_a_character(store: Store) -> None:
    d = doc(store, "我爱北京天安门。東京タワーへ行きます。")
    label(store, d, "北京")
    label(store, d, "タワー")
    label(store, d, "東京")
    assert found(store, "cuts-word") == []


def test_a_span_that_cuts_a_word_takes_no_part_in_the_text_checks(store: Store) -> None:
    d = doc(store, "Tokayev met Tokayeva. Tokayev left.")
    label(store, d, "Tokayev", nth=1)  # cuts "Tokayeva"
    assert places(found(store)) == [("cuts-word", 12, 19)]


# -- whitespace ----------------------------------------------------------------------


def test_spans_with_white_space_at_an_edge(store: Store) -> None:
    text = "Astana hosted it.\n  The\u00a0meeting ended.\tBaku\u200b waits."
    d = doc(store, text)
    label(store, d, "Astana ", "commitment")
    label(store, d, "\n  The")
    label(store, d, "meeting ended.\t")
    label(store, d, "Baku\u200b")
    s = text.index("\u00a0")
    store.add_span(d, s, s + 1, "invitation")
    label(store, d, "hosted it.")  # clean
    result = found(store, "whitespace")
    assert [f.message for f in result] == [
        "commitment “Astana ” ends with a space",
        "claim “ ⏎   The” starts with white space (newline, space)",
        "invitation “\u00a0” holds only white space",
        "claim “meeting ended. ” ends with a tab",
        "claim “Baku¦” ends with a zero-width space"]
    assert {f.severity for f in result} == {"error"}


# -- same-label-overlap ---------------------------------------------------------------


def test_overlapping_and_nested_spans_with_one_label(store: Store) -> None:
    text = "Our peoples share a centuries-old history, culture, religion, and common values."
    d = doc(store, text)
    outer = label(store, d, "Our peoples share a centuries-old history")
    inner = label(store, d, "centuries-old history")
    cross = label(store, d, "history, culture")
    same_start = label(store, d, "Our peoples share a centuries-old history, culture")
    label(store, d, "culture, religion", "commitment")  # another label: fine
    label(store, d, "religion", "commitment")  # inside the commitment above
    label(store, d, "common values")  # touching is not overlapping
    label(store, d, "and common", "invitation")
    result = found(store, "same-label-overlap")
    got = [(f.span_id, f.message.split("” ", 1)[1], f.related and f.related[2:])
           for f in result]
    # each span is compared with the furthest-reaching earlier one with its label
    assert got[:3] == [(same_start, "contains another claim span (0–41)", (0, 41)),
                       (inner, "inside another claim span (0–50)", (0, 50)),
                       (cross, "inside another claim span (0–50)", (0, 50))]
    assert [(f.label, f.text, f.message) for f in result[3:]] == [
        ("commitment", "religion", "commitment “religion” inside another commitment span"
                                   " (43–60)")]
    assert outer not in [span for span, *_ in got]


def test_two_annotators_on_the_same_words_do_not_overlap_each_other(store: Store,
                                                                    tmp_path: Path) -> None:
    d = doc(store, "Growing threats require cooperation.")
    label(store, d, "Growing threats")
    with Store(tmp_path / "c.db", annotator="bob") as bob:
        bob.add_span(d, 0, 15, "claim")
        bob.add_span(d, 8, 23, "claim")
    assert found(store, "same-label-overlap") == []
    (f,) = found(store, "same-label-overlap", everyone=True)
    assert (f.annotator, f.start, f.end) == ("bob", 8, 23)


# -- label-conflict ------------------------------------------------------------------


def test_the_odd_one_out_is_reported_against_the_majority(store: Store) -> None:
    a = doc(store, "Central Asia grows. Central Asia trades. The central   asia.", "a")
    b = doc(store, "Talks on CENTRAL ASIA, and on Central Asia’s future.", "b")
    label(store, a, "Central Asia")
    label(store, a, "Central Asia", nth=1)
    label(store, a, "central   asia.")  # case, white space and a full stop: the same text
    odd = label(store, b, "CENTRAL ASIA", "commitment")
    label(store, b, "Central Asia’s")  # another text: "central asia’s"
    (f,) = found(store, "label-conflict")
    assert (f.document_key, f.span_id, f.label, f.severity) == ("b", odd, "commitment",
                                                               "warning")
    assert f.message == ("“CENTRAL ASIA”: commitment here, claim in 3 other places"
                         " (first a at 0–12)")
    assert f.related is not None and f.related[1:] == ("a", 0, 12)


def test_a_tie_reports_every_place(store: Store) -> None:
    d = doc(store, "Baku will host COP29. Baku is ready.")
    first = label(store, d, "Baku")
    second = label(store, d, "Baku", "invitation", nth=1)
    result = found(store, "label-conflict")
    assert [(f.span_id, f.message) for f in result] == [
        (first, "“Baku”: claim here, invitation in 1 other place (first at 22–26)"),
        (second, "“Baku”: invitation here, claim in 1 other place (first at 0–4)")]


def test_the_labels_on_one_place_are_one_choice(store: Store) -> None:
    d = doc(store, "We will host COP29. We will host COP29. We will host COP29.")
    for nth in range(3):
        label(store, d, "We will host COP29", nth=nth)
    label(store, d, "We will host COP29", "commitment", nth=0)
    label(store, d, "We will host COP29", "commitment", nth=1)
    (f,) = found(store, "label-conflict")  # {claim, commitment} twice, {claim} once
    assert f.start == 40
    assert f.message.startswith("“We will host COP29”: claim here, claim + commitment in 2")


def test_other_annotators_labels_do_not_conflict_with_mine(store: Store,
                                                           tmp_path: Path) -> None:
    d = doc(store, "Aliyev stressed it. Aliyev said it.")
    label(store, d, "Aliyev")
    label(store, d, "Aliyev", nth=1)
    with Store(tmp_path / "c.db", annotator="bob") as bob:
        bob.add_span(d, 0, 6, "invitation")
    assert found(store, "label-conflict") == []
    assert found(store, "label-conflict", annotator="bob") == []
    assert found(store, "label-conflict", everyone=True) == []


# -- unlabelled-occurrence ------------------------------------------------------------


def test_text_labelled_in_one_place_and_not_in_another(store: Store) -> None:
    a = doc(store, "The Middle Corridor matters. Asian trade.", "a")
    b = doc(store, "Along the middle corridor, the Middle Corridor’s ports, Middle Corridors.",
            "b")
    label(store, a, "Middle Corridor")
    label(store, b, "ports")  # ana works on b too
    result = found(store, "unlabelled-occurrence")
    assert [(f.document_key, f.text) for f in result] == [
        ("b", "middle corridor"), ("b", "Middle Corridor")]  # not "Middle Corridors"
    f = result[0]
    assert (f.span_id, f.label, f.severity) == (None, "claim", "info")
    assert f.message == ("“middle corridor” unlabelled here, claim in 1 other place"
                         " (first a at 4–19)")
    assert f.related is not None and f.related[1:] == ("a", 4, 19)


def test_only_documents_the_annotator_labelled_are_searched(store: Store,
                                                            tmp_path: Path) -> None:
    a = doc(store, "Astana hosted the summit.", "a")
    untouched = doc(store, "Astana again.", "untouched")
    done = doc(store, "Astana, once more.", "done")
    skipped = doc(store, "Astana is skipped. Here.", "skipped")
    label(store, a, "Astana")
    store.set_status(done, "done")
    label(store, skipped, "Here")
    store.set_status(skipped, "skipped")
    with Store(tmp_path / "c.db", annotator="bob") as bob:
        bob.add_span(untouched, 7, 12, "claim")  # bob's work is not ana's
    assert [f.document_key for f in found(store, "unlabelled-occurrence")] == ["done"]
    assert untouched


def test_covered_or_nested_occurrences_are_not_reported(store: Store) -> None:
    text = ("Central Asian countries. Central Asia. Central Asian countries."
            " Asian countries wait. Talks in Central Asia.")
    d = doc(store, text)
    label(store, d, "Central Asian countries")
    label(store, d, "Asian countries", nth=2)
    label(store, d, "Central Asia.", "claim")
    label(store, d, "Talks in Central Asia")  # covers the last "Central Asia" (same label)
    result = found(store, "unlabelled-occurrence")
    # the second "Central Asian countries" once, not also its "Asian countries"
    assert [(f.start, f.text) for f in result] == [(39, "Central Asian countries")]


def test_short_and_common_texts_are_not_searched(store: Store) -> None:
    d = doc(store, "EU and UN. EU and UN. Of the people. Of the people. 2024 and 2024.")
    label(store, d, "EU")
    label(store, d, "Of the")
    label(store, d, "2024")
    assert [f.text for f in found(store, "unlabelled-occurrence")] == ["2024"]


def test_min_count(store: Store) -> None:
    d = doc(store, "Kazakhstan, Kazakhstan, Kazakhstan and Uzbekistan, Uzbekistan.")
    label(store, d, "Kazakhstan")
    label(store, d, "Kazakhstan", nth=1)
    label(store, d, "Uzbekistan")
    assert [f.text for f in found(store, "unlabelled-occurrence")] == ["Kazakhstan",
                                                                         "Uzbekistan"]
    assert [f.start for f in found(store, "unlabelled-occurrence", min_count=2)] == [24]
    assert found(store, "unlabelled-occurrence", min_count=3) == []


def test_unicode_occurrences(store: Store) -> None:
    text = "我爱北京天安门。北京欢迎你。 Un café noir et un cafe\u0301 🇦🇿 Café."
    d = doc(store, text)
    label(store, d, "北京")
    label(store, d, "café")
    result = found(store, "unlabelled-occurrence")
    # Han has no spaces: 北京 is found inside a run; café matches whatever its case,
    # but not the decomposed spelling (no Unicode normalisation, as everywhere)
    assert [(f.start, f.text) for f in result] == [(text.index("北京", 3), "北京"),
                                                   (text.index("Café"), "Café")]
    assert all(text[f.start:f.end] == f.text for f in result)


def test_one_character_of_han_is_too_short_two_are_enough(store: Store) -> None:
    d = doc(store, "人民。人民。人。人。")
    label(store, d, "人", nth=2)
    assert found(store, "unlabelled-occurrence") == []
    label(store, d, "人民")
    assert [f.start for f in found(store, "unlabelled-occurrence")] == [3]


# -- order and scope ------------------------------------------------------------------


def test_findings_come_by_document_then_offset(store: Store) -> None:
    b = doc(store, "Second text: Baku hosts. Baku again ", "second")
    a = doc(store, "First text: Baku hosts.", "first")  # added later, so it comes later
    label(store, a, "Baku ")
    label(store, b, "Baku", "invitation")
    label(store, b, "again ", "claim")
    label(store, b, "Baku", "invitation", nth=1, right=-1)
    result = found(store)
    keys = [(f.document_key, f.start) for f in result]
    assert keys == sorted(keys, key=lambda k: (k[0] != "second", k[1]))
    assert {f.kind for f in result} >= {"whitespace", "cuts-word", "label-conflict"}
    assert result == sorted(result, key=lambda f: (f.document_id != b, f.start, f.end))


def test_documents_limit_where_not_what_counts(store: Store) -> None:
    a = doc(store, "Silk Road now.", "a")
    b = doc(store, "The Silk Road project.", "b")
    label(store, a, "Silk Road")
    label(store, b, "Silk Road", "commitment")
    assert [f.document_key for f in found(store, "label-conflict", documents=[b])] == ["b"]
    assert [f.document_key for f in found(store, documents=[a])] == ["a"]


def test_kinds_and_unknown_kinds(store: Store) -> None:
    d = doc(store, "Baku hosts. Baku waits.")
    label(store, d, "Baku ")
    assert {f.kind for f in found(store)} == {"whitespace", "unlabelled-occurrence"}
    assert {f.kind for f in found(store, "whitespace")} == {"whitespace"}
    with pytest.raises(ValueError, match="unknown check 'typo'"):
        list(check(store, kinds=["typo"]))
    assert set(KINDS) == set(SEVERITY)


def test_progress_counts_the_documents_read(store: Store) -> None:
    for n in range(3):
        d = doc(store, f"Text {n}: Baku.", f"k{n}")
        label(store, d, "Baku")
    calls: list[tuple[int, int]] = []
    list(check(store, progress=lambda done, total: calls.append((done, total))))
    assert calls == [(n, 6) for n in range(1, 7)]  # each read twice: learn, then check
    calls.clear()
    list(check(store, kinds=["whitespace"], progress=lambda d, t: calls.append((d, t))))
    assert calls[-1] == (3, 3)


def test_findings_stream_a_document_at_a_time(store: Store) -> None:
    for n in range(4):
        d = doc(store, f"Text {n}: Baku hosts. Baku waits.", f"k{n}")
        label(store, d, "Baku")
    calls: list[tuple[int, int]] = []
    findings = check(store, progress=lambda done, total: calls.append((done, total)))
    first = next(findings)
    assert (first.document_key, first.text) == ("k0", "Baku")
    assert calls[-1] == (4, 8)  # all learnt, then only the first document checked
    assert len(list(findings)) == 3 and calls[-1] == (8, 8)


def test_the_line_is_one_based_and_the_excerpt_visible(store: Store) -> None:
    d = doc(store, "First line.\nSecond \x1b[31mred\x1b[0m line ")
    label(store, d, "Second \x1b[31mred\x1b[0m line ")
    (f,) = found(store)
    assert f.line == 2 and f.kind == "whitespace"
    assert "\x1b" not in f.message and "\x1b" not in f.excerpt and "␛" in f.message
    assert f.to_dict()["document"] == "d" and f.to_dict()["text"] == f.text


# -- the sample, as a new user would try it --------------------------------------------


def test_a_planted_inconsistency_on_the_sample_is_found(store: Store) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    d = doc(store, text, "sample-article")
    # "Central Asian countries" labelled claim twice, then commitment: the planted slip
    for nth, name in ((0, "claim"), (1, "claim"), (2, "commitment")):
        label(store, d, "Central Asian countries", name, nth=nth)
    assert text.count("Central Asian countries") == 5
    sentence = "The Memorandum of Cooperation on interconnection of energy systems"
    label(store, d, sentence + " ", "commitment")  # a stray space at the end
    result = found(store)
    assert [f.kind for f in result] == ["whitespace", "label-conflict",
                                        "unlabelled-occurrence", "unlabelled-occurrence"]
    assert result[0].message == ("commitment “The Memorandum of C…n of energy systems ”"
                                 " ends with a space")
    conflict = result[1]
    starts = [i for i in range(len(text)) if text.startswith("Central Asian countries", i)]
    assert (conflict.text, conflict.label, conflict.start) == (
        "Central Asian countries", "commitment", starts[2])
    assert conflict.message == ("“Central Asian countries”: commitment here, claim in 2"
                                f" other places (first at {starts[0]}–{starts[0] + 23})")
    assert [f.start for f in result[2:]] == starts[3:]
    assert all(f.label == "claim" for f in result[2:])
    assert result[2].message.endswith("claim in 2 other places, commitment in 1"
                                      f" (first at {starts[0]}–{starts[0] + 23})")


# -- words and a property --------------------------------------------------------------


def test_words_are_the_agreements_words_split_at_hyphens_and_apostrophes() -> None:
    text = "Azerbaijan’s centuries-old ties; 北京 ❤️ café Birlestik-2024."
    assert [text[s:e] for s, e in _parts(text)] == [
        "Azerbaijan", "s", "centuries", "old", "ties", "北", "京", "café", "Birlestik", "2024"]
    plain = "Growing threats 北京 and café, 2024."
    assert list(_parts(plain)) == tokens(plain)


PIECES = ["Baku", "baku", " ", "\n", "Asia", "é", "e\u0301", "北京", "👩🏽\u200d💻", "-", "’s",
          ".", "\u200b", "🇦🇿"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30),
       st.lists(st.tuples(st.integers(0, 80), st.integers(1, 20),
                          st.sampled_from(["claim", "commitment"])), max_size=8))
def test_any_spans_on_any_text_give_exact_findings(tmp_path_factory: pytest.TempPathFactory,
                                                   pieces: list[str],
                                                   spans: list[tuple[int, int, str]]) -> None:
    text = "".join(pieces)
    with Store(tmp_path_factory.mktemp("p") / "p.db", annotator="ana") as s:
        s.load_labels(ROOT / "data" / "labels.toml")
        d = doc(s, text)
        for start, length, name in spans:
            start = min(start, len(text) - 1)
            end = min(len(text), start + length)
            with suppress(StoreError):  # the same span twice
                s.add_span(d, start, end, name)
        result = found(s)
        assert [(f.start, f.end) for f in result] == sorted((f.start, f.end) for f in result)
