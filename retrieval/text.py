"""Word-level text helpers shared by the lexical index, query rewriting and answer selection."""

from __future__ import annotations

import re
from functools import lru_cache

from ingest import lexicon

STOPWORDS = lexicon.words("stopwords")

# £240K, 12A, 2.5, iESE, RSe, e-mail: keep digits/letters together, drop currency marks.
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*[a-z]*|[a-z]+(?:['’][a-z]+)?", re.IGNORECASE)


_VOWEL = re.compile(r"[aeiouy]")
_DOUBLE = re.compile(r"([b-df-hj-km-np-tv-xz])\1$")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light English stemmer: plurals, possessives, -ed, -ing and a final -e.

    "agreed", "agree" and "agreeing" meet at "agre"; "planned" and "plans" at "plan". Codes
    and numbers ("12a", "240k", "2.5") are left alone. Heavier stemming would merge words
    that officers search for exactly.
    """
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if not word.isalpha() or len(word) <= 3:
        return word
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if _VOWEL.search(base):
                word = (
                    base[:-1]
                    if _DOUBLE.search(base) and not base.endswith(("ll", "ss", "zz"))
                    else base
                )
            break
    if len(word) > 3 and word.endswith("e"):
        word = word.rstrip("e") if len(word.rstrip("e")) >= 3 else word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens, numbers kept whole ("240k", "2.5", "12a")."""
    return [t.lower().replace(",", "") for t in _TOKEN.findall(text)]


def terms(text: str) -> list[str]:
    """Index terms: stemmed words without stopwords."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def split_compounds(tokens: list[str], known, keep: bool = False) -> list[str]:
    """Split a term into two the index knows: "workstream" → "work", "stream".

    `known(term)` says whether the index holds a term; users write "workstream" or "backoffice"
    where papers write two words, and the other way round. With `keep`, a compound the index
    also knows stays beside its parts.
    """
    out: list[str] = []
    for token in tokens:
        parts = _split(token, known) if token.isalpha() and len(token) >= 6 else None
        if parts is None:
            out.append(token)
            continue
        if keep and known(token):
            out.append(token)
        out.extend(parts)
    return out


def _split(token: str, known) -> tuple[str, str] | None:
    for cut in range(3, len(token) - 2):
        left, right = stem(token[:cut]), stem(token[cut:])
        if known(left) and known(right) and left not in STOPWORDS and right not in STOPWORDS:
            return left, right
    return None


def names_different_papers(names) -> bool:
    """Whether the names a question gives papers (`Catalog.naming_terms` met by the question) pick out two papers by
    different words ("Leicestershire … and Bromsgrove …"), not one word shared by several
    papers ("Bristol") or one name inside another."""
    names = {n for n in names if n}
    return len(names) >= 2 and not any(a < b for a in names for b in names)
