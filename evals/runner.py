"""Running questions through the assistant (or the retriever alone) and scoring what comes back.

>>> settings = corpus_settings(load_settings(), Path("other-papers"))  # its own index
>>> ensure_index(settings, Path("other-papers"), prune=True)            # doctest: +SKIP
>>> evaluation = evaluate(Assistant.from_settings(settings), questions)  # doctest: +SKIP
>>> evaluation.summary.value("correct")                                  # doctest: +SKIP
0.9
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from evals.metrics import (
    RECALL_DEPTH,
    UNTYPED,
    Score,
    Summary,
    is_answerable,
    is_graded,
    retrieval_fields,
    score_answer,
    summarise,
    summarise_by_type,
)
from evals.split import PARTS, Split, SplitError
from ingest.settings import Settings

UNSPLIT = "other"  # questions on papers outside the held-out protocol (e.g. the dev set)

Progress = Callable[[int, int], None]  # (done, total)


class EvalError(RuntimeError):
    """The evaluation cannot go on; the message says which question or folder and why."""


# -- the index ----------------------------------------------------------------------------------


def corpus_settings(settings: Settings, corpus: Path | Sequence[Path]) -> Settings:
    """Settings for a separate index of one or more folders under DATA_DIR/evals/<names>-<hash>.

    A Chroma server (CHROMA_URL) gets a separate collection too, so the main one is never touched.
    """
    folders = [Path(corpus)] if isinstance(corpus, (str, Path)) else [Path(c) for c in corpus]
    resolved = [f.resolve() for f in folders]
    key = "\n".join(str(r) for r in resolved)
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    overrides: dict[str, Any] = {
        "data_dir": settings.data_dir / "evals" / f"{'+'.join(r.name for r in resolved)}-{digest}",
        "corpus_dir": folders[0],
    }
    if settings.chroma_url:
        overrides["collection"] = f"{settings.collection}-eval-{digest}"
    return replace(settings, **overrides)


def ensure_index(
    settings: Settings,
    corpus: Path | Sequence[Path],
    prune: bool = False,
    echo: Callable[[str], None] = print,
    ingester=None,
):
    """Bring the index up to date with one or more folders (unchanged files are skipped by hash).

    Echoes one summary line and one line per failed file; raises EvalError when the index ends up
    empty. `prune` drops papers no longer in the folders: right for an index only evals own.
    """
    folders = [Path(corpus)] if isinstance(corpus, (str, Path)) else [Path(c) for c in corpus]
    for folder in folders:
        if not folder.is_dir():
            raise EvalError(f"{folder} is not a folder of papers.")
    if ingester is None:
        from ingest.service import build_ingester

        ingester = build_ingester(settings)
    summary = ingester.run(folders, prune=prune)
    present = [f for f in summary.files if f.status in ("ingested", "skipped")]
    chunks = sum(f.chunks for f in present)
    where = settings.chroma_url or settings.index_dir
    echo(
        f"index of {', '.join(str(f) for f in folders)}: {len(present)} papers "
        f"({summary.documents} ingested, {summary.skipped} unchanged, {summary.failed} failed), "
        f"{chunks} chunks, at {where} in {summary.seconds:.1f} s"
    )
    for f in summary.files:
        if f.status == "failed":
            echo(f"  FAILED {f.path}: {f.reason}")
    if not ingester.store.document_records():
        raise EvalError(f"the index of {folders[0]} holds no papers; add papers to the folder.")
    return summary


# -- answering --------------------------------------------------------------------------------


def answer_questions(
    assistant, questions: Sequence[Mapping[str, Any]], progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Each question's `Answer.to_dict()` with the question's `id` first."""
    answers = []
    for done, question in enumerate(questions, 1):
        try:
            answer = assistant.answer(question["question"], history=question.get("history"))
        except Exception as exc:
            raise EvalError(f"question {question['id']!r} failed: {exc}") from exc
        answers.append({"id": question["id"], **answer.to_dict()})
        if progress:
            progress(done, len(questions))
    return answers


def chunk_lookups(
    catalog, answers: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, str], dict[str, str]]:
    """For the chunks the answers cite: their text; for the hits they retrieved: the evidence
    the answerer saw (the lead, then the chunk with the context assembled around it)."""
    texts: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for answer in answers:
        for citation in answer.get("citations") or []:
            chunk = catalog.chunk(citation["chunk_id"])
            if chunk is not None:
                texts[chunk.id] = chunk.text
        for hit in answer.get("retrieved") or []:
            chunk = catalog.chunk(hit["chunk_id"])
            if chunk is None:
                continue
            texts[chunk.id] = chunk.text
            around = [catalog.chunk(i) for i in hit.get("context") or []]
            pieces = [c for c in around if c is not None and c.position < chunk.position]
            pieces += [chunk, *(c for c in around if c is not None and c.position > chunk.position)]
            body = "\n".join(c.text for c in pieces)
            evidence[chunk.id] = f"{chunk.lead}\n{body}" if chunk.lead else body
    return texts, evidence


def score_answers(
    questions: Sequence[Mapping[str, Any]], answers: Sequence[Mapping[str, Any]], catalog
) -> list[Score]:
    texts, evidence = chunk_lookups(catalog, answers)
    return [
        score_answer(q, a, texts, evidence, RECALL_DEPTH)
        for q, a in zip(questions, answers, strict=True)
    ]


