"""The default answerer: offline, deterministic, extractive.

It answers from the evidence itself: it splits the retrieved chunks into units (sentences, list
items, table rows), scores each against the question and the kind of answer the question wants
(people and organisations, dates, amounts, list items, decisions), and presents the smallest
units that answer it, each cited with a verbatim quote. When nothing in the evidence answers the
question well enough, it says so and lists the closest passages instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from ingest.records import Chunk
from retrieval.catalog import Catalog
from retrieval.quotes import MAX_QUOTE, sentence_spans, trim
from retrieval.records import ABSTAIN_TEXT, Answer, Citation, SearchResult
from retrieval.text import STOPWORDS, split_compounds, terms

MAX_ANSWER = 500
MAX_LIST_ANSWER = 560  # a bulleted list may run a little longer than a sentence

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b,?\s*(?:\d{{2,4}})?|\b{_MONTH}\s+\d{{4}}\b|"
    rf"\b{_MONTH}\s+'?\d{{2}}\b|\b(?:19|20)\d\d(?:/\d\d)?\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"£\s?\d[\d,.]*\s*(?:k|m|bn|million|billion)?|\b\d[\d,.]*\s*(?:%|per\s?cent|k\b|m\b|million|"
    r"billion)|\b\d{1,3}(?:,\d{3})+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|\d+)\s+(?:councils?|authorities|districts?|work\s?streams?|partners?|"
    r"organisations?|years?|months?|weeks?|posts?|staff|members?|workshops?|options?|stages?|"
    r"priorities|areas?|services?)\b",
    re.IGNORECASE,
)
ENTITY = re.compile(
    r"\b(?:[A-Z][a-z]+\s+){0,3}(?:Council|Borough|District|County|Partnership|Board|Committee|"
    r"Executive|Director|Manager|Officer|Consulting|Ltd|Group|Team)\b|\b(?:Cllr|Councillor|Mr|Mrs|"
    r"Ms|Dr|Sir)\.?\s+[A-Z]\w+|\b[A-Z][a-z]+(?:\s+(?:and\s+)?[A-Z][a-z]+)+\b|\b[A-Z]{2,}\b"
)
DECISION = re.compile(
    r"\b(?:recommend\w*|resolved?|agreed?|approv\w+|endors\w+|decided?|decision|propos\w+|"
    r"it is recommended|asked to|note[sd]?)\b",
    re.IGNORECASE,
)

_WANTS = [
    (
        "document",
        re.compile(
            r"\b(?:what\s+(?:is|was)\s+(?:the\s+)?.{0,60}\b(?:report|paper|document|strategy)\s+about|"
            r"purpose\s+of|summar(?:y|ise|ize)|overview\s+of|what\s+does\s+the\s+.{0,40}(?:report|paper)"
            r"\s+(?:say|cover|propose))\b",
            re.I,
        ),
    ),
    (
        "decision",
        re.compile(
            r"\b(?:recommend\w*|decid\w*|decision|resol\w+|agree[ds]?|approv\w+|endors\w+|asked\s+to)\b",
            re.I,
        ),
    ),
    (
        "when",
        re.compile(
            r"^\s*(?:and\s+)?when\b|\bwhat\s+(?:date|year|month|day|time)\b|\bwhich\s+(?:date|year|month)"
            r"\b|\bby\s+when\b|\bhow\s+soon\b|\btimescale|\bdeadline\b",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow\s+(?:many|much|long|big)\b|\b(?:cost|amount|value|budget|saving|savings|figure|"
            r"total|percentage|funding|fund|sum|price|grant)\b|£",
            re.I,
        ),
    ),
    (
        "who",
        re.compile(
            r"^\s*(?:and\s+)?who\b|\bwhom\b|\bwhose\b|\bwhich\s+(?:councils?|authorit\w+|officers?|"
            r"organisations?|compan\w+|bod(?:y|ies)|partners?|consultan\w+|person|people|members?|"
            r"districts?|group)\b|\bcontact\s+officer\b|\bname\s+of\b",
            re.I,
        ),
    ),
]
_LIST = re.compile(
    r"\b(?:list|name\s+the|what\s+(?:are|were)\s+the|which\s+\w+\s+(?:\w+\s+)?which|all\s+the|"
    r"what\s+\w+s\s+(?:are|were|did|does|do|have|has)|which\s+\w+s\s+(?:are|were))\b",
    re.I,
)
_CROSS = re.compile(
    r"\b(?:any|each|which|what|other)\s+(?:councils|authorities|partnerships|papers|reports)\b|"
    r"\bacross\s+(?:the\s+)?(?:papers|reports|councils)\b|\b(?:has|have|did)\s+any\s+council\b",
    re.I,
)
_PURPOSE_SECTION = re.compile(r"purpose|summary|introduction|overview|conclusion", re.I)
_DECISION_SECTION = re.compile(r"recommend|decision|resolution|resolved|conclusion", re.I)
_CELL_SPLIT = re.compile(r"\t+")


@dataclass
class Question:
    """What the question asks for: its terms and the kind of answer it wants."""

    text: str
    terms: set[str]
    wants: str  # who | when | number | decision | document | what
    is_list: bool
    cross: bool

    @classmethod
    def parse(cls, text: str, known=None) -> Question:
        wants = next((kind for kind, pattern in _WANTS if pattern.search(text)), "what")
        found = terms(text)
        return cls(
            text=text,
            terms=set(split_compounds(found, known) if known else found),
            wants=wants,
            is_list=bool(_LIST.search(text)),
            cross=bool(_CROSS.search(text)),
        )


@dataclass
class Unit:
    """A quotable piece of a chunk: a sentence, a list item or a table row."""

    chunk: Chunk
    start: int
    end: int
    rank: int  # the hit's rank; 0 for units brought in from the catalog
    score: float = 0.0
    coverage: float = 0.0
    matched: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]

    @property
    def is_row(self) -> bool:
        return self.chunk.kind == "table_row"


class Idf:
    """Inverse document frequencies over the chunks a user may see, cached per catalog."""

    def __init__(self, catalog: Catalog, access: tuple[str, ...]):
        counts: Counter[str] = Counter()
        n = 0
        for chunk, meta in zip(catalog.chunks, catalog.metadatas, strict=True):
            if meta.get("access", "public") in access:
                counts.update(set(terms(chunk.embed_text)))
                n += 1
        self.n = max(n, 1)
        self.counts = counts
        self._parts: dict[str, tuple[str, ...]] = {}
        self._plain: set[str] = set()

    def __call__(self, term: str) -> float:
        return math.log(1 + self.n / (1 + self.counts.get(term, 0)))

    def known(self, term: str) -> bool:
        return term in self.counts

    def expand(self, found: list[str]) -> set[str]:
        """Terms plus the parts of compounds ("workstream" also counts as "work", "stream")."""
        out = set(found)
        for token in out - self._plain:
            parts = self._parts.get(token)
            if parts is None:
                split = split_compounds([token], self.known)
                parts = self._parts[token] = tuple(split) if split != [token] else ()
                if not parts:
                    self._plain.add(token)
            out.update(parts)
        return out


_IDF_CACHE: dict[tuple[str, tuple[str, ...]], Idf] = {}


def idf_for(catalog: Catalog, access: tuple[str, ...]) -> Idf:
    key = (catalog.fingerprint, access)
    if key not in _IDF_CACHE:
        _IDF_CACHE.clear()  # one catalog at a time: old fingerprints are stale
        _IDF_CACHE[key] = Idf(catalog, access)
    return _IDF_CACHE[key]


def units_of(chunk: Chunk, rank: int) -> list[Unit]:
    """A table row is one unit; other chunks split into sentences and list items."""
    if chunk.kind == "table_row":
        return [Unit(chunk, 0, len(chunk.text.rstrip()), rank)]
    return [Unit(chunk, s, e, rank) for s, e in sentence_spans(chunk.text) if e - s > 3]


class ExtractiveAnswerer:
    """Answers by selecting and presenting the evidence that answers the question.

    >>> answerer = ExtractiveAnswerer()
    >>> answerer.answer("Who leads the back office work stream?", result, catalog)  # doctest: +SKIP
    Answer(answer='East Renfrewshire and Inverclyde [1].', ...)
    """

    name = "extractive"

    def __init__(self, min_coverage: float = 0.5, max_units: int = 4):
        self.min_coverage = min_coverage
        self.max_units = max_units

    # -- public ------------------------------------------------------------------------------

    def warm_up(self, catalog: Catalog) -> None:
        """Build the word statistics of the papers now rather than during the first answer."""
        idf_for(catalog, ("public",))

    def answer(self, question: str, result: SearchResult, catalog: Catalog) -> Answer:
        access = _access_of(result)
        idf = idf_for(catalog, access)
        q = Question.parse(question, idf.known)
        candidates = self._candidates(q, result, catalog)
        for unit in candidates:
            self._score(unit, q, idf)
        candidates.sort(key=lambda u: (-u.score, u.rank, u.chunk.position, u.start))
        if not candidates or self._unanswerable(q, candidates[0], idf):
            return self._abstain(question, q, candidates)
        chosen = self._select(q, candidates, catalog, idf)
        if not chosen:
            return self._abstain(question, q, candidates)
        return self._present(question, q, chosen)

    def stream(
        self, question: str, result: SearchResult, catalog: Catalog
    ) -> Iterator[str | Answer]:
        """The extractive answer is ready at once: one text piece, then the record."""
        answer = self.answer(question, result, catalog)
        yield answer.answer
        yield answer

    # -- candidates and scores ---------------------------------------------------------------

    def _candidates(self, q: Question, result: SearchResult, catalog: Catalog) -> list[Unit]:
        units: list[Unit] = []
        seen: set[str] = set()
        for hit in result:
            for chunk in hit.chunks:
                if chunk.id not in seen:
                    seen.add(chunk.id)
                    units.extend(units_of(chunk, hit.rank))
        if q.wants in ("document", "decision") and len(result):
            # Document-level questions are answered from the paper's own purpose/summary or
            # recommendation sections, which a similarity search may not rank highly.
            pattern = _PURPOSE_SECTION if q.wants == "document" else _DECISION_SECTION
            for doc_id in _docs_in_order(result)[:3]:
                for chunk in _doc_chunks(catalog, doc_id):
                    if chunk.id not in seen and any(pattern.search(s) for s in chunk.section):
                        seen.add(chunk.id)
                        units.extend(units_of(chunk, 0))
        return units

    def _score(self, unit: Unit, q: Question, idf: Idf) -> None:
        """Coverage of the question's terms (the unit's own words count fully, its context half)."""
        chunk = unit.chunk
        own = idf.expand(terms(unit.text))
        if unit.is_row:
            own |= idf.expand(terms(chunk.lead))  # a row means nothing without its header
        # The rest of the paragraph, the table header or list lead-in, the section and the
        # paper's title say what a sentence is about; they count half.
        about = f"{chunk.text}\n{chunk.lead}\n{' '.join(chunk.section)}"
        if chunk.meta:
            about += f"\n{chunk.meta.council} {chunk.meta.title}"
        context = idf.expand(terms(about))
        total = sum(idf(t) for t in q.terms) or 1.0
        matched_own = q.terms & own
        matched_ctx = (q.terms & context) - own
        unit.matched = matched_own | matched_ctx
        unit.coverage = (
            sum(idf(t) for t in matched_own) + 0.5 * sum(idf(t) for t in matched_ctx)
        ) / total
        text = unit.text
        bonus = 0.0
        if q.wants == "when":
            bonus += 0.25 if DATE.search(text) else -0.15
        elif q.wants == "number":
            bonus += 0.25 if NUMBER.search(text) else -0.15
        elif q.wants == "who":
            bonus += 0.15 if _entities(text) else -0.1
        elif q.wants == "decision":
            bonus += 0.2 if DECISION.search(text) else 0.0
            if any(_DECISION_SECTION.search(s) for s in unit.chunk.section):
                bonus += 0.15
        elif q.wants == "document" and any(_PURPOSE_SECTION.search(s) for s in unit.chunk.section):
            bonus += 0.3
        if unit.is_row and unit.chunk.lead:
            bonus += 0.05  # a table row answers with exactly the cells asked for
        if q.is_list and chunk.kind in ("table_row", "list"):
            bonus += 0.2  # list questions are answered by lists and tables
        prior = 0.12 / unit.rank if unit.rank else 0.04
        length = len(text)
        shortness = -0.1 if length > 600 else (-0.05 if length < 25 else 0.0)
        unit.score = unit.coverage + bonus + prior + shortness

    # -- selection ---------------------------------------------------------------------------

    def _select(self, q: Question, ranked: list[Unit], catalog: Catalog, idf: Idf) -> list[Unit]:
        best = ranked[0]
        if best.is_row and (q.is_list or _asks_whole_table(q, best)):
            rows = _table_rows(best.chunk, catalog)
            if len(rows) > 1 and _header_matches(q, best.chunk.lead):
                return [Unit(r, 0, len(r.text.rstrip()), best.rank, best.score) for r in rows]
        if best.chunk.kind == "list" and q.is_list:
            items = [
                u for u in ranked if u.chunk.id == best.chunk.id and u.score > 0.5 * best.score
            ]
            if len(items) > 1:
                return sorted(items, key=lambda u: u.start)[: self.max_units + 2]
        chosen = [best]
        docs = {best.chunk.doc_id}
        covered = set(best.matched)
        for unit in ranked[1:]:
            if len(chosen) >= self.max_units:
                break
            if any(_overlaps(unit, c) for c in chosen):
                continue
            close = unit.score >= 0.8 * best.score
            if q.cross and unit.chunk.doc_id not in docs and unit.score >= 0.6 * best.score:
                chosen.append(unit)
                docs.add(unit.chunk.doc_id)
                continue
            adds = unit.matched - covered
            useful = sum(idf(t) for t in adds) >= 0.25 * sum(idf(t) for t in q.terms)
            if close and (useful or q.is_list or q.wants in ("decision", "document")):
                chosen.append(unit)
                covered |= unit.matched
            elif close and q.wants in ("who", "number", "when") and len(chosen) < 2:
                chosen.append(unit)
        return chosen

    def _unanswerable(self, q: Question, best: Unit, idf: Idf) -> bool:
        if best.coverage < self.min_coverage:
            return True
        # A named thing the papers never mention ("Bristol", "HS2") cannot be answered here.
        named = {stem for stem in _named_terms(q.text)}
        return any(not idf.known(t) for t in named)

    # -- presentation ------------------------------------------------------------------------

    def _present(self, question: str, q: Question, chosen: list[Unit]) -> Answer:
        citations: list[Citation] = []
        lines: list[str] = []
        for unit in chosen:
            text, quote_span = self._render(unit, q)
            if not text:
                continue
            start, end = quote_span
            citation = Citation.from_chunk(
                len(citations) + 1, unit.chunk, unit.chunk.text[start:end]
            )
            candidate = f"{text} [{citation.n}]"
            if q.cross and len({u.chunk.doc_id for u in chosen}) > 1 and unit.chunk.meta:
                candidate = f"{unit.chunk.meta.council}: {candidate}"
            projected = sum(len(line) + 3 for line in lines) + len(candidate)
            if lines and projected > MAX_LIST_ANSWER:
                left = len(chosen) - len(lines)
                lines.append(f"… and {left} more in the same {'table' if unit.is_row else 'list'}")
                break
            citations.append(citation)
            lines.append(candidate)
        if not lines:
            return self._abstain(question, q, chosen)
        if len(lines) == 1:
            # "… the role of lead authorities; [1]" reads as "… the role of lead authorities [1]."
            text, marker = lines[0].rsplit(" [", 1)
            text = text.rstrip(" ;:,–-")
            body = f"{text} [{marker}" + ("" if text.endswith((".", "?", "!")) else ".")
            body = re.sub(r"([.!?]) (\[\d+\])$", r"\1 \2", body)
        else:
            body = "\n".join(f"- {line}" for line in lines)
        return Answer(question=question, answer=body, abstained=False, citations=citations)

    def _render(self, unit: Unit, q: Question) -> tuple[str, tuple[int, int]]:
        """The answer text for one unit and the span of the chunk quoted for it."""
        chunk = unit.chunk
        if unit.is_row and chunk.lead:
            span = (unit.start, unit.end)
            return _render_row(chunk.text[unit.start : unit.end], chunk.lead, q), span
        start, end = trim(chunk.text, unit.start, unit.end, q.terms, MAX_QUOTE)
        text = chunk.text[start:end].strip()
        text = re.sub(r"\s*\n\s*", " ", text)
        return text, (start, end)

    def _abstain(self, question: str, q: Question, candidates: list[Unit]) -> Answer:
        suggestions: list[Citation] = []
        seen: set[str] = set()
        for unit in candidates:
            if unit.chunk.id in seen or unit.rank == 0:
                continue
            seen.add(unit.chunk.id)
            start, end = trim(unit.chunk.text, unit.start, unit.end, q.terms, MAX_QUOTE)
            suggestions.append(
                Citation.from_chunk(len(suggestions) + 1, unit.chunk, unit.chunk.text[start:end])
            )
            if len(suggestions) == 3:
                break
        return Answer(
            question=question, answer=ABSTAIN_TEXT, abstained=True, suggestions=suggestions
        )


# -- helpers ---------------------------------------------------------------------------------


def _access_of(result: SearchResult) -> tuple[str, ...]:
    """Access levels of the evidence: IDF is computed over what this user can see."""
    levels = {h.chunk.meta.access for h in result if h.chunk.meta}
    return ("public", "exempt") if "exempt" in levels else ("public",)


def _docs_in_order(result: SearchResult) -> list[str]:
    return list(dict.fromkeys(h.doc_id for h in result))


def _doc_chunks(catalog: Catalog, doc_id: str) -> list[Chunk]:
    return [c for c in catalog.chunks if c.doc_id == doc_id]


def _entities(text: str) -> list[str]:
    return [m.group(0) for m in ENTITY.finditer(text) if m.start() > 0 or len(m.group(0)) > 3]


def _named_terms(question: str) -> list[str]:
    """Stems of capitalised words past the question's first word (proper names, acronyms)."""
    tokens = re.findall(r"[A-Za-z][\w'’-]*", question)
    out = []
    for token in tokens[1:]:
        if token[0].isupper() and token.lower() not in STOPWORDS:
            out.extend(terms(token))
    return out


