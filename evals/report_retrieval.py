"""Presenting retrieval evaluations: modes and ablations side by side, part by part, and our
retrieval beside the naive LangChain baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console

from evals.metrics import Score, Summary, summarise, summarise_by_type
from evals.report import (
    RETRIEVAL_KEYS,
    format_value,
    group_rows,
    rich_table,
    summary_dict,
)
from evals.split import HELD_OUT, TUNING

# -- retrieval comparison -------------------------------------------------------------------------


def recall_failures(
    scores: Sequence[Score],
    questions: Sequence[Mapping[str, Any]],
    parts: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Questions whose answer groups are not all in the top-k evidence, with what is missing.

    Held-out questions are never listed (see `evals.split`)."""
    by_id = {q["id"]: q for q in questions}
    parts = parts or {}
    return [
        {
            "id": s.id,
            "question": by_id[s.id]["question"],
            "missing": [list(g) for g in s.recall_missing],
        }
        for s in scores
        if s.recall is False and parts.get(s.id) != HELD_OUT
    ]


def _by_part(scores: Sequence[Score], parts: Mapping[str, str]) -> dict[str, Summary]:
    """Summaries of all questions, then of the tuning and held-out parts where there are any."""
    out = {"all": summarise(scores)}
    for part in (TUNING, HELD_OUT):
        chosen = [s for s in scores if parts.get(s.id) == part]
        if chosen:
            out[part] = summarise(chosen)
    return out


def print_comparison(
    console: Console,
    results: Mapping[str, Sequence[Score]],
    questions: Sequence[Mapping[str, Any]],
    k: int,
    parts: Mapping[str, str] | None = None,
) -> None:
    parts = parts or {}
    split = any(parts.values())
    summaries = {mode: summarise(scores) for mode, scores in results.items()}
    if split:
        header = ["mode"]
        rows = [[mode] for mode in results]
        for part in ("all", TUNING, HELD_OUT):
            header += [f"{part} n", f"{part} R@{k}", f"{part} doc@1"]
            for row, scores in zip(rows, results.values(), strict=True):
                summary = _by_part(scores, parts).get(part)
                row += (
                    [
                        str(summary.questions),
                        format_value("recall", summary),
                        format_value("doc_at_1", summary),
                    ]
                    if summary
                    else ["0", "–", "–"]
                )
        console.print(rich_table(f"Retrieval, top {k}, by part", header, rows))
    else:
        header, rows = group_rows(summaries, RETRIEVAL_KEYS, k, first="mode", compact=True)
        console.print(rich_table(f"Retrieval, top {k}", header, rows))
    reference = "hybrid" if "hybrid" in results else next(iter(results))
    by_type = summarise_by_type(results[reference])
    if len(by_type) > 1 and not split:
        header, rows = group_rows(by_type, RETRIEVAL_KEYS, k, compact=True)
        console.print(rich_table(f"{reference} by type", header, rows))
    failed = recall_failures(results[reference], questions, parts)
    if failed:
        rows = [
            [f["id"], f["question"], "; ".join(" or ".join(g) for g in f["missing"])]
            for f in failed
        ]
        console.print(
            rich_table(
                f"{reference}: recall@{k} misses ({len(failed)}{', tuning part only' if split else ''})",
                ["id", "question", "missing"],
                rows,
                numbers=False,
            )
        )


def comparison_dict(
    results: Mapping[str, Sequence[Score]],
    questions: Sequence[Mapping[str, Any]],
    k: int,
    parts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    parts = parts or {}
    reference = "hybrid" if "hybrid" in results else next(iter(results))
    return {
        "k": k,
        "modes": {m: summary_dict(summarise(s), RETRIEVAL_KEYS) for m, s in results.items()},
        "by_part": {
            m: {p: summary_dict(v, RETRIEVAL_KEYS) for p, v in _by_part(s, parts).items()}
            for m, s in results.items()
        },
        "by_type": {
            t: summary_dict(s, RETRIEVAL_KEYS)
            for t, s in summarise_by_type(results[reference]).items()
        },
        "by_type_mode": reference,
        "recall_failures": recall_failures(results[reference], questions, parts),
    }


# -- the naive baseline -------------------------------------------------------------------------


def baseline_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Shares of questions with every answer group in our top k and in the baseline's."""
    n = len(rows)

    def share(side: str, k: int) -> float | None:
        return sum(r[side][k] for r in rows) / n if n else None

    return {
        "questions": n,
        "ours_recall@5": share("ours", 5),
        "ours_recall@8": share("ours", 8),
        "baseline_context@4": share("baseline", 4),
        "baseline_context@8": share("baseline", 8),
    }


def _baseline_groups(
    rows: Sequence[Mapping[str, Any]], part_of: Mapping[str, str]
) -> dict[str, list[Mapping[str, Any]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {"all": list(rows)}
    for part in (TUNING, HELD_OUT):
        chosen = [r for r in rows if part_of.get(r["id"]) == part]
        if chosen:
            groups[part] = chosen
    return groups


def baseline_dict(
    rows: Sequence[Mapping[str, Any]], part_of: Mapping[str, str], chunks: int
) -> dict[str, Any]:
    return {
        "baseline": "RecursiveCharacterTextSplitter 1000/200, same MiniLM, Chroma similarity",
        "baseline_chunks": chunks,
        "parts": {g: baseline_summary(r) for g, r in _baseline_groups(rows, part_of).items()},
    }


def print_baseline(
    console: Console, rows: Sequence[Mapping[str, Any]], part_of: Mapping[str, str], chunks: int
) -> None:
    """Our recall@5/@8 beside the naive pipeline's context@4/@8, overall and part by part."""

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.0%}"

    table_rows = []
    for group, chosen in _baseline_groups(rows, part_of).items():
        s = baseline_summary(chosen)
        lead = (
            "–"
            if s["ours_recall@5"] is None
            else f"{100 * (s['ours_recall@5'] - s['baseline_context@4']):+.0f}"
        )
        table_rows.append(
            [
                group,
                str(s["questions"]),
                pct(s["ours_recall@5"]),
                pct(s["ours_recall@8"]),
                pct(s["baseline_context@4"]),
                pct(s["baseline_context@8"]),
                lead,
            ]
        )
    header = ["part", "n", "ours R@5", "ours R@8", "naive ctx@4", "naive ctx@8", "R@5 − ctx@4"]
    console.print(
        rich_table(
            f"Retrieval against the naive LangChain pipeline ({chunks} chunks)", header, table_rows
        )
    )
