"""The one error a bad file raises during ingest."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """One bad file: the message is a single sentence naming the file and what to do."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        # Both arguments in `args`: a PDF worker's error is pickled back to the parent process
        # as `IngestError(*args)`, so one bad file never breaks the worker pool.
        super().__init__(self.path, reason)

    def __str__(self) -> str:
        return f"{Path(self.path).name}: {self.reason}"
