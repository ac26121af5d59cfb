"""Which council wrote a paper and which body it goes to, from the paper's own words.

A council comes from the header ("Report To: Westshire Council", a "WESTSHIRE COUNCIL" masthead)
or from evidence over the whole text (the place it writes about most, its own e-mail domain,
the kind it calls itself by); never from the file name, which whoever saved the file chose.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest import lexicon
from ingest.masthead import DATE_RE, WEEKDAY, is_caps, label_values, tidy, tokens

# --- councils --------------------------------------------------------------------------------

COUNCIL_TYPES = lexicon.words("council_types")
_LEADING_STOP = lexicon.words("not_council_leading")
_NOT_A_PLACE = lexicon.words("not_a_place")
_HONORIFICS = lexicon.words("place_honorifics")
_COUNCIL_RE = re.compile(
    r"(?<![\w'’&.-])((?:[A-Z][\w'’&.-]*)(?:[ ]+(?:[A-Z][\w'’&.-]*|of|upon|and|on)){0,5}?)[ ]+"
    rf"Council\b(?![ ]+(?i:{'|'.join(sorted(lexicon.words('council_compounds')))})\b)"
)
_COUNCIL_LABEL_RE = re.compile(
    r"^(?:report\s+to|council|authority|local\s+authority)\s*:", re.IGNORECASE
)
DOMAIN_RE = re.compile(r"(?:@|www\.)([a-z0-9-]+)\.gov(?:\.uk)?\b", re.IGNORECASE)
_SELF_REFERENCE_RE = re.compile(r"\b[Tt]he\s+(County|City|District|Borough|Town)\s+Council\b")


def _council_name(words: list[str]) -> tuple[str, str, str] | None:
    """(name, place, type) for the words before "Council", or None if they name no council."""
    while words and (words[0].lower() in _LEADING_STOP or words[0].endswith(":")):
        words = words[1:]
    kind = []
    while words and words[-1].lower() in COUNCIL_TYPES:
        kind.insert(0, words.pop())
    place = [w for w in words if w.lower() not in _HONORIFICS]
    if not place or place[0][:1].islower() or any(w.lower() in _NOT_A_PLACE for w in place):
        return None
    if any(w.lower() in COUNCIL_TYPES for w in place):
        return None
    return " ".join([*words, *kind, "Council"]), " ".join(place), " ".join(kind)


def councils_in(line: str) -> list[tuple[int, str, str, str]]:
    """Council names in one line: (offset, name, place, type)."""
    line = line if not is_caps(line) else tidy(line)
    found = []
    for match in _COUNCIL_RE.finditer(line):
        named = _council_name(match.group(1).split())
        if named:
            found.append((match.start(), *named))
    return found


def _normalise_council(name: str, place: str, kind: str, us_style: bool, text: str) -> str:
    """The fullest form of the council's name the paper itself writes ("Royal … Town Council"
    over "… Town Council"), or the US "City of X" form for a US city council."""
    if us_style and kind == "City":
        return f"City of {place}"
    fuller = re.compile(rf"\b((?:[A-Z][a-z]+[ ]+){{1,2}}){re.escape(name)}\b")
    for match in fuller.finditer(text):
        if all(w.lower() in _HONORIFICS for w in match.group(1).split()):
            return match.group(0)
    return name


def find_council(
    lines: list[str], top: int, text: str, domains: list[str], us_style: bool
) -> tuple[str, str] | None:
    """(council name, the words naming its own full meeting, e.g. "Town Council") or None."""
    # 1. A labelled header cell: "Report To: Inverclyde Council".
    for value in label_values(lines[:top], _COUNCIL_LABEL_RE):
        found = councils_in(value)
        if found and found[0][0] == 0:
            _, name, place, kind = found[0]
            return _normalise_council(name, place, kind, us_style, text), kind
    # 2. A masthead line that starts with a council's name: "KENT COUNTY COUNCIL".
    for line in lines[:top]:
        found = councils_in(line)
        if found and found[0][0] == 0:
            _, name, place, kind = found[0]
            return _normalise_council(name, place, kind, us_style, text), kind
    # 3. Evidence over the whole text. (A file name is not evidence: whoever saved the file
    #    chose it.)
    return _council_from_evidence(text, domains, us_style)


_BARE_KIND_RE = re.compile(
    rf"(?<![A-Za-z][ ])\b({'|'.join(sorted(w.capitalize() for w in COUNCIL_TYPES))})[ ]+Council\b"
)


def _own_kind(text: str) -> str:
    """The kind a paper calls itself by: "the County Council", or a bare "Town Council"."""
    kinds = Counter(_SELF_REFERENCE_RE.findall(text)) + Counter(_BARE_KIND_RE.findall(text))
    ranked = kinds.most_common(2)
    if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return ""


def _council_from_evidence(text: str, domains: list[str], us_style: bool) -> tuple[str, str] | None:
    """The authoring council from how the text names councils, its own kind and its domains.

    Papers name other councils in passing (a partner, a funder, a neighbour), so the councils
    named are weighed by how often the text writes their place: a paper writes about its own
    place most. A council whose place is the paper's own e-mail or web domain comes first; any
    other must be written about clearly more than the rest. A council of another kind than the
    paper calls itself ("Birmingham City Council" in a town council's minutes) is not its own,
    and a place known only from the domain takes the kind the paper calls itself by ("the
    County Council" + westshire.gov.uk).
    """
    counts: Counter[tuple[str, str, str]] = Counter()
    for line in text.split("\n"):
        for _, name, place, kind in councils_in(line):
            counts[(name, place, kind)] += 1
    own = _own_kind(text)
    home = {d for d in domains if re.search(rf"\b{re.escape(d)}\b", text, re.IGNORECASE)}
    mentions = {key: len(re.findall(rf"\b{re.escape(key[1])}\b", text)) for key in counts}
    fitting = [key for key in counts if not (own and key[2] and key[2] != own)]
    ranked = sorted(fitting, key=lambda key: (-mentions[key], -counts[key], key))
    chosen = next((key for key in ranked if set(tokens(key[1])) <= home), None)
    if chosen is None and ranked:
        best = mentions[ranked[0]]
        runner_up = mentions[ranked[1]] if len(ranked) > 1 else 0
        if counts[ranked[0]] >= 2 and best >= 3 and best >= 1.5 * runner_up:
            chosen = ranked[0]
    written = {d: len(re.findall(rf"\b{re.escape(d)}\b", text, re.IGNORECASE)) for d in home}
    home_place = max(sorted(written), key=written.__getitem__, default="")
    if (
        chosen is not None
        and home_place
        and home_place not in tokens(chosen[1])
        and written[home_place] > mentions[chosen]
    ):
        chosen = None  # the paper writes about its own domain's place more than this council's
    if chosen is not None:
        name, place, kind = chosen
        if own and not kind:
            name, kind = f"{place} {own} Council", own
        return _normalise_council(name, place, kind, us_style, text), kind
    if home_place and own:
        place = home_place.capitalize()
        return _normalise_council(f"{place} {own} Council", place, own, us_style, text), own
    return None


# --- bodies ----------------------------------------------------------------------------------

_BODY_WORDS = (
    r"(?:cabinet|committee|sub-committee|board|council|commission|panel|forum|executive"
    r"|assembly|authority)"
)
_BODY_LABEL_RE = re.compile(
    r"^(?:committee|meeting|body|board|decision\s+maker|to\s+be\s+considered\s+by)\s*:",
    re.IGNORECASE,
)
# A further "Label: value" pair on the same line ("Meeting: Cabinet Date: 11 March 2026").
NEXT_LABEL_RE = re.compile(r"\s+[A-Z][A-Za-z /]{0,30}[A-Za-z]:\s.*$|\t.*$")
_TO_LINE_RE = re.compile(
    rf"^To:?\s+(?P<x>[^\n]{{1,80}}?)\s*[–—,-]\s*(?:{DATE_RE.pattern})", re.IGNORECASE
)
_FLAT_BODY_RES = (
    re.compile(
        r"\bdecisions?\s+(?:determined|taken|made)\s+at\s+(?:the\s+)?(?P<x>.+?)\s+meeting\b", re.I
    ),
    re.compile(
        rf"\bminutes\s+of\s+(?:the\s+|a\s+meeting\s+of\s+(?:the\s+)?)"
        rf"(?!(?:previous|last|next|preceding|meeting)\b)(?P<x>.+?)"
        rf"(?=\s+(?:held|on|at|meeting)\b|\s+(?:{DATE_RE.pattern}))",
        re.I,
    ),
    re.compile(r"\ba\s+meeting\s+of\s+the\s+(?P<x>.+?)\s+(?:will\s+be\s+|was\s+)?held\b", re.I),
    re.compile(r"\breport\s+to\s+the\s+(?P<x>.+?)\s+meeting\b", re.I),
)
_MASTHEAD_BODY_RE = re.compile(r"^(?P<x>.+?)\s+(?:meeting\s+minutes|minutes|meeting)\b", re.I)
_BODY_DASH_RE = re.compile(rf"^(?P<x>[A-Za-z][A-Za-z &,'’-]+?)\s*[–—-]\s*{WEEKDAY}\b", re.I)
_BODY_LINE_RE = re.compile(rf"^(?:[A-Z][\w ,&'’()#-]{{0,80}}\s)?{_BODY_WORDS}$", re.I)
_NAME_WORD_RE = re.compile(r"^(?:[A-Z0-9#(][\w'’#&(),.-]*|and|of|for|the|&|on|upon|in)$")


def _is_name(text: str) -> bool:
    """True for a proper name ("Transport and Connectivity Committee"), not a sentence."""
    words = text.split()
    return (
        0 < len(words) <= 12
        and words[0][0].isupper()
        and all(_NAME_WORD_RE.match(w) for w in words)
    )


def _body_from(value: str) -> str | None:
    """A body name from a header value; the council's own name means its full meeting."""
    value = tidy(NEXT_LABEL_RE.sub("", value.strip()))
    if not value or not _is_name(value):
        return None
    found = councils_in(value)
    if found and found[0][0] == 0:
        _, name, _place, kind = found[0]
        rest = value[len(name) :].strip()
        if rest and _is_name(rest):  # "Kent County Council Cabinet"
            return rest
        return f"{kind} Council".strip()
    return value


def find_body(lines: list[str], top: int) -> str | None:
    """The committee, board, cabinet or council the paper goes to or records."""
    # "Meeting: Cabinet", then "Report To: Inverclyde Council" (the council's own meeting).
    for label_re in (_BODY_LABEL_RE, _COUNCIL_LABEL_RE):
        for value in label_values(lines[:top], label_re):
            if body := _body_from(value):
                return body
    for line in lines:
        match = _TO_LINE_RE.match(line)
        if match and (body := _body_from(match.group("x"))):
            return body
    flat = " ".join(" ".join(line.split()) for line in lines[:top])
    for pattern in _FLAT_BODY_RES:
        match = pattern.search(flat)
        if match and (body := _body_from(match.group("x"))):
            return body
    masthead = " ".join(lines[:2])
    match = _MASTHEAD_BODY_RE.match(masthead)
    if match and (body := _body_from(match.group("x"))):
        return body
    for line in lines[: min(top, 12)]:
        match = _BODY_DASH_RE.match(line)
        if match and (body := _body_from(match.group("x"))):
            return body
        starts_with_council = any(off == 0 for off, *_ in councils_in(line))
        if not starts_with_council and _BODY_LINE_RE.match(line) and _is_name(line):
            return tidy(line)
    return None
