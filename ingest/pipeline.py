"""Incremental, crash-safe ingestion: files -> chunks -> embeddings -> store."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from ingest.chunking import StructureChunker
from ingest.decision_store import DecisionStore
from ingest.decisions import extract_decisions
from ingest.discovery import discover
from ingest.embedders import Embedder
from ingest.loaders import (
    IngestError,
    PdfText,
    content_hash,
    document_id,
    fingerprint,
    finish_document,
    read_document,
)
from ingest.metadata import MetadataError, describe, read_sidecar
from ingest.ocr import PageOcr
from ingest.ownership import access_decision, clash_reason, origin_of, within
from ingest.records import Chunk, DocumentMeta, LoadedDocument
from ingest.store import Store
from ingest.structure import paper_structure
from ingest.summary import FileResult, IngestSummary
from ingest.writer_lock import WriterLock, bump_generation, die_with_parent


def _read(path: Path, max_bytes: int) -> tuple[LoadedDocument | PdfText, dict]:
    """Parse one paper up to OCR, and read its sidecar; runs in a worker process."""
    if not path.exists():
        raise IngestError(path, "does not exist.")
    read = read_document(path, max_bytes)
    try:
        sidecar = read_sidecar(path)
    except MetadataError as exc:
        raise IngestError(path, str(exc)) from None
    return read, sidecar


def _describe(path: Path, document: LoadedDocument, sidecar: dict) -> DocumentMeta:
    values = describe(document.text, document.doc_id, sidecar)
    return DocumentMeta(doc_id=document.doc_id, source=path.name, **values)


def read_decisions(path: Path, ocr: PageOcr | None = None, max_bytes: int = 50_000_000):
    """The decisions of one paper, read as ingest reads them but without an index (no chunk ids).

    Raises `IngestError` for a file that cannot be read.
    """
    first, sidecar = _read(path, max_bytes)
    document = finish_document(first, ocr)
    meta = _describe(path, document, sidecar)
    found = paper_structure(document.text, meta.doc_type)
    return document, meta, extract_decisions(document, meta, [], found.minutes)


class Ingester:
    """Brings a store up to date with a set of files: new and changed files in, stale chunks out.

    >>> ingester = Ingester(store, embedder)        # cheap
    >>> summary = ingester.run([Path("corpus")])    # doctest: +SKIP
    """

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        chunk_tokens: int = 200,
        max_file_bytes: int = 50_000_000,
        workers: int | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        ocr: PageOcr | None = None,
        decisions: DecisionStore | None = None,
        data_dir: Path | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.max_file_bytes = max_file_bytes
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.encode_group = 256  # chunks encoded together before their documents are written
        self.progress = progress or (lambda stage, done, total: None)
        self.ocr = ocr  # None: pages without a text layer are named, not read
        self.decisions = decisions  # the decisions register kept beside the index, if any
        self.data_dir = data_dir  # the writer lock and generation counter live here, if given

    def run(
        self,
        paths: Iterable[Path],
        prune: bool = False,
        *,
        replace: bool = False,
        lower_access: bool = False,
    ) -> IngestSummary:
        """Ingest new and changed papers under `paths`, as the data folder's only writer
        (IndexBusy if another process is writing to it).

        A paper whose document id belongs to another source (folder) is refused unless
        `replace`; `prune` removes only papers of these sources whose files are gone; an exempt
        paper becomes public only by its sidecar or `lower_access`.
        """
        if self.data_dir is None:
            return self._run([Path(p) for p in paths], prune, replace, lower_access)
        with WriterLock(self.data_dir):
            return self._run([Path(p) for p in paths], prune, replace, lower_access)

    def _run(self, paths: list[Path], prune, replace, lower_access) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        files, ignored = discover(paths)
        summary.files.extend(ignored)
        summary.repaired_chunks = self._repair()
        records = self.store.document_records()
        registered = self.decisions.file_hashes() if self.decisions is not None else None

        todo: list[Path] = []
        seen: dict[str, Path] = {}
        refused: set[str] = set()  # present but not ingested: never pruned as gone
        self._origins = {}
        for path in files:
            doc_id = document_id(path)
            record = records.get(doc_id)
            origin = self._origins[str(path)] = origin_of(path, paths)
            clash = clash_reason(doc_id, origin, seen.get(doc_id), record, replace)
            if clash:
                summary.files.append(FileResult(str(path), doc_id, "failed", reason=clash))
                refused.add(doc_id)
                continue
            seen[doc_id] = path
            try:
                digest = fingerprint(path) if path.is_file() else ""
            except OSError:
                digest = ""
            same_encoder = (
                record and record.get("embedder", self.embedder.name) == self.embedder.name
            )
            # A paper indexed before its decisions were registered is read again.
            in_register = registered is None or registered.get(doc_id) == digest
            unchanged = digest and record and record.get("file_hash") == digest
            if unchanged and same_encoder and in_register:
                summary.files.append(FileResult.unchanged(str(path), doc_id, record))
                if not record.get("origin") or not record.get("content_hash"):
                    # A record from before ownership: this source claims it now.
                    self.store.update_document(
                        doc_id, {"origin": origin, "content_hash": content_hash(path)}
                    )
                continue
            todo.append(path)

        if prune:
            roots = [str(p.resolve()) for p in paths]
            for doc_id in sorted(set(records) - set(seen) - refused):
                owner = str(records[doc_id].get("origin", ""))
                if owner and not any(within(owner, root) for root in roots):
                    continue  # another source's paper (an upload, another folder): not ours to prune
                self.store.delete_document(doc_id)
                if self.decisions is not None:
                    self.decisions.delete(doc_id)
                summary.pruned.append(doc_id)
        if summary.pruned or summary.repaired_chunks:
            self._changed()

        if todo:
            self._lower_access = lower_access
            self._ingest(todo, summary, known=records)
        summary.seconds = time.perf_counter() - started
        return summary

    def _changed(self) -> None:
        """Tell readers in other processes that the index changed (the generation counter)."""
        if self.data_dir is not None:
            bump_generation(self.data_dir)

    def _repair(self) -> int:
        """Delete chunks left by an interrupted run: no document record, or another file version."""
        records = self.store.document_records()
        stale = [
            chunk_id
            for chunk_id, doc_id, file_hash in self.store.chunk_index()
            if doc_id not in records or records[doc_id].get("file_hash") != file_hash
        ]
        self.store.delete_chunks(stale)
        return len(stale)

    def _parsed(self, todo: list[Path]):
        """Yield (path, result-or-error) in order, parsing PDFs in worker processes."""
        heavy = sum(1 for path in todo if path.suffix.lower() == ".pdf")
        if self.workers > 1 and heavy > 1:
            import multiprocessing

            # fork before the encoder loads: workers inherit a small, torch-free process.
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            ) as pool:
                futures: list[Future] = [
                    pool.submit(_read, path, self.max_file_bytes) for path in todo
                ]
                self._start_warm_up()
                for path, future in zip(todo, futures, strict=True):
                    yield path, self._finished_read(path, future.result)
            return
        self._start_warm_up()
        for path in todo:
            yield path, self._finished_read(path, lambda p=path: _read(p, self.max_file_bytes))

    def _finished_read(self, path: Path, read: Callable[[], tuple]):
        """The paper read (OCR here, in this process, with a progress bar) and described."""
        try:
            first, sidecar = read()
            document = finish_document(
                first, self.ocr, lambda done, total: self.progress("ocr", done, total)
            )
            previous = self._known.get(document.doc_id)
            return document, *access_decision(
                str(previous.get("access", "public")) if previous else None,
                _describe(path, document, sidecar),
                sidecar,
                self._lower_access,
            )
        except IngestError as exc:
            return exc

    def _start_warm_up(self) -> None:
        """Load the encoder in a thread while files are parsed and chunked."""

        def warm_up() -> None:
            started = time.perf_counter()
            try:
                self.embedder.warm_up()
            except Exception:
                return
            self._load_seconds = time.perf_counter() - started

        self._warm_thread = threading.Thread(target=warm_up, name="encoder-warm-up", daemon=True)
        self._warm_thread.start()

    def _ingest(self, todo: list[Path], summary: IngestSummary, known: dict[str, dict]) -> None:
        chunker = StructureChunker(
            self.embedder.count_tokens, self.chunk_tokens, self.embedder.max_tokens
        )
        self._load_seconds = 0.0
        self._known = known
        self._total = len(todo)
        self._finished = 0
        self._finished_lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-writer")
        self._writes: list[Future] = []
        self._write_failed = False
        self.progress("files", 0, self._total)
        pending: list[tuple[Path, LoadedDocument, DocumentMeta, list[Chunk], list]] = []
        try:
            for path, parsed in self._parsed(todo):
                if isinstance(parsed, IngestError):
                    self._finish(
                        summary,
                        FileResult(str(path), document_id(path), "failed", reason=parsed.reason),
                    )
                    continue
                document, meta, access_note = parsed
                found = paper_structure(document.text, meta.doc_type)
                document.structure = found.to_record()
                chunks = chunker.chunk(document, meta, found.minutes, found.agenda)
                if not chunks:
                    reason = "produced no text to index."
                    self._finish(
                        summary, FileResult(str(path), document.doc_id, "failed", reason=reason)
                    )
                    continue
                try:
                    found_decisions = extract_decisions(document, meta, chunks, found.minutes)
                except Exception as exc:  # a paper is indexed even if its decisions cannot be read
                    found_decisions = []
                    document.warnings = (*document.warnings, f"decisions not read ({exc})")
                pending.append((path, document, meta, chunks, found_decisions, access_note))
                # Encode several documents at once: length-sorted batches waste less padding.
                if sum(len(p[3]) for p in pending) >= self.encode_group:
                    self._flush(pending, summary)
                    pending = []
            self._flush(pending, summary)
        finally:
            self._writer.shutdown(wait=True)
        for write in self._writes:
            write.result()  # re-raises a failed write, e.g. the store went away
        summary.load_seconds = self._load_seconds

    def _finish(self, summary: IngestSummary, result: FileResult) -> None:
        """Record one file's outcome and advance the files progress bar (from either thread)."""
        with self._finished_lock:
            summary.files.append(result)
            self._finished += 1
            self.progress("files", self._finished, self._total)

    def _flush(self, pending, summary: IngestSummary) -> None:
        """Embed the pending documents' chunks together, then queue each document's write.

        Writes run on one writer thread, in order, while the next group is being encoded.
        """
        if not pending:
            return
        self._warm_thread.join()
        chunks = [c for item in pending for c in item[3]]
        started = time.perf_counter()
        vectors = self._embed(chunks)
        summary.encode_seconds += time.perf_counter() - started
        offset = 0
        for path, document, meta, doc_chunks, doc_decisions, note in pending:
            doc_vectors = vectors[offset : offset + len(doc_chunks)]
            offset += len(doc_chunks)
            job = (path, document, meta, doc_chunks, doc_vectors, doc_decisions, note, summary)
            self._writes.append(self._writer.submit(self._write, *job))

    def _embed(self, chunks: list[Chunk]) -> list[list[float]]:
        """Encode in length order (less padding), reporting progress, and return in input order."""
        texts = [c.embed_text for c in chunks]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float] | None] = [None] * len(texts)
        step = 128
        self.progress("chunks", 0, len(texts))
        for k in range(0, len(order), step):
            batch = order[k : k + step]
            for i, vector in zip(
                batch, self.embedder.embed([texts[i] for i in batch]), strict=True
            ):
                vectors[i] = vector
            self.progress("chunks", min(k + step, len(texts)), len(texts))
        return vectors

    def _write(self, path, document, meta, chunks, vectors, decisions, note, summary) -> None:
        """Chunks first, stale chunks out, the document record (the completion mark), then the
        paper's decisions in the register (a run stopped before them reads the paper again)."""
        if self._write_failed:
            return
        try:
            self.store.upsert_chunks(chunks, vectors, document.file_hash)
            if document.doc_id in self._known:  # after repair, only known documents have old chunks
                keep = {c.id for c in chunks}
                self.store.delete_chunks(
                    c for c in self.store.chunk_ids(document.doc_id) if c not in keep
                )
            mean = [sum(column) / len(vectors) for column in zip(*vectors, strict=True)]
            norm = sum(x * x for x in mean) ** 0.5 or 1.0
            record = {
                **meta.to_metadata(),
                "file_hash": document.file_hash,
                "pages": document.page_count,
                "chunks": len(chunks),
                "characters": len(document.text),
                "page_sources": ",".join(document.page_sources),
                "warning": " ".join(document.warnings),
                # Minute items, attendance, motions and votes (ingest.minutes), as JSON.
                "structure": json.dumps(document.structure) if document.structure else "",
                "embedder": self.embedder.name,  # vectors of another encoder mean a re-ingest
                # the source that owns this document id
                "origin": self._origins.get(str(path)) or origin_of(path),
                "content_hash": content_hash(path),  # the same file under another name
                "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            self.store.put_document(document.doc_id, [x / norm for x in mean], record)
            if self.decisions is not None:
                self.decisions.replace(
                    document.doc_id, document.file_hash, decisions, meta.council, meta.access
                )
            self._changed()
        except BaseException:
            self._write_failed = True
            raise
        result = FileResult(
            str(path),
            document.doc_id,
            "ingested",
            pages=document.page_count,
            chunks=len(chunks),
            warning=" ".join(document.warnings),
            page_sources=list(document.page_sources),
            access_note=note,
        )
        self._finish(summary, result)
