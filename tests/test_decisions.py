"""Decision records: extracted from invented papers by general rules, kept in the register beside
the index (replaced and pruned with their paper), searched with the access rule, and printed by
the CLI (fake embedder)."""

from __future__ import annotations

import json
import shutil

import pytest

from ingest.decision_store import DecisionStore
from ingest.decisions import describe_votes, extract_decisions
from ingest.minutes import parse_minutes
from ingest.pipeline import Ingester
from ingest.records import DocumentMeta, LoadedDocument
from ingest.store import ChromaStore
from ingest.structure import paper_structure
from retrieval.decision_register import DecisionRegister
from retrieval.filters import FilterError
from retrieval.records import Filters, User
from tests.conftest import CORPUS, HashingEmbedder

REPORT = """Westshire District Council
Cabinet 4 March 2024
Review of Allotment Rents
1. Purpose
1.1 This report sets out options for allotment rents.
2. Recommendations
It is recommended that Cabinet:
(a) approve a rent of £40 a plot from April 2025;
(b) note the waiting list figures in Appendix B; and
(c) delegate the letting policy to the Head of Parks.
3. Background
3.1 Rents were last reviewed in 2015 and the Cabinet agreed then to freeze them.
"""

MINUTES = """Minutes of the Marlow Vale Parish Council meeting
12 Apologies
None.
13 Minutes of the last meeting
The minutes of the meeting held on 4 May were approved as a correct record.
14 Playground fencing
It was moved by Cllr Sarah West and seconded by Cllr Tom Reed that the quote of £2,400 be accepted.
The motion was CARRIED (6 for, 2 against, 1 abstention).
RESOLVED that the Clerk orders the fencing.
15 Bus shelter
Cllr Hale moved that a new shelter be bought. The motion was LOST (3 for, 5 against).
16 Tree survey
The item was deferred to the next meeting.
17 Date of next meeting
7 July at 7pm.
"""

NOTICE = """Record of Decision
DECISION TO BE TAKEN BY:
Jo Bright, Cabinet Member for Highways
DECISION NUMBER: 24/00117
Key decision: YES
Subject Matter / Title of Decision Winter gritting routes
Decision:
As Cabinet Member for Highways, I agree to:
APPROVE the revised gritting routes for 2024-25; and
DELEGATE authority to the Director of Highways to vary the routes in severe weather.
Reason(s) for decision:
The routes have not been reviewed since 2019.
"""


def _paper(text: str, doc_id: str, doc_type: str, **meta):
    document = LoadedDocument(doc_id=doc_id, path=f"{doc_id}.txt", text=text)
    info = DocumentMeta(doc_id=doc_id, doc_type=doc_type, **meta)
    minutes = paper_structure(text, doc_type).minutes
    return extract_decisions(document, info, [], minutes)


def test_a_reports_lettered_recommendations_are_one_record_each():
    found = _paper(REPORT, "westshire-rents", "report", body="Cabinet", date="2024-03-04")
    assert [(d.ref, d.kind, d.body, d.date) for d in found] == [
        ("2(a)", "recommended", "Cabinet", "2024-03-04"),
        ("2(b)", "recommended", "Cabinet", "2024-03-04"),
        ("2(c)", "recommended", "Cabinet", "2024-03-04"),
    ]
    assert found[0].text == "approve a rent of £40 a plot from April 2025"
    # Narrative about an earlier decision ("the Cabinet agreed then") is not a record.
    assert not any("freeze" in d.text for d in found)
    assert all(REPORT[d.start : d.end] == d.text for d in found)


def test_minutes_give_resolutions_with_their_mover_seconder_and_vote():
    found = _paper(MINUTES, "marlow-vale-minutes", "minutes", body="Parish Council")
    by_item = {d.ref: d for d in found}
    assert "12" not in by_item and "17" not in by_item  # apologies and a date are not decisions
    assert "approved as a correct record" in by_item["13"].text
    fencing = by_item["14"]
    assert (fencing.mover, fencing.seconder) == ("Cllr Sarah West", "Cllr Tom Reed")
    assert fencing.votes == {"for": 6, "against": 2, "abstain": 1}
    assert fencing.outcome == "carried"
    assert fencing.text.startswith("RESOLVED that the Clerk orders the fencing")
    shelter = by_item["15"]
    assert (shelter.kind, shelter.outcome, shelter.mover) == ("lost", "lost", "Cllr Hale")
    assert by_item["16"].kind == "deferred"
    assert describe_votes(fencing.to_dict()) == (
        "Moved by Cllr Sarah West, seconded by Cllr Tom Reed; carried (6 for, 2 against, 1 abstaining)."
    )


