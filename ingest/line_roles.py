"""What each line of a paper's cleaned text is: a heading, a numbered paragraph, a list item, a
table row or plain text, and where sentences end. The chunker builds on these roles.
"""

from __future__ import annotations

import re

from ingest import lexicon

_BULLET = re.compile(r"^[-*•●▪◦■□➢➤–§o]\s+")
DOTTED_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3})+)\.?\s+(?=\S)")  # 2.5, 4.2.1, 1.0
TOP_NUMBER = re.compile(r"^(\d{1,2})[.)]\s+(?=\S)")  # "1. Introduction", "3) ..."
_SUB_ITEM = re.compile(r"^(?:\(([a-z]{1,2}|[ivxlc]{1,6})\)|([a-z]{1,2}|[ivxlc]{1,6})[.)])\s+(?=\S)")
_TERMINAL = (".", ";", ":", ",", "?", "!")
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9£])")
_ABBREVIATION = re.compile(
    r"\b(?:e\.g|i\.e|etc|cf|no|nos|para|paras|cllr|mr|mrs|ms|dr|st|vs|approx|ref)\.$", re.I
)
# An initial ends no sentence: "– B. Jones (motion)", "seconded by A. B. Jones", "Cllr J. Smith".
# A capital after a capitalised word ("Appendix A. Then …", "Area B.") does.
_INITIAL = re.compile(
    rf"(?:^|[^\w\s]\s*|\b[a-z]+\s+|\b(?:{'|'.join(lexicon.cased('person_titles'))})\.?\s+|"
    r"\b[A-Z]\.\s*)[A-Z]\.$"
)
WORD = re.compile(r"\S+\s*")


def _strip_bullet(text: str) -> str:
    return _BULLET.sub("", text, count=1)


_LABEL = re.compile(r"^[A-Z][\w /()&'-]{0,30}:\s+\S")  # "Originator: Anna Graves"


_APPENDIX = re.compile(r"^(?:Appendix|Annex|Annexe)\s+[A-Z0-9]{1,3}\b")
_DATE_LINE = re.compile(
    r"^\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9},?\s+\d{4}$|^[A-Za-z]{3,9}\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}$",
    re.I,
)
RULE_ROW = re.compile(r"^[\s\t\-=_|+:]*$")
_DATA_CELL = re.compile(
    r"@|^(?:Cllr|Councillor|Mr|Mrs|Ms|Miss|Dr)\.?\s"
    r"|^[(£$€+-]*\d[\d,.]*(?:%|m|k|bn)?\)?\*?$"  # an amount or share: "3,500", "(12.5)", "£40m"
    r"|\d[\d ]{5,}\d"  # a telephone number: "0116 305 1234"
    r"|^\d{1,2}(?:st|nd|rd|th)?[ /.-](?:\d{1,2}|[A-Za-z]{3,9})\b"  # a date: "12 May 2026"
    r"|^[A-Z][a-z]{2} \d{2}$"  # a month: "Jan 26"
    r"|^\d+$",
    re.I,
)


def is_data_row(text: str) -> bool:
    """A first row holding values (a name with a title, an e-mail, an amount, a date) is not a
    header; column labels may carry years and units ("Budget 2024-25", "Revised (£m)")."""
    return any(
        _DATA_CELL.search(cell.strip().rstrip("*")) for cell in text.split("\t") if cell.strip()
    )


_EMPHASIS = re.compile(r"^([*_]{1,3})(\S.*?\S|\S)\1$")


def _unemphasised(text: str) -> str:
    """ "**SUMMARY**" → "SUMMARY"; other text unchanged."""
    match = _EMPHASIS.match(text.strip())
    return match.group(2) if match else text


def _is_heading_text(text: str, numbered: bool = False) -> bool:
    """Short, title-like, no sentence punctuation: 'PURPOSE', 'Background', 'Key Facts'.

    A numbered heading may end in a colon or full stop ("2. Recommendations:"). Plain-text
    papers exported from Word often keep Markdown emphasis: "1. **SUMMARY**" is a heading.
    """
    text = _unemphasised(text)
    if _DATE_LINE.match(text):
        return False  # "1 February 2008" under a title dates the paper; it heads nothing
    if _APPENDIX.match(text) and len(text) <= 100 and not text.endswith(_TERMINAL):
        return True  # "Appendix A – Strategic Joint Working, Stage 1, Summary Plan"
    if (numbered and text.endswith((":", ".")) and len(text) <= 60) or (
        text.endswith(":") and len(text) <= 40
    ):
        text = text[:-1]
    if len(text) > 80 or text.endswith(_TERMINAL) or "\t" in text or _LABEL.match(text):
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters or (not text[0].isupper() and not text[0].isdigit()):
        return False
    if sum(c.isupper() for c in letters) >= 0.8 * len(letters) and len(letters) >= 3:
        return True
    words = text.split()
    if len(words) > 8:
        return False
    significant = [w for w in words if len(w) > 3 and w[0].isalpha()]
    return bool(significant) and sum(w[0].isupper() for w in significant) >= 0.5 * len(significant)


