"""An in-memory snapshot of the store's chunks, for the lexical index and context assembly.

The store stays the single source of truth: the snapshot is rebuilt whenever the set of
ingested documents (ids and file hashes) changes, which a cheap read of the document records
detects before each search.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingest import lexicon
from ingest.agenda import AgendaStructure
from ingest.minutes import MinutesStructure
from ingest.records import Chunk
from retrieval.text import terms, words

_GENERIC_NAME = frozenset(terms(" ".join(sorted(lexicon.words("generic_name_words")))))


def store_fingerprint(documents: dict[str, dict[str, Any]]) -> str:
    """Identifies the store's content: which documents, at which file hashes."""
    pairs = sorted((doc_id, str(meta.get("file_hash", ""))) for doc_id, meta in documents.items())
    return hashlib.sha1(json.dumps(pairs).encode()).hexdigest()


@dataclass
class Catalog:
    """Every stored chunk in a fixed order, with lookups by id and by (doc, position)."""

    chunks: list[Chunk]
    metadatas: list[dict[str, Any]]
    documents: dict[str, dict[str, Any]]
    fingerprint: str
    index_of: dict[str, int] = field(default_factory=dict)
    by_position: dict[tuple[str, int], int] = field(default_factory=dict)
    _frequencies: dict[tuple[str, ...], Counter[str]] = field(default_factory=dict, repr=False)
    _names: dict[tuple[str, ...], dict[str, frozenset[str]]] = field(
        default_factory=dict, repr=False
    )
    _ranges: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    _paper_terms: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _structures: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _texts: dict[tuple[str, int, int], str] = field(default_factory=dict, repr=False)
    _visible: dict[tuple[str, ...], list[int]] = field(default_factory=dict, repr=False)
    _admitted: dict[Any, list[int]] = field(default_factory=dict, repr=False)
    _papers_admitted: dict[Any, list[str]] = field(default_factory=dict, repr=False)
    _vectors: Any = field(default=None, repr=False)

    def __post_init__(self):
        self.index_of = {c.id: i for i, c in enumerate(self.chunks)}
        self.by_position = {(c.doc_id, c.position): i for i, c in enumerate(self.chunks)}

    @classmethod
    def load(cls, store, documents: dict[str, dict[str, Any]] | None = None) -> Catalog:
        documents = store.document_records() if documents is None else documents
        page = store.all_chunks()
        rows = [
            (text, meta)
            for text, meta in zip(page["documents"], page["metadatas"], strict=True)
            # Chunks of a document without a record are leftovers of an interrupted ingest, and
            # chunks of another file version are an ingest in progress (or interrupted).
            if meta.get("file_hash", "")
            == documents.get(meta.get("doc_id"), {}).get("file_hash", None)
        ]
        rows.sort(key=lambda r: (r[1]["doc_id"], int(r[1]["position"])))
        return cls(
            chunks=[Chunk.from_metadata(t, m) for t, m in rows],
            metadatas=[m for _, m in rows],
            documents=documents,
            fingerprint=store_fingerprint(documents),
        )

    def __len__(self) -> int:
        return len(self.chunks)

    def positions_of(self, doc_id: str) -> range:
        """Catalog positions of one paper's chunks, in reading order (chunks are sorted so)."""
        if not self._ranges:
            for i, chunk in enumerate(self.chunks):
                first, _ = self._ranges.get(chunk.doc_id, (i, i))
                self._ranges[chunk.doc_id] = (first, i + 1)
        first, end = self._ranges.get(doc_id, (0, 0))
        return range(first, end)

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """One paper's chunks in reading order."""
        return [self.chunks[i] for i in self.positions_of(doc_id)]

    def paper_terms(self, doc_id: str) -> frozenset[str]:
        """Every term one paper's chunks are indexed under (computed once per paper)."""
        if doc_id not in self._paper_terms:
            found: set[str] = set()
            for chunk in self.chunks_of(doc_id):
                found.update(terms(chunk.embed_text))
            self._paper_terms[doc_id] = frozenset(found)
        return self._paper_terms[doc_id]

    def minutes(self, doc_id: str) -> MinutesStructure | None:
        """The minute items, motions and votes ingest found in a set of minutes (else None)."""
        return self._structure(doc_id, "minutes", MinutesStructure.from_dict)

    def agenda(self, doc_id: str) -> AgendaStructure | None:
        """The items ingest found in an agenda or a forward plan (else None)."""
        return self._structure(doc_id, "agenda", AgendaStructure.from_dict)

    def _structure(self, doc_id: str, kind: str, read: Callable[[dict], Any]) -> Any:
        """One kind of a paper's structure from its document record, read once; None when the
        record has none (or comes from an older ingest)."""
        key = (doc_id, kind)
        if key not in self._structures:
            raw = str(self.documents.get(doc_id, {}).get("structure", "") or "")
            try:
                data = json.loads(raw).get(kind) if raw else None
                self._structures[key] = read(data) if data else None
            except (ValueError, TypeError, AttributeError):
                self._structures[key] = None
        return self._structures[key]

    def text_of(self, doc_id: str, start: int, end: int) -> str:
        """The paper's cleaned text from `start` to `end`, as far as its chunks hold it."""
        key = (doc_id, start, end)
        if key not in self._texts:
            pieces = [
                c.text[max(start, c.start) - c.start : min(end, c.end) - c.start]
                for c in self.chunks_of(doc_id)
                if c.end > start and c.start < end
            ]
            self._texts[key] = "\n".join(p for p in pieces if p)
        return self._texts[key]

    def section_opening(self, chunk: Chunk) -> Chunk:
        """The first chunk of the section `chunk` is in (walking back through its paper)."""
        step = self.neighbour(chunk, -1)
        while step is not None and step.section == chunk.section:
            chunk, step = step, self.neighbour(step, -1)
        return chunk

    def vectors(self, store) -> Any:
        """Every chunk's stored vector, unit length, one row per catalog position (read from the
        store once per snapshot): exact dense search over exactly this snapshot."""
        if self._vectors is None:
            import numpy as np

            ids = [c.id for c in self.chunks]
            found: dict[str, list[float]] = {}
            for i in range(0, len(ids), 2000):
                found.update(store.embeddings(ids[i : i + 2000]))
            width = len(next(iter(found.values()))) if found else 0
            matrix = np.zeros((len(ids), width), dtype=np.float32)
            for row, chunk_id in enumerate(ids):
                if chunk_id in found:
                    matrix[row] = found[chunk_id]
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            self._vectors = matrix / np.where(norms > 0, norms, 1.0)
        return self._vectors

    def positions_at(self, access: tuple[str, ...]) -> list[int]:
        """Catalog positions of the chunks of these access levels, in catalog order: the part of
        the index a user may see, over which their word statistics are built."""
        if access not in self._visible:
            self._visible[access] = [
                i for i, meta in enumerate(self.metadatas) if meta.get("access", "public") in access
            ]
        return self._visible[access]

    def admitted(self, compiled) -> list[int]:
        """Catalog positions of the chunks a compiled filter (and its access rule) lets through
        (worked out once per filter and snapshot)."""
        if compiled.access_only:
            return self.positions_at(compiled.access)
        return _remembered(
            self._admitted,
            compiled,
            lambda: [
                i for i in self.positions_at(compiled.access) if compiled.matches(self.metadatas[i])
            ],
        )

    def papers_admitted(self, compiled) -> list[str]:
        """Ids of the papers a compiled filter (and its access rule) lets through."""
        return _remembered(
            self._papers_admitted,
            compiled,
            lambda: [d for d, m in self.documents.items() if compiled.matches_paper(d, m)],
        )

    def chunk_frequency(self, access: tuple[str, ...]) -> Counter[str]:
        """In how many chunks each word occurs, over the chunks of these access levels only
        (what a user cannot see must not shape their results)."""
        if access not in self._frequencies:
            counts: Counter[str] = Counter()
            for chunk, meta in zip(self.chunks, self.metadatas, strict=True):
                if meta.get("access", "public") in access:
                    counts.update(set(words(chunk.text)))
            self._frequencies[access] = counts
        return self._frequencies[access]

    def naming_terms(self, doc_id: str, access: tuple[str, ...]) -> frozenset[str]:
        """Terms that name a paper: words of its council and title that are neither generic
        (`generic_name_words`: "council", "report") nor shared by half the papers a user may
        see. "Which councils …" names no paper; "the Westshire report" names Westshire's."""
        if access not in self._names:
            visible = {
                d: set(terms(f"{m.get('council', '')} {m.get('title', '')}")) - _GENERIC_NAME
                for d, m in self.documents.items()
                if m.get("access", "public") in access
            }
            shared = Counter(t for named in visible.values() for t in named)
            limit = max(1, len(visible) // 2)
            self._names[access] = {
                d: frozenset(t for t in named if shared[t] <= limit) for d, named in visible.items()
            }
        return self._names[access].get(doc_id, frozenset())

    def chunk(self, chunk_id: str) -> Chunk | None:
        index = self.index_of.get(chunk_id)
        return None if index is None else self.chunks[index]

    def neighbour(self, chunk: Chunk, step: int) -> Chunk | None:
        index = self.by_position.get((chunk.doc_id, chunk.position + step))
        return None if index is None else self.chunks[index]


_REMEMBERED = 32  # filters remembered per snapshot


def _remembered(memory: dict, key: Any, work: Callable[[], Any]) -> Any:
    """`work()`'s result for `key`, computed once; the oldest is forgotten past _REMEMBERED."""
    if key not in memory:
        if len(memory) >= _REMEMBERED:
            memory.pop(next(iter(memory)))
        memory[key] = work()
    return memory[key]
