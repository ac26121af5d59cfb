"""Motions in minutes: who moved and seconded each, what became of it, and the vote.

Minutes record a motion the same few ways whatever the council: "moved by Councillor A and
seconded by Councillor B", "Proposed: Cllr A, Seconded: Cllr B", "A. Smith (motion), B. Jones
(second)"; then an outcome (CARRIED, LOST, withdrawn) and perhaps a count ("8 voting for, 1
against", "5-2") or the names of those voting each way. Offsets are into the cleaned text, so
every record is a verbatim span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import lexicon

_OPEN_SENTENCES = 12  # sentences after which a motion's record is taken to be complete


@dataclass
class Motion:
    """A proposal put to the meeting: who moved and seconded it, what became of it, the vote."""

    start: int  # offsets of the record in the cleaned text: first to last sentence about it
    end: int
    kind: str = "motion"  # motion | amendment | recommendation | resolution
    label: str = ""  # as the minutes name it: "Recommendation 2A", "The amendment"
    mover: str = ""
    seconder: str = ""
    outcome: str = ""  # carried | lost | withdrawn | approved | rejected | deferred | agreed
    unanimous: bool = False
    votes_for: int | None = None
    votes_against: int | None = None
    abstentions: int | None = None
    voted_for: list[str] = field(default_factory=list)  # named (recorded) votes
    voted_against: list[str] = field(default_factory=list)
    abstained: list[str] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)  # the record's own sentences


_TITLES = "|".join(
    sorted(
        {*lexicon.cased("person_titles"), *lexicon.cased("group_titles")},
        key=len,
        reverse=True,
    )
)
_NAMEWORD = r"(?:Mc|Mac|O'|O’)?[A-Z][a-z'’-]+|[A-Z]\.(?: ?[A-Z]\.)*"
# Case matters in a name even inside patterns that ignore it ("moved by Cllr Ash and seconded").
NAME = rf"(?-i:(?:(?:{_TITLES})\.?\s+)?(?:{_NAMEWORD})(?:[ \t]+(?:{_NAMEWORD})){{0,3}})"
_KIND = r"(?P<kind>amendment|motion|recommendations?|resolution|proposal|report)"
_LABEL = (
    rf"(?P<label>(?:the\s+)?(?:report\s+and\s+)?{_KIND}(?:\s+(?:[0-9]{{1,2}}[A-Za-z]?|[A-Z])\b)?)"
)

_MOVED = [
    # "Recommendation 2A was moved by Councillor Ash and seconded by Councillor Oak"
    re.compile(
        rf"{_LABEL}[^.]{{0,60}}?\s+(?:was|were)\s+(?:moved|proposed)\s+by\s+(?P<mover>{NAME})"
        rf"(?:[,;]?\s+and\s+seconded\s+by\s+(?P<seconder>{NAME}))?",
        re.I,
    ),
    # "It was moved by Cllr A, seconded by Cllr B, that ..." / "Proposed by A; seconded by B" /
    # "Motion by Commissioner A, second by Commissioner B, to adopt ..."
    re.compile(
        rf"(?:it\s+was\s+)?(?:moved|proposed|motion(?=\s+(?:was\s+)?(?:made\s+)?by\b)(?:\s+was)?(?:\s+made)?)(?:\s+by\b|\s*[:\-–]|(?=\s+(?-i:{_TITLES})\b))"
        rf"\s*(?P<mover>{NAME})"
        rf"(?:[,;]?\s*(?:and\s+)?(?:seconded|second)(?:\s+by)?\s*[:\-–]?\s*(?P<seconder>{NAME}))?",
        re.I,
    ),
    # "A. Smith (motion), B. Jones (second)"
    re.compile(
        rf"(?P<mover>{NAME})\s*\((?:motion|moved|mover|proposer|proposed|proposal)\)"
        rf"(?:[,;]?\s*(?P<seconder>{NAME})\s*\((?:second|seconded|seconder)\))?",
        re.I,
    ),
    # "Councilor Smith made a motion to approve the consent agenda" / "Commissioner Lee motioned to …"
    re.compile(
        rf"(?P<mover>{NAME})\s+(?:made\s+(?:a|the)\s+motion|motioned)\b"
        rf"(?:[^.]{{0,120}}?\bsecond(?:ed)?\s+by\s+(?P<seconder>{NAME}))?",
    ),
    # "Councillor Elm moved an amendment ... which was seconded by Jo Fir"
    re.compile(
        rf"(?P<mover>{NAME})\s+(?:moved|proposed|put\s+forward)(?:\s+(?:an?\s+|the\s+)?{_KIND})?\b"
        rf"(?:[^.]{{0,80}}?\bseconded\s+by\s+(?P<seconder>{NAME}))?",
    ),
]
_SECONDED = [
    re.compile(rf"(?:{_LABEL}\s+(?:was|were)\s+)?seconded\s+by\s+(?P<seconder>{NAME})", re.I),
    re.compile(rf"(?P<seconder>{NAME})\s+seconded\b"),
    re.compile(rf"\bSeconded\s*[:\-–]\s*(?P<seconder>{NAME})"),
]
_OUTCOME = re.compile(
    r"\b(?P<upper>CARRIED|LOST|WITHDRAWN|DEFEATED|FELL|APPROVED|REJECTED|DEFERRED|AGREED|PASSED|"
    r"FAILED)\b|\b(?:was|were|being|is)\s+(?:then\s+)?(?:unanimously\s+)?(?P<lower>carried|lost|"
    r"withdrawn|defeated|passed|failed|approved|rejected|deferred|agreed|adopted)\b|"
    r"\b(?i:motion|amendment|recommendation|resolution)s?\s+(?P<short>carried|passed|failed|lost)\b",
)
_BARE_OUTCOME = re.compile(r"\b(?P<lower>approved|carried|passed|adopted|rejected|agreed)\b")
_OUTCOME_FIRST = re.compile(
    r"^(?:[^\w]*|o\s+)(?:CARRIED|LOST|APPROVED|REJECTED|DEFERRED|AGREED|PASSED|FAILED)\s*[-–:]\s*\w"
)
_OUTCOME_WORD = {
    "fell": "lost",
    "defeated": "lost",
    "failed": "lost",
    "passed": "carried",
    "adopted": "carried",
}
_COUNT = r"(?<![£$€\d.,])(?P<n>\d{1,3}|none|no|nil)"


def _side(words: str) -> re.Pattern:
    """A count of votes one way: "6 members voting in favour", "none against", "For: 6"."""
    return re.compile(
        rf"{_COUNT}\s+(?:members?\s+|councillors?\s+|votes?\s+)?(?:voting\s+|voted\s+|votes?\s+)?"
        rf"(?:{words})\b|\b(?:{words})\s*[:=\-–]\s*(?P<m>\d{{1,3}})\b",
        re.I,
    )


_FOR = _side(r"for|in\s+favou?r")
_AGAINST = _side("against")
_ABSTAIN = re.compile(
    rf"{_COUNT}\s+(?:members?\s+|councillors?\s+)?(?:abstentions?|abstained|abstaining)\b|"
    rf"\babstentions?\s*[:=\-–]\s*(?P<m>\d{{1,3}})\b",
    re.I,
)
_TALLY = re.compile(r"\b(?P<f>\d{1,2})\s*[-–]\s*(?P<a>\d{1,2})(?:\s*[-–]\s*(?P<b>\d{1,2}))?\b")
_NAMED = {
    "voted_for": re.compile(
        r"\b(?:Ayes?|Yeas?|Yes|Voting\s+for|Voted\s+for|In\s+favou?r)\s*[:\-–]\s*"
    ),
    "voted_against": re.compile(
        r"\b(?:Nays?|Noes|No|Voting\s+against|Voted\s+against|Against)\s*[:\-–]\s*"
    ),
    "abstained": re.compile(r"\b(?:Abstain(?:ed|ing|ions?)?)\s*[:\-–]\s*"),
}
_VOTE_CONTEXT = re.compile(
    r"\bvot(?:e|es|ed|ing)\b|\b(?:carried|lost|passed|failed|defeated|favou?r|against|abstain\w*|"
    r"ayes?|nays?|noes|yeas?|motion|amendment)\b",
    re.I,
)
_UNANIMOUS = re.compile(r"\bunanimous(?:ly)?\b|\ball\s+in\s+favou?r\b|\bwithout\s+dissent\b", re.I)
_NAMED_RE = re.compile(NAME)
RESOLVED = re.compile(
    r"\bRESOLVED\b|\bIt\s+was\s+(?:APPROVED|AGREED|RESOLVED)\b|\b(?:Resolved|Agreed|Decision)\s*[:\-–]"
    r"|\bAGREED\b",
)
_NOT_PERSON = frozenset(lexicon.cased("not_mover_words"))


def _person(name: str | None) -> str:
    if not name:
        return ""
    name = name.strip(" ,;.")
    first = name.split()[0] if name.split() else ""
    return "" if first in _NOT_PERSON else name


def _count(match: re.Match | None) -> int | None:
    if match is None:
        return None
    value = match.groupdict().get("m") or match.groupdict().get("n") or ""
    return 0 if value.lower() in ("none", "no", "nil") else int(value)


def _names(text: str) -> list[str]:
    """People in a named vote list: "Ayes: Smith, Jones and Brown" → three names."""
    head = re.split(r"[.;\n]|\b(?:Nays?|Noes|Against|Abstain\w*)\s*[:\-–]", text, maxsplit=1)[0]
    parts = re.split(r",|\band\b|&", head)
    return [p.strip() for p in parts if p.strip() and _NAMED_RE.fullmatch(p.strip())]


def _kind_named(sentence: str) -> str:
    m = re.search(r"\b(amendment|motion|recommendations?|resolution)\b", sentence, re.I)
    if not m:
        return ""
    word = m.group(1).lower()
    return "recommendation" if word.startswith("recommendation") else word


def parse_motions(text: str, sentences: list[tuple[int, int]]) -> list[Motion]:
    motions: list[Motion] = []

    last_seen: dict[int, int] = {}  # id(motion) → index of the last sentence about it

    def latest(kind: str, missing: str) -> Motion | None:
        """The latest motion still open on this count, of the kind the sentence names."""
        for motion in reversed(motions):
            if not kind and index - last_seen[id(motion)] > _OPEN_SENTENCES:
                # A sentence that names no motion ("APPROVED – meeting dates") speaks of one just
                # moved; one that names it ("the amendment was withdrawn") may come later.
                continue
            if getattr(motion, missing) in ("", None) and (not kind or motion.kind == kind):
                return motion
        return None

    for index, (a, b) in enumerate(sentences):
        sentence = text[a:b]
        kind = _kind_named(sentence)
        touched: Motion | None = None
        for pattern in _MOVED:
            m = pattern.search(sentence)
            if m and _person(m.group("mover")):
                found_kind = (m.groupdict().get("kind") or kind or "motion").lower()
                if found_kind.startswith("recommendation") or found_kind == "report":
                    found_kind = "recommendation"
                if found_kind == "proposal":
                    found_kind = "motion"
                label = (m.groupdict().get("label") or "").strip()
                touched = Motion(start=a, end=b, kind=found_kind, label=label)
                touched.mover = _person(m.group("mover"))
                touched.seconder = _person(m.groupdict().get("seconder"))
                if not touched.seconder:  # "Cllr Ash proposed, Cllr Oak seconded, all in favour"
                    rest = sentence[m.end() :]
                    second = next((p.search(rest) for p in _SECONDED if p.search(rest)), None)
                    touched.seconder = _person(second.group("seconder")) if second else ""
                motions.append(touched)
                break
        if touched is None:
            for pattern in _SECONDED:
                m = pattern.search(sentence)
                if m and _person(m.group("seconder")):
                    touched = latest(kind, "seconder")
                    if touched is not None:
                        touched.seconder = _person(m.group("seconder"))
                    break
        outcome = (
            _OUTCOME.search(sentence)
            or (touched and _BARE_OUTCOME.search(sentence))
            # "Carried." standing alone after "Proposed: … Seconded: …"
            or (len(sentence.split()) <= 2 and _BARE_OUTCOME.search(sentence.lower()))
        )
        if touched is None and _OUTCOME_FIRST.match(sentence):
            # "APPROVED – next year's meeting dates": a bulleted decision that stands alone.
            touched = Motion(start=a, end=b, kind="motion", label=sentence)
            motions.append(touched)
        counts = [_FOR.search(sentence), _AGAINST.search(sentence), _ABSTAIN.search(sentence)]
        tally = (
            _TALLY.search(sentence)
            if re.search(r"\bvote|carried|passed|approved|failed", sentence, re.I)
            else None
        )
        named = {k: p.search(sentence) for k, p in _NAMED.items()}
        about_vote = bool(_VOTE_CONTEXT.search(sentence))
        if not about_vote:
            counts, named = [None, None, None], {}
        if outcome and not outcome.groupdict().get("upper") and not (kind or about_vote or touched):
            outcome = None  # "the decision had been approved by the previous administration"
        counted = any(counts) or tally or any(named.values())
        if outcome or counted or _UNANIMOUS.search(sentence):
            target = touched or latest(kind, "outcome")
            if target is None and (counted or (outcome and kind and not RESOLVED.search(sentence))):
                target = Motion(start=a, end=b, kind=kind or "motion", label="")
                motions.append(target)
            if target is not None:
                if outcome and not target.outcome:
                    groups = outcome.groupdict()
                    word = next(
                        v for k, v in groups.items() if v and k in ("upper", "lower", "short")
                    ).lower()
                    target.outcome = _OUTCOME_WORD.get(word, word)
                target.unanimous = target.unanimous or bool(_UNANIMOUS.search(sentence))
                for attr, match in zip(
                    ("votes_for", "votes_against", "abstentions"), counts, strict=True
                ):
                    if match is not None and getattr(target, attr) is None:
                        setattr(target, attr, _count(match))
                if tally and target.votes_for is None:
                    target.votes_for = int(tally.group("f"))
                    target.votes_against = int(tally.group("a"))
                    if tally.group("b"):
                        target.abstentions = int(tally.group("b"))
                for attr, match in named.items():
                    if match is not None and not getattr(target, attr):
                        setattr(target, attr, _names(sentence[match.end() :]))
                touched = target
        if touched is not None:
            last_seen[id(touched)] = index
            touched.start = min(touched.start, a)
            touched.end = max(touched.end, b)
            touched.sentences.append((a, b))
    return motions
