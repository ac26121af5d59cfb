"""What the chat UI does, without Gradio: ask, open a paper, add papers, rate answers.

Every method takes the `User` the request was signed in as (`user_of(request)`, from the
session cookie, never from a parameter the caller sends): the public never see exempt papers,
whatever the question, filter, document id or upload, and only officers and admins add papers or
export feedback. Everything here is also reachable from the CLI's own services (`Assistant`,
`Ingester`), so the UI adds no behaviour the CLI and evals cannot reach.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest.loaders import content_hash, document_id, fingerprint
from ingest.pipeline import Ingester
from ingest.records import Chunk
from ingest.settings import Settings
from ingest.summary import FileResult, IngestSummary
from ingest.writer_lock import IndexBusy
from retrieval.answering import Assistant
from retrieval.records import (
    ANONYMOUS,
    MAX_QUESTION_CHARS,
    Answer,
    Filters,
    RequestError,
    User,
)
from retrieval.users import UserStore
from webui.auth import RateLimit, SignIn
from webui.feedback import FeedbackLog
from webui.uploads import free_upload_name, restore_upload

Progress = Callable[[str, int, int], None]


class Services:
    """The assistant, its index and the feedback log, shared by every browser session.

    >>> services = Services.from_settings(load_settings())   # cheap: nothing loaded yet
    >>> services.answer("Which councils lead the waste work stream?")  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, assistant: Assistant):
        self.settings = settings
        self.assistant = assistant
        self.feedback = FeedbackLog(settings.data_dir / "feedback.jsonl")
        self.uploads_dir = settings.data_dir / "uploads"
        self.users = UserStore(settings.users_path)
        self.sign_in = SignIn(self.users, anonymous=settings.anonymous == "on")
        self._asks = RateLimit(settings.anon_asks_per_minute)
        self._register = None

    # -- who is asking -----------------------------------------------------------------------

    def user_of(self, request: Any) -> User:
        """The user a Gradio request is signed in as (anonymous: the public). The name comes
        from the session Gradio resolved (`request.username`), the role from the users file,
        read now: a removed user or a changed role takes effect at once."""
        return self.users.user(getattr(request, "username", None) or "")

    def check_rate(self, request: Any, user: User) -> None:
        """Anonymous callers get ANON_ASKS_PER_MINUTE questions a minute, per address."""
        if user.name:
            return
        client = getattr(request, "client", None)
        address = getattr(client, "host", "") or ""
        if not self._asks.allow(address):
            raise RequestError(
                "Too many questions from this address in the last minute; wait a little, or sign in"
            )

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
        user: User = ANONYMOUS,
    ) -> Answer:
        return self.assistant.answer(question, history, filters, user)

    def stream(
        self,
        question: str,
        history: Sequence[dict[str, str]] | None = None,
        filters: Filters | dict | None = None,
        user: User = ANONYMOUS,
    ) -> Iterator[str | Answer]:
        return self.assistant.stream(question, history, filters, user)

    def cited_chunks(self, answer: Answer, user: User = ANONYMOUS) -> dict[str, Chunk]:
        """The chunks an answer's citations quote from, for showing each quote in its passage."""
        catalog = self.retriever.catalog()
        out = {}
        for c in [*answer.citations, *answer.suggestions]:
            chunk = catalog.chunk(c.chunk_id)
            if chunk is not None and self._visible(chunk.doc_id, user):
                out[c.chunk_id] = chunk
        return out

    # -- the library -------------------------------------------------------------------------

    def documents(self, user: User = ANONYMOUS) -> list[dict[str, Any]]:
        """Papers this user may see, newest first."""
        return self.retriever.documents(user)

    def choices(self, key: str, user: User = ANONYMOUS) -> list[str]:
        """Distinct values of one metadata field (council, body, doc_type) for the filters."""
        return sorted({str(d.get(key, "")) for d in self.documents(user)} - {""})

    def _visible(self, doc_id: str, user: User) -> bool:
        meta = self.retriever.catalog().documents.get(doc_id)
        return meta is not None and meta.get("access", "public") in user.access_levels

    def document(
        self, doc_id: str, user: User = ANONYMOUS
    ) -> tuple[dict[str, Any], list[Chunk]] | None:
        """A paper's record and its chunks in reading order, or None if this user may not see it."""
        if not self._visible(doc_id, user):
            return None
        catalog = self.retriever.catalog()
        chunks = catalog.chunks_of(doc_id)
        return {"doc_id": doc_id, **catalog.documents[doc_id]}, chunks

    def page_image(self, doc_id: str, page: int | None, user: User = ANONYMOUS, scale: float = 1.4):
        """The cited page of a PDF paper as a picture (PIL image), or None: not a PDF, the file
        is no longer where it was indexed from or has changed since, or this user may not see
        the paper. Only the folder it was ingested from, the corpus folder and the uploads folder
        are looked in, and the file must still have the indexed content."""
        if page is None or not self._visible(doc_id, user):
            return None
        meta = self.retriever.catalog().documents[doc_id]
        source = str(meta.get("source", ""))
        if not source.lower().endswith(".pdf") or Path(source).name != source:
            return None
        origin = Path(str(meta.get("origin", ""))) if meta.get("origin") else None
        for folder in (origin, self.settings.corpus_dir, self.uploads_dir):
            if folder is None:
                continue
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
            data_dir=self.settings.data_dir,
        )

    def index_corpus(self, progress: Progress | None = None) -> IngestSummary | None:
        """Bring the index up to date with the corpus folder (unchanged files are skipped)."""
        folder = self.settings.corpus_dir
        if not folder.is_dir():
            return None
        return self.ingester(progress).run([folder])

    def add_papers(
        self,
        paths: Iterable[str | Path],
        user: User,
        progress: Progress | None = None,
        *,
        replace: bool = False,
    ):
        """Copy uploaded files into DATA_DIR/uploads and ingest them: searchable at once.

        Officers and admins only (PermissionError otherwise). An upload never takes over an
        existing paper by its name: one whose file stem is already a document id gets a new id
        (stem-2, stem-3 …) unless `replace` is asked for, and a file already in the library
        (the same bytes) is not added twice. Replacing keeps the paper's access level; only a
        sidecar or the CLI's --lower-access makes an exempt paper public.

        Returns the ingest summary (one `FileResult` per file, with the CLI's reasons for bad
        files) and the ids of new papers that are exempt and so hidden from the public.
        """
        if not user.may_manage:
            raise PermissionError("Only officers and admins may add papers; sign in as one.")
        records = self.retriever.store.document_records()
        by_hash = {str(m.get("content_hash", "")): d for d, m in records.items()}
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        copies: list[Path] = []
        notes: list[FileResult] = []
        renamed: dict[str, str] = {}
        previous: dict[str, Path] = {}  # a replaced upload's indexed file, kept until it is safe
        for path in paths:
            source = Path(path)
            try:
                same = by_hash.get(content_hash(source))
            except OSError:
                same = None
            if same is not None and not replace:
                notes.append(
                    FileResult(
                        str(source),
                        same,
                        "skipped",
                        reason=f"the same file is already in the library as {same!r}.",
                    )
                )
                continue
            name = source.name if replace else free_upload_name(source.name, records, copies)
            target = self.uploads_dir / name
            if name != source.name:
                renamed[str(target)] = document_id(source)
            if source.resolve() != target.resolve():
                if target.exists():  # replacing: keep the indexed file until the new one is in
                    previous[str(target)] = target.with_name(f".previous-{target.name}")
                    target.replace(previous[str(target)])
                shutil.copyfile(source, target)
            copies.append(target)
        try:
            # workers=1: the server has threads and a loaded model, so no forked parser processes.
            summary = self.ingester(progress, workers=1).run(copies, replace=replace)
        except IndexBusy:
            for copy in copies:  # nothing was ingested: another process is writing
                restore_upload(copy, previous.get(str(copy)))
            raise
        for result in summary.files:
            if result.status == "failed":
                # keep uploads/ to what is indexed: a failed replacement brings the old file back
                restore_upload(Path(result.path), previous.get(result.path))
            elif result.path in previous:
                previous[result.path].unlink(missing_ok=True)  # replaced: the old file goes
            if result.path in renamed:
                clash = renamed[result.path]
                result.warning = " ".join(
                    x
                    for x in (
                        f"added as {result.doc_id!r}: a paper with the id {clash!r} is already "
                        "in the library (tick “Replace” to replace it).",
                        result.warning,
                    )
                    if x
                )
        summary.files = notes + summary.files
        visible = {d["doc_id"] for d in self.documents()}
        hidden = [
            r.doc_id for r in summary.files if r.status == "ingested" and r.doc_id not in visible
        ]
        return summary, hidden

    # -- the decisions register -----------------------------------------------------------

    def register(self):
        """The decisions register over the UI's store, made on first use and kept."""
        if self._register is None:
            from ingest.service import build_decision_store
            from retrieval.decision_register import DecisionRegister

            self._register = DecisionRegister(
                self.retriever.store, build_decision_store(self.settings)
            )
        return self._register

    def decisions(
        self,
        query: str = "",
        filters: Filters | None = None,
        kinds: Iterable[str] = (),
        user: User = ANONYMOUS,
    ) -> list[dict[str, Any]]:
        """Decisions in the papers this user may see (FilterError for a bad filter)."""
        if len(query or "") > MAX_QUESTION_CHARS:
            raise RequestError(f"search for at most {MAX_QUESTION_CHARS:,} characters")
        return self.register().search(query, filters, kinds, user)

    def decision_view(self, decision_id: str, user: User = ANONYMOUS):
        """The paper at a decision's cited passage (HTML), and for a PDF its page, or None."""
        from retrieval.decision_register import citation_of
        from webui.render import document_view

        row = self.register().get(decision_id, user)
        found = self.document(row["doc_id"], user) if row else None
        if found is None:
            return None
        meta, chunks = found
        citation = citation_of(row, self.retriever.catalog())
        image = self.page_image(row["doc_id"], row["page"], user)
        return document_view(meta, chunks, citation), image

    # -- files made for download --------------------------------------------------------

    def scratch(self, prefix: str) -> Path:
        """A fresh folder under DATA_DIR/tmp/downloads for one download; old ones are removed
        as new ones are made, and all of DATA_DIR/tmp when the UI starts (`clean_scratch`)."""
        import tempfile

        self.settings.downloads_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.settings.downloads_dir))

    def clean_scratch(self, older_than: float = 0.0) -> None:
        """Empty DATA_DIR/tmp (as the UI starts), or with `older_than` remove only downloads
        older than that many seconds (Gradio's upload folder, which may be in use, is left to
        the next start)."""
        import time

        folder = self.settings.downloads_dir if older_than else self.settings.scratch_dir
        if not folder.is_dir():
            return
        now = time.time()
        for item in folder.iterdir():
            try:
                if now - item.stat().st_mtime >= older_than:
                    shutil.rmtree(item) if item.is_dir() else item.unlink()
            except OSError:
                continue

    def export_feedback(self, user: User) -> Path:
        """A copy of the feedback log, for officers and admins (PermissionError otherwise)."""
        if not user.may_manage:
            raise PermissionError("Only officers and admins may export feedback; sign in as one.")
        self.clean_scratch(older_than=3600)
        return self.feedback.export(self.scratch("feedback-"))

    def export_decisions(self, rows: Iterable[dict[str, Any]]) -> Path:
        """The rows as CSV (the record's fields, votes as JSON) in a fresh scratch folder."""
        import csv
        import json
        import time

        from retrieval.decision_register import public_fields

        self.clean_scratch(older_than=3600)
        target = self.scratch("decisions-") / f"decisions-{time.strftime('%Y%m%d-%H%M%S')}.csv"
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
