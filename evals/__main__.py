"""`python -m evals`: score the assistant's answers, or compare retrieval modes, on a question file.

    python -m evals run QUESTIONS.jsonl --out ANSWERS.jsonl [--corpus DIR]... [--report REPORT.md]
                                        [--mode hybrid|dense|lexical] [--split FILE | --no-split]
    python -m evals retrieval QUESTIONS.jsonl [--corpus DIR]... [--k 5] [--json]
    python -m evals baseline QUESTIONS.jsonl [--corpus DIR]... [--json]
    python -m evals fit [--set QUESTIONS=DIR[,DIR…]]... [--keep-fusion] [--dry-run]

Questions on papers of the held-out protocol (`evals/questions/split.json`) are reported part by
part, tuning beside held-out; held-out failures are never listed.

Exit status: 0 when the run finished (whatever the scores), 2 for a bad file or argument, 1 when
something else failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from evals.metrics import is_answerable
from evals.questions import QuestionFileError, load_questions
from evals.runner import EvalError, corpus_settings, ensure_index
from evals.split import SPLIT_FILE, Split
from ingest.cli import report_error
from ingest.settings import Settings, SettingsError, load_settings
from retrieval.hybrid import MODES


class UsageError(Exception):
    """A bad file or argument: exit status 2 with this one message."""


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evals",
        description="Evaluate the Committee Papers Assistant on a JSONL file of questions.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "fit",
        help="fit the answerer's weights on the tuning part (see `python -m evals fit --help`)",
        add_help=False,
    )

    commands.add_parser(
        "decisions",
        help="score decision extraction against the hand labels, tuning beside held-out",
        add_help=False,
    )

    run = commands.add_parser(
        "run",
        help="answer every question; score answers, citations and retrieval where there is gold",
        description="Answer every question and write the answers; where the questions have gold, "
        "print the metrics and write them to ANSWERS.metrics.json.",
    )
    run.add_argument("questions", type=Path, help="question file (JSON Lines)")
    run.add_argument("--out", type=Path, required=True, help="answers file to write (JSON Lines)")
    run.add_argument("--report", type=Path, help="also write a Markdown report with a PNG chart")
    run.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval mode")

    retrieval = commands.add_parser(
        "retrieval",
        help="compare hybrid, dense and lexical retrieval (recall@k, doc@1, MRR)",
        description="Search every answerable question in each retrieval mode and compare them.",
    )
    retrieval.add_argument("questions", type=Path, help="question file (JSON Lines)")
    retrieval.add_argument("--k", type=_positive_int, default=5, help="hits per question")
    retrieval.add_argument("--json", action="store_true", help="print machine-readable results")
    retrieval.add_argument(
        "--ablate",
        action="store_true",
        help="also run the hybrid search without each of its stages, to show each one's share",
    )

    baseline = commands.add_parser(
        "baseline",
        help="compare our retrieval with a naive LangChain pipeline on the same questions",
        description="Index the papers a second time the naive way (RecursiveCharacterTextSplitter "
        "1000/200, the same MiniLM, Chroma top-k) and print its context@4/@8 beside our "
        "recall@5/@8, part by part.",
    )
    baseline.add_argument("questions", type=Path, help="question file (JSON Lines)")
    baseline.add_argument("--json", action="store_true", help="print machine-readable results")

    for sub in (run, retrieval, baseline):
        sub.add_argument(
            "--corpus",
            type=Path,
            action="append",
            help="evaluate on this folder of papers (repeat for several), with its own index "
            "under DATA_DIR/evals/ (default: the main index, kept up to date with CPA_CORPUS_DIR)",
        )
        sub.add_argument(
            "--split",
            type=Path,
            default=SPLIT_FILE,
            help="the held-out protocol's split of papers (default: evals/questions/split.json)",
        )
        sub.add_argument(
            "--no-split", action="store_true", help="report all questions together, unsplit"
        )
        sub.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["fit"]:  # its own parser: `python -m evals fit --help`
        from evals.fit import main as fit_main

        return fit_main(argv[1:])
    if argv[:1] == ["decisions"]:  # its own parser: `python -m evals decisions --help`
        from evals.decision_eval import main as decisions_main

        return decisions_main(argv[1:])
    args = build_parser().parse_args(argv)
    err = Console(stderr=True, highlight=False)
    try:
        if args.command == "run":
            return run(args, err)
        if args.command == "baseline":
            return baseline(args, err)
        return compare(args, err)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        return report_error(exc, args.debug, 1)


def run(args: argparse.Namespace, err: Console) -> int:
    from evals.report import print_evaluation, write_metrics, write_report
    from evals.runner import evaluate, write_answers

    questions = _questions(args.questions)
    for option, path in (("--out", args.out), ("--report", args.report)):
        if path is not None and path.is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name.")
    settings = _indexed_settings(args.corpus, err)

    from retrieval.answering import Assistant

    assistant = Assistant.from_settings(settings, args.mode)
    split = _split(args)
    with _progress(err, "answering") as progress:
        try:
            evaluation = evaluate(assistant, questions, progress, split)
        except EvalError as exc:
            raise UsageError(str(exc)) from None
    write_answers(args.out, evaluation.answers)
    written = [args.out]
    out = _stdout()
    print_evaluation(out, evaluation)
    if evaluation.graded:
        metrics_path = args.out.with_suffix(".metrics.json")
        write_metrics(metrics_path, evaluation)
        written.append(metrics_path)
    if args.report:
        about = {
            "question file": str(args.questions),
            "papers": ", ".join(str(c) for c in args.corpus or [settings.corpus_dir]),
            "retrieval mode": args.mode,
            "answer backend": settings.answer_backend,
            "answers": str(args.out),
        }
        written.extend(write_report(args.report, evaluation, about))
    out.print("wrote " + ", ".join(str(p) for p in written), markup=False, soft_wrap=True)
    return 0


def compare(args: argparse.Namespace, err: Console) -> int:
    from evals.report_retrieval import comparison_dict, print_comparison
    from evals.runner import compare_modes, question_parts, retrievers_for_modes

    questions = _questions(args.questions)
    if not any(is_answerable(q) for q in questions):
        raise UsageError(
            f"{args.questions} has no answerable questions with `answers` or `sources`; "
            "retrieval is scored against them."
        )
    settings = _indexed_settings(args.corpus, err)
    try:
        parts = dict(
            zip((q["id"] for q in questions), question_parts(questions, _split(args)), strict=True)
        )
    except EvalError as exc:
        raise UsageError(str(exc)) from None
    retrievers = retrievers_for_modes(settings, MODES, ablate=args.ablate)
    with _progress(err, "searching") as progress:
        results = compare_modes(
            retrievers,
            questions,
            args.k,
            (lambda mode, d, t: progress(d, t, mode)) if progress else None,
        )
    if args.json:
        print(json.dumps(comparison_dict(results, questions, args.k, parts), indent=2))
    else:
        print_comparison(_stdout(), results, questions, args.k, parts)
    return 0


def baseline(args: argparse.Namespace, err: Console) -> int:
    from evals.baseline import NaiveLangChainPipeline, compare_with_baseline
    from evals.report_retrieval import baseline_dict, print_baseline
    from evals.runner import question_parts
    from retrieval.service import build_retriever

    questions = _questions(args.questions)
    if not any(is_answerable(q) and q.get("answers") for q in questions):
        raise UsageError(f"{args.questions} has no answerable questions with `answers`.")
    settings = _indexed_settings(args.corpus, err)
    try:
        parts = question_parts(questions, _split(args))
    except EvalError as exc:
        raise UsageError(str(exc)) from None
    retriever = build_retriever(settings)
    pipeline = NaiveLangChainPipeline(retriever.embedder)
    err.print("indexing the papers the naive way …", markup=False)
    pipeline.index(args.corpus or [settings.corpus_dir])
    rows = compare_with_baseline(retriever, pipeline, questions)
    part_of = {q["id"]: p for q, p in zip(questions, parts, strict=True)}
    if args.json:
        print(json.dumps(baseline_dict(rows, part_of, pipeline.chunks), indent=2))
    else:
        print_baseline(_stdout(), rows, part_of, pipeline.chunks)
    return 0


def _stdout() -> Console:
    """The terminal's width; 120 columns when writing to a file or a CI log, so tables fit."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def _questions(path: Path) -> list[dict]:
    try:
        return load_questions(path, warn=lambda text: print(f"warning: {text}", file=sys.stderr))
    except QuestionFileError as exc:
        raise UsageError(str(exc)) from None


