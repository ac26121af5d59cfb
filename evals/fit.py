"""Fit the extractive answerer's weights on the tuning part of the question sets.

    python -m evals fit [--set QUESTIONS=DIR[,DIR…]]… [--dry-run]

Three steps, all on tuning questions only (held-out questions are never read):

1. The unit model: a logistic regression from each candidate unit's features to whether the unit
   holds a gold answer, each question weighing the same however many units it has.
2. The abstention model: a logistic regression from each question's features (computed with the
   fitted unit model) to whether it is unanswerable, the classes balanced.
3. The thresholds: the abstention threshold and the companion share are chosen on a grid to
   maximise answer accuracy with at most 5% false abstention, judged on out-of-fold abstention
   probabilities (each question's from a model fitted without its fold).

The fitted record is written to `retrieval/weights.json` with the command, the date and what it
was fitted on.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.answer_models import (  # noqa: F401 - the fit's pieces, also used by tests
    NULL,
    Case,
    TuningSet,
    choose_thresholds,
    fit_answerer,
    label_of,
)
from evals.questions import load_questions
from evals.split import HELD_OUT, Split
from retrieval.scoring import WEIGHTS_FILE, Weights

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# (question file, the folders its papers are in): the sets the weights are fitted on.
DEFAULT_SETS = (
    (REPO / "evals" / "questions" / "dev.jsonl", (REPO / "corpus",)),
    (REPO / "evals" / "questions" / "realworld.jsonl", (SHARED / "realdocs", SHARED / "realdocs2")),
    (REPO / "evals" / "questions" / "realdocs.jsonl", (SHARED / "realdocs",)),
)


def load_sets(sets, settings, echo=print) -> list[TuningSet]:
    """Each set's tuning questions, with its index brought up to date (held-out never read)."""
    from evals.runner import corpus_settings, ensure_index
    from retrieval.service import build_retriever

    split = Split.load()
    out: list[TuningSet] = []
    embedder = None
    for path, folders in sets:
        folders = [Path(f) for f in folders]
        if not all(f.is_dir() for f in folders):
            echo(f"skipping {path}: {', '.join(str(f) for f in folders if not f.is_dir())} missing")
            continue
        questions = [q for q in load_questions(path) if split.part_of_question(q) != HELD_OUT]
        own = corpus_settings(settings, folders)
        ensure_index(own, folders, prune=True, echo=echo)
        base = build_retriever(own, embedder=embedder)
        embedder = base.embedder
        base.warm_up()
        out.append(TuningSet(Path(path).stem, questions, base))
        echo(f"{path}: {len(questions)} tuning questions")
    return out


def load_cases(sets: Sequence[TuningSet], constants: Mapping[str, float], k: int) -> list[Case]:
    """Search every tuning question once with these retrieval constants."""
    cases: list[Case] = []
    for tuning in sets:
        retriever = tuning.retriever(**constants)
        for q in tuning.questions:
            result = retriever.search(q["question"], history=q.get("history"), k=k)
            cases.append(
                Case(q, result.rewritten_query or q["question"], result, retriever.catalog())
            )
    return cases


def recall_at(sets: Sequence[TuningSet], constants: Mapping[str, float], k: int) -> float:
    """Share of answerable tuning questions with every answer group in the top k hits."""
    from evals.metrics import recall

    found = total = 0
    for tuning in sets:
        retriever = tuning.retriever(**constants)
        for q in tuning.questions:
            if q.get("unanswerable") or not q.get("answers"):
                continue
            hits = retriever.search(q["question"], history=q.get("history"), k=k)
            found += recall(q["answers"], [h.text for h in hits])
            total += 1
    return found / max(total, 1)


# Coordinate descent over the fusion constants, on tuning recall@k; the context each hit is
# widened with is chosen end to end, on answer accuracy, since more text always recalls more.
FUSION_GRID = {
    "rrf_k": (5, 10, 20),
    "dense_weight": (0.0, 0.1, 0.2, 0.3, 0.5, 0.8),
    "paper_weight": (0.0, 1.0, 2.0, 4.0),
}
CONTEXT_CHOICES = (0, 1500, 2500)


