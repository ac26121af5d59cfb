"""The real encoder end to end: corpus and real council PDFs into a fresh index (slow tier)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from ingest.embedders import SentenceTransformerEmbedder
from ingest.pipeline import Ingester
from ingest.store import ChromaStore
from tests.conftest import CORPUS, REALDOCS, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_index(tmp_path_factory):
    if not REALDOCS.is_dir():
        pytest.skip("../shared/realdocs is not present")
    folder = tmp_path_factory.mktemp("real")
    store = ChromaStore(path=folder / "index", collection="real")
    embedder = SentenceTransformerEmbedder()
    summary = Ingester(store, embedder).run([CORPUS, REALDOCS])
    return store, embedder, summary


def test_all_real_pdfs_and_the_corpus_ingest_without_error(real_index):
    store, _, summary = real_index
    assert summary.failed == 0, [f.reason for f in summary.files if f.status == "failed"]
    assert summary.documents == 20
    with open(REALDOCS / "MANIFEST.tsv", encoding="utf-8") as handle:
        manifest = {
            row["filename"]: int(row["pages"]) for row in csv.DictReader(handle, delimiter="\t")
        }
    records = store.document_records()
    for filename, pages in manifest.items():
        assert records[filename.removesuffix(".pdf")]["pages"] == pages
    assert summary.pages == sum(manifest.values()) == 178


def nearest(real_index, question: str, k: int = 3) -> tuple[list[str], list[dict]]:
    """Texts and metadata of the k chunks nearest to the question by real embeddings."""
    store, embedder, _ = real_index
    [vector] = embedder.embed([question])
    assert len(vector) == 384
    hits = store.chunks.query(
        query_embeddings=[vector], n_results=k, include=["documents", "metadatas"]
    )
    return hits["documents"][0], hits["metadatas"][0]


def test_real_embeddings_find_the_lead_authorities_row(real_index):
    texts, _ = nearest(
        real_index, "Which councils lead the integrated waste management work stream?"
    )
    assert any("Glasgow and North Lanarkshire" in t for t in texts), texts


def test_real_embeddings_find_a_paragraph_in_a_real_pdf(real_index):
    _, top = nearest(real_index, "How many children in Kent have an EHCP?")
    assert any(
        m["doc_id"].startswith("kcc_cabinet_2025-01-30_education") and m["paragraphs"] == "2.4"
        for m in top
    )
    assert any(m["page"] == 2 for m in top)


def test_rerun_on_unchanged_papers_loads_no_model_and_embeds_nothing(real_index):
    store, _, _ = real_index
    fresh = SentenceTransformerEmbedder()
    summary = Ingester(store, fresh).run([CORPUS, REALDOCS])
    assert (summary.documents, summary.skipped, summary.encode_seconds) == (0, 20, 0.0)
    assert fresh._model is None


def _cli(args, data_dir, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CPA_")}
    environment.update({"CPA_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **env})
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_reports_bad_files_and_exits_non_zero_with_a_json_summary(tmp_path):
    papers = tmp_path / "papers"
    shutil.copytree(CORPUS, papers)
    (papers / "empty.txt").write_bytes(b"")
    result = _cli([str(papers), "--json"], tmp_path / "data")
    assert result.returncode == 1, result.stderr
    assert "FAILED" in result.stderr and "empty.txt: is empty." in result.stderr
    summary = json.loads(result.stdout)
    assert (summary["documents"], summary["failed"]) == (5, 1)
    again = _cli(
        [str(papers / "inverclyde-council-2010-02-18-clyde-valley-shared-services.txt")],
        tmp_path / "data",
    )
    assert again.returncode == 0
    assert "skipped" in again.stdout and "documents" in again.stdout
