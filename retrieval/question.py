"""Question analysis, in one place for search and answers: what a question asks for.

"What is the Westshire report about?" wants a paper's statement of purpose, "What did the board
recommend?" its recommendations, "What does WSP stand for?" the place where the paper spells WSP
out, "Who seconded it?" a person named in a motion. Search uses this to bring those passages
forward; the answerer to choose and present them.

>>> q = Question.parse("Who seconded the motion to close the depot?")
>>> q.wants, q.person, q.motion
('who', True, True)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ingest import lexicon
from retrieval.text import STOPWORDS, split_compounds, terms, words

KINDS = ("document", "when", "number", "who", "decision", "what")


# (kind, pattern) in order of precedence: the first that matches names the kind.
WANTS = [
    (
        "document",
        re.compile(
            r"\b(?:what\s+(?:is|was)\s+(?:the\s+)?.{0,60}\b(?:report|paper|document|strategy)\b.{0,50}"
            r"\b(?:about|for(?=\s*\?*\s*$))|"
            r"purpose\s+of|summar(?:ise|ize)\b|\bsummary\s+of\b|overview\s+of|what\s+does\s+the\s+.{0,40}"
            r"(?:report|paper)\s+(?:say|cover|propose))\b",
            re.I,
        ),
    ),
    (
        "when",
        re.compile(
            r"^\s*(?:and\s+)?when\b|\bwhat\s+(?:date|year|month|day|time)\b|\b(?:its|the)\s+date\b|"
            r"\bwhich\s+(?:date|year|month|day)\b|\bby\s+when\b|\bhow\s+soon\b|\btimescale|"
            r"\bdeadline\b|\bat\s+what\s+time\b",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            rf"\bhow\s+(?:many|much|long|big|large)\b|\b(?:what|which)\s+(?:\S+\s+){{0,6}}?"
            rf"{lexicon.alternation('quantity_nouns')}|£|\$",
            re.I,
        ),
    ),
    (
        "who",
        re.compile(
            rf"^\s*(?:and\s+)?who\b|\bwhom\b|\bwhose\b|\bwhich\s+(?:\w+\s+){{0,2}}?"
            rf"(?:{lexicon.alternation('agent_nouns')}|{lexicon.alternation('role_words', plural=True)})|\bcontact\s+officer\b|"
            rf"\bname\s+of\b",
            re.I,
        ),
    ),
    ("decision", re.compile(rf"{lexicon.alternation('decision_cues')}|\basked\s+to\b", re.I)),
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


# How reports state their purpose, and the headings that hold purposes and decisions.
PURPOSE = re.compile(
    r"\b(?:purpose\s+of\s+this\s+(?:report|paper)|this\s+(?:report|paper)\s+(?:outlines|sets\s+out|"
    r"provides|seeks|updates|asks|summarises|describes|informs|presents)|"
    r"(?:report|paper)\s+is\s+to\b)",
    re.I,
)
PURPOSE_SECTION = re.compile(lexicon.alternation("purpose_sections"), re.I)
DECISION_SECTION = re.compile(
    rf"(?:{lexicon.alternation('decision_sections')}|\brecommend\w*|\bresol\w+)", re.I
)
RECOMMENDATION_SECTION = re.compile(r"recommend|decision|resolution|resolved", re.I)

_ACRONYM_QUESTION = re.compile(
    r"\b(?i:what|who)\s+(?i:does|do|is|are|was|were)\s+(?i:the\s+|an?\s+)?"
    r"(?P<a>[A-Za-z]*[A-Z][A-Za-z]*)(?:\s+(?i:stand\s+for|mean|in\b.*)|\s*\??\s*$)|"
    r"\b(?i:meaning\s+of)\s+(?P<b>[A-Za-z]*[A-Z]\w*)",
)


def acronym_asked(question: str) -> str:
    """ "What does WSP stand for?" → "WSP"; "What is eSWB?" → "eSWB"; else ""."""
    m = _ACRONYM_QUESTION.search(question)
    word = (m.group("a") or m.group("b")) if m else ""
    return word if sum(c.isupper() for c in word) >= 2 else ""


def asks_expansion(question: str) -> bool:
    """ "What does WSP stand for?" wants the words only; "What is eSWB?" wants the passage."""
    return bool(re.search(r"\bstands?\s+for\b|\bmeans?\b|\bmeaning\b", question, re.I))


def definitions(acronym: str, text: str) -> Iterator[tuple[int, str]]:
    """Where `text` spells the acronym out: (offset, expansion), e.g. "Westshire Schools
    Partnership (WSP)" → "Westshire Schools Partnership"."""
    pattern = re.compile(
        rf"(?P<x>(?:[A-Z][\w’']*[ -](?:(?:and|of|for|the|&)[ -])?){{1,8}})\(\s*{re.escape(acronym)}\s*\)"
    )
    initials = acronym.lower()
    for m in pattern.finditer(text):
        found = m.group("x").split()
        # The shortest tail of capitalised words whose initials spell the acronym.
        for i in range(len(found)):
            if not found[i][0].isupper():
                continue
            tail = [w for w in found[i:] if w[0].isupper()]
            spelled = "".join(w[0].lower() for w in tail)
            if spelled.startswith(initials[: len(tail)]) and len(tail) >= min(len(initials), 2):
                yield m.start(), " ".join(found[i:])
                break


