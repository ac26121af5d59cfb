"""Who owns a document id, and who may change a paper's access level.

A document id (the file stem) belongs to the source folder that first ingested it: a file of
the same name elsewhere (an upload, another folder) may not silently replace it. An exempt
paper stays exempt on re-ingest unless its sidecar or the operator says otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ingest.records import DocumentMeta


def origin_of(path: Path, roots: list[Path] | None = None) -> str:
    """The source a paper is ingested from: the folder given to the run that holds it (so moving
    a file between that folder's subfolders keeps its owner), else the file's own folder. A
    document id belongs to the source that first ingested it; a file of the same name elsewhere
    may not silently replace it."""
    path = Path(path).resolve()
    for root in roots or ():
        root = Path(root).resolve()
        if root.is_dir() and root in path.parents:
            return str(root)
    return str(path.parent)


def access_decision(
    previous: str | None, meta: DocumentMeta, sidecar: dict, lower_access: bool
) -> tuple[DocumentMeta, str]:
    """The access level a re-ingested paper keeps, and a note for the summary when it changed.

    Exempt stays exempt unless the paper's sidecar says `"access": "public"` or the operator
    passed `lower_access`: re-ingesting a same-named file must never make a paper public.
    """
    if previous is None or previous == meta.access:
        return meta, ""
    if previous == "exempt" and meta.access == "public":
        if sidecar.get("access") == "public":
            return meta, "access: exempt → public (sidecar)"
        if lower_access:
            return meta, "access: exempt → public (--lower-access)"
        note = (
            'kept exempt: only a sidecar saying "access": "public" or --lower-access '
            "makes an exempt paper public"
        )
        return replace(meta, access="exempt"), note
    return meta, f"access: {previous} → {meta.access}" + (" (sidecar)" if sidecar else "")


def within(path: str, root: str) -> bool:
    """Whether folder `path` is `root` or inside it."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def clash_reason(
    doc_id: str, origin: str, seen: Path | None, record: dict | None, replace: bool
) -> str:
    """Why this file may not be ingested under its document id, or "": two files of one run
    with the same stem, or a paper of that id already ingested from another folder."""
    if seen is not None:
        return f"has the same document id as {seen}; rename one of them."
    owner = str((record or {}).get("origin", ""))
    same_source = within(origin, owner) or within(owner, origin)  # a subfolder is the same
    if owner and not same_source and not replace:
        return (
            f"a paper with the document id {doc_id!r} was already ingested from {owner}; "
            "rename this file, or replace that paper explicitly (--replace)."
        )
    return ""