def _split(args: argparse.Namespace) -> Split | None:
    if args.no_split:
        return None
    try:
        return Split.load(args.split)
    except FileNotFoundError:
        if args.split != SPLIT_FILE:
            raise UsageError(f"--split {args.split} does not exist.") from None
        return None
    except (ValueError, KeyError) as exc:
        raise UsageError(f"--split {args.split} is not a split file ({exc}).") from None


def _indexed_settings(corpus: list[Path] | None, err: Console) -> Settings:
    """Settings whose index is up to date with the papers: `corpus`'s own, or the main one."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    if corpus:
        for folder in corpus:
            if not folder.is_dir():
                raise UsageError(f"--corpus {folder} is not a folder.")
        settings = corpus_settings(settings, corpus)
    elif not settings.corpus_dir.is_dir():
        raise UsageError(
            f"the papers folder {settings.corpus_dir} (CPA_CORPUS_DIR) does not exist; "
            "set CPA_CORPUS_DIR or pass --corpus."
        )
    try:
        # An index of --corpus belongs to evals alone, so papers removed from the folder go too.
        ensure_index(
            settings,
            corpus or settings.corpus_dir,
            prune=bool(corpus),
            echo=lambda line: err.print(line, markup=False, soft_wrap=True),
        )
    except EvalError as exc:
        raise UsageError(str(exc)) from None
    return settings


@contextmanager
def _progress(console: Console, what: str) -> Iterator[Callable[..., None] | None]:
    """A transient progress bar on an interactive terminal; nothing otherwise."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def step(done: int, total: int, label: str = what) -> None:
            bar.update(task, completed=done, total=total, description=label)

        yield step


if __name__ == "__main__":
    sys.exit(main())
