"""Candidate answer units: the sentences, list items and table rows of the evidence.

A unit is a quotable span of one chunk. Candidates come from the retrieved hits (with the chunk
holding a list's lead-in) and, for some kinds of question, from passages of the leading papers
that similarity ranks low: the line with the paper's reference, where an acronym is spelled out,
the signature and contact block, the purpose or recommendations section, the recorded votes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.line_roles import sentence_spans
from ingest.records import Chunk
from retrieval.catalog import Catalog
from retrieval.detectors import MOTION, VOTE
from retrieval.question import DECISION_SECTION, PURPOSE_SECTION, Question, definitions
from retrieval.quotes import MAX_QUOTE
from retrieval.records import Hit, SearchResult
from retrieval.text import terms


def cells(text: str) -> list[str]:
    """A table row's cells, empty ones kept: they hold a column's place."""
    return [c.strip() for c in text.strip("\n").split("\t")]


def header_pairs(row: str, lead: str) -> list[tuple[str, str]]:
    """Each cell of a row with its column's name, when the row and its header line up."""
    row_cells, header = cells(row), cells(lead)
    if len(row_cells) != len(header) or len(row_cells) < 2:
        return []
    return list(zip(header, row_cells, strict=True))


MAX_ITEMS = 12
MAX_RECORD = 4  # sentences of one motion's record shown: mover, seconder, amendment, vote
LEAD_IN = re.compile(
    r"(?::-?|\bi\.e\.?|\bas follows\.?|\bthe following\.?|\bset out below\.?|\bbelow\.?|"
    r"\binclude:?-?)\s*$",
    re.I,
)
INLINE_LIST = re.compile(r":-?\s+[^,;]{2,60}(?:[,;]\s*[^,;]{2,60}){2,}")
AUTHOR_TEXT = re.compile(
    r"\b(?:contact|author|originator|prepared\s+by|report\s+by|portfolio\s+holder|signed|"
    r"director)\b|\bname\s*:",
    re.I,
)
PAPERS_LOOKED_AT = 3  # passages are brought in from this many leading papers
WINDOW = 200  # a shorter sentence is widened with its neighbours up to this; of 0, 200 and 280 the best on tuning accuracy


@dataclass
class Unit:
    """A quotable piece of a chunk: a sentence, a list item or a table row."""

    chunk: Chunk
    start: int
    end: int
    rank: int  # the hit's rank; 0 for units brought in from the catalog
    hit: Hit | None = None
    following: str = ""  # for a lead-in: the items it introduces
    expansion: str = ""  # for a definition of the acronym asked about: what it stands for
    features: dict[str, float] = field(default_factory=dict)
    p: float = 0.0  # the scorer's probability that this unit answers the question

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]

    @property
    def evidence(self) -> str:
        """What the unit shows a reader: its text, a lead-in's items, a row's cells under their
        column names ("Budget 2025-26: 150")."""
        if self.is_row and self.chunk.lead:
            pairs = header_pairs(self.chunk.text, self.chunk.lead)
            if pairs:
                return f"{self.text}\n" + "; ".join(f"{h}: {c}" for h, c in pairs if c)
        return f"{self.text}\n{self.following}" if self.following else self.text

    @property
    def is_row(self) -> bool:
        return self.chunk.kind == "table_row"

    @property
    def is_lead_in(self) -> bool:
        """ "The benefits … can be summarised as:" introduces the items that answer."""
        return bool(LEAD_IN.search(self.text)) and not self.is_row

    def fresh(self) -> Unit:
        """The same span, unscored (for answering one part of a question on its own)."""
        return Unit(
            self.chunk, self.start, self.end, self.rank, self.hit, self.following, self.expansion
        )


def units_of(chunk: Chunk, rank: int, hit: Hit | None = None) -> list[Unit]:
    """A table row is one unit; other chunks split into passages of a sentence or list item,
    each widened with its neighbours when short (`window`)."""
    if chunk.kind == "table_row":
        return [Unit(chunk, 0, len(chunk.text.rstrip()), rank, hit)]
    spans = [(s, e) for s, e in sentence_spans(chunk.text) if e - s > 3]
    windows = dict.fromkeys(window(chunk.text, s, e, spans) for s, e in spans)
    return [Unit(chunk, s, e, rank, hit) for s, e in windows]


