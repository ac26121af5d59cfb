"""Guess a paper's metadata from its header block, and read the sidecar that corrects the guess."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from datetime import date as _date
from pathlib import Path

from ingest.records import ACCESS_LEVELS, DOC_TYPES

EXTRACTED_FIELDS = ("title", "council", "body", "date", "report_ref", "contact_officer", "doc_type")
SIDECAR_FIELDS = (*EXTRACTED_FIELDS, "access")
SIDECAR_SUFFIX = ".meta.json"

# Councils whose papers may name themselves only by an abbreviation (kcc), a web domain
# (bristol.gov.uk) or a shortened name (Sutton Coldfield Town Council). Used to expand such hints
# and to normalise names found in the text; it is not consulted when the text names a council.
KNOWN_COUNCILS = (
    "Kent County Council",
    "Bristol City Council",
    "Gloucester City Council",
    "Royal Sutton Coldfield Town Council",
    "Inverclyde Council",
    "Bromsgrove District Council",
    "Harborough District Council",
)

# The header block: papers state council, meeting and date before the first numbered section.
_HEADER_LINES = 60
_HEADER_CHARS = 4000
# The masthead: the first lines, where a "meeting on <date>" is the paper's own meeting rather
# than one mentioned in passing further down.
_TOP_CHARS = 1500


class MetadataError(ValueError):
    """A sidecar file is unreadable or holds a field or value that is not allowed."""


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
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_YEAR4 = r"(?:19|20)\d\d"
_DATE_RE = re.compile(
    rf"\b(?P<d1>[0-3]?\d){_ORD}(?:\s+of)?[\s-]+(?P<m1>{_MONTH})\b\.?,?[\s-]+(?P<y1>{_YEAR4})\b"
    rf"|\b(?P<m2>{_MONTH})\b\.?\s+(?P<d2>[0-3]?\d){_ORD},?\s+(?P<y2>{_YEAR4})\b"
    rf"|\b(?P<d3>[0-3]?\d)(?P<sep>[/.-])(?P<m3>[01]?\d)(?P=sep)(?P<y3>{_YEAR4}|\d\d)\b"
    rf"|\b(?P<y4>{_YEAR4})-(?P<m4>[01]\d)-(?P<d4>[0-3]\d)\b",
    re.IGNORECASE,
)
_ISO_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?!\d)")

# Context just before a date that marks it as the paper's own meeting date (masthead only):
# "Meeting on Thursday,", "Minutes |", "COUNCIL MEETING OF", "To: Cabinet –",
# "COUNTY COUNCIL - THURSDAY,", "a meeting of the Cabinet held in ... on Thursday,".
_MEETING_CONTEXT = (
    re.compile(
        rf"\b(?:meeting|minutes)(?:\s+(?:held|on|of|from|dated))*\s*[|:,–—-]?\s*"
        rf"(?:{_WEEKDAY},?\s*)?$",
        re.IGNORECASE,
    ),
    re.compile(rf"\bmeeting\b[^.]{{0,160}}?\bon\s+(?:{_WEEKDAY},?\s*)?$", re.IGNORECASE),
    re.compile(r"(?:^|\n)[ \t]*To:?[ \t]+[^\n]{1,80}?[ \t]*[–—,-][ \t]*$"),
    re.compile(
        rf"\b(?:council|committee|cabinet|board|commission|panel)\s*[–—-]\s*{_WEEKDAY},?\s*$",
        re.IGNORECASE,
    ),
)
_DATE_LABEL = re.compile(
    rf"\b(?:date(?:\s+of\s+(?:meeting|report|decision))?|meeting\s+date)\s*[:\t]\s*"
    rf"(?:{_WEEKDAY},?\s*)?$",
    re.IGNORECASE,
)
_ALONE_BEFORE = re.compile(rf"^\s*(?:{_WEEKDAY},?\s*)?$", re.IGNORECASE)
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


def _meeting_date(head: str, top_end: int) -> tuple[str, bool, int] | None:
    """Best-supported date in the header: (iso, month-first?, score)."""
    best: tuple[int, int, str, bool] | None = None
    for match in _DATE_RE.finditer(head):
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


def _word_set(words: str) -> frozenset[str]:
    """A set of lower-case words written as one space-separated string."""
    return frozenset(words.split())


_TAG_RE = re.compile(r"<[^>]+>")
_RULE_RE = re.compile(r"^[-=_*\s]+$")
_PAGE_NOISE_RE = re.compile(r"^(?:page\s*\|?\s*\d+(?:\s+of\s+\d+)?|\d{1,3})$", re.IGNORECASE)
_SMALL_WORDS = _word_set("a an and as at by for from in into of on or the to via with")


def _clean_line(raw: str) -> str:
    """One line without markup, page furniture or runs of spaces; tabs (cell breaks) are kept."""
    line = _TAG_RE.sub("", raw).replace("**", "").replace("__", "")
    line = re.sub(r"^\s*#+\s*", "", line)
    line = re.sub(r"[ \u00a0]+", " ", line).strip(" \t*")
    if not line or _RULE_RE.match(line) or _PAGE_NOISE_RE.match(line):
        return ""
    return line


def _header_lines(text: str) -> list[str]:
    """The non-blank lines of the header block."""
    lines: list[str] = []
    size = 0
    for raw in text.split("\n"):
        line = _clean_line(raw)
        if not line:
            continue
        lines.append(line)
        size += len(line) + 1
        if len(lines) >= _HEADER_LINES or size >= _HEADER_CHARS:
            break
    return lines


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _tidy(text: str) -> str:
    """Single-spaced text; SHOUTED text is put into title case, keeping (ACRONYMS)."""
    text = " ".join(text.split()).strip(" .,:;–—-").replace(" : ", ": ")
    if not _is_caps(text):
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


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


# --- councils --------------------------------------------------------------------------------

_COUNCIL_TYPES = _word_set("county city district borough town parish community metropolitan")
# Words that can precede "Council" without naming one: "the Full Council", "Local Council Tax".
_LEADING_STOP = _word_set(
    "the a an all full this that our each every any report to from dear meeting members of "
    "subject title appendices"
)
_NOT_A_PLACE = _word_set(
    "local youth independent schools mayoral data executive cabinet current national"
)
_HONORIFICS = _word_set("royal")
_COUNCIL_RE = re.compile(
    r"(?<![\w'’&.-])((?:[A-Z][\w'’&.-]*)(?:[ ]+(?:[A-Z][\w'’&.-]*|of|upon|and|on)){0,5}?)[ ]+"
    r"Council\b(?![ ]+(?:Leaders?|Tax|Chamber|Networks?|Offices?|Partners)\b)"
)
_COUNCIL_LABEL_RE = re.compile(
    r"^(?:report\s+to|council|authority|local\s+authority)\s*:", re.IGNORECASE
)
_DOMAIN_RE = re.compile(r"(?:@|www\.)([a-z0-9-]+)\.gov(?:\.uk)?\b", re.IGNORECASE)
_SELF_REFERENCE_RE = re.compile(r"\b[Tt]he\s+(County|City|District|Borough|Town)\s+Council\b")


def _council_name(words: list[str]) -> tuple[str, str, str] | None:
    """(name, place, type) for the words before "Council", or None if they name no council."""
    while words and (words[0].lower() in _LEADING_STOP or words[0].endswith(":")):
        words = words[1:]
    kind = []
    while words and words[-1].lower() in _COUNCIL_TYPES:
        kind.insert(0, words.pop())
    place = [w for w in words if w.lower() not in _HONORIFICS]
    if not place or place[0][:1].islower() or any(w.lower() in _NOT_A_PLACE for w in place):
        return None
    if any(w.lower() in _COUNCIL_TYPES for w in place):
        return None
    return " ".join([*words, *kind, "Council"]), " ".join(place), " ".join(kind)


def _councils_in(line: str) -> list[tuple[int, str, str, str]]:
    """Council names in one line: (offset, name, place, type)."""
    line = line if not _is_caps(line) else _tidy(line)
    found = []
    for match in _COUNCIL_RE.finditer(line):
        named = _council_name(match.group(1).split())
        if named:
            found.append((match.start(), *named))
    return found


@functools.cache
def _known_aliases() -> tuple[tuple[tuple[str, ...], str], ...]:
    """Token sequences (place words, acronym) that stand for each known council."""
    aliases: list[tuple[tuple[str, ...], str]] = []
    for name in KNOWN_COUNCILS:
        words = name.split()
        place = [w for w in words[:-1] if w.lower() not in _COUNCIL_TYPES]
        aliases.append((tuple(_tokens(" ".join(place))), name))
        bare = [w for w in place if w.lower() not in _HONORIFICS]
        if bare != place:
            aliases.append((tuple(_tokens(" ".join(bare))), name))
        acronym = "".join(w[0] for w in words).lower()
        if len(acronym) >= 3:
            aliases.append(((acronym,), name))
    return tuple(aliases)


def _known_council(tokens: list[str]) -> str | None:
    """A known council whose place name or acronym appears as consecutive tokens."""
    for alias, name in _known_aliases():
        n = len(alias)
        if any(tuple(tokens[i : i + n]) == alias for i in range(len(tokens) - n + 1)):
            return name
    return None


def _normalise_council(name: str, place: str, kind: str, us_style: bool) -> str:
    """Known canonical spelling, or the US "City of X" form for a US city council."""
    place_tokens = _tokens(place)
    for alias, canonical in _known_aliases():
        if tuple(place_tokens) == alias and (not kind or kind in canonical):
            return canonical
    if us_style and kind == "City":
        return f"City of {place}"
    return name


def _find_council(
    lines: list[str], top: int, text: str, hints: list[str], us_style: bool
) -> tuple[str, str] | None:
    """(council name, the words naming its own full meeting, e.g. "Town Council") or None."""
    # 1. A labelled header cell: "Report To: Inverclyde Council".
    for value in _label_values(lines[:top], _COUNCIL_LABEL_RE):
        found = _councils_in(value)
        if found and found[0][0] == 0:
            _, name, place, kind = found[0]
            return _normalise_council(name, place, kind, us_style), kind
    # 2. A masthead line that starts with a council's name: "KENT COUNTY COUNCIL".
    for line in lines[:top]:
        found = _councils_in(line)
        if found and found[0][0] == 0:
            _, name, place, kind = found[0]
            return _normalise_council(name, place, kind, us_style), kind
    # 3. A council named in the text whose place is also in the file name or e-mail domain.
    #    Counted over the whole text: the authoring council is mentioned most.
    counts: Counter[tuple[str, str, str]] = Counter()
    for line in text.split("\n"):
        for _, name, place, kind in _councils_in(line):
            counts[(name, place, kind)] += 1
    corroborated = [key for key, _ in counts.most_common() if set(_tokens(key[1])) <= set(hints)]
    if corroborated:
        name, place, kind = corroborated[0]
        return _normalise_council(name, place, kind, us_style), kind
    # 4. A known council abbreviated in the file name or met as an e-mail domain.
    known = _known_council(hints)
    if known:
        return known, " ".join(w for w in known.split()[:-1] if w.lower() in _COUNCIL_TYPES)
    # 5. One council named far more often than any other: papers name other councils in
    #    passing (a partner, a funder), but rarely three times and twice as often as their own.
    ranked = counts.most_common(2)
    if ranked and ranked[0][1] >= 3 and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]):
        name, place, kind = ranked[0][0]
        return _normalise_council(name, place, kind, us_style), kind
    # 6. The paper calls itself "the County Council" and writes from <place>.gov.uk.
    domains = _DOMAIN_RE.findall(text)
    kinds = Counter(_SELF_REFERENCE_RE.findall(text)).most_common(2)
    if domains and kinds and kinds[0][1] >= 2 and (len(kinds) == 1 or kinds[0][1] > kinds[1][1]):
        place = Counter(d.lower() for d in domains).most_common(1)[0][0].capitalize()
        return f"{place} {kinds[0][0]} Council", kinds[0][0]
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
_NEXT_LABEL_RE = re.compile(r"\s+[A-Z][A-Za-z /]{0,30}[A-Za-z]:\s.*$|\t.*$")
_TO_LINE_RE = re.compile(
    rf"^To:?\s+(?P<x>[^\n]{{1,80}}?)\s*[–—,-]\s*(?:{_DATE_RE.pattern})", re.IGNORECASE
)
_FLAT_BODY_RES = (
    re.compile(
        r"\bdecisions?\s+(?:determined|taken|made)\s+at\s+(?:the\s+)?(?P<x>.+?)\s+meeting\b", re.I
    ),
    re.compile(
        rf"\bminutes\s+of\s+(?:the\s+|a\s+meeting\s+of\s+(?:the\s+)?)"
        rf"(?!(?:previous|last|next|preceding|meeting)\b)(?P<x>.+?)"
        rf"(?=\s+(?:held|on|at|meeting)\b|\s+(?:{_DATE_RE.pattern}))",
        re.I,
    ),
    re.compile(r"\ba\s+meeting\s+of\s+the\s+(?P<x>.+?)\s+(?:will\s+be\s+|was\s+)?held\b", re.I),
    re.compile(r"\breport\s+to\s+the\s+(?P<x>.+?)\s+meeting\b", re.I),
)
_MASTHEAD_BODY_RE = re.compile(r"^(?P<x>.+?)\s+(?:meeting\s+minutes|minutes|meeting)\b", re.I)
_BODY_DASH_RE = re.compile(rf"^(?P<x>[A-Za-z][A-Za-z &,'’-]+?)\s*[–—-]\s*{_WEEKDAY}\b", re.I)
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
    value = _tidy(_NEXT_LABEL_RE.sub("", value.strip()))
    if not value or not _is_name(value):
        return None
    found = _councils_in(value)
    if found and found[0][0] == 0:
        _, name, _place, kind = found[0]
        rest = value[len(name) :].strip()
        if rest and _is_name(rest):  # "Kent County Council Cabinet"
            return rest
        return f"{kind} Council".strip()
    return value


def _find_body(lines: list[str], top: int) -> str | None:
    """The committee, board, cabinet or council the paper goes to or records."""
    # "Meeting: Cabinet", then "Report To: Inverclyde Council" (the council's own meeting).
    for label_re in (_BODY_LABEL_RE, _COUNCIL_LABEL_RE):
        for value in _label_values(lines[:top], label_re):
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
        starts_with_council = any(off == 0 for off, *_ in _councils_in(line))
        if not starts_with_council and _BODY_LINE_RE.match(line) and _is_name(line):
            return _tidy(line)
    return None


# --- title, reference, officer, type ---------------------------------------------------------

_TITLE_LABEL_RE = re.compile(r"^(?:subject|title|report\s+title|re)\s*:", re.IGNORECASE)
_REF_RE = re.compile(
    r"\b(?:report\s+(?:no|number|ref(?:erence)?)|ref(?:erence)?(?:\s+no)?|decision\s+no"
    r"|key\s+decision\s+no)\.?\s*:\s*([A-Z0-9][\w/.-]*)",
    re.IGNORECASE,
)
_CONTACT_LABELS = (
    r"contact\s+officer|officer\s+to\s+contact|contact\s+name|lead\s+officer|contact",
    r"report\s+author|author|originator",
    r"officer\s+presenting\s+the\s+report",
)
_CONTACT_HEADING_RE = re.compile(r"^(?:contact\s+officers?|officer\s+contact)\s*:?$", re.I)
_NAME_LABEL_RE = re.compile(r"^name\s*:", re.I)
_CONTACT_RES = tuple(re.compile(rf"^(?:{labels})\s*:", re.IGNORECASE) for labels in _CONTACT_LABELS)
# Words that start a job title after an officer's name ("Miriam McKenna Strategic Partnership
# Manager"): the name ends where they begin.
_JOB_WORDS = _word_set(
    "strategic interim chief senior principal head director manager officer assistant deputy "
    "acting corporate executive service services delivery partnership policy programme "
    "project team lead clerk waste democratic finance legal committee strategy planning "
    "development community group leader member cabinet general counsel job tel telephone "
    "email phone ext contact administrator adviser advisor analyst coordinator co-ordinator "
    "specialist accountant solicitor engineer surveyor secretary"
)
_HONORIFIC_RE = re.compile(r"^(?:mr|mrs|ms|miss|dr|cllr|councillor)\.?\s+", re.IGNORECASE)
_NOT_TITLE_RE = re.compile(
    r"^(?:(?:agenda\s+)?item\s+(?:no\.?\s*)?\d+|report\s+(?:of|by|to|from)\b|official$"
    r"|committee\s+report$|for\s+general\s+release$|unrestricted$|supporting\s+evidence$"
    r"|version\b|\w+\s+draft$|draft$|\d)",
    re.IGNORECASE,
)


def _label_values(lines: list[str], label_re: re.Pattern[str]) -> list[str]:
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


def _person(value: str) -> str | None:
    """The officer's name at the start of a contact cell, without job title or phone."""
    value = re.split(r"\s{2,}|[,(–—|]|\s-\s|\bjob title\b", value, maxsplit=1, flags=re.I)[0]
    value = _HONORIFIC_RE.sub("", value.strip())
    name = []
    for word in value.split():
        if word.lower() in _JOB_WORDS or not re.fullmatch(r"[A-Z][A-Za-z'’.-]*", word):
            break
        name.append(word)
    return " ".join(name[:4]) if len(name) >= 2 else None


