"""Guess a paper's metadata from its header block, and read the sidecar that corrects the guess."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ingest import lexicon
from ingest.councils import DOMAIN_RE, NEXT_LABEL_RE, councils_in, find_body, find_council
from ingest.masthead import (
    DATE_RE,
    ISO_RE,
    clean_line,
    header_lines,
    is_iso_date,
    label_values,
    meeting_date,
    tidy,
)
from ingest.records import ACCESS_LEVELS, DOC_TYPES

EXTRACTED_FIELDS = ("title", "council", "body", "date", "report_ref", "contact_officer", "doc_type")
SIDECAR_FIELDS = (*EXTRACTED_FIELDS, "access")
SIDECAR_SUFFIX = ".meta.json"

# The masthead: the first lines, where a "meeting on <date>" is the paper's own meeting rather
# than one mentioned in passing further down.
_TOP_CHARS = 1500


class MetadataError(ValueError):
    """A sidecar file is unreadable or holds a field or value that is not allowed."""


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
_JOB_WORDS = lexicon.words("job_title_words")
_HONORIFIC_RE = re.compile(r"^(?:mr|mrs|ms|miss|dr|cllr|councillor)\.?\s+", re.IGNORECASE)
_NOT_TITLE_RE = re.compile(
    r"^(?:(?:agenda\s+)?item\s+(?:no\.?\s*)?\d+|report\s+(?:of|by|to|from)\b|official$"
    r"|committee\s+report$|for\s+general\s+release$|unrestricted$|supporting\s+evidence$"
    r"|version\b|\w+\s+draft$|draft$|\d)",
    re.IGNORECASE,
)


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
            for value in label_values(source, pattern):
                if person := _person(value):
                    return person
    # A "CONTACT OFFICER" heading over "Name: Kevin Dicks", "E Mail: ...".
    for i, line in enumerate(all_lines):
        if _CONTACT_HEADING_RE.match(line):
            for value in label_values(all_lines[i + 1 : i + 4], _NAME_LABEL_RE):
                if person := _person(value):
                    return person
    return None


def _find_title(
    lines: list[str], top: int, used: set[int], doc_type: str | None, body: str | None
) -> str | None:
    """Labelled subject/title, else the first masthead line that is not council, body or date."""
    for value in label_values(lines, _TITLE_LABEL_RE):
        if title := tidy(NEXT_LABEL_RE.sub("", value)):
            return title
    if doc_type in ("minutes", "agenda", "decision") and body:
        # Minutes and agendas have no subject of their own; name them after the meeting.
        return f"{body} {'decisions' if doc_type == 'decision' else doc_type}"
    for i, line in enumerate(lines[:top]):
        if i in used or _NOT_TITLE_RE.match(line) or ":" in line[:40] or line.endswith(":"):
            continue
        if len(line.split()) < 2 or len(line) > 150 or DATE_RE.search(line):
            continue
        return tidy(line.split("\t")[0])
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
    if re.search(r"\breport\b", " ".join(first)) or label_values(lines, _TITLE_LABEL_RE):
        return "report"
    return None


# --- public API ------------------------------------------------------------------------------


def extract_metadata(text: str, doc_id: str) -> dict[str, str]:
    """Guess council, body, date, title, report ref, contact and type from a paper's header."""
    lines = header_lines(text)
    top, size = 0, 0
    while top < len(lines) and size < _TOP_CHARS:
        size += len(lines[top]) + 1
        top += 1
    head = "\n".join(lines)
    top_end = sum(len(line) + 1 for line in lines[:top])
    meta: dict[str, str] = {}

    dated = meeting_date(head, top_end)
    from_id = ISO_RE.search(doc_id)
    # A date met only in passing (score 1) is weaker evidence than the one in the file name.
    if dated and (dated[2] > 1 or not from_id):
        meta["date"] = dated[0]
    elif from_id and is_iso_date(from_id.group(0)):
        meta["date"] = from_id.group(0)
    us_style = bool(dated and dated[1])

    domains = [d.lower() for d in DOMAIN_RE.findall(text)]
    council = find_council(lines, top, text, domains, us_style)
    body = find_body(lines, top)
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
    all_lines = [line for line in (clean_line(raw) for raw in text.split("\n")) if line]
    contact = _find_contact(lines, all_lines)
    if contact:
        meta["contact_officer"] = contact

    used = {
        i
        for i, line in enumerate(lines[:top])
        if (body and tidy(line).lower() == body.lower())
        or any(off == 0 for off, *_ in councils_in(line))
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
        if key == "date" and not is_iso_date(value):
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


def humanise(doc_id: str) -> str:
    """A readable title from a file stem: dates and separators dropped, first letter capital."""
    words = ISO_RE.sub(" ", doc_id).replace("_", " ").replace("-", " ").split()
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
