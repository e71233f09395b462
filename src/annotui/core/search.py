"""Finding text in a document, case-insensitively, with exact code-point offsets."""

from __future__ import annotations


class Finder:
    """Searches one document; the lower-cased copy is made once, on the first search."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._haystack: str | None = None
        self._folded = False

    def _prepare(self) -> str:
        if self._haystack is None:
            lowered = self.text.lower()
            # lower() may change lengths (İ -> i̇): then its offsets would lie, so such a
            # document is searched exactly, as typed
            self._folded = len(lowered) == len(self.text)
            self._haystack = lowered if self._folded else self.text
        return self._haystack

    def find(self, needle: str, cursor: int, selection: tuple[int, int] | None,
             direction: int) -> tuple[int, int] | None:
        """The next (``direction`` 1) or previous (-1) hit from the cursor, wrapping
        around; the hit already selected is skipped. None if there is none."""
        haystack = self._prepare()
        if self._folded:
            needle = needle.lower()
        if not needle:
            return None
        if direction > 0:
            start = cursor + 1 if selection else cursor
            hit = haystack.find(needle, start)
            hit = hit if hit >= 0 else haystack.find(needle)
        else:
            # the cursor sits at the end of the current hit: look before the hit's start
            limit = selection[0] if selection else cursor
            hit = haystack.rfind(needle, 0, max(0, limit + len(needle) - 1))
            hit = hit if hit >= 0 else haystack.rfind(needle)
        return None if hit < 0 else (hit, hit + len(needle))