def _find_contact(lines: list[str], all_lines: list[str]) -> str | None:
    """Named contact officer: header labels first, then a contact label anywhere in the paper."""
    for pattern in _CONTACT_RES:
        for source in (lines, all_lines):
            for value in _label_values(source, pattern):
                if person := _person(value):
                    return person
    # A "CONTACT OFFICER" heading over "Name: Kevin Dicks", "E Mail: ...".
    for i, line in enumerate(all_lines):
        if _CONTACT_HEADING_RE.match(line):
            for value in _label_values(all_lines[i + 1 : i + 4], _NAME_LABEL_RE):
                if person := _person(value):
                    return person
    return None


def _find_title(
    lines: list[str], top: int, used: set[int], doc_type: str | None, body: str | None
) -> str | None:
    """Labelled subject/title, else the first masthead line that is not council, body or date."""
    for value in _label_values(lines, _TITLE_LABEL_RE):
        if title := _tidy(_NEXT_LABEL_RE.sub("", value)):
            return title
    if doc_type in ("minutes", "agenda", "decision") and body:
        # Minutes and agendas have no subject of their own; name them after the meeting.
        return f"{body} {'decisions' if doc_type == 'decision' else doc_type}"
    for i, line in enumerate(lines[:top]):
        if i in used or _NOT_TITLE_RE.match(line) or ":" in line[:40] or line.endswith(":"):
            continue
        if len(line.split()) < 2 or len(line) > 150 or _DATE_RE.search(line):
            continue
        return _tidy(line.split("\t")[0])
    return None


