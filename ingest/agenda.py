"""The structure of an agenda or a forward plan: its items, each with what papers say of it.

These are facts about how agendas and forward plans are laid out, not about any council's:

- an agenda numbers its business like minutes do, and the numbers rise ("1. Apologies",
  "301. Apologies 302. Public Forum" run on in the text); an item may give a time
  ("7.00pm"), who presents it ("Presented by", "Lead officer:", "(Cllr Ash)"), the pages of its
  report ("(Pages 7 - 12)") and whether the public may see it ("Exempt", "Part exempt 3",
  "Confidential", Part 2 / Part B);
- the meeting's date and start time stand above the first item ("on Monday 28th October 2019
  at 7.00pm");
- a forward plan is a table, one row per decision, whose columns name the lead officer, the
  title and summary, the meeting or decision date, the decision taker, whether it is a key
  decision and whether it is open or (part) exempt. Column names differ between councils; the
  words that name each kind of column live in the lexicon.

Every item keeps the offsets of its text in the cleaned text, so it can be cited.

>>> a = parse_agenda("AGENDA\\nMeeting on 3 March 2025 at 7.00pm\\n1. Apologies\\n"
...     "2. Minutes (Pages 1 - 4)\\n3. Depot lease - Exempt 3\\n4. Close")
>>> [(i.number, i.title, i.pages, i.exempt) for i in a.items][1:3]
[('2', 'Minutes', '1 - 4', ''), ('3', 'Depot lease', '', 'Exempt 3')]
>>> a.meeting_time
'7.00pm'
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ingest import lexicon
from ingest.masthead import DATE_RE
from ingest.numbering import numbered_items

# "1. Apologies" / "12 Pay Policy Statement" alone on a line.
_LINE_ITEM = re.compile(r"(?m)^(?P<number>\d{1,4})[.)]?[ \t]+(?P<title>[A-Z][^\n\t]{2,150})$")
# "301. Apologies 302. Public Forum": numbered titles running on in one paragraph.
_INLINE_ITEM = re.compile(
    r"(?:^|(?<=\s))(?P<number>\d{1,4})\.[ \t]+(?P<title>[A-Z][^\n]*?)(?=\s+\d{1,4}\.\s+[A-Z]|\n|$)"
)
_MIN_ITEMS = 3
_TIME = re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b", re.I)
_PAGES = re.compile(r"\(\s*Pages?\s+(\d+(?:\s*[-–]\s*\d+)?)\s*\)", re.I)
_EXEMPT = re.compile(
    r"\b(?:Part\s+)?Exempt(?:\s+(?:para(?:graph)?s?\s+)?\d(?:\s*(?:,|and|&)\s*\d)*)?\b|"
    r"\bConfidential\b|\bPart\s+(?:2|II|B)\b",
    re.I,
)
_OPEN = re.compile(r"\bOpen\s*$")
# "Key" / "Non Key" at the end of the cell, before the open or exempt marking.
_KEY = re.compile(r"\b(?:Non[- ]?Key|Key)(?:\s+Decision)?\s*$", re.I)
_PRESENTER = re.compile(
    r"(?:\b(?i:Presented\s+by|Presenter|Introduced\s+by|Lead(?:\s+Officer)?|Report\s+of|"
    r"Reporting\s+Officer)\s*[:\-–]?\s*|\((?=(?:Cllr|Councillor)\s))"
    r"(?P<who>(?:Cllr\.?\s+|Councillor\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4})"
)
# A forward plan's "Title and summary" cell: the title, then the purpose ("To seek approval …").
_SUMMARY = re.compile(r"\s+(?=(?:\d\.\s+)?To\s+[a-z])")


@dataclass
class AgendaItem:
    number: str  # as printed; a forward plan's rows are numbered in order
    title: str
    start: int
    end: int
    time: str = ""
    presenter: str = ""  # who presents it, or the lead officer
    decision_taker: str = ""
    meeting_date: str = ""
    key_decision: str = ""  # "Key", "Non Key", as printed
    exempt: str = ""  # "Exempt 3", "Part exempt 3", "Confidential"; "" when open or unsaid
    pages: str = ""  # of the item's report in the pack: "7 - 12"
    summary: str = ""  # a forward plan's purpose of the decision


@dataclass
class AgendaStructure:
    items: list[AgendaItem] = field(default_factory=list)
    meeting_date: str = ""
    meeting_time: str = ""
    kind: str = "agenda"  # agenda | forward plan

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgendaStructure:
        items = [AgendaItem(**raw) for raw in data.get("items", [])]
        return cls(**{**data, "items": items})


def _find_items(text: str) -> list[AgendaItem]:
    spans = numbered_items(text, (_LINE_ITEM, _INLINE_ITEM), _agenda_title, _MIN_ITEMS)
    return [
        AgendaItem(number=number, title=title, start=start, end=end)
        for start, end, number, title in spans
    ]


def _agenda_title(title: str, family: int) -> str | None:
    if family == 1:
        title = re.split(r":-?\s", title + " ", maxsplit=1)[0]  # "Accounts:- Clerk …"
    return title if len(title.split()) <= 30 else None


def _describe(item: AgendaItem, text: str) -> None:
    """Time, presenter, pages and exempt marking from the item's own text."""
    body = text[item.start : item.end]
    if m := _PAGES.search(body):
        item.pages = re.sub(r"\s*[-–]\s*", " - ", m.group(1))
    if m := _TIME.search(body):
        item.time = m.group(0)
    if m := _PRESENTER.search(body):
        item.presenter = m.group("who").strip()
    if m := _EXEMPT.search(body):
        item.exempt = m.group(0)
    # The title as printed, without the marks that follow it on its line.
    title = _PAGES.sub("", item.title)
    title = re.split(r"\s+[-–]\s+(?=(?:Part\s+)?Exempt\b|Confidential\b)", title, flags=re.I)[0]
    item.title = title.strip(" :-–")