def _same_meaning() -> list[tuple[re.Pattern[str], dict[str, str]]]:
    out = []
    for row in lexicon.rows("same_meaning"):
        joined = r"[\s-]*".join(map(re.escape, row["when"].split()))
        when = re.compile(rf"\b{joined}\b", re.I)
        out.append((when, {word: row["also"] for word in row["term"].split()}))
    return out


_SAME_MEANING = _same_meaning()


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
    r"(?:,|;)?\s+and\s+(?=(?:(?:at|in|on|by|for|to|from|with|under)\s+)?(?:how|what|which|who|"
    r"whom|when|where|whose|is|are|was|were|does|did|has|have)\b)|;\s+",
    re.I,
)


def question_parts(question: str) -> list[str]:
    """A question asking two things split in two ("…, and how many members would it have?");
    a part that only makes sense with the first borrows the first part's named words."""
    pieces = [p.strip(" ,;?") for p in _PART_SPLIT.split(question) if p.strip(" ,;?")]
    if len(pieces) < 2 or any(len(p.split()) < 3 for p in pieces):
        return [question]  # "When and where is the next meeting?" is one question
    named = " ".join(named_words(pieces[0]))
    return [pieces[0] + "?"] + [
        f"{p} ({named})?" if named and not named_words(p) else f"{p}?" for p in pieces[1:]
    ]


def named_words(text: str) -> list[str]:
    """Capitalised words past the first: the places, bodies, people and papers a question names."""
    tokens = re.findall(r"[A-Za-z][\w'’&-]*", text)
    return [t for t in tokens[1:] if t[0].isupper() and t.lower() not in STOPWORDS]


_EXACT = re.compile(r"£?\w*\d\w*|\b[A-Z]{2,}\w*|\b\w*[a-z][A-Z]\w*")


def exact_terms(question: str) -> list[str]:
    """Tokens a user means literally: with digits, acronyms, mixed case (WSP, 12A, £240K, eSWB)."""
    found = []
    for match in _EXACT.finditer(question):
        found.extend(words(match.group(0)))
    return list(dict.fromkeys(found))


