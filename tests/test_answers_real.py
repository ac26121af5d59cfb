"""Cited answers with the real encoder on the five-paper corpus, as a user would see them (slow)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from retrieval.answering import Assistant
from retrieval.extractive import ExtractiveAnswerer
from retrieval.hybrid import HybridRetriever
from tests.conftest import REPO

pytestmark = pytest.mark.slow

INVERCLYDE = "inverclyde-council-2010-02-18-clyde-valley-shared-services"


@pytest.fixture(scope="module")
def assistant(real_corpus):
    store, embedder, folder = real_corpus
    retriever = HybridRetriever(store, embedder, lexical_dir=folder / "lexical-answers")
    return Assistant(retriever, ExtractiveAnswerer())


def quotes_are_verbatim(assistant, answer):
    catalog = assistant.retriever.catalog()
    for citation in [*answer.citations, *answer.suggestions]:
        assert citation.quote in catalog.chunk(citation.chunk_id).text


def test_waste_work_stream_question(assistant):
    answer = assistant.answer("Which councils lead the integrated waste management work stream?")
    assert answer.answer == "Glasgow and North Lanarkshire [1]."
    [citation] = answer.citations
    assert (citation.doc_id, citation.paragraph) == (INVERCLYDE, "2.5")
    assert (citation.council, citation.date) == ("Inverclyde Council", "2010-02-18")
    quotes_are_verbatim(assistant, answer)


def test_which_authorities_lead_which_workstream(assistant):
    answer = assistant.answer("Which authorities lead which workstream in the Clyde Valley review?")
    for lead in (
        "Glasgow and North Lanarkshire",
        "Renfrewshire",
        "South Lanarkshire",
        "East Renfrewshire and Inverclyde",
        "East Dunbartonshire",
        "West Dunbartonshire",
    ):
        assert lead in answer.answer
    assert {c.paragraph for c in answer.citations} == {"2.5"}
    assert len(answer.answer) <= 600
    quotes_are_verbatim(assistant, answer)


def test_follow_up_uses_the_history(assistant):
    history = [
        {
            "role": "user",
            "content": "Which councils lead the waste management work stream in the Clyde Valley?",
        },
        {"role": "assistant", "content": "Glasgow and North Lanarkshire [1]."},
    ]
    answer = assistant.answer("And who leads the back office one?", history=history)
    assert "East Renfrewshire" in answer.answer
    assert answer.rewritten_query == "Who leads the back office work stream in the Clyde Valley?"
    assert answer.citations[0].doc_id == INVERCLYDE


def test_unanswerable_question_abstains_with_suggestions(assistant):
    answer = assistant.answer("What is Bristol's workplace parking levy charge per space?")
    assert answer.abstained and not answer.citations
    assert answer.answer == "I can't find that in the committee papers."


def test_every_answer_field_is_filled(assistant):
    answer = assistant.answer("How much is available to support WETT projects?").to_dict()
    assert "£240K" in answer["answer"]
    assert set(answer) >= {
        "answer",
        "abstained",
        "citations",
        "rewritten_query",
        "retrieved",
        "latency_ms",
    }
    citation = answer["citations"][0]
    assert set(citation) >= {
        "n",
        "doc_id",
        "title",
        "council",
        "body",
        "date",
        "paragraph",
        "page",
        "quote",
    }
    assert re.search(r"\[1\]", answer["answer"])
    assert answer["retrieved"] and {"doc_id", "chunk_id", "score"} <= set(answer["retrieved"][0])
    assert answer["latency_ms"] > 0


def test_ask_cli(tmp_path):
    """As a new user would: an empty data folder, one command."""
    env = {"CPA_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    question = "Which authorities lead which workstream in the Clyde Valley review?"
    command = [sys.executable, "-m", "retrieval", "ask", question, "--json"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert "Glasgow and North Lanarkshire" in answer["answer"]
    assert {c["paragraph"] for c in answer["citations"]} == {"2.5"}
    text = subprocess.run(
        command[:-1], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert text.returncode == 0 and "para 2.5" in text.stdout and "Sources:" in text.stdout