def test_a_record_of_decision_names_its_taker_number_and_key_decision():
    found = _paper(NOTICE, "gritting-decision", "decision", date="2024-10-01")
    assert [d.text[:9] for d in found] == ["APPROVE t", "DELEGATE "]
    first = found[0]
    assert first.body == "Jo Bright, Cabinet Member for Highways"
    assert (first.ref, first.kind, first.key_decision) == ("24/00117", "decision", True)
    assert first.subject == "Winter gritting routes"


def test_agendas_hold_no_decisions():
    agenda = "Agenda\n1. Apologies\n2. To approve the minutes\n3. Planning applications\n"
    assert _paper(agenda, "some-agenda", "agenda") == []


def test_minutes_numbering_is_parsed_once_for_items():
    assert [i.number for i in parse_minutes(MINUTES).items] == ["12", "13", "14", "15", "16", "17"]


# -- the register beside the index ----------------------------------------------------------------


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    (folder / "westshire-rents.txt").write_text(REPORT)
    (folder / "westshire-rents.meta.json").write_text(
        json.dumps(
            {
                "council": "Westshire District Council",
                "body": "Cabinet",
                "date": "2024-03-04",
                "doc_type": "report",
                "access": "exempt",
            }
        )
    )
    store = ChromaStore(path=tmp_path / "index", collection="register")
    register = DecisionStore(tmp_path / "decisions" / "register.sqlite")
    ingester = Ingester(store, HashingEmbedder(), workers=1, decisions=register)
    assert ingester.run([folder]).failed == 0
    return folder, store, register, ingester


def test_corpus_recommendations_are_records_with_body_and_date(library):
    _, store, register, _ = library
    rows = DecisionRegister(store, register).search()
    refs = {(r["doc_id"].split("-")[0], r["ref"], r["body"], r["date"]) for r in rows}
    for n in range(1, 8):
        assert ("harborough", f"2.{n}", "Council", "2011-10-31") in refs
    for letter in "abcd":
        assert ("inverclyde", f"3.0({letter})", "Council", "2010-02-18") in refs
    assert ("bromsgrove", "2.1", "Cabinet", "2009-09-02") in refs
    assert {r for r in refs if r[0] == "leics"} == {
        ("leics", "1", "Leicestershire Environment Board", "2013-02-27"),
        ("leics", "2", "Leicestershire Environment Board", "2013-02-27"),
    }
    assert all(r["chunk_id"] for r in rows)  # each record cites a stored chunk


def test_exempt_decisions_exist_only_for_those_who_may_see_them(library):
    _, store, register, _ = library
    decisions = DecisionRegister(store, register)
    assert not decisions.search("allotment rent")
    assert not decisions.search(filters=Filters(doc_ids=("westshire-rents",)))
    with pytest.raises(FilterError) as raised:
        decisions.search(filters=Filters(councils=("Westshire",)))
    assert "Westshire" not in str(raised.value).split("known:")[-1]
    member = User("ana", "member")
    found = decisions.search("allotment rent", user=member)
    assert found and found[0]["doc_id"] == "westshire-rents"


def test_register_filters_by_kind_body_dates_and_words(library):
    _, store, register, _ = library
    decisions = DecisionRegister(store, register)
    board = decisions.search(filters=Filters(bodies=("environment board",)))
    assert board and {r["body"] for r in board} == {"Leicestershire Environment Board"}
    recent = decisions.search(filters=Filters(since="2011-01-01"))
    assert recent and all(r["date"] >= "2011-01-01" for r in recent)
    old = decisions.search(filters=Filters(until="2009-12-31"))
    assert {r["doc_id"].split("-")[0] for r in old} == {"bromsgrove"}
    shared = decisions.search("shared CEO management team")
    assert shared[0]["ref"] == "2.5"
    assert decisions.search("route map", kinds=["recommended"])
    with pytest.raises(FilterError):
        decisions.search(kinds=["bogus"])
    with pytest.raises(FilterError):
        decisions.search(filters=Filters(since="last year"))


