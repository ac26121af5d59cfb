"""The PDF reader: the better of pypdf's and pdfium's text per page, OCR for pages without a
usable text layer, page furniture and line wraps undone, page offsets kept.

Reading is two steps so OCR can run outside the PDF worker processes (with a progress bar):
`read_pdf` (in a worker) extracts and scores every page and lists the pages that need OCR;
`finish_pdf` (in the ingesting process) reads those pages and assembles the document.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ingest.cleaning import (
    join_page_blocks,
    normalise,
    rejoin_hyphenation,
    strip_page_furniture,
    unwrap_lines,
)
from ingest.errors import IngestError
from ingest.ocr import PageOcr
from ingest.pdf_tables import layout_tables
from ingest.records import LoadedDocument, Page, document_id
from ingest.text_layer import (
    LAYOUT,
    MARGIN,
    NONE,
    OCR,
    PDFIUM,
    POOR,
    PYPDF,
    better_reading,
    may_hold_table,
    quality,
    says_the_same,
)

# A page without usable text is sent to OCR when images cover at least this share of it
# (a scan); a page that only carries a logo or a signature is left alone.
IMAGE_COVER = 0.25


@dataclass
class PdfText:
    """A PDF's pages as extracted, before OCR and assembly."""

    path: Path
    texts: list[str]
    sources: list[str]
    needs_ocr: list[int] = field(default_factory=list)  # 1-based page numbers
    data: bytes = b""  # kept only when a page needs OCR
    file_hash: str = ""  # of the bytes alone: the OCR cache key
    fingerprint: str = ""  # of bytes, sidecar and pipeline version: the document's file_hash


def _damaged(path: Path, exc: Exception) -> IngestError:
    detail = str(exc).rstrip(".") or type(exc).__name__
    return IngestError(
        path, f"is a damaged or truncated PDF ({detail}); export it again from the original."
    )


def read_pdf(path: Path, data: bytes) -> PdfText:
    """Extract every page with pypdf and pdfium, keep the better reading, list pages for OCR."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("password required")
        pypdf_pages = [page.extract_text() or "" for page in reader.pages]
        tables = layout_tables(
            [
                _layout_text(page) if may_hold_table(text) else ""
                for page, text in zip(reader.pages, pypdf_pages, strict=True)
            ]
        )
    except (FileNotDecryptedError, DependencyError):
        raise IngestError(
            path,
            "is an encrypted (password-protected) PDF; save an unprotected copy and ingest that.",
        ) from None
    except IngestError:
        raise
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
    ) as exc:
        raise _damaged(path, exc) from None
    if not pypdf_pages:
        raise _damaged(path, ValueError("no pages"))
    pdfium = _open_pdfium(data)
    texts: list[str] = []
    sources: list[str] = []
    needs_ocr: list[int] = []
    for number, first in enumerate(pypdf_pages, start=1):
        readings = [(PYPDF, first)]
        page = None
        if pdfium is not None and number <= len(pdfium):
            page = pdfium[number - 1]
            # pdfium is only asked when pypdf's reading is not clearly good: it costs time.
            if quality(first).score < 0.9:
                readings.append((PDFIUM, _pdfium_text(page)))
        best = better_reading(readings)
        table = tables[number - 1]
        if (
            table is not None
            and best.usable
            and quality(table).score >= best.quality.score - MARGIN
            # (a row cut off at the page's foot is finished from the next page's head)
            and says_the_same(table, "\n".join([best.text, *pypdf_pages[number : number + 1]]))
        ):
            # The page holds a table: layout mode keeps its rows and columns, which the plain
            # readings run together ("Hall Hire 150 130 150", cells of wrapped rows interleaved).
            texts.append(table)
            sources.append(LAYOUT)
        else:
            texts.append(best.text)
            sources.append(best.source if best.usable else NONE)
        if (not best.usable or best.quality.score < POOR) and _scanned(page):
            needs_ocr.append(number)
    return PdfText(
        path=path,
        texts=texts,
        sources=sources,
        needs_ocr=needs_ocr,
        data=data if needs_ocr else b"",
        # OCR is cached by the file's bytes and page number: a sidecar edit re-reads nothing.
        file_hash=hashlib.sha256(data).hexdigest() if needs_ocr else "",
    )


def _layout_text(page) -> str:
    """pypdf's layout-mode text of a page (its lines as printed), or "" if it cannot lay it out."""
    try:
        return (page.extract_text(extraction_mode="layout") or "").replace("\x00", "")
    except Exception:  # layout mode fails on some fonts where plain extraction works
        return ""


