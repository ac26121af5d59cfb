"""Hybrid retrieval: filters and the access rule inside both searches, context, the lexical index.

These use the deterministic fake embedder, so they test the plumbing a user relies on (what can
and cannot come back), not ranking quality; ranking on real questions is in test_retrieval_real.
"""

from __future__ import annotations

import json
import shutil

import pytest

from ingest.embedders import HashingEmbedder
from ingest.pipeline import Ingester
from ingest.store import ChromaStore
from retrieval.filters import FilterError, compile_filter
from retrieval.hybrid import HybridRetriever
from retrieval.langchain import CommitteePapersRetriever
from retrieval.records import Filters, User
from tests.conftest import CORPUS

INVERCLYDE = "inverclyde-council-2010-02-18-clyde-valley-shared-services"
BROMSGROVE = "bromsgrove-cabinet-2009-09-02-worcestershire-two-tier"
MEMBER = User("Cllr Jones", "member")

SECRET_PAPER = """PART II – EXEMPT
Report to: Cabinet
Date: 5 March 2012

1. Purpose
1.1 The Cabinet is asked to approve the disposal of the Zephyrfield depot to Quillon Holdings
for £1.2 million, subject to contract.
"""


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    """The five corpus papers plus one exempt paper, ingested with the fake embedder."""
    root = tmp_path_factory.mktemp("papers")
    folder = root / "corpus"
    shutil.copytree(CORPUS, folder)
    (folder / "secret-depot-disposal.txt").write_text(SECRET_PAPER)
    (folder / "secret-depot-disposal.meta.json").write_text(
        json.dumps(
            {
                "council": "Westshire Borough Council",
                "body": "Cabinet",
                "date": "2012-03-05",
                "title": "Disposal of Zephyrfield depot",
                "doc_type": "report",
                "access": "exempt",
            }
        )
    )
    store = ChromaStore(path=root / "index", collection="papers")
    summary = Ingester(store, HashingEmbedder()).run([folder])
    assert summary.failed == 0
    return root, store


def retriever(papers, mode="hybrid", tmp=None):
    root, store = papers
    return HybridRetriever(
        store, HashingEmbedder(), lexical_dir=(tmp or root) / f"lexical-{mode}", mode=mode
    )


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_filters_apply_inside_each_search(papers, mode):
    r = retriever(papers, mode)
    # Unfiltered, the top passages for this question come from other papers...
    query = "Clyde Valley shared services lead authorities work streams"
    unfiltered = r.search(query, k=5)
    assert all(h.doc_id != BROMSGROVE for h in unfiltered)
    # ...but filtered to Bromsgrove, Bromsgrove passages are found, not an empty short list.
    result = r.search(query, Filters(councils=("bromsgrove",)), k=5)
    assert len(result) == 5
    assert {h.doc_id for h in result} == {BROMSGROVE}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_date_type_and_document_filters(papers, mode):
    r = retriever(papers, mode)
    since = r.search("shared services waste", Filters(since="2011-01-01"), k=8)
    assert since and all(h.chunk.meta.date >= "2011-01-01" for h in since)
    until = r.search("shared services waste", Filters(until="2009-12-31"), k=8)
    assert until and all(h.chunk.meta.date <= "2009-12-31" for h in until)
    strategy = r.search("partnership", Filters(doc_types=("strategy",)), k=5)
    assert strategy and all(h.chunk.meta.doc_type == "strategy" for h in strategy)
    one = r.search("work stream", Filters(doc_ids=(INVERCLYDE,)), k=5)
    assert one and {h.doc_id for h in one} == {INVERCLYDE}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_exempt_paper_is_invisible_to_the_public(papers, mode):
    r = retriever(papers, mode)
    for query in ("Zephyrfield depot disposal Quillon Holdings", "£1.2 million depot"):
        public = r.search(query, k=10)
        assert all(h.chunk.meta.access == "public" for h in public)
        assert "Zephyrfield" not in " ".join(h.text for h in public)
    # Naming its council in a filter neither finds it nor reveals that the council exists.
    result = r.search("depot", Filters(councils=("Westshire",)), k=5)
    assert not len(result)
    assert "Westshire" not in " ".join(result.notes[0].split("known:")[1:])
    member = r.search("Zephyrfield depot disposal Quillon Holdings", user=MEMBER, k=3)
    assert member[0].doc_id == "secret-depot-disposal"


