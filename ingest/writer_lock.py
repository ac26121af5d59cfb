"""One writer per data folder, and a generation counter that tells readers the index changed.

An ingest run holds an exclusive lock on DATA_DIR/writer.lock (`flock`: the kernel drops it when
the process dies, even by kill -9, so a crashed run never leaves the folder locked). After each
paper it writes, it bumps DATA_DIR/generation; a server in another process sees the number change,
reopens the store and reloads its snapshot instead of querying a stale copy.

>>> with WriterLock(Path("data")):        # doctest: +SKIP
...     bump_generation(Path("data"))
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "writer.lock"
GENERATION_NAME = "generation"


class IndexBusy(RuntimeError):
    """Another process is writing to the same data folder."""


class WriterLock:
    """An exclusive, non-blocking lock on a data folder for the length of a `with` block."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LOCK_NAME
        self._handle = None

    def __enter__(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise IndexBusy(
                f"{holder} is writing to the index in {self.path.parent}; wait for it to "
                "finish, then run again."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *_exc) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def writer_active(data_dir: Path) -> bool:
    """Whether some ingest run (in any process, this one included) holds the writer lock now."""
    path = Path(data_dir) / LOCK_NAME
    if not path.exists():
        return False
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


class IndexWatch:
    """What a reader (the UI server) watches of the data folder's writers: the generation
    counter, and whether a run is writing right now."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)

    def generation(self) -> int:
        return read_generation(self.data_dir)

    def writing(self) -> bool:
        return writer_active(self.data_dir)


def read_generation(data_dir: Path) -> int:
    """How many writes the data folder has seen (0 before the first)."""
    try:
        return int((Path(data_dir) / GENERATION_NAME).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def bump_generation(data_dir: Path) -> int:
    """Count one more write; atomic, so a reader never sees a half-written number."""
    path = Path(data_dir) / GENERATION_NAME
    number = read_generation(data_dir) + 1
    tmp = path.with_name(f"{GENERATION_NAME}.{os.getpid()}.tmp")
    tmp.write_text(str(number))
    os.replace(tmp, path)
    return number


def die_with_parent(parent: int) -> None:
    """Make this (worker) process end when its parent does, even by kill -9: Linux's
    PR_SET_PDEATHSIG. Elsewhere the worker notices on its next read of the pool's pipe."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call took effect
        os._exit(1)
