"""An embedding cache on disk for the benchmarks: only the first build of a corpus pays the encoder.

Vectors are kept in SQLite by a hash of the encoder's name and the text, with the seconds the
encoder spent on each text when it was first encoded. A cached run can therefore still report the
encoder's own time for its corpus (as measured when the cache was filled) beside the time spent
outside it, which it measures itself.

>>> embedder = CachedEmbedder(SentenceTransformerEmbedder(), Path("data/bench/embeddings.sqlite"))
>>> embedder.embed(["The committee resolved to approve the budget."])  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_BATCH = 500  # keys per SELECT: well under SQLite's limit on bound parameters


class CachedEmbedder:
    """Wraps an Embedder; counts hits, misses and the encoder's own seconds (fresh and recorded)."""

    def __init__(self, inner, path: Path):
        self.inner = inner
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.encode_seconds = 0.0  # encoder time spent in this process on misses
        self.recorded_seconds = 0.0  # encoder time the hits cost when they were first encoded
        self.wall_seconds = 0.0  # time spent in `embed`, lookups included

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def __getattr__(self, attribute: str):  # embed_query and the like pass through
        return getattr(self.inner, attribute)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def warm_up(self) -> None:
        self.inner.warm_up()

    @property
    def encoder_seconds(self) -> float:
        """The encoder's own time for every text embedded here, cached or not."""
        return self.encode_seconds + self.recorded_seconds

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB, seconds REAL)"
            )
        return self._db

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.inner.name}\0{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        started = time.perf_counter()
        vectors = self._embed(texts)
        with self._lock:
            self.wall_seconds += time.perf_counter() - started
        return vectors

    def _embed(self, texts: Sequence[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        with self._lock:
            db = self._connection()
            found: dict[str, tuple[bytes, float]] = {}
            unique = list(dict.fromkeys(keys))
            for i in range(0, len(unique), _BATCH):
                part = unique[i : i + _BATCH]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    f"SELECT key, vector, seconds FROM vectors WHERE key IN ({marks})", part
                )
                found.update((key, (vector, seconds)) for key, vector, seconds in rows)
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            encoding = time.perf_counter()
            fresh = self.inner.embed([texts[i] for i in missing])
            spent = time.perf_counter() - encoding
            each = spent / len(missing)
            rows = []
            for i, vector in zip(missing, fresh, strict=True):
                blob = np.asarray(vector, dtype=np.float32).tobytes()
                found[keys[i]] = (blob, each)
                rows.append((keys[i], blob, each))
            with self._lock:
                self._connection().executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows
                )
                self._connection().commit()
                self.encode_seconds += spent
                self.misses += len(missing)
        fresh_positions = set(missing)
        with self._lock:
            self.hits += len(keys) - len(missing)
            self.recorded_seconds += sum(
                found[key][1] for i, key in enumerate(keys) if i not in fresh_positions
            )
        return [np.frombuffer(found[key][0], dtype=np.float32).tolist() for key in keys]