def test_exempt_paper_is_missing_from_the_public_document_list(papers):
    r = retriever(papers)
    assert "secret-depot-disposal" not in {d["doc_id"] for d in r.documents()}
    assert "secret-depot-disposal" in {d["doc_id"] for d in r.documents(MEMBER)}
    # A name without a signed-in account is not enough, nor is a signed-in member of the public.
    assert User("", "officer").access_levels == ("public",)
    assert User("someone", "public").access_levels == ("public",)


def test_where_clause_and_predicate_agree(papers):
    """Dense search filters by the `where` clause, BM25 by the predicate: they must agree."""
    _, store = papers
    r = retriever(papers)
    catalog = r.catalog()
    cases = [
        Filters(),
        Filters(councils=("Inverclyde", "Harborough")),
        Filters(since="2010-01-01", until="2012-12-31"),
        Filters(doc_types=("strategy",)),
        Filters(bodies=("cabinet",)),
    ]
    for user in (None, MEMBER):
        for filters in cases:
            compiled = compile_filter(filters, user, catalog.documents.values())
            by_where = set(store._all(store.chunks, [], where=compiled.where())["ids"])
            by_predicate = {
                c.id
                for c, m in zip(catalog.chunks, catalog.metadatas, strict=True)
                if compiled.matches(m)
            }
            assert by_where == by_predicate, filters


def test_bad_filter_values_are_refused_clearly(papers):
    r = retriever(papers)
    with pytest.raises(FilterError, match="since must be a date"):
        r.search("waste", Filters(since="last year"))
    with pytest.raises(FilterError, match="after until"):
        r.search("waste", Filters(since="2012-01-01", until="2011-01-01"))
    with pytest.raises(ValueError, match="unknown filter"):
        Filters.from_dict({"county": "Kent"})


def test_table_row_hit_carries_its_header_and_is_not_merged_with_other_rows(papers):
    r = retriever(papers, "lexical")
    hit = r.search("Developing an Approach to the Back Office", k=1)[0]
    assert hit.chunk.kind == "table_row"
    assert hit.text.startswith("Priority\tWork Stream\tLead Authorities\n")
    assert "East Renfrewshire and Inverclyde" in hit.text
    assert "Waste Management" not in hit.text


def test_no_near_duplicate_hits(papers):
    r = retriever(papers)
    result = r.search("These documents can be found on the LG-Em or EMCE websites", k=5)
    texts = [h.chunk.text for h in result]
    assert sum("documents can be found" in t for t in texts) == 1


def test_question_time_phrase_becomes_a_date_filter(papers):
    r = retriever(papers)
    result = r.search("What was agreed about shared services in 2010?", k=5)
    assert result.filters.since == "2010-01-01" and result.filters.until == "2010-12-31"
    assert all(h.chunk.meta.date.startswith("2010") for h in result)
    assert "2010-01-01" in result.notes[0]
    # A year no paper is dated falls back to all dates, and says so.
    result = r.search("waste targets in 1999", k=3)
    assert len(result) == 3 and "every date" in result.notes[0]


def test_latest_orders_by_recency(papers):
    r = retriever(papers)
    result = r.search("the latest report on waste", k=3)
    assert result[0].chunk.meta.date == "2013-02-27"
    assert "Newest papers first" in result.notes[0]


def test_lexical_index_is_persisted_and_rebuilt(papers, tmp_path):
    r = retriever(papers, "lexical", tmp=tmp_path)
    first = r.search("RSe Consulting", k=1)
    # One index per access level: the public's is built over public chunks only.
    manifest = tmp_path / "lexical-lexical" / "public" / "manifest.json"
    assert manifest.exists()
    assert not (tmp_path / "lexical-lexical" / "public+exempt").exists()
    r.search("RSe Consulting", user=MEMBER, k=1)
    assert (tmp_path / "lexical-lexical" / "public+exempt" / "manifest.json").exists()
    # A fresh process loads it; a missing or damaged one is rebuilt from the store.
    assert retriever(papers, "lexical", tmp=tmp_path).search("RSe Consulting", k=1)[0].chunk_id == (
        first[0].chunk_id
    )
    shutil.rmtree(tmp_path / "lexical-lexical")
    again = retriever(papers, "lexical", tmp=tmp_path).search("RSe Consulting", k=1)
    assert again[0].chunk_id == first[0].chunk_id and manifest.exists()
    manifest.write_text("{not json")
    assert retriever(papers, "lexical", tmp=tmp_path).search("RSe Consulting", k=1)


