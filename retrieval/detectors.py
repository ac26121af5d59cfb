"""What a piece of a paper holds: dates, amounts, counts, people, firms, decisions, votes, motions.

Each detector is a general fact about how committee papers write things ("£1.2m", "12 March
2024", "Cllr Jane Smith", "… Ltd", "RESOLVED that", "CARRIED (8 for, 1 against)", "moved by Cllr
West, seconded by Cllr North"); the features of an answer unit are built from them.

>>> bool(VOTE.search("The motion was CARRIED (8 voting for, 1 against)."))
True
"""

from __future__ import annotations

import re

from ingest import lexicon
from retrieval.question import PURPOSE, Question
from retrieval.text import STOPWORDS, terms

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b,?\s*(?:\d{{2,4}})?|\b{_MONTH}\s+\d{{4}}\b|"
    rf"\b{_MONTH}\s+'?\d{{2}}\b|\b(?:19|20)\d\d(?:/\d\d)?\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|"
    rf"\b(?:spring|summer|autumn|winter)\s+(?:19|20)\d\d\b|\b(?:between|from|in|by|until|during)\s+"
    rf"(?:early\s+|late\s+|mid-?\s*)?(?:January|February|March|April|May|June|July|August|"
    rf"September|October|November|December)\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|"
    rf"\b\d{{1,2}}(?:[.:]\d{{2}})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{{1,2}}:\d{{2}}\b",
    re.IGNORECASE,
)
MONEY = re.compile(
    r"[£$€]\s?\d|\b\d[\d,.]*\s*(?:k|m|bn|million|billion|thousand)\b|\b(?:pounds|dollars|euros)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(
    rf"[£$€]\s?\d[\d,.]*\s*(?:k|m|bn|million|billion)?|\b\d[\d,.]*\s*(?:%|per\s?cent|k\b|m\b|"
    rf"million|billion)|\b\d{{1,3}}(?:,\d{{3}})+\b|\b\d+(?:\.\d+)?\b|"
    rf"{lexicon.alternation('number_words')}\s+(?:[a-z-]+\s+)?[a-z]{{3,}}s\b",
    re.IGNORECASE,
)
_PARAGRAPH_LABEL = re.compile(r"^\(?\d{1,2}(?:\.\d{1,3}){1,3}\.?\)?$")
# A number that labels a part of a paper ("Appendix 2", "item 7", "(3)", "para 4.1") is no figure.
_LABEL_BEFORE = re.compile(
    r"(?:\b(?:appendix|annex|item|items|para|paragraph|section|page|minute|no|number|ref|"
    r"recommendation|option|stage|phase|table|figure|chapter|part)\.?|[(\[])\s*$",
    re.I,
)
DECISION = re.compile(
    rf"{lexicon.alternation('decision_cues')}|\bit\s+is\s+recommended\b|\basked\s+to\b|\bnote[sd]?\b",
    re.I,
)
VOTE = re.compile(
    r"\bCARRIED\b|\bLOST\b|"
    r"(?i:\b(?:motion|amendment|resolution|recommendations?|it)\s+(?:was\s+|were\s+)?"
    r"(?:carried|passed|failed|lost|defeated)\b)|"
    r"(?i:\b(?:carried|passed|approved|agreed)\s+(?:unanimously|by\s+\d|\(|\d))|"
    r"(?i:\bunanimous(?:ly)?\b)|"
    r"(?i:\b\d+\s+(?:members?\s+)?(?:voting\s+|votes?\s+)?(?:for|in\s+favou?r|against|abstentions?|abstained)\b)|"
    r"(?i:\b(?:for|against|abstain(?:ed)?|abstentions?)\s*[:=(]?\s*\d+\b)|(?i:\ball\s+in\s+favou?r\b)|"
    r"\b\d\s*[-–]\s*\d\b(?=[^.]{0,30}(?i:vote|passed|carried|approved))|"
    r"(?i:\b\d\s*[-–]\s*\d\s+vote\b)|(?i:\b(?:ayes|nays|yea|nay)\b)|"
    r"(?i:\b(?:put\s+to\s+(?:the|a)\s+vote|voted|voting\s+(?:for|against|in)|recorded\s+vote)\b)"
)
MOTION = re.compile(
    r"\b(?:moved|seconded|proposed)\s+by\b|\b(?:mover|seconder|proposer)\b|"
    r"\((?i:motion|moved|second|seconded|mover|seconder)\)|"
    r"\b(?i:motion|moved|proposed|proposer|second|seconded|seconder)\s*(?i:by\s*)?[:–]\s*[A-Z]|"
    r"\b[A-Z][\w'’-]+\s+(?:moved|seconded|proposed)\b|\bmade\s+(?:a|the)\s+motion\b|"
    r"\bmotion\s+(?:to|was|by|made)\b|\b(?:moved|seconded)\s+(?:the|that|a)\b",
)
_TITLES = frozenset(lexicon.cased("person_titles"))
_TITLE_RE = "|".join(sorted((re.escape(t) for t in _TITLES), key=len, reverse=True))
PERSON = re.compile(
    rf"\b(?:(?:{_TITLE_RE})\.? +)?[A-Z][a-z]+(?: +[A-Z]\.)? +(?:Mc|Mac|O’|O')?[A-Z][a-z]+\b|"
    rf"\b[A-Z]\. ?(?:Mc|Mac|O’|O')?[A-Z][a-z]{{2,}}\b"  # "B. Munro", "J.Smith"
)
_NOT_NAME = frozenset(terms(" ".join(sorted(lexicon.words("not_name_words")))))
ENTITY = re.compile(
    rf"\b(?:[A-Z][a-z]+\s+){{0,3}}(?:{'|'.join(lexicon.cased('entity_heads'))})\b|"
    rf"\b(?:{_TITLE_RE})\.?\s+[A-Z]\w+|\b[A-Z][a-z]+(?:\s+(?:and\s+)?[A-Z][a-z]+)+\b|\b[A-Z]{{2,}}\b"
)
COMPANY = re.compile(
    rf"\b[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*\s+(?:{'|'.join(lexicon.cased('company_suffixes'))})\b"
)
_ORGANISATION_AFTER = re.compile(rf"\s+(?:{'|'.join(lexicon.cased('entity_heads'))})\b")
_ADDRESS = re.compile(r"\S+@\S+|\bwww\.\S+|https?://\S+")
_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]+\b")


