"""Decisions in minutes: resolutions, motions put to the vote, and items plainly decided.

Minutes record what a meeting decided under each minute item, in a few forms whatever the
council: "RESOLVED that …" or "It was AGREED" (perhaps with numbered parts), a motion moved,
seconded and CARRIED or LOST with its vote, and plain statements such as "The minutes were
approved as a correct record" or "… – approved." A vote belongs to the resolution written just
after it.
"""

from __future__ import annotations

import re
from typing import Any

from ingest import lexicon
from ingest.decision_parts import Part, list_parts
from ingest.line_roles import sentence_spans
from ingest.minutes import MinuteItem, MinutesStructure
from ingest.motions import Motion

_PARTICIPLES = "|".join(sorted(lexicon.words("decision_participles"), key=len, reverse=True))
_ACTORS = "|".join(sorted(lexicon.words("decision_actors"), key=len, reverse=True))
_CONSENT = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in lexicon.phrases("consent_phrases"))
_CUE = re.compile(
    rf"\b(?:was|were|been|be)\s+(?:duly\s+|then\s+|formally\s+)?(?:unanimously\s+)?(?:{_PARTICIPLES})\b|"
    rf"(?:^|[–—:]\s*|-\s+)(?:unanimously\s+)?(?:{_PARTICIPLES}|noted)\b|"
    rf"\b(?:the\s+)?(?:{_ACTORS}|(?-i:[A-Z]{{2,6}}))\s+(?:(?:then|also|unanimously)\s+)?"
    rf"(?:agreed|approved|resolved|decided|voted|adopted|endorsed)\b|"
    rf"\b(?:report|update|minutes|accounts?|information|correspondence|letter|statement|position)s?"
    rf"\s+(?:was|were)\s+(?:duly\s+)?(?:received\s+and\s+)?noted\b|\bRECOMMENDED\b|"
    rf"\b(?:{_ACTORS})\s+noted\s+(?:the\s+)?(?:contents\s+of\s+(?:the\s+)?)?(?:\w+\s+){{0,2}}?"
    rf"(?:report|update|forum|minutes|statements?|accounts|information|position|correspondence)\b|"
    rf"\b(?:all\s+)?(?:{_ACTORS}|cllrs)\s+(?:\w+\s+)?were\s+(?:all\s+)?(?:{_CONSENT})\b",
    re.I,
)
_NARRATIVE = re.compile(
    r"(?i)\b(?:had|previously|last\s+year|would\s+be|if\s+\w+\s+(?:is|are))\b|\?"
)
_FOLLOW = 200  # characters after a vote within which "It was APPROVED …" records its decision
_BARE = 3  # words in a cue sentence that says only "Approved." — the matter is the one before it


def _minute_kind(text: str, outcome: str = "") -> str:
    head = text[:160]
    if outcome in ("lost", "rejected", "withdrawn") or re.search(
        r"(?i)\b(?:refused|rejected|not\s+approved)\b", head
    ):
        return "lost"
    if outcome == "deferred" or re.search(r"(?i)\bdefer(?:red)?\b", head):
        return "deferred"
    if re.search(r"\bRECOMMENDED\b", head):
        return "recommended"
    if re.search(
        r"(?i)^\W*(?:(?:RESOLVED|AGREED)\W+)?(?:that\s+)?(?:the\s+\w+\s+)?(?:to\s+)?(?:be\s+)?note[sd]?\b|\bwas\s+(?:duly\s+)?noted\b|^\W*noted\b",
        head,
    ):
        return "noted"
    if re.search(r"\bRESOLVED\b|(?i:\bresolved\b)", head):
        return "resolved"
    if re.search(r"(?i)^\W*decision\b", head):
        return "decision"
    return "agreed"


def _after_title(text: str, item: MinuteItem, a: int) -> int:
    """A sentence that opens the item starts after its number and title."""
    if a > item.start + len(item.number) + 2:
        return a
    at = text.find(item.title, item.start)
    if at < 0 or at > a + 40:
        return a
    a = at + len(item.title)
    while a < len(text) and text[a] in " :.-–\t":
        a += 1
    return a


