"""Pattern files (JSONL and TOML): parsing, errors that name the line, and matching that
is Unicode-exact: code-point offsets into the original text, whole words by annotui's
word rules, case-folding that lengthens characters, grapheme-cluster edges."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotui.core.patterns import Folded, Pattern, PatternError, load_patterns, parse_patterns
from annotui.core.schema import StoreError
from annotui.core.text import is_grapheme_boundary


def hits(pattern: Pattern, text: str) -> list[str]:
    found = list(pattern.find(text))
    for start, end in found:
        assert 0 <= start < end <= len(text)
        assert is_grapheme_boundary(text, start) and is_grapheme_boundary(text, end)
    return [text[s:e] for s, e in found]


def spans(pattern: Pattern, text: str) -> list[tuple[int, int]]:
    return list(pattern.find(text))


def phrase(text: str, **options: bool) -> Pattern:
    return Pattern.phrase("claim", text, **options)


# -- parsing ------------------------------------------------------------------------


def test_toml_tables_and_defaults() -> None:
    patterns = parse_patterns(
        "ignore_case = true\n"
        "\n"
        "[phrases]\n"
        'claim = ["one space", "common history"]\n'
        'commitment = "we will"\n'
        "\n"
        "[regex]\n"
        "invitation = 'invite[sd]?'\n"
        "\n"
        "[[pattern]]\n"
        'label = "claim"\n'
        "regex = '\\d+ per ?cent'\n"
        "ignore_case = false\n"
        "whole_word = false\n", "p.toml")
    got = [(p.label, p.kind, p.text, p.ignore_case, p.whole_word, p.where) for p in patterns]
    assert got == [
        ("claim", "phrase", "one space", True, True, "p.toml:4"),
        ("claim", "phrase", "common history", True, True, "p.toml:4"),
        ("commitment", "phrase", "we will", True, True, "p.toml:5"),
        ("invitation", "regex", "invite[sd]?", True, True, "p.toml:8"),
        ("claim", "regex", r"\d+ per ?cent", False, False, "p.toml:10"),
    ]


def test_a_three_line_toml_file() -> None:
    patterns = parse_patterns('[phrases]\nclaim = "Central Asia"\ncommitment = "is ready to"\n',
                              "p.toml")
    assert [(p.label, p.text) for p in patterns] == [("claim", "Central Asia"),
                                                      ("commitment", "is ready to")]
    assert not patterns[0].ignore_case and patterns[0].whole_word  # the defaults


def test_jsonl_with_prodigy_phrase_patterns_and_comments() -> None:
    text = ('{"label": "claim", "pattern": "one space"}\n'
            "\n"
            "# a comment line\n"
            '{"label": "commitment", "regex": "will \\\\w+", "ignore_case": true, "id": "x"}\n'
            '{"label": "claim", "phrase": "history", "whole_word": false}\n')
    patterns = parse_patterns(text, "p.jsonl", kind="jsonl")
    got = [(p.label, p.kind, p.text, p.ignore_case, p.whole_word, p.where) for p in patterns]
    assert got == [("claim", "phrase", "one space", False, True, "p.jsonl:1"),
                   ("commitment", "regex", r"will \w+", True, True, "p.jsonl:4"),
                   ("claim", "phrase", "history", False, False, "p.jsonl:5")]


@pytest.mark.parametrize("text,message", [
    ('{"label": "claim", "pattern": "a"}\n{"label": "claim", "pattern": \n',
     "p.jsonl:2: invalid JSON"),
    ('{"label": "claim", "pattern": "a"}\n\n["claim", "a"]\n', "p.jsonl:3: expected a JSON object"),
    ('{"pattern": "a"}\n', 'p.jsonl:1: every pattern needs a "label"'),
    ('{"label": "claim"}\n', 'p.jsonl:1: give exactly one of "pattern"'),
    ('{"label": "claim", "pattern": "a", "regex": "b"}\n', "p.jsonl:1: give exactly one"),
    ('{"label": "claim", "pattern": "a", "ignorecase": true}\n',
     "p.jsonl:1: unknown key 'ignorecase'"),
    ('{"label": "claim", "pattern": "a", "ignore_case": "yes"}\n',
     "p.jsonl:1: ignore_case must be true or false"),
    ('{"label": "claim", "pattern": [{"lower": "we"}]}\n', "p.jsonl:1: token patterns"),
    ('{"label": "claim", "pattern": "   "}\n', "p.jsonl:1: the phrase is empty"),
    ('\n\n{"label": "claim", "regex": "we (will"}\n',
     "p.jsonl:3: bad regex 'we (will' for label 'claim': missing )"),
    ('{"label": "claim", "regex": "\\\\p{Nope}"}\n', "p.jsonl:1: bad regex"),
    ("", "p.jsonl: no patterns"),
])
def test_jsonl_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(PatternError) as exc:
        parse_patterns(text, "p.jsonl", kind="jsonl")
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)
    assert isinstance(exc.value, StoreError)  # the CLI turns it into one line, exit 1


@pytest.mark.parametrize("text,message", [
    ('[phrases]\nclaim = "a"\ncommitment = \n', "p.toml:3: invalid TOML"),
    ('[phrases]\nclaim = "a"\n\n[regex]\ncommitment = "will (\\\\w+"\n',
     "p.toml:5: bad regex 'will (\\\\w+' for label 'commitment': missing )"),
    ('[phrases]\nclaim = "a"\n\n[[pattern]]\nlabel = "x"\nphrase = "a"\n\n[[pattern]]\n'
     'phrase = "b"\n', 'p.toml:8: every pattern needs a "label"'),
    ('[[pattern]]\nlabel = "x"\nphrase = "a"\nregex = "b"\n', "p.toml:1: a [[pattern]] needs"),
    ('[[pattern]]\nlabel = "x"\nphrase = "a"\nwhole_words = true\n',
     "p.toml:1: unknown key 'whole_words'"),
    ('ignore_case = "no"\n[phrases]\nclaim = "a"\n', "p.toml:1: ignore_case must be"),
    ('[phrases]\nclaim = "a"\n[phrase]\nx = "b"\n', "p.toml:3: unknown key 'phrase'"),
    ('[phrases]\nclaim = 3\n', "p.toml:2: the phrase must be a string"),
    ("# nothing\n", "p.toml: no patterns"),
])
def test_toml_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(PatternError) as exc:
        parse_patterns(text, "p.toml")
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


def test_load_patterns_by_extension_and_by_content(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('[phrases]\nclaim = "x"\n', encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"label": "claim", "pattern": "x"}\n', encoding="utf-8")
    (tmp_path / "c.txt").write_text('\ufeff{"label": "claim", "pattern": "x"}\n',
                                    encoding="utf-8")
    for name in ("a.toml", "b.jsonl", "c.txt"):
        [pattern] = load_patterns(tmp_path / name)
        assert pattern.text == "x"
        assert pattern.where.endswith(f"{name}:{2 if name == 'a.toml' else 1}")
    (tmp_path / "bad.toml").write_bytes(b'[phrases]\nclaim = "\xff"\n')
    with pytest.raises(PatternError, match=r"bad\.toml:2: not UTF-8"):
        load_patterns(tmp_path / "bad.toml")
    with pytest.raises(PatternError, match="cannot read"):
        load_patterns(tmp_path / "missing.toml")


# -- matching: phrases, whole words, case --------------------------------------------


def test_whole_words_are_the_consistency_checks_words() -> None:
    # words split at inner hyphens and apostrophes, as `annotui check` splits them: what
    # a pattern proposes is what the check would call an unlabelled occurrence
    text = "Central Asia, Central Asian states, Azerbaijan’s role; Asia-Pacific; (Asia)"
    assert hits(phrase("Asia"), text) == ["Asia", "Asia", "Asia"]
    assert [text[s - 1] for s, _ in spans(phrase("Asia"), text)] == [" ", " ", "("]
    assert hits(phrase("Azerbaijan"), text) == ["Azerbaijan"]  # in "Azerbaijan’s"
    assert hits(phrase("Azerbaija"), text) == []  # never inside a word part
    assert len(hits(phrase("Asia", whole_word=False), text)) == 4


def test_phrase_white_space_matches_any_white_space() -> None:
    text = "we  will\nsupport and we will\tsupport"
    assert spans(phrase("we will support"), text) == [(0, 16), (21, 36)]


def test_case_sensitive_by_default_and_ignore_case() -> None:
    text = "We will. we will. WE WILL."
    assert hits(phrase("we will"), text) == ["we will"]
    assert hits(phrase("we will", ignore_case=True), text) == ["We will", "we will", "WE WILL"]


def test_casefold_that_lengthens_keeps_original_offsets() -> None:
    # ß folds to "ss", İ to "i̇", ﬁ to "fi": everything after them shifts in the folded text
    text = "Die Straße und die STRASSE, İstanbul und ﬁle: Berlin BERLIN"
    p = phrase("berlin", ignore_case=True)
    assert spans(p, text) == [(text.index("Berlin"), text.index("Berlin") + 6),
                              (text.index("BERLIN"), text.index("BERLIN") + 6)]
    assert hits(phrase("strasse", ignore_case=True), text) == ["Straße", "STRASSE"]
    assert hits(phrase("STRAßE", ignore_case=True), text) == ["Straße", "STRASSE"]
    assert hits(phrase("i̇stanbul", ignore_case=True), text) == ["İstanbul"]
    assert hits(phrase("İSTANBUL", ignore_case=True), text) == ["İstanbul"]
    assert hits(phrase("file", ignore_case=True), text) == ["ﬁle"]


def test_a_match_inside_one_characters_folding_is_dropped() -> None:
    # "s" is half of ß's folding "ss": it can match neither half
    text = "ß s S ßs"
    assert spans(phrase("s", ignore_case=True, whole_word=False), text) == [
        (2, 3), (4, 5), (7, 8)]
    assert spans(phrase("ss", ignore_case=True, whole_word=False), text) == [(0, 1), (6, 7)]
    # "i" is the first half of İ's folding "i̇": a match must take the whole character
    assert spans(phrase("i", ignore_case=True, whole_word=False), "İi") == [(1, 2)]


@given(st.lists(st.sampled_from(["ß", "İ", "ﬁ", "a", "B", " ", "é", "ŉ", "Σ", "x"]),
                max_size=30))
def test_folded_offsets_map_back_for_every_character_start(chars: list[str]) -> None:
    text = "".join(chars)
    folded = Folded(text)
    assert folded.text == text.casefold()
    position = 0
    for i, ch in enumerate(text):
        assert folded.original(position) == i
        width = len(ch.casefold())
        for inside in range(position + 1, position + width):
            assert folded.original(inside) is None
        position += width
    assert folded.original(position) == len(text)


def test_long_text_with_rare_lengthening_characters() -> None:
    text = ("plain words " * 2000) + "Maß " + ("more words " * 2000) + "Target"
    assert hits(phrase("target", ignore_case=True), text) == ["Target"]
    assert hits(phrase("MASS", ignore_case=True), text) == ["Maß"]


# -- matching: grapheme clusters, CJK, emoji -----------------------------------------


def test_combining_marks_are_never_split() -> None:
    text = "cafe\u0301 cafe café"  # decomposed é, plain e, precomposed é
    assert spans(phrase("cafe"), text) == [(6, 10)]
    assert spans(phrase("cafe", whole_word=False), text) == [(6, 10)]
    assert hits(phrase("cafe\u0301"), text) == ["cafe\u0301"]
    assert spans(phrase("e", whole_word=False), "e\u0301 e") == [(3, 4)]


def test_cjk_and_emoji() -> None:
    text = "東京は日本の首都。東京タワー 👨‍👩‍👧‍👦 family 👨 man 🇺🇳🇪🇺"
    # Han and kana count per character (no dictionary segmentation), as in the checks
    assert spans(phrase("東京"), text) == [(0, 2), (9, 11)]
    assert spans(phrase("東京", whole_word=False), text) == [(0, 2), (9, 11)]
    family = "👨‍👩‍👧‍👦"
    assert hits(phrase(family), text) == [family]
    # the man alone, not the man inside the family cluster
    assert hits(phrase("👨", whole_word=False), text) == ["👨"]
    assert spans(phrase("👨", whole_word=False), text)[0][0] == text.index(" 👨 ") + 1
    # one flag of two: flags pair regional indicators
    assert hits(phrase("🇳🇪", whole_word=False), text) == []
    assert hits(phrase("🇪🇺", whole_word=False), text) == ["🇪🇺"]


def test_astral_characters_count_as_one_code_point() -> None:
    text = "𝐀𝐁 gothic 𐍈 and more 𐍈"
    assert spans(phrase("𐍈"), text) == [(10, 11), (21, 22)]


# -- matching: regexes -----------------------------------------------------------------


def test_regex_whole_word_and_case() -> None:
    text = "We invite you; she invited us; uninvited guests; INVITES"
    p = Pattern.regex("invitation", r"invite[sd]?")
    assert hits(p, text) == ["invite", "invited"]
    p = Pattern.regex("invitation", r"invite[sd]?", ignore_case=True)
    assert hits(p, text) == ["invite", "invited", "INVITES"]
    p = Pattern.regex("invitation", r"invite[sd]?", whole_word=False)
    assert hits(p, text) == ["invite", "invited", "invited"]


def test_regex_ignore_case_uses_full_case_folding_on_the_original_offsets() -> None:
    text = "Straße STRASSE strasse"
    p = Pattern.regex("claim", "stra(ss|ß)e", ignore_case=True)
    assert spans(p, text) == [(0, 6), (7, 14), (15, 22)]


def test_regex_span_group_and_empty_matches() -> None:
    text = "we will support, we will invest"
    p = Pattern.regex("commitment", r"we will (?P<span>\w+)")
    assert hits(p, text) == ["support", "invest"]
    assert hits(Pattern.regex("claim", r"x*"), text) == []  # empty matches are no spans


def test_regex_that_cuts_a_grapheme_is_dropped() -> None:
    text = "naïve nai\u0308ve"
    assert hits(Pattern.regex("claim", "nai", whole_word=False), text) == []


def test_a_catastrophic_regex_is_stopped_with_a_message(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from annotui.core import patterns

    monkeypatch.setattr(patterns, "REGEX_TIMEOUT", 0.05)
    p = Pattern.regex("claim", r"(a|aa)+c", where="p.toml:4")
    with pytest.raises(PatternError, match=r"p\.toml:4: regex .* took more than"):
        list(p.find("a" * 40))
