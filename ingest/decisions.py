"""Decisions a paper records or recommends, as records officers can search and cite.

Papers state decisions in a few fixed forms, whatever the council:

- a report's recommendations sit under a heading ("2. Recommendations", "RECOMMENDATION(S)")
  or a lead-in ("It is recommended that Council:", "The Cabinet is asked to:"), one part per
  numbered or lettered line;
- a decision notice or record of decision puts them under "Decision:" or "(d) Decision taken",
  often after "As Cabinet Member for … I agree to:", and may state "Key decision: YES" and
  whether the decision is subject to call-in;
- minutes record them under each minute item: "RESOLVED that …", "It was AGREED", a motion
  moved, seconded and CARRIED (with its vote), or a plain "The minutes were approved" /
  "– approved".

The record follows Democracy Club's decision model and Council Data Project's votes. Its `text`
is a verbatim span of the paper's cleaned text, so every record can be quoted and cited.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.decision_parts import Part, label_form, list_parts
from ingest.minute_decisions import OUTCOME_OF, minute_decisions, motion_votes, vote_text
from ingest.minutes import MinutesStructure
from ingest.motions import Motion
from ingest.records import Chunk, DocumentMeta, LoadedDocument

KINDS = ("resolved", "recommended", "agreed", "noted", "decision", "deferred", "lost")
# The fields of a record, in the order the CLI's --json and the CSV export print them.
FIELDS = (
    "doc_id", "page", "ref", "kind", "body", "date", "subject", "text", "outcome", "mover",
    "seconder", "votes", "key_decision", "call_in", "chunk_id",
)  # fmt: skip


@dataclass
class Decision:
    """One decision recorded, or recommended, in one paper."""

    doc_id: str
    page: int | None
    ref: str  # minute or paragraph number as printed, with the part: "2.1", "7(a)"
    kind: str  # one of KINDS
    body: str  # the decision maker
    date: str  # yyyy-mm-dd
    subject: str  # the agenda item or matter
    text: str  # verbatim: document.text[start:end]
    outcome: str = ""  # carried | lost | withdrawn | deferred | noted, where stated
    mover: str = ""
    seconder: str = ""
    votes: dict[str, Any] = field(default_factory=dict)  # for/against/abstain, unanimous, named
    key_decision: bool | None = None
    call_in: bool | None = None  # True: subject to call-in; False: stated not to be
    chunk_id: str = ""
    start: int = 0
    end: int = 0
    vote_text: str = ""  # the minutes' sentences on the vote, verbatim (for answers to quote)

    @property
    def id(self) -> str:
        key = f"{self.doc_id}\x1f{self.start}\x1f{self.text}"
        return "d" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:15]

    def to_dict(self) -> dict[str, Any]:
        """Exactly the record's public fields (FIELDS), plus its id."""
        data = asdict(self)
        return {"id": self.id, **{name: data[name] for name in FIELDS}}


# -- reports and decision notices ------------------------------------------------------------

