"""Word-level text helpers shared by the lexical index, query rewriting and answer selection."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves also may might must shall whose
    tell me please know give show find list name any anyone anybody something one ones""".split()  # noqa: SIM905
)

# £240K, 12A, 2.5, iESE, RSe, e-mail: keep digits/letters together, drop currency marks.
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*[a-z]*|[a-z]+(?:['’][a-z]+)?", re.IGNORECASE)


def stem(word: str) -> str:
    """A deliberately light English stemmer: plurals and possessives only.

    Heavier stemming merges terms officers search for exactly (e.g. "services" vs "serviced").
    """
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens, numbers kept whole ("240k", "2.5", "12a")."""
    return [t.lower().replace(",", "") for t in _TOKEN.findall(text)]


def terms(text: str) -> list[str]:
    """Index terms: stemmed words without stopwords."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