def motion_record_units(best: Unit, catalog: Catalog, q: Question) -> list[Unit]:
    """When the best unit for "who moved …" or "how did the vote go …" lies in the minutes'
    record of a motion: that unit and the record's other sentences (its mover, seconder,
    outcome and vote), in reading order, a lead-in never first. Of two records the unit
    touches, the one whose text holds more of the question. Empty when it touches none."""
    minutes = catalog.minutes(best.chunk.doc_id)
    if minutes is None:
        return []
    start, end = best.chunk.start + best.start, best.chunk.start + best.end
    item = minutes.item_at(start)
    touched = [
        m
        for m in (item.motions if item else [])
        if any(a < end and start < b for a, b in m.sentences)
    ]
    if not touched:
        return []

    def asked(motion) -> int:
        record = catalog.text_of(best.chunk.doc_id, *minutes.record_span(motion))
        return len(q.terms & set(terms(record)))

    motion = max(touched, key=asked)
    chunks = catalog.chunks_of(best.chunk.doc_id)
    found = []
    for a, b in motion.sentences:
        if start <= a and b <= end:
            continue  # the best unit shows it already
        chunk = next((c for c in chunks if c.start <= a and b <= c.end), None)
        if chunk is not None:
            found.append(
                Unit(chunk, a - chunk.start, b - chunk.start, best.rank, best.hit, p=best.p)
            )
    found = sorted([best, *found[: MAX_RECORD - 1]], key=lambda u: (u.chunk.position, u.start))
    first = next((u for u in found if not u.is_lead_in), found[0])
    return [first, *(u for u in found if u is not first)]


_ITEM_NUMBER = re.compile(r"\bitem\s+(?:no\.?\s*|number\s+)?(\d{1,4})\b", re.I)


def agenda_item_units(q: Question, best: Unit, units: list[Unit], catalog: Catalog) -> list[Unit]:
    """ "What is item 10 on the agenda?": the line opening the item of that number, in the
    agenda among the leading papers (those of the best candidates) that has one; empty when
    none has it."""
    asked = _ITEM_NUMBER.search(q.text)
    if asked is None:
        return []
    for doc_id in list(dict.fromkeys(u.chunk.doc_id for u in [best, *units]))[:5]:
        agenda = catalog.agenda(doc_id)
        if agenda is None or agenda.kind != "agenda":
            continue
        item = next((i for i in agenda.items if i.number == asked.group(1)), None)
        chunk = item and next(
            (c for c in catalog.chunks_of(doc_id) if c.start <= item.start < c.end), None
        )
        if chunk is None:
            continue
        start = item.start - chunk.start
        line = chunk.text[start:].split("\n", 1)[0].rstrip()
        end = start + len(line)
        return [Unit(chunk, start, end, best.rank, best.hit, p=best.p)]
    return []


def window(text: str, start: int, end: int, spans=None) -> tuple[int, int]:
    """A short sentence widened with the sentences after, then before it, in its chunk: a fact
    split over sentences of a flattened table or a minute ("… Salary." / "£2,040.00 …") is shown
    whole. The window stops at WINDOW characters and never passes MAX_QUOTE."""
    if LEAD_IN.search(text[start:end]):
        return start, end  # a lead-in stays itself: its items are shown under it
    spans = spans if spans is not None else sentence_spans(text)
    inside = [i for i, (a, b) in enumerate(spans) if a < end and b > start]
    if not inside:
        return start, end
    first, last = inside[0], inside[-1]
    while end - start < WINDOW:
        grown = False
        if last + 1 < len(spans) and spans[last + 1][1] - start <= MAX_QUOTE:
            last += 1
            end = spans[last][1]
            grown = True
        if end - start < WINDOW and first > 0 and end - spans[first - 1][0] <= MAX_QUOTE:
            first -= 1
            start = spans[first][0]
            grown = True
        if not grown:
            break
    return start, end


