"""What a passage holds: the general ways committee papers write votes, motions, names and sums."""

from __future__ import annotations

from retrieval.detectors import COMPANY, DATE, MOTION, VOTE, has_figure, measured, people
from retrieval.question import Question


def test_votes_as_minutes_record_them():
    for text in (
        "On being put to the vote the motion was CARRIED (8 voting for, 1 against).",
        "The amendment was LOST (2 members voting in favour and 7 against).",
        "Motion passed 5-0.",
        "RESOLVED unanimously that the plan be adopted.",
        "For: 6, Against: 2, Abstentions: 1",
    ):
        assert VOTE.search(text), text
    assert not VOTE.search("The depot opens in April.")


def test_movers_and_seconders():
    for text in (
        "Councillor Sarah West moved the motion, seconded by Councillor North.",
        "The recommendations were moved by Cllr Patel and seconded by Cllr Okafor.",
        "Mayor Lee made a motion to adopt the budget.",
        "APPROVED – Revised budget – B. Munro (motion), Z. Maiorca (second)",
        "Proposed: Cllr West; Seconded: Cllr North",
    ):
        assert MOTION.search(text), text
    assert not MOTION.search("The depot moved to a new site.")


def test_a_person_called_west_is_a_person():
    assert people("Contact officer: Sarah West, Head of Finance") == ["Sarah West"]
    assert people("The Future Plans Board met.", common={"future", "plans"}) == []
    assert people("Westshire District Council agreed.") == []
    assert people("Minutes approved – B. Munro (motion), Z. Maiorca (second)") == [
        "B. Munro",
        "Z. Maiorca",
    ]


def test_firms_and_dates():
    assert COMPANY.search("The contract went to Parkstage Events Ltd in May.")
    assert not COMPANY.search("The contract went to the lowest bidder.")
    assert DATE.search("The board meets on 12 March 2025 at 7.00pm.")


def test_a_figure_of_the_kind_asked_and_near_the_measure_asked_about():
    money = Question.parse("How much will the hall cost?")
    assert has_figure(money, "The hall will cost £1.2m.")
    assert not has_figure(money, "The hall has 120 seats.")
    count = Question.parse("How many people attended the fair?")
    assert has_figure(count, "Some 3,000 people came.") and not has_figure(
        count, "Tickets cost £5."
    )
    rate = Question.parse("What is the unemployment rate in Westshire?")
    assert measured(rate, "Westshire's unemployment rate is 4.1% this year.")
    assert not measured(rate, "4.6.5 Unemployment is falling, and the town has grown since 1990.")
