"""Wiring for retrieval: the retriever the settings describe, and the module-level `search`."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ingest.service import build_embedder, build_store
from ingest.settings import Settings, load_settings
from ingest.writer_lock import IndexWatch
from retrieval.hybrid import HybridRetriever
from retrieval.records import Filters, SearchResult, User
from retrieval.scoring import Weights

# A Chroma server may be written by ingest runs on other machines, which move no generation
# counter here: the reader looks for their papers this often (one read of every record).
SERVER_RECHECK_SECONDS = 10.0


def build_retriever(
    settings: Settings,
    mode: str = "hybrid",
    *,
    store=None,
    embedder=None,
    stages: Sequence[str] | None = None,
) -> HybridRetriever:
    """A hybrid retriever over the configured store; its lexical index lives under DATA_DIR.

    Pass `store`/`embedder` to share them (e.g. one loaded model for several retrievers), and
    `stages` to switch stages off. Fusion constants come from the fitted weights record.
    """
    fitted = dict(Weights.load().retrieval)
    if stages is not None:
        fitted["stages"] = stages
    return HybridRetriever(
        store if store is not None else build_store(settings),
        embedder if embedder is not None else build_embedder(settings),
        lexical_dir=settings.data_dir / "lexical" / settings.collection,
        mode=mode,
        rewriter=build_rewriter(settings),
        watch=IndexWatch(settings.data_dir),
        recheck_seconds=SERVER_RECHECK_SECONDS if settings.chroma_url else None,
        snapshot_dir=None
        if settings.chroma_url
        else settings.data_dir / "snapshot" / settings.collection,
        exact_dense=not settings.chroma_url,
        **fitted,
    )


def build_rewriter(settings: Settings):
    """With a generative backend, the LLM rewrites follow-ups (the rules remain the fallback)."""
    if settings.answer_backend == "extractive":
        return None
    from retrieval.generative import LlmRewriter

    return LlmRewriter(_chat_model(settings), timeout=settings.llm_timeout)


def _chat_model(settings: Settings):
    from retrieval.generative import build_chat_model

    return build_chat_model(
        settings.answer_backend,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
    )


_default: HybridRetriever | None = None
_default_lock = threading.Lock()


def default_retriever() -> HybridRetriever:
    """One shared retriever for the process, from the CPA_* environment settings."""
    global _default
    with _default_lock:
        if _default is None:
            _default = build_retriever(load_settings())
        return _default


def search(
    query: str,
    filters: Filters | dict | None = None,
    history: Sequence[dict[str, str]] | None = None,
    user: User | None = None,
    k: int = 5,
) -> SearchResult:
    """Search the indexed papers; the result is a list of `Hit` with `.rewritten_query`.

    >>> from retrieval import search
    >>> hits = search("Who leads the back office work stream?", {"councils": ["Inverclyde"]})  # doctest: +SKIP
    >>> hits[0].chunk.paragraphs, hits.rewritten_query                                     # doctest: +SKIP
    (('2.5',), 'Who leads the back office work stream?')
    """
    if not isinstance(filters, Filters):
        filters = Filters.from_dict(filters)
    return default_retriever().search(query, filters, history, user, k)


def build_register(settings: Settings, store=None):
    """The decisions register of the configured collection (SQLite beside the index)."""
    from ingest.service import build_decision_store
    from retrieval.decision_register import DecisionRegister

    return DecisionRegister(
        store if store is not None else build_store(settings), build_decision_store(settings)
    )


def decisions(
    query: str = "",
    council: str | Sequence[str] = (),
    body: str | Sequence[str] = (),
    since: str = "",
    until: str = "",
    kind: str | Sequence[str] = (),
    doc: str | Sequence[str] = (),
    user: User | None = None,
    limit: int = 0,
) -> list[dict]:
    """Decisions recorded or recommended in the indexed papers, as dicts of the record's fields.

    >>> from retrieval import decisions
    >>> rows = decisions("chief executive", council="Harborough")        # doctest: +SKIP
    >>> rows[0]["ref"], rows[0]["kind"], rows[0]["body"]                 # doctest: +SKIP
    ('2.5', 'recommended', 'Council')
    """

    def many(value: str | Sequence[str]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) and value else tuple(v for v in value if v)

    filters = Filters(
        councils=many(council), bodies=many(body), doc_ids=many(doc), since=since, until=until
    )
    register = build_register(load_settings(), default_retriever().store)
    return register.search(query, filters, many(kind), user, limit)


def build_answerer(settings: Settings):
    """The extractive answerer, or a generative one (falling back to extractive) if configured,
    with decision questions answered from the decisions register first."""
    from ingest.service import build_decision_store
    from retrieval.decision_answers import DecisionAnswerer
    from retrieval.extractive import ExtractiveAnswerer

    answerer = extractive = ExtractiveAnswerer()
    if settings.answer_backend != "extractive":
        from retrieval.generative import GenerativeAnswerer

        answerer = GenerativeAnswerer(
            _chat_model(settings),
            fallback=extractive,
            timeout=settings.llm_timeout,
            name=settings.answer_backend,
        )
    return DecisionAnswerer(answerer, build_decision_store(settings))
