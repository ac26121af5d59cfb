"""Scoring answers and retrieval against gold: pure functions over question and answer dicts.

Who counts towards what (the denominators matter as much as the numerators):

- A question is *graded* when it has gold (`answers`, `sources` or `unanswerable`); an ungraded
  question counts towards latency only. *Answerable* means graded and not `unanswerable`.
- **answer accuracy**, over questions with `answers` or `unanswerable`: an answerable question is
  correct when the answer is not abstained, is at most 600 characters, and every answer group has one
  alternative in it (case-insensitive, whitespace collapsed on both sides); an unanswerable one is
  correct when abstained.
- **citation hit rate**, over answerable questions with `sources` whose answer was not abstained: the
  share with at least one citation whose `doc_id` contains a source (case-insensitive). An answer
  without citations is a miss.
- **quote exactness**, over graded questions whose answer has citations: the share in which every
  citation's `quote` is an exact substring of its chunk's text (a chunk not in the index fails).
- **abstention accuracy** (the abstention's recall), over unanswerable questions: the share
  abstained.
- **abstention precision**, over graded questions whose answer abstained: the share that were
  unanswerable.
- **false-abstention rate**, over answerable questions: the share abstained.
- **recall@k**, over answerable questions with `answers`: every group has an alternative in the
  evidence of the top k hits (each hit's chunk with the context assembled around it, as the
  answerer sees it).
- **MRR**, over answerable questions with `answers`: 1/r for the smallest r such that the top r
  retrieved chunks hold every answer group (0 when the top k do not).
- **doc MRR** and **doc@1**, over answerable questions with `sources`: the reciprocal rank of the
  first retrieved chunk whose doc_id contains a source (0 when none), and whether that is the first.
- **latency** p50/p95, over all questions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

MAX_ANSWER_CHARS = 600
RECALL_DEPTH = 5
UNTYPED = "(untyped)"

# (key, label) in display order; a Score field of the same name holds each question's value.
METRICS = (
    ("correct", "answer accuracy"),
    ("citation_hit", "citation hit rate"),
    ("quote_exact", "quote exactness"),
    ("abstention_ok", "abstention accuracy"),
    ("abstention_precise", "abstention precision"),
    ("false_abstention", "false-abstention rate"),
    ("recall", "recall@{k}"),
    ("evidence_rr", "MRR"),
    ("reciprocal_rank", "doc MRR"),
    ("doc_at_1", "doc@1"),
)
RANK_KEYS = ("evidence_rr", "reciprocal_rank")  # reciprocal ranks: means, not shares


def normalise(text: str) -> str:
    """Case-folded, with every run of whitespace collapsed to one space."""
    return " ".join(text.split()).casefold()


def missing_groups(groups: Sequence[Sequence[str]], text: str) -> list[list[str]]:
    """The answer groups none of whose alternatives occurs in `text`."""
    haystack = normalise(text)
    return [list(g) for g in groups if not any(normalise(alt) in haystack for alt in g)]


def is_graded(question: Mapping[str, Any]) -> bool:
    return bool(question.get("answers") or question.get("sources") or question.get("unanswerable"))


def is_answerable(question: Mapping[str, Any]) -> bool:
    return is_graded(question) and not question.get("unanswerable")


def matches_source(doc_id: str, sources: Iterable[str]) -> bool:
    """A document id matches when it contains one of the sources (case-insensitive)."""
    doc_id = doc_id.casefold()
    return any(source.casefold() in doc_id for source in sources)


def answer_correct(question: Mapping[str, Any], answer: Mapping[str, Any]) -> bool | None:
    """Right, wrong, or None when the question has no gold answer to compare against."""
    if question.get("unanswerable"):
        return bool(answer["abstained"])
    groups = question.get("answers")
    if not groups:
        return None
    return not answer_problems(question, answer)


def answer_problems(question: Mapping[str, Any], answer: Mapping[str, Any]) -> list[str]:
    """Why an answer is wrong, in words for the report; empty when it is right."""
    if question.get("unanswerable"):
        return [] if answer["abstained"] else ["answered an unanswerable question"]
    if answer["abstained"]:
        return ["abstained"]
    problems = []
    text = answer["answer"]
    if len(text) > MAX_ANSWER_CHARS:
        problems.append(f"too long ({len(text)} > {MAX_ANSWER_CHARS} characters)")
    for group in missing_groups(question.get("answers") or [], text):
        problems.append("missing " + " / ".join(f"“{alt}”" for alt in group))
    return problems


def citation_hit(question: Mapping[str, Any], answer: Mapping[str, Any]) -> bool | None:
    """Whether a cited document is a gold source; None when not applicable (see module doc)."""
    sources = question.get("sources")
    if not sources or not is_answerable(question) or answer["abstained"]:
        return None
    return any(matches_source(c["doc_id"], sources) for c in answer.get("citations") or [])


def quote_exact(answer: Mapping[str, Any], chunk_texts: Mapping[str, str]) -> bool | None:
    """Every citation quotes its chunk verbatim; None when the answer cites nothing."""
    citations = answer.get("citations") or []
    if not citations:
        return None
    return all(
        c["chunk_id"] in chunk_texts and c["quote"] in chunk_texts[c["chunk_id"]] for c in citations
    )


def recall(groups: Sequence[Sequence[str]], texts: Sequence[str]) -> bool:
    """Every answer group has an alternative somewhere in the retrieved texts."""
    return not missing_groups(groups, "\n".join(texts))


def evidence_reciprocal_rank(groups: Sequence[Sequence[str]], texts: Sequence[str]) -> float:
    """1/r for the fewest top retrieved texts r that hold every answer group; 0 when none do."""
    for rank in range(1, len(texts) + 1):
        if recall(groups, texts[:rank]):
            return 1.0 / rank
    return 0.0


def reciprocal_rank(sources: Sequence[str], doc_ids: Sequence[str]) -> float:
    """1/rank of the first retrieved document that is a source, 0 when none is."""
    for rank, doc_id in enumerate(doc_ids, 1):
        if matches_source(doc_id, sources):
            return 1.0 / rank
    return 0.0


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100), linearly interpolated as numpy does; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Score:
    """One question's outcome; None means the metric does not apply to this question."""

    id: str
    type: str = UNTYPED
    graded: bool = False
    abstained: bool = False
    latency_ms: float = 0.0
    correct: bool | None = None
    citation_hit: bool | None = None
    quote_exact: bool | None = None
    abstention_ok: bool | None = None
    abstention_precise: bool | None = None
    false_abstention: bool | None = None
    recall: bool | None = None
    evidence_rr: float | None = None
    reciprocal_rank: float | None = None
    doc_at_1: bool | None = None
    problems: tuple[str, ...] = ()  # why the answer is wrong, for the report
    recall_missing: tuple[tuple[str, ...], ...] = ()  # answer groups absent from retrieval


