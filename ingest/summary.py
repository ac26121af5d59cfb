"""What an ingest run did: each file's result and the run's totals (`python -m ingest --json`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileResult:
    """What happened to one file: ingested, skipped (unchanged), failed, or ignored (not a paper)."""

    path: str
    doc_id: str
    status: str
    pages: int = 0
    chunks: int = 0
    reason: str = ""
    warning: str = ""  # ingested, but with something the user should know (unread pages)
    # PDF: which extractor's text each page holds (pypdf, pypdfium2, ocr, none), page 1 first.
    page_sources: list[str] = field(default_factory=list)
    # Who may read it, when that changed or was kept against the file's own metadata, e.g.
    # "access: public → exempt (sidecar)" or "kept exempt: only a sidecar or --lower-access …".
    access_note: str = ""

    @classmethod
    def unchanged(cls, path: str, doc_id: str, record: dict[str, Any]) -> FileResult:
        """A file skipped because the index already holds this version (from its record)."""
        return cls(
            path,
            doc_id,
            "skipped",
            pages=int(record.get("pages", 0)),
            chunks=int(record.get("chunks", 0)),
            warning=str(record.get("warning", "")),
            page_sources=[s for s in str(record.get("page_sources", "")).split(",") if s],
        )


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    repaired_chunks: int = 0
    seconds: float = 0.0
    encode_seconds: float = 0.0
    load_seconds: float = 0.0  # model load, overlapped with parsing where possible

    def _count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def documents(self) -> int:
        return self._count("ingested")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.status == "ingested")

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files if f.status == "ingested")

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "pages": self.pages,
            "chunks": self.chunks,
            "skipped": self.skipped,
            "failed": self.failed,
            "pruned": self.pruned,
            "repaired_chunks": self.repaired_chunks,
            "seconds": round(self.seconds, 3),
            "encode_seconds": round(self.encode_seconds, 3),
            "chunks_per_second": round(self.chunks_per_second, 1),
            "files": [asdict(f) for f in self.files],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)
