"""The dev set through the real default assistant: the answer quality we promise (slow: real model)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evals.questions import load_questions
from evals.report import failures
from evals.runner import ensure_index, evaluate
from tests.conftest import CORPUS, REPO

ACCURACY_THRESHOLD = 0.85
CITATION_HIT_THRESHOLD = 0.95

DEV_SET = REPO / "evals" / "questions" / "dev.jsonl"

pytestmark = pytest.mark.slow


def test_the_dev_set_is_answered_accurately_with_cited_sources(settings):
    from retrieval.answering import Assistant

    questions = load_questions(DEV_SET)
    settings = replace(settings, corpus_dir=CORPUS)  # the index goes under the temp DATA_DIR
    ensure_index(settings, CORPUS, echo=lambda line: None)
    evaluation = evaluate(Assistant.from_settings(settings), questions)

    accuracy = evaluation.summary.value("correct")
    citation_hit = evaluation.summary.value("citation_hit")
    failed = "\n".join(
        f"  {f['id']}: {'; '.join(f['why'])} | got: {f['got'][:120]!r}"
        for f in failures(evaluation)
    )
    assert accuracy is not None and citation_hit is not None, "the dev set has no gold to score"
    assert accuracy >= ACCURACY_THRESHOLD and citation_hit >= CITATION_HIT_THRESHOLD, (
        f"answer accuracy {accuracy:.1%} (target {ACCURACY_THRESHOLD:.0%}), citation hit rate "
        f"{citation_hit:.1%} (target {CITATION_HIT_THRESHOLD:.0%}); failed questions:\n{failed}"
    )
