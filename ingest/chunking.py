"""Structure-aware chunking: numbered paragraphs, headings, lists with lead-ins, table rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest.agenda import AgendaStructure
from ingest.line_roles import (
    RULE_ROW,
    WORD,
    classify_lines,
    heading_label,
    heading_level,
    is_data_row,
    split_sentences,
)
from ingest.minutes import MinuteItem, MinutesStructure
from ingest.records import Chunk, DocumentMeta, LoadedDocument

__all__ = ["StructureChunker", "split_sentences"]

TokenCounter = Callable[[Sequence[str]], list[int]]


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
    minute: str = ""  # the minute item the lines are under, in minutes


class StructureChunker:
    """Cuts a cleaned document into chunks that follow its numbered paragraphs, lists and tables.

    >>> chunker = StructureChunker(count_tokens=lambda texts: [len(t.split()) for t in texts])
    >>> [c.paragraphs for c in chunker.chunk(doc, meta)]  # doctest: +SKIP
    """

    def __init__(self, count_tokens: TokenCounter, target_tokens: int = 200, max_tokens: int = 254):
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.target_tokens = min(target_tokens, max_tokens)

    def chunk(
        self,
        document: LoadedDocument,
        meta: DocumentMeta,
        minutes: MinutesStructure | None = None,
        agenda: AgendaStructure | None = None,
    ) -> list[Chunk]:
        """Chunks of the paper; in minutes, no chunk crosses from one minute item to the next;
        in an agenda, its items are a list (their lines are what the paper says, not headings)."""
        items = [i for i in (minutes.items if minutes else []) if i.number]
        if items:
            groups = self._group(document, 0, items[0].start)
            for item in items:
                groups.extend(self._group(document, item.start, item.end, item))
        else:
            text = document.text
            listed = frozenset(
                text.count("\n", 0, i.start)
                for i in (agenda.items if agenda and agenda.kind == "agenda" else [])
                if i.start == 0 or text[i.start - 1] == "\n"
            )
            groups = self._group(document, 0, len(text), listed=listed)
        spans: list[tuple[_Group, list[_Line], str, str]] = []  # group, lines, kind, lead
        header: list[str] = []  # the last table's header, for a table going on below a label
        for group in groups:
            spans.extend(self._pack(group, header))
        chunks = self._to_chunks(document, meta, spans)
        return self._enforce_limit(document, meta, chunks)

    # -- structure ---------------------------------------------------------------------------

    def _group(
        self,
        document: LoadedDocument,
        start: int,
        end: int,
        item: MinuteItem | None = None,
        listed: frozenset[int] = frozenset(),
    ) -> list[_Group]:
        """Groups of the lines of text[start:end]; under a minute item, its label heads them.
        `listed` are the paper's line numbers that open list items (an agenda's business)."""
        if end <= start:
            return []
        texts = document.text[start:end].split("\n")
        first_line = document.text.count("\n", 0, start)
        at_line_start = start == 0 or document.text[start - 1] == "\n"
        headings = frozenset(
            n - first_line
            for n in document.heading_lines
            if n > first_line or (n == first_line and at_line_start)
        )
        tokens = self.count_tokens(texts)
        roles = classify_lines(texts, headings, frozenset(n - first_line for n in listed))
        # The item's label is the root of every section path under it (level 0: never popped).
        section: list[tuple[int, str]] = [(0, item.label)] if item else []
        minute = item.number if item else ""
        groups: list[_Group] = []
        current: _Group | None = None
        section_number = ""
        offset = start
        for k, (text, count, (role, number, clean)) in enumerate(
            zip(texts, tokens, roles, strict=True)
        ):
            line = _Line(start=offset, text=text, tokens=count, role=role, number=number)
            offset += len(text) + 1
            if not text.strip() and k == len(texts) - 1:
                continue  # the span ends where the next item's line starts
            if k == 0 and item and _is_title_line(text, item):
                continue  # "7 Public Forum" alone on its line: the item's label already says it
            if role == "heading":
                level = heading_level(number, clean, False)
                level = max(level, 1)  # below a minute item's label
                while section and section[-1][0] >= level:
                    section.pop()
                section.append((level, heading_label(number, clean)))
                section_number = number
                current = None
                continue
            path = tuple(s for _, s in section)
            if role == "text" and number:
                current = _Group(section=path, number=number, minute=minute)
                groups.append(current)
            elif current is None or current.section != path:
                current = _Group(section=path, number="", minute=minute)
                groups.append(current)
                current.number = section_number
            current.lines.append(line)
        return groups

    def _pack(self, group: _Group, header: list[str]) -> list[tuple[_Group, list[_Line], str, str]]:
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
                out.extend(self._table_spans(group, table, header))
                i += 1
                continue
            if len(line.text) > 40:
                header[:] = []  # running text between two tables: the next one is its own
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
        self, group: _Group, rows: list[_Line], header: list[str]
    ) -> list[tuple[_Group, list[_Line], str, str]]:
        """Each row alone with its header. A table that goes on below a label row ("PROJECTS")
        or a page's repeated header keeps the header it started with."""
        labelled = sum(1 for r in rows if r.text.split("\t")[0].strip().endswith(":"))
        carried = header[0] if header else ""
        lone = rows[0].text if len(rows) == 1 else ""
        if lone and not is_data_row(lone) and lone.count("\t") >= 2 and not labelled:
            # A header with a label row below it ("ITEM  Budget  Spent" over "REVENUE"): it heads
            # the rows that follow the label, and says nothing alone.
            header[:] = [lone]
            return []
        if (lone and not _same_shape(lone, carried)) or labelled * 2 >= len(rows):
            # A form-like block ("Report To:<TAB>Council<TAB>Date:<TAB>...") reads as text.
            return [(group, rows, "paragraph", "")]
        rows = [r for r in rows if not RULE_ROW.match(r.text)]  # "-----<TAB>--" rules
        if not rows:
            return []
        first = rows[0].text
        if not is_data_row(first):
            header[:] = [first]
            rows = rows[1:]
        elif not _same_shape(first, carried):
            # No header row ("Responsible Portfolio Holder<TAB>Cllr Roger Hollingworth",
            # "Andrew Harper<TAB>andrew.harper@...<TAB>0116 ..."): every row stands alone.
            header[:] = []
            return [(group, [row], "table_row", "") for row in rows]
        lead = header[0]
        return [(group, [row], "table_row", lead) for row in rows if row.text != lead]

    # -- records -----------------------------------------------------------------------------

    def _to_chunks(self, document, meta, spans) -> list[Chunk]:
        chunks = []
        for group, lines, kind, lead in spans:
            start, end = _trim(document.text, lines[0].start, lines[-1].start + len(lines[-1].text))
            labels = [x.number for x in lines if x.role == "item" and x.number]
            paragraphs = [group.number] if group.number else []
            paragraphs += [f"{group.number}({label})" for label in labels]
            chunks.append(
                self._make(
                    document,
                    meta,
                    group.section,
                    paragraphs,
                    start,
                    end,
                    kind,
                    lead,
                    len(chunks),
                    group.minute,
                )
            )
        return chunks

    def _make(
        self, document, meta, section, paragraphs, start, end, kind, lead, position, minute=""
    ) -> Chunk:
        page = document.page_at(start)
        page_end = document.page_at(max(start, end - 1)) if page is not None else None
        ocr_pages = document.ocr_pages()
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
            page_end=page_end,
            lead=lead,
            meta=meta,
            minute=minute,
            ocr=page is not None
            and any(n in ocr_pages for n in range(page, (page_end or page) + 1)),
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
                        chunk.minute,
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
            words = [(a + m.start(), a + m.end()) for m in WORD.finditer(text[a:b])]
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


def _is_title_line(line: str, item: MinuteItem) -> bool:
    """The line holds nothing but the item's number and title ("7. Public Forum:")."""
    rest = line.strip()[len(item.number) :] if line.strip().startswith(item.number) else ""
    return rest.strip(" .:)-–\t") == item.title


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


def _same_shape(row: str, header: str) -> bool:
    """A row with as many cells as the header: the same table going on."""
    return bool(header) and row.count("\t") == header.count("\t")
