"""Selection by answer shape: which scored units make the answer.

The best unit decides the shape: a spelled-out acronym, a paper's purpose (its section's opening
with the "this report sets out" sentence), a whole table, a list under its lead-in, or a single
fact or sentence with the close runners-up that add what it lacks. A two-part question is
answered part by part, and a question across papers takes the best unit of each paper.

>>> chosen = select(q, ranked, catalog, weights)   # doctest: +SKIP
"""

from __future__ import annotations

from ingest import lexicon
from ingest.records import Chunk
from retrieval.catalog import Catalog
from retrieval.detectors import DECISION, MOTION, VOTE, holds_answer_type, measured
from retrieval.features import FeatureContext, score_context
from retrieval.question import (
    DECISION_SECTION,
    PURPOSE,
    PURPOSE_SECTION,
    Question,
    asks_expansion,
)
from retrieval.scoring import Weights
from retrieval.text import terms
from retrieval.units import Unit, section_opening, table_rows

MAX_UNITS = 4
_ATTRIBUTES = frozenset(terms(" ".join(sorted(lexicon.words("attribute_measures")))))


def rank(units: list[Unit], q: Question, ctx: FeatureContext, weights: Weights) -> list[Unit]:
    """Units scored and sorted best first (ties: the better hit, then reading order)."""
    score_context(units, q, ctx)
    for unit in units:
        unit.p = weights.unit_probability(unit.features)
    return sorted(units, key=lambda u: (-u.p, u.rank or 99, u.chunk.position, u.start))


def shaped(
    q: Question, ordered: list[Unit], common: set[str], named: frozenset[str] = frozenset()
) -> list[Unit]:
    """Units of the answer's shape before the rest; a typed question keeps only typed units.

    A question that names papers ("At Westshire's January meeting …") is answered from them:
    their units come first, and another paper's only when theirs cannot answer."""
    fitting = [u for u in ordered if fits_shape(q, u, common)]
    out = (
        fitting
        if typed(q)
        else (fitting + [u for u in ordered if u not in fitting] if fitting else ordered)
    )
    if named and not q.cross:
        own = [u for u in out if u.chunk.doc_id in named]
        if own:
            return own + [u for u in out if u.chunk.doc_id not in named]
    return out


def typed(q: Question) -> bool:
    """A date question is answered by a date, an amount by a figure, "who is the officer" by a
    name, "which firm" by a company: nothing else answers it."""
    return not q.acronym and (
        q.wants in ("when", "number")
        or (q.wants == "who" and (q.person or q.company))
        or q.vote
        or q.motion
    )


def fits_shape(q: Question, unit: Unit, common: set[str]) -> bool:
    """Whether a unit has the shape of answer the question asks for."""
    text = unit.evidence
    if text.rstrip().endswith("?"):
        return False  # a question put to the meeting asks; the reply after it answers
    if q.acronym:
        return bool(unit.expansion) or q.acronym in unit.text
    if q.reference:
        ref = unit.chunk.meta.report_ref if unit.chunk.meta else ""
        return bool(ref) and ref in unit.text
    if q.vote and not VOTE.search(text):
        return False  # "how did the vote go" is answered by a vote record
    if q.motion and not MOTION.search(text):
        return False  # "who seconded it" by the line that records the motion
    if typed(q) and q.wants in ("when", "number", "who"):
        if not holds_answer_type(q, text, common):
            return False
        if q.measure in _ATTRIBUTES and not measured(q, text):
            return False  # "the population of X" is the figure written with "population"
        return not (q.person and q.roles) or bool(unit.features.get("role_for_person"))
    if q.vote or q.motion:
        return True
    if q.wants == "document":
        return bool(PURPOSE.search(text)) or any(
            PURPOSE_SECTION.search(s) for s in unit.chunk.section
        )
    if q.wants == "decision":
        return bool(DECISION.search(text)) or any(
            DECISION_SECTION.search(s) for s in unit.chunk.section
        )
    return True


def overlaps(a: Unit, b: Unit) -> bool:
    """The same span, or two spans saying nearly the same words."""
    if a.chunk.id == b.chunk.id and a.start < b.end and b.start < a.end:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.8


