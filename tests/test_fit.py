"""Fitting the answerer's weights: on the tuning part only, and every feature gets a weight."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import fit as fitting
from evals.split import SPLIT_FILE
from retrieval.abstention import QUESTION_FEATURES
from retrieval.features import UNIT_FEATURES
from retrieval.scoring import Weights

PAPER = """Report To: Westshire District Council
Subject: Parks and Open Spaces

1.0 PURPOSE

1.1 This report sets out the parks budget for 2025 and the new play areas.

2.0 RECOMMENDATIONS

2.1 The Cabinet is recommended to approve new play areas at Northfield and Southgate.

3.0 FINANCE

3.1 The parks budget for 2025 is £1.2m, of which £200,000 is for play areas.
3.2 The contact officer is Sarah West, Head of Parks.
3.3 The Cabinet will meet again on 12 March 2025 to review progress.
3.4 Councillor North moved the recommendations, seconded by Councillor Patel.
3.5 The recommendations were CARRIED (6 voting for, 2 against).
"""

QUESTIONS = [
    ("What is the parks budget for 2025?", [["£1.2m"]]),
    ("How much is set aside for play areas?", [["£200,000"]]),
    ("Who is the contact officer for the parks report?", [["Sarah West"]]),
    ("When will the Cabinet meet again?", [["12 March 2025"]]),
    ("Who moved the recommendations?", [["Councillor North"]]),
    ("Who seconded the recommendations?", [["Councillor Patel"]]),
    ("How did the vote on the recommendations go?", [["6 voting for"]]),
    ("Where will the new play areas be?", [["Northfield"], ["Southgate"]]),
    ("What is the Cabinet recommended to approve?", [["new play areas"]]),
    ("What does the parks report set out?", [["parks budget"]]),
]


@pytest.fixture
def tiny_set(tmp_path, monkeypatch, settings):
    from ingest import embedders
    from ingest import service as ingest_service
    from retrieval import service

    for module in (service, ingest_service):
        monkeypatch.setattr(module, "build_embedder", lambda s: embedders.HashingEmbedder())
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "westshire-parks-2025.txt").write_text(PAPER, encoding="utf-8")
    lines = [
        {"id": f"t{i}", "question": q, "answers": a, "sources": ["westshire-parks"]}
        for i, (q, a) in enumerate(QUESTIONS)
    ]
    lines.append(
        {"id": "u1", "question": "Who chairs the Easton library board?", "unanswerable": True}
    )
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in lines), encoding="utf-8")
    return [(questions, (papers,))], settings


def test_labels_count_the_answer_groups_a_unit_shows():
    class Unit:
        evidence, is_row = "New play areas at Northfield.", False

    question = {"answers": [["Northfield"], ["Southgate"]]}
    assert fitting.label_of(Unit(), question) == 0.5
    assert fitting.label_of(Unit(), {"unanswerable": True}) == 0.0


def test_a_fit_weighs_every_feature_and_says_how_it_was_made(tiny_set):
    sets, settings = tiny_set
    weights = fitting.fit(sets, settings, echo=lambda line: None, fusion={}, contexts=(0,))
    assert set(weights.unit) == set(UNIT_FEATURES)
    assert set(weights.abstain) == set(QUESTION_FEATURES)
    assert weights.fitted["tuning_questions"] == len(QUESTIONS) + 1
    assert 0.0 <= weights.fitted["tuning_accuracy"] <= 1.0
    assert weights.retrieval["context_chars"] == 0
    assert Weights.from_dict(weights.to_dict()) == weights


def test_held_out_questions_are_never_read_by_the_fit(tmp_path, tiny_set, monkeypatch):
    sets, settings = tiny_set
    held = json.loads(SPLIT_FILE.read_text())["papers"]
    held_out_paper = next(p for p, part in held.items() if part == "held-out")
    questions = sets[0][0]
    with questions.open("a", encoding="utf-8") as out:
        out.write(
            json.dumps(
                {
                    "id": "h1",
                    "question": "What is secret?",
                    "answers": [["secret"]],
                    "sources": [held_out_paper],
                }
            )
            + "\n"
        )
    read = fitting.load_sets(sets, settings, echo=lambda line: None)
    assert [q["id"] for q in read[0].questions if q["id"] == "h1"] == []
    assert Path(questions).read_text().count('"h1"') == 1
