"""Features: pure functions from an answer unit (and its question) to named numbers.

The scorer (`retrieval.scoring`) weighs them with fitted weights; nothing here decides. Unit
features say how well a unit answers: how much of the question it covers, where it was found,
whether it holds the kind of thing asked for. (Whether the evidence as a whole can answer at
all is `retrieval.abstention`'s question features.)

>>> context = FeatureContext.build(q, units, catalog, idf)   # doctest: +SKIP
>>> unit_features(units[0], q, context)["coverage"]           # doctest: +SKIP
0.75
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

from retrieval.catalog import Catalog
from retrieval.dates import full_dates
from retrieval.detectors import (
    DATE,
    DECISION,
    MOTION,
    NUMBER,
    VOTE,
    entities,
    has_figure,
    holds_answer_type,
    measured,
    people,
)
from retrieval.papers import metadata_name
from retrieval.question import DECISION_SECTION, PURPOSE, PURPOSE_SECTION, Question
from retrieval.text import terms, words
from retrieval.units import AUTHOR_TEXT, INLINE_LIST, Unit
from retrieval.wordstats import Idf

# Every unit feature, in the order the weights record lists them.
UNIT_FEATURES = (
    "coverage",  # idf share of the question's terms in the unit itself
    "coverage_context",  # … met only by its paragraph, header, lead-in or section
    "coverage_paper",  # … met only by the paper's council, body and title
    "coverage_best",  # coverage relative to the best candidate's
    "coverage_topic",  # coverage of the terms that do not name the unit's paper (what is asked)
    "coverage_topic_context",  # … met only by its paragraph, header, lead-in or section
    "named",  # share of the question's named things in the unit or its paper
    "exact",  # share of the question's codes, numbers and acronyms in the unit
    "phrase",  # share of the question's adjacent word pairs found together in the unit
    "hit_rank",  # 1 / rank of the hit the unit is from (0 when brought in)
    "brought_in",  # brought in from a leading paper, not a hit
    "paper_rank",  # 1 / rank of the unit's paper among the hits' papers
    "paper_named",  # the question names the unit's paper (its council or title words)
    "other_paper_named",  # the question names another paper, not this one
    "date_named",  # the question's full date is the paper's date or is written in the unit
    "date_other",  # the question gives a full date this unit's paper does not have
    "dense_rank",  # 1 / rank in the similarity search (0 when not found there)
    "similarity",  # cosine of the question and the unit's chunk (0 when not known)
    "similarity_best",  # … relative to the most similar candidate's
    "rare",  # share of the question's two rarest terms in the unit
    "proximity",  # how close together the question's words stand in the unit
    "typed_near",  # how close the wanted kind of answer (a figure, date, name) stands to them
    "row_named",  # a table row whose own cells hold words the question names (its subject)
    "lexical_rank",  # 1 / rank in the BM25 search (0 when not found there)
    "date_for_when",  # a date, asked when
    "figure_for_number",  # a figure of the kind asked (money, count), asked how much/many
    "measure_for_number",  # a figure within a few words of the quantity asked about
    "name_for_person",  # a person's name, asked who
    "role_for_person",  # the role asked about is written with the name
    "firm_for_company",  # a company's name, asked which firm
    "entity_for_who",  # an organisation or name, asked which council/body
    "decision_for_decision",  # decision wording, asked what was decided
    "section_for_decision",  # in a recommendations or decisions section
    "vote_for_vote",  # a vote record, asked how the vote went
    "motion_for_motion",  # a mover or seconder, asked who moved
    "record_for_motion",  # share of the question's topic in the minutes' record of the motion
    # the unit is in, asked who moved or how the vote went (mover, amendment, vote together)
    "record_answers",  # that record holds what is asked: its mover or seconder, or its vote
    "purpose_for_document",  # a statement of purpose, asked what the paper is about
    "section_for_document",  # in a purpose or summary section
    "type_missing",  # the question wants a kind of answer the unit does not hold
    "row",  # a table row
    "row_header",  # share of the question's terms in the row's header
    "list_for_list",  # a list item, row or inline list, asked for a list
    "lead_in",  # introduces a list
    "expansion",  # spells out the acronym asked about
    "reference",  # holds the paper's own reference, asked for it
    "author",  # a contact or signature line, asked who wrote it
    "long",  # over 600 characters
    "short",  # under 25 characters
    "length",  # log length of the unit
)


@dataclass
class FeatureContext:
    """What features of one question's units share: word statistics, paper ranks, best coverage."""

    idf: Idf
    catalog: Catalog
    paper_rank: dict[str, int]
    total: float  # idf mass of the question's terms
    named_papers: frozenset[str] = frozenset()  # papers the question names
    dates: tuple[str, ...] = ()  # full dates the question gives, yyyy-mm-dd
    similarity: dict[str, float] = field(default_factory=dict)  # chunk id → cosine
    rare: tuple[str, ...] = ()  # the question's two rarest terms
    best_coverage: float = 1.0
    best_similarity: float = 1.0
    _names: dict[str, frozenset[str]] = field(default_factory=dict)
    _met: dict[tuple[str, int, int], tuple[set[str], set[str], set[str]]] = field(
        default_factory=dict
    )

    @classmethod
    def build(
        cls,
        q: Question,
        units: list[Unit],
        catalog: Catalog,
        idf: Idf,
        access: tuple[str, ...] = ("public",),
        similarity: dict[str, float] | None = None,
        paper_scores: dict[str, float] | None = None,
    ) -> FeatureContext:
        ranks: dict[str, int] = {}
        for unit in sorted(units, key=lambda u: u.rank or 99):
            ranks.setdefault(unit.chunk.doc_id, len(ranks) + 1)
        total = sum(idf(t) for t in q.terms) or 1.0
        named = {d for d in ranks if catalog.naming_terms(d, access) & q.terms}
        named |= named_by_masthead(paper_scores or {})
        similarity = similarity or {}
        best = max((similarity.get(u.chunk.id, 0.0) for u in units), default=0.0)
        rare = tuple(sorted(q.terms, key=lambda t: (-idf(t), t))[:2])
        return cls(
            idf,
            catalog,
            ranks,
            total,
            frozenset(named),
            tuple(full_dates(q.text)),
            similarity,
            rare,
            best_similarity=best if best > 0 else 1.0,
        )

    def name_words(self, doc_id: str) -> frozenset[str]:
        """The words that name a paper (council, body, title, kind, meeting date): a question
        uses them to say which paper it means, so they do not tell its passages apart."""
        if doc_id not in self._names:
            named = metadata_name(self.catalog.documents.get(doc_id, {}))
            self._names[doc_id] = frozenset(self.idf.expand(terms(named)))
        return self._names[doc_id]

    def met(self, unit: Unit, q: Question) -> tuple[set[str], set[str], set[str]]:
        """`matches` of a unit, computed once per unit (a context serves one question)."""
        key = (unit.chunk.id, unit.start, unit.end)
        if key not in self._met:
            self._met[key] = matches(unit, q, self.idf)
        return self._met[key]

    def date_met(self, unit: Unit) -> bool:
        """The question's full date is the unit's paper's date or is written in its chunk."""
        meta = unit.chunk.meta
        return any(
            (meta is not None and meta.date == d) or d in set(full_dates(unit.chunk.text))
            for d in self.dates
        )


