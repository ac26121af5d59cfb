"""Hybrid retrieval: Chroma dense similarity + BM25, fused by weighted reciprocal rank.

Filters and the access rule are compiled once and applied inside both searches: as a Chroma
`where` clause and as the BM25 weight mask. Follow-ups are rewritten and time phrases become date
constraints before searching; hits come back with their context (header row, lead-in, the rest of
a split paragraph) and without near-duplicates.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import replace
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedders import Embedder
from ingest.records import Chunk
from retrieval.catalog import Catalog, store_fingerprint
from retrieval.dates import TimeConstraint, parse_time
from retrieval.filters import CompiledFilter, compile_filter
from retrieval.followup import ChatRewriter, rewrite_followup
from retrieval.intent import (
    DECISION_SECTION,
    PURPOSE,
    PURPOSE_SECTION,
    RECOMMENDATION_SECTION,
    acronym_asked,
    definitions,
    question_kind,
    question_parts,
)
from retrieval.lexical import Bm25Index
from retrieval.records import Filters, Hit, SearchResult, User
from retrieval.text import names_different_papers, names_paper, terms, words

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
# An exact term is "rare" (worth a bonus) when at most this many chunks, or this share of all
# chunks, hold it. Tuned with the dev set (`python -m evals retrieval`).
RARE_CHUNKS = 8
RARE_SHARE = 0.02


class HybridRetriever:
    """Search committee papers by meaning and by exact terms at once.

    >>> retriever = HybridRetriever(store, embedder, lexical_dir=Path("data/lexical"))  # cheap
    >>> result = retriever.search("Who leads the back office work stream?", k=5)  # doctest: +SKIP
    >>> result.hits[0].chunk.paragraphs                                          # doctest: +SKIP
    ('2.5',)
    """

    def __init__(
        self,
        store,
        embedder: Embedder,
        lexical_dir: Path,
        *,
        mode: str = "hybrid",
        candidates: int = 40,
        rrf_k: int = 10,
        dense_weight: float = 0.5,
        lexical_weight: float = 1.0,
        rewriter: ChatRewriter | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.store = store
        self.embedder = embedder
        self.lexical_dir = Path(lexical_dir)
        self.mode = mode
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.rewriter = rewriter
        self._catalog: Catalog | None = None
        self._lexical: Bm25Index | None = None
        self._lock = threading.Lock()

    # -- state -------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the model, the chunk catalog and the lexical index now rather than on first use."""
        self.catalog()
        if self.mode != "lexical":
            self.embedder.warm_up()

    def catalog(self) -> Catalog:
        """The current snapshot of the store, reloaded when documents were added or changed."""
        documents = self.store.document_records()
        fingerprint = store_fingerprint(documents)
        with self._lock:
            if self._catalog is None or self._catalog.fingerprint != fingerprint:
                catalog = Catalog.load(self.store, documents)
                self._lexical = Bm25Index.open(self.lexical_dir, catalog.chunks, fingerprint)
                self._catalog = catalog
            return self._catalog

    def documents(self, user: User | None = None) -> list[dict[str, Any]]:
        """Records of the papers this user may see, newest first."""
        levels = (user or User()).access_levels
        records = [
            {"doc_id": doc_id, **meta}
            for doc_id, meta in self.catalog().documents.items()
            if meta.get("access", "public") in levels
        ]
        return sorted(records, key=lambda r: (str(r.get("date", "")), r["doc_id"]), reverse=True)

    # -- search ------------------------------------------------------------------------------

    def rewrite(self, query: str, history: Sequence[dict[str, str]] | None) -> str:
        """Standalone question: the configured LLM rewriter if any, else the rule-based one."""
        if history and self.rewriter is not None:
            try:
                rewritten = self.rewriter.rewrite(query, history).strip()
                if rewritten:
                    return rewritten
            except Exception as exc:  # the LLM is optional; the rules always work
                log.warning("LLM query rewriting failed, using rules: %s", exc)
        return rewrite_followup(query, history)

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        history: Sequence[dict[str, str]] | None = None,
        user: User | None = None,
        k: int = 5,
    ) -> SearchResult:
        """Top-k hits for a question, with the rewritten question and notes to show the user."""
        query = (query or "").strip()
        filters = filters or Filters()
        if not query:
            return SearchResult([], query, query, filters)
        rewritten = self.rewrite(query, history)
        catalog = self.catalog()
        notes: list[str] = []
        time = parse_time(rewritten)
        effective = _with_time(filters, time)
        if time.since or time.until:
            notes.append(f"Searched {time.describe()} (from “{time.phrase}”).")
        elif time.recency:
            notes.append(f"Newest papers first (from “{time.phrase}”).")

        hits = self._ranked(rewritten, catalog, effective, user, k, time.recency, notes)
        if (
            not hits
            and effective != filters
            and not compile_filter(filters, user, catalog.documents.values()).empty_result
        ):
            # The time phrase may describe the content, not the paper's date: search all dates.
            notes = ["No papers from that time; searched papers of every date."]
            hits = self._ranked(rewritten, catalog, filters, user, k, time.recency)
        return SearchResult(hits, query, rewritten, effective, notes)

    def _ranked(
        self,
        query: str,
        catalog: Catalog,
        filters: Filters,
        user: User | None,
        k: int,
        recency: bool,
        notes: list[str] | None = None,
    ) -> list[Hit]:
        compiled = compile_filter(filters, user, catalog.documents.values())
        if compiled.empty_result or not len(catalog):
            if notes is not None:
                notes.extend(compiled.unmatched)
            return []
        access = (user or User()).access_levels
        parts = question_parts(query) if self.mode == "hybrid" else [query]
        # "Which sub-region is Harborough in, and who evaluated its review?": each part is also
        # searched on its own and the rankings interleaved, so both parts get their evidence.
        fused = self._fused(query, compiled, catalog, access)
        if len(parts) > 1:
            by_part = _interleave([self._fused(p, compiled, catalog, access) for p in parts])
            merged = _interleave([fused[:1], by_part])  # the whole question's best leads
            taken = {f[0] for f in merged}
            fused = merged + [f for f in fused if f[0] not in taken]
        if recency:
            fused = _newest_first(fused, catalog)
        if self.mode == "hybrid":
            # Query understanding: the single-search modes stay plain for comparison.
            fused = _each_named_paper(fused, query, catalog)
            fused = _section_asked_for(fused, query, catalog, compiled)
        return assemble(fused, catalog, k)

    def _fused(
        self, query: str, compiled: CompiledFilter, catalog: Catalog, access: tuple[str, ...]
    ) -> list:
        """One question's candidates from the searches of this mode, fused."""
        dense = self._dense(query, compiled, catalog) if self.mode != "lexical" else []
        lexical = self._lexical_search(query, compiled, catalog) if self.mode != "dense" else []
        fused = self._fuse(dense, lexical)
        exact = exact_terms(query)
        if exact and self.mode == "hybrid":
            fused = self._favour_exact(fused, exact, catalog, access)
        return fused

    def _dense(
        self, query: str, compiled: CompiledFilter, catalog: Catalog
    ) -> list[tuple[int, float]]:
        vector = self.embedder.embed([query])[0]
        n = min(self.candidates, len(catalog))
        result = self.store.chunks.query(
            query_embeddings=[list(vector)],
            n_results=n,
            where=compiled.where(),
            include=["distances"],
        )
        out = []
        for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            position = catalog.index_of.get(chunk_id)
            if position is not None:  # a chunk written after this snapshot is picked up next time
                out.append((position, 1.0 - float(distance)))
        return out

    def _lexical_search(
        self, query: str, compiled: CompiledFilter, catalog: Catalog
    ) -> list[tuple[int, float]]:
        mask = np.fromiter(
            (compiled.matches(m) for m in catalog.metadatas), dtype=np.float32, count=len(catalog)
        )
        return self._lexical.search(query, self.candidates, mask)

    def _fuse(
        self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]]
    ) -> list[tuple[int, float, int | None, int | None]]:
        """Weighted reciprocal-rank fusion: (position, score, dense rank, lexical rank)."""
        ranks: dict[int, list[int | None]] = {}
        for rank, (pos, _) in enumerate(dense, 1):
            ranks.setdefault(pos, [None, None])[0] = rank
        for rank, (pos, _) in enumerate(lexical, 1):
            ranks.setdefault(pos, [None, None])[1] = rank
        fused = []
        for pos, (d, lx) in ranks.items():
            score = 0.0
            if d is not None:
                score += self.dense_weight / (self.rrf_k + d)
            if lx is not None:
                score += self.lexical_weight / (self.rrf_k + lx)
            fused.append((pos, score, d, lx))
        fused.sort(key=lambda f: (-f[1], f[0]))
        return fused

    def _favour_exact(
        self, fused: list, exact: list[str], catalog: Catalog, access: tuple[str, ...]
    ) -> list:
        """Codes, acronyms and amounts ("Schedule 12A", "iESE", "£240K") are meant literally:
        a passage holding all of them gains what a first place in one more ranking is worth, one
        holding some of them that share of it.

        Only rare terms count: "WETT" names a whole paper, so it picks out no passage of it.
        """
        frequency = catalog.chunk_frequency(access)
        limit = max(RARE_CHUNKS, RARE_SHARE * len(catalog))
        exact = [t for t in exact if frequency.get(t, 0) <= limit]
        if not exact:
            return fused
        bonus = 1.0 / (self.rrf_k + 1)
        out = []
        for pos, score, d, lx in fused:
            found = set(words(catalog.chunks[pos].text))
            share = sum(t in found for t in exact) / len(exact)
            out.append((pos, score + bonus * share, d, lx))
        out.sort(key=lambda f: (-f[1], f[0]))
        return out


