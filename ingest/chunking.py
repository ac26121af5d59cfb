"""Structure-aware chunking: numbered paragraphs, headings, lists with lead-ins, table rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest.records import Chunk, DocumentMeta, LoadedDocument

TokenCounter = Callable[[Sequence[str]], list[int]]

_BULLET = re.compile(r"^[-*•●▪◦■□➢➤–§o]\s+")
_DOTTED_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3})+)\.?\s+(?=\S)")  # 2.5, 4.2.1, 1.0
_TOP_NUMBER = re.compile(r"^(\d{1,2})[.)]\s+(?=\S)")  # "1. Introduction", "3) ..."
_SUB_ITEM = re.compile(r"^(?:\(([a-z]{1,2}|[ivxlc]{1,6})\)|([a-z]{1,2}|[ivxlc]{1,6})[.)])\s+(?=\S)")
_TERMINAL = (".", ";", ":", ",", "?", "!")
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9£])")
_ABBREVIATION = re.compile(
    r"\b(?:e\.g|i\.e|etc|cf|no|nos|para|paras|cllr|mr|mrs|ms|dr|st|vs|approx|ref)\.$", re.I
)
_WORD = re.compile(r"\S+\s*")


@dataclass
class _Line:
    start: int
    text: str
    tokens: int
    role: str  # text | item | row | heading
    number: str = ""  # paragraph number this line opens ("2.5") or item label ("a")


@dataclass
class _Group:
    """Lines that belong to one numbered paragraph, or to one stretch of unnumbered text."""

    section: tuple[str, ...]
    number: str
    lines: list[_Line] = field(default_factory=list)


def _strip_bullet(text: str) -> str:
    return _BULLET.sub("", text, count=1)


_LABEL = re.compile(r"^[A-Z][\w /()&'-]{0,30}:\s+\S")  # "Originator: Anna Graves"


_APPENDIX = re.compile(r"^(?:Appendix|Annex|Annexe)\s+[A-Z0-9]{1,3}\b")
_DATE_LINE = re.compile(
    r"^\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9},?\s+\d{4}$|^[A-Za-z]{3,9}\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}$",
    re.I,
)
_RULE_ROW = re.compile(r"^[\s\t\-=_|+:]*$")
_DATA_CELL = re.compile(r"\d|@|^(?:Cllr|Councillor|Mr|Mrs|Ms|Miss|Dr)\.?\s", re.I)


def _is_data_row(text: str) -> bool:
    """A first row holding values (a name with a title, an e-mail, a number) is not a header."""
    return any(_DATA_CELL.search(cell.strip()) for cell in text.split("\t") if cell.strip())


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


def _classify(lines: list[str], heading_lines: frozenset[int]) -> list[tuple[str, str, str]]:
    """(role, number, text) for each line of cleaned text."""
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
        if i in heading_lines:
            match = _DOTTED_NUMBER.match(text) or _TOP_NUMBER.match(text)
            out.append(("heading", match.group(1) if match else "", text))
            in_list = False
            continue
        if "\t" in raw and sum(1 for cell in raw.split("\t") if cell.strip()) >= 2:
            out.append(("row", "", raw))
            continue
        dotted = _DOTTED_NUMBER.match(text)
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
        top = _TOP_NUMBER.match(text)
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


def _heading_label(number: str, text: str) -> str:
    """A heading as shown in a section path, without Markdown emphasis: "1. SUMMARY"."""
    match = _TOP_NUMBER.match(text) or _DOTTED_NUMBER.match(text)
    if match:
        return f"{text[: match.end()]}{_unemphasised(text[match.end() :])}"
    return _unemphasised(text)


def _heading_level(number: str, text: str, marked: bool) -> int:
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
        if _ABBREVIATION.search(candidate):
            continue
        pieces.append(text[last : match.end()])
        last = match.end()
    pieces.append(text[last:])
    return [p for p in pieces if p]


class StructureChunker:
    """Cuts a cleaned document into chunks that follow its numbered paragraphs, lists and tables.

    >>> chunker = StructureChunker(count_tokens=lambda texts: [len(t.split()) for t in texts])
    >>> [c.paragraphs for c in chunker.chunk(doc, meta)]  # doctest: +SKIP
    """

    def __init__(self, count_tokens: TokenCounter, target_tokens: int = 200, max_tokens: int = 254):
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.target_tokens = min(target_tokens, max_tokens)

    def chunk(self, document: LoadedDocument, meta: DocumentMeta) -> list[Chunk]:
        groups = self._group(document)
        spans: list[tuple[_Group, list[_Line], str, str]] = []  # group, lines, kind, lead
        for group in groups:
            spans.extend(self._pack(group))
        chunks = self._to_chunks(document, meta, spans)
        return self._enforce_limit(document, meta, chunks)

    # -- structure ---------------------------------------------------------------------------

    def _group(self, document: LoadedDocument) -> list[_Group]:
        texts = document.text.split("\n")
        tokens = self.count_tokens(texts)
        roles = _classify(texts, document.heading_lines)
        section: list[tuple[int, str]] = []
        groups: list[_Group] = []
        current: _Group | None = None
        section_number = ""
        offset = 0
        for text, count, (role, number, clean) in zip(texts, tokens, roles, strict=True):
            line = _Line(start=offset, text=text, tokens=count, role=role, number=number)
            offset += len(text) + 1
            if role == "heading":
                level = _heading_level(number, clean, False)
                while section and section[-1][0] >= level:
                    section.pop()
                section.append((level, _heading_label(number, clean)))
                section_number = number
                current = None
                continue
            path = tuple(s for _, s in section)
            if role == "text" and number:
                current = _Group(section=path, number=number)
                groups.append(current)
            elif current is None or current.section != path:
                current = _Group(section=path, number="")
                groups.append(current)
                current.number = section_number
            current.lines.append(line)
        return groups

    def _pack(self, group: _Group) -> list[tuple[_Group, list[_Line], str, str]]:
        """Split one group into spans: table rows alone (with header), text packed to the target."""
        out: list[tuple[_Group, list[_Line], str, str]] = []
        lines = group.lines
        i = 0
        pending: list[_Line] = []
        lead = ""
        lead_line: _Line | None = None

        def flush() -> None:
            nonlocal pending
            if pending:
                kind = "list" if any(x.role == "item" for x in pending) else "paragraph"
                carried = lead if lead_line is not None and lead_line not in pending else ""
                out.append((group, pending, kind, carried))
                pending = []

        while i < len(lines):
            line = lines[i]
            if line.role == "row":
                table = [line]
                while i + 1 < len(lines) and lines[i + 1].role == "row":
                    i += 1
                    table.append(lines[i])
                flush()
                out.extend(self._table_spans(group, table))
                i += 1
                continue
            if line.role == "text" and line.text.rstrip().endswith(":"):
                lead, lead_line = line.text, line
            size = sum(x.tokens for x in pending)
            if pending and size + line.tokens > self.target_tokens:
                flush()
            pending.append(line)
            i += 1
        flush()
        return out

    def _table_spans(
        self, group: _Group, rows: list[_Line]
    ) -> list[tuple[_Group, list[_Line], str, str]]:
        labelled = sum(1 for r in rows if r.text.split("\t")[0].strip().endswith(":"))
        if len(rows) == 1 or labelled * 2 >= len(rows):
            # A form-like block ("Report To:<TAB>Council<TAB>Date:<TAB>...") reads as text.
            return [(group, rows, "paragraph", "")]
        rows = [r for r in rows if not _RULE_ROW.match(r.text)]  # "-----<TAB>--" rules
        if not rows:
            return []
        header, body = rows[0], rows[1:]
        if _is_data_row(header.text):
            # No header row ("Responsible Portfolio Holder<TAB>Cllr Roger Hollingworth",
            # "Andrew Harper<TAB>andrew.harper@...<TAB>0116 ..."): every row stands alone.
            return [(group, [row], "table_row", "") for row in rows]
        return [(group, [row], "table_row", header.text) for row in body]

    # -- records -----------------------------------------------------------------------------

    def _to_chunks(self, document, meta, spans) -> list[Chunk]:
        chunks = []
        for group, lines, kind, lead in spans:
            start = lines[0].start
            end = lines[-1].start + len(lines[-1].text)
            labels = [x.number for x in lines if x.role == "item" and x.number]
            paragraphs = [group.number] if group.number else []
            paragraphs += [f"{group.number}({label})" for label in labels]
            chunks.append(
                self._make(
                    document, meta, group.section, paragraphs, start, end, kind, lead, len(chunks)
                )
            )
        return chunks

    def _make(self, document, meta, section, paragraphs, start, end, kind, lead, position) -> Chunk:
        page = document.page_at(start)
        return Chunk(
            doc_id=document.doc_id,
            text=document.text[start:end],
            start=start,
            end=end,
            position=position,
            kind=kind,
            section=section,
            paragraphs=tuple(paragraphs),
            page=page,
            page_end=document.page_at(max(start, end - 1)) if page is not None else None,
            lead=lead,
            meta=meta,
        )

    def _enforce_limit(self, document, meta, chunks: list[Chunk]) -> list[Chunk]:
        """Split any chunk whose embedded text would exceed the encoder's window."""
        sizes = self.count_tokens([c.embed_text for c in chunks])
        result: list[Chunk] = []
        for chunk, size in zip(chunks, sizes, strict=True):
            if size <= self.max_tokens:
                result.append(chunk)
                continue
            overhead = size - self.count_tokens([chunk.text])[0]
            budget = max(32, min(self.target_tokens, self.max_tokens - overhead))
            for start, end in self._split_span(document.text, chunk.start, chunk.end, budget):
                piece = document.text[start:end]
                paragraphs = [p for p in chunk.paragraphs if _label_in(p, piece)]
                result.append(
                    self._make(
                        document,
                        meta,
                        chunk.section,
                        paragraphs,
                        start,
                        end,
                        chunk.kind,
                        chunk.lead,
                        0,
                    )
                )
        return [
            Chunk(**{**c.__dict__, "position": i}) if c.position != i else c
            for i, c in enumerate(result)
        ]

    def _split_span(self, text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
        """Cut text[start:end] at sentence ends (else word ends) into pieces of <= budget tokens."""
        units: list[tuple[int, int]] = []
        cursor = start
        for line in text[start:end].split("\n"):
            for sentence in split_sentences(line + "\n"):
                units.append((cursor, cursor + len(sentence)))
                cursor += len(sentence)
        units = [(a, b) for a, b in units if b > a]
        counts = self.count_tokens([text[a:b] for a, b in units])
        fine: list[tuple[int, int, int]] = []
        for (a, b), n in zip(units, counts, strict=True):
            if n <= budget:
                fine.append((a, b, n))
                continue
            words = [(a + m.start(), a + m.end()) for m in _WORD.finditer(text[a:b])]
            word_counts = self.count_tokens([text[x:y] for x, y in words])
            piece_start, size = words[0][0], 0
            for (x, _y), w in zip(words, word_counts, strict=True):
                if size and size + w > budget:
                    fine.append((piece_start, x, size))
                    piece_start, size = x, 0
                size += w
            fine.append((piece_start, b, size))
        pieces: list[tuple[int, int]] = []
        piece_start, size = fine[0][0], 0
        for a, _b, n in fine:
            if size and size + n > budget:
                pieces.append((piece_start, a))
                piece_start, size = a, 0
            size += n
        pieces.append((piece_start, end))
        return [_trim(text, a, b) for a, b in pieces if text[a:b].strip()]


def _label_in(paragraph: str, piece: str) -> bool:
    """Whether a piece of a split chunk holds this paragraph's item ("2.7(iv)" -> "(iv)"/"iv.")."""
    if "(" not in paragraph:
        return True
    label = paragraph[paragraph.index("(") + 1 : -1]
    return bool(re.search(rf"(?:^|\n)(?:\S+\s+)?(?:\({label}\)|{label}[.)])\s", piece))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
