"""Tables from a PDF page's layout text: rows kept whole, their cells set apart by tabs.

pypdf's layout mode prints a page as it looks, so a table's columns line up under its header.
A table here is a header line of three or more cells set apart by wide gaps, followed by lines
whose pieces fall under those cells. Each piece goes to the column it overlaps most, so
multi-line cells (a wrapped title, an officer's name, job and e-mail) come out as one cell.
Rows are either one line each (a budget) or blocks of lines set apart by blank lines (a forward
plan, where one row's cells wrap over several lines). A line naming only the first column
between rows ("PROJECTS") stays as a line of its own; a line running across the columns ends
the table. A table that goes on over a page break keeps its header.

The result is the page's text with each table as a header line and one tab-separated line per
row, which the chunker turns into rows that carry their header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from ingest.cleaning import PAGE_NUMBER_LINE
from ingest.line_roles import is_data_row

_GAP = re.compile(r" {3,}")  # cells are set apart by runs of three or more spaces
_PIECE = re.compile(r"\S+(?: {1,2}\S+)*")
MIN_COLUMNS = 3
_SPANNING = 6  # a piece reaching this far into a second column runs across the table
_MAX_HEADER_CELL = 40  # header cells are short labels
# A label's first word holds no figure other than a year or period ("2025-26", "2024/25"):
# "24/01234/F" or "3.1" opens a row.
_REFERENCE = re.compile(r"(?!(?:19|20)\d\d(?:[-/]\d{2,4})?\b)\S*\d")
_YEAR = re.compile(r"(?:19|20)\d\d(?:[-/]\d{2,4})?")
_PARTIAL = 20  # percent of a one-line-per-row table's lines that may fill only some cells
_FIGURE = re.compile(r"[(£$€+-]*\s?\d[\d,.]*%?\)?\*?(?:m|k|bn)?")


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    text: str


def pieces(line: str) -> list[Piece]:
    """The runs of text on a layout line, set apart by three or more spaces."""
    return [Piece(m.start(), m.end(), m.group()) for m in _PIECE.finditer(line)]


@dataclass
class Columns:
    """Column bounds from a header line: each runs to the midpoint of the gap to the next."""

    bounds: list[tuple[float, float]]

    @classmethod
    def from_header(cls, header: list[Piece]) -> Columns:
        cuts = [(a.end + b.start) / 2 for a, b in pairwise(header)]
        return cls(list(pairwise([float("-inf"), *cuts, float("inf")])))

    def __len__(self) -> int:
        return len(self.bounds)

    def overlaps(self, piece: Piece) -> list[float]:
        return [max(0.0, min(piece.end, hi) - max(piece.start, lo)) for lo, hi in self.bounds]

    def place(self, line: str) -> list[str] | None:
        """The line's text per column, or None when a piece runs across columns."""
        cells = [""] * len(self)
        for piece in pieces(line):
            shares = self.overlaps(piece)
            ranked = sorted(shares, reverse=True)
            if len(ranked) > 1 and ranked[1] > _SPANNING:
                return None
            column = shares.index(ranked[0])
            cells[column] = f"{cells[column]} {_unspaced(piece.text)}".strip()
        return cells


def _is_header(line: str) -> bool:
    found = pieces(line)
    if len(found) < MIN_COLUMNS or any(len(p.text) > _MAX_HEADER_CELL for p in found):
        return False
    if any(p.text[0].islower() or _REFERENCE.match(p.text) for p in found):
        return False  # column labels start with a capital, not a figure or a reference
    if is_data_row("\t".join(p.text for p in found)):
        return False  # nor do they hold values ("£1,250.00", "12 May 2026")
    # A header names its columns: letters, not figures ("ITEM  Budget  Spent", "Lead Officer").
    return sum(1 for p in found if re.search(r"[A-Za-z]{2}", p.text)) >= len(found) - 1


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c)


def _starts_row(cells: list[str]) -> bool:
    """A row's first line names its subject (first column) and fills most of the columns."""
    return bool(cells[0]) and _filled(cells) * 2 >= len(cells)


@dataclass
class _Table:
    columns: Columns
    header: list[str]
    rows: list[list[str] | str]  # a row's cells, or a label line between rows


_LETTER_SPACED = re.compile(r"\b(?:[A-Za-z]{1,2} )?(?:[A-Za-z] ){2,}[A-Za-z]\b")


def _unspaced(text: str) -> str:
    """Letter-spaced words run back together ("Fo o t p a t h" → "Footpath"): layout mode spaces
    out glyphs that a producer set with extra tracking. Three single letters in a row are never
    words of running text."""
    return _LETTER_SPACED.sub(lambda m: m.group().replace(" ", ""), text)


def _join(before: str, after: str) -> str:
    """A cell's text and its next line: a word or address wrapped mid-way closes up
    ("in-" + "line", "name@council.gov.u" + "k")."""
    if not before:
        return after
    last = before.rsplit(" ", 1)[-1]
    wrapped = last.endswith("-") or ("@" in last and not last.endswith("."))
    if wrapped and after[:1].islower() and " " not in after.split(".", 1)[0][:1]:
        first = after.split(" ", 1)
        if last.endswith("-") or "@" in first[0] or len(first[0]) <= 4:
            return before + after
    return f"{before} {after}"


