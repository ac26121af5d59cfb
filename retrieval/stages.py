"""Query-understanding stages of hybrid retrieval, each a small function over the fused ranking.

A stage takes the fused candidates — (catalog position, score, dense rank, lexical rank) — and
returns them reordered. Each has a name, so an evaluation can switch it off and measure its
share (`HybridRetriever(stages=...)`, `python -m evals ablate`).
"""

from __future__ import annotations

from itertools import zip_longest

from retrieval.catalog import Catalog
from retrieval.dates import TimeConstraint
from retrieval.filters import CompiledFilter
from retrieval.papers import PaperIndex
from retrieval.question import (
    DECISION_SECTION,
    PURPOSE,
    PURPOSE_SECTION,
    RECOMMENDATION_SECTION,
    acronym_asked,
    definitions,
    question_kind,
)
from retrieval.records import Filters
from retrieval.text import names_different_papers, terms


def interleave(rankings: list[list]) -> list:
    """Several rankings merged turn by turn (first of each, then second of each …), each
    candidate kept once at its best place."""
    if len(rankings) == 1:
        return rankings[0]
    out, seen = [], set()
    for row in zip_longest(*rankings):
        for item in row:
            if item is not None and item[0] not in seen:
                seen.add(item[0])
                out.append(item)
    return out


def each_named_paper(fused: list, query: str, catalog: Catalog, access: tuple[str, ...]) -> list:
    """A question naming two papers by different names ("the Leicestershire report and the
    Bromsgrove report") gets passages of each in turn, not only those of the stronger one.
    Papers the question names by the same word ("Bristol") stay in one ranking.

    Only papers among the candidates count, so filters and the access rule still hold.
    """
    asked = set(terms(query))
    by_name: dict[frozenset[str], list] = {}
    for item in fused:
        named = catalog.naming_terms(catalog.chunks[item[0]].doc_id, access) & asked
        if named:
            by_name.setdefault(named, []).append(item)
    if not names_different_papers(by_name):
        return fused
    turns = interleave(list(by_name.values()))
    taken = {item[0] for item in turns}
    return turns + [f for f in fused if f[0] not in taken]


def section_asked_for(fused: list, query: str, catalog: Catalog, compiled: CompiledFilter) -> list:
    """Bring forward the passage a kind of question is answered from, which similarity alone
    ranks low: "What is the X report about?" → the paper's statement of purpose; "What did the
    board recommend?" → its recommendations; "What does WETT stand for?" → where it is spelled out.

    Only the leading papers are looked at, and only passages the filters and access rule allow.
    """
    if not fused:
        return fused
    papers = list(dict.fromkeys(catalog.metadatas[f[0]]["doc_id"] for f in fused))[:3]
    acronym = acronym_asked(query)
    kind = question_kind(query)
    if acronym:
        wanted, place = [lambda c: any(definitions(acronym, c.text))], 0
    elif kind == "document":
        papers = papers[:1]
        wanted, place = (
            [
                lambda c: bool(PURPOSE.search(c.text)),
                lambda c: any(PURPOSE_SECTION.search(s) for s in c.section),
            ],
            0,
        )
    elif kind == "decision":
        papers = papers[:1]
        wanted, place = (
            [
                lambda c: any(RECOMMENDATION_SECTION.search(s) for s in c.section),
                lambda c: any(DECISION_SECTION.search(s) for s in c.section),
            ],
            1,
        )
    else:
        return fused
    for test in wanted:  # the most telling passage first, then the section that holds it
        for doc_id in papers:
            for pos in catalog.positions_of(doc_id):
                if test(catalog.chunks[pos]) and compiled.matches(catalog.metadatas[pos]):
                    lift = [pos]
                    opening = catalog.index_of[catalog.section_opening(catalog.chunks[pos]).id]
                    if kind == "document" and opening != pos:
                        lift.insert(0, opening)  # "1. Purpose of the Report" opens with its point
                    rest = [f for f in fused if f[0] not in lift]
                    lifted = [(p, fused[0][1], None, None) for p in lift]
                    return [*rest[:place], *lifted, *rest[place:]]
    return fused


def with_time(filters: Filters, time: TimeConstraint) -> Filters:
    """User filters narrowed by the question's own time phrase (the tighter bound wins)."""
    since = max(filter(None, (filters.since, time.since)), default="")
    until = min(filter(None, (filters.until, time.until)), default="")
    return filters.narrowed(since=since, until=until)


def newest_first(fused: list, catalog: Catalog) -> list:
    """Among the clearly relevant candidates, put the most recent papers first."""
    if not fused:
        return fused
    best = fused[0][1]
    relevant = [f for f in fused if f[1] >= 0.6 * best]
    rest = fused[len(relevant) :] if relevant == fused[: len(relevant)] else []
    relevant.sort(key=lambda f: -int(catalog.metadatas[f[0]].get("date_int", 0) or 0))
    return relevant + [f for f in fused if f not in relevant] if not rest else relevant + rest


def paper_prior(
    fused: list,
    query: str,
    catalog: Catalog,
    papers: PaperIndex,
    visible: list[str],
    weight: float,
    k: int,
) -> list:
    """Passages of the papers the question names best gain `weight` / (k + the paper's rank):
    "At Westshire's January 2018 meeting …" lifts that meeting's minutes over another council's
    passage of similar words. Only visible papers are ranked, so the access rule holds."""
    if not fused or weight <= 0:
        return fused
    ranks = papers.ranks(query, visible)
    if not ranks:
        return fused
    out = []
    for pos, score, d, lx in fused:
        rank = ranks.get(catalog.chunks[pos].doc_id)
        out.append((pos, score + (weight / (k + rank) if rank else 0.0), d, lx))
    out.sort(key=lambda f: (-f[1], f[0]))
    return out
