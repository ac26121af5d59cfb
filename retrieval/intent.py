"""What a question asks, shared by retrieval and answering: the kind of answer it wants, the
paper sections that hold such answers, and acronyms to spell out.

"What is the Harborough report about?" is answered from a paper's statement of purpose, "What
did the board recommend?" from its recommendations, "What does WETT stand for?" from the place
where the paper spells WETT out. Search uses this to bring those passages forward; the answerer
uses it to choose and present them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from retrieval.text import STOPWORDS, terms

# (kind, pattern) in order of precedence: the first that matches names the kind.
WANTS = [
    (
        "document",
        re.compile(
            r"\b(?:what\s+(?:is|was)\s+(?:the\s+)?.{0,60}\b(?:report|paper|document|strategy)\b.{0,50}"
            r"\b(?:about|for(?=\s*\?*\s*$))|"
            r"purpose\s+of|summar(?:ise|ize)\b|\bsummary\s+of\b|overview\s+of|what\s+does\s+the\s+.{0,40}(?:report|paper)"
            r"\s+(?:say|cover|propose))\b",
            re.I,
        ),
    ),
    (
        "when",
        re.compile(
            r"^\s*(?:and\s+)?when\b|\bwhat\s+(?:date|year|month|day|time)\b|\b(?:its|the)\s+date\b|"
            r"\bwhich\s+(?:date|year|month)"
            r"\b|\bby\s+when\b|\bhow\s+soon\b|\btimescale|\bdeadline\b",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow\s+(?:many|much|long|big)\b|\b(?:what|which)\s+(?:\S+\s+){0,6}?(?:cost|amount|"
            r"value|budget|savings?|figure|total|percentage|sum|price|population|salary|rate|"
            r"proportion|speed|number|share)\b|£",
            re.I,
        ),
    ),
    (
        "who",
        re.compile(
            r"^\s*(?:and\s+)?who\b|\bwhom\b|\bwhose\b|\bwhich\s+(?:councils?|authorit\w+|officers?|"
            r"organisations?|compan\w+|bod(?:y|ies)|partners?|consultan\w+|firms?|contractors?|"
            r"person|people|members?|"
            r"districts?|group)\b|\bwhich\s+(?:\w+\s+){0,2}(?:director|officer|manager|executive|"
            r"councillor|chair\w*|leader)\b|\bcontact\s+officer\b|\bname\s+of\b",
            re.I,
        ),
    ),
    (
        "decision",
        re.compile(
            r"\b(?:recommend\w*|decid\w*|decision|resol\w+|agree[ds]?|approv\w+|endors\w+|asked\s+to)\b",
            re.I,
        ),
    ),
]
_REFERENCE_ASKED = re.compile(r"\breport\s+(?:number|no\b|ref)|\breference\b", re.I)


def question_kind(question: str) -> str:
    """who | when | number | decision | document | what: the kind of answer the question wants."""
    kind = next((kind for kind, pattern in WANTS if pattern.search(question)), "what")
    if kind == "number" and _REFERENCE_ASKED.search(question):
        return "what"  # a report number is a reference, not a quantity
    return kind


def asks_reference(question: str) -> bool:
    """ "What is the report number?" asks for the paper's own reference."""
    return bool(_REFERENCE_ASKED.search(question))


PURPOSE = re.compile(
    r"\b(?:purpose\s+of\s+this\s+(?:report|paper)|this\s+(?:report|paper)\s+(?:outlines|sets\s+out|"
    r"provides|seeks|updates|asks|summarises|describes)|(?:report|paper)\s+is\s+to\b)",
    re.I,
)
PURPOSE_SECTION = re.compile(r"purpose|summary|introduction|overview|conclusion", re.I)
DECISION_SECTION = re.compile(r"recommend|decision|resolution|resolved|conclusion", re.I)
RECOMMENDATION_SECTION = re.compile(r"recommend|decision|resolution|resolved", re.I)
_ACRONYM_QUESTION = re.compile(
    r"\b(?i:what|who)\s+(?i:does|do|is|are|was|were)\s+(?i:the\s+|an?\s+)?"
    r"(?P<a>[A-Za-z]*[A-Z][A-Za-z]*)(?:\s+(?i:stand\s+for|mean|in\b.*)|\s*\??\s*$)|"
    r"\b(?i:meaning\s+of)\s+(?P<b>[A-Za-z]*[A-Z]\w*)",
)


