"""Naming and undoing uploaded copies in DATA_DIR/uploads: an upload never takes a paper's id
unasked, and a failed replacement puts the indexed file back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.loaders import document_id


def restore_upload(copy: Path, previous: Path | None) -> None:
    """Undo one upload's copy: remove it, and put back the file it was to replace."""
    copy.unlink(missing_ok=True)
    if previous is not None and previous.exists():
        previous.replace(copy)


def free_upload_name(name: str, records: dict[str, Any], taken: Sequence[Path]) -> str:
    """The upload's file name, or stem-2, stem-3 … when its stem is already a document id."""
    path = Path(name)
    stem, suffix = document_id(path), path.suffix
    used = set(records) | {document_id(p) for p in taken}
    if stem not in used:
        return name
    n = 2
    while f"{stem}-{n}" in used:
        n += 1
    return f"{stem}-{n}{suffix}"