_EXACT = re.compile(r"£?\w*\d\w*|\b[A-Z]{2,}\w*|\b\w*[a-z][A-Z]\w*")


def exact_terms(query: str) -> list[str]:
    """Tokens a user means literally: with digits, acronyms, mixed case (WETT, 12A, £240K, iESE)."""
    found = []
    for match in _EXACT.finditer(query):
        found.extend(words(match.group(0)))
    return list(dict.fromkeys(found))


def _interleave(rankings: list[list]) -> list:
    """Several rankings merged turn by turn (first of each, then second of each …), each
    candidate kept once at its best place."""
    if len(rankings) == 1:
        return rankings[0]
    out, seen = [], set()
    for row in zip_longest(*rankings):
        for item in row:
            if item is not None and item[0] not in seen:
                seen.add(item[0])
                out.append(item)
    return out


def _each_named_paper(fused: list, query: str, catalog: Catalog) -> list:
    """A question naming two papers by different names ("the Leicestershire report and the
    Bromsgrove report") gets passages of each in turn, not only those of the stronger one.
    Papers the question names by the same word ("Bristol") stay in one ranking.

    Only papers among the candidates count, so filters and the access rule still hold.
    """
    asked = set(terms(query))
    by_name: dict[frozenset[str], list] = {}
    for item in fused:
        meta = catalog.metadatas[item[0]]
        named = names_paper(asked, meta.get("council", ""), meta.get("title", ""))
        if named:
            by_name.setdefault(named, []).append(item)
    if not names_different_papers(by_name):
        return fused
    turns = _interleave(list(by_name.values()))
    taken = {item[0] for item in turns}
    return turns + [f for f in fused if f[0] not in taken]


