"""Patterns of the ``regex`` package, compiled on first use.

Importing ``regex`` and compiling the text motions' patterns took about 15 ms of
start-up, before a first frame that needs none of them: the motions run only once a key
is pressed, and painting needs ``regex`` only for lines with characters beyond the simple
ones (:func:`annotui.tui.cells.tokens`).
"""

from __future__ import annotations

from typing import Any

_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "split")
_made: list[LazyPattern] = []


class LazyPattern:
    """Stands in for ``regex.compile(pattern)``. On first use it compiles the pattern and
    keeps the pattern's bound methods as its own attributes, so every later call costs
    what a call on the compiled pattern costs."""

    def __init__(self, pattern: str) -> None:
        self._source = pattern
        _made.append(self)

    def __getattr__(self, name: str) -> Any:
        # reached only for what is not set yet: on the first use, every method; later,
        # attributes other than the methods (``pattern``, ``flags``)
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = self.__dict__.get("compiled")
        if compiled is None:
            import regex

            compiled = self.compiled = regex.compile(self._source)
            for method in _METHODS:
                setattr(self, method, getattr(compiled, method))
            if name in self.__dict__:
                return self.__dict__[name]
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r})"


def compile(pattern: str) -> LazyPattern:  # noqa: A001 - reads like regex.compile
    """A pattern compiled on first use; flags go inline (``(?r)``, ``(?V1)``, ``(?s)``)."""
    return LazyPattern(pattern)


def warm() -> None:
    """Compile every pattern made so far: after the first frame, so that the first key
    does not wait for them."""
    for p in _made:
        p.compiled  # noqa: B018 - the attribute read compiles
