"""The parts of a recommendation or resolution: one per numbered or lettered line.

Papers list what is decided or recommended the same few ways: "2.1 …, 2.2 …" under a
numbered heading, "(a) … (b) …" or "1. … 2. …" under a lead-in ("It is recommended that
Council:", "RESOLVED that:"), a numbered group title with lettered parts under it ("2.
Residents Parking" then "a. Approve …"), or lines that open with the verb in capitals
("APPROVE the proposal …", "DELEGATE authority …"). A part is the line after its label, with
the bulleted or wrapped lines that follow it; its ref joins the labels above it ("2(a)").

>>> text = "It is recommended that Council:\\n(a) note the report;\\n(b) agree the plan.\\nNext"
>>> [(p.ref, text[p.start:p.end]) for p in list_parts(text, 0, len(text))]
[('a', 'note the report'), ('b', 'agree the plan.')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROMAN = "i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii"
# Label forms, in the order they are tried; a paper's list keeps to one form per level.
_FORMS = (
    ("dotted", r"\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\.?"),
    ("paren_num", r"\(\d{1,2}\)"),
    ("paren_roman", rf"\((?:{_ROMAN})\)"),
    ("paren_alpha", r"\([a-z]\)"),
    ("num", r"\d{1,2}[.)]"),
    ("roman", rf"(?:{_ROMAN})[.)]"),
    ("alpha", r"[a-z][.)]"),
    ("upper_alpha", r"[A-Z][.)]"),
)
_BULLET = r"[-•§*▪●◦·–]"
_LABELLED = re.compile(
    rf"^[ \t]*(?:{_BULLET}[ \t]+)?(?:{'|'.join(f'(?P<{name}>{form})' for name, form in _FORMS)})"
    r"[ \t]+(?=\S)"
)
_BULLETED = re.compile(rf"^[ \t]*{_BULLET}[ \t]+(?=\S)")
# "APPROVE the proposal …": a decision's verb in capitals opens the line.
_CAPS_VERB = re.compile(r"^[ \t]*(?:[A-Z]{4,})\b(?![.)])[ \t]+(?=[a-z(\"'‘])")
_MAX_LINES = 60
# A lead-in ends in a colon, or stops short before its list: "It is recommended that".
_LEAD = re.compile(r"(?i)(?:[:;]|\b(?:that|to|recommended|resolved|agreed))[\s*–-]*$")


@dataclass
class Part:
    """One decided or recommended item: its label path as printed and its verbatim span."""

    ref: str
    start: int
    end: int
    title: str = ""  # the group title it sits under ("Residents Parking"), if any


def label_form(line: str) -> tuple[str, str] | None:
    """(form, label) of a line's list label, e.g. ("dotted", "2.1") or ("paren_alpha", "(b)")."""
    m = _LABELLED.match(line)
    if not m:
        return None
    form = next(name for name, _ in _FORMS if m.group(name))
    return form, m.group(form)


_ROMAN_VALUE = {r: i for i, r in enumerate(_ROMAN.split("|"), start=1)}


def _ordinal(form: str, label: str) -> int | None:
    """Where a label stands in its list: "2.3" → 3, "(c)" → 3, "iv." → 4; None for no label."""
    plain = _plain_label(label).rstrip(".")
    if not plain:
        return None
    last = plain.split(".")[-1]
    if last.isdigit():
        return int(last)
    if "roman" in form:
        return _ROMAN_VALUE.get(last.lower())
    return ord(last.lower()) - ord("a") + 1 if len(last) == 1 else None


def _plain_label(label: str) -> str:
    return label.strip("().").rstrip(")")


def _line_spans(text: str, start: int, end: int):
    pos = start
    while pos < end:
        stop = text.find("\n", pos, end)
        stop = end if stop < 0 else stop
        yield pos, stop
        pos = stop + 1


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while b > a and text[b - 1] in " \t;,":
        b -= 1
    if text[a:b].endswith(" and"):
        b -= 4
    while a < b and text[a] in " \t":
        a += 1
    return a, b


def _is_group_title(text: str) -> bool:
    """A short label line with no sentence: "Residents Parking", "Visitor Permits"."""
    words = text.split()
    return (
        len(words) <= 20
        and not text.rstrip().endswith((".", ";"))
        and not re.search(
            r"\b(?:that|to|be|is|are|was|were|will|approve\w*|agree\w*|note\w*)\b", text, re.I
        )
    )


def _is_heading(text: str) -> bool:
    """A section title: a few capitalised words, no sentence ("Background", "Financial Implications")."""
    words = text.split()
    return (
        0 < len(words) <= 6 and text[:1].isupper() and not text.rstrip().endswith((".", ";", ":"))
    )


def _inline(text: str, item, forms: list[str]):
    """A part whose line runs on into the next labels of its list ("(1) Endorse … (2) Note …"),
    as the PDF's text layer joins them, split into one part per label."""
    level, path, _, end, title = item
    form = forms[level] if level < len(forms) else ""
    if form not in ("paren_num", "paren_alpha") or not path:
        return [item]
    value = _ordinal(form, path[-1])
    pieces = [item]
    while value is not None:
        value += 1
        label = f"({value})" if form == "paren_num" else f"({chr(ord('a') + value - 1)})"
        at = text.find(f" {label} ", pieces[-1][2], end)
        if at < 0:
            break
        last = pieces.pop()
        pieces.append((level, last[1], last[2], at, title))
        pieces.append((level, [*path[:-1], label.strip("()")], at + len(label) + 2, end, title))
    return pieces


