"""The naive LangChain pipeline our retrieval is measured against, on the same questions and papers.

It is what a home-grown notebook does: each PDF page's text (pypdf, as LangChain's `PyPDFLoader`
reads it), `RecursiveCharacterTextSplitter` with 1,000 characters and 200 of overlap, the same
MiniLM embeddings, and Chroma's similarity search. Its "context@k" is whether every answer group
is somewhere in its top k passages; ours is recall@k over our hits, scored the same way.

>>> pipeline = NaiveLangChainPipeline(embedder)                 # cheap
>>> pipeline.index([Path("../shared/realdocs")])                # doctest: +SKIP
>>> [doc_id for doc_id, _ in pipeline.search("Who chairs the group?", k=4)]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.metrics import is_answerable, recall
from ingest.embedders import Embedder
from ingest.loaders import IngestError, document_id, load_document
from ingest.pipeline import discover

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


def _langchain():
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.embeddings import Embeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError:
        raise RuntimeError(
            "the baseline needs langchain-chroma and langchain-text-splitters; "
            'run `pip install -e ".[dev]"`.'
        ) from None
    return chromadb, ChromaSettings, Chroma, Embeddings, RecursiveCharacterTextSplitter


def page_texts(path: Path) -> list[str]:
    """A paper as a naive loader sees it: raw pypdf text per PDF page, or the whole text."""
    if path.suffix.lower() != ".pdf":
        return [load_document(path, max_bytes=10**9).text]
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        return [page.extract_text() or "" for page in PdfReader(path).pages]
    except Exception as exc:  # the baseline skips what it cannot read, as a notebook would
        raise IngestError(path, f"could not be read by pypdf ({exc})") from None


class NaiveLangChainPipeline:
    """Fixed-size chunks in an in-memory Chroma collection, searched by similarity alone."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._store = None
        self.chunks = 0
        self.skipped: list[str] = []

    def index(self, folders: Sequence[Path]) -> int:
        """Load, split, embed and store every paper under `folders`; returns the chunk count."""
        chromadb, ChromaSettings, Chroma, Embeddings, Splitter = _langchain()
        embedder = self.embedder

        class _Adapter(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return embedder.embed(texts)

            def embed_query(self, text: str) -> list[float]:
                return embedder.embed([text])[0]

        splitter = Splitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        paths, _ignored = discover(folders)
        for path in paths:
            try:
                pages = page_texts(path)
            except IngestError as exc:
                self.skipped.append(str(exc))
                continue
            for number, page in enumerate(pages, 1):
                for piece in splitter.split_text(page):
                    texts.append(piece)
                    metadatas.append({"doc_id": document_id(path), "page": number})
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self._store = Chroma(
            collection_name=f"baseline-{uuid.uuid4().hex[:8]}",
            embedding_function=_Adapter(),
            client=client,
        )
        for i in range(0, len(texts), 1000):
            self._store.add_texts(texts[i : i + 1000], metadatas[i : i + 1000])
        self.chunks = len(texts)
        return self.chunks

    def search(self, question: str, k: int) -> list[tuple[str, str]]:
        """(doc_id, text) of the k most similar chunks."""
        if self._store is None:
            raise RuntimeError("index the papers before searching")
        return [
            (d.metadata["doc_id"], d.page_content)
            for d in self._store.similarity_search(question, k=k)
        ]


def compare_with_baseline(
    retriever,
    pipeline: NaiveLangChainPipeline,
    questions: Sequence[Mapping[str, Any]],
    depths: Sequence[int] = (4, 5, 8),
) -> list[dict[str, Any]]:
    """Per answerable question: our recall and the baseline's context at each depth."""
    deepest = max(depths)
    rows = []
    retriever.warm_up()
    for q in questions:
        if not (is_answerable(q) and q.get("answers")):
            continue
        ours = [
            h.text for h in retriever.search(q["question"], history=q.get("history"), k=deepest)
        ]
        theirs = [text for _, text in pipeline.search(q["question"], k=deepest)]
        rows.append(
            {
                "id": q["id"],
                "type": q.get("type") or "",
                "ours": {k: recall(q["answers"], ours[:k]) for k in depths},
                "baseline": {k: recall(q["answers"], theirs[:k]) for k in depths},
            }
        )
    return rows
