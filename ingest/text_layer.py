"""How good a PDF page's text layer is, the better of two extractors per page, and spacing repair.

Producers of PDFs get text layers wrong in a few recurring ways, none of them tied to one file:
words run together because the layer places glyphs without space characters (pypdf then reads
"CityCouncilRegularMeeting"; pdfium, which infers gaps from glyph positions, reads it right),
word gaps written as mixed runs of tabs, carriage returns and no-break spaces (Word for Mac), or
ligature glyphs with no Unicode mapping ("Elec[ons"). A page's text is scored on what running
text looks like, both extractors are tried, and the better reading is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Extractors, in order of preference when they read a page equally well (the cleaning rules
# downstream were written against pypdf's line breaks).
PYPDF = "pypdf"
PDFIUM = "pypdfium2"
LAYOUT = "pypdf-layout"  # pypdf's layout mode, kept for pages holding a table
OCR = "ocr"
NONE = "none"  # no usable text and no OCR

_TOKEN_EDGES = "\"'“”‘’()[]{}<>.,;:!?*•·–—-/\\|"
_VOWELS = set("aeiouyAEIOUY")
_WORD = re.compile(r"^[^\W\d_]+(?:['’\-][^\W\d_]+)*$")
_CAMEL = re.compile(r"[a-z][A-Z][a-z]")
_ODD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ufffe]")
# A word gap that a producer wrote as a mixed run: a tab or carriage return together with other
# blanks between two words on one line. Running text never needs that, so it reads as one space.
_GAP = re.compile(r"(?<=\S)[ \t\r\u00a0]+(?=\S)")
_MIN_WORDS = 5  # fewer letter-bearing words than this on a page: the page has no usable text
MARGIN = 0.05  # pdfium's reading must beat pypdf's by this much to be kept
POOR = 0.35  # below this a page's best reading is not worth indexing as it is


@dataclass(frozen=True)
class Quality:
    """Signals of one page's text: how much of it reads like words of running text."""

    words: int  # letter-bearing tokens
    dictionary_like: float  # share of those that look like dictionary words
    mean_length: float  # mean length of those words
    one_letter: float  # share of one-letter words ("C o u n c i l" spacing)
    control: float  # share of characters that are control or replacement characters

    @property
    def score(self) -> float:
        """0 (no usable text) … 1 (reads like ordinary prose)."""
        if self.words < _MIN_WORDS:
            return 0.0
        long_words = max(0.0, self.mean_length - 8.0) / 8.0
        return max(
            0.0,
            self.dictionary_like
            * (1.0 - min(1.0, long_words))
            * (1.0 - min(1.0, 2.0 * max(0.0, self.one_letter - 0.1)))
            * (1.0 - min(1.0, 20.0 * self.control)),
        )

    @property
    def usable(self) -> bool:
        return self.words >= _MIN_WORDS


def _dictionary_like(word: str) -> bool:
    """A word of running text: letters (with inner apostrophes or hyphens), a vowel, a sane
    length, and no lower-to-upper case change inside (words run together)."""
    if not _WORD.match(word):
        return False
    if len(word) == 1:
        return word in "aAI"
    if len(word) > 18 or _CAMEL.search(word):
        return False
    return word.isupper() or any(c in _VOWELS for c in word)


def quality(text: str) -> Quality:
    words = []
    for token in text.split():
        stripped = token.strip(_TOKEN_EDGES)
        if any(c.isalpha() for c in stripped):
            words.append(stripped)
    if not words:
        return Quality(0, 0.0, 0.0, 0.0, 0.0)
    return Quality(
        words=len(words),
        dictionary_like=sum(1 for w in words if _dictionary_like(w)) / len(words),
        mean_length=sum(len(w) for w in words) / len(words),
        one_letter=sum(1 for w in words if len(w) == 1) / len(words),
        control=len(_ODD_CONTROL.findall(text)) / max(1, len(text)),
    )


def repair_spacing(text: str) -> str:
    """Line breaks as "\\n"; mixed tab/carriage-return/no-break word gaps as one space."""
    text = text.replace("\r\n", "\n")
    text = _GAP.sub(_word_gap, text)
    return text.replace("\r", "\n")


def _word_gap(match: re.Match[str]) -> str:
    """A tab, or a carriage return mixed with other blanks, is a word gap; a lone carriage
    return is a line break (classic Mac line ends); other runs are left to the cleaner."""
    gap = match.group()
    if "\t" in gap or ("\r" in gap and gap.strip("\r")):
        return " "
    return gap


@dataclass(frozen=True)
class PageReading:
    """The text kept for one page and which extractor produced it."""

    text: str
    source: str
    quality: Quality

    @property
    def usable(self) -> bool:
        return self.quality.usable


def better_reading(readings: list[tuple[str, str]]) -> PageReading:
    """The best of (source, raw text) readings of a page; the first wins unless clearly beaten."""
    best: PageReading | None = None
    for source, raw in readings:
        text = repair_spacing(raw)
        reading = PageReading(text, source, quality(text))
        if best is None:
            best = reading
            continue
        beaten = reading.quality.score > best.quality.score + MARGIN
        if beaten or (not best.usable and reading.usable):
            best = reading
    assert best is not None
    return best


# -- whether a page's layout reading is worth making, and worth keeping --------------------

_LONG_WORD = re.compile(r"[^\W\d_]{3,}")
SAME_WORDS = 0.98  # share of the layout reading's words the plain reading must also have


def says_the_same(layout: str, plain: str) -> bool:
    """The layout reading has the plain reading's words: a header split mid-word over two
    lines ("Forec" / "ast Spend") or cells cut through words show up as words the page lacks."""
    known = {w.lower() for w in _LONG_WORD.findall(plain)}
    words = [w.lower() for w in _LONG_WORD.findall(layout)]
    return bool(words) and sum(w in known for w in words) >= SAME_WORDS * len(words)


_FIGURE_TOKEN = re.compile(r"(?<![\w/])[(£$€+-]?\d[\d,.]*%?\)?(?![\w/])")


def may_hold_table(plain: str) -> bool:
    """A page's plain reading hints at a table: lines holding two or more figures, or many
    short lines (cells). Only such pages pay for the layout reading, which costs several times
    the plain one."""
    lines = [line for line in plain.split("\n") if line.strip()]
    figures = sum(1 for line in lines if len(_FIGURE_TOKEN.findall(line)) >= 2)
    short = sum(1 for line in lines if len(line.split()) <= 4)
    return figures >= 2 or short >= 10
