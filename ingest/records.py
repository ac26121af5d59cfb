"""Record types shared by every stage: a loaded document, its metadata and its chunks."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

DOC_TYPES = ("report", "minutes", "agenda", "decision", "strategy")
ACCESS_LEVELS = ("public", "exempt")


@dataclass(frozen=True)
class DocumentMeta:
    """What a paper is: who wrote it, for which meeting, and who may read it."""

    doc_id: str
    title: str = ""
    council: str = ""
    body: str = ""
    date: str = ""  # ISO yyyy-mm-dd of the meeting or report
    report_ref: str = ""
    contact_officer: str = ""
    doc_type: str = "report"
    access: str = "public"
    source: str = ""  # file name the paper was read from

    def to_metadata(self) -> dict[str, str]:
        """Flat, string-valued form for vector-store metadata."""
        return asdict(self)

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> DocumentMeta:
        return _document_meta(tuple((name, str(meta[name])) for name in _META if name in meta))


_META = tuple(f.name for f in fields(DocumentMeta))


@lru_cache(maxsize=4096)
def _document_meta(values: tuple[tuple[str, str], ...]) -> DocumentMeta:
    """One (frozen) record for a paper's chunks, which all carry the same fields."""
    return DocumentMeta(**dict(values))


@dataclass(frozen=True)
class Page:
    """One page of cleaned text; `start` is its offset in the document's cleaned text."""

    number: int
    start: int
    end: int


@dataclass
class LoadedDocument:
    """A file turned into cleaned text, with page boundaries where the format has pages."""

    doc_id: str
    path: str
    text: str
    pages: list[Page] = field(default_factory=list)
    file_hash: str = ""
    page_count: int = 0  # pages in the file (PDF); 0 for formats without pages
    # Line numbers (0-based, in `text.split("\n")`) that the file format marks as headings.
    heading_lines: frozenset[int] = frozenset()
    # PDF: which extractor's text each page holds (pypdf, pypdfium2, ocr, none), page 1 first.
    page_sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # one line each, e.g. pages that could not be read
    # What the paper's structure holds, e.g. {"minutes": MinutesStructure.to_dict()}.
    structure: dict[str, Any] = field(default_factory=dict)

    def ocr_pages(self) -> frozenset[int]:
        return frozenset(i for i, s in enumerate(self.page_sources, start=1) if s == "ocr")

    def page_at(self, offset: int) -> int | None:
        """PDF page number holding `offset`, or None for formats without pages."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages and offset >= self.pages[-1].start else None


def document_id(path: Path) -> str:
    """The document id is the file stem, everywhere (citations, evals, filters)."""
    return path.name[: -len(path.suffix)] if path.suffix else path.name


def _first_words(text: str, count: int) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


@dataclass(frozen=True)
class Chunk:
    """A quotable span of one paper plus where it sits in the paper's structure.

    `text` is exactly `cleaned_text[start:end]`, so quotes taken from it are verbatim.
    `lead` is context a reader needs to understand the span but which lies elsewhere:
    a table's header row or a list's lead-in sentence.
    """

    doc_id: str
    text: str
    start: int
    end: int
    position: int
    kind: str = "paragraph"  # paragraph | list | table_row | heading
    section: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    page: int | None = None
    page_end: int | None = None
    lead: str = ""
    meta: DocumentMeta | None = None
    ocr: bool = False  # its text was read by OCR from the page image, not from a text layer
    minute: str = ""  # in minutes: the number of the minute item it is under ("7", "2406")

    @property
    def id(self) -> str:
        """Stable id: the same text at the same place of the same paper keeps its id."""
        key = f"{self.doc_id}\x1f{self.start}\x1f{self.text}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]

    @property
    def embed_text(self) -> str:
        """Text sent to the encoder: a short context header, the lead, then the span."""
        parts = [self.context_header]
        if self.lead:
            parts.append(self.lead)
        parts.append(self.text)
        return "\n".join(p for p in parts if p)

    @property
    def context_header(self) -> str:
        """Council, title and section, each cut to a few words: context costs encoder time."""
        meta = self.meta
        head = []
        if meta is not None:
            head.extend(_first_words(x, 8) for x in (meta.council, meta.title) if x)
        if self.minute and len(self.section) > 1:
            head.append(_first_words(self.section[0], 8))  # the minute item, above a sub-heading
        if self.section:
            head.append(_first_words(self.section[-1], 8))
        return " | ".join(head)

    def to_metadata(self, file_hash: str = "") -> dict[str, Any]:
        """Flat metadata for the vector store (Chroma accepts str/int/float/bool only)."""
        meta = self.meta.to_metadata() if self.meta else {"doc_id": self.doc_id}
        meta.update(
            {
                "doc_id": self.doc_id,
                "start": self.start,
                "end": self.end,
                "position": self.position,
                "kind": self.kind,
                "section": " > ".join(self.section),
                "paragraphs": ",".join(self.paragraphs),
                "page": self.page if self.page is not None else -1,
                "page_end": self.page_end if self.page_end is not None else -1,
                "lead": self.lead,
                "ocr": self.ocr,
                "minute": self.minute,
                "file_hash": file_hash,
                # Sortable date for range filters: yyyymmdd as an int, 0 when unknown.
                "date_int": int(meta.get("date", "").replace("-", "") or 0),
            }
        )
        return meta

    @classmethod
    def from_metadata(cls, text: str, meta: dict[str, Any]) -> Chunk:
        page = int(meta.get("page", -1))
        page_end = int(meta.get("page_end", -1))
        section = str(meta.get("section", ""))
        paragraphs = str(meta.get("paragraphs", ""))
        return cls(
            doc_id=str(meta["doc_id"]),
            text=text,
            start=int(meta["start"]),
            end=int(meta["end"]),
            position=int(meta["position"]),
            kind=str(meta.get("kind", "paragraph")),
            section=tuple(section.split(" > ")) if section else (),
            paragraphs=tuple(paragraphs.split(",")) if paragraphs else (),
            page=page if page >= 0 else None,
            page_end=page_end if page_end >= 0 else None,
            lead=str(meta.get("lead", "")),
            meta=DocumentMeta.from_metadata(meta),
            ocr=bool(meta.get("ocr", False)),
            minute=str(meta.get("minute", "")),
        )
