"""Presentation: the chosen units as a short answer with numbered citations quoting the papers.

A table row answers with the cells asked for ("Westshire and Easton"), a lead-in with its items,
a signature with its role ("Jane Smith, Corporate Director"), and anything else with its
sentence, shortened around the question's words. When the scorer is unsure the span is the
answer, the whole sentence or row is shown instead of a fragment. Every quote is a verbatim
substring of its chunk.
"""

from __future__ import annotations

import re
from dataclasses import replace

from retrieval.catalog import Catalog
from retrieval.detectors import DATE, NUMBER, people
from retrieval.question import Question, asks_expansion
from retrieval.quotes import MAX_QUOTE, trim
from retrieval.records import ABSTAIN_TEXT, Answer, Citation
from retrieval.text import terms
from retrieval.units import Unit, cells, header_pairs, items_after

MAX_ANSWER = 500
MAX_LIST_ANSWER = 560  # a bulleted list may run a little longer than a sentence
MAX_LEAD_IN = 200  # a list's lead-in sentence, shortened around the question's words
MAX_ITEM = 160  # one list item in an answer; the citation holds the full text
_FIGURE = re.compile(r"[(£$€+-]*\d[\d,.]*%?\)?\*?[mk]?")
_ROLE_LINE = re.compile(
    r"\b(?:director|executive|officer|manager|chair\w*|leader|councillor|holder|clerk|head)s?\b",
    re.I,
)


_YEAR = re.compile(r"\b(?:19|20)\d\d(?:[-/]\d{2,4})?\b")


def _header_terms(name: str, q: Question) -> set[str]:
    """The question's words a column name holds; a word and its irregular past ("spend",
    "spent": the same letters but the last) count as met."""
    own = set(terms(name))
    met = q.terms & own
    met |= {
        t
        for t in q.terms - met
        if len(t) >= 4 and any(len(o) == len(t) and o[:-1] == t[:-1] for o in own)
    }
    return met


def render_row(row: str, lead: str, q: Question) -> str:
    """A table row as an answer: the cell the question asks for, when the question names the
    row (one of its cells) and exactly one column; otherwise the whole row, keyed by its subject.

    "Who leads the Southgate site?" → "Ali Khan"; "What about Southgate?" → "Southgate: Ali
    Khan; £150,000": when the exact cell is uncertain the row is shown, not a fragment.
    """
    pairs = header_pairs(row, lead)
    if not pairs:
        return re.sub(r"\s*\t+\s*", " – ", row.strip())
    header = [h for h, _ in pairs]
    row_cells = [c for _, c in pairs]
    # Columns the row is picked by (the question names their value) vs columns asked about;
    # a column naming only some of the words another names is not asked ("the 2018-19
    # budget": "Budget 2025-26", not "Budget 2024-25").
    key = [i for i, c in enumerate(row_cells) if q.terms & set(terms(c))]
    named = {i: _header_terms(h, q) for i, h in enumerate(header) if i not in key}
    asked = [i for i, n in named.items() if n and not any(n < m for m in named.values())]
    years = set(_YEAR.findall(q.text))
    if years and len(asked) > 1:
        # "spend … in 2024-25": the year qualifies what is asked; a column of another year, or
        # one the question meets only by its year, is not the one asked for.
        year_terms = set(terms(" ".join(years)))
        asked = [i for i in asked if not (set(_YEAR.findall(header[i])) - years)] or asked
        asked = [i for i in asked if named[i] - year_terms] or asked
    if q.wants == "who" and len(asked) > 1:
        asked = [i for i in asked if people(row_cells[i])] or asked
    if q.wants == "when":
        # "When is it due to be decided?": a date, not the column "Decision taker".
        asked = [i for i in asked if DATE.search(row_cells[i])]
    ordinal = [i for i, c in enumerate(row_cells) if re.fullmatch(r"\d{1,2}[.)]?", c)]
    if key and len(asked) == 1 and row_cells[asked[0]] and not q.is_list:
        return row_cells[asked[0]]
    shown = [i for i in range(len(row_cells)) if i not in ordinal and row_cells[i]]
    if len(shown) < 2:
        return " – ".join(row_cells[i] for i in shown)
    values = shown[1:]
    if sum(1 for i in values if _FIGURE.fullmatch(row_cells[i])) >= 2:
        # Figures mean nothing without their columns: "Hall Hire: Budget 2024-25 150; Spent 130".
        return f"{row_cells[shown[0]]}: {'; '.join(f'{header[i]} {row_cells[i]}' for i in values)}"
    return f"{row_cells[shown[0]]}: {'; '.join(row_cells[i] for i in values)}"


def _role_line_after(unit: Unit) -> tuple[int, int] | None:
    """The span of a short job-title line right below a bare name, if there is one."""
    if len(unit.text.split()) > 4:
        return None
    rest = unit.chunk.text[unit.end :]
    if not rest.startswith("\n"):
        return None
    line = rest[1:].split("\n", 1)[0]
    if not line.strip() or len(line) > 60 or not _ROLE_LINE.search(line):
        return None
    start = unit.end + 1 + (len(line) - len(line.lstrip()))
    return start, start + len(line.strip())


def answer_terms(text: str, q: Question) -> set[str]:
    """The words of what the question asks for, where the text holds it (the names for "who",
    the dates for "when", the figures for "how much"): a long passage is shortened around them
    as well as around the question's own words."""
    pattern = {"when": DATE, "number": NUMBER}.get(q.wants)
    if q.wants == "who":
        found = people(text)
    elif pattern is not None:
        found = [m.group(0) for m in pattern.finditer(text)]
    else:
        return set()
    return set(terms(" ".join(found)))


