"""Reading a paper's header block: its lines cleaned of markup and page furniture, its
"Label: value" cells, and the date its masthead gives for the paper's own meeting.
"""

from __future__ import annotations

import re
from datetime import date as _date

from ingest import lexicon

# The header block: papers state council, meeting and date before the first numbered section.
_HEADER_LINES = 60
_HEADER_CHARS = 4000

# --- dates -----------------------------------------------------------------------------------

_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_YEAR4 = r"(?:19|20)\d\d"
DATE_RE = re.compile(
    rf"\b(?P<d1>[0-3]?\d){_ORD}(?:\s+of)?[\s-]+(?P<m1>{_MONTH})\b\.?,?[\s-]+(?P<y1>{_YEAR4})\b"
    rf"|\b(?P<m2>{_MONTH})\b\.?\s+(?P<d2>[0-3]?\d){_ORD},?\s+(?P<y2>{_YEAR4})\b"
    rf"|\b(?P<d3>[0-3]?\d)(?P<sep>[/.-])(?P<m3>[01]?\d)(?P=sep)(?P<y3>{_YEAR4}|\d\d)\b"
    rf"|\b(?P<y4>{_YEAR4})-(?P<m4>[01]\d)-(?P<d4>[0-3]\d)\b",
    re.IGNORECASE,
)
ISO_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?!\d)")

# Context just before a date that marks it as the paper's own meeting date (masthead only):
# "Meeting on Thursday,", "Minutes |", "COUNCIL MEETING OF", "To: Cabinet –",
# "COUNTY COUNCIL - THURSDAY,", "a meeting of the Cabinet held in ... on Thursday,".
_MEETING_CONTEXT = (
    re.compile(
        rf"\b(?:meeting|minutes)(?:\s+(?:held|on|of|from|dated))*\s*[|:,–—-]?\s*"
        rf"(?:{WEEKDAY},?\s*)?$",
        re.IGNORECASE,
    ),
    re.compile(rf"\bmeeting\b[^.]{{0,160}}?\bon\s+(?:{WEEKDAY},?\s*)?$", re.IGNORECASE),
    re.compile(r"(?:^|\n)[ \t]*To:?[ \t]+[^\n]{1,80}?[ \t]*[–—,-][ \t]*$"),
    re.compile(
        rf"\b(?:council|committee|cabinet|board|commission|panel)\s*[–—-]\s*{WEEKDAY},?\s*$",
        re.IGNORECASE,
    ),
)
_DATE_LABEL = re.compile(
    rf"\b(?:date(?:\s+of\s+(?:meeting|report|decision))?|meeting\s+date)\s*[:\t]\s*"
    rf"(?:{WEEKDAY},?\s*)?$",
    re.IGNORECASE,
)
_ALONE_BEFORE = re.compile(rf"^\s*(?:{WEEKDAY},?\s*)?$", re.IGNORECASE)
_ALONE_AFTER = re.compile(r"^\s*[.,]?\s*(?:at\s+[\d.:]+\s*(?:[ap]\.?m\.?)?)?\s*$", re.IGNORECASE)


def _date_of(match: re.Match[str]) -> tuple[str, bool] | None:
    """ISO form of a date match and whether it was written month-first (US style)."""
    g = match.groupdict()
    us = False
    if g["d1"]:
        day, month, year = int(g["d1"]), _MONTH_NUMBERS[g["m1"].lower().rstrip(".")], g["y1"]
    elif g["d2"]:
        day, month, year = int(g["d2"]), _MONTH_NUMBERS[g["m2"].lower().rstrip(".")], g["y2"]
        us = True
    elif g["d3"]:
        # Two-digit years only with slashes: "4.1.10" is a paragraph number, "18/02/10" a date.
        if len(g["y3"]) == 2 and g["sep"] != "/":
            return None
        day, month, year = int(g["d3"]), int(g["m3"]), g["y3"]
        if month > 12 and day <= 12:  # 11/30/17 can only be month-first
            day, month, us = month, day, True
    else:
        day, month, year = int(g["d4"]), int(g["m4"]), g["y4"]
    full_year = (
        int(year) if len(year) == 4 else 2000 + int(year) if int(year) < 70 else 1900 + int(year)
    )
    try:
        return _date(full_year, month, day).isoformat(), us
    except ValueError:
        return None


