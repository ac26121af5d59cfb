"""Hybrid retrieval with the real encoder: exact terms, follow-ups, and filters on real PDFs (slow)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ingest.embedders import HashingEmbedder
from ingest.pipeline import Ingester
from ingest.store import ChromaStore
from retrieval.hybrid import HybridRetriever
from retrieval.records import Filters
from tests.conftest import CORPUS, REALDOCS, REPO

INVERCLYDE = "inverclyde-council-2010-02-18-clyde-valley-shared-services"


@pytest.fixture(scope="module")
def corpus_retriever(real_corpus):
    store, embedder, folder = real_corpus
    return HybridRetriever(store, embedder, lexical_dir=folder / "lexical-retrieval")


@pytest.fixture(scope="module")
def realdocs_retriever(tmp_path_factory):
    """The real PDFs with the corpus; the fake encoder is enough to test what filters let through."""
    if not REALDOCS.is_dir():
        pytest.skip("../shared/realdocs is not present")
    folder = tmp_path_factory.mktemp("realdocs")
    store = ChromaStore(path=folder / "index", collection="realdocs")
    embedder = HashingEmbedder()
    assert Ingester(store, embedder).run([REALDOCS, CORPUS]).failed == 0
    return HybridRetriever(store, embedder, lexical_dir=folder / "lexical")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("RSe Consulting", "RSe Consulting"),
        ("iESE", "iESE"),
        ("£240K", "£240K"),
        ("What did the WETT programme receive £240K for?", "£240K"),
        ("Schedule 12A", "Schedule 12"),
    ],
)
def test_exact_terms_rank_their_paragraph_first(corpus_retriever, query, expected):
    top = corpus_retriever.search(query, k=5)[0]
    assert expected.lower() in top.chunk.text.lower(), top.chunk.text[:200]


@pytest.mark.slow
def test_paraphrase_finds_the_lead_authorities_row(corpus_retriever):
    top = corpus_retriever.search("who's leading the charging work?", k=5)[0]
    assert "Common Charging Framework" in top.text


@pytest.mark.slow
def test_follow_up_retrieves_the_back_office_row_first(corpus_retriever):
    history = [
        {
            "role": "user",
            "content": "Which councils lead the waste management work stream in the Clyde Valley?",
        },
        {"role": "assistant", "content": "Glasgow and North Lanarkshire [1]."},
    ]
    result = corpus_retriever.search("And who leads the back office one?", history=history, k=5)
    assert result.rewritten_query == "Who leads the back office work stream in the Clyde Valley?"
    top = result[0]
    assert top.doc_id == INVERCLYDE and top.chunk.kind == "table_row"
    assert "Developing an Approach to the Back Office" in top.chunk.text
    assert top.chunk.paragraphs == ("2.5",)


def test_realdocs_only_bristol(realdocs_retriever):
    result = realdocs_retriever.search(
        "minutes of the meeting decisions", Filters(councils=("Bristol",)), k=10
    )
    assert len(result) == 10
    assert {h.chunk.meta.council for h in result} == {"Bristol City Council"}
    assert {h.doc_id.split("_")[0] for h in result} == {"bristol"}


def test_realdocs_only_after_2024(realdocs_retriever):
    result = realdocs_retriever.search("council tax and budget", Filters(since="2024-01-01"), k=10)
    assert len(result) == 10
    assert all(h.chunk.meta.date >= "2024-01-01" for h in result)
    dates = {d["doc_id"]: d["date"] for d in realdocs_retriever.documents()}
    assert dates["us_chicago_ssa21_commission_2018-01-29_minutes"] == "2018-01-29"
    older = realdocs_retriever.search("minutes", Filters(until="2018-12-31"), k=20)
    assert older and all(h.chunk.meta.date <= "2018-12-31" for h in older)
    assert {h.doc_id for h in older} <= {d for d, date in dates.items() if date <= "2018-12-31"}


def test_realdocs_filter_by_body_and_document(realdocs_retriever):
    cabinet = realdocs_retriever.search(
        "report recommendations", Filters(bodies=("Cabinet",)), k=10
    )
    assert cabinet and all("cabinet" in h.chunk.meta.body.lower() for h in cabinet)
    doc = "gloucester_cabinet_2025-12-10_local_council_tax_support_scheme"
    only = realdocs_retriever.search("recommendations", Filters(doc_ids=(doc,)), k=5)
    assert only and {h.doc_id for h in only} == {doc}


@pytest.mark.slow
def test_search_cli_json(tmp_path):
    env = {"CPA_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    command = [
        sys.executable,
        "-m",
        "retrieval",
        "search",
        "Who leads the back office work stream?",
        "--council",
        "Inverclyde",
        "--k",
        "3",
        "--json",
    ]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rewritten_query"] == "Who leads the back office work stream?"
    assert len(result["hits"]) == 3
    assert {h["council"] for h in result["hits"]} == {"Inverclyde Council"}
    assert "Back Office" in " ".join(h["text"] for h in result["hits"])