def _motion_parts(
    text: str, item: MinuteItem, minutes: MinutesStructure
) -> list[tuple[Part, str, Motion | None]]:
    out: list[tuple[Part, str, Motion | None]] = []
    covered: list[tuple[int, int]] = []
    blocks: list[tuple[int, int]] = []  # each resolution's span, with its listed parts

    def add(a: int, b: int, kind: str, motion: Motion | None = None, ref: str = "") -> None:
        a = _after_title(text, item, a)
        if b <= a:
            return
        out.append((Part(ref=ref, start=a, end=b), kind, motion))
        covered.append((a, b))

    for a, b in item.resolutions:
        # The list under "It was APPROVED:" may run past the span minutes.py took (a wrapped
        # line opening with a bracket): read it to where the list itself ends.
        parts = list_parts(text, a, item.end)
        if len(parts) > 1:
            b = max(b, parts[-1].end)
        head_end = text.find("\n", a, b)
        head = text[a : b if head_end < 0 else head_end]
        kind = _minute_kind(head)
        if len(parts) <= 1:
            add(a, b, _minute_kind(text[a:b]))
        else:
            for p in parts:
                add(
                    p.start,
                    p.end,
                    kind if kind != "agreed" else _minute_kind(text[p.start : p.end]),
                    ref=p.ref,
                )
        covered.append((a, b))
        blocks.append((a, b))
    for motion in item.motions:
        # A motion moved and seconded was put to the meeting, whether or not its outcome is said.
        decided = (
            motion.outcome
            or motion.votes_for is not None
            or motion.unanimous
            or (motion.mover and motion.seconder)
        )
        if not decided:
            continue
        span = minutes.record_span(motion)
        later = [m.start for m in item.motions if m.start > motion.end]
        reach = min([motion.end + _FOLLOW, *later])
        mine = [
            i
            for i, (p, _, m) in enumerate(out)
            if m is None
            and (span[0] <= p.start < max(span[1], reach) or motion.start <= p.start < motion.end)
        ]
        # The vote carried the whole resolution: every part listed under it.
        block = next(((x, y) for x, y in blocks if mine and x <= out[mine[0]][0].start < y), None)
        if block is not None:
            mine = sorted(
                {
                    *mine,
                    *(
                        i
                        for i, (p, _, m) in enumerate(out)
                        if m is None and block[0] <= p.start < block[1]
                    ),
                }
            )
        if mine:
            covered.append((motion.start, motion.end))  # its sentences belong to that record
            for i in mine:
                p, kind, _ = out[i]
                out[i] = (
                    p,
                    _minute_kind(text[p.start : p.end], motion.outcome)
                    if motion.outcome in ("lost", "rejected", "withdrawn", "deferred")
                    else kind,
                    motion,
                )
            continue
        # An amendment moved inside a motion's record is its own record: the motion's text
        # stops where the amendment starts (its vote is still the motion's, in vote_text).
        inner = [m.start for m in item.motions if motion.start < m.start < motion.end]
        end = len(text[: min([motion.end, *inner])].rstrip())
        add(motion.start, end, _minute_kind(text[motion.start : end], motion.outcome), motion)
    spans = [
        (item.start + a, item.start + b) for a, b in sentence_spans(text[item.start : item.end])
    ]
    for n, (a, b) in enumerate(spans):
        sentence = text[a:b]
        inside = any(x <= a < y or x < b <= y for x, y in covered)
        if inside or not _CUE.search(sentence) or _NARRATIVE.search(sentence):
            continue
        start, k = a, n
        # "… Glynwood Road. Approved." names its matter in the sentence before; a piece cut off
        # after an abbreviation ("(Ch. No 300040) – approved.") starts further back on its line.
        while (
            k > 0
            and text.count("\n", spans[k - 1][0], start) == 0
            and (
                len(text[start:b].split()) <= _BARE
                or text.count(")", start, b) > text.count("(", start, b)
            )
        ):
            k -= 1
            start = spans[k][0]
        motion = minutes.motion_at(a)
        add(start, b, _minute_kind(text[start:b], motion.outcome if motion else ""), motion)
    return sorted(out, key=lambda t: t[0].start)


_VOTE_WORDS = re.compile(
    r"(?i)\b(?:carried|lost|unanimous\w*|vot\w+|against|abstain\w*|abstention\w*|withdrawn|"
    r"defeated|fell|passed|failed|ayes?|nays?)\b"
)


def vote_text(text: str, motion: Motion | None) -> str:
    """The minutes' own words for how the vote went ("CARRIED (6 members voting in favour …)")."""
    if motion is None:
        return ""
    said = [text[a:b] for a, b in motion.sentences if _VOTE_WORDS.search(text[a:b])]
    return " ".join(dict.fromkeys(said))


def motion_votes(motion: Motion | None) -> dict[str, Any]:
    if motion is None:
        return {}
    votes: dict[str, Any] = {
        "for": motion.votes_for,
        "against": motion.votes_against,
        "abstain": motion.abstentions,
    }
    if motion.unanimous:
        votes["unanimous"] = True
    named = {
        k: v
        for k, v in (
            ("for", motion.voted_for),
            ("against", motion.voted_against),
            ("abstain", motion.abstained),
        )
        if v
    }
    if named:
        votes["named"] = named
    return votes if any(v not in (None, False) for v in votes.values()) else {}


OUTCOME_OF = {
    "approved": "carried",
    "agreed": "carried",
    "passed": "carried",
    "adopted": "carried",
    "rejected": "lost",
}


def minute_decisions(
    text: str, minutes: MinutesStructure
) -> list[tuple[Part, str, Motion | None, str, str]]:
    """(part, kind, motion, subject, ref) of each decision, item by item."""
    found = []
    for item in minutes.items:
        for part, kind, motion in _motion_parts(text, item, minutes):
            ref = item.number + re.sub(r"^([^()]+)", r"(\1)", part.ref)
            found.append((part, kind, motion, item.title, ref))
    return found