def test_register_follows_reingest_and_prune(library):
    folder, store, register, ingester = library
    decisions = DecisionRegister(store, register)
    path = folder / "bromsgrove-cabinet-2009-09-02-worcestershire-two-tier.txt"
    path.write_text(path.read_text().replace("note the report.", "approve the programme."))
    ingester.run([folder])
    bromsgrove = decisions.search(filters=Filters(councils=("bromsgrove",)))
    assert [r["text"] for r in bromsgrove] == ["The Executive Cabinet approve the programme."]
    path.unlink()
    ingester.run([folder], prune=True)
    assert not decisions.search(filters=Filters(doc_ids=(path.stem,)))
    assert path.stem not in register.file_hashes()


def test_an_index_built_before_the_register_is_filled_in_on_the_next_run(tmp_path):
    store = ChromaStore(path=tmp_path / "index", collection="register")
    Ingester(store, HashingEmbedder(), workers=1).run([CORPUS])
    register = DecisionStore(tmp_path / "decisions.sqlite")
    summary = Ingester(store, HashingEmbedder(), workers=1, decisions=register).run([CORPUS])
    assert summary.documents == 5 and summary.skipped == 0
    assert DecisionRegister(store, register).search("shared CEO")
    again = Ingester(store, HashingEmbedder(), workers=1, decisions=register).run([CORPUS])
    assert again.skipped == 5


def test_cli_prints_one_json_object_per_line_with_the_record_fields(settings, capsys):
    from ingest.service import build_decision_store, build_store
    from retrieval.__main__ import main

    # The register needs no encoder: the CLI's decisions command never loads one.
    register = build_decision_store(settings)
    Ingester(build_store(settings), HashingEmbedder(), workers=1, decisions=register).run([CORPUS])
    assert (
        main(
            ["decisions", "--council", "inverclyde", "--json", "--data-dir", str(settings.data_dir)]
        )
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["ref"] for r in lines] == ["3.0(a)", "3.0(b)", "3.0(c)", "3.0(d)"]
    assert list(lines[0]) == [
        "doc_id", "page", "ref", "kind", "body", "date", "subject", "text", "outcome", "mover",
        "seconder", "votes", "key_decision", "call_in", "chunk_id",
    ]  # fmt: skip
    assert main(["decisions", "--kind", "bogus", "--data-dir", str(settings.data_dir)]) == 2
    assert "kind must be one of" in capsys.readouterr().err


# -- decision questions in chat -------------------------------------------------------------------


def _assistant(root, papers):
    from retrieval.answering import Assistant
    from retrieval.decision_answers import DecisionAnswerer
    from retrieval.extractive import ExtractiveAnswerer
    from retrieval.hybrid import HybridRetriever

    folder = root / "papers"
    folder.mkdir()
    for name, text, meta in papers:
        (folder / f"{name}.txt").write_text(text)
        (folder / f"{name}.meta.json").write_text(json.dumps(meta))
    store = ChromaStore(path=root / "index", collection="answers")
    register = DecisionStore(root / "decisions.sqlite")
    ingester = Ingester(store, HashingEmbedder(), workers=1, decisions=register)
    assert ingester.run([folder]).failed == 0
    retriever = HybridRetriever(store, HashingEmbedder(), lexical_dir=root / "lexical")
    return Assistant(retriever, DecisionAnswerer(ExtractiveAnswerer(), register))


RENTS = {"council": "Westshire District Council", "body": "Cabinet", "date": "2024-03-04"}
MARLOW = {
    "council": "Marlow Vale Parish Council",
    "body": "Parish Council",
    "date": "2024-06-11",
    "doc_type": "minutes",
}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    return _assistant(
        tmp_path_factory.mktemp("decision-answers"),
        (("westshire-rents", REPORT, RENTS), ("marlow-vale-minutes", MINUTES, MARLOW)),
    )