def _section_asked_for(fused: list, query: str, catalog: Catalog, compiled: CompiledFilter) -> list:
    """Bring forward the passage a kind of question is answered from, which similarity alone
    ranks low: "What is the X report about?" → the paper's statement of purpose; "What did the
    board recommend?" → its recommendations; "What does WETT stand for?" → where it is spelled out.

    Only the leading papers are looked at, and only passages the filters and access rule allow.
    """
    if not fused:
        return fused
    papers = list(dict.fromkeys(catalog.metadatas[f[0]]["doc_id"] for f in fused))[:3]
    acronym = acronym_asked(query)
    kind = question_kind(query)
    if acronym:
        wanted, place = [lambda c: any(definitions(acronym, c.text))], 0
    elif kind == "document":
        papers = papers[:1]
        wanted, place = (
            [
                lambda c: bool(PURPOSE.search(c.text)),
                lambda c: any(PURPOSE_SECTION.search(s) for s in c.section),
            ],
            0,
        )
    elif kind == "decision":
        papers = papers[:1]
        wanted, place = (
            [
                lambda c: any(RECOMMENDATION_SECTION.search(s) for s in c.section),
                lambda c: any(DECISION_SECTION.search(s) for s in c.section),
            ],
            1,
        )
    else:
        return fused
    for test in wanted:  # the most telling passage first, then the section that holds it
        for doc_id in papers:
            for pos in catalog.positions_of(doc_id):
                if test(catalog.chunks[pos]) and compiled.matches(catalog.metadatas[pos]):
                    lift = [pos]
                    opening = catalog.index_of[catalog.section_opening(catalog.chunks[pos]).id]
                    if kind == "document" and opening != pos:
                        lift.insert(0, opening)  # "1. Purpose of the Report" opens with its point
                    rest = [f for f in fused if f[0] not in lift]
                    lifted = [(p, fused[0][1], None, None) for p in lift]
                    return [*rest[:place], *lifted, *rest[place:]]
    return fused