_HEADING = re.compile(
    r"(?im)^[ \t]*(?:[-•][ \t]*)?(?:(?P<num>\(?(?:\d{1,2}(?:\.\d{1,2})?|[a-z])[.)]?)[ \t]+)?"
    r"(?:\*\*)?(?P<word>(?:(?:officers?'?|staff|draft|proposed|formal|committee|cabinet)\s+)?"
    r"(?:recommendations?|recommendation\(s\))|recommended\s+decisions?|"
    r"decisions?\s+(?:required|sought|requested|taken|made)|proposed\s+decisions?|decision|"
    r"resolutions?)(?:\*\*)?[ \t]*(?:(?P<sep>[:.\-–])[ \t]*(?P<rest>[^\n]*))?$"
)
# A lead-in opens a line, or follows "Recommendation:" inside one (US agendas run an item's
# title, presenter and recommendation together: "… (City Clerk) Recommendation: Staff recommends
# City Council approve …").
_LEAD_IN = re.compile(
    r"(?m)(?P<pre>^[ \t]*|\bRecommendations?\s*:[ \t]*)(?:It\s+is\s+(?:therefore\s+)?recommended\s+that\b|"
    r"(?:The\s+)?(?P<body>[A-Z][\w&',-]*(?:\s+[\w&',-]+){0,6}?)\s+(?:is|are)\s+(?:therefore\s+)?"
    r"(?:asked|recommended)\s+to\b|(?:Staff|Officers?)\s+recommends?\s+(?:that\b|(?:the\s+)?"
    r"(?:[A-Z]\w+\s+){0,2}(?:Council|Board|Commission|Committee|Cabinet)\b))"
)
_TAKER = re.compile(
    r"(?i)\bdecision\s+(?:to\s+be\s+)?taken\s+by\s*:?\s*\n?(?P<who>[^\n]{3,120})|"
    r"\bAs\s+(?P<role>(?:the\s+)?(?:Cabinet\s+Member|Leader|Portfolio\s+Holder|Executive\s+Member|"
    r"Director|Chief\s+Executive)[^,\n]{0,80}?),?\s+I\s+(?:agree|have\s+decided|approve|decide)"
)
_DETERMINED_AT = re.compile(
    r"(?i)\bdecisions?\s+(?:determined|taken|made)\s+at\s+(?P<body>[^\n]{3,90}?)\s+meeting\b"
)
_KEY = re.compile(r"(?i)\bkey\s+decision\s*[:?]?\s*[-–]?\s*(?P<v>yes|no)\b")
_CALL_IN = re.compile(
    r"(?i)\b(?P<not>not\s+)?subject\s+to\s+call[- ]?in\b|\bcall[- ]?in\s*[:?]\s*(?P<v>yes|no)\b|"
    r"\b(?P<exempt>exempt(?:ed)?\s+from|waive[sd]?)\s+(?:the\s+)?call[- ]?in\b"
)
_SUBJECT = re.compile(
    r"(?im)^[ \t]*(?:\([a-z]\)[ \t]*)?Subject(?:\s+Matter)?(?:\s*/\s*Title\s+of\s+Decision)?"
    r"[ \t]*[:\-–]?[ \t]*(?P<s>[^\n]{3,200})$"
)
_NUMBER = re.compile(r"(?i)\bdecision\s+(?:number|no\.?|ref(?:erence)?)\s*:?\s*(?P<n>\d[\w/.-]*\d)")
_RESTATED = 0.85  # share of words a later record shares with an earlier one to be the same
_RESTATED_WORDS = 8  # a shorter record ("Approved.") may well recur word for word
_SUBJECT_REACH = 4000  # characters back from a decision to the "Subject:" line it belongs to


def _bool_field(text: str, pattern: re.Pattern) -> bool | None:
    m = pattern.search(text)
    if not m:
        return None
    groups = m.groupdict()
    if groups.get("not") or groups.get("exempt"):
        return False
    value = groups.get("v")
    return True if value is None else value.lower() == "yes"


def _blocks(text: str) -> list[tuple[int, str | None, str, str]]:
    """(start of the content, outer label form, kind, heading number) of each recommendation
    or decision block."""
    found: list[tuple[int, str | None, str, str]] = []
    for m in _HEADING.finditer(text):
        if m.group("rest") and not m.group("sep"):
            continue
        if m.group("sep") == "." and m.group("rest"):
            continue  # "Recommendations. The report sets out …" is prose
        word = m.group("word").lower()
        kind = (
            "recommended"
            if "recommend" in word
            else ("resolved" if word.startswith("resolution") else "decision")
        )
        num = m.group("num") or ""
        form = label_form(num + " x") if num else None
        outer = form[0] if form else None
        content = m.start("rest") if m.group("rest") else m.end()
        number = num.strip("().") if num and outer in (None, "dotted", "num") else ""
        found.append((content, outer, kind, number))
    for m in _LEAD_IN.finditer(text):
        found.append((m.end("pre"), None, "recommended", ""))
    return sorted(found)


def _decision_maker(text: str, meta: DocumentMeta) -> str:
    m = _TAKER.search(text)
    if m:
        who = re.sub(r"(?:\s+[A-Z]{2,}\b:?)+$", "", m.group("who") or m.group("role"))
        return who.strip(" .:")
    m = _DETERMINED_AT.search(text)
    if m:
        return m.group("body").strip()
    return meta.body


def _subject(text: str, start: int, fallback: str) -> str:
    found = [m for m in _SUBJECT.finditer(text, max(0, start - _SUBJECT_REACH), start)]
    return found[-1].group("s").strip() if found else fallback


def _paper_parts(text: str, doc_type: str) -> list[tuple[Part, str]]:
    taken: list[tuple[Part, str]] = []
    ends: list[int] = []
    for content, outer, kind, number in _blocks(text):
        if ends and content < ends[-1]:
            continue  # a lead-in inside a block already read
        if doc_type == "decision" and kind == "recommended":
            kind = "decision"
        parts = list_parts(text, content, len(text), outer, number)
        if parts:
            ends.append(parts[-1].end)
            for p in parts:
                if number and p.ref and not re.match(r"\d+\.\d", p.ref):
                    p.ref = f"{number}({p.ref})" if not p.ref.startswith("(") else number + p.ref
                taken.append((p, kind))
    return taken


