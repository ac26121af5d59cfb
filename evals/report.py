"""Presenting evaluations: rich tables for the terminal, a Markdown report with a chart, JSON.

>>> print_evaluation(Console(), evaluation)                        # doctest: +SKIP
>>> write_report(Path("data/evals/dev-report.md"), evaluation, {})  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from evals import metrics
from evals.metrics import (
    METRICS,
    RANK_KEYS,
    RECALL_DEPTH,
    Summary,
)
from evals.runner import Evaluation
from evals.split import HELD_OUT, TUNING

RETRIEVAL_KEYS = ("recall", "evidence_rr", "doc_at_1", "reciprocal_rank")
CHARTED = (("correct", "answer accuracy"), ("citation_hit", "citation hit"), ("recall", "recall@5"))

_LABELS = dict(METRICS)
SHORT = {
    "correct": "acc",
    "citation_hit": "cite",
    "quote_exact": "quote",
    "abstention_ok": "abst",
    "abstention_precise": "abst prec",
    "false_abstention": "false abst",
    "recall": "R@{k}",
    "evidence_rr": "MRR",
    "reciprocal_rank": "doc MRR",
    "doc_at_1": "doc@1",
}


def label(key: str, k: int = RECALL_DEPTH) -> str:
    return _LABELS[key].format(k=k)


def format_rate(key: str, summary: Summary) -> str:
    """The value with its count, like 85.0% (17/20); MRR as 0.823 (n=20); "–" when n is 0."""
    rate = summary.rates[key]
    if not rate.n:
        return "–"
    if key in RANK_KEYS:
        return f"{rate.value:.3f} (n={rate.n})"
    return f"{rate.value:.1%} ({round(rate.total)}/{rate.n})"


def format_value(key: str, summary: Summary) -> str:
    """The bare value, like 85%; MRR as 0.82; "–" when no question counts towards it."""
    value = summary.rates[key].value
    if value is None:
        return "–"
    return f"{value:.2f}" if key in RANK_KEYS else f"{value:.0%}"


def format_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _applicable(keys: Sequence[str], summary: Summary) -> list[str]:
    """The metrics at least one question counts towards (no empty "abstention accuracy" rows)."""
    return [key for key in keys if summary.rates[key].n]


# -- tables as rows of text, shared by the terminal and Markdown ---------------------------------


def overall_rows(summary: Summary, k: int = RECALL_DEPTH) -> list[list[str]]:
    """metric | value rows for one summary, latency last."""
    keys = _applicable([key for key, _ in METRICS], summary)
    rows = [[label(key, k), format_rate(key, summary)] for key in keys]
    rows.append(["latency p50 (ms)", format_ms(summary.latency_p50)])
    rows.append(["latency p95 (ms)", format_ms(summary.latency_p95)])
    return rows


def group_rows(
    summaries: Mapping[str, Summary],
    keys: Sequence[str],
    k: int = RECALL_DEPTH,
    first: str = "type",
    compact: bool = False,
) -> tuple[list[str], list[list[str]]]:
    """Header and rows with one row per group (type or mode) and one column per metric.

    `compact` uses short headers and bare values ("85%"), to fit a terminal.
    """
    if not summaries:
        return [], []
    shown = [key for key in keys if any(s.rates[key].n for s in summaries.values())]
    names = [(SHORT[key].format(k=k) if compact else label(key, k)) for key in shown]
    cell = format_value if compact else format_rate
    header = [first, "n" if compact else "questions", *names, "p50 ms", "p95 ms"]
    rows = [
        [
            name,
            str(s.questions),
            *(cell(key, s) for key in shown),
            format_ms(s.latency_p50),
            format_ms(s.latency_p95),
        ]
        for name, s in summaries.items()
    ]
    return header, rows


def rich_table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], numbers: bool = True
) -> Table:
    """A terminal table; with `numbers`, every column but the first is right-aligned and unwrapped."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for i, name in enumerate(header):
        if numbers:
            table.add_column(name, justify="right" if i else "left", no_wrap=True)
        else:
            table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|")
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


# -- answer evaluations ---------------------------------------------------------------------------


