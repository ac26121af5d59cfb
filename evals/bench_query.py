"""Query benchmark: search and ask latency on the corpus/ index, printed beside the targets.

    python -m evals.bench_query [--repeat 5] [--questions evals/questions/dev.jsonl]

Brings the default index up to date with corpus/ (building it if missing), warms up (model,
catalog, lexical index and one untimed pass over the questions), then times `retriever.search` and
`assistant.answer` (default settings: the extractive answerer) over the dev-set questions for
several repetitions. Prints median and p95 in ms; the targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.metrics import percentile
from evals.questions import QuestionFileError, load_questions

DEV_SET = Path(__file__).resolve().parent / "questions" / "dev.jsonl"
SEARCH_TARGET_MS = 50.0
ASK_TARGET_MS = 150.0


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def target_line(name: str, times: Sequence[float], target: float) -> str:
    median, p95 = percentile(times, 50), percentile(times, 95)
    verdict = "met" if median < target else "MISSED"
    return (
        f"  {name:<6}  median {median:7.1f} ms   p95 {p95:7.1f} ms   "
        f"target: median < {target:.0f} ms ({verdict})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_query")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the questions")
    parser.add_argument("--questions", type=Path, default=DEV_SET, help="question file (JSONL)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    from evals.runner import ensure_index
    from ingest.examples import ExamplesError, corpus_examples
    from ingest.settings import load_settings
    from retrieval.answering import Assistant

    settings = load_settings()
    try:
        if args.questions.exists():
            questions = load_questions(args.questions)
            origin = str(args.questions)
        else:
            questions = list(corpus_examples(settings.corpus_dir).benchmark)
            origin = f"examples beside {settings.corpus_dir}; {args.questions} is not there"
    except (QuestionFileError, ExamplesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not questions:
        print(
            f"error: no questions: {args.questions} is missing and so are examples.",
            file=sys.stderr,
        )
        return 2
    ensure_index(settings, settings.corpus_dir)
    assistant = Assistant.from_settings(settings)
    retriever = assistant.retriever
    k = settings.top_k

    def search(q: dict[str, Any]) -> None:
        retriever.search(q["question"], history=q.get("history"), k=k)

    def ask(q: dict[str, Any]) -> None:
        assistant.answer(q["question"], history=q.get("history"))

    assistant.warm_up()
    for q in questions:  # first encodes and the answerer's lazily built statistics
        ask(q)

    search_ms: list[float] = []
    ask_ms: list[float] = []
    for _ in range(args.repeat):
        for q in questions:
            search_ms.append(timed(lambda q=q: search(q)))
            ask_ms.append(timed(lambda q=q: ask(q)))

    print(
        f"query benchmark: {len(questions)} questions × {args.repeat} repetitions ({origin}), "
        f"top {k}, answer backend {settings.answer_backend}"
    )
    print(target_line("search", search_ms, SEARCH_TARGET_MS))
    print(target_line("ask", ask_ms, ASK_TARGET_MS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