def _follows_letter(label: str, path: list[str], level: int) -> bool:
    plain = _plain_label(label).rstrip(".")
    last = path[level] if level < len(path) else ""
    return len(plain) == 1 and len(last) == 1 and ord(plain) == ord(last) + 1


def _continues(line: str, forms: list[str], last_top: int | None) -> bool:
    """The line carries on the outermost list: same label form, the next number or later."""
    found = label_form(line)
    if not found or not forms or found[0] != forms[0]:
        return False
    value = _ordinal(*found)
    return value is not None and last_top is not None and value > last_top


def list_parts(
    text: str, start: int, end: int, outer: str | None = None, within: str = ""
) -> list[Part]:
    """The parts listed in text[start:end]; a line labelled in the `outer` form ends them,
    unless it numbers a paragraph of the section `within` ("2.1" under "2.0 Recommendations").

    A lead-in line (ending in ':') before the first part is skipped. A plain line with no
    label before any part is the one part of an unlisted decision. After the parts, a plain
    line (neither labelled, bulleted nor wrapped) ends the list.
    """
    forms: list[str] = []  # the label form of each level, outermost first
    path: list[str] = []
    titles: list[str] = []
    raw: list[tuple[int, list[str], int, int, str]] = []  # (level, path, start, end, title)
    last_top: int | None = None  # where the outermost list has reached
    lines = list(_line_spans(text, start, end))[: _MAX_LINES + 1]
    for count, (a, b) in enumerate(lines):
        line = text[a:b]
        following = next((text[x:y] for x, y in lines[count + 1 :] if text[x:y].strip()), "")
        labelled_next = (label_form(following) or (outer,))[0] != outer
        if not line.strip() or count > _MAX_LINES:
            if count > _MAX_LINES:
                break
            continue
        found = label_form(line)
        caps = _CAPS_VERB.match(line) if not found else None
        if found:
            form, label = found
            letters = {"roman": "alpha", "paren_roman": "paren_alpha"}.get(form)
            if letters in forms and _follows_letter(label, path, forms.index(letters)):
                form = letters  # "(i)" after "(h)" is the next letter, not the first numeral
            if form == outer and not (within and label.startswith(within.split(".")[0] + ".")):
                break
            content = a + _LABELLED.match(line).end()
        elif caps and (not forms or forms[0] == "caps"):
            form, label, content = "caps", "", a + len(line) - len(line.lstrip())
        elif _BULLETED.match(line) and (not raw or forms == ["bullet"]):
            form, label, content = "bullet", "", a + _BULLETED.match(line).end()
        elif raw and (_BULLETED.match(line) or not line.lstrip()[:1].isupper()):
            level, p, s, _, t = raw[-1]
            raw[-1] = (level, p, s, b, t)  # a bulleted or wrapped line continues the part
            continue
        elif (
            raw
            and line.rstrip().endswith(":")
            and len(line.split()) <= 4
            and _continues(following, forms, last_top)
        ):
            continue  # a sub-heading inside the list: "Contractual:" before "3. Authorises …"
        elif raw:
            break
        elif _LEAD.search(line) or labelled_next:
            continue  # the lead-in: "It is recommended that the Committee:"
        else:
            raw.append((0, [], a, b, ""))
            forms = ["plain"]
            continue
        if forms == ["plain"]:
            break
        if form in forms:
            level = forms.index(form)
            value = _ordinal(form, label)
            if (
                level == 0
                and raw
                and value is not None
                and last_top is not None
                and value <= last_top
            ):
                break  # the numbering starts again: another list follows
            if level == 0:
                last_top = value
        elif raw:
            if _is_heading(text[content:b]):
                break  # "1. Background" after the list: the report's next section
            forms.append(form)
            level = len(forms) - 1
        else:
            forms, level = [form], 0
            last_top = _ordinal(form, label)
        del path[level:]
        del titles[level:]
        path.append(_plain_label(label))
        titles.append(text[content:b].strip())
        heads = [t for t in titles[:-1] if _is_group_title(t)]  # "Residents Parking"
        raw.append((level, list(path), content, b, " / ".join(heads)))
    raw = [piece for item in raw for piece in _inline(text, item, forms)]
    parts: list[Part] = []
    for i, (level, p, s, e, title) in enumerate(raw):
        nxt = raw[i + 1][0] if i + 1 < len(raw) else -1
        if nxt > level and (_is_group_title(text[s:e]) or text[s:e].rstrip().endswith(":")):
            continue  # "2. Residents Parking" heads the lettered parts under it
        s, e = _trimmed(text, s, e)
        if e > s:
            ref = p[0] + "".join(f"({x})" for x in p[1:]) if p else ""
            parts.append(Part(ref=ref, start=s, end=e, title=title))
    return parts
