"""The engine's word lists, read from the one reviewed data file `ingest/lexicon.toml`.

Every list there says, beside its words, what general fact about committee papers (or about the
English of questions) it encodes; none names a council, place or topic of any particular paper.
Ingestion and retrieval both read it; code keeps only the patterns of how papers lay things out.

>>> "county" in words("council_types")
True
>>> pattern("money_words").search("a budget of £2m")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")


class LexiconError(ValueError):
    """The lexicon file is malformed: a list without its reason, or a list that is not there."""


@functools.cache
def _data() -> dict[str, Any]:
    with LEXICON_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    for name, entry in data.items():
        rows = entry if isinstance(entry, list) else [entry]
        for row in rows:
            if not isinstance(row, dict) or not str(row.get("why", "")).strip():
                raise LexiconError(f"{LEXICON_FILE.name}: [{name}] needs a `why` for each entry.")
    return data


def names() -> list[str]:
    """Every list in the file."""
    return list(_data())


def entry(name: str) -> Any:
    try:
        return _data()[name]
    except KeyError:
        raise LexiconError(f"{LEXICON_FILE.name} has no list [{name}].") from None


@functools.cache
def words(name: str) -> frozenset[str]:
    """A list of single words, lower-cased."""
    return frozenset(w.lower() for w in entry(name)["words"].split())


@functools.cache
def cased(name: str) -> tuple[str, ...]:
    """A list of single words as written (for lists where case matters: "Ltd", "Cllr")."""
    return tuple(dict.fromkeys(entry(name)["words"].split()))


@functools.cache
def phrases(name: str) -> tuple[str, ...]:
    """A list of phrases, one per line (a phrase may hold spaces), longest first."""
    lines = [" ".join(line.split()) for line in entry(name)["phrases"].splitlines()]
    return tuple(sorted({line for line in lines if line}, key=lambda p: (-len(p), p)))


@functools.cache
def pattern(name: str, plural: bool = False) -> re.Pattern[str]:
    """A case-insensitive regex matching any word or phrase of a list as whole words.

    With `plural`, an "s" or "es" may follow each (councillor, councillors).
    """
    data = entry(name)
    items = (
        phrases(name) if "phrases" in data else tuple(sorted(words(name), key=len, reverse=True))
    )
    tail = r"(?:e?s)?" if plural else ""
    body = "|".join(r"\s+".join(map(re.escape, item.split())) for item in items)
    return re.compile(rf"(?<![\w-])(?:{body}){tail}(?![\w-])", re.IGNORECASE)


def alternation(name: str, plural: bool = False) -> str:
    """The same as `pattern`, as regex source to build into a larger pattern."""
    return pattern(name, plural).pattern


def rows(name: str) -> list[dict[str, Any]]:
    """A list of records (e.g. words of the same meaning), each with its own `why`."""
    data = entry(name)
    if not isinstance(data, list):
        raise LexiconError(f"{LEXICON_FILE.name}: [[{name}]] must be a list of records.")
    return data