def lower_words(text: str) -> list[str]:
    """Words written in lower case (e-mail and web addresses aside): such words are not names."""
    return _LOWER_WORD.findall(_ADDRESS.sub(" ", text))


_FIGURE_CELL = re.compile(r"[(+-]?\d[\d,.]*\)?\*?")


def _table_figure(text: str) -> bool:
    """A figure in a table row's cells: amounts in a table leave their currency to the header
    or the title ("£000", "Budget"), so "Hall Hire<TAB>150<TAB>130" gives amounts."""
    row = text.split("\n", 1)[0].split("\t")
    return len(row) > 1 and any(_FIGURE_CELL.fullmatch(c.strip()) for c in row[1:])


def has_figure(q: Question, text: str) -> bool:
    """An amount of money for "how much", a count (not a price) for "how many", else a number
    that is not a paragraph label."""
    if q.money:
        return bool(MONEY.search(text)) or _table_figure(text)
    found = [
        m.group(0)
        for m in NUMBER.finditer(text)
        if not _PARAGRAPH_LABEL.match(m.group(0))
        and not _LABEL_BEFORE.search(text[max(0, m.start() - 14) : m.start()])
    ]
    if q.count:
        return any(not f.lstrip().startswith(("£", "$", "€")) for f in found)
    return bool(found)


def measured(q: Question, text: str) -> bool:
    """A number within a few words of the quantity the question asks about ("population")."""
    if not q.measure:
        return False
    tokens = text.split()
    places = [i for i, t in enumerate(tokens) if set(terms(t)) & {q.measure}]
    numbers = [
        i
        for i, t in enumerate(tokens)
        if re.search(r"\d", t) and not (i < 2 and _PARAGRAPH_LABEL.match(t))
    ]
    return any(abs(i - j) <= 6 for i in places for j in numbers)


def people(text: str, common: set[str] = frozenset(), named: set[str] = frozenset()) -> list[str]:
    """Personal names ("Jane Smith", "Cllr Sarah West"), not councils or job titles.

    A capitalised pair is a name only if none of its words is one the papers also write in
    lower case (`common`: "Future Plans", "Human Resources" are not people) and the question
    did not name it already (`named`: the answer is someone the question does not name).
    """
    out = []
    for m in PERSON.finditer(text):
        found = m.group(0)
        if _ORGANISATION_AFTER.match(text, m.end()):
            continue  # "East Westleigh Council", "Friends Park Trust": a body, not a person
        parts = [w.lower() for w in found.split() if w.rstrip(".") not in _TITLES]
        found_terms = set(terms(found))
        if (
            found_terms & _NOT_NAME
            or any(w in STOPWORDS or w in common for w in parts)
            or (named and found_terms <= named)
        ):
            continue
        out.append(found)
    return out


def entities(text: str) -> list[str]:
    return [m.group(0) for m in ENTITY.finditer(text) if m.start() > 0 or len(m.group(0)) > 3]


def holds_answer_type(q: Question, text: str, common: set[str]) -> bool:
    """Whether `text` holds the kind of thing the question wants (True when it wants none)."""
    if q.wants == "when":
        return bool(DATE.search(text))
    if q.wants == "number":
        return has_figure(q, text)
    if q.wants == "who" and q.company:
        return bool(COMPANY.search(text))
    if q.wants == "who" and q.person:
        return bool(people(text, common, q.terms))
    if q.wants == "who":
        return bool(entities(text))
    if q.wants == "decision":
        return bool(DECISION.search(text))
    if q.wants == "document":
        return bool(PURPOSE.search(text))
    return True
