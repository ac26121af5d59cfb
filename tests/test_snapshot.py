"""A reader serves the store's snapshot without rereading the store while no write moved the
generation counter, starts from the snapshot kept on disk, and never serves a stale one."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest
from conftest import CORPUS

from ingest.embedders import HashingEmbedder
from ingest.pipeline import Ingester
from ingest.service import build_decision_store, build_store
from ingest.writer_lock import read_generation
from retrieval import snapshot
from retrieval.service import build_retriever

QUESTION = "Which councils lead the waste work stream?"


def ingest(settings, folder, data_dir=True):
    return Ingester(
        build_store(settings),
        HashingEmbedder(),
        decisions=build_decision_store(settings),
        data_dir=settings.data_dir if data_dir else None,
    ).run([folder])


def reader(settings):
    return build_retriever(settings, embedder=HashingEmbedder())


def top(retriever, k=5):
    return [(h.doc_id, h.chunk.position) for h in retriever.search(QUESTION, k=k).hits]


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def count_reads(monkeypatch, retriever) -> list[str]:
    reads: list[str] = []
    store = retriever.snapshots.store
    for name in ("document_records", "all_chunks", "embeddings"):
        real = getattr(store, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            reads.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(store, name, spy)
    return reads


def test_searches_read_nothing_from_the_store_while_no_write_moved_the_counter(
    settings, corpus, monkeypatch
):
    ingest(settings, corpus)
    retriever = reader(settings)
    first = top(retriever)
    reads = count_reads(monkeypatch, retriever)
    for _ in range(3):
        assert top(retriever) == first
    assert reads == []

    (corpus / "extra.txt").write_text(
        "Westshire Council\nCabinet 1 May 2024\n1. The waste work stream is led by Easton.\n"
    )
    ingest(settings, corpus)  # another writer of the folder: the counter moves
    assert "extra" in {d["doc_id"] for d in retriever.documents()}
    assert "document_records" in reads


def test_a_new_reader_starts_from_the_snapshot_on_disk(settings, corpus, monkeypatch):
    ingest(settings, corpus)
    warm = reader(settings)
    expected = top(warm)
    warm.snapshots.wait_saved()
    place = (
        settings.data_dir
        / "snapshot"
        / settings.collection
        / f"g{read_generation(settings.data_dir)}"
    )
    assert (place / "meta.json").exists()

    cold = reader(settings)
    reads = count_reads(monkeypatch, cold)
    assert top(cold) == expected
    assert reads == []  # chunks, records and vectors all came from the snapshot
    catalog, fresh = cold.catalog(), warm.catalog()
    assert [c.id for c in catalog.chunks] == [c.id for c in fresh.chunks]
    assert np.allclose(np.asarray(catalog.vectors(None)), fresh.vectors(None))
    assert catalog.documents == fresh.documents


def test_a_snapshot_of_an_older_generation_is_not_served(settings, corpus):
    ingest(settings, corpus)
    warm = reader(settings)
    top(warm)
    warm.snapshots.wait_saved()
    (corpus / "extra.txt").write_text("Westshire Council\n1. Easton leads the depot review.\n")
    ingest(settings, corpus)
    assert "extra" in {d["doc_id"] for d in reader(settings).documents()}


def test_a_write_that_moved_no_counter_is_caught_by_the_counts(settings, corpus, monkeypatch):
    monkeypatch.setattr(snapshot, "CONFIRM_AFTER_SECONDS", 0.0)
    ingest(settings, corpus)
    warm = reader(settings)
    top(warm)
    warm.snapshots.wait_saved()
    (corpus / "extra.txt").write_text("Westshire Council\n1. Easton leads the depot review.\n")
    ingest(settings, corpus, data_dir=False)  # e.g. a tool writing the store directly

    cold = reader(settings)
    cold.catalog()  # from disk: the counter says nothing changed
    for _ in range(100):
        if cold.snapshots._catalog is None:
            break
        __import__("time").sleep(0.05)
    assert "extra" in {d["doc_id"] for d in cold.documents()}


def test_an_unreadable_snapshot_is_replaced(settings, corpus):
    ingest(settings, corpus)
    warm = reader(settings)
    expected = top(warm)
    warm.snapshots.wait_saved()
    [place] = (settings.data_dir / "snapshot" / settings.collection).glob("g*")
    (place / "chunks.json").write_text("{not json")
    cold = reader(settings)
    assert top(cold) == expected  # read from the store instead
    cold.snapshots.wait_saved()
    assert (place / "chunks.json").read_text().startswith("{")
    assert reader(settings).catalog().fingerprint == warm.catalog().fingerprint


def test_no_snapshot_is_kept_for_writes_the_counter_never_saw(settings, corpus):
    ingest(settings, corpus, data_dir=False)
    retriever = reader(settings)
    top(retriever)
    retriever.snapshots.wait_saved()
    assert not list((settings.data_dir / "snapshot").glob("*/g*"))


def test_a_server_reader_looks_again_after_its_interval(settings, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(snapshot, "monotonic", lambda: clock[0])
    retriever = reader(replace(settings))
    retriever.snapshots.recheck_seconds = 10.0
    reads = count_reads(monkeypatch, retriever)
    retriever.catalog()
    retriever.catalog()
    assert reads.count("document_records") == 1
    clock[0] += 11
    retriever.catalog()
    assert reads.count("document_records") == 2
