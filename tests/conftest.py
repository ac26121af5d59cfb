"""Shared fixtures: no network, settings under a temp folder, a fake embedder, the real-docs folder."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ingest.embedders import HashingEmbedder
from ingest.records import Chunk
from ingest.settings import load_settings
from ingest.store import ChromaStore

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
REALDOCS = REPO.parent / "shared" / "realdocs"

_real_connect = socket.socket.connect


def free_port() -> int:
    """A loopback port nothing listens on, for serving the UI in a test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (
        host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
    ):
        return _real_connect(self, address)
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    raise RuntimeError(f"test tried to reach the network: {address!r}")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Outbound connections other than loopback fail, so no test can download anything."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def settings(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("CPA_"):
            monkeypatch.delenv(key)
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture
def embedder():
    return HashingEmbedder()


@pytest.fixture
def store(tmp_path):
    return ChromaStore(path=tmp_path / "index", collection="test")


@pytest.fixture
def realdocs() -> Path:
    if not REALDOCS.is_dir():
        pytest.skip("../shared/realdocs is not present")
    return REALDOCS


@pytest.fixture(scope="session")
def real_corpus(tmp_path_factory):
    """The five corpus papers indexed with the real encoder once per test run (slow tier)."""
    from ingest.embedders import SentenceTransformerEmbedder
    from ingest.pipeline import Ingester

    folder = tmp_path_factory.mktemp("real-corpus")
    from ingest.decision_store import DecisionStore

    store = ChromaStore(path=folder / "index", collection="corpus")
    embedder = SentenceTransformerEmbedder()
    register = DecisionStore(folder / "decisions" / "corpus.sqlite")
    summary = Ingester(store, embedder, decisions=register).run([CORPUS])
    assert summary.failed == 0
    return store, embedder, folder


def chunk_at(meta, text, start, position, kind, section, paragraphs, lead="") -> Chunk:
    """A chunk of `meta`'s paper whose text starts at `start` of the cleaned text."""
    return Chunk(
        doc_id=meta.doc_id,
        text=text,
        start=start,
        end=start + len(text),
        position=position,
        kind=kind,
        section=section,
        paragraphs=paragraphs,
        lead=lead,
        meta=meta,
    )
