"""The default answerer: offline, deterministic, extractive.

It answers from the evidence itself, as a pipeline of small stages: question analysis
(`retrieval.question`), candidate units (`retrieval.units`), features (`retrieval.features`),
fitted scores and the abstention decision (`retrieval.scoring`), selection by answer shape
(`retrieval.selection`) and presentation with verbatim quotes (`retrieval.presentation`). When the
evidence does not answer the question, it says so and lists the closest passages instead.

>>> answerer = ExtractiveAnswerer()
>>> answerer.answer("Who leads the back office work stream?", result, catalog)  # doctest: +SKIP
Answer(answer='Westshire and Easton [1].', ...)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from retrieval.abstention import question_features
from retrieval.catalog import Catalog
from retrieval.features import FeatureContext
from retrieval.presentation import abstain, present
from retrieval.question import Question, question_parts
from retrieval.records import Answer, SearchResult
from retrieval.scoring import Weights
from retrieval.selection import rank, select, select_parts, shaped
from retrieval.text import names_different_papers
from retrieval.units import Unit, agenda_item_units, candidates, motion_record_units
from retrieval.wordstats import Idf, idf_for


@dataclass
class Analysis:
    """What the answerer made of one question: its reading, the scored units, the abstention
    model's inputs and verdict. `python -m evals fit` fits the weights from these."""

    question: Question
    ranked: list[Unit]  # units of the answer's shape, best first
    units: list[Unit] = field(default_factory=list)  # every candidate, best first
    question_features: dict[str, float] = field(default_factory=dict)
    abstain_p: float = 1.0
    weights: Weights | None = None

    @property
    def abstains(self) -> bool:
        if not self.ranked or self.weights is None:
            return True
        return self.weights.abstains(self.question_features, self.abstain_p)


def access_of(result: SearchResult) -> tuple[str, ...]:
    """Access levels of the evidence: word statistics cover what this user can see."""
    levels = {h.chunk.meta.access for h in result if h.chunk.meta}
    return ("public", "exempt") if "exempt" in levels else ("public",)


class ExtractiveAnswerer:
    """Answers by selecting and presenting the evidence that answers the question."""

    name = "extractive"

    def __init__(self, weights: Weights | None = None):
        self._weights = weights

    @property
    def weights(self) -> Weights:
        if self._weights is None:
            self._weights = Weights.load()
        return self._weights

    def warm_up(self, catalog: Catalog) -> None:
        """Build the word statistics of the papers now rather than during the first answer."""
        idf_for(catalog, ("public",))
        _ = self.weights

    def analyse(
        self, question: str, result: SearchResult, catalog: Catalog, weights: Weights | None = None
    ) -> Analysis:
        """Read the question, score every candidate unit and decide whether to abstain."""
        weights = weights or self.weights
        access = access_of(result)
        idf = idf_for(catalog, access)
        q = Question.parse(question, idf.known)
        named = {
            d: catalog.naming_terms(d, access) & q.terms
            for d in dict.fromkeys(h.doc_id for h in result)
        }
        if names_different_papers(named.values()):
            q = replace(q, cross=True, papers=tuple(d for d, n in named.items() if n))
        units = candidates(q, result, catalog)
        if not units:
            return Analysis(q, [], [], {}, 1.0, weights)
        ctx = FeatureContext.build(
            q, units, catalog, idf, access, result.similarity, result.paper_scores
        )
        ordered = rank(units, q, ctx, weights)
        # A two-part question takes its shape part by part (`compose`).
        ranked = (
            ordered
            if len(question_parts(question)) > 1
            else shaped(q, ordered, idf.common, ctx.named_papers)
        )
        features = question_features(q, ranked or ordered, ctx)
        p = weights.abstain_probability(features)
        return Analysis(q, ranked, ordered, features, p, weights)

    def answer(self, question: str, result: SearchResult, catalog: Catalog) -> Answer:
        analysis = self.analyse(question, result, catalog)
        if analysis.abstains:
            return abstain(question, analysis.question, analysis.units)
        return self.compose(question, analysis, result, catalog)

    def compose(
        self,
        question: str,
        analysis: Analysis,
        result: SearchResult,
        catalog: Catalog,
        weights: Weights | None = None,
    ) -> Answer:
        """The answer an analysis gives when the answerer does not abstain."""
        weights = weights or self.weights
        q, ranked = analysis.question, analysis.ranked
        if not ranked:
            return abstain(question, q, analysis.units)
        parts = question_parts(question)
        # "Who moved it, and who seconded it?", "How did the vote go?": the minutes' record of
        # the motion answers whole, every part, though the minutes wrote it in several sentences.
        chosen: list[Unit] = (
            motion_record_units(ranked[0], catalog, q) if q.motion or q.vote else []
        )
        if len(chosen) < 2:
            chosen = agenda_item_units(q, ranked[0], analysis.units, catalog)
        if len(parts) > 1 and not chosen:
            idf: Idf = idf_for(catalog, access_of(result))
            readings = [replace(Question.parse(p, idf.known), cross=q.cross) for p in parts]
            chosen = select_parts(
                readings,
                ranked[0],
                ranked,
                lambda part, units: FeatureContext.build(
                    part,
                    units,
                    catalog,
                    idf,
                    access_of(result),
                    result.similarity,
                    result.paper_scores,
                ),
                catalog,
                weights,
            )
            if not chosen:
                return abstain(question, q, analysis.units)
        chosen = chosen or select(q, ranked, catalog, weights)
        return present(question, q, chosen, catalog)

    def stream(
        self, question: str, result: SearchResult, catalog: Catalog
    ) -> Iterator[str | Answer]:
        """The extractive answer is ready at once: one text piece, then the record."""
        answer = self.answer(question, result, catalog)
        yield answer.answer
        yield answer
