"""Word statistics of the papers a user may see: inverse document frequencies, cached per catalog.

What a user cannot see must not shape their answers, so exempt chunks count only for users who
may read them.
"""

from __future__ import annotations

import math
from collections import Counter

from retrieval.catalog import Catalog
from retrieval.detectors import lower_words
from retrieval.text import split_compounds, terms


class Idf:
    """Inverse document frequencies over the chunks of these access levels."""

    def __init__(self, n: int, counts: dict[str, int], common: set[str]):
        self.common = common  # words the papers also write in lower case: not parts of names
        self.n = max(n, 1)
        self.counts = counts
        self._parts: dict[str, tuple[str, ...]] = {}
        self._plain: set[str] = set()

    @classmethod
    def count(cls, catalog: Catalog, access: tuple[str, ...]) -> Idf:
        counts: Counter[str] = Counter()
        common: set[str] = set()
        n = 0
        for chunk, meta in zip(catalog.chunks, catalog.metadatas, strict=True):
            if meta.get("access", "public") in access:
                counts.update(set(terms(chunk.embed_text)))
                common.update(lower_words(chunk.text))
                n += 1
        return cls(n, counts, common)

    def to_dict(self) -> dict:
        return {"n": self.n, "counts": dict(self.counts), "common": sorted(self.common)}

    @classmethod
    def from_dict(cls, data: dict) -> Idf:
        return cls(int(data["n"]), dict(data["counts"]), set(data["common"]))

    def __call__(self, term: str) -> float:
        return math.log(1 + self.n / (1 + self.counts.get(term, 0)))

    def known(self, term: str) -> bool:
        return term in self.counts

    def expand(self, found) -> set[str]:
        """Terms plus the parts of compounds ("workstream" also counts as "work", "stream")."""
        out = set(found)
        for token in out - self._plain:
            parts = self._parts.get(token)
            if parts is None:
                split = split_compounds([token], self.known)
                parts = self._parts[token] = tuple(split) if split != [token] else ()
                if not parts:
                    self._plain.add(token)
            out.update(parts)
        return out


_CACHE: dict[tuple[str, tuple[str, ...]], Idf] = {}


def idf_for(catalog: Catalog, access: tuple[str, ...]) -> Idf:
    key = (catalog.fingerprint, access)
    if key not in _CACHE:
        remember(catalog, access, Idf.count(catalog, access))
    return _CACHE[key]


def remember(catalog: Catalog, access: tuple[str, ...], idf: Idf) -> None:
    """Use these statistics for this catalog (e.g. read back with its snapshot)."""
    if any(key[0] != catalog.fingerprint for key in _CACHE):
        _CACHE.clear()  # one catalog at a time: old fingerprints are stale
    _CACHE[(catalog.fingerprint, access)] = idf