def part_rows(
    summaries: Mapping[str, Summary], k: int = RECALL_DEPTH
) -> tuple[list[str], list[list[str]]]:
    """metric | tuning | held-out [| other] rows, with the tuning - held-out gap where both exist."""
    names = list(summaries)
    keys = [key for key, _ in METRICS if any(s.rates[key].n for s in summaries.values())]
    gap = TUNING in summaries and HELD_OUT in summaries
    header = ["metric", *names, *(["gap (points)"] if gap else [])]
    rows = []
    for key in keys:
        row = [label(key, k), *(format_rate(key, summaries[n]) for n in names)]
        if gap:
            a, b = summaries[TUNING].value(key), summaries[HELD_OUT].value(key)
            row.append(
                "–" if a is None or b is None or key in RANK_KEYS else f"{100 * (a - b):+.1f}"
            )
        rows.append(row)
    rows.append(["latency p50 (ms)", *(format_ms(summaries[n].latency_p50) for n in names)])
    rows.append(["latency p95 (ms)", *(format_ms(summaries[n].latency_p95) for n in names)])
    if gap:
        for row in rows[-2:]:
            row.append("")
    return header, rows


def type_part_rows(
    by_type: Mapping[str, Mapping[str, Summary]], keys: Sequence[str] = ("correct", "recall")
) -> tuple[list[str], list[list[str]]]:
    """type | n and each metric per part: the types side by side in the tuning and held-out parts."""
    parts = list(dict.fromkeys(p for summaries in by_type.values() for p in summaries))
    header = ["type"]
    for part in parts:
        header += [f"{part} n", *(f"{part} {SHORT[key].format(k=RECALL_DEPTH)}" for key in keys)]
    rows = []
    for kind, summaries in by_type.items():
        row = [kind]
        for part in parts:
            summary = summaries.get(part)
            row.append(str(summary.questions) if summary else "0")
            row += [format_value(key, summary) if summary else "–" for key in keys]
        rows.append(row)
    return header, rows


def print_evaluation(console: Console, evaluation: Evaluation) -> None:
    """The metrics overall and by type, or latency alone when the questions have no gold.

    Questions of the held-out protocol are shown part by part, tuning beside held-out.
    """
    summary = evaluation.summary
    if not evaluation.graded:
        console.print(
            f"{summary.questions} questions answered; they have no gold answers or sources, "
            "so only latency is measured."
        )
        rows = overall_rows(summary)[-2:]
    else:
        rows = overall_rows(summary)
    title = f"{summary.questions} questions ({summary.graded} graded)"
    if evaluation.graded and evaluation.split:
        header, rows = part_rows(evaluation.by_part)
        console.print(rich_table(title, header, rows))
        header, rows = type_part_rows(evaluation.by_type_and_part)
        console.print(rich_table("By type and part", header, rows))
        return
    console.print(rich_table(title, ["metric", "value"], rows))
    if evaluation.graded and evaluation.by_type:
        header, rows = group_rows(evaluation.by_type, [key for key, _ in METRICS], compact=True)
        console.print(rich_table("By type", header, rows))


def summary_dict(summary: Summary, keys: Sequence[str] | None = None) -> dict[str, Any]:
    keys = keys or [key for key, _ in METRICS]
    return {
        "questions": summary.questions,
        "graded": summary.graded,
        **{
            key: {
                "value": summary.rates[key].value,
                "total": summary.rates[key].total,
                "n": summary.rates[key].n,
            }
            for key in keys
        },
        "latency_p50_ms": _rounded(summary.latency_p50),
        "latency_p95_ms": _rounded(summary.latency_p95),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def metrics_dict(evaluation: Evaluation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "overall": summary_dict(evaluation.summary),
        "by_type": {t: summary_dict(s) for t, s in evaluation.by_type.items()},
        "failed": [f["id"] for f in failures(evaluation)],
    }
    if evaluation.split:
        out["by_part"] = {p: summary_dict(s) for p, s in evaluation.by_part.items()}
        out["by_type_and_part"] = {
            t: {p: summary_dict(s) for p, s in parts.items()}
            for t, parts in evaluation.by_type_and_part.items()
        }
    return out


def write_metrics(path: Path, evaluation: Evaluation) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics_dict(evaluation), indent=2) + "\n", encoding="utf-8")


def expected_text(question: Mapping[str, Any]) -> str:
    """The gold in words: “Glasgow” or “Glasgow City” and “North Lanarkshire” · sources: …"""
    if question.get("unanswerable"):
        return "an abstention (the papers do not answer this)"
    parts = []
    groups = question.get("answers") or []
    if groups:
        parts.append(" and ".join(" or ".join(f"“{alt}”" for alt in group) for group in groups))
    if question.get("sources"):
        parts.append("sources: " + ", ".join(question["sources"]))
    return " · ".join(parts)


