"""Which files under the given paths are papers to ingest."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest.loaders import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES, document_id
from ingest.summary import FileResult


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Papers under the given paths; files in folders that are not papers are reported as ignored."""
    found: list[Path] = []
    ignored: list[FileResult] = []
    for root in paths:
        root = Path(root)
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in path.relative_to(root).parts):
                    continue
                if path.name.endswith(SIDECAR_SUFFIX):
                    continue
                if path.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append(path)
                else:
                    ignored.append(
                        FileResult(
                            str(path), document_id(path), "ignored", reason="not a paper type"
                        )
                    )
        else:
            found.append(root)  # named explicitly: a missing or unsupported file is an error
    return found, ignored