def _merge(into: list[str], cells: list[str]) -> None:
    for i, cell in enumerate(cells):
        if cell:
            into[i] = _join(into[i], cell)


def _read_table(
    lines: list[str], at: int, columns: Columns, header: list[str]
) -> tuple[_Table, int]:
    """Read rows from lines[at:] under `columns`; returns the table and the first line after it."""
    placed: list[tuple[int, list[str]]] = []  # blank lines as []
    k = at
    while k < len(lines):
        line = lines[k]
        if line.strip() and PAGE_NUMBER_LINE.match(line) and not "".join(lines[k + 1 :]).strip():
            break  # the page number at the foot, not a figure in a cell
        cells = columns.place(line) if line.strip() else []
        if cells is None:
            break
        placed.append((k, cells))
        k += 1
    while placed and not placed[-1][1]:
        placed.pop()
    end = placed[-1][0] + 1 if placed else at
    body = [c for _, c in placed]
    # Rows are blocks set apart by blank lines when most lines filling (nearly) every cell follow
    # a blank line (a forward plan, whose cells wrap); otherwise one line each (a budget).
    # (the first row is left out: it follows the header, blank line or not)
    opens = [
        k == 0 or not body[k - 1] for k, c in enumerate(body) if c and _filled(c) >= len(c) - 1
    ][1:]
    blocks = sum(opens) > 0 and sum(opens) * 2 >= len(opens) - sum(opens)
    if not blocks and _ragged(body, len(columns)):
        return _Table(columns, header, []), end
    rows: list[list[str] | str] = []
    current: list[str] | None = None
    opening: int | None = None
    after_blank = True
    for cells in body:
        if not cells:
            after_blank = True
            continue
        # In a table of blocks, a row's first line fills as many columns as the row above's did:
        # a title set apart from its summary by a blank line does not start a row.
        starts = _starts_row(cells) and (
            not blocks or (after_blank and (opening is None or _filled(cells) >= opening))
        )
        if starts:
            current = list(cells)
            opening = _filled(cells)
            rows.append(current)
        elif current is not None and any(cells[1:]):
            _merge(current, cells)
        elif cells[0] and not any(cells[1:]) and not blocks and (after_blank or current is None):
            rows.append(cells[0])  # a label between rows ("PROJECTS") below a blank line
            current = None
        elif current is not None:
            _merge(current, cells)
        else:
            rows.append(list(cells))  # cells continued from a row the page above cut off
        after_blank = False
    return _Table(columns, header, rows), end


def _ragged(body: list[list[str]], width: int) -> bool:
    """Rows of one line each, yet many lines fill only some cells: cells wrap above and below
    the line with the figures, and which wrapped line belongs to which row cannot be told. A
    line holding only more of the cells above (a wrapped title) or a total is no such line."""
    lines = [c for c in body if c]
    partial = sum(
        1
        for c in lines
        if c[0] and 1 < _filled(c) < width - 1 and not all(_FIGURE.fullmatch(x) for x in c[1:] if x)
    )
    wrapped = sum(1 for c in lines if not c[0])
    return partial * 100 > _PARTIAL * len(lines) or wrapped * 2 > len(lines)


def _header_at(lines: list[str], at: int) -> tuple[Columns, list[str], int] | None:
    """A header line at lines[at] (with any continuation lines below it, "2024-25" under
    "Budget"), followed by at least two rows: its columns, cells and the first body line."""
    if not _is_header(lines[at]):
        return None
    found = _with_stub(pieces(lines[at]), lines[at + 1 : at + 16])
    columns = Columns.from_header(found)
    header = [p.text for p in found]
    k = at + 1
    second: list[list[Piece]] = []
    # A second header line sits right below the first: no subject, only column labels.
    while k < len(lines) and k <= at + 2 and lines[k].strip():
        cells = columns.place(lines[k])
        if cells is None or any(len(c) > _MAX_HEADER_CELL for c in cells):
            break
        if any(_REFERENCE.match(c) for c in cells if c) or is_data_row("\t".join(cells)):
            break  # the first row: it holds values
        years = all(_YEAR.fullmatch(c) for c in cells if c)
        if cells[0] and not years and not (_filled(cells) == 1 and " " not in cells[0]):
            break  # a row's subject; "No" below "Ref", or "2025-26" below "By", is header
        _merge(header, cells)
        second.append(pieces(lines[k]))
        k += 1
    opening: list[list[Piece]] = []
    for line in lines[k : k + 40]:
        if not line.strip():
            continue
        cells = columns.place(line)
        if cells is None:
            break
        if _starts_row(cells):
            opening.append(pieces(line))
    # Two rows make a table; so does one under a header of two lines ("By" over "2025-26").
    enough = len(opening) >= (1 if second else 2)
    if enough and _aligned(columns, second + opening[:12]) and not _prose(columns, opening):
        return columns, header, k
    return None


