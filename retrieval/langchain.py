"""A LangChain `BaseRetriever` over the hybrid search, so it drops into anyone's LangChain chain.

>>> from retrieval.langchain import CommitteePapersRetriever
>>> retriever = CommitteePapersRetriever.from_settings(k=5, filters={"councils": ["Inverclyde"]})
>>> docs = retriever.invoke("Who leads the back office work stream?")  # doctest: +SKIP
>>> docs[0].metadata["paragraphs"]                                    # doctest: +SKIP
['2.5']
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.hybrid import HybridRetriever
from retrieval.records import Filters, Hit, User


def hit_to_document(hit: Hit) -> Document:
    """A hit as a LangChain document: the evidence text plus everything needed to cite it."""
    data = hit.to_dict()
    text = data.pop("text")
    return Document(page_content=text, metadata=data, id=hit.chunk_id)


class CommitteePapersRetriever(BaseRetriever):
    """Hybrid (dense + BM25) retrieval over committee papers, with filters and the access rule.

    `history` (chat messages as {"role", "content"} dicts) may be passed per call to resolve
    follow-up questions: `retriever.invoke("And the back office one?", history=[...])`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    k: int = 5
    filters: Filters = Filters()
    user: User = User()

    @classmethod
    def from_settings(
        cls, k: int = 5, filters: Filters | dict | None = None, user: User | None = None
    ) -> CommitteePapersRetriever:
        from ingest.settings import load_settings
        from retrieval.service import build_retriever

        if not isinstance(filters, Filters):
            filters = Filters.from_dict(filters)
        return cls(
            hybrid=build_retriever(load_settings()), k=k, filters=filters, user=user or User()
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        result = self.hybrid.search(
            query,
            filters=self.filters,
            history=kwargs.get("history"),
            user=self.user,
            k=kwargs.get("k", self.k),
        )
        docs = [hit_to_document(h) for h in result]
        for doc in docs:
            doc.metadata["rewritten_query"] = result.rewritten_query
        return docs