def meeting_date(head: str, top_end: int) -> tuple[str, bool, int] | None:
    """Best-supported date in the header: (iso, month-first?, score)."""
    best: tuple[int, int, str, bool] | None = None
    for match in DATE_RE.finditer(head):
        parsed = _date_of(match)
        if parsed is None:
            continue
        start, end = match.span()
        before = head[max(0, start - 220) : start]
        line_start = head.rfind("\n", 0, start) + 1
        line_end = head.find("\n", end)
        line_end = len(head) if line_end < 0 else line_end
        if start < top_end and any(p.search(before) for p in _MEETING_CONTEXT):
            score = 5
        elif _DATE_LABEL.search(before):
            score = 4
        elif _ALONE_BEFORE.match(head[line_start:start]) and _ALONE_AFTER.match(head[end:line_end]):
            score = 3
        else:
            score = 1
        if best is None or score > best[0]:
            best = (score, start, *parsed)
    if best is None:
        return None
    return best[2], best[3], best[0]


# --- text helpers ----------------------------------------------------------------------------


_TAG_RE = re.compile(r"<[^>]+>")
_RULE_RE = re.compile(r"^[-=_*\s]+$")
_PAGE_NOISE_RE = re.compile(r"^(?:page\s*\|?\s*\d+(?:\s+of\s+\d+)?|\d{1,3})$", re.IGNORECASE)
_SMALL_WORDS = lexicon.words("small_words")


def clean_line(raw: str) -> str:
    """One line without markup, page furniture or runs of spaces; tabs (cell breaks) are kept."""
    line = _TAG_RE.sub("", raw).replace("**", "").replace("__", "")
    line = re.sub(r"^\s*#+\s*", "", line)
    line = re.sub(r"[ \u00a0]+", " ", line).strip(" \t*")
    if not line or _RULE_RE.match(line) or _PAGE_NOISE_RE.match(line):
        return ""
    return line


def header_lines(text: str) -> list[str]:
    """The non-blank lines of the header block."""
    lines: list[str] = []
    size = 0
    for raw in text.split("\n"):
        line = clean_line(raw)
        if not line:
            continue
        lines.append(line)
        size += len(line) + 1
        if len(lines) >= _HEADER_LINES or size >= _HEADER_CHARS:
            break
    return lines


def is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def tidy(text: str) -> str:
    """Single-spaced text; SHOUTED text is put into title case, keeping (ACRONYMS)."""
    text = " ".join(text.split()).strip(" .,:;–—-").replace(" : ", ": ")
    if not is_caps(text):
        return text
    words = []
    for i, word in enumerate(text.split(" ")):
        lower = word.lower()
        if word.startswith("(") and word.endswith(")"):
            words.append(word)
        elif (i and lower in _SMALL_WORDS) or re.fullmatch(r"\d+(?:st|nd|rd|th)", lower):
            words.append(lower)
        else:
            words.append(re.sub(r"[A-Za-z][A-Za-z'’]*", lambda m: m.group().capitalize(), word))
    return " ".join(words)


def tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def label_values(lines: list[str], label_re: re.Pattern[str]) -> list[str]:
    """Values of "Label:" cells: the rest of the cell, else the next cell, else the next line."""
    values = []
    for i, line in enumerate(lines):
        cells = [cell.strip() for cell in line.split("\t")]
        for j, cell in enumerate(cells):
            match = label_re.match(cell)
            if not match:
                continue
            value = cell[match.end() :].strip()
            later = [c for c in cells[j + 1 :] if c]
            if not value and later and not later[0].endswith(":"):
                value = later[0]
            elif not value and not later and i + 1 < len(lines) and ":" not in lines[i + 1][:30]:
                value = lines[i + 1].split("\t")[0].strip()
            if value:
                values.append(value)
    return values


def is_iso_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        _date.fromisoformat(value)
    except ValueError:
        return False
    return True