def _prose(columns: Columns, rows: list[list[Piece]]) -> bool:
    """Most cells are single lower-case words ("to", "the", "centre,"): wide word gaps of
    justified or rotated text, not a table's values."""
    cells = [p.text for row in rows for p in row if p.start > columns.bounds[0][1]]
    words = sum(1 for c in cells if re.fullmatch(r"[a-z]+[,.;:]?", c))
    return words * 2 >= len(cells)


def _with_stub(header: list[Piece], below: list[str]) -> list[Piece]:
    """The header with an unnamed first column when the rows' subjects sit left of its first
    label ("Budget  Forecast  Variance" over "Library Services   41.2   39.8 ...")."""
    firsts = [found[0] for found in map(pieces, below) if len(found) >= 3][:3]
    lefts = [p for p in firsts if p.end < header[0].start - 1]
    if len(lefts) < 2 or len(lefts) < len(firsts):  # the first rows all open left of it
        return header
    edge = max(p.end for p in lefts)
    return [Piece(edge, edge, ""), *header]


def _aligned(columns: Columns, rows: list[list[Piece]]) -> bool:
    """Cells line up: in most columns after the first, the rows' pieces share a left or a right
    edge. Justified prose, whose wide word gaps fall anywhere, does not."""
    lined = 0
    for c in range(1, len(columns)):
        found = [
            p
            for row in rows
            for p in row
            if columns.overlaps(p).index(max(columns.overlaps(p))) == c
        ]
        if len(found) < 2:
            continue
        for edge in ("start", "end"):
            values = [getattr(p, edge) for p in found]
            common = max(sum(1 for v in values if abs(v - u) <= 1) for u in values)
            if common * 10 >= 6 * len(found):
                lined += 1
                break
    return lined * 2 >= len(columns) - 1


def _is_row(row: list[str] | str) -> bool:
    return isinstance(row, list) and bool(row[0])


def _has_rows(table: _Table) -> bool:
    return any(_is_row(r) for r in table.rows)


def _render(table: _Table) -> list[str]:
    """The header and rows as tab-separated lines; a column no row fills is left out."""
    rows = [r for r in table.rows if _is_row(r)]
    used = [i for i in range(len(table.header)) if i == 0 or any(r[i] for r in rows)]
    out = ["", "\t".join(table.header[i] for i in used)]
    for row in table.rows:
        if _is_row(row):
            out.append("\t".join(row[i] for i in used))
        else:
            out.append(row if isinstance(row, str) else " ".join(c for c in row if c))
    out.append("")
    return out


def layout_tables(pages: list[str]) -> list[str | None]:
    """Each page's layout text with its tables as tab-separated rows, or None for a page with no
    table. A table running off a page's foot goes on at the next page's head: its header is
    carried over, and lines there that only continue cells finish the last row."""
    out: list[str | None] = []
    carried: _Table | None = None
    for page in pages:
        lines = page.split("\n")
        parts: list[str | _Table] = []
        tables: list[_Table] = []
        i = 0
        first_text = next((k for k, line in enumerate(lines) if line.strip()), len(lines))
        while i < len(lines):
            head = _header_at(lines, i)
            start = None
            if head is not None:
                columns, header, start = head
            elif carried is not None and i == first_text and carried.columns.place(lines[i]):
                columns, header, start = carried.columns, carried.header, i
            if start is None:
                parts.append(lines[i])
                i += 1
                continue
            table, end = _read_table(lines, start, columns, header)
            if not _has_rows(table) and not (carried is not None and not tables and table.rows):
                parts.append(lines[i])
                i += 1
                continue
            if carried is not None and not tables and table.header == carried.header:
                _continue_row(carried, table)
            parts.append(table)
            tables.append(table)
            i = end
        carried = tables[-1] if tables and _runs_to_foot(lines, end) else None
        prose = [p for p in parts if isinstance(p, str)]
        out.append(parts if tables and not _side_by_side(prose) else None)
    return [None if p is None else _page_text(p) for p in out]


def _side_by_side(lines: list[str]) -> bool:
    """Text outside the tables runs in columns side by side: layout mode would interleave its
    sentences line by line, which the plain reading keeps apart."""
    twin = sum(1 for line in lines if sum(1 for p in pieces(line) if len(p.text.split()) >= 3) >= 2)
    return twin >= 3


def _continue_row(above: _Table, table: _Table) -> None:
    """Lines at a page's head that only continue cells finish the row the page before cut off."""
    last = next((r for r in reversed(above.rows) if isinstance(r, list)), None)
    while last is not None and table.rows and not _is_row(table.rows[0]):
        row = table.rows.pop(0)
        if isinstance(row, list):
            _merge(last, row)


def _page_text(parts: list) -> str:
    lines: list[str] = []
    for part in parts:
        lines.extend(_render(part) if isinstance(part, _Table) else [part])
    return "\n".join(lines)


def _runs_to_foot(lines: list[str], end: int) -> bool:
    """Nothing but blank lines and a page number follows the table on its page."""
    return all(not line.strip() or PAGE_NUMBER_LINE.match(line) for line in lines[end:])
