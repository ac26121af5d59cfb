"""Decision, precedent and vote questions answered from the decisions register first.

The wrapped answerer finds the passage; when the question asks what was decided, recommended or
voted, the register says which body decided it, when, under which minute or paragraph, and how
the vote went. When the answerer's passage is not a decision, the best matching record is the
answer. A recommendation is said to be one (the paper does not record the decision), a deferral
is said plainly, and a matter recorded more than once (recommended, then resolved) is shown as a
short timeline. Such answers are marked `kind: "decision"` and carry the record ids.

>>> answerer = DecisionAnswerer(ExtractiveAnswerer(), DecisionStore(path))    # cheap
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date as Date
from typing import Any

from ingest import lexicon
from ingest.decision_store import DecisionStore
from ingest.decisions import describe_votes
from retrieval.catalog import Catalog
from retrieval.decision_register import citation_of
from retrieval.question import Question
from retrieval.records import Answer, SearchResult
from retrieval.text import terms
from retrieval.wordstats import idf_for

MAX_CHARS = 600  # an answer stays short: what it adds is trimmed to fit
_QUOTE_CHARS = 360
# "Has any council agreed …", "Was it approved?", "Did the committee decide …": precedent asked.
# A yes/no question opens with its auxiliary; "What was Cabinet asked to endorse?" is not one.
_PRECEDENT = re.compile(
    r"(?i)^\W*(?:has|have|had|did|was|were)\b[^?]*?\b(?:agree|approv|resolv|decid|adopt|reject|"
    r"refus|defer|endors|carri|pass)\w*|\bprecedent\b"
)
_VERB = {
    "resolved": "resolved",
    "agreed": "agreed",
    "decision": "decided",
    "noted": "noted",
    "deferred": "deferred",
    "lost": "rejected",
    "recommended": "was recommended to",
}
_LEAD_GAP = 8  # characters (a line break, a list label) between a lead-in and its first record
_MATCH = 0.5  # share of the question's weighted terms a record must hold to answer alone
_SAME_MATTER = 0.5  # share of words two records share to be the same matter decided twice


_DECISION_WORDS = re.compile(lexicon.alternation("decision_cues"), re.I)


def asks_decision(question: Question) -> bool:
    """Asks what was decided, recommended or voted: "How much did the council approve …?" asks
    for a number, but its answer is a decision too."""
    return (
        question.wants == "decision"
        or question.vote
        or question.motion
        or bool(_PRECEDENT.search(question.text) or _DECISION_WORDS.search(question.text))
    )


def _when(value: str) -> str:
    try:
        day = Date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day.strftime('%B %Y')}"


def _where(row: dict[str, Any], doc_type: str) -> str:
    if not row["ref"]:
        return f"p. {row['page']}" if row.get("page") else ""
    label = "minute" if doc_type == "minutes" else "decision" if doc_type == "decision" else "para"
    return f"{label} {row['ref']}"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


class DecisionAnswerer:
    """Wraps an answerer: decision questions get the register's body, date, ref and vote."""

    def __init__(self, inner, register: DecisionStore):
        self.inner = inner
        self.register = register

    @property
    def name(self) -> str:
        return getattr(self.inner, "name", "extractive")

    def warm_up(self, catalog: Catalog) -> None:
        warm = getattr(self.inner, "warm_up", None)
        if warm is not None:
            warm(catalog)

    def answer(self, question: str, result: SearchResult, catalog: Catalog) -> Answer:
        return self.decide(question, result, catalog, self.inner.answer(question, result, catalog))

    def stream(
        self, question: str, result: SearchResult, catalog: Catalog
    ) -> Iterator[str | Answer]:
        for item in self.inner.stream(question, result, catalog):
            yield self.decide(question, result, catalog, item) if isinstance(item, Answer) else item

    # -- the register's part ---------------------------------------------------------------------

    def decide(
        self, question: str, result: SearchResult, catalog: Catalog, answer: Answer
    ) -> Answer:
        parsed = Question.parse(question)
        if answer.abstained or not asks_decision(parsed):
            return answer  # the answerer's calibrated abstention stands: a record is no evidence
        docs = list(dict.fromkeys(h.doc_id for h in result))
        if not docs:
            return answer
        access = tuple({str(catalog.documents.get(d, {}).get("access", "public")) for d in docs})
        rows = self.register.search(docs, access)
        if not rows:
            return answer
        anchor = self._cited_record(answer, rows)
        if parsed.vote or parsed.motion:
            # Who moved it and how the vote went are fields of the record the question is about,
            # which need not be the one the passage found first quotes.
            voted = [r for r in rows if r["mover"] or r["votes"] or r["vote_text"]]
            best = self._best_record(parsed, voted, result, catalog, _MATCH) if voted else None
            if best is not None and (anchor is None or best["id"] != anchor["id"]):
                return self._from_record(answer, best, rows, catalog, parsed)
        if anchor is not None:
            return self._with_context(answer, anchor, rows, catalog)
        # The passage found is not a decision: whether something was ever decided (a precedent)
        # is better answered by the record that decided it.
        if not _PRECEDENT.search(parsed.text):
            return answer
        best = self._best_record(parsed, rows, result, catalog, _MATCH)
        return answer if best is None else self._from_record(answer, best, rows, catalog, parsed)

    @staticmethod
    def _cited_record(answer: Answer, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
        if answer.abstained or not answer.citations:
            return None
        c = answer.citations[0]
        end = c.start + len(c.quote)
        for row in rows:
            if row["doc_id"] == c.doc_id and row["start"] < end and c.start < row["end"]:
                return row
        # A quoted lead-in ("It is recommended that Cabinet:") opens the records listed under it.
        following = [
            r for r in rows if r["doc_id"] == c.doc_id and 0 <= r["start"] - end <= _LEAD_GAP
        ]
        return min(following, key=lambda r: r["start"]) if following else None

    def _best_record(
        self, question: Question, rows, result: SearchResult, catalog: Catalog, least: float
    ):
        """The record holding most of the question's weighted terms, ties to the better hit."""
        access = tuple({r["access"] for r in rows})
        idf = idf_for(catalog, ("public", "exempt") if "exempt" in access else ("public",))
        wanted = {t: idf(t) for t in question.terms}
        total = sum(wanted.values())
        if not total:
            return None
        hit_rank = {}
        for rank, hit in enumerate(result):
            for chunk in hit.chunks:
                hit_rank.setdefault(chunk.id, rank)
        scored = []
        for row in rows:
            said = f"{row['text']} {row['subject']} {row['body']} {row['mover']} {row['seconder']}"
            # The question may name the meeting: its council and date are the record's too.
            meeting = f"{row['council']} {_when(row['date'])} {row['vote_text']}"
            held = set(terms(f"{said} {row['kind']} {row['outcome']} {meeting}"))

            share = (
                sum(
                    w
                    for t, w in wanted.items()
                    if t in held or question.alternatives.get(t, frozenset()) & held
                )
                / total
            )
            scored.append((share, -hit_rank.get(row["chunk_id"], len(result)), row))
        share, _, row = max(scored, key=lambda s: (s[0], s[1]))
        return row if share >= least and share > 0 else None

    def _timeline(self, anchor: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Other records of the same matter (recommended in a report, resolved in minutes)."""
        mine = set(terms(anchor["text"]))
        same = []
        for row in rows:
            if row["id"] == anchor["id"] or row["doc_id"] == anchor["doc_id"]:
                continue
            theirs = set(terms(row["text"]))
            if mine and theirs and len(mine & theirs) / min(len(mine), len(theirs)) >= _SAME_MATTER:
                same.append(row)
        return sorted([anchor, *same], key=lambda r: (r["date"], r["kind"] != "recommended"))

    def _status(self, row: dict[str, Any], timeline: list[dict[str, Any]], catalog: Catalog) -> str:
        parts = []
        if len(timeline) > 1:
            steps = [
                f"{_when(r['date'])}: {r['body'] or 'the meeting'} {_VERB.get(r['kind'], r['kind'])}"
                + (f" ({_where(r, self._doc_type(r, catalog))})" if r["ref"] else "")
                for r in timeline
            ]
            parts.append("Timeline: " + "; ".join(steps) + ".")
        elif row["kind"] == "recommended":
            parts.append("This is a recommendation; the papers do not record the decision.")
        if row["kind"] == "deferred" or row["outcome"] == "deferred":
            parts.append("The item was deferred.")
        return " ".join(parts)

    @staticmethod
    def _doc_type(row: dict[str, Any], catalog: Catalog) -> str:
        return str(catalog.documents.get(row["doc_id"], {}).get("doc_type", ""))

    def _heading(self, row: dict[str, Any], catalog: Catalog) -> str:
        meta = catalog.documents.get(row["doc_id"], {})
        who = row["body"] or "The meeting"
        council = str(meta.get("council", "") or row.get("council", ""))
        if council and council not in who:
            who = f"{who} ({council})"
        when = f" on {_when(row['date'])}" if row["date"] else ""
        where = _where(row, self._doc_type(row, catalog))
        where = f", {where}" if where else ""
        if row["kind"] == "recommended":
            return f"Recommended to {who}{when}{where}"
        return f"{who} {_VERB.get(row['kind'], row['kind'])}{when}{where}"

    def _vote(self, row: dict[str, Any]) -> str:
        said = " ".join(str(row.get("vote_text") or "").split())
        described = describe_votes(row)
        if said and described and row.get("mover"):
            return f"{described.split(';')[0]}; {said}"
        return said or described

    def _with_context(self, answer: Answer, row, rows, catalog: Catalog) -> Answer:
        timeline = self._timeline(row, rows)
        pieces = [
            f"({self._heading(row, catalog)}.)",
            self._vote(row),
            self._status(row, timeline, catalog),
        ]
        answer.answer = _fit(answer.answer, pieces)
        return _marked(answer, [row, *[r for r in timeline if r is not row]])

    def _from_record(
        self, answer: Answer, row, rows, catalog: Catalog, question: Question
    ) -> Answer:
        citation = citation_of(row, catalog, 1)
        if citation is None:
            return answer
        timeline = self._timeline(row, rows)
        vote, status = self._vote(row), self._status(row, timeline, catalog)
        quote_chars = _QUOTE_CHARS
        if (question.vote or question.motion) and vote:
            quote_chars = max(80, MAX_CHARS - 120 - len(vote) - len(status))
        head = f"{self._heading(row, catalog)}: “{_short(row['text'], quote_chars)}” [1]"
        text = _fit(head, [vote, status])
        marked = Answer(
            question=answer.question,
            answer=text,
            abstained=False,
            citations=[citation],
            backend=answer.backend,
            notes=answer.notes,
        )
        return _marked(marked, [row, *[r for r in timeline if r is not row]])


def _fit(text: str, pieces: list[str]) -> str:
    """Append what fits within MAX_CHARS, in order of importance."""
    for piece in pieces:
        if piece and len(text) + 1 + len(piece) <= MAX_CHARS:
            text = f"{text} {piece}"
    return text


def _marked(answer: Answer, rows: list[dict[str, Any]]) -> Answer:
    answer.kind = "decision"
    answer.decisions = list(dict.fromkeys(r["id"] for r in rows))
    return answer
