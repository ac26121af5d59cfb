"""BM25 lexical index over the store's chunks (bm25s), persisted beside the store.

The index is derived data: it carries the store fingerprint it was built from and is rebuilt
from the store's contents whenever that is missing or different.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.records import Chunk
from retrieval.fusion import top_positions
from retrieval.question import alternatives
from retrieval.text import split_compounds, terms

log = logging.getLogger(__name__)

_MANIFEST = "manifest.json"
# Bump when `retrieval.text.terms` changes: an index built with other terms is rebuilt.
TOKENIZER_VERSION = 2


class LexicalIndex(Protocol):
    """Term search over one snapshot's chunks: positions refer to the chunk list it was opened on."""

    def search(self, query: str, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]: ...


# How the retriever gets a lexical index for a snapshot: (folder, chunks, store fingerprint).
LexicalOpener = Callable[[Path, Sequence[Chunk], str], LexicalIndex]


def index_text(chunk: Chunk) -> str:
    """What BM25 sees of a chunk: the same context header and lead as the encoder, then the text."""
    return chunk.embed_text


class Bm25Index:
    """bm25s over chunk texts; positions refer to the catalog's chunk order.

    >>> index = Bm25Index.build([...chunks...], fingerprint="abc")   # doctest: +SKIP
    >>> index.search("RSe Consulting", k=5, mask=None)                # doctest: +SKIP
    [(17, 9.3), ...]
    """

    def __init__(self, model, ids: Sequence[str], fingerprint: str):
        self._model = model
        self.ids = list(ids)
        self.fingerprint = fingerprint

    @classmethod
    def build(cls, chunks: Sequence[Chunk], fingerprint: str) -> Bm25Index:
        import bm25s

        corpus = [terms(index_text(c)) or ["\x00"] for c in chunks]
        model = bm25s.BM25(k1=1.2, b=0.75)
        if corpus:
            model.index(corpus, show_progress=False)
        return cls(model, [c.id for c in chunks], fingerprint)

    def save(self, folder: Path) -> None:
        """Write atomically: a half-written index is never mistaken for a whole one."""
        folder = Path(folder)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self._model.save(str(tmp), show_progress=False)
        manifest = {
            "fingerprint": self.fingerprint,
            "tokenizer": TOKENIZER_VERSION,
            "ids": self.ids,
        }
        (tmp / _MANIFEST).write_text(json.dumps(manifest))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path, fingerprint: str, ids: Sequence[str]) -> Bm25Index | None:
        """The saved index if it was built from this store content in this order, else None."""
        import bm25s

        manifest = Path(folder) / _MANIFEST
        try:
            saved = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return None
        if (
            saved.get("fingerprint") != fingerprint
            or saved.get("tokenizer") != TOKENIZER_VERSION
            or saved.get("ids") != list(ids)
        ):
            return None
        if not ids:
            return cls(None, [], fingerprint)
        try:
            # Memory-mapped: the score matrix is paged in as queries touch it, not read whole.
            model = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
        except Exception as exc:  # a damaged index is rebuilt, never fatal
            log.warning("rebuilding the lexical index at %s: %s", folder, exc)
            return None
        return cls(model, ids, fingerprint)

    @classmethod
    def open(cls, folder: Path, chunks: Sequence[Chunk], fingerprint: str) -> Bm25Index:
        """Load the persisted index, or rebuild it from `chunks` and persist it."""
        ids = [c.id for c in chunks]
        index = cls.load(folder, fingerprint, ids)
        if index is None:
            index = cls.build(chunks, fingerprint)
            try:
                index.save(folder)
            except OSError as exc:  # read-only data dir: search still works from memory
                log.warning("could not save the lexical index to %s: %s", folder, exc)
        return index

    def search(self, query: str, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Top-k (catalog position, BM25 score) among positions where `mask` is 1."""
        if not self.ids:
            return []
        vocab = self._model.vocab_dict
        asked = terms(query)
        # Words of the same meaning ("took part" → "participating") widen the net.
        asked += [w for same in alternatives(query).values() for w in sorted(same)]
        query_ids = self._model.get_tokens_ids(
            split_compounds(list(dict.fromkeys(asked)), vocab.__contains__, keep=True)
        )
        if not query_ids:
            return []
        scores = self._model.get_scores(query_ids, weight_mask=mask)
        positive = np.flatnonzero(scores > 0)
        top = positive[top_positions(scores[positive], k)]
        return [(int(i), float(scores[i])) for i in top]
