"""The README's keymap table is generated from the keymap, and the keymap covers SPEC §2."""

from __future__ import annotations

import re

import pytest
from _cli_support import ROOT

from annotui.tui import keymap

README = ROOT / "README.md"
START, END = "<!-- keymap:start -->", "<!-- keymap:end -->"

# SPEC §2's keymap; each key may be bound by its character or by Textual's name for it
SPEC_KEYS = [
    "left", "right", "up", "down", "h", "j", "k", "l",
    "w", "b", ")", "(", "}", "{", "g", "G", "pageup", "pagedown",
    "v", "s", "S", "escape", *"123456789", "tab", "shift+tab", "x", "delete",
    "r", "n", "u", "ctrl+z", "ctrl+r", "ctrl+y", "/", "]", "[", "D", "o", "?", "q",
]
TEXTUAL_NAMES = {
    "/": "slash", "?": "question_mark", "]": "right_square_bracket",
    "[": "left_square_bracket", ")": "right_parenthesis", "(": "left_parenthesis",
    "}": "right_curly_bracket", "{": "left_curly_bracket",
}


def _readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n")


def test_readme_keymap_table_is_generated_from_the_keymap() -> None:
    assert _readme_table() == keymap.markdown_table()


def _bound_keys() -> set[str]:
    keys: set[str] = set()
    for binding in keymap.bindings():
        keys.update(k.strip() for k in binding.key.split(",") if k.strip())
    return keys


@pytest.mark.parametrize("key", SPEC_KEYS)
def test_every_spec_key_is_bound(key: str) -> None:
    bound = _bound_keys()
    names = {key, TEXTUAL_NAMES.get(key, key)}
    assert names & bound, f"SPEC key {key!r} is not bound (bound: {sorted(bound)})"


def test_no_key_is_bound_twice() -> None:
    seen: dict[str, str] = {}
    for binding in keymap.bindings():
        for key in (k.strip() for k in binding.key.split(",")):
            name = TEXTUAL_NAMES.get(key, key)
            assert name not in seen, f"{key!r} is bound to {seen[name]!r} and {binding.action!r}"
            seen[name] = binding.action


def test_every_binding_has_a_description_for_the_help_screen() -> None:
    for binding in keymap.bindings():
        assert binding.description.strip(), binding


def test_the_table_lists_every_binding_once() -> None:
    table = keymap.markdown_table().splitlines()
    assert table[:2] == ["| keys | action |", "| --- | --- |"]
    rows = table[2:]
    assert len(rows) == len(keymap.rows())
    for row in rows:
        assert re.fullmatch(r"\| `[^`]+` \| [^|]+ \|", row), row