def asks_whole_table(q: Question, row: Unit) -> bool:
    """ "Which authorities lead which workstream?": the question names the columns, not a row."""
    header = set(terms(row.chunk.lead))
    own = set(terms(row.text))
    return len(q.terms & header) >= 2 and not (q.terms & own - header)


def _rows_as_units(rows: list[Chunk], best: Unit) -> list[Unit]:
    return [Unit(r, 0, len(r.text.rstrip()), best.rank, best.hit, p=best.p) for r in rows]


def select(q: Question, ranked: list[Unit], catalog: Catalog, weights: Weights) -> list[Unit]:
    """The units of the answer, in the order they are shown."""
    best = ranked[0]
    if q.wants == "document" and any(PURPOSE_SECTION.search(s) for s in best.chunk.section):
        # "What is the report about?": the purpose section's opening and its "this report sets
        # out …" sentence, in reading order.
        opening = section_opening(best, catalog)
        if opening is not None and not overlaps(opening, best):
            return sorted([opening, best], key=lambda u: (u.chunk.position, u.start))
    if best.expansion:
        # "What is eSWB?": what it stands for, then the passage that says what it is.
        if asks_expansion(q.text):
            return [best]
        about = next(
            (
                u
                for u in ranked[1:]
                if not u.expansion and q.acronym in u.text and not overlaps(u, best)
            ),
            None,
        )
        return [best, about] if about else [best]
    if best.is_row and (q.is_list or asks_whole_table(q, best)):
        rows = table_rows(best.chunk, catalog)
        if len(rows) > 1 and q.terms & set(terms(best.chunk.lead)):
            return _rows_as_units(rows, best)
    if best.chunk.kind == "list" and (q.is_list or q.wants in ("what", "decision")):
        # An item of a list answers as the whole list, introduced by its lead-in.
        lead_in = next(
            (
                u
                for u in sorted(ranked, key=lambda u: u.start)
                if u.chunk.id == best.chunk.id and u.start <= best.start and u.is_lead_in
            ),
            None,
        )
        if lead_in is not None and (q.is_list or lead_in is best):
            return [lead_in]
    return _with_companions(q, best, ranked, weights)


def _with_companions(q: Question, best: Unit, ranked: list[Unit], weights: Weights) -> list[Unit]:
    """The best unit and the runners-up scored close to it (the fitted companion share): the
    answer often spans two passages. A question naming several papers gets the best unit of
    each."""
    if q.papers:
        per_paper = [next((u for u in ranked if u.chunk.doc_id == d), None) for d in q.papers]
        chosen = [u for u in per_paper if u is not None]
        if chosen:
            return sorted(chosen, key=lambda u: -u.p)
    if best.is_row and not q.is_list:
        return [best]  # a row answers for its own subject: other rows are other answers
    chosen = [best]
    for unit in ranked[1:]:
        if len(chosen) >= MAX_UNITS or unit.p < weights.companion * best.p:
            break
        if unit.is_lead_in or any(overlaps(unit, c) for c in chosen):
            # A lead-in after the first line would introduce items the answer does not show.
            continue
        chosen.append(unit)
    return chosen


def _met(unit: Unit, q: Question) -> set[str]:
    return set(q.terms) & set(terms(f"{unit.text} {unit.chunk.lead if unit.is_row else ''}"))


def select_parts(
    parts: list[Question], whole: Unit, units: list[Unit], ctx_for, catalog, weights
) -> list[Unit]:
    """ "Which board does the council approve, and who will run the review?": the passage that
    best answers the whole question first, then, for each part it does not answer (it lacks
    the part's kind of answer or its words), the part's own best passage."""
    chosen: list[Unit] = [whole]
    for part in parts:
        if not part.terms:
            continue
        fresh = [u.fresh() for u in units]
        ctx = ctx_for(part, fresh)
        ranked = shaped(part, rank(fresh, part, ctx, weights), ctx.idf.common, ctx.named_papers)
        if not ranked:
            continue
        best = ranked[0]
        if any(
            c.chunk.id == best.chunk.id and c.start <= best.start and best.end <= c.end
            for c in chosen
        ):
            continue  # the passage shown already holds this part's best answer
        if fits_shape(part, whole, ctx.idf.common) and _met(best, part) <= _met(whole, part):
            continue  # the whole question's passage answers this part as well
        if not any(overlaps(best, c) for c in chosen):
            chosen.append(best)
    return chosen