NAMED_SHARE = 0.7  # papers whose name matches the question this nearly as well as the best
NAMED_MOST = 3  # … are the ones it names, unless so many match that it names none


def named_by_masthead(scores: dict[str, float]) -> set[str]:
    """The papers a question names by their council, title or masthead words, from the paper
    index's scores: the best and those close to it, when only a few are."""
    if not scores:
        return set()
    best = max(scores.values())
    close = {d for d, s in scores.items() if s >= NAMED_SHARE * best}
    return close if len(close) <= NAMED_MOST else set()


def share(found: set[str], wanted, idf: Idf, total: float) -> float:
    return sum(idf(t) for t in found & set(wanted)) / total


def matches(unit: Unit, q: Question, idf: Idf) -> tuple[set[str], set[str], set[str]]:
    """The question's terms met by the unit itself, by its context, and by its paper's name."""
    chunk = unit.chunk
    own = idf.expand(terms(unit.text))
    if unit.is_row:
        own |= idf.expand(terms(chunk.lead))  # a row means nothing without its header
    about = f"{chunk.text}\n{chunk.lead}\n{' '.join(chunk.section)}"
    context = idf.expand(terms(about))
    paper = set()
    if chunk.meta:
        paper = idf.expand(terms(f"{chunk.meta.council} {chunk.meta.body} {chunk.meta.title}"))
    for term, same in q.alternatives.items():
        if same & own:
            own.add(term)  # "set up" is met by "establishment", "CEO" by "chief executive"
        elif same & context:
            context.add(term)
    met_own = set(q.terms) & own
    met_context = (set(q.terms) & context) - met_own
    met_paper = (set(q.terms) & paper) - met_own - met_context
    return met_own, met_context, met_paper


def _pairs(seq: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(seq))