_LIST = re.compile(
    r"\b(?:list|name\s+the|what\s+(?:are|were)\s+the|which\s+\w+\s+(?:\w+\s+)?which|all\s+the|"
    r"(?:what|which)\s+(?!(?:do|does|did|is|are|was|were|has|have|the)\b)(?:\w+\s+){0,3}?\w+s\s+"
    r"(?:are|were|did|does|do|have|has)|which\s+\w+s\s+(?:are|were))\b",
    re.I,
)
_CROSS = re.compile(
    r"\b(?:any|each|which|what|other)\s+(?:councils|authorities|partnerships|papers|reports)\b|"
    r"\bacross\s+(?:the\s+)?(?:papers|reports|councils)\b|\b(?:has|have|did)\s+any\s+council\b",
    re.I,
)
# "How much will it cost?" asks for money; "by how much is it smaller?" for any difference.
_MONEY_ASKED = re.compile(
    rf"(?<!by\s)\bhow\s+much\s+(?!time\b|longer\b|more\b|less\b|smaller\b|bigger\b|"
    rf"larger\b|higher\b|lower\b)|{lexicon.alternation('money_cues')}|£|\$",
    re.I,
)
_COUNT_ASKED = re.compile(r"\bhow\s+many\b", re.I)
_PERSON_ASKED = re.compile(lexicon.alternation("person_cues"), re.I)
_ORGANISATION_ASKED = re.compile(
    rf"\bwhich\s+(?:\w+\s+)?{lexicon.alternation('organisation_cues')}", re.I
)
_COMPANY_ASKED = re.compile(lexicon.alternation("company_cues"), re.I)
_AUTHOR_ASKED = re.compile(
    r"\b(?:contact|author|wrote|written|prepared|report\s+by|signed|portfolio\s+holder)\b", re.I
)
_VOTE_ASKED = re.compile(
    rf"{lexicon.alternation('vote_cues')}|\bfor\s+and\s+against\b|\bhow\s+many\s+(?:\w+\s+)?(?:for|against)\b",
    re.I,
)
_MOTION_ASKED = re.compile(lexicon.alternation("motion_cues"), re.I)
_MEASURE = re.compile(
    rf"\b(?:what|which)\s+(?:is|was|are|were|will\s+be)?\s*(?:the\s+)?(?:\w+\s+){{0,2}}?"
    rf"(?P<m>{lexicon.alternation('quantity_nouns')})|\bhow\s+many\s+(?P<n>[a-z][\w-]*)",
    re.I,
)
_ROLE = re.compile(lexicon.alternation("role_words", plural=True), re.I)
FILLER = frozenset(terms(" ".join(sorted(lexicon.words("question_filler")))))


@dataclass
class Question:
    """What a question asks for: its terms, the kind of answer it wants and how it is shaped."""

    text: str
    terms: frozenset[str]
    wants: str  # who | when | number | decision | document | what
    is_list: bool = False
    cross: bool = False  # asks across councils or papers
    person: bool = False  # asks for a named person, not a council or a group
    company: bool = False  # asks for a firm
    money: bool = False  # asks for an amount of money
    count: bool = False  # "how many": a count, not a price
    acronym: str = ""  # "What does WSP stand for?": the acronym to expand
    reference: bool = False  # asks for a paper's report number or reference
    author: bool = False  # asks who wrote, signed or is the contact for a paper
    vote: bool = False  # asks how a vote went
    motion: bool = False  # asks who moved or seconded
    measure: str = ""  # the quantity asked about ("population", "premium"), stemmed
    roles: frozenset[str] = frozenset()  # job titles the question names ("director")
    named: frozenset[str] = frozenset()  # terms of capitalised words (places, bodies, people)
    exact: tuple[str, ...] = ()  # codes, numbers and acronyms meant literally
    alternatives: dict[str, frozenset[str]] = field(default_factory=dict)  # term → same meaning
    papers: tuple[str, ...] = ()  # papers the question names by different words, each to answer

    @classmethod
    def parse(cls, text: str, known: Callable[[str], bool] | None = None) -> Question:
        """Analyse a question; with `known` (is a term in the papers?), compounds are split as
        the papers write them ("workstream" → "work", "stream")."""
        wants = question_kind(text)
        found = [t for t in terms(text) if t not in FILLER]
        measure = _MEASURE.search(text) if wants == "number" else None
        roles = frozenset(terms(" ".join(_ROLE.findall(text))))
        return cls(
            text=text,
            terms=frozenset(split_compounds(found, known) if known else found),
            wants=wants,
            is_list=bool(_LIST.search(text)),
            cross=bool(_CROSS.search(text)),
            person=wants == "who"
            and bool(_PERSON_ASKED.search(text))
            and not _ORGANISATION_ASKED.search(text),
            company=wants == "who" and bool(_COMPANY_ASKED.search(text)),
            money=wants == "number" and bool(_MONEY_ASKED.search(text)),
            count=wants == "number" and bool(_COUNT_ASKED.search(text)),
            acronym=acronym_asked(text),
            reference=asks_reference(text),
            author=wants == "who" and bool(_AUTHOR_ASKED.search(text)),
            vote=bool(_VOTE_ASKED.search(text)),
            motion=bool(_MOTION_ASKED.search(text)),
            measure=next(iter(terms(measure.group("m") or measure.group("n"))), "")
            if measure
            else "",
            roles=roles,
            named=frozenset(t for w in named_words(text) for t in terms(w)),
            exact=tuple(exact_terms(text)),
            alternatives=alternatives(text),
        )
