"""Scale benchmark: cost and accuracy of the product against corpus size, beside the naive baseline.

    python -m evals.bench [--scales 1000,10000,100000] [--out data/bench] [--clients 8]

For each scale, a synthetic archive (`evals.synthetic`) is written and indexed from scratch in a
child process, so each scale's peak memory is its own. The child measures ingest (pages/s,
chunks/s, the encoder's own time and the time outside it), the index size on disk, warm search and
ask latency (sequential, then with concurrent clients through the same Python API the UI and HTTP
API call) and planted-answer accuracy. A second child times startup with the index already built;
a third runs the naive LangChain pipeline (`evals.baseline`) over the same papers and questions.
Embeddings are cached on disk by content (`evals.embed_cache`), so only the first build of an
archive pays the encoder; the encoder's time is still reported, as measured when it was paid.

Writes OUT/bench.json and OUT/bench.png (latency and accuracy against corpus size) and prints a
table. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from evals.metrics import answer_correct, percentile, recall, reciprocal_rank

DEFAULT_SCALES = (1000, 10000, 100000)
TARGETS = {
    "ask_p50_ms": 300,
    "ask_p95_ms": 800,
    "ask_concurrent_p95_ms": 2000,
    "startup_s": 10,
    "outside_encoder_share": 0.20,
}


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": model or platform.processor(),
        "cores": len(os.sched_getaffinity(0)),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def peak_memory_mb() -> float:
    """Peak resident memory of this process and of its finished children (the PDF workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def _latency(times: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(times, 50), 1), "p95": round(percentile(times, 95), 1)}


def _paths(out: Path, scale: int) -> tuple[Path, Path]:
    return out / f"papers-{scale}", out / f"index-{scale}"


def _settings(data_dir: Path):
    from ingest.settings import load_settings

    return load_settings(os.environ, data_dir=data_dir)


def run_scale(out: Path, scale: int, seed: int, repeat: int, clients: int) -> dict[str, Any]:
    """Generate, index from scratch, then time and score questions at one scale (in this process)."""
    from evals.embed_cache import CachedEmbedder
    from evals.questions import load_questions
    from evals.synthetic import generate
    from ingest.service import build_ingester
    from retrieval.answering import Assistant

    papers, data_dir = _paths(out, scale)
    made = generate(papers, scale, seed)
    shutil.rmtree(data_dir, ignore_errors=True)
    settings = _settings(data_dir)
    ingester = build_ingester(settings)
    cached = CachedEmbedder(ingester.embedder, out / "embeddings.sqlite")
    ingester.embedder = cached
    started = time.perf_counter()
    summary = ingester.run([papers])
    ingest_s = time.perf_counter() - started
    # The model's load is the encoder's own cost (it overlaps parsing); so is every embed call.
    outside = ingest_s - cached.wall_seconds - summary.load_seconds
    result: dict[str, Any] = {
        "scale": scale,
        "papers": made["papers"],
        "pages": summary.pages,
        "chunks": summary.chunks,
        "failed": summary.failed,
        "ingest_s": round(ingest_s, 1),
        "pages_per_s": round(summary.pages / ingest_s, 1),
        "chunks_per_s": round(summary.chunks / ingest_s, 1),
        "encoder_s": round(cached.encoder_seconds, 1),
        "encoder_fresh_s": round(cached.encode_seconds, 1),
        "model_load_s": round(summary.load_seconds, 1),
        "outside_encoder_s": round(outside, 1),
        "outside_encoder_share": round(outside / max(cached.encoder_seconds, 1e-9), 3),
        "index_mb": folder_mb(data_dir),
    }
    del ingester

    questions = load_questions(papers / "questions.jsonl")
    assistant = Assistant.from_settings(settings)
    retriever, k = assistant.retriever, settings.top_k
    assistant.warm_up()
    for q in questions:  # first encodes and lazily built statistics are not timed
        assistant.answer(q["question"])
    search_ms, ask_ms, answers, firsts = [], [], {}, {}
    for _ in range(repeat):
        for q in questions:
            t = time.perf_counter()
            hits = retriever.search(q["question"], k=k)
            search_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            answers[q["id"]] = assistant.answer(q["question"]).to_dict()
            ask_ms.append((time.perf_counter() - t) * 1000)
            firsts[q["id"]] = hits
    concurrent_ms = concurrent_asks(assistant, questions, clients)
    correct = [bool(answer_correct(q, answers[q["id"]])) for q in questions]
    first_doc = [
        bool(firsts[q["id"]]) and reciprocal_rank(q["sources"], [firsts[q["id"]][0].doc_id]) == 1
        for q in questions
    ]
    result |= {
        "questions": len(questions),
        "search_ms": _latency(search_ms),
        "ask_ms": _latency(ask_ms),
        "ask_concurrent_ms": _latency(concurrent_ms),
        "clients": clients,
        "accuracy": round(sum(correct) / len(questions), 3),
        "right_paper_first": round(sum(first_doc) / len(questions), 3),
        "recall_at_4": round(
            sum(recall(q["answers"], [h.text for h in firsts[q["id"]][:4]]) for q in questions)
            / len(questions),
            3,
        ),
        "peak_memory_mb": peak_memory_mb(),
    }
    return result


