"""The snapshot of the store a reader serves: reloaded only when a write moved it, and kept on
disk so that a new process starts without reading every record and vector back from the store.

A data folder's ingest runs count their writes in the generation counter
(`ingest.writer_lock`). While the counter stands still and no run is writing, the snapshot in
memory is the store's content, so a search reads nothing from the store to know it is current.
Writers that share no data folder with the reader (ingest runs on other machines writing to one
Chroma server) move no counter: for them the records are read again every `recheck_seconds`.

On disk, `<folder>/g<generation>/` holds the snapshot of that generation: the document records,
the chunks in catalog order, their unit vectors (memory-mapped when read back) and the papers'
names, and the word statistics of the public's view. It is used only at the generation it was
written at; the store's counts are checked once the reader has started, and a store that changed
without moving the counter is read again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections import Counter
from pathlib import Path
from time import monotonic
from typing import Any

import numpy as np

from ingest.records import Chunk
from retrieval import wordstats
from retrieval.catalog import Catalog, store_fingerprint
from retrieval.papers import PaperIndex
from retrieval.records import User

log = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
CONFIRM_AFTER_SECONDS = 20.0  # after a start from disk, the store's counts are compared
PUBLIC = User().access_levels  # the word statistics kept on disk: those of the public's view


class Snapshots:
    """The store's current `Catalog` for one reader, and its papers' name index."""

    def __init__(
        self,
        store,
        watch=None,
        *,
        vectors: bool = True,
        folder: Path | None = None,
        recheck_seconds: float | None = None,
    ):
        self.store = store
        self.watch = watch  # `ingest.writer_lock.IndexWatch`, or None: read the records each time
        self.with_vectors = vectors  # exact dense search reads every vector with the snapshot
        self.folder = Path(folder) if folder is not None and watch is not None else None
        self.recheck_seconds = recheck_seconds
        self._catalog: Catalog | None = None
        self._papers: PaperIndex | None = None
        self._generation: int | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._saving: threading.Thread | None = None

    @property
    def papers(self) -> PaperIndex | None:
        return self._papers

    def current(self) -> Catalog:
        """The current snapshot, reloaded when documents were added or changed (by this
        process or, as the generation counter tells, by another)."""
        if self.watch is not None:
            if self._catalog is not None and self.watch.writing():
                return self._catalog  # a run is writing: never a half-written state
            number = self.watch.generation()
            if number != self._generation:
                if self._generation is not None:
                    if self._catalog is not None and self.watch.writing():
                        return self._catalog  # a run began meanwhile: reopen after it
                    self.store.reconnect()
                self._generation = number
                if self._catalog is None and self._from_disk(number):
                    return self._catalog
            elif self._catalog is not None and not self._recheck_due():
                return self._catalog  # no run wrote since: reading every record tells no more
        self._checked = monotonic()
        documents = self.store.document_records()
        fingerprint = store_fingerprint(documents)
        with self._lock:
            if self._catalog is None or self._catalog.fingerprint != fingerprint:
                try:
                    catalog = Catalog.load(self.store, documents)
                    if self.with_vectors:
                        catalog.vectors(self.store)  # read with the snapshot, not mid-write
                except Exception as exc:
                    if self._catalog is None or self.watch is None:
                        raise
                    # A run began writing after the check above: keep the last whole snapshot.
                    log.warning("index changing underneath; serving the last snapshot (%s)", exc)
                    return self._catalog
                self._papers = PaperIndex.build(catalog)
                self._catalog = catalog
                self._save_later(catalog, self._papers)
            return self._catalog

    def _recheck_due(self) -> bool:
        return (
            self.recheck_seconds is not None and monotonic() - self._checked >= self.recheck_seconds
        )

    # -- on disk -----------------------------------------------------------------------------

    def _stable(self, generation: int) -> bool:
        """No run is writing and none wrote since `generation` (0: writes uncounted, never)."""
        return (
            generation > 0
            and self.watch is not None
            and not self.watch.writing()
            and self.watch.generation() == generation
        )

    def _counts(self) -> dict[str, int]:
        return {"documents": self.store.document_count(), "chunks": self.store.count()}

    def _from_disk(self, generation: int) -> bool:
        """Serve the snapshot written at this generation, if there is a whole one; one that
        cannot be used is removed, so that this reader writes it again."""
        if self.folder is None or not self._stable(generation):
            return False
        place = self.folder / f"g{generation}"
        if not place.exists():
            return False
        if self._read(place):
            return True
        shutil.rmtree(place, ignore_errors=True)
        return False

    def _read(self, place: Path) -> bool:
        try:
            meta = json.loads((place / "meta.json").read_text())
            if meta.get("version") != SNAPSHOT_VERSION:
                return False
            if self.with_vectors and not (place / "vectors.npy").exists():
                return False
            documents = json.loads((place / "documents.json").read_text())
            rows = json.loads((place / "chunks.json").read_text())
            names = json.loads((place / "papers.json").read_text())
            statistics = json.loads((place / "statistics.json").read_text())
            catalog = Catalog(
                chunks=[
                    Chunk.from_metadata(t, m)
                    for t, m in zip(rows["texts"], rows["metadatas"], strict=True)
                ],
                metadatas=rows["metadatas"],
                documents=documents,
                fingerprint=store_fingerprint(documents),
            )
            if self.with_vectors:
                vectors = np.load(place / "vectors.npy", mmap_mode="r")
                if vectors.shape[0] != len(catalog):
                    return False
                catalog._vectors = vectors
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("snapshot %s not used (%s)", place, exc)
            return False
        if catalog.fingerprint != meta.get("fingerprint"):
            return False
        catalog._frequencies[PUBLIC] = Counter(statistics["chunk_frequency"])
        wordstats.remember(catalog, PUBLIC, wordstats.Idf.from_dict(statistics["idf"]))
        with self._lock:
            self._catalog, self._papers = catalog, PaperIndex(names)
        # The generation counter says the store did not change; its counts confirm it once the
        # reader is up (opening the store costs a start seconds), and a write that moved no
        # counter makes the next search read the store again.
        check = threading.Timer(CONFIRM_AFTER_SECONDS, self._confirm, (catalog, meta["counts"]))
        check.daemon = True
        check.start()
        return True

    def _confirm(self, catalog: Catalog, counts: dict[str, int]) -> None:
        try:
            same = self._counts() == counts
        except Exception as exc:  # the store is unreachable: the next search will say so
            log.info("could not confirm the snapshot against the store (%s)", exc)
            return
        if not same:
            log.info("the store changed without a generation: reading it again")
            with self._lock:
                if self._catalog is catalog:
                    self._catalog = None

    def _save_later(self, catalog: Catalog, papers: PaperIndex) -> None:
        """Write this snapshot for the next process to start from, off the request's path."""
        generation = self._generation
        if self.folder is None or generation is None or not self._stable(generation):
            return
        self._saving = threading.Thread(
            target=self._save, args=(catalog, papers, generation), name="snapshot-save"
        )
        self._saving.start()

    def wait_saved(self) -> None:
        """Block until a snapshot being written is on disk (for tools and tests)."""
        if self._saving is not None:
            self._saving.join()

    def _save(self, catalog: Catalog, papers: PaperIndex, generation: int) -> None:
        place = self.folder / f"g{generation}"
        if place.exists():
            return
        temporary = self.folder / f".g{generation}.{os.getpid()}.{threading.get_ident()}"
        try:
            counts = self._counts()
            temporary.mkdir(parents=True, exist_ok=True)
            _write_json(temporary / "documents.json", catalog.documents)
            _write_json(
                temporary / "chunks.json",
                {"texts": [c.text for c in catalog.chunks], "metadatas": catalog.metadatas},
            )
            _write_json(temporary / "papers.json", papers.names)
            statistics = {
                "idf": wordstats.idf_for(catalog, PUBLIC).to_dict(),
                "chunk_frequency": dict(catalog.chunk_frequency(PUBLIC)),
            }
            _write_json(temporary / "statistics.json", statistics)
            if self.with_vectors:
                np.save(temporary / "vectors.npy", np.asarray(catalog.vectors(self.store)))
            meta: dict[str, Any] = {
                "version": SNAPSHOT_VERSION,
                "generation": generation,
                "fingerprint": catalog.fingerprint,
                "counts": counts,
            }
            _write_json(temporary / "meta.json", meta)  # last: a snapshot without it is unused
            if not self._stable(generation):
                return  # a run wrote meanwhile: this snapshot may already be behind
            if not place.exists():  # else another reader of this folder wrote it first
                os.rename(temporary, place)
            for old in self.folder.glob("g*"):
                if old != place:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # a read-only or full disk: the next start reads the store
            log.warning("could not keep the index snapshot in %s: %s", self.folder, exc)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


def _write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
