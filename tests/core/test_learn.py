"""Learning from what is labelled: the same text elsewhere, and sentences like labelled
ones, ranked by score; only the annotator's own labels teach, nothing is proposed twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotui.core.learn import cosine, features, tokens
from annotui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "labels.toml"

TEACHER = ("Growing threats and challenges globally require the strengthening of cooperation"
           " between our countries in the sphere of defense and security. Azerbaijan is ready"
           " to support joint initiatives to solve problems related to climate change. The"
           " Caspian Sea links us.")
STUDENT = ("Growing threats and challenges globally require the strengthening of cooperation"
           " between our nations in the sphere of defense and security. Kazakhstan is ready to"
           " support joint initiatives with its neighbours. The cooperation in sport and"
           " culture grew. The weather in Astana was fine. Trade across the Caspian Sea grew.")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "a.db", annotator="alice") as s:
        s.load_labels(LABELS)
        yield s


def label(store: Store, doc: int, words: str, name: str) -> None:
    text = store.document(doc).text
    start = text.index(words)
    store.add_span(doc, start, start + len(words), name)


def proposed(store: Store, doc: int) -> list[tuple[str, str, float]]:
    text = store.document(doc).text
    found = sorted(store.suggestions(doc), key=lambda s: -s.score)
    for sug in found:
        assert sug.source == "learn" and 0 < sug.score <= 1
    return [(text[s.start:s.end], s.label, s.score) for s in found]


@pytest.fixture
def corpus(store: Store) -> tuple[int, int]:
    teacher, _ = store.add_document(TEACHER, key="teacher")
    student, _ = store.add_document(STUDENT, key="student")
    label(store, teacher, TEACHER.split(". ")[0] + ".", "claim")
    label(store, teacher, "Azerbaijan is ready to support joint initiatives", "commitment")
    label(store, teacher, "Caspian Sea", "claim")
    return teacher, student


def test_similar_sentences_are_ranked_by_score(store: Store, corpus: tuple[int, int]) -> None:
    teacher, student = corpus
    assert store.learn() > 0
    details = {s.start: s.detail for s in store.suggestions(student)}
    text = store.document(student).text
    got = [(t, name, score) for t, name, score in proposed(store, student)
           if details[text.index(t)].startswith("like")]
    kinds = [(t.split()[0], name) for t, name, _ in got]
    # the near-identical sentence first, then the one that shares a phrase
    assert kinds[:2] == [("Growing", "claim"), ("Kazakhstan", "commitment")]
    scores = [score for *_, score in got]
    assert scores == sorted(scores, reverse=True)
    assert got[0][2] > 0.7
    near = store.suggestions(student)[0]
    assert near.detail.startswith("like “Growing threats") and "in teacher" in near.detail
    assert all(not text.startswith("The weather") for text, _, _ in got)  # unrelated


def test_a_proposed_sentence_runs_from_word_to_full_stop(store: Store,
                                                         corpus: tuple[int, int]) -> None:
    quoted, _ = store.add_document(
        "” Growing threats and challenges globally require the strengthening of cooperation"
        " between all nations in the sphere of defense and security. — Other words here",
        key="quoted")
    store.learn([quoted])
    [(text, name, _)] = proposed(store, quoted)
    assert name == "claim"
    assert text.startswith("Growing threats") and text.endswith("defense and security.")


def test_the_same_text_is_proposed_where_it_is_not_labelled(store: Store,
                                                            corpus: tuple[int, int]) -> None:
    _, student = corpus
    store.learn()
    sea = [(text, name, score) for text, name, score in proposed(store, student)
           if text == "Caspian Sea"]
    assert sea == [("Caspian Sea", "claim", 1.0)]
    [sug] = [s for s in store.suggestions(student) if s.end - s.start == len("Caspian Sea")]
    assert sug.detail == "same text labelled claim 1×"


def test_case_and_label_share_lower_the_score(store: Store) -> None:
    one, _ = store.add_document("The Green Deal. The Green Deal again. The green deal.", key="a")
    two, _ = store.add_document("the Green Deal returns; THE GREEN DEAL shouts.", key="b")
    label(store, one, "Green Deal", "claim")
    store.add_span(one, 20, 30, "claim")            # the second "Green Deal"
    store.add_span(one, 20, 30, "commitment")       # once as a commitment too
    assert store.learn(min_score=0.0) > 0
    got = sorted((text, name, score) for text, name, score in proposed(store, two))
    assert got == [("GREEN DEAL", "claim", 0.6), ("GREEN DEAL", "commitment", 0.3),
                   ("Green Deal", "claim", 0.667), ("Green Deal", "commitment", 0.333)]
    # in the teacher document: the lower-case one, not the places already labelled claim
    # the first "Green Deal" was labelled claim only: it is proposed as a commitment
    assert sorted(proposed(store, one)) == [("Green Deal", "commitment", 0.333),
                                            ("green deal", "claim", 0.6),
                                            ("green deal", "commitment", 0.3)]


def test_min_score_filters(store: Store, corpus: tuple[int, int]) -> None:
    _, student = corpus
    store.learn(min_score=0.95)
    assert [text for text, _, _ in proposed(store, student)] == ["Caspian Sea"]


def test_idempotent_and_rejections_are_final(store: Store, corpus: tuple[int, int]) -> None:
    _, student = corpus
    first = store.learn()
    assert first > 0 and store.learn() == 0
    store.reject_all(student)
    assert store.learn() == 0
    assert store.suggestions(student) == []


def test_accepted_proposals_teach_the_next_run(store: Store, corpus: tuple[int, int]) -> None:
    _, student = corpus
    store.learn(min_score=0.95)
    store.accept_all(student)
    third, _ = store.add_document("Ships sail the Caspian Sea daily.", key="third")
    assert store.learn([third], min_score=0.95) == 1


def test_only_my_own_labels_teach(store: Store, corpus: tuple[int, int]) -> None:
    with Store(store.path, annotator="bob") as bob:
        assert bob.learn() == 0
        assert bob.suggestion_counts() == {}


def test_documents_can_be_chosen(store: Store, corpus: tuple[int, int]) -> None:
    teacher, student = corpus
    third, _ = store.add_document("Across the Caspian Sea.", key="third")
    assert store.learn([third]) == 1
    assert store.suggestions(student) == [] and store.suggestions(teacher) == []


def test_short_texts_are_not_spread(store: Store) -> None:
    doc, _ = store.add_document("EU and the EU again, a and a", key="x")
    store.add_span(doc, 0, 2, "claim")
    store.add_span(doc, 20, 21, "claim")
    assert store.learn() == 0


def test_nothing_labelled_nothing_learned(store: Store) -> None:
    store.add_document("Some text.", key="x")
    assert store.learn() == 0


def test_unicode_texts(store: Store) -> None:
    one, _ = store.add_document("Die Straße nach Köln. Élan vital 👩‍🔬 here.", key="a")
    two, _ = store.add_document("Die STRASSE nach KÖLN! élan vital 👩‍🔬 there.", key="b")
    label(store, one, "Straße nach Köln", "claim")
    label(store, one, "Élan vital", "commitment")
    store.learn()
    # the same text (0.9: another case) wins over the sentence around it (less similar)
    assert sorted(proposed(store, two)) == [("STRASSE nach KÖLN", "claim", 0.9),
                                            ("élan vital", "commitment", 0.9)]


# -- the similarity itself ------------------------------------------------------------


def test_tokens_features_and_cosine() -> None:
    text = "Azerbaijan’s centuries-old ties, 東京 and café!"
    assert [text[s:e] for s, e in tokens(text)] == ["Azerbaijan’s", "centuries-old", "ties",
                                                    "東京", "and", "café"]
    grams = features(["We", "will", "we"])
    assert grams == {"we": 2, "will": 1, "we will": 1, "will we": 1}
    a = {"x": 1.0, "y": 1.0}
    assert cosine(a, a) == pytest.approx(1.0)
    assert cosine(a, {"z": 1.0}) == 0.0
    assert cosine(a, {}) == 0.0
    assert cosine(a, {"x": 1.0}) == pytest.approx(2 ** -0.5)