def acronym_asked(question: str) -> str:
    """ "What does WETT stand for?" → "WETT"; "What is iESE?" → "iESE"; else ""."""
    m = _ACRONYM_QUESTION.search(question)
    word = (m.group("a") or m.group("b")) if m else ""
    return word if sum(c.isupper() for c in word) >= 2 else ""


def definitions(acronym: str, text: str) -> Iterator[tuple[int, str]]:
    """Where `text` spells the acronym out: (offset, expansion), e.g. "Improvement and Efficiency
    South East (iESE)" → "Improvement and Efficiency South East"."""
    pattern = re.compile(
        rf"(?P<x>(?:[A-Z][\w’']*[ -](?:(?:and|of|for|the|&)[ -])?){{1,8}})\(\s*{re.escape(acronym)}\s*\)"
    )
    initials = acronym.lower()
    for m in pattern.finditer(text):
        words = m.group("x").split()
        # The shortest tail of capitalised words whose initials spell the acronym.
        for i in range(len(words)):
            if not words[i][0].isupper():
                continue
            tail = [w for w in words[i:] if w[0].isupper()]
            spelled = "".join(w[0].lower() for w in tail)
            if spelled.startswith(initials[: len(tail)]) and len(tail) >= min(len(initials), 2):
                yield m.start(), " ".join(words[i:])
                break


# Words committee papers use for the same thing: a question's word is met by any of them. Each
# entry: a pattern of the question and, for each of its terms, the words that also meet it.
_SAME_MEANING = [
    (re.compile(r"\bchief\s+executives?\b", re.I), {"chief": "ceo", "executive": "ceo"}),
    (re.compile(r"\bceos?\b", re.I), {"ceo": "chief executive"}),
    (re.compile(r"\bcllr\b", re.I), {"cllr": "councillor"}),
    (re.compile(r"\bset(?:ting)?\s+up\b", re.I), {"set": "establish establishment create"}),
    (re.compile(r"\bbody\b", re.I), {"body": "board committee panel group"}),
    (re.compile(r"\bmembers\b", re.I), {"members": "councillors"}),
    (re.compile(r"\b(?:took|take|taking)\s+part\b", re.I), {"part": "participate participating"}),
    (re.compile(r"\bco-?lead", re.I), {"co": "joint"}),
]


def alternatives(question: str) -> dict[str, frozenset[str]]:
    """For each term of the question that has other words of the same meaning, those words."""
    out: dict[str, frozenset[str]] = {}
    for pattern, words_for in _SAME_MEANING:
        if pattern.search(question):
            for word, others in words_for.items():
                for term in terms(word):
                    out[term] = out.get(term, frozenset()) | frozenset(terms(others))
    return out


_PART_SPLIT = re.compile(
    r"(?:,|;)?\s+and\s+(?=(?:how|what|which|who|whom|when|where|whose|is|are|was|were|does|did|"
    r"has|have)\b)|;\s+",
    re.I,
)


def question_parts(question: str) -> list[str]:
    """A question asking two things split in two ("…, and how many members would it have?");
    a part that only makes sense with the first borrows the first part's named words."""
    pieces = [p.strip(" ,;?") for p in _PART_SPLIT.split(question) if p.strip(" ,;?")]
    if len(pieces) < 2 or any(len(p.split()) < 3 for p in pieces):
        return [question]  # "When and where is the next meeting?" is one question
    named = " ".join(_named_words(pieces[0]))
    return [pieces[0] + "?"] + [
        f"{p} ({named})?" if named and not _named_words(p) else f"{p}?" for p in pieces[1:]
    ]


def _named_words(text: str) -> list[str]:
    """Capitalised words past the first: the places, bodies and papers a question names."""
    tokens = re.findall(r"[A-Za-z][\w'’&-]*", text)
    return [t for t in tokens[1:] if t[0].isupper() and t.lower() not in STOPWORDS]
