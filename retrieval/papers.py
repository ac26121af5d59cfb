"""Paper first, then passage: which papers a question is about, from each paper's name.

Users name the paper they mean by its council, its committee, its meeting's date or its subject
("At Westshire's January 2018 meeting, who …"). A paper's name is its metadata and its opening
lines (the masthead names the council and meeting even when the metadata does not), and the
passages of the papers the question names best are lifted by a share of a first place.

>>> index = PaperIndex.build(catalog)                      # doctest: +SKIP
>>> index.ranks("At Westshire's January 2018 meeting…", visible)  # doctest: +SKIP
{'westshire_2018-01-08_minutes': 1, ...}
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from collections.abc import Iterable

from retrieval.catalog import Catalog
from retrieval.text import terms

OPENING_CHARS = 600  # the masthead: council, committee, meeting date, title


def date_words(iso: str) -> str:
    """ "2018-01-08" → "8 January 2018 January 2018 2018": how questions write a meeting's date."""
    try:
        year, month, day = (int(x) for x in iso.split("-"))
        name = calendar.month_name[month]
    except (ValueError, IndexError):
        return ""
    return f"{day} {name} {year} {name} {year}"


def metadata_name(meta: dict) -> str:
    """What a paper's metadata names it by: council, body, title, type and meeting date."""
    fields = [str(meta.get(k) or "") for k in ("council", "body", "title", "doc_type")]
    return " ".join([*fields, date_words(str(meta.get("date") or ""))])


def paper_name(doc_id: str, meta: dict, catalog: Catalog) -> str:
    """What names a paper: its metadata name and its opening lines."""
    opening = ""
    for chunk in catalog.chunks_of(doc_id):
        opening += f" {chunk.text}"
        if len(opening) >= OPENING_CHARS:
            break
    return f"{metadata_name(meta)} {opening[:OPENING_CHARS]}"


class PaperIndex:
    """BM25 over the papers' names (a handful of words each), scored in pure Python."""

    def __init__(self, names: dict[str, list[str]]):
        self.names = names
        self._counts = {d: Counter(words) for d, words in names.items()}
        self._postings: dict[str, set[str]] = {}
        for doc_id, counts in self._counts.items():
            for term in counts:
                self._postings.setdefault(term, set()).add(doc_id)
        self._seen: dict[tuple[str, ...], tuple[frozenset[str], float]] = {}

    @classmethod
    def build(cls, catalog: Catalog) -> PaperIndex:
        return cls({d: terms(paper_name(d, m, catalog)) for d, m in catalog.documents.items()})

    def _visible(self, visible: Iterable[str]) -> tuple[frozenset[str], float]:
        """The visible papers this index names, and their names' mean length (kept for the few
        sets of visible papers the users' filters make)."""
        key = tuple(visible)
        if key not in self._seen:
            if len(self._seen) >= 32:
                self._seen.pop(next(iter(self._seen)))
            known = frozenset(d for d in key if d in self.names)
            average = sum(len(self.names[d]) for d in known) / max(len(known), 1)
            self._seen[key] = (known, average)
        return self._seen[key]

    def scores(self, query: str, visible: Iterable[str]) -> dict[str, float]:
        """BM25 of each visible paper's name against the question (k1 1.2, b 0.75).

        Word counts and lengths are taken over the visible papers only: a paper a user cannot see must
        not change how the papers they can see are ranked."""
        known, average = self._visible(visible)
        n = len(known)
        out: dict[str, float] = {}
        for term in sorted(set(terms(query))):
            holders = self._postings.get(term, set())
            if len(known) < len(self.names):  # else every paper is visible
                holders = holders & known
            if not holders:
                continue
            idf = math.log(1 + (n - len(holders) + 0.5) / (len(holders) + 0.5))
            for doc_id in holders:
                tf = self._counts[doc_id][term]
                length = len(self.names[doc_id]) / (average or 1)
                out[doc_id] = out.get(doc_id, 0.0) + idf * tf * 2.2 / (
                    tf + 1.2 * (0.25 + 0.75 * length)
                )
        return {d: score for d, score in out.items() if score > 0}

    def ranks(self, query: str, visible: Iterable[str]) -> dict[str, int]:
        """1 for the paper whose name the question matches best, 2 for the next …"""
        scored = self.scores(query, visible)
        order = sorted(scored, key=lambda d: (-scored[d], d))
        return {d: i for i, d in enumerate(order, 1)}
