"""Ingest benchmark: a fresh index of ../shared/realdocs, timed against the encoder alone.

    python -m evals.bench_ingest [FOLDER]

Prints pages/s and chunks/s for the whole ingest (model load included), then re-encodes the same
chunk texts with the encoder alone, so the pipeline's own cost is the difference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REALDOCS = Path(__file__).resolve().parents[2] / "shared" / "realdocs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ingest")
    parser.add_argument("folder", nargs="?", type=Path, default=REALDOCS)
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"skipped: {args.folder} is not there", file=sys.stderr)
        return 0

    started = time.perf_counter()
    from ingest.service import build_ingester
    from ingest.settings import load_settings

    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(data_dir=Path(data_dir))
        ingester = build_ingester(settings)
        summary = ingester.run([args.folder])
        total = time.perf_counter() - started
        if summary.failed:
            for f in summary.files:
                if f.status == "failed":
                    print(f"FAILED {f.path}: {f.reason}", file=sys.stderr)
        rerun_started = time.perf_counter()
        rerun = build_ingester(settings).run([args.folder])
        rerun_seconds = time.perf_counter() - rerun_started
        texts = []
        for record in ingester.store.document_records():
            texts.extend(c.embed_text for c in ingester.store.get_chunks(record))
        embedder = ingester.embedder
        encode_started = time.perf_counter()
        embedder.embed(texts)  # one call: the encoder sorts by length itself, its best case
        encoder_alone = time.perf_counter() - encode_started

    outside = total - encoder_alone
    outside_no_load = outside - summary.load_seconds
    characters = sum(len(t) for t in texts)
    print(f"ingest benchmark: {args.folder}")
    print(f"  documents            {summary.documents} ({summary.failed} failed)")
    print(f"  pages                {summary.pages}")
    print(f"  chunks               {summary.chunks} ({characters} characters embedded)")
    print(f"  whole ingest         {total:.2f} s (model load included; target <= 30 s)")
    print(f"  pages/s              {summary.pages / total:.1f}")
    print(f"  chunks/s             {summary.chunks / total:.1f}")
    print(f"  model load           {summary.load_seconds:.2f} s (overlapped with parsing)")
    print(f"  encoding in pipeline {summary.encode_seconds:.2f} s (length-sorted groups)")
    print(
        f"  encoder alone        {encoder_alone:.2f} s ({characters / encoder_alone:.0f} characters/s)"
    )
    print(
        f"  outside the encoder  {outside:.2f} s = {100 * outside / encoder_alone:.0f}% of the encoder"
    )
    print(
        f"    less model load    {outside_no_load:.2f} s = {100 * outside_no_load / encoder_alone:.0f}% (target <= 20%)"
    )
    print(
        f"  unchanged re-run     {rerun_seconds:.2f} s ({rerun.skipped} skipped, {rerun.chunks} embedded; target < 2 s)"
    )
    text_layer_costs(args.folder)
    ocr_costs(args.folder.parent / "realdocs2")
    return 0


def text_layer_costs(folder: Path) -> None:
    """What the per-page quality check (pdfium where pypdf reads badly, pypdf's layout reading
    for tables) adds to pypdf alone, and how many pages needed OCR (none: OCR costs nothing)."""
    import io
    import logging

    from pypdf import PdfReader

    from ingest.pdf_loader import read_pdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    papers = [(p, p.read_bytes()) for p in sorted(folder.glob("*.pdf"))]
    started = time.perf_counter()
    for _, data in papers:
        for page in PdfReader(io.BytesIO(data)).pages:
            page.extract_text()
    pypdf_alone = time.perf_counter() - started
    started = time.perf_counter()
    reads = [read_pdf(path, data) for path, data in papers]
    checked = time.perf_counter() - started
    pages = sum(len(r.sources) for r in reads)
    pdfium = sum(r.sources.count("pypdfium2") for r in reads)
    needs_ocr = sum(len(r.needs_ocr) for r in reads)
    layout = sum(r.sources.count("pypdf-layout") for r in reads)
    print(f"text layers: {folder} ({len(papers)} PDFs, {pages} pages)")
    print(f"  pypdf alone          {pypdf_alone:.2f} s")
    print(
        f"  with quality check and tables {checked:.2f} s (+{checked - pypdf_alone:.2f} s, "
        f"{100 * (checked - pypdf_alone) / max(pypdf_alone, 1e-9):.0f}%); "
        f"{pdfium} pages read by pdfium, {layout} by layout (tables), {needs_ocr} need OCR"
    )


def ocr_costs(folder: Path) -> None:
    """OCR per page on the folder's scanned papers: a cold cache, then a re-read from the cache."""
    from ingest.pdf_loader import read_pdf
    from ingest.service import build_ocr
    from ingest.settings import load_settings

    if not folder.is_dir():
        print(f"OCR: skipped ({folder} is not there)")
        return
    with tempfile.TemporaryDirectory() as data_dir:
        reader = build_ocr(load_settings(data_dir=Path(data_dir)))
        if reader.unavailable():
            print(f"OCR: skipped ({reader.unavailable()})")
            return
        scans = [read_pdf(p, p.read_bytes()) for p in sorted(folder.glob("*.pdf"))]
        scans = [r for r in scans if r.needs_ocr]
        pages = sum(len(r.needs_ocr) for r in scans)
        started = time.perf_counter()
        for scan in scans:
            reader.read(scan.data, scan.needs_ocr, scan.file_hash)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        for scan in scans:
            reader.read(scan.data, scan.needs_ocr, scan.file_hash)
        warm = time.perf_counter() - started
    print(f"OCR: {folder} ({len(scans)} scanned papers, {pages} pages, {reader.ocr.name})")
    print(
        f"  cold                 {cold:.2f} s = {cold / max(pages, 1):.2f} s/page (render + tesseract, 2 at a time)"
    )
    print(f"  cached re-read       {warm:.3f} s")


if __name__ == "__main__":
    sys.exit(main())