def _surroundings(unit: Unit, catalog: Catalog) -> str:
    """The lines either side of a unit, its heading and lead: where a name's role is written
    ("Jane Smith" above "Corporate Director"; "Officer to Contact:" above a name)."""
    chunk = unit.chunk
    before = chunk.text[: unit.start].rstrip("\n").rsplit("\n", 1)[-1]
    after = chunk.text[unit.end :].lstrip("\n").split("\n", 1)[0]
    if not chunk.text[: unit.start].strip():
        previous = catalog.neighbour(chunk, -1)
        before = previous.text.rsplit("\n", 1)[-1] if previous is not None else ""
    return "\n".join([before, after, chunk.lead, " ".join(chunk.section)])


def _proximity(text: str, asked: frozenset[str]) -> float:
    """1 / (1 + words between the first and last question word met, per word met), 0 when
    fewer than two are met: "the cost of the Northfield depot" beats cost … depot apart."""
    found = [i for i, t in enumerate(terms(text)) if t in asked]
    met = len({terms(text)[i] for i in found}) if found else 0
    if met < 2:
        return 0.0
    return met / (1 + found[-1] - found[0])


def _typed_near(text: str, q: Question, common: set[str]) -> float:
    """1 / (1 + words between a question word and the nearest thing of the wanted kind)."""
    if q.wants == "when":
        spans = [m.span() for m in DATE.finditer(text)]
    elif q.wants == "number":
        spans = [m.span() for m in NUMBER.finditer(text)]
    elif q.wants == "who" and q.person:
        spans = [(text.find(p), text.find(p) + len(p)) for p in people(text, common, q.terms)]
    else:
        return 0.0
    if not spans:
        return 0.0
    words = [
        (m.start(), m.end(), t) for m in re.finditer(r"\S+", text) for t in terms(m.group())[:1]
    ]
    asked = [i for i, (_, _, t) in enumerate(words) if t in q.terms]
    if not asked:
        return 0.0
    best = None
    for a, b in spans:
        inside = [i for i, (s, e, _) in enumerate(words) if s < b and e > a]
        if not inside:
            continue
        gap = min(abs(i - j) for i in inside for j in asked)
        best = gap if best is None else min(best, gap)
    return 0.0 if best is None else 1.0 / (1 + best)


def _motion_record(
    unit: Unit, q: Question, ctx: FeatureContext, topic: set[str], topic_total: float
) -> tuple[float, float]:
    """For a question about a motion or vote: how much of its topic the minutes' record of the
    unit's motion holds (the mover's sentence, the amendment's text, the vote and the item's
    title together), and whether that record has what is asked (a mover, a vote)."""
    if not (q.motion or q.vote) or not topic_total:
        return 0.0, 0.0
    minutes = ctx.catalog.minutes(unit.chunk.doc_id)
    if minutes is None:
        return 0.0, 0.0
    offset = unit.chunk.start + unit.start
    motion = minutes.motion_at(offset)
    if motion is None:
        return 0.0, 0.0
    item = minutes.item_at(offset)
    text = ctx.catalog.text_of(unit.chunk.doc_id, *minutes.record_span(motion))
    found = ctx.idf.expand(terms(f"{text}\n{motion.label}\n{item.title if item else ''}"))
    answers = (q.motion and bool(motion.mover or motion.seconder)) or (
        q.vote and bool(motion.outcome or motion.votes_for is not None or motion.unanimous)
    )
    return share(found, topic, ctx.idf, topic_total), float(answers)