def render(unit: Unit, q: Question, room: int) -> tuple[str, tuple[int, int]]:
    """The answer text for one unit (at most `room` characters) and the span quoted for it."""
    chunk = unit.chunk
    if unit.expansion and asks_expansion(q.text):
        quote = trim(chunk.text, unit.start, unit.end, set(terms(unit.expansion)), MAX_QUOTE)
        return f"{q.acronym} stands for {unit.expansion}", quote
    if unit.is_row and chunk.lead:
        span = (unit.start, unit.end)
        return render_row(chunk.text[unit.start : unit.end], chunk.lead, q), span
    if unit.is_row:
        # Cells holding only marks (a timetable's "■") say nothing in a sentence.
        shown = [c for c in cells(unit.text) if re.search(r"\w", c)]
        return ", ".join(shown), (unit.start, unit.end)
    role = _role_line_after(unit) if q.person else None
    if role is not None:
        # A signature: "Jane Smith" / "Corporate Director" reads "Jane Smith, Corporate Director".
        text = f"{unit.text.strip()}, {chunk.text[role[0] : role[1]].strip()}"
        return text, (unit.start, role[1])
    start, end = unit.start, unit.end
    answer = answer_terms(unit.text, q)
    quote = trim(chunk.text, start, end, q.terms, MAX_QUOTE, answer)
    # A sentence that fits is shown whole (an inline list keeps all its items); the quote
    # stays within the citation limit.
    shown = quote if room <= MAX_QUOTE else trim(chunk.text, start, end, q.terms, room, answer)
    text = re.sub(r"\s*\n\s*", " ", chunk.text[shown[0] : shown[1]].strip())
    text = re.sub(r":\s*\t+\s*", ": ", text)  # "Report No:<TAB>WDC/01/…" is a label and value
    return re.sub(r"\s*\t+\s*", "; ", text), quote


def _item_text(item: Unit, q: Question) -> str:
    """One item as a bullet: list marker dropped, table row as "subject: cells", kept short."""
    if item.is_row and item.chunk.lead:
        text = render_row(item.text, item.chunk.lead, replace(q, is_list=True))
    else:
        text = re.sub(r"^\s*(?:[-*•§]\s*)+", "", item.text)
        text = re.sub(r"\s*\n\s*", " ", text).strip().rstrip(";,")
    if len(text) > MAX_ITEM:
        text = text[: MAX_ITEM - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return text


def present(question: str, q: Question, chosen: list[Unit], catalog: Catalog) -> Answer:
    """The answer text with its citations; an abstention when nothing could be shown."""
    if chosen[0].is_lead_in:
        items = items_after(chosen[0], catalog)
        if items:
            return present_list(question, q, chosen[0], items)
    citations: list[Citation] = []
    lines: list[str] = []
    several_papers = q.cross and len({u.chunk.doc_id for u in chosen}) > 1
    for i, unit in enumerate(chosen):
        # One passage may use the whole answer; so may a list question's first, whose items
        # run on past a quote's length ("… tested against: a, b, c, … and k").
        whole = len(chosen) == 1 or (i == 0 and q.is_list)
        room = MAX_ANSWER - 20 if whole else MAX_QUOTE
        text, (start, end) = render(unit, q, room)
        if not text:
            continue
        citation = Citation.from_chunk(len(citations) + 1, unit.chunk, unit.chunk.text[start:end])
        candidate = f"{text} [{citation.n}]"
        if several_papers and unit.chunk.meta and unit.chunk.meta.council:
            candidate = f"{unit.chunk.meta.council}: {candidate}"
        projected = sum(len(line) + 3 for line in lines) + len(candidate)
        if lines and projected > MAX_LIST_ANSWER:
            left = len(chosen) - len(lines)
            lines.append(f"… and {left} more in the same {'table' if unit.is_row else 'list'}")
            break
        citations.append(citation)
        lines.append(candidate)
    if not lines:
        return abstain(question, q, chosen)
    if len(lines) == 1:
        # "… the role of lead authorities; [1]" reads as "… the role of lead authorities [1]."
        text, marker = lines[0].rsplit(" [", 1)
        text = text.rstrip(" ;:,–-")
        body = f"{text} [{marker}" + ("" if text.endswith((".", "?", "!")) else ".")
        body = re.sub(r"([.!?]) (\[\d+\])$", r"\1 \2", body)
    else:
        body = "\n".join(f"- {line}" for line in lines)
    return Answer(question=question, answer=body, abstained=False, citations=citations)


def present_list(question: str, q: Question, lead_in: Unit, items: list[Unit]) -> Answer:
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
        # "Which work stream is Easton a lead for?": the items naming what the lead-in does
        # not are the answer, not the whole list.
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
        line = f"- {_item_text(item, q)}{marker}"
        if used + len(line) + 1 > MAX_LIST_ANSWER - 30:
            lines.append(f"- … and {len(items) - shown} more")
            break
        if marker:
            citations.append(citation)
        lines.append(line)
        used += len(line) + 1
    return Answer(question=question, answer="\n".join(lines), abstained=False, citations=citations)


def abstain(question: str, q: Question, candidates: list[Unit]) -> Answer:
    """The papers do not say: the abstention text, and the closest passages as suggestions."""
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
    return Answer(question=question, answer=ABSTAIN_TEXT, abstained=True, suggestions=suggestions)
