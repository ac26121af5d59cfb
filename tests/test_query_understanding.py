"""Follow-up rewriting and time phrases: what the user sees as "searched for"."""

from __future__ import annotations

import pytest

from retrieval.dates import parse_time
from retrieval.followup import is_elliptical, rewrite_followup


def history(*questions: str) -> list[dict[str, str]]:
    turns = []
    for q in questions:
        turns += [{"role": "user", "content": q}, {"role": "assistant", "content": "…"}]
    return turns


WASTE = "Which councils lead the waste management work stream in the Clyde Valley?"


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        (
            "And who leads the back office one?",
            [WASTE],
            "Who leads the back office work stream in the Clyde Valley?",
        ),
        (
            "And the back office one?",
            ["Which councils lead the waste management work stream?"],
            "Which councils lead the back office work stream?",
        ),
        (
            "What about the charging one?",
            [WASTE],
            "Which councils lead the charging work stream in the Clyde Valley?",
        ),
        (
            "What about Harborough?",
            ["Has Bromsgrove agreed to share a chief executive?"],
            "Has Harborough agreed to share a chief executive?",
        ),
        (
            "When was it agreed?",
            ["Has Harborough agreed to share a chief executive?"],
            "When was it agreed (Harborough, share chief executive)?",
        ),
        # "How long …" is a question of its own, not a noun phrase to swap in.
        (
            "How long did she take to do it?",
            ["Who carried out the external evaluation of Harborough's Future Options review?"],
            "How long did she take to do it of Harborough's Future Options review (carried "
            "external evaluation)?",
        ),
        # "the first one" after "how many stages" is the first stage; light verbs stay behind.
        (
            "What happens in the first one?",
            [
                "What is the Route Map the Leicestershire Waste Partnership wants to use?",
                "How many stages does it have?",
            ],
            "What happens in the first stage (Route Map, Leicestershire Waste Partnership)?",
        ),
        # A chain of follow-ups keeps the subject of the first question.
        (
            "and the charging one?",
            ["Which councils lead the waste management work stream?", "And the back office one?"],
            "Which councils lead the charging work stream?",
        ),
    ],
)
def test_elliptical_questions_become_standalone(question, earlier, expected):
    assert rewrite_followup(question, history(*earlier)) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Which councils lead the integrated waste management work stream?",
        "What did the Leicestershire Environment Board recommend about the Route Map?",
    ],
)
def test_standalone_questions_are_left_alone(question):
    assert not is_elliptical(question)
    assert rewrite_followup(question, history(WASTE)) == question


def test_no_history_means_no_rewrite():
    assert rewrite_followup("And the back office one?", []) == "And the back office one?"
    assert rewrite_followup("And the back office one?", None) == "And the back office one?"


def test_only_user_turns_are_carried_forward():
    turns = [
        {"role": "user", "content": "Which councils lead the waste management work stream?"},
        {"role": "assistant", "content": "Glasgow and North Lanarkshire [1]."},
    ]
    assert "Glasgow" not in rewrite_followup("And the back office one?", turns)


@pytest.mark.parametrize(
    ("question", "since", "until", "recency"),
    [
        ("What was decided in 2010?", "2010-01-01", "2010-12-31", False),
        ("What did Inverclyde decide in February 2010?", "2010-02-01", "2010-02-28", False),
        ("Shared services reports since 2012", "2012-01-01", "", False),
        ("Waste papers after 2012", "2013-01-01", "", False),
        ("Anything before March 2011?", "", "2011-02-28", False),
        ("Reports until 2009", "", "2009-12-31", False),
        ("Papers between 2011 and 2009", "2009-01-01", "2011-12-31", False),
        ("the latest report on waste", "", "", True),
        ("What is the most recent decision on parking since 2024?", "2024-01-01", "", True),
        ("Who leads the back office work stream?", "", "", False),
    ],
)
def test_time_phrases(question, since, until, recency):
    time = parse_time(question)
    assert (time.since, time.until, time.recency) == (since, until, recency)
    assert bool(time) == bool(since or until or recency)


def test_time_description_is_readable():
    assert parse_time("in 2010").describe() == "papers dated 2010-01-01 to 2010-12-31"
    assert parse_time("the latest on waste").describe() == "newest papers first"


def test_a_financial_year_is_not_the_date_of_a_paper():
    assert not parse_time("How much did Westshire spend on insurance in 2017-18?")
    assert not parse_time("What is budgeted in 2018/19 for the hall?")
    assert parse_time("What did the board decide in 2018?").since == "2018-01-01"
