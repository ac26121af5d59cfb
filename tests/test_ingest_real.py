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
from tests.pdfs import scanned_pdf

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
    ids = [chunk_id for chunk_id, _ in store.query(vector, None, k)]
    page = store.all_chunks()
    at = {chunk_id: i for i, chunk_id in enumerate(page["ids"])}
    return [page["documents"][at[i]] for i in ids], [page["metadatas"][at[i]] for i in ids]


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
    text_page = "3. Finance\nThe clerk reported a balance of 4,210 pounds in the current account."
    (papers / "part-scanned.pdf").write_bytes(scanned_pdf(text_page, ["4. Planning"]))
    result = _cli([str(papers), "--json"], tmp_path / "data", CPA_OCR="off")
    assert result.returncode == 1, result.stderr
    assert "FAILED" in result.stderr and "empty.txt: is empty." in result.stderr
    assert "WARNING" in result.stderr and "page 2 has no text layer" in result.stderr
    summary = json.loads(result.stdout)
    assert (summary["documents"], summary["failed"]) == (6, 1)
    [scan] = [f for f in summary["files"] if f["doc_id"] == "part-scanned"]
    assert scan["page_sources"] == ["pypdf", "none"] and "CPA_OCR=off" in scan["warning"]
    again = _cli(
        [str(papers / "inverclyde-council-2010-02-18-clyde-valley-shared-services.txt")],
        tmp_path / "data",
    )
    assert again.returncode == 0
    assert "skipped" in again.stdout and "documents" in again.stdout


REALDOCS2 = REPO.parent / "shared" / "realdocs2"


@pytest.fixture(scope="module")
def realdocs2_index(tmp_path_factory):
    from ingest.embedders import HashingEmbedder
    from ingest.ocr import PageOcr, TesseractOcr

    if not REALDOCS2.is_dir():
        pytest.skip("../shared/realdocs2 is not present")
    ocr = TesseractOcr()
    if ocr.unavailable():
        pytest.skip(ocr.unavailable())
    folder = tmp_path_factory.mktemp("real2")
    store = ChromaStore(path=folder / "index", collection="real2")
    reader = PageOcr(ocr, folder / "ocr-cache")
    summary = Ingester(store, HashingEmbedder(), ocr=reader).run([REALDOCS2])
    return store, summary


def test_every_realdocs2_paper_ingests_the_scanned_one_by_ocr(realdocs2_index):
    store, summary = realdocs2_index
    assert summary.failed == 0, [
        f"{f.path}: {f.reason}" for f in summary.files if f.status == "failed"
    ]
    with open(REALDOCS2 / "MANIFEST.tsv", encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle, delimiter="\t"))
    assert summary.documents == len(manifest) == 22
    by_id = {f.doc_id: f for f in summary.files}
    for row in manifest:
        result = by_id[row["filename"].removesuffix(".pdf")]
        assert len(result.page_sources) == result.pages == int(row["pages"])
        assert not result.warning, result.warning
        scanned = row["text_extractable"] == "no"
        assert ("ocr" in result.page_sources) == scanned, row["filename"]
    [scan] = [r["filename"].removesuffix(".pdf") for r in manifest if r["text_extractable"] == "no"]
    chunks = store.get_chunks(scan)
    assert chunks and all(c.ocr for c in chunks)
    flat = " ".join(" ".join(c.text for c in chunks).split())
    assert "Certificate of Exemption" in flat and "Annual Governance Statement" in flat
