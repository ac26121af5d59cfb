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
from dataclasses import dataclass, field, replace

from ingest.records import Chunk
from retrieval.catalog import Catalog
from retrieval.dates import full_dates
from retrieval.intent import (
    DECISION_SECTION,
    PURPOSE,
    PURPOSE_SECTION,
    acronym_asked,
    alternatives,
    asks_reference,
    definitions,
    question_kind,
    question_parts,
)
from retrieval.quotes import MAX_QUOTE, sentence_spans, trim
from retrieval.records import ABSTAIN_TEXT, Answer, Citation, SearchResult
from retrieval.text import STOPWORDS, names_different_papers, names_paper, split_compounds, terms

MAX_ANSWER = 500
MAX_LIST_ANSWER = 560  # a bulleted list may run a little longer than a sentence
MAX_LEAD_IN = 200  # a list's lead-in sentence, shortened around the question's words
MAX_ITEM = 110  # one list item in an answer; the citation holds the full text
MAX_ITEMS = 12
MONEY = re.compile(
    r"[£$€]\s?\d|\b\d[\d,.]*\s*(?:k|m|bn|million|billion|thousand)\b|\b(?:pounds|dollars|euros)\b",
    re.IGNORECASE,
)
_MONEY_ASKED = re.compile(
    r"\bhow\s+much\s+(?!time\b|longer\b)|\b(?:cost|salary|budget|price|spend|spent|paid|pay|"
    r"funding|saving|savings|save|£|\$|pounds|dollars)\b",
    re.I,
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b,?\s*(?:\d{{2,4}})?|\b{_MONTH}\s+\d{{4}}\b|"
    rf"\b{_MONTH}\s+'?\d{{2}}\b|\b(?:19|20)\d\d(?:/\d\d)?\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|"
    rf"\b(?:spring|summer|autumn|winter)\s+(?:19|20)\d\d\b|\b(?:between|from|in|by|until|during)\s+"
    rf"(?:early\s+|late\s+|mid-?\s*)?(?:January|February|March|April|May|June|July|August|"
    rf"September|October|November|December)\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|"
    rf"\b\d{{1,2}}(?:[.:]\d{{2}})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{{1,2}}:\d{{2}}\b",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"[£$€]\s?\d[\d,.]*\s*(?:k|m|bn|million|billion)?|\b\d[\d,.]*\s*(?:%|per\s?cent|k\b|m\b|million|"
    r"billion)|\b\d{1,3}(?:,\d{3})+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|\d+)\s+(?:councils?|authorities|districts?|work\s?streams?|partners?|"
    r"organisations?|years?|months?|weeks?|posts?|staff|members?|workshops?|options?|stages?|"
    r"priorities|areas?|services?|days?|hours?|people|participants|councillors|districts)\b|"
    r"\b\d+(?:\.\d+)?\s*(?:MB|GB|Mbps|km|miles|hours|days)\b|\b\d+\s+(?:out\s+)?of\s+(?:the\s+)?\d+\b|"
    r"\b\d[\d,]*\s+(?:[a-z-]+\s+)?[a-z]{3,}s\b",  # "150 formal meetings"
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

_LIST = re.compile(
    r"\b(?:list|name\s+the|what\s+(?:are|were)\s+the|which\s+\w+\s+(?:\w+\s+)?which|all\s+the|"
    r"(?:what|which)\s+(?!(?:do|does|did|is|are|was|were|has|have|the)\b)(?:\w+\s+){0,3}?\w+s\s+"
    r"(?:are|were|did|does|do|have|has)|"
    r"which\s+\w+s\s+(?:are|were))\b",
    re.I,
)
_CROSS = re.compile(
    r"\b(?:any|each|which|what|other)\s+(?:councils|authorities|partnerships|papers|reports)\b|"
    r"\bacross\s+(?:the\s+)?(?:papers|reports|councils)\b|\b(?:has|have|did)\s+any\s+council\b",
    re.I,
)
# Words that phrase a question rather than name its subject ("roughly how much", "what does X
# stand for", "who wrote"): they are not evidence and do not count towards coverage.
QUESTION_FILLER = frozenset(
    terms(
        "roughly approximately exactly currently actually stand stands wrote written happen "
        "happens mentioned mention according cited say says said describe described kind sort "
        "do does did"
    )
)
_LEAD_IN = re.compile(
    r"(?::-?|\bi\.e\.?|\bas follows\.?|\bthe following\.?|\bset out below\.?|\bbelow\.?|"
    r"\binclude:?-?)\s*$",
    re.I,
)
_INLINE_LIST = re.compile(r":-?\s+[^,;]{2,60}(?:[,;]\s*[^,;]{2,60}){2,}")
_TITLES = frozenset({"Cllr", "Councillor", "Mr", "Mrs", "Ms", "Miss", "Dr", "Sir"})
_ADDRESS = re.compile(r"\S+@\S+|\bwww\.\S+|https?://\S+")  # "andrew.harper@…" names no word
_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]+\b")
_PERSON = re.compile(
    r"\b(?:(?:Cllr|Councillor|Mr|Mrs|Ms|Miss|Dr|Sir)\.? +)?[A-Z][a-z]+(?: +[A-Z]\.)? +"
    r"(?:Mc|Mac)?[A-Z][a-z]+\b"
)
_NOT_NAME = frozenset(
    terms(
        "council councils borough district county partnership board committee executive director "
        "manager officer service services group team report cabinet programme review strategy "
        "authority authorities government department chief head corporate assistant deputy "
        "improvement efficiency valley community planning shared joint work stream waste "
        "environment street scene east west north south midlands regional full special"
    )
)
# "Who is the contact officer", "the name of", "who wrote": the answer is a named person (a
# plain "who leads the work stream?" may be answered by a council).
_PERSON_ASKED = re.compile(
    r"\b(?:officer|contact|director|manager|chair\w*|leader|executive|councillor|holder|author|"
    r"wrote|written|signed|name\s+of|she|he|her|his|person)\b",
    re.I,
)
_ORGANISATION_ASKED = re.compile(
    r"\bwhich\s+(?:\w+\s+)?(?:councils?|authorit\w+|group|bod(?:y|ies)|organisations?|firms?|"
    r"compan\w+|partners\w*|districts?|partnerships?|committees?)\b",
    re.I,
)
_COMPANY_ASKED = re.compile(r"\b(?:firm|company|companies|consultan\w+|contractor)s?\b", re.I)
_COMPANY = re.compile(
    r"\b[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*\s+(?:Ltd|Limited|plc|PLC|LLP|Consulting|Consultants|"
    r"Associates|Inc)\b"
)
_AUTHOR = re.compile(
    r"\b(?:contact|author|wrote|written|prepared|report\s+by|signed|portfolio\s+holder)\b", re.I
)
_AUTHOR_TEXT = re.compile(
    r"\b(?:contact|author|originator|prepared\s+by|report\s+by|portfolio\s+holder|signed|"
    r"director)\b|\bname\s*:",
    re.I,
)
_CELL_SPLIT = re.compile(r"\t+")