def test_a_vote_question_gets_the_body_date_minute_and_the_minutes_own_words(assistant):
    answer = assistant.answer("How did the vote go on the playground fencing quote?")
    assert answer.kind == "decision" and answer.decisions
    assert "Parish Council (Marlow Vale Parish Council)" in answer.answer
    assert "11 June 2024" in answer.answer and "minute 14" in answer.answer
    assert "CARRIED (6 for, 2 against, 1 abstention)" in answer.answer
    assert answer.citations and answer.citations[0].doc_id == "marlow-vale-minutes"


def test_a_recommendation_is_said_to_be_one_and_a_deferral_is_said_plainly(assistant):
    rent = assistant.answer("What was recommended about allotment rent per plot?")
    assert rent.kind == "decision" and "£40 a plot" in rent.answer
    assert "recommendation; the papers do not record the decision" in rent.answer
    trees = assistant.answer("What did the parish council decide about the tree survey?")
    assert "deferred" in trees.answer.lower()


def test_other_questions_are_left_to_the_answerer(assistant):
    answer = assistant.answer("When is the next meeting of the parish council?")
    assert answer.kind == "" and answer.decisions == []


US_MINUTES = """CITY OF WESTBROOK CITY COUNCIL
Regular Meeting Minutes, March 4, 2019
1. Call to order
Mayor Hale called the meeting to order at 7:00 pm.
2. Consent agenda
Councilor Smith made a motion to approve the consent agenda. Councilor Jones seconded. Motion passed 4-0.
3. Resolution 22-01
Motion by Commissioner Lee, second by Commissioner Park, to adopt Resolution 22-01. Motion carried unanimously.
4. Minutes
MOTION: Councilor Ray moved to approve the minutes as presented; Councilor Dee seconded. The motion carried 5-0.
"""


def test_us_minutes_record_motions_by_mover_second_and_tally():
    found = {
        d.ref: d for d in _paper(US_MINUTES, "westbrook-minutes", "minutes", body="City Council")
    }
    assert (found["2"].mover, found["2"].seconder, found["2"].outcome) == (
        "Councilor Smith",
        "Councilor Jones",
        "carried",
    )
    assert found["2"].votes == {"for": 4, "against": 0, "abstain": None}
    assert (found["3"].mover, found["3"].seconder) == ("Commissioner Lee", "Commissioner Park")
    assert found["3"].votes.get("unanimous") is True
    assert found["4"].votes["for"] == 5 and "1" not in found


CABINET_MINUTES = """Westshire District Council
Minutes of the Cabinet meeting
20 Apologies
None.
21 Allotment rents
RESOLVED that a rent of £40 a plot from April 2025 be approved.
22 Close
The meeting closed at 8pm.
"""


def test_a_matter_recommended_then_resolved_is_shown_as_a_timeline(tmp_path):
    minutes = {**RENTS, "date": "2024-04-08", "doc_type": "minutes"}
    papers = (
        ("westshire-rents", REPORT, RENTS),
        ("westshire-cabinet-minutes", CABINET_MINUTES, minutes),
    )
    answer = _assistant(tmp_path, papers).answer(
        "What was decided on the allotment rent of £40 a plot?"
    )
    assert answer.kind == "decision" and len(answer.decisions) == 2
    assert "Timeline: 4 March 2024: Cabinet was recommended to (para 2(a)); " in answer.answer
    assert "8 April 2024: Cabinet resolved (minute 21)" in answer.answer


# -- the hand labels ------------------------------------------------------------------------------


def test_label_matching_tolerates_a_list_label_and_takes_each_side_once():
    from evals.decision_eval import match, overlap

    record = {
        "text": "Approve and implement increase of £56 to £124 for first vehicle permit tariffs."
    }
    assert overlap(record["text"], "2a. Approve and implement increase of £56 to £124") > 0.85
    assert overlap(record["text"], "Approved the minutes of the last meeting") == 0.0
    labels = [
        {"text": "a. Approve and implement increase of £56 to £124", "unsure": True},
        {"text": "Approve and implement increase of £56 to £124 for first vehicle"},
    ]
    assert match([record], labels) == [(0, 1)]  # a sure label first


