"""Question → evidence → cited answer: the one entry point behind the UI, CLI, HTTP API and evals.

>>> from retrieval.answering import answer
>>> result = answer("Which councils lead the integrated waste management work stream?")  # doctest: +SKIP
>>> result.answer, result.citations[0].paragraph                                        # doctest: +SKIP
('Glasgow and North Lanarkshire [1].', '2.5')
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

from ingest.settings import Settings, load_settings
from retrieval.catalog import Catalog
from retrieval.hybrid import HybridRetriever
from retrieval.records import Answer, Filters, SearchResult, User, checked_request

log = logging.getLogger(__name__)


class Answerer(Protocol):
    """Writes an answer from search results; every answerer cites only the evidence it was given."""

    name: str

    def answer(self, question: str, result: SearchResult, catalog: Catalog) -> Answer: ...

    def stream(
        self, question: str, result: SearchResult, catalog: Catalog
    ) -> Iterator[str | Answer]:
        """Text pieces as they are written, then the final `Answer` as the last item.

        The final record replaces the streamed text: checking may trim it or fall back to
        another answerer, so a UI re-renders with `answer.answer` at the end.
        """
        ...


class Assistant:
    """A retriever and an answerer: `answer()` returns the full `Answer` record.

    >>> assistant = Assistant.from_settings(load_settings())   # cheap: nothing loaded yet
    >>> assistant.answer("Has any council agreed to share a chief executive?")  # doctest: +SKIP
    """

    def __init__(self, retriever: HybridRetriever, answerer: Answerer, top_k: int = 5):
        self.retriever = retriever
        self.answerer = answerer
        self.top_k = top_k

    @classmethod
    def from_settings(cls, settings: Settings, mode: str = "hybrid") -> Assistant:
        from retrieval.service import build_answerer, build_retriever

        return cls(build_retriever(settings, mode), build_answerer(settings), settings.top_k)

    def warm_up(self) -> None:
        """Load the model, the index snapshot and the answerer's statistics before the first question."""
        self.retriever.warm_up()
        warm = getattr(self.answerer, "warm_up", None)
        if warm is not None:
            warm(self.retriever.catalog())

    def _search(self, question, history, filters, user) -> tuple[SearchResult, Catalog]:
        """Search for a checked request (RequestError or FilterError for a bad one)."""
        question, history = checked_request(question, history)
        if not isinstance(filters, Filters):
            filters = Filters.from_dict(filters)
        result = self.retriever.search(question, filters, history, user, k=self.top_k)
        return result, self.retriever.catalog()

    def answer(
        self,
        question: str,
        history: Sequence[dict[str, str]] | None = None,
        filters: Filters | dict | None = None,
        user: User | None = None,
    ) -> Answer:
        started = time.perf_counter()
        result, catalog = self._search(question, history, filters, user)
        answer = self.answerer.answer(result.rewritten_query or question, result, catalog)
        return _finish(answer, question, result, started)

    def stream(
        self,
        question: str,
        history: Sequence[dict[str, str]] | None = None,
        filters: Filters | dict | None = None,
        user: User | None = None,
    ) -> Iterator[str | Answer]:
        """Answer text as it is produced, then the finished `Answer` as the last item."""
        started = time.perf_counter()
        result, catalog = self._search(question, history, filters, user)
        for item in self.answerer.stream(result.rewritten_query or question, result, catalog):
            if isinstance(item, Answer):
                yield _finish(item, question, result, started)
            else:
                yield item


def _finish(answer: Answer, question: str, result: SearchResult, started: float) -> Answer:
    answer.question = question
    answer.rewritten_query = result.rewritten_query
    answer.retrieved = [
        {
            "doc_id": h.doc_id,
            "chunk_id": h.chunk_id,
            "score": round(h.score, 6),
            "context": [c.id for c in h.chunks if c.id != h.chunk_id],
        }
        for h in result
    ]
    answer.notes = [*result.notes, *answer.notes]
    answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return answer


_default: Assistant | None = None
_lock = threading.Lock()


def default_assistant() -> Assistant:
    """One shared assistant per process, configured from the CPA_* environment."""
    global _default
    with _lock:
        if _default is None:
            _default = Assistant.from_settings(load_settings())
        return _default


def answer(
    question: str,
    history: Sequence[dict[str, str]] | None = None,
    filters: Filters | dict | None = None,
    user: User | None = None,
) -> Answer:
    """Answer a question from the indexed papers with citations (see `Answer`)."""
    return default_assistant().answer(question, history, filters, user)
