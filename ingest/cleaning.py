"""Text clean-up shared by the loaders: PDF page furniture, hyphenation, ligatures, whitespace."""

from __future__ import annotations

import re
from collections import Counter

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\r": None,
        "\x0c": "\n",
        "\uf0b7": "•",  # Symbol-font bullets from Word exports
        "\uf0a7": "•",
        "\uf0d8": "•",
        "\uf076": "•",
        "\uf0fc": "•",
    }
)
_SPACES = re.compile(r"[ \u3000]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\n(?=[a-z])")
_BLANK_RUNS = re.compile(r"\n{3,}")

# A line that only carries a page number: "3", "- 3 -", "Page 3", "Page 3 of 12", "Page | 3", "3/12".
PAGE_NUMBER_LINE = re.compile(
    r"^\s*(?:page\s*\|?\s*)?[-–(]?\s*\d{1,4}\s*[-–)]?\s*(?:(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE
)


def normalise(text: str) -> str:
    """Ligatures, odd spaces and control characters out; tabs and line breaks kept."""
    text = _CONTROL.sub("", text.translate(_LIGATURES))
    lines = [_SPACES.sub(" ", line).strip(" ") for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


def rejoin_hyphenation(text: str) -> str:
    """Join words broken across lines ("manage-\\nment" -> "management")."""
    return _HYPHEN_BREAK.sub("", text)


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def _edge_lines(lines: list[str], depth: int) -> tuple[list[int], list[int]]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return filled[:depth], filled[-depth:] if filled else []


def strip_page_furniture(pages: list[str], depth: int = 3) -> list[str]:
    """Remove running headers/footers: edge lines that repeat across pages, and page numbers.

    A line counts as furniture when it sits among the first or last `depth` non-empty lines of
    a page and the same shape (digits ignored) sits at that edge on most pages; the first
    page's head is kept, as the paper's masthead. Bare page-number lines at an edge always go. Repeated lines ending in a full stop are kept: on forms
    ("As set out in the report.") they are content, not banners.
    """
    split = [page.split("\n") for page in pages]
    counts: dict[str, Counter[str]] = {"top": Counter(), "bottom": Counter()}
    for lines in split:
        top, bottom = _edge_lines(lines, depth)
        counts["top"].update({_shape(lines[i]) for i in top})
        counts["bottom"].update({_shape(lines[i]) for i in bottom})
    needed = len(pages) if len(pages) <= 3 else max(3, int(0.6 * len(pages) + 0.5))
    cleaned = []
    for number, lines in enumerate(split):
        top, bottom = _edge_lines(lines, depth)
        drop = set()
        for edge, positions in (("top", top), ("bottom", bottom)):
            for i in positions:
                line = lines[i].strip()
                shape = _shape(line)
                # The first page's head is the masthead: a title repeated over every page
                # ("Westshire Parish Council Minutes") still names the paper there.
                masthead = number == 0 and edge == "top"
                repeated = len(pages) > 1 and counts[edge][shape] >= needed and not masthead
                # A table's header repeated over each page is kept: it says what its rows are.
                if PAGE_NUMBER_LINE.match(line) or (
                    repeated and len(line) <= 120 and not line.endswith(".") and "\t" not in line
                ):
                    drop.add(i)
        cleaned.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return cleaned


_ITEM_START = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})+\.?\s|\d{1,2}[.)]\s|\(?[a-z]{1,4}\)\s|[a-z]\.\s|\([ivxlc]+\)\s|"
    r"[•●▪◦■□➢➤\-–*§o]\s)",
    re.IGNORECASE,
)
_TERMINAL = (".", ":", ";", "?", "!")


def unwrap_lines(page_text: str) -> list[str]:
    """Rebuild paragraphs from a PDF page's visual lines: one block per paragraph or item."""
    # A table row keeps its empty cells: only spaces are trimmed from it, not its tabs.
    lines = [line.strip(" ") if "\t" in line else line.strip() for line in page_text.split("\n")]
    widths = sorted(len(line) for line in lines if line)
    full = widths[int(len(widths) * 0.8)] if widths else 0
    blocks: list[str] = []
    current = ""
    previous = ""
    for line in lines:
        if not line or "\t" in line or "\t" in previous:
            # A table row (cells set apart by tabs) is a block of its own.
            if current:
                blocks.append(current)
            current = previous = ""
            if not line:
                continue
        starts_item = bool(_ITEM_START.match(line))
        previous_ended = previous.endswith(_TERMINAL) and len(previous) < 0.75 * full
        # A short line standing alone ("Background", "53 Declarations of Interest") ends at a
        # capitalised full-width line: it is a heading or caption, not the paragraph's start.
        heading_above = (
            current == previous
            and len(previous) < 0.5 * full
            and not previous.endswith((",", "-", "–", "&"))
            and line[:1].isupper()
            and len(line) >= 0.6 * full
        )
        if current and (starts_item or previous_ended or heading_above):
            blocks.append(current)
            current = ""
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        previous = line
    if current:
        blocks.append(current)
    return blocks


def join_page_blocks(pages: list[list[str]]) -> tuple[list[str], list[int]]:
    """Concatenate pages' blocks, joining a paragraph that a page break cut in two.

    Returns the blocks and, for each, the page (1-based) where it starts.
    """
    blocks: list[str] = []
    starts: list[int] = []
    for number, page_blocks in enumerate(pages, start=1):
        for k, block in enumerate(page_blocks):
            continues = (
                k == 0
                and blocks
                and not blocks[-1].endswith(_TERMINAL)
                and block[:1].islower()
                and "\t" not in block + blocks[-1]
                and not _ITEM_START.match(block)
            )
            if continues:
                blocks[-1] = f"{blocks[-1]} {block}"
            else:
                blocks.append(block)
                starts.append(number)
    return blocks, starts