def test_new_documents_are_searchable_at_once(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.txt").write_text("1.1 The council agreed to share a refuse depot with Upton.\n")
    store = ChromaStore(path=tmp_path / "index", collection="incremental")
    embedder = HashingEmbedder()
    Ingester(store, embedder).run([folder])
    r = HybridRetriever(store, embedder, lexical_dir=tmp_path / "lex")
    assert r.search("refuse depot", k=1)[0].doc_id == "a"
    (folder / "b.txt").write_text("2.1 Members approved a new bandstand for Kilnworth Park.\n")
    Ingester(store, embedder).run([folder])
    assert r.search("bandstand Kilnworth", k=1)[0].doc_id == "b"


def test_langchain_retriever_returns_cited_documents(papers):
    r = CommitteePapersRetriever(
        hybrid=retriever(papers), k=3, filters=Filters(councils=("Inverclyde",))
    )
    docs = r.invoke("Developing an Approach to the Back Office")
    assert docs and all(d.metadata["doc_id"] == INVERCLYDE for d in docs)
    assert {"council", "date", "paragraphs", "page", "chunk_id", "score"} <= set(docs[0].metadata)
    history = [{"role": "user", "content": "Which councils lead the waste management work stream?"}]
    docs = r.invoke("And the back office one?", history=history)
    assert docs[0].metadata["rewritten_query"] == "Which councils lead the back office work stream?"


def test_empty_question_and_empty_index(tmp_path):
    store = ChromaStore(path=tmp_path / "index", collection="empty")
    r = HybridRetriever(store, HashingEmbedder(), lexical_dir=tmp_path / "lex")
    assert list(r.search("anything")) == []
    assert list(r.search("   ")) == []


def test_a_question_naming_two_papers_gets_passages_of_both(papers):
    result = retriever(papers).search(
        "Who are the contact officers for the Leicestershire waste report and the Bromsgrove "
        "WETT report?"
    )
    docs = {h.doc_id for h in result}
    assert BROMSGROVE in docs
    assert any(d.startswith("leics-environment-board") for d in docs)


def test_word_counts_behind_ranking_ignore_papers_the_user_cannot_see(papers):
    catalog = retriever(papers).catalog()
    assert catalog.chunk_frequency(("public",))["zephyrfield"] == 0
    assert catalog.chunk_frequency(("public", "exempt"))["zephyrfield"] >= 1


def test_kinds_of_question_bring_forward_the_passage_that_answers_them(papers):
    search = retriever(papers).search
    about = search("What is the Harborough Future Options report about?")
    assert any("purpose" in " ".join(h.chunk.section).lower() for h in list(about)[:2])
    spelled = search("What does WETT stand for?")
    assert "Worcestershire Enhanced Two Tier (WETT)" in spelled[0].text
    recommended = search("What did the Waste & Street Scene group recommend the Board should do?")
    assert any("It is recommended" in h.text for h in list(recommended)[:3])


def test_brought_forward_passages_obey_the_access_rule(papers):
    # The exempt paper's purpose section is what this question would bring forward.
    public = retriever(papers).search("What is the Zephyrfield depot disposal report about?")
    assert all(h.doc_id != "secret-depot-disposal" for h in public)
    member = retriever(papers).search(
        "What is the Zephyrfield depot disposal report about?", user=MEMBER
    )
    assert member[0].doc_id == "secret-depot-disposal"


def test_each_part_of_a_two_part_question_gets_its_evidence(papers):
    result = retriever(papers).search(
        "Which council leads the common charging framework, and who is the contact officer "
        "for the Bromsgrove WETT report?"
    )
    texts = "\n".join(h.text for h in result)
    assert "East Dunbartonshire" in texts and "Kevin Dicks" in texts