def _overlaps(a: Unit, b: Unit) -> bool:
    if a.chunk.id == b.chunk.id and a.start < b.end and b.start < a.end:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.8


def _cells(text: str) -> list[str]:
    return [c.strip() for c in _CELL_SPLIT.split(text.strip())]


def _header_matches(q: Question, lead: str) -> bool:
    return bool(q.terms & set(terms(lead)))


def _asks_whole_table(q: Question, row: Unit) -> bool:
    """ "Which authorities lead which workstream?": the question names the columns, not a row."""
    header = set(terms(row.chunk.lead))
    own = set(terms(row.text))
    return len(q.terms & header) >= 2 and not (q.terms & own - header)


def _table_rows(row: Chunk, catalog: Catalog) -> list[Chunk]:
    """All rows of the table a row belongs to (adjacent rows sharing its header)."""
    rows = [row]
    for step in (-1, 1):
        current = catalog.neighbour(row, step)
        while current is not None and current.kind == "table_row" and current.lead == row.lead:
            rows.append(current)
            current = catalog.neighbour(current, step)
    return sorted(rows, key=lambda c: c.position)


def _render_row(row: str, lead: str, q: Question) -> str:
    """A table row as an answer: the cells the question asks for, keyed by the row's subject.

    "Which councils lead the waste work stream?" → "Glasgow and North Lanarkshire".
    """
    cells = _cells(row)
    header = _cells(lead)
    if len(cells) != len(header) or len(cells) < 2:
        return re.sub(r"\s*\t+\s*", " – ", row.strip())
    # Columns the row is picked by (the question names their value) vs columns asked about.
    key = [i for i, c in enumerate(cells) if q.terms & set(terms(c))]
    asked = [i for i, h in enumerate(header) if q.terms & set(terms(h)) and i not in key]
    ordinal = [i for i, c in enumerate(cells) if re.fullmatch(r"\d{1,2}[.)]?", c)]
    if key and asked and not q.is_list:
        return "; ".join(cells[i] for i in asked)
    shown = [i for i in range(len(cells)) if i not in ordinal and cells[i]]
    if len(shown) >= 2:
        label = cells[shown[0]]
        rest = "; ".join(cells[i] for i in shown[1:])
        return f"{label}: {rest}"
    return " – ".join(cells[i] for i in shown)
