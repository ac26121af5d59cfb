"""Hits from fused candidates: context assembled around each chunk, near-duplicates skipped.

A hit carries the chunks that complete it: the rest of a split paragraph and the items a
lead-in introduces, so the evidence reads whole.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.records import Chunk
from retrieval.catalog import Catalog
from retrieval.records import Hit


def _shingles(text: str) -> set[str]:
    flat = re.sub(r"[^a-z0-9]+", "", text.lower())
    return {flat[i : i + 4] for i in range(max(len(flat) - 3, 1))}


def _similar(a: Chunk, b: Chunk) -> bool:
    """Near-duplicates: the same passage repeated with small changes of wording or layout."""
    sa, sb = _shingles(a.text), _shingles(b.text)
    return len(sa & sb) / len(sa | sb) >= 0.7


def _context(chunk: Chunk, catalog: Catalog) -> tuple[tuple[Chunk, ...], tuple[Chunk, ...]]:
    """Adjacent chunks that complete a hit: the rest of a split paragraph, a lead-in's list."""
    before: list[Chunk] = []
    after: list[Chunk] = []

    def continues(other: Chunk | None) -> bool:
        return (
            other is not None
            and other.kind == "paragraph"
            and other.paragraphs == chunk.paragraphs
            and other.section == chunk.section
        )

    if chunk.kind == "paragraph" and chunk.paragraphs:
        step = catalog.neighbour(chunk, -1)
        while continues(step) and len(before) < 2:
            before.insert(0, step)
            step = catalog.neighbour(step, -1)
        step = catalog.neighbour(chunk, 1)
        while continues(step) and len(after) < 2:
            after.append(step)
            step = catalog.neighbour(step, 1)
    last = after[-1] if after else chunk
    if last.kind == "paragraph" and last.text.rstrip().endswith(":"):
        step = catalog.neighbour(last, 1)
        while step is not None and step.kind in ("list", "table_row") and len(after) < 12:
            after.append(step)
            step = catalog.neighbour(step, 1)
    return tuple(before), tuple(after)


def _section_neighbours(
    chunk: Chunk, before: tuple, after: tuple, catalog: Catalog, budget: int
) -> tuple[tuple[Chunk, ...], tuple[Chunk, ...]]:
    """Widen a short hit with the chunks around it in its section, next then previous, while
    the hit stays within `budget` characters: a small chunk's sentence often needs the line
    before or after it (the vote under a motion, the amount after its heading)."""
    before, after = list(before), list(after)
    size = sum(len(c.text) for c in (*before, chunk, *after))
    forward, backward = (after[-1] if after else chunk), (before[0] if before else chunk)
    while size < budget:
        grown = False
        for step in (1, -1):
            edge = forward if step == 1 else backward
            other = catalog.neighbour(edge, step)
            if other is None or other.section != chunk.section or size + len(other.text) > budget:
                continue
            if step == 1:
                after.append(other)
                forward = other
            else:
                before.insert(0, other)
                backward = other
            size += len(other.text)
            grown = True
        if not grown:
            break
    return tuple(before), tuple(after)


def assemble(fused: list, catalog: Catalog, k: int, context_chars: int = 0) -> list[Hit]:
    """Turn fused candidates into the top-k hits with context, skipping what is already shown.

    With `context_chars`, each hit is widened with its section's neighbouring chunks up to
    that many characters."""
    hits: list[Hit] = []
    covered: set[str] = set()
    for position, score, dense_rank, lexical_rank in fused:
        chunk = catalog.chunks[position]
        if chunk.id in covered or any(_similar(chunk, h.chunk) for h in hits):
            continue
        before, after = _context(chunk, catalog)
        if context_chars:
            before, after = _section_neighbours(chunk, before, after, catalog, context_chars)
        hit = Hit(chunk, score, len(hits) + 1, dense_rank, lexical_rank, before, after)
        covered.update(c.id for c in hit.chunks)
        hits.append(hit)
        if len(hits) == k:
            break
    # A later hit may have pulled an earlier one's chunk into its context: keep the earlier.
    return [replace(h, rank=i) for i, h in enumerate(hits, 1)]
