"""What the chat UI does, without Gradio: ask, open a paper, add papers, rate answers.

The UI runs as the anonymous public user: exempt papers never reach it, whatever the question,
filter, document id or upload. Everything here is also reachable from the CLI's own services
(`Assistant`, `Ingester`), so the UI adds no behaviour the CLI and evals cannot reach.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest.loaders import document_id, fingerprint
from ingest.pipeline import Ingester
from ingest.records import Chunk
from ingest.settings import Settings
from ingest.summary import IngestSummary
from retrieval.answering import Assistant
from retrieval.records import ANONYMOUS, Answer, Filters
from webui.feedback import FeedbackLog

Progress = Callable[[str, int, int], None]


class Services:
    """The assistant, its index and the feedback log, shared by every browser session.

    >>> services = Services.from_settings(load_settings())   # cheap: nothing loaded yet
    >>> services.answer("Which councils lead the waste work stream?")  # doctest: +SKIP
    """

    user = ANONYMOUS

    def __init__(self, settings: Settings, assistant: Assistant):
        self.settings = settings
        self.assistant = assistant
        self.feedback = FeedbackLog(settings.data_dir / "feedback.jsonl")
        self.uploads_dir = settings.data_dir / "uploads"
        self._register = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        from ingest.service import build_embedder, build_store
        from retrieval.service import build_answerer, build_retriever

        # One store and one loaded model for the retriever and for ingesting uploads.
        retriever = build_retriever(
            settings, store=build_store(settings), embedder=build_embedder(settings)
        )
        return cls(settings, Assistant(retriever, build_answerer(settings), settings.top_k))

    @property
    def retriever(self):
        return self.assistant.retriever

    def warm_up(self) -> None:
        self.assistant.warm_up()

    # -- asking ------------------------------------------------------------------------------

    def answer(
        self,
        question: str,
        history: Sequence[dict[str, str]] | None = None,
        filters: Filters | dict | None = None,
    ) -> Answer:
        return self.assistant.answer(question, history, filters, self.user)

    def stream(
        self,
        question: str,
        history: Sequence[dict[str, str]] | None = None,
        filters: Filters | dict | None = None,
    ) -> Iterator[str | Answer]:
        return self.assistant.stream(question, history, filters, self.user)

    def cited_chunks(self, answer: Answer) -> dict[str, Chunk]:
        """The chunks an answer's citations quote from, for showing each quote in its passage."""
        catalog = self.retriever.catalog()
        out = {}
        for c in [*answer.citations, *answer.suggestions]:
            chunk = catalog.chunk(c.chunk_id)
            if chunk is not None and self._visible(chunk.doc_id):
                out[c.chunk_id] = chunk
        return out

    # -- the library -------------------------------------------------------------------------

    def documents(self) -> list[dict[str, Any]]:
        """Papers the UI's user may see, newest first."""
        return self.retriever.documents(self.user)

    def choices(self, key: str) -> list[str]:
        """Distinct values of one metadata field (council, body, doc_type) for the filters."""
        return sorted({str(d.get(key, "")) for d in self.documents()} - {""})

    def _visible(self, doc_id: str) -> bool:
        meta = self.retriever.catalog().documents.get(doc_id)
        return meta is not None and meta.get("access", "public") in self.user.access_levels

    def document(self, doc_id: str) -> tuple[dict[str, Any], list[Chunk]] | None:
        """A paper's record and its chunks in reading order, or None if this user may not see it."""
        if not self._visible(doc_id):
            return None
        catalog = self.retriever.catalog()
        chunks = catalog.chunks_of(doc_id)
        return {"doc_id": doc_id, **catalog.documents[doc_id]}, chunks

    def page_image(self, doc_id: str, page: int | None, scale: float = 1.4):
        """The cited page of a PDF paper as a picture (PIL image), or None: not a PDF, the file
        is no longer where it was indexed from or has changed since, or this user may not see
        the paper. Only the corpus folder and the uploads folder are looked in."""
        if page is None or not self._visible(doc_id):
            return None
        meta = self.retriever.catalog().documents[doc_id]
        source = str(meta.get("source", ""))
        if not source.lower().endswith(".pdf") or Path(source).name != source:
            return None
        for folder in (self.settings.corpus_dir, self.uploads_dir):
            path = folder / source
            if path.is_file() and fingerprint(path) == meta.get("file_hash"):
                return render_pdf_page(path, page, scale)
        return None

    def ingester(self, progress: Progress | None = None, workers: int | None = None) -> Ingester:
        from ingest.service import build_decision_store, build_ocr

        return Ingester(
            self.retriever.store,
            self.retriever.embedder,
            chunk_tokens=self.settings.chunk_tokens,
            max_file_bytes=int(self.settings.max_file_mb * 1_000_000),
            workers=workers,
            progress=progress,
            ocr=build_ocr(self.settings),
            decisions=build_decision_store(self.settings),
        )

    def index_corpus(self, progress: Progress | None = None) -> IngestSummary | None:
        """Bring the index up to date with the corpus folder (unchanged files are skipped)."""
        folder = self.settings.corpus_dir
        if not folder.is_dir():
            return None
        return self.ingester(progress).run([folder])

    def add_papers(self, paths: Iterable[str | Path], progress: Progress | None = None):
        """Copy uploaded files into DATA_DIR/uploads and ingest them: searchable at once.

        Returns the ingest summary (one `FileResult` per file, with the CLI's reasons for bad
        files) and the ids of new papers that are exempt and so hidden from the UI's user.
        """
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        copies: list[Path] = []
        for path in paths:
            source = Path(path)
            target = self.uploads_dir / source.name
            if source.resolve() != target.resolve():
                shutil.copyfile(source, target)
            copies.append(target)
        # workers=1: the server has threads and a loaded model, so no forked parser processes.
        summary = self.ingester(progress, workers=1).run(copies)
        for result in summary.files:
            if result.status == "failed":
                Path(result.path).unlink(missing_ok=True)  # keep uploads/ to what is indexed
        visible = {d["doc_id"] for d in self.documents()}
        hidden = [
            document_id(Path(r.path))
            for r in summary.files
            if r.status == "ingested" and r.doc_id not in visible
        ]
        return summary, hidden

    # -- the decisions register -----------------------------------------------------------

    def register(self):
        """The decisions register over the UI's store, made on first use and kept."""
        if self._register is None:
            from ingest.service import build_decision_store
            from retrieval.decisions import DecisionRegister

            self._register = DecisionRegister(
                self.retriever.store, build_decision_store(self.settings)
            )
        return self._register

    def decisions(
        self, query: str = "", filters: Filters | None = None, kinds: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        """Decisions in the papers the UI's user may see (FilterError for a bad filter)."""
        return self.register().search(query, filters, kinds, self.user)

    def decision_view(self, decision_id: str):
        """The paper at a decision's cited passage (HTML), and for a PDF its page, or None."""
        from retrieval.decisions import citation_of
        from webui.render import document_view

        row = self.register().get(decision_id, self.user)
        found = self.document(row["doc_id"]) if row else None
        if found is None:
            return None
        meta, chunks = found
        citation = citation_of(row, self.retriever.catalog())
        return document_view(meta, chunks, citation), self.page_image(row["doc_id"], row["page"])

    def export_decisions(self, rows: Iterable[dict[str, Any]]) -> Path:
        """The rows as CSV (the record's fields, votes as JSON) in a fresh temporary folder."""
        import csv
        import json
        import tempfile
        import time

        from retrieval.decisions import public_fields

        folder = Path(tempfile.mkdtemp(prefix="cpa-decisions-"))
        target = folder / f"decisions-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = None
            for row in rows:
                record = public_fields(row)
                record["votes"] = json.dumps(record["votes"], ensure_ascii=False)
                if writer is None:
                    writer = csv.DictWriter(out, fieldnames=list(record))
                    writer.writeheader()
                writer.writerow(record)
            if writer is None:
                from ingest.decisions import FIELDS

                csv.writer(out).writerow(FIELDS)
        return target


def render_pdf_page(path: Path, page: int, scale: float = 1.4):
    """Page `page` (1-based) of a PDF drawn as a PIL image, or None if it has no such page."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # a dependency of the project; say how to restore it
        raise RuntimeError("Showing PDF pages needs pypdfium2: pip install pypdfium2") from exc
    document = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(document):
            return None
        return document[page - 1].render(scale=scale).to_pil()
    finally:
        document.close()
