"""Paper first, then passage: a question naming a council, meeting or subject lifts that paper."""

from __future__ import annotations

from ingest.records import DocumentMeta
from retrieval.catalog import Catalog
from retrieval.papers import PaperIndex, date_words
from retrieval.stages import paper_prior
from tests.conftest import chunk_at

PAPERS = [
    DocumentMeta(
        "westshire-minutes",
        "Community Council minutes",
        "Westshire Community Council",
        "Community Council",
        "2018-01-08",
        doc_type="minutes",
    ),
    DocumentMeta(
        "easton-accounts",
        "Statement of accounts",
        "Easton Town Council",
        "Town Council",
        "2018-03-31",
        doc_type="report",
    ),
    DocumentMeta(
        "northby-secret",
        "Confidential land deal",
        "Northby Parish Council",
        "Parish Council",
        "2018-01-09",
        access="exempt",
    ),
]
TEXTS = {
    "westshire-minutes": "Insurance was renewed at £1,346. The budget for insurance is £1,400.",
    "easton-accounts": "Insurance cost £2,900 in the year; the budget was £3,000.",
    "northby-secret": "Insurance for the January 2018 land deal.",
}


def catalog() -> Catalog:
    chunks = [chunk_at(m, TEXTS[m.doc_id], 0, 0, "paragraph", (), ()) for m in PAPERS]
    metas = [c.to_metadata() for c in chunks]
    return Catalog(chunks, metas, {m["doc_id"]: m for m in metas}, fingerprint="papers")


def test_dates_are_written_as_questions_write_them():
    assert date_words("2018-01-08") == "8 January 2018 January 2018"
    assert date_words("") == ""


def test_the_paper_a_question_names_ranks_first():
    index = PaperIndex.build(catalog())
    public = ["westshire-minutes", "easton-accounts"]
    ranks = index.ranks("At Westshire's January 2018 meeting, what was insurance?", public)
    assert ranks["westshire-minutes"] == 1
    assert next(iter(index.ranks("What did Easton's accounts say about insurance?", public))) == (
        "easton-accounts"
    )


def test_a_paper_the_user_cannot_see_changes_nothing():
    index = PaperIndex.build(catalog())
    public = ["westshire-minutes", "easton-accounts"]
    question = "At the January 2018 meeting, what was the insurance?"
    with_hidden = index.scores(question, public)
    assert "northby-secret" not in with_hidden
    alone = PaperIndex({d: index.names[d] for d in public}).scores(question, public)
    assert with_hidden == alone


def test_the_prior_lifts_the_named_papers_passages_over_a_similar_one():
    cat = catalog()
    index = PaperIndex.build(cat)
    fused = [(1, 0.20, 1, 1), (0, 0.18, 2, 2)]  # Easton's passage first on words alone
    lifted = paper_prior(
        fused,
        "At Westshire's January 2018 meeting, what was insurance?",
        cat,
        index,
        ["westshire-minutes", "easton-accounts"],
        weight=0.3,
        k=2,
    )
    assert [f[0] for f in lifted] == [0, 1]
    assert paper_prior(fused, "insurance", cat, index, [], weight=0.1, k=2) == fused
