"""Pausing Python's cycle collector while building many small objects that hold no cycles.

Each 700 allocations start a collection, and every tenth of those walks older objects
too: loading 100,000 spans (a tuple each) walked the heap hundreds of times, 40% of
reading them. After the pause the collector looks at them all once more (25-40 ms for
100,000 spans, and then 50-150 ms for the whole heap) unless they are frozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """``freeze``: move everything alive at the end into the collector's permanent
    generation, never walked again, until :func:`thaw`. Frozen cycles are never freed
    (plain objects still are, by their reference counts), so only for what lives as
    long as the freeze: the reader's first document, opened with the app, thawed when
    the app's screen goes (another app in the same process would leak the first)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()


def thaw() -> None:
    gc.unfreeze()
