"""Question features: whether the evidence as a whole can answer a question, the inputs of the
abstention model (`retrieval.scoring.Weights.abstains`)."""

from __future__ import annotations

import re

from retrieval.dates import full_dates
from retrieval.detectors import holds_answer_type, measured
from retrieval.features import FeatureContext, share
from retrieval.question import Question
from retrieval.units import Unit

QUESTION_FEATURES = (
    "best_p",  # the best unit's probability
    "second_p",  # the second best's
    "best_coverage",  # the best unit's own coverage
    "context_coverage",  # the question's idf share met anywhere in the evidence and its papers
    "named_unknown",  # a named thing the papers never mention
    "named_absent",  # a named thing absent from the leading papers
    "typed_coverage",  # the best coverage of a unit holding the kind of answer wanted
    "after_papers",  # asks what happened at a meeting dated after every leading paper
    "measure_absent",  # asks for a quantity no unit gives a figure for
    "date_absent",  # gives a full date no leading paper has or writes
    "typed_rare",  # the best share of the question's rarest terms in a unit of the wanted kind
    "rare_met",  # share of the question's rarest terms met anywhere in the evidence
    "best_paper_named",  # the best unit's paper is one the question names
    "wants_type",  # the question wants a typed answer (date, figure, name)
    "best_topic",  # the best share of what is asked (not the paper's name) any unit covers
    "typed_topic",  # … that a unit of the wanted kind covers
)

_PAST_OUTCOME = re.compile(
    r"\b(?:was|were)\s+(?:agreed|decided|resolved|approved|said|discussed)|\bdid\b|\bhappened\b|"
    r"\btook\s+place\b|\bvoted\b|\boutcome\b",
    re.I,
)


def question_features(q: Question, ranked: list[Unit], ctx: FeatureContext) -> dict[str, float]:
    """Whether the evidence as a whole can answer: the abstention model's inputs.

    `ranked` holds the scored units, best first.
    """
    idf = ctx.idf
    best = ranked[0] if ranked else None
    leading = ranked[:5]
    met: set[str] = set()
    papers = list(dict.fromkeys(u.chunk.doc_id for u in ranked))[:3]
    paper_terms: set[str] = set()
    for doc_id in papers:
        paper_terms |= ctx.catalog.paper_terms(doc_id)
    for unit in ranked:
        own, context, paper = ctx.met(unit, q)
        met |= own | context | paper
    named_unknown = any(not idf.known(t) for t in q.named)
    named_absent = bool(q.named - paper_terms - met)
    wants_type = q.wants in ("when", "number", "who")
    typed = [u for u in ranked if holds_answer_type(q, u.evidence, idf.common)]
    typed_coverage = max((u.features.get("coverage", 0.0) for u in typed), default=0.0)
    typed_rare = max((u.features.get("rare", 0.0) for u in typed), default=0.0)
    best_topic = max((u.features.get("coverage_topic", 0.0) for u in ranked), default=0.0)
    typed_topic = max((u.features.get("coverage_topic", 0.0) for u in typed), default=0.0)
    rare_met = len(set(ctx.rare) & met) / len(ctx.rare) if ctx.rare else 1.0
    asked = full_dates(q.text)
    dates = [u.chunk.meta.date for u in leading if u.chunk.meta and u.chunk.meta.date]
    after = bool(
        asked and _PAST_OUTCOME.search(q.text) and dates and all(d < min(asked) for d in dates)
    )
    measure_absent = bool(q.measure) and not any(measured(q, u.evidence) for u in leading)
    date_absent = bool(ctx.dates) and not any(ctx.date_met(u) for u in ranked[:20])
    return {
        "best_p": best.p if best else 0.0,
        "second_p": ranked[1].p if len(ranked) > 1 else 0.0,
        "best_coverage": best.features.get("coverage", 0.0) if best else 0.0,
        "context_coverage": share(met, q.terms, idf, ctx.total),
        "named_unknown": float(named_unknown),
        "named_absent": float(named_absent),
        "typed_coverage": typed_coverage,
        "after_papers": float(after),
        "measure_absent": float(measure_absent),
        "date_absent": float(date_absent),
        "typed_rare": typed_rare,
        "rare_met": rare_met,
        "best_paper_named": float(best is not None and best.chunk.doc_id in ctx.named_papers),
        "wants_type": float(wants_type),
        "best_topic": best_topic,
        "typed_topic": typed_topic,
    }
