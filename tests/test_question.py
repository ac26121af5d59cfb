"""Question analysis: the kind of answer a question wants and how it is shaped (invented papers)."""

from __future__ import annotations

import pytest

from retrieval.question import (
    Question,
    acronym_asked,
    alternatives,
    definitions,
    exact_terms,
    question_kind,
    question_parts,
)
from retrieval.text import stem


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("When will the Westshire Parks Board next meet?", "when"),
        ("At what time did the meeting close?", "when"),
        ("How much will the Easton depot cost?", "number"),
        ("What was the unemployment rate in Westshire last year?", "number"),
        ("Who is the contact officer for the library report?", "who"),
        ("Which councillors sent apologies?", "who"),
        ("What did the committee resolve about the cycle hangars?", "decision"),
        ("What is the Westshire parks report about?", "document"),
        ("Where is the new depot?", "what"),
        ("What is the report number of the parks paper?", "what"),  # a reference, not a figure
    ],
)
def test_the_kind_of_answer_a_question_wants(text, kind):
    assert question_kind(text) == kind


def test_a_who_question_asks_for_a_person_a_firm_or_an_organisation():
    assert Question.parse("Who seconded the motion to close the depot?").person
    assert Question.parse("Which director signed the report?").person
    firm = Question.parse("Which firm audits the Easton accounts?")
    assert firm.company and not firm.person
    council = Question.parse("Which councils lead the work stream?")
    assert not council.person and not council.company


def test_votes_motions_money_counts_and_the_measure_asked_about():
    vote = Question.parse("How did members vote on the Easton amendment?")
    assert vote.vote and not vote.motion
    assert Question.parse("Who moved the amendment, and who seconded it?").motion
    money = Question.parse("How much is the delay claim worth?")
    assert money.money and not money.count
    count = Question.parse("How many people attended the Westshire fair?")
    assert count.count and not count.money
    assert Question.parse("What is the unemployment rate in Westshire?").measure == stem("rate")
    assert Question.parse("What ratio of highest to median pay does it set?").measure == "ratio"


def test_named_things_and_exact_terms():
    q = Question.parse("What did Westshire District Council say about scheme WX-12A?")
    assert {"westshir"} <= q.named
    assert exact_terms("What is the £240K for, under Schedule 12A and the eSWB?") == [
        "240k",
        "12a",
        "eswb",
    ]


def test_words_of_the_same_meaning_come_from_the_lexicon():
    found = alternatives("Who is the chief executive, and which body was set up?")
    assert "ceo" in found["chief"] and "board" in found["body"] and "establish" in found["set"]
    assert "refus" in alternatives("Which bids were turned down?")["turn"]


def test_two_part_questions_split_and_borrow_the_named_words():
    parts = question_parts("Which board will Westshire set up, and how many members will it have?")
    assert parts == [
        "Which board will Westshire set up?",
        "how many members will it have (Westshire)?",
    ]
    assert question_parts("When and where is the next Easton meeting?") == [
        "When and where is the next Easton meeting?"
    ]
    # The second question may open with a preposition: "…, and by how much did it change?"
    assert question_parts("What is the Westshire depot budget, and by how much did it change?") == [
        "What is the Westshire depot budget?",
        "by how much did it change (Westshire)?",
    ]


def test_acronyms_asked_and_where_papers_spell_them_out():
    assert acronym_asked("What does WSP stand for?") == "WSP"
    assert acronym_asked("What is eSWB?") == "eSWB"
    assert acronym_asked("What is the plan?") == ""
    text = "The Westshire Schools Partnership (WSP) meets termly."
    assert [e for _, e in definitions("WSP", text)] == ["Westshire Schools Partnership"]


def test_by_how_much_asks_for_a_difference_not_only_money():
    assert not Question.parse("By how much is this year's levy smaller than last year's?").money
    assert Question.parse("How much will the Easton hall cost?").money
