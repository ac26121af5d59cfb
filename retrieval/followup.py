"""Follow-up questions: rewrite an elliptical question into a standalone one, without an LLM.

"And who leads the back office one?" after "Which councils lead the waste management work stream
in the Clyde Valley?" becomes "Who leads the back office work stream in the Clyde Valley?": the
pronoun-like "one" takes the head noun of the earlier question, and the earlier question's
setting (its named places, bodies and papers) is carried forward when the new one names none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from retrieval.text import STOPWORDS, stem, terms, words

_LEADING = re.compile(
    r"^\s*(?:and|but|also|so|ok(?:ay)?|then|what about|how about|and what about|and how about)\b[\s,]*",
    re.IGNORECASE,
)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<rest>.+?)\s*\??\s*$", re.I)
_ONE = re.compile(r"\b(?P<mod>(?:[\w-]+\s+){1,3}?)(?P<one>ones?)\b", re.IGNORECASE)
_PRONOUN = re.compile(
    r"\b(?:it|its|they|them|their|this|that|these|those|there|he|she|his|her)\b", re.I
)
_PREPOSITIONS = ("in", "of", "for", "on", "at", "by", "about", "from", "within", "across", "under")
_VERBS_AFTER_WH = re.compile(
    r"^\s*(?:which|what|who|whom|how|when|where|why|has|have|did|does|do|is|are|was|were|can|could|"
    r"will|would|should)\b",
    re.IGNORECASE,
)


# Verbs that say little about what a question is about: not worth carrying into a follow-up.
_LIGHT_VERBS = frozenset(
    """want wants wanted use uses used using need needs needed make makes made take takes took get
    gets got go goes went happen happens happened include includes included""".split()  # noqa: SIM905
)


class ChatRewriter(Protocol):
    """An LLM-backed rewriter: returns a standalone question or raises on failure."""

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str: ...


def _user_turns(history: Sequence[dict[str, str]] | None) -> list[str]:
    return [str(m.get("content", "")) for m in history or () if m.get("role") == "user"]


def _capitalised_phrases(text: str) -> list[str]:
    """Named things in a question ("Clyde Valley", "Harborough", "WETT"), sentence start excluded."""
    found = re.findall(
        r"(?<!^)(?<![.?!]\s)\b([A-Z][\w'’&-]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w'’&-]*)*)", text
    )
    return [f for f in found if f.lower() not in STOPWORDS]


def _setting(question: str) -> str:
    """The trailing prepositional phrase that names a setting: "in the Clyde Valley"."""
    for prep in _PREPOSITIONS:
        m = re.search(rf"\b{prep}\s+(?:the\s+)?[A-Z][^?]*", question)
        if m:
            return m.group(0).strip().rstrip("?. ")
    return ""


def _head_noun(question: str) -> str:
    """Head of the main noun phrase: "work stream" in "...lead the waste management work stream in..."."""
    question = re.sub(r"\s*\([^)]*\)", "", question)  # carried context is not the subject
    counted = re.search(r"\bhow\s+many\s+([a-z][\w-]*)", question, re.I)
    if counted:
        # "How many stages does it have?" is about stages; "the first one" is a stage.
        noun = counted.group(1)
        return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    body = re.split(rf"\s+(?:{'|'.join(_PREPOSITIONS)})\s+", question.rstrip("?. "))[0]
    tokens = [w for w in re.findall(r"[\w'’-]+", body)]
    content = []
    for token in reversed(tokens):
        if token.lower() in STOPWORDS:
            break
        content.append(token)
    content.reverse()
    if not content:
        return ""
    return " ".join(content[-2:]) if len(content) >= 3 else content[-1]


def is_elliptical(question: str) -> bool:
    """True when the question leans on earlier turns for what it is about."""
    if _LEADING.match(question) or _ONE.search(question) or _PRONOUN.search(question):
        return True
    return len(terms(question)) <= 2


def rewrite_followup(question: str, history: Sequence[dict[str, str]] | None) -> str:
    """Standalone form of `question` given earlier turns; unchanged when it stands alone.

    >>> rewrite_followup("And who leads the back office one?",
    ...     [{"role": "user", "content": "Which councils lead the waste management work stream in the Clyde Valley?"}])
    'Who leads the back office work stream in the Clyde Valley?'
    """
    previous = _user_turns(history)
    if not previous or not is_elliptical(question):
        return question.strip()
    # Resolve the earlier turns first, so a chain of follow-ups keeps its subject.
    context = previous[0]
    for turn in previous[1:]:
        context = rewrite_followup(turn, [{"role": "user", "content": context}])

    m = _WHAT_ABOUT.match(question)
    if m:
        return _swap_subject(context, m.group("rest"))

    text = _LEADING.sub("", question).strip()
    if not _VERBS_AFTER_WH.match(text) and len(terms(text)) <= 4:
        # A bare noun phrase ("and the back office one?") asks the earlier question again.
        return _swap_subject(context, text)
    head = _head_noun(context)
    one = _ONE.search(text)
    if one and head:
        noun = head if one.group("one").lower() == "one" else _plural(head)
        text = text[: one.start("one")] + noun + text[one.end("one") :]
    setting, about = "", []
    if not _capitalised_phrases(text):
        setting = _setting(context)
        if setting.lower() in text.lower():
            setting = ""
        if not setting:
            about.extend(p for p in _capitalised_phrases(context) if p.lower() not in text.lower())
    if (not one and _PRONOUN.search(text)) or len(terms(text)) <= 2:
        # "When was it agreed?": keep the earlier question's content words as context.
        known = set(terms(text)) | set(terms(setting)) | set(terms(" ".join(about)))
        carried = [
            w
            for w in words(context)
            if w not in STOPWORDS and w not in _LIGHT_VERBS and stem(w) not in known
        ]
        if carried:
            about.append(" ".join(dict.fromkeys(carried)))
    text = text.rstrip(" ?.")
    if setting:
        text = f"{text} {setting}"
    if about:
        text = f"{text} ({', '.join(dict.fromkeys(about))})"
    return text[:1].upper() + text[1:] + "?"


def _plural(noun: str) -> str:
    return noun if noun.endswith("s") else noun + "s"


def _swap_subject(context: str, rest: str) -> str:
    """ "What about Harborough?" after "Has Bromsgrove agreed to share a chief executive?"."""
    rest = rest.strip().rstrip("?. ")
    same_kind = re.fullmatch(r"(?:the\s+)?(?P<mod>.+?)\s+ones?", rest, re.IGNORECASE)
    if same_kind:
        rest = same_kind.group("mod")
    named = _capitalised_phrases(context)
    if rest[:1].isupper() and named:
        # Replace the earlier question's named subject with the new one.
        return context.replace(named[0], rest, 1)
    head = _head_noun(context)
    if head and not rest[:1].isupper():
        # "what about back office?" — a new modifier for the same kind of thing.
        stem_words = context.rstrip("?. ")
        before_head = stem_words[: stem_words.find(head)] if head in stem_words else ""
        m = re.search(r"\bthe\s+([\w\s-]+?)\s*$", before_head)
        if m:
            return context.replace(m.group(1) + " " + head, rest + " " + head, 1)
    return f"{context.rstrip('?. ')} — {rest}?"