def _find_doc_type(lines: list[str]) -> str | None:
    """Kind of paper from masthead wording; None when nothing says."""
    first = [line.lower() for line in lines[:16]]
    masthead = " ".join(first[:6])
    if re.search(
        r"\bdecision\s+(?:recording\s+form|notice|record|sheet)\b|\brecord\s+of\s+(?:\w+\s+)?"
        r"decisions?\b|\bdecisions?\s+determined\s+at\b",
        masthead,
    ):
        return "decision"
    if re.search(r"\bsummons\s+to\b|\bagenda\s+(?:for\b|frontsheet\b)", masthead) or any(
        re.fullmatch(r"a\s*g\s*e\s*n\s*d\s*a", line) for line in first
    ):
        return "agenda"
    if any(re.search(r"\bminutes\b", line) and not line[:1].isdigit() for line in first[:6]):
        return "minutes"
    if re.search(r"\breport\b", " ".join(first)) or _label_values(lines, _TITLE_LABEL_RE):
        return "report"
    return None


# --- public API ------------------------------------------------------------------------------


def extract_metadata(text: str, doc_id: str) -> dict[str, str]:
    """Guess council, body, date, title, report ref, contact and type from a paper's header."""
    lines = _header_lines(text)
    top, size = 0, 0
    while top < len(lines) and size < _TOP_CHARS:
        size += len(lines[top]) + 1
        top += 1
    head = "\n".join(lines)
    top_end = sum(len(line) + 1 for line in lines[:top])
    meta: dict[str, str] = {}

    dated = _meeting_date(head, top_end)
    from_id = _ISO_RE.search(doc_id)
    # A date met only in passing (score 1) is weaker evidence than the one in the file name.
    if dated and (dated[2] > 1 or not from_id):
        meta["date"] = dated[0]
    elif from_id and _is_iso_date(from_id.group(0)):
        meta["date"] = from_id.group(0)
    us_style = bool(dated and dated[1])

    hints = _tokens(doc_id) + [d.lower() for d in _DOMAIN_RE.findall(text)]
    council = _find_council(lines, top, text, hints, us_style)
    body = _find_body(lines, top)
    if council:
        meta["council"] = council[0]
    elif body and re.search(r"\b(?:commission|authority|partnership)$", body, re.IGNORECASE):
        # A standalone commission (a US special service area) is its own governing body.
        meta["council"] = body
    if body:
        meta["body"] = body

    for line in lines:
        match = _REF_RE.search(line)
        if match and re.search(r"\d", match.group(1)):
            meta["report_ref"] = match.group(1).rstrip(".")
            break
    all_lines = [line for line in (_clean_line(raw) for raw in text.split("\n")) if line]
    contact = _find_contact(lines, all_lines)
    if contact:
        meta["contact_officer"] = contact

    used = {
        i
        for i, line in enumerate(lines[:top])
        if (body and _tidy(line).lower() == body.lower())
        or any(off == 0 for off, *_ in _councils_in(line))
    }
    doc_type = _find_doc_type(lines)
    title = _find_title(lines, top, used, doc_type, body)
    if doc_type in (None, "report") and title and re.search(r"\bstrategy\b", title, re.I):
        doc_type = "strategy"
    if title:
        meta["title"] = title
    if doc_type:
        meta["doc_type"] = doc_type
    return meta


