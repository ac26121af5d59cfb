"""The structure of a set of minutes: its items, who attended, and each motion with its vote.

Minutes across councils record business the same few ways, and these rules are facts about how
minutes are written, not about any one council's papers:

- each item opens with its minute number and a title: "7 Public Forum" on a line of its own,
  "112. Finance:" running on in the text, "45/23 Apologies"; the numbers of a paper's
  items rise one by one (a few may be skipped), which tells them from numbered resolutions;
- attendance sits under labels: "Present:", "Apologies:", "Absent:", "In attendance:";
- a motion has a mover and usually a seconder ("moved by Councillor A and seconded by
  Councillor B", "Proposed: Cllr A, Seconded: Cllr B", "A. Smith (motion), B. Jones (second)"),
  then an outcome (CARRIED, LOST, withdrawn) and perhaps a count ("8 voting for, 1 against") or
  the names of those voting each way;
- what was decided follows "RESOLVED", "It was APPROVED", "AGREED".

Every text kept here is a verbatim span of the paper's cleaned text (with its offsets), so the
answerer can quote it.

>>> text = "Minutes\\n1 Budget\\nThe motion was moved by Cllr Ash and seconded by Cllr Oak.\\n" \\
...     "It was CARRIED (5 for, 2 against).\\n2 Roads\\nNoted.\\n3 Close\\nEnded 9pm."
>>> m = parse_minutes(text)
>>> [(i.number, i.title) for i in m.items]
[('1', 'Budget'), ('2', 'Roads'), ('3', 'Close')]
>>> v = m.items[0].motions[0]
>>> (v.mover, v.seconder, v.outcome, v.votes_for, v.votes_against)
('Cllr Ash', 'Cllr Oak', 'carried', 5, 2)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.line_roles import _is_heading_text, sentence_spans
from ingest.motions import RESOLVED, Motion, parse_motions
from ingest.numbering import numbered_items

# -- items -----------------------------------------------------------------------------------

# "7 Public Forum" / "7. Public Forum" / "45/23 Apologies" / "Minute 12 Apologies", alone on a line.
_LINE_ITEM = re.compile(
    r"(?m)^(?:Minute\s+|Min\.?\s*)?(?P<number>(?:[A-Z]{1,4}\s?)?\d{1,4}(?:/\d{1,4}){0,2})[.:)]?"
    r"[ \t]+(?P<title>[^\n]{3,100})$"
)
# "112. Finance: the balance ..." — the number and a title ending in a colon, running on.
_INLINE_ITEM = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?] )|(?<=[.!?]  ))(?P<number>\d{1,4}(?:/\d{1,4}){0,2})\.[ \t]+"
    r"(?P<title>[A-Z][^:\n.]{2,90}?)(?::-?|\s[-–]\s)"
)
_RESOLUTION_GAP = 3  # characters between a vote and the "It was APPROVED" that records its decision
_MIN_ITEMS = 3


def _is_item_title(title: str) -> bool:
    """A minute item's title: a heading, or a longer line that reads as one (no sentence end).

    Titles of minute items run longer than headings of reports ("Review of the charges for
    on-street and off-street parking in the town centre"); the rising
    numbers of the items are what tells them from sentences that open with a number.
    """
    if _is_heading_text(title, numbered=True):
        return True
    return (
        len(title.split()) <= 18
        and (title[0].isupper() or title[0].isdigit())
        and not title.endswith((".", ";", ",", "?", "!"))
        and "\t" not in title
    )


@dataclass
class MinuteItem:
    number: str
    title: str
    start: int  # where the item's number stands
    end: int  # where the next item starts
    motions: list[Motion] = field(default_factory=list)
    resolutions: list[tuple[int, int]] = field(default_factory=list)  # RESOLVED/AGREED spans
    declarations: list[tuple[int, int]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


@dataclass
class Attendance:
    """Names under each attendance label, as written; `spans` are the labelled texts."""

    present: list[str] = field(default_factory=list)
    apologies: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    in_attendance: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class MinutesStructure:
    items: list[MinuteItem] = field(default_factory=list)
    attendance: Attendance = field(default_factory=Attendance)

    def item_at(self, offset: int) -> MinuteItem | None:
        for item in self.items:
            if item.start <= offset < item.end:
                return item
        return None

    def motion_at(self, offset: int) -> Motion | None:
        """The motion whose record holds this offset (the narrowest, for nested amendments)."""
        item = self.item_at(offset)
        found = [m for m in (item.motions if item else []) if m.start <= offset < m.end]
        return min(found, key=lambda m: m.end - m.start) if found else None

    def record_span(self, motion: Motion) -> tuple[int, int]:
        """What a motion's record is about: from the end of the item's previous motion (the
        recommendation's heading, an amendment's text) to the decision written just after it
        ("It was APPROVED: 2a. Approve the new permit charges …")."""
        item = self.item_at(motion.start)
        if item is None:
            return motion.start, motion.end
        before = [m.end for m in item.motions if m.end <= motion.start]
        before += [b for _, b in item.resolutions if b <= motion.start]
        start = max(before, default=item.start)
        end = motion.end
        for a, b in item.resolutions:
            if motion.end <= a <= motion.end + _RESOLUTION_GAP:
                end = max(end, b)
                break
        return start, end

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MinutesStructure:
        items = []
        for raw in data.get("items", []):
            motions = [
                Motion(**{**m, "sentences": [tuple(s) for s in m.get("sentences", [])]})
                for m in raw.get("motions", [])
            ]
            items.append(
                MinuteItem(
                    **{
                        **raw,
                        "motions": motions,
                        "resolutions": [tuple(s) for s in raw.get("resolutions", [])],
                        "declarations": [tuple(s) for s in raw.get("declarations", [])],
                    }
                )
            )
        raw_att = data.get("attendance", {})
        attendance = Attendance(
            **{**raw_att, "spans": [tuple(s) for s in raw_att.get("spans", [])]}
        )
        return cls(items=items, attendance=attendance)


def find_items(text: str) -> list[MinuteItem]:
    """The paper's minute items: the longest run of rising minute numbers with titles."""
    spans = numbered_items(text, (_LINE_ITEM, _INLINE_ITEM), _minute_title, _MIN_ITEMS)
    return [
        MinuteItem(number=number, title=title, start=start, end=end)
        for start, end, number, title in spans
    ]


def _minute_title(title: str, family: int) -> str | None:
    if family == 0 and not _is_item_title(title):
        return None
    if family == 1 and len(title.split()) > 12:
        return None
    return title.rstrip(":.-– ")


_DECLARED = re.compile(
    r"\bdeclared?\s+(?:an?\s+|their\s+|his\s+|her\s+)?(?:\w+\s+){0,3}interests?\b", re.I
)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], by line then sentence."""
    return [(start + a, start + b) for a, b in sentence_spans(text[start:end])]


_LIST_LABEL = re.compile(r"\(?(?:\d{1,2}[a-z]?|[a-z]|[ivx]{1,4})[.)]\s")


def _spans(
    text: str, sentences: list[tuple[int, int]], end: int, pattern: re.Pattern
) -> list[tuple[int, int]]:
    """From each sentence matching the pattern to the end of its line, with the numbered or
    lettered decisions listed under it ("It was APPROVED:" then "1. …", "2. …"); a cue that
    ends in a colon or in the decision word also takes the one line after it."""
    out: list[tuple[int, int]] = []
    for a, b in sentences:
        if out and a < out[-1][1]:
            continue  # inside the span just taken
        if not pattern.search(text[a:b]):
            continue
        line_end = text.find("\n", a, end)
        last = end if line_end < 0 else line_end
        heads = text[a:last].rstrip().endswith((":", ";", "APPROVED", "RESOLVED", "AGREED"))
        while last < end:
            following = text.find("\n", last + 1, end)
            following = end if following < 0 else following
            line = text[last + 1 : following]
            if not (_LIST_LABEL.match(line) or (heads and line.strip())):
                break
            last, heads = following, False
        out.append((a, len(text[:last].rstrip())))
    return out


_ATTENDANCE = re.compile(
    r"(?:^|(?<=\n)|(?<=\. )|(?<=\d\. ))(?:[^\w\s]{1,3}\s*|o\s+)?(?:(?:Members|Councillors|Commissioners|Trustees|"
    r"Directors|Officers|Others|Also)\s+)?(?P<label>Present|Apologies(?:\s+for\s+absence)?|Absent|"
    r"In\s+attendance|Attending|Officers)\s*(?:were\s+received\s+from|received\s+from|from)?"
    r"\s*[:\-–]*\s*(?:Councillors\s*[:\-–]*\s*)?(?=(?P<value>[^\n]+))",
    re.I,
)
_ATTENDANCE_FIELD = {
    "present": "present",
    "apologies": "apologies",
    "absent": "absent",
    "in attendance": "in_attendance",
    "attending": "in_attendance",
    "officers": "in_attendance",
}


def _attendance(text: str, items: list[MinuteItem]) -> Attendance:
    """Attendance labels in the paper's opening and in items about attendance or apologies."""
    regions = [(0, items[0].start if items else min(len(text), 3000))]
    regions += [
        (i.start, i.end)
        for i in items
        if re.search(r"apolog|attendance|present|absen", i.title, re.I)
    ]
    att = Attendance()
    for start, end in regions:
        for m in _ATTENDANCE.finditer(text, start, end):
            label = re.sub(r"\s+", " ", m.group("label").lower())
            key = _ATTENDANCE_FIELD.get(label.split(" for ")[0], "")
            if not key:
                continue
            value_start = m.start("value")
            value = m.group("value")
            # The list ends at the first sentence end, or where the next label or item starts.
            cut = re.search(r"\.\s+(?=[A-Z0-9])|\.$", value)
            stop = cut.start() if cut else len(value)
            nxt = next((i.start for i in items if value_start < i.start < value_start + stop), None)
            if nxt is not None:
                stop = nxt - value_start
            value = value[:stop].strip(" .")
            if not value:
                continue
            att.spans.append((m.start("label"), value_start + len(value)))
            if re.fullmatch(r"(?i)none|nil|no apologies|none received", value):
                continue
            getattr(att, key).extend(_attendees(value))
    return att


def _attendees(value: str) -> list[str]:
    value = re.sub(r"^(?:Councillors|Cllrs)\s*[:\-–]*\s*", "", value)
    parts = re.split(r",|;|\s&\s|\sand\s", value)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def parse_minutes(text: str) -> MinutesStructure:
    """Items, attendance, motions, votes and resolutions of one set of minutes."""
    items = find_items(text)
    # Minutes without numbered items (bulleted US minutes) are one unnumbered item.
    units = items or [MinuteItem(number="", title="", start=0, end=len(text))]
    for item in units:
        sentences = _sentences(text, item.start, item.end)
        item.motions = parse_motions(text, sentences)
        item.resolutions = _spans(text, sentences, item.end, RESOLVED)
        declared = _spans(text, sentences, item.end, _DECLARED)
        if re.search(r"declaration", item.title, re.I):
            title_end = text.index(item.title, item.start) + len(item.title)
            body = [
                (a + len(text[a:b]) - len(text[a:b].lstrip(" :.-–")), b)
                for a, b in _sentences(text, title_end, item.end)
                if text[a:b].strip(" :.-–")
            ]
            declared = declared or body[:2]
        item.declarations = declared
    return MinutesStructure(items=units, attendance=_attendance(text, items))