@dataclass
class Evaluation:
    """Questions, their answers and scores, in the same order, and each question's part of the
    held-out protocol ("tuning", "held-out", or "" for papers outside the split)."""

    questions: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    scores: list[Score]
    parts: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.parts:
            self.parts = [""] * len(self.questions)

    @property
    def graded(self) -> bool:
        return any(s.graded for s in self.scores)

    @property
    def split(self) -> bool:
        """Whether any question belongs to the held-out protocol."""
        return any(self.parts)

    @cached_property
    def summary(self) -> Summary:
        return summarise(self.scores)

    @cached_property
    def by_type(self) -> dict[str, Summary]:
        """Per-type summaries, empty when the questions have no types."""
        if all(s.type == UNTYPED for s in self.scores):
            return {}
        return summarise_by_type(self.scores)

    def part_scores(self, part: str) -> list[Score]:
        return [s for s, p in zip(self.scores, self.parts, strict=True) if p == part]

    @cached_property
    def by_part(self) -> dict[str, Summary]:
        """Summaries of the tuning and held-out parts (and of unsplit questions, if any)."""
        order = [*PARTS, ""]
        present = [p for p in order if p in self.parts]
        return {(p or UNSPLIT): summarise(self.part_scores(p)) for p in present}

    @cached_property
    def by_type_and_part(self) -> dict[str, dict[str, Summary]]:
        """{type: {part: summary}} for the parts present."""
        out: dict[str, dict[str, Summary]] = {}
        for part, name in ((p, p or UNSPLIT) for p in [*PARTS, ""] if p in self.parts):
            for kind, summary in summarise_by_type(self.part_scores(part)).items():
                out.setdefault(kind, {})[name] = summary
        return out


def question_parts(questions: Sequence[Mapping[str, Any]], split: Split | None) -> list[str]:
    """Each question's part under `split` ("" when it is outside the split or there is none)."""
    if split is None:
        return [""] * len(questions)
    try:
        return [split.part_of_question(q) or "" for q in questions]
    except SplitError as exc:
        raise EvalError(str(exc)) from None


def evaluate(
    assistant,
    questions: Sequence[Mapping[str, Any]],
    progress: Progress | None = None,
    split: Split | None = None,
) -> Evaluation:
    """Warm the assistant up (so no answer's latency includes loading), answer, score."""
    parts = question_parts(questions, split)
    assistant.warm_up()
    if questions:
        # One untimed answer: the first encode and the answerer's lazily built statistics
        # would otherwise land in the first question's latency.
        assistant.answer(questions[0]["question"], history=questions[0].get("history"))
    answers = answer_questions(assistant, questions, progress)
    scores = score_answers(questions, answers, assistant.retriever.catalog())
    return Evaluation(list(questions), answers, scores, parts)


def write_answers(path: Path, answers: Sequence[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for answer in answers:
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")


# -- retrieval alone ----------------------------------------------------------------------------


def score_search(
    retriever, questions: Sequence[Mapping[str, Any]], k: int, progress: Progress | None = None
) -> list[Score]:
    """recall@k, doc@1 and MRR of `retriever.search` over the answerable questions."""
    retriever.warm_up()
    answerable = [q for q in questions if is_answerable(q)]
    if answerable:
        retriever.search(answerable[0]["question"], k=k)  # untimed: the first encode is slow
    scores = []
    for done, q in enumerate(answerable, 1):
        started = time.perf_counter()
        hits = list(retriever.search(q["question"], history=q.get("history"), k=k))[:k]
        latency = (time.perf_counter() - started) * 1000
        fields = retrieval_fields(q, [h.text for h in hits], [h.doc_id for h in hits])
        scores.append(
            Score(
                id=q["id"],
                type=q.get("type") or UNTYPED,
                graded=is_graded(q),
                latency_ms=round(latency, 1),
                **fields,
            )
        )
        if progress:
            progress(done, len(answerable))
    return scores


def compare_modes(
    retrievers: Mapping[str, Any],
    questions: Sequence[Mapping[str, Any]],
    k: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, list[Score]]:
    """Scores per retrieval mode, e.g. {"hybrid": [...], "dense": [...], "lexical": [...]}."""
    results = {}
    for mode, retriever in retrievers.items():
        step = (lambda done, total, mode=mode: progress(mode, done, total)) if progress else None
        results[mode] = score_search(retriever, questions, k, step)
    return results


def retrievers_for_modes(
    settings: Settings, modes: Sequence[str], ablate: bool = False
) -> dict[str, Any]:
    """One retriever per mode, sharing one store and one embedder (the model loads once).

    With `ablate`, also the hybrid retriever without each of its stages in turn ("− papers"),
    so each stage's share of the recall can be read off."""
    from retrieval.hybrid import STAGES
    from retrieval.service import build_retriever

    first = build_retriever(settings, modes[0])
    retrievers = {modes[0]: first}
    for mode in modes[1:]:
        retrievers[mode] = build_retriever(
            settings, mode, store=first.store, embedder=first.embedder
        )
    if ablate:
        used = [s for s in STAGES if s in first.stages]
        for stage in used:
            retrievers[f"− {stage}"] = build_retriever(
                settings,
                "hybrid",
                store=first.store,
                embedder=first.embedder,
                stages=[s for s in used if s != stage],
            )
    return retrievers