def classify_lines(
    lines: list[str], heading_lines: frozenset[int], item_lines: frozenset[int] = frozenset()
) -> list[tuple[str, str, str]]:
    """(role, number, text) for each line of cleaned text; `item_lines` are items of a list the
    paper's structure found (an agenda's business), not headings."""
    out: list[tuple[str, str, str]] = []
    in_list = False
    last_ordinal = 0  # the last "N." seen, to tell a list's next item from a new section
    prev_text = ""
    for i, raw in enumerate(lines):
        text = _strip_bullet(raw.strip())
        bulleted = text != raw.strip()
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if out:
            prev_text = out[-1][2]
        if i in item_lines:
            out.append(("item", "", text))
            in_list = True
            continue
        if i in heading_lines:
            match = DOTTED_NUMBER.match(text) or TOP_NUMBER.match(text)
            out.append(("heading", match.group(1) if match else "", text))
            in_list = False
            continue
        if "\t" in raw and sum(1 for cell in raw.split("\t") if cell.strip()) >= 2:
            out.append(("row", "", raw))
            continue
        dotted = DOTTED_NUMBER.match(text)
        if dotted:
            rest = text[dotted.end() :]
            number = dotted.group(1)
            if (
                _is_heading_text(rest)
                and (number.endswith(".0") or len(rest) <= 60)
                and not following.startswith(number)
            ):
                out.append(("heading", number, text))
                in_list = False
            else:
                out.append(("text", number, text))
                in_list = text.endswith(":")
            continue
        top = TOP_NUMBER.match(text)
        if top:
            rest = text[top.end() :]
            value = int(top.group(1))
            continues_list = in_list and (last_ordinal == value - 1 or prev_text.endswith(":"))
            if not continues_list and _is_heading_text(rest, numbered=True):
                last_ordinal = 0
                out.append(("heading", top.group(1), text))
            else:
                out.append(("item", "", text))  # a list ordinal, not a paragraph reference
                last_ordinal = value
                in_list = True
            continue
        sub = _SUB_ITEM.match(text)
        if sub:
            out.append(("item", sub.group(1) or sub.group(2), text))
            in_list = True
            continue
        if bulleted:
            out.append(("item", "", text))
            in_list = True
            continue
        if (
            _is_heading_text(text)
            and following
            and not _is_heading_text(following)
            and (len(text) < 60 or _APPENDIX.match(text))
        ):
            out.append(("heading", "", text))
            in_list = False
            continue
        out.append(("text", "", text))
        in_list = text.endswith(":")
    return out


def heading_label(number: str, text: str) -> str:
    """A heading as shown in a section path, without Markdown emphasis: "1. SUMMARY"."""
    match = TOP_NUMBER.match(text) or DOTTED_NUMBER.match(text)
    if match:
        return f"{text[: match.end()]}{_unemphasised(text[match.end() :])}"
    return _unemphasised(text)


def heading_level(number: str, text: str, marked: bool) -> int:
    if number:
        parts = number.split(".")
        return len(parts) - 1 if len(parts) > 1 and parts[-1] == "0" else len(parts)
    letters = [c for c in text if c.isalpha()]
    return 1 if letters and all(c.isupper() for c in letters) and not marked else 2


def split_sentences(text: str) -> list[str]:
    """Split at sentence ends, keeping abbreviations ('e.g.', 'Cllr.') and the original spacing."""
    pieces: list[str] = []
    last = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[last : match.start()]
        if _ABBREVIATION.search(candidate) or _INITIAL.search(candidate):
            continue
        pieces.append(text[last : match.end()])
        last = match.end()
    pieces.append(text[last:])
    return [p for p in pieces if p]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line item of `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        cursor = offset
        for piece in split_sentences(line):
            start = line.find(piece, cursor - offset) + offset
            end = start + len(piece)
            cursor = end
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((start + lead, start + lead + len(stripped)))
        offset += len(line) + 1
    return spans