def candidates(q: Question, result: SearchResult, catalog: Catalog) -> list[Unit]:
    """Every unit of the evidence, plus the passages this kind of question is answered from."""
    units: list[Unit] = []
    seen: set[str] = set()
    for hit in result:
        for chunk in (*lead_in_chunks(hit.chunks[0], catalog), *hit.chunks):
            if chunk.id not in seen:
                seen.add(chunk.id)
                units.extend(units_of(chunk, hit.rank, hit))
    papers = [catalog.chunks_of(d) for d in docs_in_order(result)[:PAPERS_LOOKED_AT]]

    def bring_in(wanted: Callable[[Chunk], bool]) -> None:
        for chunks in papers:
            for chunk in chunks:
                if chunk.id not in seen and wanted(chunk):
                    seen.add(chunk.id)
                    units.extend(units_of(chunk, 0))

    if q.reference:  # "What is the report number?": the line holding the paper's reference
        bring_in(lambda c: bool(c.meta and c.meta.report_ref and c.meta.report_ref in c.text))
    if q.acronym:  # "What does WSP stand for?": where it is spelled out
        for chunks in papers:
            units.extend(acronym_definitions(q.acronym, chunks))
    if q.author:  # "Who wrote it / whom to contact": the signature and contact block
        bring_in(lambda c: bool(AUTHOR_TEXT.search(f"{c.text} {' '.join(c.section)}")))
    if q.wants in ("document", "decision"):
        pattern = PURPOSE_SECTION if q.wants == "document" else DECISION_SECTION
        bring_in(lambda c: any(pattern.search(s) for s in c.section))
    if q.vote or q.motion:  # minutes record votes and movers in their own lines
        record = VOTE if q.vote else MOTION
        bring_in(lambda c: bool(record.search(c.text)))
    for unit in units:
        if unit.is_lead_in:
            unit.following = "\n".join(i.text for i in items_after(unit, catalog)[:4])
    return units


def docs_in_order(result: SearchResult) -> list[str]:
    return list(dict.fromkeys(h.doc_id for h in result))


def lead_in_chunks(chunk: Chunk, catalog: Catalog) -> list[Chunk]:
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


def acronym_definitions(acronym: str, chunks: list[Chunk]) -> list[Unit]:
    """Sentences that spell the acronym out: "Westshire Schools Partnership (WSP)"."""
    found = []
    for chunk in chunks:
        for offset, expansion in definitions(acronym, chunk.text):
            for start, end in sentence_spans(chunk.text):
                if start <= offset < end:
                    found.append(Unit(chunk, start, end, 0, expansion=expansion))
                    break
    return found


def section_opening(unit: Unit, catalog: Catalog) -> Unit | None:
    """The first sentence of the section a unit is in (the section's first chunk)."""
    chunk = catalog.section_opening(unit.chunk)
    spans = [(s, e) for s, e in sentence_spans(chunk.text) if e - s > 3]
    return Unit(chunk, *spans[0], unit.rank, unit.hit) if spans else None


def line_spans(text: str) -> list[tuple[int, int]]:
    spans, offset = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped)
            spans.append((start, start + len(stripped)))
        offset += len(line) + 1
    return spans


def items_after(lead_in: Unit, catalog: Catalog) -> list[Unit]:
    """The list items or table rows a lead-in introduces: the rest of its chunk's lines, else
    the list and table chunks that follow it."""
    chunk = lead_in.chunk
    rest = chunk.text[lead_in.end :]
    items = [
        Unit(chunk, lead_in.end + s, lead_in.end + e, lead_in.rank, lead_in.hit)
        for s, e in line_spans(rest)
    ]
    if items:
        return items[:MAX_ITEMS]
    step = catalog.neighbour(chunk, 1)
    while step is not None and step.kind in ("list", "table_row") and len(items) < MAX_ITEMS:
        if step.kind == "table_row":
            items.append(Unit(step, 0, len(step.text.rstrip()), lead_in.rank, lead_in.hit))
        else:
            items.extend(
                Unit(step, s, e, lead_in.rank, lead_in.hit)
                for s, e in line_spans(step.text)
                if e - s > 1
            )
        step = catalog.neighbour(step, 1)
    return items[:MAX_ITEMS]


def table_rows(row: Chunk, catalog: Catalog) -> list[Chunk]:
    """All rows of the table a row belongs to (adjacent rows sharing its header)."""
    rows = [row]
    for step in (-1, 1):
        current = catalog.neighbour(row, step)
        while current is not None and current.kind == "table_row" and current.lead == row.lead:
            rows.append(current)
            current = catalog.neighbour(current, step)
    return sorted(rows, key=lambda c: c.position)
