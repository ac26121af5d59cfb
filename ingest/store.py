"""Chroma-backed chunk store: a persistent folder by default, an HTTP server when configured."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from ingest.records import Chunk

_PAGE = 2000  # Chroma get() page size when reading all metadata
log = logging.getLogger(__name__)


def _stale_index_error(exc: Exception) -> bool:
    """Chroma's errors when a local client's copy of the index is behind the folder on disk."""
    text = str(exc)
    return "Error finding id" in text or "Error executing plan" in text or "Nothing found" in text


class Store(Protocol):
    """What ingestion and retrieval need from a vector store."""

    def document_records(self) -> dict[str, dict[str, Any]]: ...

    def upsert_chunks(
        self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]], file_hash: str
    ) -> None: ...

    def delete_chunks(self, ids: Iterable[str]) -> None: ...

    def put_document(
        self, doc_id: str, embedding: Sequence[float], metadata: dict[str, Any]
    ) -> None: ...

    def delete_document(self, doc_id: str) -> None: ...

    def update_document(self, doc_id: str, fields: dict[str, Any]) -> None:
        """Add or change these fields of a document record, keeping the others."""
        ...

    def chunk_index(self) -> list[tuple[str, str, str]]: ...

    def count(self) -> int:
        """How many chunks the store holds (whole papers' or not)."""
        ...

    def document_count(self) -> int:
        """How many document records the store holds."""
        ...

    def all_chunks(self) -> dict[str, list]:
        """Ids, texts and metadata of every stored chunk (no embeddings)."""
        return self._all(self.chunks, ["documents", "metadatas"])

    def chunk_ids(self, doc_id: str) -> list[str]: ...

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]: ...

    def query(
        self, vector: Sequence[float], where: dict[str, Any] | None, k: int
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k chunks nearest `vector` that match `where`."""
        ...

    def reconnect(self) -> None:
        """Drop the connection, so the next call reads what other processes wrote."""
        ...


class ChromaStore:
    """Two Chroma collections: chunks (with their embeddings) and one record per document.

    A document record is written last, after its chunks; it is the mark that the document was
    ingested completely, with the file hash that later runs compare against.

    >>> store = ChromaStore(path=Path("data/index"))   # cheap: nothing opened yet
    >>> store.count()  # doctest: +SKIP
    """

    def __init__(
        self, path: Path | None = None, url: str = "", collection: str = "committee_papers"
    ):
        if not url and path is None:
            raise ValueError("ChromaStore needs a folder (path) or a server URL (url).")
        self.path = Path(path) if path is not None else None
        self.url = url
        self.collection_name = collection
        self._client = None
        self._chunks = None
        self._documents = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        where = self.url or str(self.path)
        return f"ChromaStore({where!r}, collection={self.collection_name!r})"

    def reconnect(self) -> None:
        """Reopen the folder, so the next call reads what other processes wrote: a local
        client keeps its own copy of the vector index, shared by every client of the folder in
        this process, so that shared copy is dropped too (chromadb keeps one per folder)."""
        with self._lock:
            self._client, self._chunks, self._documents = None, None, None
            if self.url:
                return
            try:
                from chromadb.api.shared_system_client import SharedSystemClient

                identifier = str(self.path)
                system = SharedSystemClient._identifier_to_system.pop(identifier, None)
                SharedSystemClient._identifier_to_refcount.pop(identifier, None)
                if system is not None:
                    system.stop()
            except Exception as exc:  # another chromadb layout: a new client is the best we can do
                log.debug("could not drop chromadb's copy of %s: %s", self.path, exc)

    def _retried(self, call: Callable[[], Any], attempts: int = 6) -> Any:
        """Run a read; if Chroma fails because another process is changing the folder under
        this client ("Error finding id"), reopen the folder and try again, waiting a little
        longer each time for that write to land."""
        for attempt in range(attempts):
            with self._lock:
                try:
                    return call()
                except Exception as exc:
                    if self.url or not _stale_index_error(exc) or attempt == attempts - 1:
                        raise
                    log.info("the index changed on disk; reopening %s (%s)", self.path, exc)
                    self.reconnect()
            time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def query(
        self, vector: Sequence[float], where: dict[str, Any] | None, k: int
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k chunks nearest `vector` that match `where`."""
        if k <= 0:
            return []
        result = self._retried(
            lambda: self.chunks.query(
                query_embeddings=[list(map(float, vector))],
                n_results=k,
                where=where,
                include=["distances"],
            )
        )
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def _connect(self):
        if self._chunks is not None:
            return
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings
        except ImportError:
            raise RuntimeError(
                "chromadb is missing; run `pip install -e .` in the project folder."
            ) from None
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.url:
            from urllib.parse import urlparse

            parsed = urlparse(self.url)
            self._client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(self.path), settings=settings)
        # embedding_function=None: we always pass our own vectors; Chroma's default would download.
        config = {"hnsw": {"space": "cosine"}}
        self._chunks = self._client.get_or_create_collection(
            self.collection_name, embedding_function=None, configuration=config
        )
        self._documents = self._client.get_or_create_collection(
            f"{self.collection_name}_documents", embedding_function=None, configuration=config
        )

    @property
    def chunks(self):
        self._connect()
        return self._chunks

    @property
    def documents(self):
        self._connect()
        return self._documents

    def count(self) -> int:
        return self.chunks.count()

    def document_count(self) -> int:
        return self._retried(self.documents.count)

    def _all(self, collection, include: list[str], where: dict | None = None) -> dict[str, list]:
        out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
        offset = 0
        while True:
            page = collection.get(include=include, where=where, limit=_PAGE, offset=offset)
            out["ids"].extend(page["ids"])
            for key in include:
                out[key].extend(page[key])
            if len(page["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def document_records(self) -> dict[str, dict[str, Any]]:
        """Metadata of every completely ingested document, by doc id."""
        page = self._retried(lambda: self._all(self.documents, ["metadatas"]))
        return dict(zip(page["ids"], page["metadatas"], strict=True))

    def chunk_index(self) -> list[tuple[str, str, str]]:
        """(chunk id, doc id, file hash) of every stored chunk."""
        page = self._all(self.chunks, ["metadatas"])
        return [
            (i, m["doc_id"], m.get("file_hash", ""))
            for i, m in zip(page["ids"], page["metadatas"], strict=True)
        ]

    def upsert_chunks(
        self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]], file_hash: str
    ) -> None:
        if not chunks:
            return
        limit = (
            self._client.get_max_batch_size()
            if hasattr(self._client, "get_max_batch_size")
            else 5000
        )
        for i in range(0, len(chunks), limit):
            batch = chunks[i : i + limit]
            self.chunks.upsert(
                ids=[c.id for c in batch],
                embeddings=[list(e) for e in embeddings[i : i + limit]],
                documents=[c.text for c in batch],
                metadatas=[c.to_metadata(file_hash) for c in batch],
            )

    def delete_chunks(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), _PAGE):
            self.chunks.delete(ids=ids[i : i + _PAGE])

    def put_document(
        self, doc_id: str, embedding: Sequence[float], metadata: dict[str, Any]
    ) -> None:
        self.documents.upsert(ids=[doc_id], embeddings=[list(embedding)], metadatas=[metadata])

    def update_document(self, doc_id: str, fields: dict[str, Any]) -> None:
        """Add or change these fields of a document record, keeping the others."""
        self.documents.update(ids=[doc_id], metadatas=[fields])

    def delete_document(self, doc_id: str) -> None:
        """Remove a document: its record first (so a crash leaves orphans, which repair removes)."""
        self.documents.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})

    def all_chunks(self) -> dict[str, list]:
        """Ids, texts and metadata of every stored chunk (no embeddings)."""
        return self._retried(lambda: self._all(self.chunks, ["documents", "metadatas"]))

    def chunk_ids(self, doc_id: str) -> list[str]:
        """Ids of one document's stored chunks."""
        return self._all(self.chunks, [], where={"doc_id": doc_id})["ids"]

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of these chunks (ids not in the store are left out)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        page = self._retried(lambda: self.chunks.get(ids=ids, include=["embeddings"]))
        return {
            i: list(map(float, e)) for i, e in zip(page["ids"], page["embeddings"], strict=True)
        }

    def get_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of one document, in reading order."""
        page = self._all(self.chunks, ["documents", "metadatas"], where={"doc_id": doc_id})
        chunks = [
            Chunk.from_metadata(t, m)
            for t, m in zip(page["documents"], page["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: c.position)
