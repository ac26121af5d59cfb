"""The decisions register, searched: by words, council, body, dates, kind and paper.

The access rule is the index's own: only papers this user may see are looked in, and a loose
council or body name is resolved only against what the user may see.

>>> register = DecisionRegister(store, DecisionStore(path))      # cheap
>>> register.search("chief executive", Filters(councils=("Harborough",)))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ingest.decision_store import DecisionStore
from ingest.decisions import FIELDS, KINDS
from ingest.store import Store
from retrieval.filters import FilterError, _date_int, compile_filter, resolve_names
from retrieval.records import ANONYMOUS, Citation, Filters, User


class DecisionRegister:
    """Decisions of the papers in `store`, as recorded in the register beside it."""

    def __init__(self, store: Store, register: DecisionStore):
        self.store = store
        self.register = register

    def search(
        self,
        query: str = "",
        filters: Filters | None = None,
        kinds: Iterable[str] = (),
        user: User | None = None,
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        """Matching decisions, best text match first when there is a query, else newest first.

        Each is a dict of the record's fields (`FIELDS`) plus `id`, `council` and `title`.
        Bad filter values raise `FilterError` with a message naming the option.
        """
        filters = filters or Filters()
        kinds = tuple(k.strip().lower() for k in kinds if k.strip())
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise FilterError(f"kind must be one of {', '.join(KINDS)}, not {unknown[0]!r}")
        for value, name in ((filters.since, "since"), (filters.until, "until")):
            if value:
                _date_int(value, name)
        documents = self.store.document_records()
        paper_filter = Filters(
            councils=filters.councils, doc_types=filters.doc_types, doc_ids=filters.doc_ids
        )
        compiled = compile_filter(paper_filter, user, documents.values())
        if compiled.unmatched:
            raise FilterError(" ".join(compiled.unmatched))
        visible = [d for d, meta in documents.items() if compiled.matches_paper(d, meta)]
        rows = self.register.search(
            visible,
            compiled.access,
            query=query,
            kinds=kinds,
            since=filters.since,
            until=filters.until,
        )
        if filters.bodies:
            known = {str(r["body"]) for r in rows} - {""}
            wanted = set(resolve_names(filters.bodies, known))
            rows = [r for r in rows if r["body"] in wanted]
        for row in rows:
            row["title"] = str(documents[row["doc_id"]].get("title", ""))
        return rows[:limit] if limit > 0 else rows

    def get(self, decision_id: str, user: User | None = None) -> dict[str, Any] | None:
        """One record by id, or None when it is not there or its paper is not for this user."""
        found = self.register.get([decision_id])
        documents = self.store.document_records()
        access = (user or ANONYMOUS).access_levels
        for row in found:
            meta = documents.get(row["doc_id"])
            if (
                meta is not None
                and meta.get("access", "public") in access
                and row["access"] in access
            ):
                return {**row, "title": str(meta.get("title", ""))}
        return None


def citation_of(row: dict[str, Any], catalog, n: int = 1) -> Citation | None:
    """A citation of the decision: the chunk it cites, quoting as much of its text as that
    chunk holds (a long resolution may run on into the next chunk)."""
    chunks = catalog.chunks_of(row["doc_id"])
    start, end = int(row["start"]), int(row["end"])
    holding = [c for c in chunks if c.start <= start < c.end] or [
        c for c in chunks if start <= c.start < end
    ]
    if not holding:
        return None
    chunk = min(holding, key=lambda c: (c.id != row.get("chunk_id"), c.start))
    a, b = max(start, chunk.start) - chunk.start, min(end, chunk.end) - chunk.start
    quote = chunk.text[a:b].strip()
    return Citation.from_chunk(n, chunk, quote) if quote else None


def public_fields(row: dict[str, Any]) -> dict[str, Any]:
    """Exactly the record's fields, in order (the CLI's --json lines, the CSV columns)."""
    return {name: row.get(name) for name in FIELDS}
