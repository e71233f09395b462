"""The nasty corpus every format is round-tripped on.

Emoji with ZWJ and skin tones, flags, CJK, combining marks, CRLF-origin text, RTL, tabs,
overlapping spans, notes and two annotators: what the web annotators' exports get wrong.
"""

from __future__ import annotations

from pathlib import Path

from annotui.core.store import Store
from annotui.core.text import normalize_text

DATA = Path(__file__).resolve().parents[2] / "data"

TEXTS = {
    "emoji": "The family 👨‍👩‍👧 waved 👍🏽 at the 🇫🇷 flag. Then they left.",
    "cjk": "東京は大きい都市です。 We visited 北京 and 서울 too.",
    "combining": "A cafe\u0301 in Zu\u0308rich said: “we will open soon.” Nai\u0308ve? No.",
    "crlf": normalize_text("First line of a Windows file.\r\nSecond line, with a claim.\r\n"),
    "rtl": "He said שלום to them, and مرحبا back. Tabs\there\ttoo.",
}

# (document, annotator, start-word, end-word (inclusive), label, note)
SPANS = [
    ("emoji", "alice", "family", "waved", "claim", "emoji inside"),
    ("emoji", "alice", "👨‍👩‍👧", "👨‍👩‍👧", "commitment", None),  # nested: overlap
    ("emoji", "bob", "Then", "left", "invitation", None),
    ("cjk", "alice", "東京は大きい都市です", "東京は大きい都市です", "claim", None),
    ("cjk", "bob", "visited", "서울", "commitment", "two scripts"),
    ("combining", "alice", "cafe\u0301", "Zu\u0308rich", "claim", None),
    ("combining", "alice", "we", "soon", "commitment", "quoted"),
    ("crlf", "bob", "Second", "claim", "claim", None),
    ("rtl", "alice", "שלום", "مرحبا", "invitation", None),
]


def _span(text: str, first: str, last: str) -> tuple[int, int]:
    start = text.index(first)
    end = text.index(last, start) + len(last)
    return start, end


def build(path: Path) -> Store:
    """A database with the corpus, the default labels, two annotators and statuses."""
    store = Store(path, annotator="alice")
    store.load_labels(DATA / "labels.toml")
    ids = {}
    for key, text in TEXTS.items():
        ids[key], _ = store.add_document(text, key=key, title=f"{key} sample",
                                         meta={"lang": "mixed"})
    store.close()
    for who in ("alice", "bob"):
        store = Store(path, annotator=who)
        for key, annotator, first, last, label, note in SPANS:
            if annotator == who:
                start, end = _span(TEXTS[key], first, last)
                store.add_span(ids[key], start, end, label, note=note)
        store.set_status(ids["emoji"], "done")
        store.close()
    return Store(path, annotator="alice")