def concurrent_asks(assistant, questions: list[dict], clients: int) -> list[float]:
    """Each client asks every question once, in its own order, all clients at the same time."""

    def client(n: int) -> list[float]:
        order = list(questions)
        random.Random(n).shuffle(order)
        times = []
        for q in order:
            t = time.perf_counter()
            assistant.answer(q["question"])
            times.append((time.perf_counter() - t) * 1000)
        return times

    with ThreadPoolExecutor(clients) as pool:
        return [ms for times in pool.map(client, range(clients)) for ms in times]


def run_startup(out: Path, scale: int) -> dict[str, Any]:
    """In a fresh process: open the existing index and answer one question."""
    from evals.questions import load_questions
    from retrieval.answering import Assistant

    papers, data_dir = _paths(out, scale)
    question = load_questions(papers / "questions.jsonl")[0]["question"]
    assistant = Assistant.from_settings(_settings(data_dir))
    assistant.warm_up()
    assistant.answer(question)
    return {"peak_memory_mb": peak_memory_mb()}


def run_baseline(out: Path, scale: int) -> dict[str, Any]:
    """The naive LangChain pipeline over the same papers and questions, with the same encoder."""
    from evals.baseline import NaiveLangChainPipeline
    from evals.embed_cache import CachedEmbedder
    from evals.questions import load_questions
    from ingest.service import build_embedder

    papers, data_dir = _paths(out, scale)
    settings = _settings(data_dir)
    cached = CachedEmbedder(build_embedder(settings), out / "embeddings.sqlite")
    pipeline = NaiveLangChainPipeline(cached)
    started = time.perf_counter()
    chunks = pipeline.index([papers])
    index_s = time.perf_counter() - started
    questions = load_questions(papers / "questions.jsonl")
    pipeline.embedder = cached.inner  # questions are encoded, never looked up
    for q in questions:
        pipeline.search(q["question"], k=4)
    search_ms, context, first = [], [], []
    for q in questions:
        t = time.perf_counter()
        hits = pipeline.search(q["question"], k=4)
        search_ms.append((time.perf_counter() - t) * 1000)
        context.append(recall(q["answers"], [text for _, text in hits]))
        first.append(bool(hits) and reciprocal_rank(q["sources"], [hits[0][0]]) == 1)
    return {
        "chunks": chunks,
        "index_s": round(index_s, 1),
        "encoder_s": round(cached.encoder_seconds, 1),
        "search_ms": _latency(search_ms),
        "context_at_4": round(sum(context) / len(questions), 3),
        "right_paper_first": round(sum(first) / len(questions), 3),
        "peak_memory_mb": peak_memory_mb(),
    }


