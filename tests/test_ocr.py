"""OCR of pages with no text layer: only those pages, cached by page, flagged on chunks and
citations; without tesseract a paper still ingests and names the pages it could not read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.loaders import IngestError, load_document
from ingest.ocr import PageOcr, TesseractOcr
from ingest.pipeline import Ingester
from ingest.store import ChromaStore
from retrieval.records import Citation
from tests.pdfs import scanned_pdf

SCANNED_LINES = [
    "MINUTES OF THE PARISH COUNCIL",
    "12. Planning applications",
    "RESOLVED: to object to the application for the barn.",
    "Proposed by Cllr Smith, seconded by Cllr Jones.",
]
TEXT_PAGE = "13. Finance\nThe clerk reported a balance of 4,210 pounds in the current account."


class FakeOcr:
    """Stands in for tesseract: returns set text, and counts what it was asked to read."""

    name = "fake:1"

    def __init__(self, text: str = "\n".join(SCANNED_LINES), reason: str = ""):
        self.text = text
        self.reason = reason
        self.images: list[bytes] = []

    def unavailable(self) -> str:
        return self.reason

    def read_image(self, png: bytes) -> str:
        assert png.startswith(b"\x89PNG"), "pages are handed over as PNG images"
        self.images.append(png)
        return self.text


def _paper(tmp_path: Path, *pages, name: str = "parish-minutes.pdf") -> Path:
    folder = tmp_path / "papers"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(scanned_pdf(*pages))
    return path


def test_only_pages_without_a_text_layer_are_read_and_their_chunks_are_flagged(
    tmp_path, store, embedder
):
    path = _paper(tmp_path, SCANNED_LINES, TEXT_PAGE)
    fake = FakeOcr()
    stages: list[tuple[str, int, int]] = []
    summary = Ingester(
        store,
        embedder,
        ocr=PageOcr(fake, tmp_path / "cache"),
        progress=lambda *a: stages.append(a),
    ).run([path])

    [result] = summary.files
    assert result.status == "ingested" and not result.warning
    assert result.page_sources == ["ocr", "pypdf"]
    assert len(fake.images) == 1, "the page with a text layer is not sent to OCR"
    assert ("ocr", 1, 1) in stages
    chunks = store.get_chunks("parish-minutes")
    read = [c for c in chunks if "seconded by Cllr Jones" in c.text]
    assert read and all(c.ocr and c.page == 1 for c in read)
    assert not any(c.ocr for c in chunks if "balance of 4,210" in c.text)
    citation = Citation.from_chunk(1, read[0], "seconded by Cllr Jones")
    assert citation.ocr and "text read by OCR from page 1" in citation.label()
    assert store.document_records()["parish-minutes"]["page_sources"] == "ocr,pypdf"


def test_ocr_is_cached_so_a_re_ingest_reads_no_page_again(tmp_path, embedder):
    path = _paper(tmp_path, SCANNED_LINES, [*SCANNED_LINES[:2], "Any other business: none."])
    fake = FakeOcr()
    reader = PageOcr(fake, tmp_path / "cache")
    for attempt in ("first", "second"):  # a fresh index each time: only the cache can help
        index = ChromaStore(path=tmp_path / attempt, collection="ocr-test")
        summary = Ingester(index, embedder, ocr=reader).run([path])
        assert summary.documents == 1
    assert len(fake.images) == 2 and reader.pages_read == 2
    again = PageOcr(FakeOcr(), tmp_path / "cache")
    load_document(path, 10**8, again)
    assert again.pages_read == 0


def test_without_tesseract_a_paper_ingests_and_names_the_pages_it_could_not_read(
    tmp_path, store, embedder
):
    path = _paper(tmp_path, TEXT_PAGE, SCANNED_LINES, SCANNED_LINES)
    missing = PageOcr(TesseractOcr(binary="no-such-tesseract"), tmp_path / "cache")
    [result] = Ingester(store, embedder, ocr=missing).run([path]).files

    assert result.status == "ingested"
    assert result.page_sources == ["pypdf", "none", "none"]
    assert "pages 2–3" in result.warning and "tesseract is not installed" in result.warning
    assert "apt install tesseract-ocr" in result.warning and "\n" not in result.warning
    assert store.document_records()["parish-minutes"]["warning"] == result.warning


def test_a_wholly_scanned_paper_without_ocr_fails_in_one_line_naming_its_pages(tmp_path):
    path = _paper(tmp_path, SCANNED_LINES, SCANNED_LINES)
    missing = PageOcr(TesseractOcr(binary="no-such-tesseract"))
    with pytest.raises(IngestError) as caught:
        load_document(path, 10**8, missing)
    message = str(caught.value)
    assert message.startswith("parish-minutes.pdf: ") and "\n" not in message
    assert "1–2" in message and "tesseract is not installed" in message


def test_ocr_that_finds_no_words_leaves_the_page_unread(tmp_path):
    path = _paper(tmp_path, TEXT_PAGE, SCANNED_LINES)
    document = load_document(path, 10**8, PageOcr(FakeOcr(text="~ ~")))
    assert document.page_sources == ("pypdf", "none")
    assert "page 2 has no text layer" in document.warnings[0]


def test_tesseract_missing_language_data_is_reported():
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    reason = TesseractOcr(language="xx-no-such-language").unavailable()
    assert "no 'xx-no-such-language' language data" in reason


def test_real_tesseract_reads_a_scanned_page(tmp_path):
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (apt install tesseract-ocr tesseract-ocr-eng)")
    path = _paper(tmp_path, SCANNED_LINES)
    document = load_document(path, 10**8, PageOcr(TesseractOcr(), tmp_path / "cache"))
    assert document.page_sources == ("ocr",)
    flat = " ".join(document.text.split())
    assert "RESOLVED: to object to the application" in flat
    assert "seconded by Cllr Jones" in flat
