"""Adjudication: the annotators' spans on one document, grouped, disagreements first.

A *group* is one (start, end, label) and the annotators who made exactly that span. It is
*agreed* when every annotator who labelled the document made it, and a *disagreement*
otherwise (someone left it out, or drew it differently). The reviewer writes the
decisions as another annotator, ``gold`` by default, whose spans are never counted as a
vote; export them with ``annotui export --annotator gold``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from annotui.core.model import Span

DEFAULT_GOLD = "gold"


class Group(NamedTuple):
    start: int
    end: int
    label: str
    annotators: tuple[str, ...]  # who made exactly this span, sorted
    voters: int                  # how many annotators labelled the document
    in_gold: bool                # the reviewer has accepted (or made) exactly this span

    @property
    def agreed(self) -> bool:
        return len(self.annotators) == self.voters and self.voters > 1

    def describe(self) -> str:
        who = ", ".join(self.annotators)
        return f"{self.label} by {who} ({len(self.annotators)} of {self.voters})"


def groups(spans: list[Span], gold: str) -> list[Group]:
    """Every distinct span of the non-gold annotators: undecided disagreements first,
    then undecided agreements, then what gold already has; text order within each."""
    by_key: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    voters: set[str] = set()
    in_gold: set[tuple[int, int, str]] = set()
    for span in spans:
        key = (span.start, span.end, span.label)
        if span.annotator == gold:
            in_gold.add(key)
            continue
        voters.add(span.annotator)
        by_key[key].add(span.annotator)
    found = [Group(*key, tuple(sorted(who)), len(voters), key in in_gold)
             for key, who in by_key.items()]
    found.sort(key=lambda g: (g.in_gold, g.agreed, g.start, g.end, g.label))
    return found


def summary(found: list[Group], gold: str = DEFAULT_GOLD) -> str:
    """One line for the panel: what is left to decide."""
    open_ = [g for g in found if not g.in_gold]
    disagreements = sum(1 for g in open_ if not g.agreed)
    agreed = len(open_) - disagreements
    return f"{disagreements} to decide · {agreed} agreed · {len(found) - len(open_)} in {gold}"
