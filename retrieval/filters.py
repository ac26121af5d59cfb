"""Filters and the access rule, compiled once into both a Chroma `where` clause and a predicate.

Both searches (dense and lexical) take their restriction from the same `CompiledFilter`, so a
filter or the access rule cannot apply to one and not the other, and no caller can skip the rule:
`compile_filter` always adds it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from retrieval.records import ANONYMOUS, Filters, User


class FilterError(ValueError):
    """A filter value is malformed (e.g. a date that is not yyyy-mm-dd)."""


def _date_int(value: str, field: str) -> int:
    try:
        return int(date.fromisoformat(value).strftime("%Y%m%d"))
    except ValueError:
        raise FilterError(f"{field} must be a date as yyyy-mm-dd, not {value!r}") from None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def resolve_names(wanted: Iterable[str], known: Iterable[str]) -> tuple[str, ...]:
    """Exact stored names matching loose user input: equal, or containing it as whole words.

    >>> resolve_names(["bristol"], ["Bristol City Council", "Kent County Council"])
    ('Bristol City Council',)
    """
    known = sorted(set(known))
    out: list[str] = []
    for item in wanted:
        needle = _norm(item)
        if not needle:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)")
        out.extend(k for k in known if _norm(k) == needle or pattern.search(_norm(k)))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class CompiledFilter:
    """Exact metadata constraints: the same ones as a Chroma `where` and as a Python predicate."""

    access: tuple[str, ...]
    councils: tuple[str, ...] | None = None  # None: not constrained
    bodies: tuple[str, ...] | None = None
    doc_types: tuple[str, ...] | None = None
    doc_ids: tuple[str, ...] | None = None
    since: int = 0
    until: int = 0
    unmatched: tuple[str, ...] = ()  # messages for loose names that matched no visible paper

    @property
    def empty_result(self) -> bool:
        """True when a constraint can match nothing (e.g. a council the index does not hold)."""
        return any(
            v is not None and len(v) == 0
            for v in (self.councils, self.bodies, self.doc_types, self.doc_ids)
        )

    @property
    def access_only(self) -> bool:
        """True when the access rule is the filter's only constraint (no filter was set)."""
        return (
            all(v is None for v in (self.councils, self.bodies, self.doc_types, self.doc_ids))
            and not self.since
            and not self.until
        )

    def where(self) -> dict[str, Any]:
        clauses: list[dict[str, Any]] = [{"access": {"$in": list(self.access)}}]
        for key, values in (
            ("council", self.councils),
            ("body", self.bodies),
            ("doc_type", self.doc_types),
            ("doc_id", self.doc_ids),
        ):
            if values is not None:
                clauses.append({key: {"$in": list(values) or ["\x00"]}})
        if self.since:
            clauses.append({"date_int": {"$gte": self.since}})
        if self.until:
            clauses.append({"date_int": {"$lte": self.until}})
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, meta: dict[str, Any]) -> bool:
        if meta.get("access", "public") not in self.access:
            return False
        for key, values in (
            ("council", self.councils),
            ("body", self.bodies),
            ("doc_type", self.doc_types),
            ("doc_id", self.doc_ids),
        ):
            if values is not None and meta.get(key, "") not in values:
                return False
        day = int(meta.get("date_int", 0) or 0)
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)

    def matches_paper(self, doc_id: str, record: dict[str, Any]) -> bool:
        """The same test for a paper's document record (which holds its date as yyyy-mm-dd)."""
        day = str(record.get("date", "")).replace("-", "")
        return self.matches(
            {**record, "doc_id": doc_id, "date_int": int(day) if day.isdigit() else 0}
        )


def compile_filter(
    filters: Filters | None,
    user: User | None,
    documents: Collection[dict[str, Any]],
) -> CompiledFilter:
    """Turn user filters into exact constraints over the documents the index holds.

    `documents` are the index's document records; loose council/body names are resolved against
    the ones this user may see, so an exempt paper's council never leaks through a filter either.
    """
    filters = filters or Filters()
    user = user or ANONYMOUS
    access = user.access_levels
    unmatched: list[str] = []

    def resolve(wanted: tuple[str, ...], key: str) -> tuple[str, ...] | None:
        if not wanted:
            return None
        visible = (d for d in documents if d.get("access", "public") in access)
        known = sorted({str(d.get(key, "")) for d in visible} - {""})
        found = resolve_names(wanted, known)
        if not found:
            unmatched.append(
                f"No paper's {key} matches {', '.join(map(repr, wanted))}; "
                f"known: {', '.join(known) or 'none'}."
            )
        return found

    since = _date_int(filters.since, "since") if filters.since else 0
    until = _date_int(filters.until, "until") if filters.until else 0
    if since and until and since > until:
        raise FilterError(f"since ({filters.since}) is after until ({filters.until})")
    return CompiledFilter(
        access=access,
        councils=resolve(filters.councils, "council"),
        bodies=resolve(filters.bodies, "body"),
        doc_types=tuple(t.lower() for t in filters.doc_types) or None,
        doc_ids=tuple(filters.doc_ids) or None,
        since=since,
        until=until,
        unmatched=tuple(unmatched),
    )