def _with_time(filters: Filters, time: TimeConstraint) -> Filters:
    """User filters narrowed by the question's own time phrase (the tighter bound wins)."""
    since = max(filter(None, (filters.since, time.since)), default="")
    until = min(filter(None, (filters.until, time.until)), default="")
    return filters.narrowed(since=since, until=until)


def _newest_first(fused: list, catalog: Catalog) -> list:
    """Among the clearly relevant candidates, put the most recent papers first."""
    if not fused:
        return fused
    best = fused[0][1]
    relevant = [f for f in fused if f[1] >= 0.6 * best]
    rest = fused[len(relevant) :] if relevant == fused[: len(relevant)] else []
    relevant.sort(key=lambda f: -int(catalog.metadatas[f[0]].get("date_int", 0) or 0))
    return relevant + [f for f in fused if f not in relevant] if not rest else relevant + rest


def _shingles(text: str) -> set[str]:
    flat = re.sub(r"[^a-z0-9]+", "", text.lower())
    return {flat[i : i + 4] for i in range(max(len(flat) - 3, 1))}


def _similar(a: Chunk, b: Chunk) -> bool:
    """Near-duplicates: the same passage repeated with small changes of wording or layout."""
    sa, sb = _shingles(a.text), _shingles(b.text)
    return len(sa & sb) / len(sa | sb) >= 0.7


def _context(chunk: Chunk, catalog: Catalog) -> tuple[tuple[Chunk, ...], tuple[Chunk, ...]]:
    """Adjacent chunks that complete a hit: the rest of a split paragraph, a lead-in's list."""
    before: list[Chunk] = []
    after: list[Chunk] = []

    def continues(other: Chunk | None) -> bool:
        return (
            other is not None
            and other.kind == "paragraph"
            and other.paragraphs == chunk.paragraphs
            and other.section == chunk.section
        )

    if chunk.kind == "paragraph" and chunk.paragraphs:
        step = catalog.neighbour(chunk, -1)
        while continues(step) and len(before) < 2:
            before.insert(0, step)
            step = catalog.neighbour(step, -1)
        step = catalog.neighbour(chunk, 1)
        while continues(step) and len(after) < 2:
            after.append(step)
            step = catalog.neighbour(step, 1)
    last = after[-1] if after else chunk
    if last.kind == "paragraph" and last.text.rstrip().endswith(":"):
        step = catalog.neighbour(last, 1)
        while step is not None and step.kind in ("list", "table_row") and len(after) < 12:
            after.append(step)
            step = catalog.neighbour(step, 1)
    return tuple(before), tuple(after)


def assemble(fused: list, catalog: Catalog, k: int) -> list[Hit]:
    """Turn fused candidates into the top-k hits with context, skipping what is already shown."""
    hits: list[Hit] = []
    covered: set[str] = set()
    for position, score, dense_rank, lexical_rank in fused:
        chunk = catalog.chunks[position]
        if chunk.id in covered or any(_similar(chunk, h.chunk) for h in hits):
            continue
        before, after = _context(chunk, catalog)
        hit = Hit(chunk, score, len(hits) + 1, dense_rank, lexical_rank, before, after)
        covered.update(c.id for c in hit.chunks)
        hits.append(hit)
        if len(hits) == k:
            break
    # A later hit may have pulled an earlier one's chunk into its context: keep the earlier.
    return [replace(h, rank=i) for i, h in enumerate(hits, 1)]
