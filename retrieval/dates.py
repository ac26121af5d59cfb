"""Time in the question: "in 2010", "since 2012", "before March 2011", "the latest report on waste".

These become a date range on the paper's meeting/report date, or recency ordering, and a note
shown to the user beside the rewritten question.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19|20)\d\d"
# "2017-18" and "2017/18" name a financial year, whose spending a question asks about: they say
# nothing about the date of the paper that reports it.
_WHEN = rf"(?:(?P<month>{_MONTH})\s+)?(?P<year>{_YEAR})(?![-/–]\d)"

_PATTERNS = [
    ("between", re.compile(rf"\bbetween\s+(?P<a>{_YEAR})\s+and\s+(?P<b>{_YEAR})\b", re.I)),
    ("range", re.compile(rf"\bfrom\s+(?P<a>{_YEAR})\s+(?:to|until|till)\s+(?P<b>{_YEAR})\b", re.I)),
    ("since", re.compile(rf"\b(?:since|after|from)\s+{_WHEN}\b", re.I)),
    ("before", re.compile(rf"\b(?:before|until|prior\s+to)\s+{_WHEN}\b", re.I)),
    ("in", re.compile(rf"\b(?:in|during)\s+{_WHEN}\b", re.I)),
]
_RECENT = re.compile(
    r"\b(?:the\s+)?(?:latest|most\s+recent|newest|last|recent)\b(?=\s+\w+)", re.IGNORECASE
)


@dataclass(frozen=True)
class TimeConstraint:
    since: str = ""
    until: str = ""
    recency: bool = False
    phrase: str = ""  # the words of the question it came from

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.recency)

    def describe(self) -> str:
        if self.since and self.until:
            text = f"papers dated {self.since} to {self.until}"
        elif self.since:
            text = f"papers dated from {self.since}"
        elif self.until:
            text = f"papers dated up to {self.until}"
        else:
            text = ""
        if self.recency:
            text = (text + ", " if text else "") + "newest papers first"
        return text


def _start(year: str, month: str | None) -> str:
    if month:
        return f"{year}-{_MONTHS[month.lower().rstrip('.')]:02d}-01"
    return f"{year}-01-01"


def _end(year: str, month: str | None) -> str:
    if month:
        number = _MONTHS[month.lower().rstrip(".")]
        last = calendar.monthrange(int(year), number)[1]
        return f"{year}-{number:02d}-{last:02d}"
    return f"{year}-12-31"


def _before(year: str, month: str | None) -> str:
    """The last day before the given month or year."""
    y = int(year)
    if month:
        number = _MONTHS[month.lower().rstrip(".")]
        if number == 1:
            return f"{y - 1}-12-31"
        last = calendar.monthrange(y, number - 1)[1]
        return f"{y}-{number - 1:02d}-{last:02d}"
    return f"{y - 1}-12-31"


def parse_time(question: str) -> TimeConstraint:
    """The date constraint a question states, if any.

    >>> parse_time("What did Inverclyde decide in February 2010?")
    TimeConstraint(since='2010-02-01', until='2010-02-28', recency=False, phrase='in February 2010')
    >>> parse_time("the latest report on waste").recency
    True
    """
    recency = bool(_RECENT.search(question))
    for kind, pattern in _PATTERNS:
        m = pattern.search(question)
        if not m:
            continue
        phrase = m.group(0)
        if kind in ("between", "range"):
            a, b = sorted((m.group("a"), m.group("b")))
            return TimeConstraint(f"{a}-01-01", f"{b}-12-31", recency, phrase)
        year, month = m.group("year"), m.group("month")
        if kind == "since":
            start = _start(year, month)
            if phrase.lower().startswith("after"):
                start = _before_next(year, month)
            return TimeConstraint(since=start, recency=recency, phrase=phrase)
        if kind == "before":
            until = _before(year, month)
            if phrase.lower().startswith("until"):
                until = _end(year, month)
            return TimeConstraint(until=until, recency=recency, phrase=phrase)
        return TimeConstraint(_start(year, month), _end(year, month), recency, phrase)
    phrase = _RECENT.search(question).group(0) if recency else ""
    return TimeConstraint(recency=recency, phrase=phrase)


def _before_next(year: str, month: str | None) -> str:
    """First day after the given month or year ("after 2012" means from 2013)."""
    y = int(year)
    if month:
        number = _MONTHS[month.lower().rstrip(".")]
        return f"{y + 1}-01-01" if number == 12 else f"{y}-{number + 1:02d}-01"
    return f"{y + 1}-01-01"


_DAY_DATE = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH}),?\s+(?P<year>{_YEAR})\b|"
    rf"\b(?P<month2>{_MONTH})\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year2>{_YEAR})\b",
    re.I,
)


def full_dates(text: str) -> list[str]:
    """Each day named in full ("12 March 2010", "March 12, 2010") as yyyy-mm-dd."""
    out = []
    for m in _DAY_DATE.finditer(text):
        day = m.group("day") or m.group("day2")
        month = m.group("month") or m.group("month2")
        year = m.group("year") or m.group("year2")
        number = _MONTHS[month.lower().rstrip(".")]
        if 1 <= int(day) <= calendar.monthrange(int(year), number)[1]:
            out.append(f"{year}-{number:02d}-{int(day):02d}")
    return out
