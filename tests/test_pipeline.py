"""Ingestion is incremental, crash-safe and reports each bad file clearly (fake embedder)."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from pypdf import PdfWriter

from ingest.ocr import PageOcr
from ingest.pipeline import Ingester
from ingest.store import ChromaStore
from tests.conftest import CORPUS
from tests.pdfs import scanned_pdf

INVERCLYDE = "inverclyde-council-2010-02-18-clyde-valley-shared-services"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def ingester(store, embedder, **kwargs):
    return Ingester(store, embedder, workers=1, **kwargs)


def consistent(store: ChromaStore) -> None:
    """Every chunk belongs to a complete document of the same file version; counts agree."""
    records = store.document_records()
    index = store.chunk_index()
    assert len({cid for cid, _, _ in index}) == len(index)
    for _, doc_id, file_hash in index:
        assert doc_id in records and records[doc_id]["file_hash"] == file_hash
    for doc_id, record in records.items():
        assert len(store.chunk_ids(doc_id)) == record["chunks"]


def test_corpus_ingests_with_metadata_for_all_five_papers(corpus, store, embedder):
    summary = ingester(store, embedder).run([corpus])
    assert (summary.documents, summary.failed) == (5, 0)
    records = store.document_records()
    expected = {
        INVERCLYDE: ("Inverclyde Council", "2010-02-18"),
        "bromsgrove-cabinet-2009-09-02-worcestershire-two-tier": (
            "Bromsgrove District Council",
            "2009-09-02",
        ),
        "harborough-council-2011-10-31-future-options": (
            "Harborough District Council",
            "2011-10-31",
        ),
        "leics-environment-board-2013-02-27-joint-working-in-waste": (None, "2013-02-27"),
        "east-midlands-2008-02-01-improvement-through-partnerships": (None, "2008-02-01"),
    }
    for doc_id, (council, date) in expected.items():
        assert records[doc_id]["date"] == date
        if council:
            assert records[doc_id]["council"] == council
        assert records[doc_id]["body"]
        assert records[doc_id]["access"] == "public"
    assert records["bromsgrove-cabinet-2009-09-02-worcestershire-two-tier"]["body"] == "Cabinet"
    assert (
        records["leics-environment-board-2013-02-27-joint-working-in-waste"]["body"]
        == "Leicestershire Environment Board"
    )
    chunk = store.get_chunks(INVERCLYDE)[0]
    assert chunk.meta.council == "Inverclyde Council" and chunk.meta.date == "2010-02-18"
    consistent(store)


def test_rerun_on_unchanged_corpus_embeds_nothing(corpus, store, embedder):
    ingester(store, embedder).run([corpus])
    embedded = embedder.calls
    summary = ingester(store, embedder).run([corpus])
    assert embedder.calls == embedded
    assert (summary.documents, summary.skipped, summary.chunks) == (0, 5, 0)


def test_changed_file_reingests_only_itself_and_replaces_its_chunks(corpus, store, embedder):
    ingester(store, embedder).run([corpus])
    path = corpus / f"{INVERCLYDE}.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Glasgow and North Lanarkshire", "Glasgow alone"),
        encoding="utf-8",
    )
    summary = ingester(store, embedder).run([corpus])
    assert [f.doc_id for f in summary.files if f.status == "ingested"] == [INVERCLYDE]
    assert summary.skipped == 4
    texts = [c.text for c in store.get_chunks(INVERCLYDE)]
    assert any("Glasgow alone" in t for t in texts)
    assert not any("Glasgow and North Lanarkshire" in t for t in texts)
    consistent(store)


def test_sidecar_change_reingests_the_paper(corpus, store, embedder):
    ingester(store, embedder).run([corpus])
    sidecar = corpus / f"{INVERCLYDE}.meta.json"
    values = json.loads(sidecar.read_text())
    values["access"] = "exempt"
    sidecar.write_text(json.dumps(values))
    summary = ingester(store, embedder).run([corpus])
    assert [f.doc_id for f in summary.files if f.status == "ingested"] == [INVERCLYDE]
    assert store.document_records()[INVERCLYDE]["access"] == "exempt"
    assert {c.meta.access for c in store.get_chunks(INVERCLYDE)} == {"exempt"}


def test_prune_removes_documents_whose_files_are_gone(corpus, store, embedder):
    ingester(store, embedder).run([corpus])
    (corpus / f"{INVERCLYDE}.txt").unlink()
    kept = ingester(store, embedder).run([corpus])
    assert INVERCLYDE in store.document_records() and not kept.pruned
    summary = ingester(store, embedder).run([corpus], prune=True)
    assert summary.pruned == [INVERCLYDE]
    assert INVERCLYDE not in store.document_records()
    assert store.chunk_ids(INVERCLYDE) == []
    consistent(store)


class Killed(Exception):
    pass


def test_a_run_killed_part_way_is_repaired_by_the_next(corpus, store, embedder, monkeypatch):
    ingester(store, embedder).run([corpus])
    path = corpus / f"{INVERCLYDE}.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n8.0 ADDENDUM\n8.1 A new paragraph.\n",
        encoding="utf-8",
    )
    new_doc = corpus / "new-paper.txt"
    new_doc.write_text(
        "1.1 A brand new paper about waste.\n1.2 It has two paragraphs.", encoding="utf-8"
    )

    real_put = ChromaStore.put_document

    def die(self, doc_id, embedding, metadata):  # chunks are written, the completion mark is not
        raise Killed(doc_id)

    monkeypatch.setattr(ChromaStore, "put_document", die)
    with pytest.raises(Killed):
        ingester(store, embedder).run([corpus])
    monkeypatch.setattr(ChromaStore, "put_document", real_put)

    fresh = ChromaStore(path=store.path, collection=store.collection_name)
    summary = ingester(fresh, embedder).run([corpus])
    assert summary.failed == 0
    assert summary.repaired_chunks > 0
    assert {f.doc_id for f in summary.files if f.status == "ingested"} == {INVERCLYDE, "new-paper"}
    assert any("A new paragraph." in c.text for c in fresh.get_chunks(INVERCLYDE))
    consistent(fresh)


def test_each_bad_file_gets_one_clear_reason_and_the_rest_still_ingest(tmp_path, store, embedder):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "1.1 The committee agreed the budget of £240K.", encoding="utf-8"
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n this is not really a pdf")
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    scan = io.BytesIO()
    writer.write(scan)
    (folder / "scan.pdf").write_bytes(scan.getvalue())
    (folder / "huge.txt").write_text("word " * 5000, encoding="utf-8")
    (folder / "latin.txt").write_bytes(
        "1.1 The fee is £240K for the council’s review.".encode("cp1252")
    )
    (folder / "notes.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "good.meta.json").write_text('{"council": "Anytown Borough Council"}')
    explicit = tmp_path / "sheet.xlsx"
    explicit.write_bytes(b"PK\x03\x04")

    summary = ingester(store, embedder, max_file_bytes=10_000).run([folder, explicit])
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in summary.files}
    assert by_name["good.txt"].status == "ingested"
    assert by_name["latin.txt"].status == "ingested"
    assert by_name["notes.xlsx"].status == "ignored"
    assert "good.meta.json" not in by_name
    reasons = {name: f.reason for name, f in by_name.items() if f.status == "failed"}
    assert set(reasons) == {"empty.txt", "broken.pdf", "scan.pdf", "huge.txt", "sheet.xlsx"}
    assert "empty" in reasons["empty.txt"]
    assert "damaged" in reasons["broken.pdf"]
    assert "no extractable text" in reasons["scan.pdf"]
    assert "limit" in reasons["huge.txt"] and "CPA_MAX_FILE_MB" in reasons["huge.txt"]
    assert "unsupported" in reasons["sheet.xlsx"]
    assert store.document_records()["good"]["council"] == "Anytown Borough Council"
    assert any("£240K" in c.text for c in store.get_chunks("latin"))


def _text_pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def test_bad_pdfs_parsed_in_worker_processes_fail_alone(tmp_path, store, embedder):
    """An encrypted, a truncated and an image-only PDF (OCR off) among good ones, read by the
    worker pool: every good paper ingests and each bad one is named in one line."""
    from pypdf import PdfReader

    folder = tmp_path / "papers"
    folder.mkdir()
    good = "1.1 The Westshire District Council Cabinet agreed the budget of 240 thousand pounds."
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_text_pdf(good))))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    (folder / "a-locked.pdf").write_bytes(locked.getvalue())
    whole = _text_pdf(good.replace("240", "120"))
    (folder / "b-truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (folder / "c-scan.pdf").write_bytes(scanned_pdf(["MINUTES OF THE MEETING"]))
    (folder / "d-good.pdf").write_bytes(_text_pdf(good))
    (folder / "e-good.pdf").write_bytes(_text_pdf(good.replace("240", "360")))

    off = PageOcr(None, off_reason="OCR is off (CPA_OCR=off)")
    summary = Ingester(store, embedder, workers=2, ocr=off).run([folder])
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in summary.files}
    assert by_name["d-good.pdf"].status == by_name["e-good.pdf"].status == "ingested"
    assert "encrypted" in by_name["a-locked.pdf"].reason
    assert "truncated" in by_name["b-truncated.pdf"].reason
    assert "scanned" in by_name["c-scan.pdf"].reason
    assert "CPA_OCR=off" in by_name["c-scan.pdf"].reason
    assert summary.failed == 3
    assert all("\n" not in f.reason for f in summary.files)
    assert set(store.document_records()) == {"d-good", "e-good"}


def test_two_files_with_the_same_document_id_fail_the_second(tmp_path, store, embedder):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "minutes.txt").write_text(
            f"1.1 Minutes from folder {folder}.", encoding="utf-8"
        )
    summary = ingester(store, embedder).run([tmp_path / "a", tmp_path / "b"])
    assert summary.documents == 1
    failed = [f for f in summary.files if f.status == "failed"]
    assert len(failed) == 1 and "same document id" in failed[0].reason


def test_progress_is_reported_for_files_and_chunks(corpus, store, embedder):
    seen = []
    ingester(
        store, embedder, progress=lambda stage, done, total: seen.append((stage, done, total))
    ).run([corpus])
    assert ("files", 5, 5) in seen
    chunk_totals = [(done, total) for stage, done, total in seen if stage == "chunks"]
    assert chunk_totals and chunk_totals[-1][0] == chunk_totals[-1][1]


def test_another_encoder_re_embeds_every_paper(corpus, store):
    from ingest.embedders import HashingEmbedder

    first = ingester(store, HashingEmbedder(dimension=64)).run([corpus])
    assert first.documents == 5
    again = ingester(store, HashingEmbedder(dimension=64)).run([corpus])
    assert again.skipped == 5
    other = HashingEmbedder(dimension=64)
    other.name = "another-encoder"
    switched = ingester(store, other).run([corpus])
    assert switched.documents == 5 and switched.skipped == 0
    assert {r["embedder"] for r in store.document_records().values()} == {"another-encoder"}
