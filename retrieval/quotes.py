"""Verbatim quotes: the part of a chunk that best supports a claim, at most ~300 characters."""

from __future__ import annotations

import re

from ingest.line_roles import sentence_spans
from retrieval.text import terms

MAX_QUOTE = 300
_CLAUSE_END = re.compile(r"[,;:–—]\s+|\s+-\s+")
_MARKER = re.compile(r"^\s*(?:[-*•§]\s+)?(?:\d{1,2}(?:\.\d{1,3})+\.?\s+|\(?[a-z]{1,2}[.)]\s+)?")


def trim(
    text: str,
    start: int,
    end: int,
    focus: set[str],
    limit: int = MAX_QUOTE,
    must: set[str] = frozenset(),
) -> tuple[int, int]:
    """Narrow [start, end) of `text` to at most `limit` characters around the words in `focus`.

    Words in `must` (the answer itself: a name, a date, a figure) weigh more than the
    question's words, so the cut keeps them. Cuts fall at clause boundaries where possible,
    else at word boundaries; the span stays a verbatim piece of `text`.
    """
    focus = set(focus) | set(must)
    # Skip list markers and paragraph numbers: "- 4.2 The group..." quotes from "The group".
    marker = _MARKER.match(text, start, end)
    if marker and marker.end() < end:
        start = marker.end()
    if end - start <= limit:
        return start, end
    cuts = [start] + [m.end() for m in _CLAUSE_END.finditer(text, start, end)] + [end]
    best, best_score = (start, start), -1.0
    for i, a in enumerate(cuts):
        for b in cuts[i + 1 :]:
            if b - a > limit:
                break
            found = set(terms(text[a:b]))
            score = len(focus & found) + 3 * len(must & found) + (b - a) / (10 * limit)
            if score > best_score:
                best, best_score = (a, b), score
    a, b = best
    if b - a < limit // 3:
        # No clause boundaries to use: a window of whole words around the first focus word.
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
        words = [(s + start, e + start) for s, e in words]
        hit = next((i for i, (s, e) in enumerate(words) if set(terms(text[s:e])) & must), None)
        if hit is None:
            hit = next((i for i, (s, e) in enumerate(words) if set(terms(text[s:e])) & focus), 0)
        first = hit
        while first > 0 and words[hit][1] - words[first - 1][0] <= limit * 0.4:
            first -= 1
        last = hit
        while last + 1 < len(words) and words[last + 1][1] - words[first][0] <= limit:
            last += 1
        a, b = words[first][0], words[last][1]
    return a, b


def best_quote(text: str, claim: str, limit: int = MAX_QUOTE) -> str:
    """The sentence of `text` sharing most words with `claim`, trimmed to `limit` characters.

    >>> best_quote("Glasgow leads waste. Renfrewshire leads care.", "who leads care")
    'Renfrewshire leads care.'
    """
    focus = set(terms(claim))
    spans = sentence_spans(text) or [(0, len(text))]
    start, end = max(spans, key=lambda s: (len(focus & set(terms(text[s[0] : s[1]]))), -s[0]))
    a, b = trim(text, start, end, focus, limit)
    return text[a:b]