@dataclass
class Question:
    """What the question asks for: its terms and the kind of answer it wants."""

    text: str
    terms: set[str]
    wants: str  # who | when | number | decision | document | what
    is_list: bool
    cross: bool
    person: bool = False  # asks for a named person, not a council or a group
    acronym: str = ""  # "What does WETT stand for?", "What is iESE?": the acronym to expand
    reference: bool = False  # asks for a paper's report number or reference
    money: bool = False  # asks for an amount of money
    author: bool = False  # asks who wrote, signed or is the contact for a paper
    alternatives: dict[str, frozenset[str]] = field(default_factory=dict)  # term → same meaning

    @classmethod
    def parse(cls, text: str, known=None) -> Question:
        wants = question_kind(text)
        found = [t for t in terms(text) if t not in QUESTION_FILLER]
        if known:
            found = [_as_written(t, known) for t in found]
        return cls(
            text=text,
            terms=set(split_compounds(found, known) if known else found),
            wants=wants,
            is_list=bool(_LIST.search(text)),
            cross=bool(_CROSS.search(text)),
            alternatives=alternatives(text),
            person=wants == "who"
            and bool(_PERSON_ASKED.search(text))
            and not _ORGANISATION_ASKED.search(text),
            money=wants == "number" and bool(_MONEY_ASKED.search(text)),
            acronym=acronym_asked(text),
            reference=asks_reference(text),
            author=wants == "who" and bool(_AUTHOR.search(text)),
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
    following: str = ""  # for a lead-in: the items it introduces
    expansion: str = ""  # for a definition of the acronym asked about: what it stands for

    @property
    def evidence(self) -> str:
        """What the unit shows a reader: its text, and a lead-in's items."""
        return f"{self.text}\n{self.following}" if self.following else self.text

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
        common: set[str] = set()
        n = 0
        for chunk, meta in zip(catalog.chunks, catalog.metadatas, strict=True):
            if meta.get("access", "public") in access:
                counts.update(set(terms(chunk.embed_text)))
                common.update(_LOWER_WORD.findall(_ADDRESS.sub(" ", chunk.text)))
                n += 1
        self.common = common  # words the papers also write in lower case: not parts of names
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

    def __init__(self, min_coverage: float = 0.4, max_units: int = 4):
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
        if _names_several_papers(q, result):
            q = replace(q, cross=True)
        candidates = self._candidates(q, result, catalog)
        for unit in candidates:
            if _is_lead_in(unit):
                unit.following = "\n".join(i.text for i in _items_after(unit, catalog)[:4])
        parts = question_parts(question)
        if len(parts) > 1:
            chosen = self._answer_parts(parts, q, candidates, catalog, idf)
        else:
            chosen = self._answer_part(q, candidates, catalog, idf)
        if not chosen:
            return self._abstain(
                question, q, self._ranked(q, candidates, catalog, idf, typed=False)
            )
        return self._present(question, q, chosen, catalog)

    def _ranked(
        self, q: Question, candidates: list[Unit], catalog: Catalog, idf: Idf, typed: bool = True
    ) -> list[Unit]:
        """Candidates best first; with `typed`, only if one holds the kind of answer asked for."""
        for unit in candidates:
            self._score(unit, q, idf)
        ranked = sorted(candidates, key=lambda u: (-u.score, u.rank, u.chunk.position, u.start))
        return self._typed_first(q, ranked, catalog, idf) if typed else ranked

    def _answer_part(
        self, q: Question, candidates: list[Unit], catalog: Catalog, idf: Idf
    ) -> list[Unit]:
        """The units that answer one question, or none when the evidence does not."""
        ranked = self._ranked(q, candidates, catalog, idf)
        if not ranked or self._unanswerable(q, ranked, idf):
            return []
        return self._select(q, ranked, catalog, idf)

    def _answer_parts(
        self, parts: list[str], whole: Question, candidates: list[Unit], catalog: Catalog, idf: Idf
    ) -> list[Unit]:
        """ "Which work stream does Inverclyde co-lead, and which WETT stream has support?":
        each part is answered on its own; the answer holds the best unit for each."""
        chosen: list[Unit] = []
        for text in parts:
            part = Question.parse(text, idf.known)
            if not part.terms - QUESTION_FILLER:
                continue
            part = replace(part, cross=whole.cross)
            found = self._answer_part(part, [_fresh(u) for u in candidates], catalog, idf)
            for unit in found[:1]:
                if not any(_overlaps(unit, c) for c in chosen):
                    chosen.append(unit)
        return chosen

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
            for chunk in (*_lead_in_chunks(hit.chunks[0], catalog), *hit.chunks):
                if chunk.id not in seen:
                    seen.add(chunk.id)
                    units.extend(units_of(chunk, hit.rank))
        papers = [catalog.chunks_of(d) for d in _docs_in_order(result)[:3]]

        def bring_in(wanted) -> None:
            """Passages of the top papers that a similarity search may not rank highly."""
            for chunks in papers:
                for chunk in chunks:
                    if chunk.id not in seen and wanted(chunk):
                        seen.add(chunk.id)
                        units.extend(units_of(chunk, 0))

        if q.reference:  # "What is the report number?": the line holding the paper's reference
            bring_in(lambda c: bool(c.meta and c.meta.report_ref and c.meta.report_ref in c.text))
        if q.acronym:  # "What does WETT stand for?": where it is spelled out, "… Two Tier (WETT)"
            for chunks in papers:
                units.extend(_definitions(q.acronym, chunks))
        if q.author:  # "Who wrote it / whom to contact": the signature and contact block
            bring_in(lambda c: bool(_AUTHOR_TEXT.search(f"{c.text} {' '.join(c.section)}")))
        if q.wants in ("document", "decision"):
            # Answered from the paper's own purpose/summary or recommendation sections.
            pattern = PURPOSE_SECTION if q.wants == "document" else DECISION_SECTION
            bring_in(lambda c: any(pattern.search(s) for s in c.section))
        return units

    def _score(self, unit: Unit, q: Question, idf: Idf) -> None:
        """Coverage of the question's terms (the unit's own words count fully, its context half)."""
        chunk = unit.chunk
        own = idf.expand(terms(unit.text))
        if unit.is_row:
            own |= idf.expand(terms(chunk.lead))  # a row means nothing without its header
        # Words naming the paper ("Harborough", "Bromsgrove Cabinet") are satisfied by any passage
        # of that paper. The rest of the paragraph, the table header or list lead-in and the
        # section say what a sentence is about; they count half.
        own = set(own)
        if chunk.meta:
            own |= idf.expand(terms(f"{chunk.meta.council} {chunk.meta.body} {chunk.meta.title}"))
        about = f"{chunk.text}\n{chunk.lead}\n{' '.join(chunk.section)}"
        context = idf.expand(terms(about))
        for term, same in q.alternatives.items():
            if same & own:
                own.add(term)  # "set up" is met by "establishment", "CEO" by "chief executive"
            elif same & context:
                context.add(term)
        total = sum(idf(t) for t in q.terms) or 1.0
        matched_own = q.terms & own
        matched_ctx = (q.terms & context) - own
        unit.matched = matched_own | matched_ctx
        unit.coverage = (
            sum(idf(t) for t in matched_own) + 0.5 * sum(idf(t) for t in matched_ctx)
        ) / total
        text = unit.evidence
        bonus = 0.0
        if q.wants == "when":
            bonus += 0.25 if DATE.search(text) else -0.15
        elif q.wants == "number":
            bonus += 0.25 if _has_figure(q, text) else -0.15
        elif q.wants == "who" and q.person:
            bonus += (
                0.3 if _people(text, idf.common, q.terms) else (0.05 if _entities(text) else -0.1)
            )
        elif q.wants == "who" and _COMPANY_ASKED.search(q.text):
            bonus += 0.3 if _COMPANY.search(text) else (0.05 if _entities(text) else -0.1)
        elif q.wants == "who":
            bonus += 0.15 if _entities(text) else -0.1
        elif q.wants == "decision":
            bonus += 0.2 if DECISION.search(text) else 0.0
            if any(DECISION_SECTION.search(s) for s in unit.chunk.section):
                bonus += 0.15
        elif q.wants == "document":
            # A paper is best described by its own statement of purpose or its summary.
            if PURPOSE.search(text):
                bonus += 0.4
            elif any(PURPOSE_SECTION.search(s) for s in unit.chunk.section):
                bonus += 0.3
        if unit.is_row and unit.chunk.lead:
            bonus += 0.05  # a table row answers with exactly the cells asked for
        if unit.expansion:
            bonus += 0.5
        ref = chunk.meta.report_ref if chunk.meta else ""
        if q.reference and ref and ref in unit.text:
            bonus += 0.5  # "Report No: IC/01/10/PW/MMcK"
        if q.author and _AUTHOR_TEXT.search(unit.text):
            bonus += 0.3  # "Originator: Anna Graves", "Contact Officer: …" answer "who wrote it"
        if q.is_list and (chunk.kind in ("table_row", "list") or _INLINE_LIST.search(text)):
            bonus += 0.2  # list questions are answered by lists and tables
        prior = 0.12 / unit.rank if unit.rank else 0.04
        length = len(text)
        shortness = -0.1 if length > 600 else (-0.05 if length < 25 else 0.0)
        unit.score = unit.coverage + bonus + prior + shortness

    # -- selection ---------------------------------------------------------------------------

    def _select(self, q: Question, ranked: list[Unit], catalog: Catalog, idf: Idf) -> list[Unit]:
        best = ranked[0]
        if q.wants == "document" and any(PURPOSE_SECTION.search(s) for s in best.chunk.section):
            # "What is the report about?": the purpose section's opening and its "this report
            # sets out …" sentence, in reading order.
            opening = _section_opening(best, catalog)
            if opening is not None and not _overlaps(opening, best):
                return sorted([opening, best], key=lambda u: (u.chunk.position, u.start))
        if best.expansion:
            # "What is iESE?": what it stands for, then the passage that says what it is.
            if _asks_expansion(q):
                return [best]
            about = next(
                (
                    u
                    for u in ranked[1:]
                    if not u.expansion and q.acronym in u.text and not _overlaps(u, best)
                ),
                None,
            )
            return [best, about] if about else [best]
        if best.is_row and (q.is_list or _asks_whole_table(q, best)):
            rows = _table_rows(best.chunk, catalog)
            if len(rows) > 1 and _header_matches(q, best.chunk.lead):
                return [Unit(r, 0, len(r.text.rstrip()), best.rank, best.score) for r in rows]
        if best.chunk.kind == "list" and (q.is_list or q.wants in ("what", "decision")):
            # An item of a list answers as the whole list, introduced by its lead-in.
            lead_in = next(
                (
                    u
                    for u in sorted(ranked, key=lambda u: u.start)
                    if u.chunk.id == best.chunk.id and u.start <= best.start and _is_lead_in(u)
                ),
                None,
            )
            if lead_in is not None and (q.is_list or lead_in is best):
                return [lead_in]
        chosen = [best]
        docs = {best.chunk.doc_id}
        covered = set(best.matched)
        for unit in ranked[1:]:
            if len(chosen) >= self.max_units:
                break
            if _is_lead_in(unit) or any(_overlaps(unit, c) for c in chosen):
                # A lead-in after the first line would introduce items the answer does not show.
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
                has = _answer_type(q, idf, catalog)
                if has is None or has(unit):
                    chosen.append(unit)
        return chosen

    def _typed_first(
        self, q: Question, ranked: list[Unit], catalog: Catalog, idf: Idf
    ) -> list[Unit]:
        """A date question is answered by a date, an amount by a number, "who is the officer"
        by a name: the best passage that holds one leads; when no passage relevant enough
        does, the papers do not say."""
        has = _answer_type(q, idf, catalog)
        if has is None or not ranked or has(ranked[0]):
            return ranked
        typed = next((u for u in ranked if has(u) and u.coverage >= self.min_coverage), None)
        if typed is None:
            return []
        return [typed, *(u for u in ranked if u is not typed)]

    def _unanswerable(self, q: Question, ranked: list[Unit], idf: Idf) -> bool:
        # Enough of the question must be covered by one of the leading passages (the best by
        # score may be a short line that another, nearly as good, explains).
        leading = [u for u in ranked[:5] if u.score >= 0.9 * ranked[0].score]
        if max(u.coverage for u in leading) < self.min_coverage:
            return True
        if _after_the_papers(q, leading):
            return True
        if _MEASURE_ASKED.search(q.text) and not any(_measured(q, u) for u in leading):
            return True
        # A named thing the papers never mention ("Bristol", "HS2") cannot be answered here.
        named = {_as_written(t, idf.known) for t in _named_terms(q.text)}
        return any(not idf.known(t) for t in named)

    # -- presentation ------------------------------------------------------------------------

    def _present(self, question: str, q: Question, chosen: list[Unit], catalog: Catalog) -> Answer:
        if _is_lead_in(chosen[0]):
            items = _items_after(chosen[0], catalog)
            if items:
                return self._present_list(question, q, chosen[0], items)
        citations: list[Citation] = []
        lines: list[str] = []
        for unit in chosen:
            room = MAX_ANSWER - 20 if len(chosen) == 1 else MAX_QUOTE
            text, quote_span = self._render(unit, q, room)
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

    def _present_list(self, question: str, q: Question, lead_in: Unit, items: list[Unit]) -> Answer:
        """A lead-in sentence and the items it introduces: "… summarised as:" then a short list."""
        chunk = lead_in.chunk
        start, end = trim(chunk.text, lead_in.start, lead_in.end, q.terms, MAX_LEAD_IN)
        head = re.sub(r"\s*\n\s*", " ", chunk.text[start:end].strip())
        # The lead-in's own quote runs on over the items of the same chunk while it fits.
        quote_end = end
        for item in items:
            if item.chunk.id == chunk.id and item.end - start <= MAX_QUOTE:
                quote_end = item.end
        if not q.is_list:
            # "Which work stream is Inverclyde a lead for?": the items naming what the lead-in
            # does not are the answer, not the whole list.
            lead_terms = set(terms(head)) | set(terms(chunk.lead))
            named = [i for i in items if (q.terms - lead_terms) & set(terms(i.text))]
            if named:
                items = named
                quote_end = end
        citations = [Citation.from_chunk(1, chunk, chunk.text[start:quote_end])]
        lines = [f"{head} [1]"]
        used = len(lines[0])
        for shown, item in enumerate(items):
            marker = ""
            if item.chunk.id != chunk.id:
                citation = Citation.from_chunk(len(citations) + 1, item.chunk, item.text)
                marker = f" [{citation.n}]"
            text = _item_text(item, q)
            line = f"- {text}{marker}"
            if used + len(line) + 1 > MAX_LIST_ANSWER - 30:
                lines.append(f"- … and {len(items) - shown} more")
                break
            if marker:
                citations.append(citation)
            lines.append(line)
            used += len(line) + 1
        return Answer(
            question=question, answer="\n".join(lines), abstained=False, citations=citations
        )

    def _render(self, unit: Unit, q: Question, room: int) -> tuple[str, tuple[int, int]]:
        """The answer text for one unit (at most `room` characters) and the span quoted for it."""
        chunk = unit.chunk
        if unit.expansion and _asks_expansion(q):
            quote = trim(chunk.text, unit.start, unit.end, set(terms(unit.expansion)), MAX_QUOTE)
            return f"{q.acronym} stands for {unit.expansion}", quote
        if unit.is_row and chunk.lead:
            span = (unit.start, unit.end)
            return _render_row(chunk.text[unit.start : unit.end], chunk.lead, q), span
        if unit.is_row:
            # Cells holding only marks (a timetable's "■") say nothing in a sentence.
            cells = [c for c in _cells(unit.text) if re.search(r"\w", c)]
            return ", ".join(cells), (unit.start, unit.end)
        role = _role_line_after(unit) if q.person else None
        if role is not None:
            # A signature: "Paul Wallace" / "Corporate Director" reads "Paul Wallace, Corporate Director".
            return f"{unit.text.strip()}, {chunk.text[role[0] : role[1]].strip()}", (
                unit.start,
                role[1],
            )
        quote = trim(chunk.text, unit.start, unit.end, q.terms, MAX_QUOTE)
        # A sentence that fits is shown whole (an inline list keeps all its items); the quote
        # stays within the citation limit.
        shown = (
            quote if room <= MAX_QUOTE else trim(chunk.text, unit.start, unit.end, q.terms, room)
        )
        text = re.sub(r"\s*\n\s*", " ", chunk.text[shown[0] : shown[1]].strip())
        text = re.sub(r":\s*\t+\s*", ": ", text)  # "Report No:<TAB>IC/01/…" is a label and value
        return re.sub(r"\s*\t+\s*", "; ", text), quote

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


_OCR_CONFUSIONS = (("i", "l"), ("l", "i"), ("1", "l"), ("l", "1"), ("0", "o"), ("o", "0"))


def _as_written(term: str, known) -> str:
    """A word the papers never use, but spell with one scanning slip ("IiP" printed as "liP"),
    is taken as the papers spell it."""
    if known(term) or len(term) < 3:
        return term
    for i, ch in enumerate(term):
        for a, b in _OCR_CONFUSIONS:
            if ch == a:
                variant = term[:i] + b + term[i + 1 :]
                if known(variant):
                    return variant
    return term


def _fresh(unit: Unit) -> Unit:
    return Unit(unit.chunk, unit.start, unit.end, unit.rank, following=unit.following)


_PAST_OUTCOME = re.compile(
    r"\b(?:was|were)\s+(?:agreed|decided|resolved|approved|said|discussed)|\bdid\b|\bhappened\b|"
    r"\btook\s+place\b|\bvoted\b|\boutcome\b",
    re.I,
)


def _after_the_papers(q: Question, leading: list[Unit]) -> bool:
    """ "What was agreed at the meeting on 12 March 2010?" when the papers date from February
    2010: they can only announce that meeting, not report what it decided."""
    asked = full_dates(q.text)
    if not asked or not _PAST_OUTCOME.search(q.text):
        return False
    dates = [u.chunk.meta.date for u in leading if u.chunk.meta and u.chunk.meta.date]
    return bool(dates) and all(d < min(asked) for d in dates)


# "What is the population of …?": a figure only counts if it is the population's.
_MEASURE_ASKED = re.compile(
    r"\b(?:population|salary|salaries|turnout|wage|income|recycling\s+rate|band\s+d)\b", re.I
)


_PARAGRAPH_LABEL = re.compile(r"^\d{1,2}(?:\.\d{1,3}){1,3}\.?$")


def _measured(q: Question, unit: Unit) -> bool:
    """A number within a few words of the measure the question asks for."""
    measure = _MEASURE_ASKED.search(q.text).group(0).split()[-1].lower()
    tokens = unit.text.lower().split()
    places = [i for i, t in enumerate(tokens) if t.startswith(measure[:6])]
    numbers = [
        i
        for i, t in enumerate(tokens)
        if re.search(r"\d", t) and not (i < 2 and _PARAGRAPH_LABEL.match(t))  # "4.6.5 Population"
    ]
    return any(abs(i - j) <= 6 for i in places for j in numbers)


def _names_several_papers(q: Question, result: SearchResult) -> bool:
    """ "Who are the contact officers for the Leicestershire report and the Bromsgrove report?"
    names two papers: the answer should come from each."""
    metas = [hit.chunk.meta for hit in result if hit.chunk.meta is not None]
    return names_different_papers(names_paper(q.terms, m.council, m.title) for m in metas)


def _asks_expansion(q: Question) -> bool:
    """ "What does WETT stand for?" wants the words only; "What is iESE?" wants the passage."""
    return bool(re.search(r"\bstands?\s+for\b|\bmeans?\b|\bmeaning\b", q.text, re.I))


def _definitions(acronym: str, chunks: list[Chunk]) -> list[Unit]:
    """Sentences that spell the acronym out: "Improvement and Efficiency South East (iESE)"."""
    found = []
    for chunk in chunks:
        for offset, expansion in definitions(acronym, chunk.text):
            for start, end in sentence_spans(chunk.text):
                if start <= offset < end:
                    found.append(Unit(chunk, start, end, 0, expansion=expansion))
                    break
    return found


def _section_opening(unit: Unit, catalog: Catalog) -> Unit | None:
    """The first sentence of the section a unit is in (the section's first chunk)."""
    chunk = catalog.section_opening(unit.chunk)
    spans = [(s, e) for s, e in sentence_spans(chunk.text) if e - s > 3]
    return Unit(chunk, *spans[0], unit.rank) if spans else None


def _lead_in_chunks(chunk: Chunk, catalog: Catalog) -> list[Chunk]:
    """The chunk holding a list's lead-in ("It is split into five stages…:") when the list
    continues in another chunk: the lead-in often states the answer."""
    if chunk.kind != "list" or not chunk.lead:
        return []
    step = catalog.neighbour(chunk, -1)
    for _ in range(3):
        if step is None:
            break
        if chunk.lead.strip() in step.text:
            return [step]
        step = catalog.neighbour(step, -1)
    return []


def _is_lead_in(unit: Unit) -> bool:
    """ "The benefits … can be summarised as:" introduces the items that answer the question."""
    return bool(_LEAD_IN.search(unit.text)) and not unit.is_row


def _items_after(lead_in: Unit, catalog: Catalog) -> list[Unit]:
    """The list items or table rows a lead-in introduces: the rest of its chunk's lines, else
    the list and table chunks that follow it."""
    chunk = lead_in.chunk
    rest = chunk.text[lead_in.end :]
    items = [
        Unit(chunk, lead_in.end + s, lead_in.end + e, lead_in.rank) for s, e in _line_spans(rest)
    ]
    if items:
        return items[:MAX_ITEMS]
    step = catalog.neighbour(chunk, 1)
    while step is not None and step.kind in ("list", "table_row") and len(items) < MAX_ITEMS:
        if step.kind == "table_row":
            items.append(Unit(step, 0, len(step.text.rstrip()), lead_in.rank))
        else:
            items.extend(
                Unit(step, s, e, lead_in.rank) for s, e in _line_spans(step.text) if e - s > 1
            )
        step = catalog.neighbour(step, 1)
    return items[:MAX_ITEMS]


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, offset = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped)
            spans.append((start, start + len(stripped)))
        offset += len(line) + 1
    return spans


