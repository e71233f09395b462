"""Pattern files: phrases and regular expressions per label, read and matched exactly.

A pattern file is JSONL (one pattern a line, Prodigy's phrase patterns included) or TOML
(the README's "Suggestions" section shows both). Whatever does not parse raises
:class:`PatternError` naming the file and the line: a TOML syntax error, a missing label,
a regex that does not compile.

Matching is done on the stored text and returns code-point offsets into it:

* a phrase's white space matches any run of white space (a phrase still matches where the
  text wraps a line);
* ``ignore_case`` for a phrase compares ``str.casefold()`` of both sides, the Unicode
  caseless match ("Straße" = "STRASSE", "İstanbul" = "i̇stanbul"). Case folding may
  lengthen a character ("ß" -> "ss"), so the folded text is searched through a
  :class:`Folded` map back to the original offsets, and a match that would begin or end
  inside one character's folding is dropped. A regex with ``ignore_case`` uses the
  ``regex`` module's full case folding on the original text, which keeps offsets as they
  are;
* ``whole_word`` keeps matches whose edges do not fall inside a word, by annotui's own
  word rules (``annotui.core.text.word_at``: "Azerbaijan’s" and "centuries-old" are one
  word each, as when a selection snaps to words);
* a match must begin and end on grapheme-cluster boundaries: "e" never matches the first
  half of "é" written as e + U+0301.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from annotui.core.schema import StoreError
from annotui.core.text import is_grapheme_boundary

__all__ = ["Folded", "Pattern", "PatternError", "fits", "load_patterns", "parse_patterns"]

# a regex that backtracks catastrophically must not hang a corpus-wide run
REGEX_TIMEOUT = 10.0
JSONL_KEYS = {"label", "pattern", "phrase", "regex", "ignore_case", "whole_word", "id"}
TOML_TOP_KEYS = {"ignore_case", "whole_word", "phrases", "regex", "pattern"}


class PatternError(StoreError):
    """A pattern file that cannot be used; the message is ``FILE:LINE: reason``."""


class Folded:
    """A document's case-folded text, and the way back to the original offsets.

    Most characters fold to one character; the few that fold to several ("ß", "İ", "ﬁ",
    "ŉ") are listed with where they start in both texts, so mapping back is a bisect.
    """

    def __init__(self, text: str) -> None:
        self.text = text.casefold()
        self._folded_at: list[int] = []  # where each lengthening character starts, folded
        self._original_at: list[int] = []
        self._width: list[int] = []      # how many characters it folds to
        if len(self.text) == len(text):
            return  # no character changed length: offsets are the same
        shift = 0
        step = 4096
        for lo in range(0, len(text), step):
            chunk = text[lo:lo + step]
            if len(chunk.casefold()) == len(chunk):
                continue  # only the chunks that lengthen are walked character by character
            for i, ch in enumerate(chunk, lo):
                width = len(ch.casefold())
                if width != 1:
                    self._folded_at.append(i + shift)
                    self._original_at.append(i)
                    self._width.append(width)
                    shift += width - 1
        self._shift_after = []  # total lengthening up to and including each entry
        total = 0
        for width in self._width:
            total += width - 1
            self._shift_after.append(total)

    def original(self, p: int) -> int | None:
        """The original offset of folded offset ``p``; None inside a character's folding."""
        k = bisect_right(self._folded_at, p) - 1
        if k < 0:
            return p
        start = self._folded_at[k]
        if p < start + self._width[k]:
            return self._original_at[k] if p == start else None
        return p - self._shift_after[k]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One phrase or regex for one label, compiled; ``where`` is ``FILE:LINE``."""

    label: str
    kind: str            # "phrase" or "regex"
    text: str            # as written in the file
    ignore_case: bool
    whole_word: bool
    where: str
    compiled: Any        # a regex.Pattern

    @classmethod
    def phrase(cls, label: str, text: str, *, ignore_case: bool = False,
               whole_word: bool = True, where: str = "") -> Pattern:
        words = text.split()
        if not words:
            raise ValueError("the phrase is empty")
        if ignore_case:
            words = [w.casefold() for w in words]
        source = r"\s+".join(regex.escape(w) for w in words)
        return cls(label, "phrase", text, ignore_case, whole_word, where,
                   regex.compile(source, regex.V0))

    @classmethod
    def regex(cls, label: str, text: str, *, ignore_case: bool = False,
              whole_word: bool = True, where: str = "") -> Pattern:
        flags = regex.V0 | (regex.IGNORECASE | regex.FULLCASE if ignore_case else 0)
        return cls(label, "regex", text, ignore_case, whole_word, where,
                   regex.compile(text, flags))

    @property
    def detail(self) -> str:
        """What the suggestion list shows as its origin."""
        kind = "regex " if self.kind == "regex" else ""
        # the file's name, not its path: the list has a narrow column for it
        return f"{os.path.basename(self.where)} {kind}{self.text!r}".strip()

    def find(self, text: str, folded: Folded | None = None) -> Iterator[tuple[int, int]]:
        """Every match in ``text`` as (start, end) code-point offsets into ``text``.

        ``folded``: ``Folded(text)``, made once per document by a caller matching many
        case-insensitive phrases.
        """
        if self.kind == "phrase" and self.ignore_case:
            fold = folded or Folded(text)
            haystack = fold.text
        else:
            fold, haystack = None, text
        group = "span" if "span" in self.compiled.groupindex else 0
        try:
            for m in self.compiled.finditer(haystack, timeout=REGEX_TIMEOUT):
                start, end = m.span(group)
                if start < 0 or start == end:
                    continue  # an empty match, or a "span" group that took no part
                if fold is not None:
                    s, e = fold.original(start), fold.original(end)
                    if s is None or e is None:
                        continue
                    start, end = s, e
                if self._fits(text, start, end):
                    yield start, end
        except TimeoutError:
            raise PatternError(f"{self.where}: regex {self.text!r} took more than"
                               f" {REGEX_TIMEOUT:.0f} s on one document (it backtracks"
                               " too much; make it more specific)") from None

    def _fits(self, text: str, start: int, end: int) -> bool:
        return fits(text, start, end, whole_word=self.whole_word)


def fits(text: str, start: int, end: int, *, whole_word: bool = True) -> bool:
    """True if ``[start, end)`` can be a span: both edges on grapheme-cluster boundaries
    and, with ``whole_word``, neither edge inside a word. Words are those of ``annotui
    check`` (split at inner hyphens and apostrophes, one per Han or kana character), so
    what a pattern or "label all occurrences" proposes is exactly what the check would
    call an unlabelled occurrence: "Azerbaijan" is found in "Azerbaijan’s"."""
    from annotui.core.wordparts import word_part_at

    if not (is_grapheme_boundary(text, start) and is_grapheme_boundary(text, end)):
        return False
    if not whole_word:
        return True
    for edge in (start, end):
        if 0 < edge < len(text):
            part = word_part_at(text, edge)
            if part is not None and part[0] < edge:
                return False
    return True


# -- reading pattern files ----------------------------------------------------------


def load_patterns(path: Path | str) -> list[Pattern]:
    """Read a pattern file: JSONL by a .jsonl/.json/.ndjson name, TOML by .toml, else by
    its first character (``{`` is JSONL)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PatternError(f"{path}: cannot read the pattern file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PatternError(f"{path}:{line}: not UTF-8 text") from None
    return parse_patterns(text, str(path), kind=_kind(path, text))


def _kind(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix == ".toml":
        return "toml"
    return "jsonl" if text.lstrip().startswith("{") else "toml"


def parse_patterns(text: str, name: str = "<patterns>", *, kind: str = "toml"
                   ) -> list[Pattern]:
    """Patterns from a file's text; ``name`` is what error messages call the file."""
    patterns = _parse_jsonl(text, name) if kind == "jsonl" else _parse_toml(text, name)
    if not patterns:
        raise PatternError(f"{name}: no patterns in the file")
    return patterns


def _make(name: str, line: int | None, label: Any, kind: str, value: Any,
          ignore_case: Any, whole_word: Any) -> Pattern:
    where = _at(name, line)

    def fail(reason: str) -> PatternError:
        return PatternError(f"{where}: {reason}")

    if not isinstance(label, str) or not label.strip():
        raise fail('every pattern needs a "label" (a label name)')
    for option, flag in (("ignore_case", ignore_case), ("whole_word", whole_word)):
        if not isinstance(flag, bool):
            raise fail(f"{option} must be true or false, not {flag!r}")
    if isinstance(value, list) and kind == "phrase":
        raise fail("token patterns (a list of token attributes) are not supported; write"
                   ' the phrase as a string, or use "regex"')
    if not isinstance(value, str):
        raise fail(f"the {kind} must be a string, not {type(value).__name__}")
    try:
        if kind == "regex":
            return Pattern.regex(label, value, ignore_case=ignore_case,
                                 whole_word=whole_word, where=where)
        return Pattern.phrase(label, value, ignore_case=ignore_case,
                              whole_word=whole_word, where=where)
    except regex.error as exc:
        # regex.error's str() already says "at position N"
        raise fail(f"bad regex {value!r} for label {label!r}: {exc}") from None
    except ValueError as exc:
        raise fail(f"{exc} (label {label!r})") from None


def _parse_jsonl(text: str, name: str) -> list[Pattern]:
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PatternError(f"{name}:{number}: invalid JSON ({exc.msg},"
                               f" column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise PatternError(f"{name}:{number}: expected a JSON object like"
                               ' {"label": "claim", "pattern": "we will"}')
        unknown = sorted(set(obj) - JSONL_KEYS)
        if unknown:
            raise PatternError(f"{name}:{number}: unknown key {unknown[0]!r} (known:"
                               f" {', '.join(sorted(JSONL_KEYS))})")
        kinds = [k for k in ("pattern", "phrase", "regex") if k in obj]
        if len(kinds) != 1:
            raise PatternError(f'{name}:{number}: give exactly one of "pattern", "phrase"'
                               ' or "regex"')
        kind = "regex" if kinds[0] == "regex" else "phrase"
        out.append(_make(name, number, obj.get("label"), kind, obj[kinds[0]],
                         obj.get("ignore_case", False), obj.get("whole_word", True)))
    return out


def _at(name: str, line: int | None) -> str:
    return f"{name}:{line}" if line else name


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


def _parse_toml(text: str, name: str) -> list[Pattern]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_AT.search(message)
        where = f"{name}:{found.group(1)}" if found else name
        raise PatternError(f"{where}: invalid TOML ({_TOML_AT.sub('', message)})") from None
    lines = _Lines(text)
    unknown = sorted(set(data) - TOML_TOP_KEYS)
    if unknown:
        raise PatternError(f"{_at(name, lines.key(None, unknown[0]))}: unknown key"
                           f" {unknown[0]!r} (a file has ignore_case, whole_word, [phrases],"
                           " [regex] and [[pattern]] tables)")
    defaults = {k: data.get(k, d) for k, d in (("ignore_case", False), ("whole_word", True))}
    for option, flag in defaults.items():
        if not isinstance(flag, bool):
            raise PatternError(f"{_at(name, lines.key(None, option))}: {option} must be true"
                               f" or false, not {flag!r}")
    out: list[Pattern] = []
    for table, kind in (("phrases", "phrase"), ("regex", "regex")):
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            raise PatternError(f"{_at(name, lines.key(None, table))}: {table} must be a table:"
                               f" [{table}] then lines like claim = [\"...\"]")
        for label, values in entries.items():
            line = lines.key(table, label)
            for value in values if isinstance(values, list) else [values]:
                out.append(_make(name, line, label, kind, value, defaults["ignore_case"],
                                 defaults["whole_word"]))
    tables = data.get("pattern", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise PatternError(f"{_at(name, lines.key(None, 'pattern'))}: pattern must be"
                           " [[pattern]] tables")
    for n, table in enumerate(tables):
        line = lines.nth_header("[[pattern]]", n)
        unknown = sorted(set(table) - {"label", "phrase", "regex", "ignore_case",
                                       "whole_word"})
        if unknown:
            raise PatternError(f"{_at(name, line)}: unknown key {unknown[0]!r} in [[pattern]]")
        kinds = [k for k in ("phrase", "regex") if k in table]
        if len(kinds) != 1:
            raise PatternError(f'{_at(name, line)}: a [[pattern]] needs exactly one of "phrase"'
                               ' or "regex"')
        out.append(_make(name, line, table.get("label"), kinds[0], table[kinds[0]],
                         table.get("ignore_case", defaults["ignore_case"]),
                         table.get("whole_word", defaults["whole_word"])))
    return out


class _Lines:
    """Where a key or table header is in a TOML file, for messages (tomllib keeps no
    positions). Approximate by design: a line to look at, or None."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    def _header(self, line: str) -> str | None:
        stripped = line.split("#")[0].strip()
        return stripped if stripped.startswith("[") else None

    def key(self, table: str | None, key: str) -> int | None:
        """The line of ``key = ...`` in ``[table]`` (None: at the top), or for a top-level
        name, of its ``[key]`` / ``[[key]]`` header."""
        inside = table is None
        pattern = re.compile(rf"""\s*(["']?){re.escape(key)}\1\s*=""")
        for number, line in enumerate(self.lines, 1):
            header = self._header(line)
            if header is not None:
                if table is None and header.strip("[] ") == key:
                    return number
                inside = table is not None and header == f"[{table}]"
                continue
            if inside and pattern.match(line):
                return number
        return None

    def nth_header(self, header: str, n: int) -> int | None:
        seen = -1
        for number, line in enumerate(self.lines, 1):
            if self._header(line) == header:
                seen += 1
                if seen == n:
                    return number
        return None
