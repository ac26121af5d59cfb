"""Item numbers that rise through a paper: how minutes and agendas number their business.

A paper's items carry numbers that rise one by one ("1", "2", "3"; "23/041", "23/042"; "2404",
"2405"), a few perhaps skipped (a withdrawn or exempt item). Numbered resolutions or list
entries inside an item break that run, so the longest chain of rising numbers of one layout is
the paper's items.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

MAX_STEP = 3  # items a paper may skip between two numbers (withdrawn, exempt)


def number_key(number: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", number))


def follows(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """b is a later item number than a: one part rises by 1–3, the parts before it stay."""
    if len(a) != len(b):
        return False
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            return 0 < y - x <= MAX_STEP and a[:i] == b[:i]
    return False


def rising_chain(candidates: list[tuple[int, str, str, int]]) -> list[int]:
    """Indexes of the longest run of rising numbers among (start, number, title, layout)
    candidates sorted by start; a run keeps to one layout (own line, or run on in the text)."""
    best: list[int] = []
    chain_of: list[list[int]] = []
    for i, (_, number, _, family) in enumerate(candidates):
        chain = [i]
        for j in range(i):
            previous = candidates[j]
            if (
                previous[3] == family
                and follows(number_key(previous[1]), number_key(number))
                and len(chain_of[j]) + 1 > len(chain)
            ):
                chain = [*chain_of[j], i]
        chain_of.append(chain)
        if len(chain) > len(best):
            best = chain
    return best


def numbered_spans(
    candidates: list[tuple[int, str, str, int]], length: int, least: int
) -> list[tuple[int, int, str, str]]:
    """(start, end, number, title) of each item of the longest rising run among the sorted
    candidates, an item running to the next one's start (the last to `length`); none when the
    run is shorter than `least`."""
    chain = rising_chain(candidates)
    if len(chain) < least:
        return []
    spans = []
    for k, index in enumerate(chain):
        start, number, title, _ = candidates[index]
        end = candidates[chain[k + 1]][0] if k + 1 < len(chain) else length
        spans.append((start, end, number, title))
    return spans


def numbered_items(
    text: str,
    patterns: Sequence[re.Pattern[str]],
    title_of: Callable[[str, int], str | None],
    least: int,
) -> list[tuple[int, int, str, str]]:
    """(start, end, number, title) of a paper's items: each pattern (a layout: own line, run on)
    proposes numbers with titles, `title_of(title, layout)` keeps a title (cleaned) or drops the
    match (None), and the longest rising run of at least `least` items wins."""
    candidates: list[tuple[int, str, str, int]] = []
    for family, pattern in enumerate(patterns):
        for m in pattern.finditer(text):
            title = title_of(m.group("title").strip(), family)
            if title is not None:
                candidates.append((m.start("number"), m.group("number"), title, family))
    candidates.sort()
    return numbered_spans(candidates, len(text), least)
