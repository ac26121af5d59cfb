"""Hybrid retrieval: dense similarity + BM25, fused by weighted reciprocal rank.

Dense similarity is exact cosine over the snapshot's stored vectors for a local index, and the
Chroma server's HNSW index in server mode.

Filters and the access rule are compiled once and applied inside both searches: as a Chroma
`where` clause and as the BM25 weight mask. The BM25 index of each access level is built over the
chunks of that level only, so its word statistics, like every count the ranking uses, never
include a paper the user may not see. Follow-ups are rewritten and time phrases become date
constraints before searching; hits come back with their context (header row, lead-in, the rest of
a split paragraph) and without near-duplicates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedders import Embedder, query_vectors
from retrieval.assembly import assemble
from retrieval.catalog import Catalog
from retrieval.dates import parse_time
from retrieval.filters import CompiledFilter, compile_filter
from retrieval.followup import ChatRewriter, rewrite_followup
from retrieval.fusion import reciprocal_rank_fusion, top_positions
from retrieval.lexical import Bm25Index, LexicalIndex, LexicalOpener
from retrieval.question import exact_terms, question_parts
from retrieval.records import Filters, Hit, SearchResult, User
from retrieval.snapshot import Snapshots
from retrieval.stages import (
    each_named_paper,
    interleave,
    newest_first,
    paper_prior,
    section_asked_for,
    with_time,
)
from retrieval.text import words

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
# The hybrid mode's stages after fusion, each switchable so its share can be measured.
STAGES = ("parts", "exact", "recency", "papers", "named_papers", "sections", "context")
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
        paper_weight: float = 1.0,
        paper_k: int = 2,
        context_chars: int = 1500,
        stages: Sequence[str] = STAGES,
        rewriter: ChatRewriter | None = None,
        watch=None,
        exact_dense: bool = True,
        lexical_index: LexicalOpener = Bm25Index.open,
        recheck_seconds: float | None = None,
        snapshot_dir: Path | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        unknown = set(stages) - set(STAGES)
        if unknown:
            raise ValueError(
                f"unknown stage(s) {', '.join(sorted(unknown))}; stages: {', '.join(STAGES)}"
            )
        self.store = store
        self.embedder = embedder
        self.lexical_dir = Path(lexical_dir)
        self.mode = mode
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.paper_weight = paper_weight
        self.paper_k = paper_k
        self.context_chars = context_chars
        # The single-search modes stay plain, for comparison.
        self.stages = frozenset(stages) if mode == "hybrid" else frozenset({"recency"})
        self.rewriter = rewriter
        self.exact_dense = exact_dense  # False: the store's own vector index (a Chroma server)
        self.open_lexical = lexical_index  # (folder, chunks, fingerprint) -> LexicalIndex
        # `watch`: the data folder's writers (`ingest.writer_lock.IndexWatch`); while one is
        # writing, the last whole snapshot is served, and when the generation moved it is reread.
        self.snapshots = Snapshots(
            store,
            watch,
            vectors=exact_dense and mode != "lexical",
            folder=snapshot_dir,
            recheck_seconds=recheck_seconds,
        )
        self._vectors: dict[str, np.ndarray] = {}
        self._lexical: dict[tuple[str, tuple[str, ...]], LexicalIndex] = {}
        self._lock = threading.Lock()

    # -- state -------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the model, the chunk catalog and the public lexical index now rather than on
        first use."""
        self._lexical_index(self.catalog(), User().access_levels)
        if self.mode != "lexical":
            self.embedder.warm_up()

    def catalog(self) -> Catalog:
        """The current snapshot of the store (`retrieval.snapshot`)."""
        return self.snapshots.current()

    def _lexical_index(self, catalog: Catalog, access: tuple[str, ...]) -> LexicalIndex:
        """The BM25 index over the chunks of these access levels, loaded or built once per
        snapshot and persisted under its own folder."""
        key = (catalog.fingerprint, access)
        with self._lock:
            index = self._lexical.get(key)
            if index is None:
                chunks = [catalog.chunks[i] for i in catalog.positions_at(access)]
                folder = self.lexical_dir / "+".join(access)
                index = self.open_lexical(folder, chunks, catalog.fingerprint)
                self._lexical = {k: v for k, v in self._lexical.items() if k[0] == key[0]}
                self._lexical[key] = index
            return index

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
        effective = with_time(filters, time)
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
        compiled = compile_filter(effective, user, catalog.documents.values())
        visible = catalog.papers_admitted(compiled)
        return SearchResult(
            hits,
            query,
            rewritten,
            effective,
            notes,
            self._similarity(rewritten, hits, catalog),
            self.snapshots.papers.scores(rewritten, visible) if self.snapshots.papers else {},
        )

    def _query_vector(self, query: str) -> np.ndarray:
        """The question's vector, kept for the few searches one question makes."""
        with self._lock:
            cached = self._vectors.get(query)
        if cached is None:
            cached = np.asarray(query_vectors(self.embedder, [query])[0], dtype=np.float32)
            with self._lock:
                if len(self._vectors) > 64:
                    self._vectors.clear()
                self._vectors[query] = cached
        return cached

    def _similarity(self, query: str, hits: list[Hit], catalog: Catalog) -> dict[str, float]:
        """How close the question is in meaning to each chunk the hits hold."""
        if self.mode == "lexical" or not hits:
            return {}
        ids = [c.id for h in hits for c in h.chunks]
        if self.exact_dense:
            matrix = catalog.vectors(self.store)
            vectors = {i: matrix[catalog.index_of[i]] for i in ids if i in catalog.index_of}
        else:
            vectors = self.store.embeddings(ids)
        if not vectors:
            return {}
        query_vector = self._query_vector(query)
        return {
            i: float(np.dot(np.asarray(v, dtype=np.float32), query_vector))
            for i, v in vectors.items()
        }

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
        admitted = catalog.admitted(compiled)  # once for every search of this question
        fused = self._fused(query, compiled, catalog, access, admitted)
        parts = question_parts(query) if "parts" in self.stages else [query]
        if len(parts) > 1:
            # "Which sub-region is Westshire in, and who evaluated its review?": each part is
            # also searched on its own and the rankings interleaved, so both get evidence.
            by_part = interleave(
                [self._fused(p, compiled, catalog, access, admitted) for p in parts]
            )
            merged = interleave([fused[:1], by_part])  # the whole question's best leads
            taken = {f[0] for f in merged}
            fused = merged + [f for f in fused if f[0] not in taken]
        if recency and "recency" in self.stages:
            fused = newest_first(fused, catalog)
        if "papers" in self.stages:
            visible = catalog.papers_admitted(compiled)
            fused = paper_prior(
                fused,
                query,
                catalog,
                self.snapshots.papers,
                visible,
                self.paper_weight / (self.rrf_k + 1),
                self.paper_k,
            )
        if "named_papers" in self.stages:
            fused = each_named_paper(fused, query, catalog, access)
        if "sections" in self.stages:
            fused = section_asked_for(fused, query, catalog, compiled)
        return assemble(fused, catalog, k, self.context_chars if "context" in self.stages else 0)

    def _fused(
        self,
        query: str,
        compiled: CompiledFilter,
        catalog: Catalog,
        access: tuple[str, ...],
        admitted: list[int],
    ) -> list:
        """One question's candidates from the searches of this mode, fused; `admitted` are the
        catalog positions the filter lets through."""
        dense = self._dense(query, compiled, catalog, admitted) if self.mode != "lexical" else []
        lexical = (
            self._lexical_search(query, catalog, access, admitted) if self.mode != "dense" else []
        )
        fused = reciprocal_rank_fusion(
            dense, lexical, self.dense_weight, self.lexical_weight, self.rrf_k
        )
        exact = exact_terms(query)
        if exact and "exact" in self.stages:
            fused = self._favour_exact(fused, exact, catalog, access)
        return fused

    def _dense(
        self, query: str, compiled: CompiledFilter, catalog: Catalog, admitted: list[int]
    ) -> list[tuple[int, float]]:
        """The candidates nearest the question in meaning, among the chunks the filter admits.

        With a local store, exact cosine over the snapshot's vectors: the result depends only
        on the chunks a user may see (no approximate graph shared with exempt chunks), and never
        on what another process is writing. With a Chroma server, its HNSW index (`Store.query`).
        """
        vector = self._query_vector(query)
        positions = catalog.positions_at(compiled.access)
        n = min(self.candidates, len(positions))
        if not n:
            return []
        if not self.exact_dense:
            out = []
            for chunk_id, similarity in self.store.query(vector.tolist(), compiled.where(), n):
                position = catalog.index_of.get(chunk_id)
                if position is not None:  # a chunk written after this snapshot: next time
                    out.append((position, similarity))
            return out
        if not admitted:
            return []
        rows = np.asarray(admitted, dtype=np.int64)
        unit = vector / (np.linalg.norm(vector) or 1.0)
        # One pass over every row, then the admitted ones: cheaper than copying their rows out.
        similarity = (catalog.vectors(self.store) @ unit)[rows]
        return [(int(rows[i]), float(similarity[i])) for i in top_positions(similarity, n)]

    def _lexical_search(
        self, query: str, catalog: Catalog, access: tuple[str, ...], admitted: list[int]
    ) -> list[tuple[int, float]]:
        positions = catalog.positions_at(access)
        mask = None  # no filter: every chunk of these access levels
        if len(admitted) < len(positions):
            mask = np.zeros(len(positions), dtype=np.float32)
            mask[np.searchsorted(positions, admitted)] = 1.0  # both in catalog order
        found = self._lexical_index(catalog, access).search(query, self.candidates, mask)
        return [(positions[i], score) for i, score in found]

    def _favour_exact(
        self, fused: list, exact: list[str], catalog: Catalog, access: tuple[str, ...]
    ) -> list:
        """Codes, acronyms and amounts ("Schedule 12A", "iESE", "£240K") are meant literally:
        a passage holding all of them gains what a first place in one more ranking is worth, one
        holding some of them that share of it.

        Only rare terms count: "WETT" names a whole paper, so it picks out no passage of it.
        """
        frequency = catalog.chunk_frequency(access)
        limit = max(RARE_CHUNKS, RARE_SHARE * len(catalog.positions_at(access)))
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
