"""Lazily compiled patterns behave as the compiled ones, and keep ``regex`` out of start-up."""

from __future__ import annotations

import subprocess
import sys

import regex

from annotui.core import lazyre


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    text = "e\u0301te\u0301 👩‍👩‍👧 ok"
    for source in (r"\X", r"(?r)\w+", r"(?V1)[\p{L}--e]"):
        lazy, real = lazyre.compile(source), regex.compile(source)
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
        assert lazy.findall(text) == real.findall(text)
        assert lazy.search(text, 2).span() == real.search(text, 2).span()
        assert lazy.pattern == source  # not a method: read from the compiled pattern
        assert lazy.compiled is lazy.compiled  # compiled once


def test_nothing_is_compiled_until_used_then_warm_compiles_the_rest() -> None:
    from annotui.core import segment, text  # every pattern the motions use

    lazy = lazyre.compile(r"[\p{Lu}]")
    assert "compiled" not in vars(lazy)
    lazyre.warm()  # what the app does after its first frame: none may fail to compile
    assert isinstance(lazy.compiled, regex.Pattern)
    assert lazy.match("Ab") and not lazy.match("ab")
    assert isinstance(segment._WORD.compiled, regex.Pattern)
    assert isinstance(text._CLAUSE_CUT.compiled, regex.Pattern)
    from annotui.tui import cells

    cells.warm()  # the app's other warm-up: the tokenizer and the character classes
    assert cells._token is not None and cells._is_wide is not None
    assert cells.tokens("a😀b", 0, 3) == ["a", "😀", "b"]


def test_the_readers_modules_load_neither_regex_nor_the_sentence_splitter() -> None:
    # ~20 ms of start-up the first frame of a plain text does not need (the app loads
    # them after it): regex and sentencex, and re's compile of the wide-character class
    code = ("import sys, annotui.cli, annotui.tui.app, annotui.tui.screens.main_screen; "
            "from annotui.tui import cells; "
            "print(sorted(m for m in ('regex', 'sentencex') if m in sys.modules), "
            "cells._is_wide is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["[]", "True"]