def fit_fusion(sets, k: int, echo=print) -> dict[str, Any]:
    """The fusion constants by coordinate descent, then each stage dropped where tuning recall
    is at least as good without it (a stage must earn its place)."""
    from retrieval.hybrid import STAGES

    constants: dict[str, Any] = {"rrf_k": 10, "dense_weight": 0.5, "paper_weight": 1.0}
    best = recall_at(sets, constants, k)
    for _round in range(2):
        changed = False
        for name, values in FUSION_GRID.items():
            for value in values:
                if value == constants[name]:
                    continue
                trial = {**constants, name: value}
                score = recall_at(sets, trial, k)
                if score > best + 1e-9:
                    best, constants, changed = score, trial, True
        echo(f"fusion constants {constants}: tuning recall@{k} {best:.3f}")
        if not changed:
            break
    stages = [s for s in STAGES if s != "context"]  # context is chosen on answer accuracy
    for stage in list(stages):
        trial = {**constants, "stages": [s for s in stages if s != stage] + ["context"]}
        score = recall_at(sets, trial, k)
        if score >= best - 1e-9:
            stages.remove(stage)
            best = score
            echo(f"without the {stage} stage: tuning recall@{k} {score:.3f}; dropped")
    return {**constants, "stages": [*stages, "context"]}


def fit(
    sets,
    settings,
    echo=print,
    fusion: Mapping[str, float] | None = None,
    contexts: Sequence[int] = CONTEXT_CHOICES,
    command: str = "python -m evals fit",
) -> Weights:
    """Fit everything on the tuning part; with `fusion`, keep those fusion constants. `command`
    is recorded with the weights, as the way to reproduce them."""
    tuning = load_sets(sets, settings, echo)
    if not tuning:
        raise SystemExit("error: no tuning questions to fit on.")
    if fusion is None:
        fusion = fit_fusion(tuning, settings.top_k, echo)
    else:
        fusion = {k: v for k, v in fusion.items() if k != "context_chars"}
    best = None
    for context in contexts:
        constants = {**fusion, "context_chars": context}
        cases = load_cases(tuning, constants, settings.top_k)
        weights, (acc, false), units = fit_answerer(cases, echo)
        echo(f"context {context} characters: tuning accuracy {acc:.3f}")
        if best is None or acc > best[0]:
            best = (acc, false, units, len(cases), replace(weights, retrieval=constants))
    acc, false, units, questions, weights = best
    return replace(
        weights,
        fitted={
            "command": command,
            "date": _dt.date.today().isoformat(),
            "sets": [_shown(p) for p, _ in sets],
            "tuning_questions": questions,
            "units": units,
            "tuning_accuracy": round(acc, 4),
            "tuning_false_abstention": round(false, 4),
        },
    )


def _shown(path) -> str:
    """A question file as the record names it: relative to the repository where it is inside."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _parse_set(text: str) -> tuple[Path, tuple[Path, ...]]:
    questions, _, folders = text.partition("=")
    if not folders:
        raise argparse.ArgumentTypeError("give QUESTIONS=DIR[,DIR…]")
    return Path(questions), tuple(Path(f) for f in folders.split(","))


def main(argv: list[str] | None = None) -> int:
    from ingest.settings import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m evals fit",
        description="Fit the answerer's weights and the retrieval constants on the tuning part "
        "of the question sets (held-out questions are never read); writes retrieval/weights.json.",
    )
    parser.add_argument("--set", type=_parse_set, action="append", help="QUESTIONS=DIR[,DIR…]")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the weights")
    parser.add_argument(
        "--keep-fusion",
        action="store_true",
        help="keep the fusion constants of the current weights (refit the answerer only)",
    )
    parser.add_argument(
        "--context",
        type=int,
        action="append",
        help=f"characters of context to try (default: {', '.join(map(str, CONTEXT_CHOICES))})",
    )
    args = parser.parse_args(argv)
    sets = args.set or list(DEFAULT_SETS)
    fusion = Weights.load().retrieval if args.keep_fusion and WEIGHTS_FILE.exists() else None
    weights = fit(
        sets,
        load_settings(),
        echo=lambda line: print(line, file=sys.stderr),
        fusion=fusion,
        contexts=args.context or CONTEXT_CHOICES,
        command=shlex.join(
            ["python", "-m", "evals", "fit", *(sys.argv[1:] if argv is None else argv)]
        ),
    )
    for name, value in sorted(weights.unit.items(), key=lambda kv: -abs(kv[1])):
        print(f"unit     {name:24} {value:+.3f}")
    for name, value in sorted(weights.abstain.items(), key=lambda kv: -abs(kv[1])):
        print(f"abstain  {name:24} {value:+.3f}")
    print(
        f"abstain threshold {weights.abstain_threshold}, typed floor {weights.typed_floor}, "
        f"companion {weights.companion}"
    )
    print(f"retrieval {weights.retrieval}")
    print(f"fitted: {weights.fitted}")
    if not args.dry_run:
        weights.save(WEIGHTS_FILE)
        print(f"wrote {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