def unit_features(unit: Unit, q: Question, ctx: FeatureContext) -> dict[str, float]:
    """The named numbers the scorer weighs for one unit."""
    idf, chunk, text = ctx.idf, unit.chunk, unit.evidence
    own, context, paper = ctx.met(unit, q)
    coverage = share(own, q.terms, idf, ctx.total)
    topic = set(q.terms) - ctx.name_words(chunk.doc_id)
    topic_total = sum(idf(t) for t in topic)
    hit = unit.hit
    in_sections = " ".join(chunk.section)
    paper_terms = set(terms(f"{chunk.meta.council} {chunk.meta.title}")) if chunk.meta else set()
    unit_terms = set(terms(text)) | set(terms(chunk.lead if unit.is_row else ""))
    named = len(q.named & (unit_terms | paper_terms | context)) / len(q.named) if q.named else 1.0
    exact = len(set(q.exact) & (set(words(text)) | unit_terms))
    asked_pairs = _pairs([t for t in terms(q.text) if t in q.terms])
    typed = holds_answer_type(q, text, idf.common)
    wants_type = q.wants in ("when", "number", "who", "decision", "document")
    role = 0.0
    if q.wants == "who" and q.person and q.roles and people(text, idf.common, q.terms):
        written = (
            f"{unit.text}\n{chunk.lead if unit.is_row else ''}\n{_surroundings(unit, ctx.catalog)}"
        )
        role = float(bool(q.roles & set(terms(written))))
    record_share, record_answers = _motion_record(unit, q, ctx, topic, topic_total)
    f = {
        "coverage": coverage,
        "coverage_context": share(context, q.terms, idf, ctx.total),
        "coverage_paper": share(paper, q.terms, idf, ctx.total),
        "coverage_best": coverage / ctx.best_coverage if ctx.best_coverage else 0.0,
        "coverage_topic": share(own, topic, idf, topic_total) if topic_total else coverage,
        "coverage_topic_context": share(context, topic, idf, topic_total) if topic_total else 0.0,
        "named": named,
        "exact": (exact / len(q.exact)) if q.exact else 1.0,
        "phrase": len(asked_pairs & _pairs(terms(text))) / len(asked_pairs) if asked_pairs else 0.0,
        "hit_rank": 1.0 / unit.rank if unit.rank else 0.0,
        "brought_in": float(unit.rank == 0),
        "paper_rank": 1.0 / ctx.paper_rank.get(chunk.doc_id, 9),
        "paper_named": float(chunk.doc_id in ctx.named_papers),
        "other_paper_named": float(bool(ctx.named_papers) and chunk.doc_id not in ctx.named_papers),
        "date_named": float(bool(ctx.dates) and ctx.date_met(unit)),
        "date_other": float(bool(ctx.dates) and not ctx.date_met(unit)),
        "dense_rank": 1.0 / hit.dense_rank if hit and hit.dense_rank else 0.0,
        "similarity": ctx.similarity.get(chunk.id, 0.0),
        "similarity_best": ctx.similarity.get(chunk.id, 0.0) / ctx.best_similarity,
        "rare": len(set(ctx.rare) & (unit_terms | own)) / len(ctx.rare) if ctx.rare else 0.0,
        "proximity": _proximity(unit.text, q.terms),
        "typed_near": _typed_near(unit.text, q, idf.common),
        "row_named": float(
            unit.is_row and bool(set(q.terms) & set(terms(unit.text)) - set(terms(chunk.lead)))
        ),
        "lexical_rank": 1.0 / hit.lexical_rank if hit and hit.lexical_rank else 0.0,
        "date_for_when": float(q.wants == "when" and bool(DATE.search(text))),
        "figure_for_number": float(q.wants == "number" and has_figure(q, text)),
        "measure_for_number": float(q.wants == "number" and measured(q, text)),
        "name_for_person": float(
            q.wants == "who" and q.person and bool(people(text, idf.common, q.terms))
        ),
        "role_for_person": role,
        "firm_for_company": float(q.wants == "who" and q.company and typed),
        "entity_for_who": float(q.wants == "who" and bool(entities(text))),
        "decision_for_decision": float(q.wants == "decision" and bool(DECISION.search(text))),
        "section_for_decision": float(
            q.wants == "decision" and bool(DECISION_SECTION.search(in_sections))
        ),
        "vote_for_vote": float(q.vote and bool(VOTE.search(text))),
        "motion_for_motion": float(q.motion and bool(MOTION.search(text))),
        "record_for_motion": record_share,
        "record_answers": record_answers,
        "purpose_for_document": float(q.wants == "document" and bool(PURPOSE.search(text))),
        "section_for_document": float(
            q.wants == "document" and bool(PURPOSE_SECTION.search(in_sections))
        ),
        "type_missing": float(wants_type and not typed),
        "row": float(unit.is_row),
        "row_header": share(set(terms(chunk.lead)), q.terms, idf, ctx.total)
        if unit.is_row
        else 0.0,
        "list_for_list": float(
            q.is_list and (chunk.kind in ("table_row", "list") or bool(INLINE_LIST.search(text)))
        ),
        "lead_in": float(unit.is_lead_in),
        "expansion": float(bool(unit.expansion and q.acronym)),
        "reference": float(
            q.reference
            and bool(chunk.meta and chunk.meta.report_ref)
            and chunk.meta.report_ref in unit.text
        ),
        "author": float(q.author and bool(AUTHOR_TEXT.search(unit.text))),
        "long": float(len(text) > 600),
        "short": float(len(text) < 25),
        "length": math.log1p(len(text)) / 7.0,
    }
    return f


def score_context(units: list[Unit], q: Question, ctx: FeatureContext) -> None:
    """Fill every unit's features, the relative ones after the best coverage is known."""
    ctx.best_coverage = (
        max(
            (share(ctx.met(u, q)[0], q.terms, ctx.idf, ctx.total) for u in units),
            default=0.0,
        )
        or 1.0
    )
    for unit in units:
        unit.features = unit_features(unit, q, ctx)