def _open_pdfium(data: bytes):
    try:
        import pypdfium2

        return pypdfium2.PdfDocument(data)
    except Exception:  # pdfium refuses what pypdf read: keep pypdf's text alone
        return None


def _pdfium_text(page) -> str:
    try:
        return page.get_textpage().get_text_range()
    except Exception:
        return ""


def _scanned(page) -> bool:
    """Images cover a good part of the page: its words are in the picture."""
    if page is None:
        return False
    import pypdfium2.raw as pdfium_c

    try:
        width, height = page.get_size()
        covered = 0.0
        for obj in page.get_objects(max_depth=3):
            if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                left, bottom, right, top = obj.get_bounds()
                covered += max(0.0, right - left) * max(0.0, top - bottom)
        return covered >= IMAGE_COVER * width * height
    except Exception:
        return False


def finish_pdf(pdf: PdfText, ocr: PageOcr | None, progress=None) -> LoadedDocument:
    """OCR the pages that need it (when OCR can run), then assemble the document."""
    warnings: list[str] = []
    texts, sources = list(pdf.texts), list(pdf.sources)
    unread: list[int] = []
    why = ""
    if pdf.needs_ocr:
        if ocr is None:
            unread, why = list(pdf.needs_ocr), "OCR is off"
        else:
            read, unread, why = ocr.read(pdf.data, pdf.needs_ocr, pdf.file_hash, progress)
            for number, text in read.items():
                if quality(text).usable:
                    texts[number - 1] = text
                    sources[number - 1] = OCR
                else:
                    unread.append(number)
            unread.sort()
    readable = [s for s in sources if s != NONE]
    pages_text = page_list(unread)
    if not readable and not pdf.needs_ocr:
        raise IngestError(
            pdf.path, "has no extractable text on any page (blank, or text drawn as outlines)."
        )
    if not readable:
        reason = f"has no extractable text (it looks like a scanned image) and {why or 'OCR found no text'}"
        raise IngestError(pdf.path, f"{reason}; page(s) {pages_text} could not be read.")
    if unread:
        one = len(unread) == 1
        warnings.append(
            f"{'page' if one else 'pages'} {pages_text} {'has' if one else 'have'} no text layer "
            f"and {'was' if one else 'were'} not read: {why or 'OCR found no text'}; "
            f"{'it' if one else 'they'} cannot be searched."
        )
    return assemble(pdf.path, texts, sources, warnings)


def assemble(
    path: Path, raw_pages: list[str], sources: list[str], warnings: list[str]
) -> LoadedDocument:
    pages = [
        unwrap_lines(rejoin_hyphenation(normalise(p))) for p in strip_page_furniture(raw_pages)
    ]
    blocks, block_pages = join_page_blocks(pages)
    text = "\n".join(blocks)
    # Page spans: each page runs from its first block to the start of the next page's first block.
    firsts: dict[int, int] = {}
    offset = 0
    for block, page in zip(blocks, block_pages, strict=True):
        firsts.setdefault(page, offset)
        offset += len(block) + 1
    spans: list[Page] = []
    numbers = sorted(firsts)
    for k, number in enumerate(numbers):
        end = firsts[numbers[k + 1]] if k + 1 < len(numbers) else len(text)
        spans.append(Page(number=number, start=firsts[number], end=end))
    return LoadedDocument(
        doc_id=document_id(path),
        path=str(path),
        text=text,
        pages=spans,
        page_count=len(raw_pages),
        page_sources=tuple(sources),
        warnings=tuple(warnings),
    )


def page_list(numbers: list[int]) -> str:
    """Page numbers as text: "1–3, 5" for [1, 2, 3, 5]."""
    parts: list[str] = []
    for number in sorted(numbers):
        if parts and parts[-1][1] == number - 1:
            parts[-1] = (parts[-1][0], number)
        else:
            parts.append((number, number))
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in parts)


def load_pdf(path: Path, data: bytes, ocr: PageOcr | None = None) -> LoadedDocument:
    """Read a PDF in one go (OCR in this process when it needs it)."""
    return finish_pdf(read_pdf(path, data), ocr)
