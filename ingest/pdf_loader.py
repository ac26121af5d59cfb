"""The PDF reader: pypdf text per page, page furniture and line wraps undone, page offsets kept."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from ingest.cleaning import (
    join_page_blocks,
    normalise,
    rejoin_hyphenation,
    strip_page_furniture,
    unwrap_lines,
)
from ingest.errors import IngestError
from ingest.records import LoadedDocument, Page, document_id


def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    damaged = "is a damaged or truncated PDF ({}); export it again from the original."
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("password required")
        raw_pages = [page.extract_text() or "" for page in reader.pages]
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
        raise IngestError(
            path, damaged.format(str(exc).rstrip(".") or type(exc).__name__)
        ) from None
    if not raw_pages:
        raise IngestError(path, damaged.format("no pages"))
    if sum(len(p.split()) for p in raw_pages) < 5 * len(raw_pages):
        raise IngestError(
            path, "has no extractable text (it looks like a scanned image); OCR is not supported."
        )
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
        doc_id=document_id(path), path=str(path), text=text, pages=spans, page_count=len(raw_pages)
    )