def failures(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Questions with a wrong answer, a citation outside the sources, or an inexact quote.

    Held-out questions are never listed: the held-out part is a figure to read, not a list of
    failures to fix (see `evals.split`).
    """
    out = []
    for question, answer, score, part in zip(
        evaluation.questions, evaluation.answers, evaluation.scores, evaluation.parts, strict=True
    ):
        if part == HELD_OUT:
            continue
        why = list(score.problems) if score.correct is False else []
        if score.citation_hit is False:
            why.append("no citation of a source document")
        if score.quote_exact is False:
            why.append("a quote is not verbatim from its chunk")
        if why:
            out.append(
                {
                    "id": question["id"],
                    "type": score.type,
                    "question": question["question"],
                    "expected": expected_text(question),
                    "got": answer["answer"],
                    "cited": sorted({c["doc_id"] for c in answer.get("citations") or []}),
                    "why": why,
                }
            )
    return out


def write_chart(path: Path, summaries: Mapping[str, Summary]) -> Path:
    """Grouped bars of answer accuracy, citation hit and recall@5 per group, as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(summaries)
    figure = Figure(figsize=(max(6.0, 1.3 * len(names) + 2), 4), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    width = 0.8 / len(CHARTED)
    for i, (key, name) in enumerate(CHARTED):
        values = [summaries[n].rates[key].value for n in names]
        xs = [x + (i - (len(CHARTED) - 1) / 2) * width for x in range(len(names))]
        bars = axes.bar(xs, [100 * (v or 0) for v in values], width, label=name)
        axes.bar_label(bars, [("–" if v is None else f"{100 * v:.0f}") for v in values], fontsize=7)
    axes.set_xticks(range(len(names)), names, rotation=30 if len(names) > 4 else 0, ha="right")
    axes.set_ylim(0, 125)  # headroom for the legend above the 100% bars
    axes.set_yticks(range(0, 101, 20))
    axes.set_ylabel("%")
    axes.set_title("Answer accuracy, citation hit and retrieval recall by question type")
    axes.legend(loc="upper center", ncols=len(CHARTED), fontsize=8, frameon=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path


def write_report(path: Path, evaluation: Evaluation, about: Mapping[str, str]) -> list[Path]:
    """A Markdown report (tables, chart, failed questions) with its PNG chart beside it.

    Returns the files written: the report, and the chart when there was gold to chart.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = evaluation.summary
    lines = [f"# Evaluation of {about.get('question file', 'questions')}", ""]
    lines.extend(f"- {key}: {value}" for key, value in about.items())
    lines.append(f"- questions: {summary.questions} ({summary.graded} with gold)")
    lines.append("")
    if not evaluation.graded:
        lines.append("The questions have no gold answers or sources: only latency is measured.")
        lines.extend(["", markdown_table(["metric", "value"], overall_rows(summary)[-2:]), ""])
        path.write_text("\n".join(lines), encoding="utf-8")
        return [path]

    if evaluation.split:
        header, rows = part_rows(evaluation.by_part)
        lines.extend(["## Tuning and held-out parts", "", markdown_table(header, rows)])
        header, rows = type_part_rows(evaluation.by_type_and_part)
        lines.extend(["", "## By type and part", "", markdown_table(header, rows)])
    else:
        lines.extend(["## Overall", "", markdown_table(["metric", "value"], overall_rows(summary))])
    groups = {"overall": summary, **evaluation.by_type}
    if evaluation.by_type and not evaluation.split:
        header, rows = group_rows(evaluation.by_type, [key for key, _ in METRICS])
        lines.extend(["", "## By type", "", markdown_table(header, rows)])
    chart = write_chart(path.with_suffix(".png"), groups)
    lines.extend(["", f"![Answer accuracy and citation hit by type]({chart.name})", ""])
    lines.extend(_failure_lines(failures(evaluation), evaluation.split))
    lines.extend(["", _definitions(), ""])
    path.write_text("\n".join(lines), encoding="utf-8")
    return [path, chart]


def _failure_lines(failed: Sequence[Mapping[str, Any]], split: bool = False) -> list[str]:
    lines = [f"## Failed questions ({len(failed)})", ""]
    if split:
        lines += ["Held-out questions are not listed: that part is a figure to read.", ""]
    if not failed:
        return [*lines, "None."]
    for f in failed:
        lines.extend(
            [
                f"### {f['id']} · {f['type']}",
                "",
                f"- **Question:** {f['question']}",
                f"- **Expected:** {f['expected']}",
                f"- **Why:** {'; '.join(f['why'])}",
                f"- **Cited:** {', '.join(f['cited']) or 'nothing'}",
                "- **Got:**",
                "",
                *(f"  > {line}" for line in (f["got"] or "(empty)").splitlines()),
                "",
            ]
        )
    return lines


def _definitions() -> str:
    """The counting rules, taken from `evals.metrics` so the report and the code agree."""
    rules = (metrics.__doc__ or "").partition("\n\n")[2]
    return "## How the metrics are counted\n\n" + rules.strip()