def sidecar_path(doc_path: Path) -> Path:
    """Where the sidecar of a paper lives: foo.pdf -> foo.meta.json beside it."""
    return doc_path.with_name(doc_path.stem + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, str]:
    """Validated sidecar fields for a paper (or a .meta.json path); {} when there is none."""
    path = Path(path)
    if not path.name.endswith(SIDECAR_SUFFIX):
        path = sidecar_path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MetadataError(
            f"Sidecar {path} is not valid JSON ({exc.msg} at line {exc.lineno}, "
            f"column {exc.colno})."
        ) from exc
    except UnicodeDecodeError as exc:
        raise MetadataError(f"Sidecar {path} is not UTF-8 text.") from exc
    if not isinstance(data, dict):
        raise MetadataError(f"Sidecar {path} must hold a JSON object of field names to strings.")
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in SIDECAR_FIELDS:
            raise MetadataError(
                f"Sidecar {path} has unknown field {key!r}; allowed fields are "
                f"{', '.join(SIDECAR_FIELDS)}."
            )
        if not isinstance(value, str):
            raise MetadataError(f"Sidecar {path} field {key!r} must be a string.")
        value = value.strip()
        if key == "date" and not _is_iso_date(value):
            raise MetadataError(
                f"Sidecar {path} field 'date' is {value!r}, not an ISO date like 2024-09-12."
            )
        if key == "doc_type" and value not in DOC_TYPES:
            raise MetadataError(
                f"Sidecar {path} field 'doc_type' is {value!r}; use one of {', '.join(DOC_TYPES)}."
            )
        if key == "access" and value not in ACCESS_LEVELS:
            raise MetadataError(
                f"Sidecar {path} field 'access' is {value!r}; use one of "
                f"{', '.join(ACCESS_LEVELS)}."
            )
        values[key] = value
    return values


def _is_iso_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        _date.fromisoformat(value)
    except ValueError:
        return False
    return True


def humanise(doc_id: str) -> str:
    """A readable title from a file stem: dates and separators dropped, first letter capital."""
    words = _ISO_RE.sub(" ", doc_id).replace("_", " ").replace("-", " ").split()
    text = " ".join(words) or doc_id
    return text[:1].upper() + text[1:]


def describe(text: str, doc_id: str, sidecar: dict[str, str]) -> dict[str, str]:
    """Metadata for a paper: extracted guesses, overridden by the sidecar, then defaults."""
    meta = extract_metadata(text, doc_id)
    # The sidecar is a person's correction, so it wins even when it blanks a field ("").
    meta.update(sidecar)
    meta = {k: v for k, v in meta.items() if v}
    meta.setdefault("doc_type", "report")
    meta.setdefault("access", "public")
    meta.setdefault("title", humanise(doc_id))
    return meta