def _column_kinds(header: list[str]) -> dict[int, str]:
    """Which column of a table holds which field, by the words its name uses."""
    kinds: dict[int, str] = {}
    for i, name in enumerate(header):
        low = name.lower()
        for kind in ("presenter", "decision_taker", "meeting_date", "title", "report_type"):
            if kind not in kinds.values() and any(
                p in low for p in lexicon.phrases(f"{kind}_columns")
            ):
                kinds[i] = kind
                break
    return kinds


def _plan_items(text: str) -> list[AgendaItem]:
    """The rows of a forward-plan table: a header naming at least a title column and two of
    lead officer, meeting date and decision taker."""
    items: list[AgendaItem] = []
    kinds: dict[int, str] = {}
    header: list[str] = []
    offset = 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if "\t" not in line:
            continue
        cells = [c.strip() for c in line.split("\t")]
        found = _column_kinds(cells)
        if "title" in found.values() and len(found) >= 3:
            header, kinds = cells, found
            continue
        if cells == header or len(cells) != len(header) or not kinds:
            continue
        field_of = {kind: cells[i] for i, kind in kinds.items()}
        item = AgendaItem(number=str(len(items) + 1), title="", start=start, end=start + len(line))
        item.presenter = field_of.get("presenter", "")
        item.decision_taker = field_of.get("decision_taker", "")
        item.meeting_date = field_of.get("meeting_date", "")
        whole = field_of.get("title", "")
        exempt = _EXEMPT.search(whole)
        item.exempt = exempt.group(0) if exempt else ""
        rest = (whole[: exempt.start()] if exempt else _OPEN.sub("", whole)).strip()
        if key := _KEY.search(rest):
            item.key_decision = key.group(0).strip()
            rest = rest[: key.start()].strip()
        title, _, summary = _SUMMARY.sub("\x00", rest, count=1).partition("\x00")
        item.title, item.summary = title.strip(), summary.strip()
        items.append(item)
    return items


def parse_agenda(text: str) -> AgendaStructure:
    """The items of an agenda (numbered business) or of a forward plan (its table's rows)."""
    rows = _plan_items(text)
    if rows:
        return AgendaStructure(items=rows, kind="forward plan")
    items = _find_items(text)
    for item in items:
        _describe(item, text)
    head = text[: items[0].start] if items else text[:2000]
    structure = AgendaStructure(items=items)
    if m := _TIME.search(head):
        structure.meeting_time = m.group(0)
    if m := DATE_RE.search(head):
        structure.meeting_date = m.group(0)
    return structure
