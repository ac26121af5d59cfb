"""Retrieval and answering: question → ranked evidence → cited answer.

Importing this package is cheap; models and the index load on first use.
"""

from retrieval.records import Answer, Citation, Filters, Hit, SearchResult, User


def search(*args, **kwargs) -> SearchResult:
    """See `retrieval.service.search`."""
    from retrieval.service import search as _search

    return _search(*args, **kwargs)


def answer(*args, **kwargs) -> Answer:
    """See `retrieval.answering.answer`."""
    from retrieval.answering import answer as _answer

    return _answer(*args, **kwargs)


def decisions(*args, **kwargs) -> list[dict]:
    """See `retrieval.service.decisions`."""
    from retrieval.service import decisions as _decisions

    return _decisions(*args, **kwargs)


__all__ = [
    "Answer",
    "Citation",
    "Filters",
    "Hit",
    "SearchResult",
    "User",
    "answer",
    "decisions",
    "search",
]