def _child(stage: str, out: Path, scale: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, "-m", "evals.bench", "--stage", stage, "--out", str(out)]
    command += ["--scales", str(scale), "--seed", str(args.seed), "--repeat", str(args.repeat)]
    command += ["--clients", str(args.clients)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the {stage} stage at {scale} chunks failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = round(seconds, 1)
    return result


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chunks = [r["chunks"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(chunks, [r["ask_ms"]["p50"] for r in results], "o-", label="ask p50")
    left.plot(chunks, [r["ask_ms"]["p95"] for r in results], "o-", label="ask p95")
    left.plot(
        chunks, [r["ask_concurrent_ms"]["p95"] for r in results], "o--", label="ask p95, 8 clients"
    )
    if all("baseline" in r for r in results):
        left.plot(
            chunks, [r["baseline"]["search_ms"]["p50"] for r in results], "s:", label="baseline p50"
        )
    left.set(xscale="log", xlabel="chunks", ylabel="ms", title="Latency (warm)")
    left.legend()
    right.plot(chunks, [100 * r["accuracy"] for r in results], "o-", label="answer accuracy")
    right.plot(
        chunks, [100 * r["right_paper_first"] for r in results], "o-", label="right paper first"
    )
    if all("baseline" in r for r in results):
        right.plot(
            chunks,
            [100 * r["baseline"]["context_at_4"] for r in results],
            "s:",
            label="baseline context@4",
        )
    right.set(xscale="log", xlabel="chunks", ylabel="%", ylim=(0, 105), title="Planted answers")
    right.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def report(results: list[dict[str, Any]], info: dict[str, Any]) -> str:
    lines = [f"scale benchmark on {info['cpu']} ({info['cores']} cores, {info['memory_gib']} GiB)"]
    head = f"{'chunks':>8} {'pages/s':>8} {'chunks/s':>8} {'outside':>8} {'index MB':>9} {'peak MB':>8} {'start s':>8}"
    head += f" {'search p50/p95':>15} {'ask p50/p95':>13} {'8 clients p95':>13} {'accuracy':>9} {'first':>6}"
    lines.append(head)
    for r in results:
        lines.append(
            f"{r['chunks']:>8} {r['pages_per_s']:>8} {r['chunks_per_s']:>8} "
            f"{100 * r['outside_encoder_share']:>7.0f}% {r['index_mb']:>9} {r['peak_memory_mb']:>8} "
            f"{r['startup_s']:>8} {r['search_ms']['p50']:>7}/{r['search_ms']['p95']:<7} "
            f"{r['ask_ms']['p50']:>6}/{r['ask_ms']['p95']:<6} {r['ask_concurrent_ms']['p95']:>13} "
            f"{100 * r['accuracy']:>8.0f}% {100 * r['right_paper_first']:>5.0f}%"
        )
    if all("baseline" in r for r in results):
        lines.append("naive LangChain baseline (same papers, questions and encoder; top 4):")
        for r in results:
            b = r["baseline"]
            lines.append(
                f"{r['chunks']:>8} chunks: baseline {b['chunks']} chunks, context@4 "
                f"{100 * b['context_at_4']:.0f}% vs our answer accuracy {100 * r['accuracy']:.0f}% "
                f"(ratio {r['accuracy'] / max(b['context_at_4'], 1e-9):.2f}) and recall@4 "
                f"{100 * r['recall_at_4']:.0f}%; search p50 "
                f"{b['search_ms']['p50']} ms vs our ask p50 {r['ask_ms']['p50']} ms "
                f"(ratio {r['ask_ms']['p50'] / max(b['search_ms']['p50'], 1e-9):.2f})"
            )
    top, low = results[-1], results[0]
    lines.append(
        f"targets at {top['chunks']} chunks: ask p50 {top['ask_ms']['p50']} ms ≤ 300 "
        f"({_verdict(top['ask_ms']['p50'], 300)}), p95 {top['ask_ms']['p95']} ms ≤ 800 "
        f"({_verdict(top['ask_ms']['p95'], 800)}), 8 clients p95 {top['ask_concurrent_ms']['p95']} "
        f"ms ≤ 2000 ({_verdict(top['ask_concurrent_ms']['p95'], 2000)}), startup "
        f"{top['startup_s']} s ≤ 10 ({_verdict(top['startup_s'], 10)}), accuracy within 5 points "
        f"of {low['chunks']} chunks ({_verdict(100 * (low['accuracy'] - top['accuracy']), 5)}); "
        "outside the encoder ≤ 20% at every scale ("
        + _verdict(max(r["outside_encoder_share"] for r in results), 0.2)
        + ")"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench")
    parser.add_argument("--scales", default=",".join(map(str, DEFAULT_SCALES)))
    parser.add_argument("--out", type=Path, default=Path("data/bench"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2, help="timed passes over the questions")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--stage", choices=("scale", "startup", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        scales = [int(s) for s in args.scales.split(",")]
    except ValueError:
        parser.error("--scales takes chunk counts separated by commas, e.g. 1000,10000")
    if args.stage:
        stage = {
            "scale": lambda: run_scale(args.out, scales[0], args.seed, args.repeat, args.clients),
            "startup": lambda: run_startup(args.out, scales[0]),
            "baseline": lambda: run_baseline(args.out, scales[0]),
        }[args.stage]
        print(json.dumps(stage()))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    info = machine()
    results = []
    for scale in scales:
        print(f"scale {scale}: indexing and timing …", file=sys.stderr, flush=True)
        result = _child("scale", args.out, scale, args)
        result["startup_s"] = _child("startup", args.out, scale, args)["process_s"]
        if not args.no_baseline:
            print(f"scale {scale}: the naive baseline …", file=sys.stderr, flush=True)
            result["baseline"] = _child("baseline", args.out, scale, args)
        results.append(result)
        (args.out / "bench.json").write_text(
            json.dumps(
                {"date": time.strftime("%Y-%m-%d"), "machine": info, "results": results}, indent=1
            )
        )
    plot(results, args.out / "bench.png")
    print(report(results, info))
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