@pytest.mark.slow
def test_decision_extraction_against_the_hand_labels(realdocs):
    from evals.decision_eval import evaluate

    folders = [realdocs, realdocs.parent / "realdocs2"]
    if not folders[1].is_dir():
        pytest.skip("../shared/realdocs2 is not present")
    parts = evaluate(folders)["parts"]
    tuning, held_out = parts["tuning"], parts["held-out"]
    assert tuning["labels"] >= 60 and held_out["labels"] >= 40
    assert tuning["precision"] >= 0.9 and tuning["recall"] >= 0.9
    # Held-out papers are a figure to read; this floor only stops it falling (README has it).
    assert held_out["precision"] >= 0.65 and held_out["recall"] >= 0.45
    for part in (tuning, held_out):
        for ok, n in [field[1:] for field in part["fields"].values()]:
            assert ok >= n - 1


@pytest.mark.parametrize(
    "text, refs",
    [
        (
            "Resolved:\n(g) one thing\n(h) two thing\n(i) three thing\n(j) four\nEnd",
            ["g", "h", "i", "j"],
        ),
        (
            "Resolved:\n(1) one thing\n(i) sub one\n(ii) sub two\n(2) two\nEnd",
            ["1(i)", "1(ii)", "2"],
        ),
        # a text layer that runs a list onto one line
        (
            "Council is asked to:\n(1) Endorse the plan (2) Note the risks (3) Agree the dates\n1. Background",
            ["1", "2", "3"],
        ),
        # a sub-heading inside the list, then a new list that starts again at 1
        (
            "That the Board:\n1. Approve the scheme.\n2. Fund it.\nContractual:\n3. Award the contract.\n"
            "Benefits:\n1. Cleaner air.",
            ["1", "2", "3"],
        ),
        # a group title heads the lettered parts under it
        (
            "The Committee:\n1. Started a review.\n2. Residents Parking\na. Approve the new tariff.\nb. Note the costs.\n"
            "(e) Exempt information?",
            ["1", "2(a)", "2(b)"],
        ),
    ],
)
def test_list_parts_follow_the_numbering_of_the_list(text, refs):
    from ingest.decision_parts import list_parts

    assert [
        p.ref
        for p in list_parts(text, 0, len(text), outer="paren_alpha" if "(e)" in text else None)
    ] == refs


def test_a_us_agenda_recommendation_after_its_item_title_is_a_record():
    agenda = (
        "CITY OF WESTBROOK CITY COUNCIL AGENDA\n"
        "REPORT 23-0100 TREE TRIMMING CONTRACT (Public Works Director Ana Ruiz) Recommendation: "
        "Staff recommends City Council award a tree trimming contract to Greenleaf Inc.\n"
    )
    found = _paper(agenda, "westbrook-report", "report", body="City Council")
    assert [d.text for d in found] == [
        "Staff recommends City Council award a tree trimming contract to Greenleaf Inc."
    ]


@pytest.mark.parametrize(
    "sentence, mover, seconder, outcome",
    [
        (
            "Cllr Ash proposed, Cllr Oak seconded, all in favour, that the hedge be cut.",
            "Cllr Ash",
            "Cllr Oak",
            "",
        ),
        ("Proposed: Cllr Ash. Seconded: Cllr Oak. Carried.", "Cllr Ash", "Cllr Oak", "carried"),
        (
            "A motion was made by Councilor Smith and seconded by Councilor Jones to approve the agenda. "
            "The motion passed 5-0.",
            "Councilor Smith",
            "Councilor Jones",
            "carried",
        ),
        (
            "On a motion by Councilor Smith, seconded by Councilor Jones, the Council approved the budget.",
            "Councilor Smith",
            "Councilor Jones",
            "carried",
        ),
    ],
)
def test_the_ways_minutes_write_a_motion(sentence, mover, seconder, outcome):
    text = (
        f"WESTBROOK PARISH COUNCIL\n10 Apologies\nNone.\n11 Hedges\n{sentence}\n12 Close\nEnded.\n"
    )
    found = [
        d for d in _paper(text, "westbrook", "minutes", body="Parish Council") if d.ref == "11"
    ]
    assert [(d.mover, d.seconder, d.outcome) for d in found] == [(mover, seconder, outcome)]