# -- the paper -----------------------------------------------------------------------------------


def extract_decisions(
    document: LoadedDocument,
    meta: DocumentMeta,
    chunks: list[Chunk],
    minutes: MinutesStructure | None = None,
) -> list[Decision]:
    """Every decision the paper records or recommends, in reading order.

    Agendas and forward plans list business still to come, so they hold none.
    """
    text = document.text
    if meta.doc_type == "agenda":
        return []
    found: list[tuple[Part, str, Motion | None, str, str]] = []  # part, kind, motion, subject, ref
    if minutes is not None and minutes.items:
        found.extend(minute_decisions(text, minutes))
    else:
        for part, kind in _paper_parts(text, meta.doc_type):
            subject = _subject(text, part.start, meta.title)
            if part.title:
                subject = f"{subject} — {part.title}" if subject else part.title
            found.append((part, kind, None, subject, part.ref))
    body = _decision_maker(text, meta) if meta.doc_type == "decision" else meta.body
    key, call_in = _bool_field(text, _KEY), _bool_field(text, _CALL_IN)
    number = _NUMBER.search(text) if meta.doc_type == "decision" else None
    records: list[Decision] = []
    seen: list[set[str]] = []
    said: list[str] = []  # the words of each record so far, in order, as one string
    for part, kind, motion, subject, ref in found:
        run = re.findall(r"\w+", text[part.start : part.end].casefold())
        words = set(run)
        if any(len(words & other) >= _RESTATED * max(len(words), len(other)) for other in seen):
            continue  # a recommendation or resolution restated later in the paper
        joined = " ".join(run)
        if len(run) >= _RESTATED_WORDS and any(joined in earlier for earlier in said):
            continue  # word for word inside an earlier record: a summary of what was resolved
        seen.append(words)
        said.append(joined)
        outcome = ""
        if motion is not None and motion.outcome:
            outcome = OUTCOME_OF.get(motion.outcome, motion.outcome)
        elif kind == "noted":
            outcome = "noted"
        elif kind == "deferred":
            outcome = "deferred"
        records.append(
            Decision(
                doc_id=document.doc_id,
                page=document.page_at(part.start),
                ref=ref or (number.group("n") if number else ""),
                kind=kind,
                body=body,
                date=meta.date,
                subject=subject,
                text=text[part.start : part.end],
                outcome=outcome,
                mover=motion.mover if motion else "",
                seconder=motion.seconder if motion else "",
                votes=motion_votes(motion),
                vote_text=vote_text(text, motion),
                key_decision=key,
                call_in=call_in,
                chunk_id=_chunk_at(chunks, part.start),
                start=part.start,
                end=part.end,
            )
        )
    return records


def _chunk_at(chunks: list[Chunk], offset: int) -> str:
    holding = [c for c in chunks if c.start <= offset < c.end]
    if holding:
        return holding[0].id
    before = [c for c in chunks if c.start <= offset]
    return (before[-1] if before else chunks[0]).id if chunks else ""


def describe_votes(record: dict[str, Any]) -> str:
    """Who moved and seconded it and how the vote went, in words, from a record's fields.

    >>> describe_votes({"mover": "Cllr Ash", "seconder": "Cllr Oak", "outcome": "carried",
    ...                 "votes": {"for": 8, "against": 1, "abstain": None}})
    'Moved by Cllr Ash, seconded by Cllr Oak; carried (8 for, 1 against).'
    """
    said: list[str] = []
    if record.get("mover"):
        said.append(f"Moved by {record['mover']}")
    if record.get("seconder"):
        said.append(("seconded" if said else "Seconded") + f" by {record['seconder']}")
    votes = record.get("votes") or {}
    counts = [
        f"{votes[key]} {word}"
        for key, word in (("for", "for"), ("against", "against"), ("abstain", "abstaining"))
        if votes.get(key) is not None
    ]
    outcome = record.get("outcome", "") if record.get("outcome") not in ("", "noted") else ""
    tally = ", ".join(counts)
    if votes.get("unanimous"):
        tally = "unanimously" + (f", {tally}" if tally else "")
    result = " ".join(x for x in (outcome, f"({tally})" if tally and outcome else tally) if x)
    for key, word in (("for", "For"), ("against", "Against"), ("abstain", "Abstaining")):
        names = (votes.get("named") or {}).get(key)
        if names:
            result += f"{'; ' if result else ''}{word}: {', '.join(names)}"
    text = ", ".join(said)
    if result:
        text = f"{text}; {result}" if text else result[:1].upper() + result[1:]
    return text + "." if text else ""