def _item_text(item: Unit, q: Question) -> str:
    """One item as a bullet: list marker dropped, table row as "subject: cells", kept short."""
    if item.is_row and item.chunk.lead:
        text = _render_row(item.text, item.chunk.lead, replace(q, is_list=True))
    else:
        text = re.sub(r"^\s*(?:[-*•§]\s*)+", "", item.text)
        text = re.sub(r"\s*\n\s*", " ", text).strip().rstrip(";,")
    if len(text) > MAX_ITEM:
        text = text[: MAX_ITEM - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return text


def _access_of(result: SearchResult) -> tuple[str, ...]:
    """Access levels of the evidence: IDF is computed over what this user can see."""
    levels = {h.chunk.meta.access for h in result if h.chunk.meta}
    return ("public", "exempt") if "exempt" in levels else ("public",)


def _docs_in_order(result: SearchResult) -> list[str]:
    return list(dict.fromkeys(h.doc_id for h in result))


def _has_figure(q: Question, text: str) -> bool:
    """An amount of money for "how much", a count (not a price) for "how many", else a number."""
    if q.money:
        return bool(MONEY.search(text))
    if re.search(r"\bhow\s+many\b", q.text, re.I):
        return any(
            not m.group(0).lstrip().startswith(("£", "$", "€")) for m in NUMBER.finditer(text)
        )
    return bool(NUMBER.search(text))


def _answer_type(q: Question, idf: Idf, catalog: Catalog):
    """A test of whether a unit holds the kind of answer the question wants, if it wants one.

    "Which corporate director signed the report?" wants a name next to that role: "Paul
    Wallace / Corporate Director", not the contact officer named elsewhere.
    """
    if q.wants == "when":
        return lambda u: bool(DATE.search(u.evidence))
    if q.wants == "number":
        return lambda u: _has_figure(q, u.evidence)
    if q.wants == "who" and _COMPANY_ASKED.search(q.text):
        return lambda u: bool(_COMPANY.search(u.evidence))  # "which consultancy …": a firm
    if q.person:
        role = set(terms(" ".join(_ROLE.findall(q.text))))

        def named_in_role(unit: Unit) -> bool:
            if not _people(unit.evidence, idf.common, q.terms):
                return False
            if not role:
                return True
            own = f"{unit.text}\n{unit.chunk.lead if unit.is_row else ''}"
            if _ROLE.search(own):  # "Contact Officer: Miriam McKenna …" says her role itself
                return bool(role & set(terms(own)))
            return bool(role & set(terms(_surroundings(unit, catalog))))

        return named_in_role
    return None


_ROLE = re.compile(
    r"\b(?:director|executive|officer|manager|chair\w*|leader|councillor|holder)s?\b", re.I
)


def _role_line_after(unit: Unit) -> tuple[int, int] | None:
    """The span of a short job-title line right below a bare name, if there is one."""
    if len(unit.text.split()) > 4:
        return None
    rest = unit.chunk.text[unit.end :]
    if not rest.startswith("\n"):
        return None
    line = rest[1:].split("\n", 1)[0]
    if not line.strip() or len(line) > 60 or not _ROLE.search(line):
        return None
    start = unit.end + 1 + (len(line) - len(line.lstrip()))
    return start, start + len(line.strip())


def _surroundings(unit: Unit, catalog: Catalog) -> str:
    """The lines either side of a unit, its heading and lead: where a name's role is written
    ("Paul Wallace" above "Corporate Director"; "Officer to Contact:" above a name)."""
    chunk = unit.chunk
    before = chunk.text[: unit.start].rstrip("\n").rsplit("\n", 1)[-1]
    after = chunk.text[unit.end :].lstrip("\n").split("\n", 1)[0]
    if not chunk.text[: unit.start].strip():
        previous = catalog.neighbour(chunk, -1)
        before = previous.text.rsplit("\n", 1)[-1] if previous is not None else ""
    return "\n".join([before, after, chunk.lead, " ".join(chunk.section)])


def _people(text: str, common: set[str] = frozenset(), named: set[str] = frozenset()) -> list[str]:
    """Personal names ("Kevin Dicks", "Cllr Roger Hollingworth"), not councils or job titles.

    A capitalised pair is a name only if none of its words is one the papers also write in
    lower case (`common`: "Future Options", "Human Resources" are not people) and the question
    did not name it already (`named`: the answer is someone the question does not name).
    """
    out = []
    for m in _PERSON.finditer(text):
        found = m.group(0)
        parts = [w.lower() for w in found.split() if w.rstrip(".") not in _TITLES]
        if (
            set(terms(found)) & _NOT_NAME
            or any(w in STOPWORDS or w in common for w in parts)
            or set(terms(found)) <= named
        ):
            continue
        out.append(found)
    return out


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
