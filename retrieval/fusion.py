"""Weighted reciprocal-rank fusion of the dense and lexical rankings (one joiner, its weights
fitted by `python -m evals fit`).

>>> reciprocal_rank_fusion([(3, 0.9), (1, 0.8)], [(1, 7.0)], 0.5, 1.0, 10)[0][:1]
(1,)
"""

from __future__ import annotations


def reciprocal_rank_fusion(
    dense: list[tuple[int, float]],
    lexical: list[tuple[int, float]],
    dense_weight: float,
    lexical_weight: float,
    rrf_k: int,
) -> list[tuple[int, float, int | None, int | None]]:
    """(position, score, dense rank, lexical rank), best first; ties by catalog position."""
    ranks: dict[int, list[int | None]] = {}
    for rank, (pos, _) in enumerate(dense, 1):
        ranks.setdefault(pos, [None, None])[0] = rank
    for rank, (pos, _) in enumerate(lexical, 1):
        ranks.setdefault(pos, [None, None])[1] = rank
    fused = []
    for pos, (d, lx) in ranks.items():
        score = 0.0
        if d is not None:
            score += dense_weight / (rrf_k + d)
        if lx is not None:
            score += lexical_weight / (rrf_k + lx)
        fused.append((pos, score, d, lx))
    fused.sort(key=lambda f: (-f[1], f[0]))
    return fused