def retrieval_fields(
    question: Mapping[str, Any], texts: Sequence[str], doc_ids: Sequence[str]
) -> dict[str, Any]:
    """recall, reciprocal_rank and doc_at_1 of ranked evidence (already cut to depth k)."""
    if not is_answerable(question):
        return {}
    fields: dict[str, Any] = {}
    if question.get("answers"):
        missing = missing_groups(question["answers"], "\n".join(texts))
        fields["recall"] = not missing
        fields["recall_missing"] = tuple(tuple(g) for g in missing)
        fields["evidence_rr"] = evidence_reciprocal_rank(question["answers"], texts)
    if question.get("sources"):
        rr = reciprocal_rank(question["sources"], doc_ids)
        fields["reciprocal_rank"] = rr
        fields["doc_at_1"] = rr == 1.0
    return fields


def score_answer(
    question: Mapping[str, Any],
    answer: Mapping[str, Any],
    chunk_texts: Mapping[str, str],
    evidence: Mapping[str, str],
    depth: int = RECALL_DEPTH,
) -> Score:
    """Score one `Answer.to_dict()` against its question.

    `chunk_texts` maps chunk ids to chunk text (for quote exactness); `evidence` maps them to the
    chunk's lead and text (for recall over the top `depth` retrieved chunks).
    """
    graded = is_graded(question)
    abstained = bool(answer["abstained"])
    base = Score(
        id=question["id"],
        type=question.get("type") or UNTYPED,
        graded=graded,
        abstained=abstained,
        latency_ms=float(answer.get("latency_ms") or 0.0),
    )
    if not graded:
        return base
    unanswerable = bool(question.get("unanswerable"))
    top = (answer.get("retrieved") or [])[:depth]
    return replace(
        base,
        correct=answer_correct(question, answer),
        citation_hit=citation_hit(question, answer),
        quote_exact=quote_exact(answer, chunk_texts),
        abstention_ok=abstained if unanswerable else None,
        abstention_precise=unanswerable if abstained else None,
        false_abstention=None if unanswerable else abstained,
        problems=tuple(answer_problems(question, answer)),
        **retrieval_fields(
            question,
            [evidence.get(r["chunk_id"], "") for r in top],
            [r["doc_id"] for r in top],
        ),
    )


@dataclass(frozen=True)
class Rate:
    """A metric over the questions it applies to: `total` summed over `n` of them."""

    total: float = 0.0
    n: int = 0

    @property
    def value(self) -> float | None:
        return self.total / self.n if self.n else None


@dataclass(frozen=True)
class Summary:
    """The metrics of a group of scored questions."""

    questions: int
    graded: int
    rates: dict[str, Rate] = field(default_factory=dict)
    latency_p50: float | None = None
    latency_p95: float | None = None

    def value(self, key: str) -> float | None:
        return self.rates[key].value


def summarise(scores: Sequence[Score]) -> Summary:
    rates = {}
    for key, _ in METRICS:
        values = [getattr(s, key) for s in scores if getattr(s, key) is not None]
        rates[key] = Rate(float(sum(values)), len(values))
    latencies = [s.latency_ms for s in scores]
    return Summary(
        questions=len(scores),
        graded=sum(s.graded for s in scores),
        rates=rates,
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
    )


def summarise_by_type(scores: Sequence[Score]) -> dict[str, Summary]:
    """One summary per question type, in order of first appearance."""
    types = dict.fromkeys(s.type for s in scores)
    return {t: summarise([s for s in scores if s.type == t]) for t in types}
