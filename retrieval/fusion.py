"""Weighted reciprocal-rank fusion of the dense and lexical rankings (one joiner, its weights
fitted by `python -m evals fit`).

>>> reciprocal_rank_fusion([(3, 0.9), (1, 0.8)], [(1, 7.0)], 0.5, 1.0, 10)[0][:1]
(1,)
"""

from __future__ import annotations

import numpy as np


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


def top_positions(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` highest scores, highest first and ties in index order: what a stable
    argsort of -scores gives, without sorting every score of a large index.

    >>> top_positions(np.array([0.1, 0.9, 0.5, 0.9]), 2).tolist()
    [1, 3]
    """
    if n <= 0 or scores.size == 0:
        return np.empty(0, dtype=np.int64)
    if scores.size > n:
        threshold = np.partition(scores, scores.size - n)[scores.size - n]
        chosen = np.flatnonzero(scores >= threshold)  # every tie at the threshold, in order
    else:
        chosen = np.arange(scores.size)
    return chosen[np.argsort(-scores[chosen], kind="stable")][:n]
