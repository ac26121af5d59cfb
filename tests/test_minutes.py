"""The structure of minutes: items by minute number, attendance, motions with mover, seconder,
outcome and vote, resolutions; chunks that follow the items; golden records of real minutes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.chunking import StructureChunker
from ingest.loaders import load_document
from ingest.minutes import MinutesStructure, find_items, parse_minutes
from ingest.records import DocumentMeta, LoadedDocument
from retrieval.records import Citation
from tests.conftest import REPO

SHARED = REPO.parent / "shared"


def _words(texts):
    return [len(t.split()) for t in texts]


# -- general rules, on small made-up minutes --------------------------------------------------

PARISH = """ASHFORD PARISH COUNCIL
Minutes of the meeting held on 3 March 2025
Present: Cllrs Ash (Chair), Birch and Cedar. In attendance: the Clerk.
Apologies: Cllr Dogwood.
23/041 Declarations of interest
Cllr Birch declared a pecuniary interest in item 23/044.
23/042 Minutes
The minutes of 3 February were approved.
23/043 Play area
Proposed Cllr Ash, seconded Cllr Cedar, that the quote of £4,200 be accepted. CARRIED (5 for, 2 against, 1 abstention).
RESOLVED: to accept the quote of £4,200 from Swings Ltd.
23/044 Allotment rents
Councillor Cedar moved that rents rise by 3%. The motion was seconded by Councillor Ash.
A recorded vote was taken. Ayes: Ash, Cedar and Elm. Noes: Birch. The motion was carried.
23/046 Date of next meeting
7 April 2025."""


def test_items_rise_by_minute_number_and_skip_a_withdrawn_one():
    items = find_items(PARISH)
    assert [(i.number, i.title) for i in items] == [
        ("23/041", "Declarations of interest"),
        ("23/042", "Minutes"),
        ("23/043", "Play area"),
        ("23/044", "Allotment rents"),
        ("23/046", "Date of next meeting"),
    ]
    assert all(PARISH[i.start :].startswith(i.number) for i in items)
    assert items[-1].end == len(PARISH)


def test_a_motion_with_mover_seconder_outcome_and_counts():
    minutes = parse_minutes(PARISH)
    play = minutes.items[2].motions
    assert len(play) == 1
    motion = play[0]
    assert (motion.mover, motion.seconder, motion.outcome) == ("Cllr Ash", "Cllr Cedar", "carried")
    assert (motion.votes_for, motion.votes_against, motion.abstentions) == (5, 2, 1)
    assert [PARISH[a:b] for a, b in minutes.items[2].resolutions] == [
        "RESOLVED: to accept the quote of £4,200 from Swings Ltd."
    ]


def test_a_recorded_vote_names_who_voted_each_way():
    motion = parse_minutes(PARISH).items[3].motions[0]
    assert (motion.mover, motion.seconder, motion.outcome) == (
        "Councillor Cedar",
        "Councillor Ash",
        "carried",
    )
    assert motion.voted_for == ["Ash", "Cedar", "Elm"]
    assert motion.voted_against == ["Birch"]


def test_attendance_and_declarations():
    minutes = parse_minutes(PARISH)
    att = minutes.attendance
    assert att.present == ["Ash (Chair)", "Birch", "Cedar"]
    assert att.in_attendance == ["the Clerk"]
    assert att.apologies == ["Cllr Dogwood"]
    ((a, b),) = minutes.items[0].declarations
    assert PARISH[a:b] == "Cllr Birch declared a pecuniary interest in item 23/044."


def test_numbered_resolutions_inside_an_item_are_not_items():
    text = (
        "Minutes\n1 Apologies\nNone.\n2 Budget\nIt was RESOLVED:\n1. That the budget be set.\n"
        "2. Fees\n3 Roads\nThe amendment was moved by Cllr Oak and seconded by Cllr Elm.\n"
        "On being put to the vote the amendment was LOST (2 voting for, 6 against).\n4 Close\nEnd."
    )
    minutes = parse_minutes(text)
    assert [i.number for i in minutes.items] == ["1", "2", "3", "4"]
    (res,) = minutes.items[1].resolutions
    assert text[res[0] : res[1]] == "It was RESOLVED:\n1. That the budget be set.\n2. Fees"
    (lost,) = minutes.items[2].motions
    assert (lost.kind, lost.outcome, lost.votes_for, lost.votes_against) == (
        "amendment",
        "lost",
        2,
        6,
    )


def test_an_outcome_attaches_to_the_motion_it_names_and_a_tally_counts():
    text = (
        "Minutes\n1 Open\nOpened.\n2 Parks\nThe recommendation was moved by Cllr Ash and seconded by "
        "Cllr Oak.\nCllr Elm moved an amendment, seconded by Cllr Fir.\nThe amendment was withdrawn.\n"
        "The recommendation passed 6-1.\n3 Close\nEnd."
    )
    rec, amendment = parse_minutes(text).items[1].motions
    assert (amendment.mover, amendment.seconder, amendment.outcome) == (
        "Cllr Elm",
        "Cllr Fir",
        "withdrawn",
    )
    assert (rec.mover, rec.outcome, rec.votes_for, rec.votes_against) == (
        "Cllr Ash",
        "carried",
        6,
        1,
    )


def test_discussion_that_mentions_approval_is_no_vote():
    text = (
        "Minutes\n1 Open\nOpened.\n2 Parking\nIt was noted that the charge had been approved by the "
        "previous administration.\nMembers discussed £124 for a first permit.\n3 Close\nEnd."
    )
    assert parse_minutes(text).items[1].motions == []


def test_no_items_in_text_without_a_run_of_minute_numbers():
    assert find_items("1 Introduction\nSome text.\n5 Costs\nMore text.") == []


def test_structure_round_trips_through_the_document_record():
    minutes = parse_minutes(PARISH)
    again = MinutesStructure.from_dict(minutes.to_dict())
    assert again == minutes
    offset = PARISH.index("seconded Cllr Cedar")
    assert again.motion_at(offset) is again.items[2].motions[0]


def test_minutes_chunks_follow_items_and_citations_name_the_minute():
    doc = LoadedDocument(doc_id="ashford-minutes", path="x.txt", text=PARISH)
    meta = DocumentMeta(doc_id=doc.doc_id, doc_type="minutes")
    chunks = StructureChunker(_words, target_tokens=400).chunk(doc, meta, parse_minutes(PARISH))
    items = parse_minutes(PARISH).items
    for chunk in chunks:
        assert PARISH[chunk.start : chunk.end] == chunk.text
        if chunk.minute:
            (item,) = [i for i in items if i.number == chunk.minute]
            assert item.start <= chunk.start and chunk.end <= item.end  # never across items
            assert chunk.section[0] == item.label
    play = next(c for c in chunks if "Proposed Cllr Ash" in c.text)
    assert play.minute == "23/043"
    assert "23/043 Play area" in play.embed_text
    citation = Citation.from_chunk(1, play, "CARRIED (5 for, 2 against, 1 abstention)")
    assert "minute 23/043" in citation.label()


# -- golden records of real minutes (tuning papers of the realworld split) --------------------


def _real(folder: str, name: str) -> str:
    path = SHARED / folder / f"{name}.pdf"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return load_document(path, 50_000_000).text


def _motions(text: str, minutes: MinutesStructure) -> list[tuple]:
    return [
        (
            item.number,
            m.kind,
            m.mover,
            m.seconder,
            m.outcome,
            m.unanimous,
            m.votes_for,
            m.votes_against,
            m.abstentions,
        )
        for item in minutes.items
        for m in item.motions
    ]


def test_golden_bristol_committee_minutes():
    text = _real("realdocs", "bristol_tcpc_2024-09-12_printed_minutes")
    minutes = parse_minutes(text)
    assert [i.number for i in minutes.items] == [str(n) for n in range(1, 13)]
    assert minutes.items[6].title.startswith("Opportunities to promote sustainable transport")
    assert minutes.items[9].title == "Workplace Parking Levy"
    assert minutes.attendance.present[:2] == ["Ed Plowden (Chair)", "Graham Morris (Vice-Chair)"]
    assert len(minutes.attendance.present) == 9
    assert minutes.attendance.apologies == ["Councillor Coombes"]
    plowden = "Councillor Plowden"
    got = _motions(text, minutes)
    expected_in_item_7 = [
        ("7", "recommendation", plowden, "Councillor Edwards", "carried", True, None, None, None),
        ("7", "recommendation", plowden, "Councillor Morris", "carried", False, 6, 0, 3),
        ("7", "recommendation", plowden, "Councillor Wilcox", "carried", True, None, None, None),
        ("7", "recommendation", plowden, "Councillor Edwards", "carried", True, None, None, None),
        ("7", "amendment", "Councillor Wilcox", "Councillor Bryher", "carried", False, 5, 1, None),
    ]
    assert got[:5] == expected_in_item_7
    assert (
        "7",
        "amendment",
        "Councillor Clark",
        "Councillor Morris",
        "lost",
        False,
        2,
        7,
        None,
    ) in got
    assert (
        "7",
        "amendment",
        "Councillor Rippington",
        "Councillor Alexander",
        "carried",
        False,
        7,
        0,
        2,
    ) in got
    assert ("7", "recommendation", plowden, "Councillor Bryher", "lost", False, 4, 5, None) in got
    assert got[-2:] == [
        ("10", "recommendation", plowden, "Councillor Wilcox", "carried", False, 8, 1, None),
        (
            "10",
            "amendment",
            "Councillor Self",
            "Tim Rippington",
            "withdrawn",
            False,
            None,
            None,
            None,
        ),
    ]
    assert len(got) == 20  # 16 under item 7 (recommendations 1–8 and three amendments)
    resolved = [text[a:b] for i in minutes.items for a, b in i.resolutions]
    assert resolved[-1].startswith("It was RESOLVED that the Committee noted the contents")
    assert sum(r.startswith("It was APPROVED") for r in resolved) == 14


def test_golden_parish_minutes_with_run_on_minute_numbers():
    text = _real("realdocs2", "tintern_cc_2018-01-08_minutes")
    minutes = parse_minutes(text)
    assert [i.number for i in minutes.items] == [str(n) for n in range(2399, 2415)]
    titles = {i.number: i.title for i in minutes.items}
    assert titles["2401"] == "Apologies for absence"
    assert titles["2406"] == "Planning Permissions"
    assert titles["2413"] == "Any Other Business"
    present = minutes.attendance.present
    assert present[0] == "Chairman Cllr Shewell" and "County Cllr Webb" in present
    assert len(present) == 10
    assert minutes.attendance.apologies == []  # "Apologies for absence: None."
    decl = minutes.items[3].declarations
    assert [text[a:b] for a, b in decl] == ["None."]
    assert _motions(text, minutes) == []  # it records no motion or vote


def test_golden_bulleted_minutes_with_motion_and_second_in_brackets():
    text = _real("realdocs", "us_chicago_ssa21_commission_2018-01-29_minutes")
    minutes = parse_minutes(text)
    att = minutes.attendance
    assert att.present[:6] == [
        "Anthony Qaiyum",
        "Zach Maiorca",
        "Melaina Prest",
        "Chris Dallas",
        "Ben Munro",
        "Todd Feinberg",
    ]
    assert att.absent == ["Shelley Young", "Pat Bader"]
    got = [(m.mover, m.seconder, m.outcome) for m in minutes.items[0].motions]
    assert got == [
        ("M. Prest", "C. Dallas", ""),
        ("Z. Maiorca", "T. Feinberg", "approved"),
        ("B. Munro", "C. Dallas", "approved"),
        ("", "", "approved"),
        ("B. Munro", "Z. Maiorca", "approved"),
    ]
    budget = minutes.items[0].motions[-1]
    assert "Revised 2018 budget" in text[budget.start : budget.end]


def test_real_minutes_ingest_chunks_by_item(tmp_path: Path):
    text_path = SHARED / "realdocs2" / "tintern_cc_2018-01-08_minutes.pdf"
    if not text_path.exists():
        pytest.skip("../shared/realdocs2 is not present")
    doc = load_document(text_path, 50_000_000)
    meta = DocumentMeta(doc_id=doc.doc_id, doc_type="minutes")
    chunks = StructureChunker(_words).chunk(doc, meta, parse_minutes(doc.text))
    planning = [c for c in chunks if c.minute == "2406"]
    assert planning and all("Planning Permissions" in c.section[0] for c in planning)
    assert any("DC/2017/01407" in c.text for c in planning)
    assert not any(c.minute == "2406" and "2407." in c.text for c in chunks)


def _minutes_catalog(text: str, target_tokens: int):
    """Chunks of made-up minutes and a catalog whose document record holds their structure."""
    from retrieval.catalog import Catalog

    doc = LoadedDocument(doc_id="oakham-minutes", path="x.txt", text=text)
    meta = DocumentMeta(doc_id=doc.doc_id, doc_type="minutes", council="Oakham Town Council")
    minutes = parse_minutes(text)
    chunker = StructureChunker(_words, target_tokens=target_tokens)
    chunks = chunker.chunk(doc, meta, minutes)
    metas = [c.to_metadata() for c in chunks]
    record = {**meta.to_metadata(), "structure": json.dumps({"minutes": minutes.to_dict()})}
    return chunks, Catalog(chunks, metas, {doc.doc_id: record}, fingerprint=text)


def test_a_motion_question_finds_the_vote_through_the_motion_record():
    """The vote sentence says only "the amendment"; the record joins it to what was moved."""
    from retrieval.catalog import Catalog
    from retrieval.features import FeatureContext, unit_features
    from retrieval.question import Question
    from retrieval.units import Unit
    from retrieval.wordstats import Idf

    text = (
        "Minutes\n1 Apologies\nNone.\n2 Parking charges\nThe report was moved by Cllr Ash and "
        "seconded by Cllr Oak.\nCllr Elm moved an amendment to keep free parking at the library.\n"
        "Members discussed the effect on shops.\nThe amendment was seconded by Cllr Fir.\n"
        "On being put to the vote the amendment was LOST (2 for, 6 against).\n"
        "3 Allotments\nThe rents were agreed. The vote was unanimous.\n4 Close\nEnded."
    )
    chunks, catalog = _minutes_catalog(text, target_tokens=12)
    assert catalog.minutes("oakham-minutes") == parse_minutes(text)
    q = Question.parse("How did the vote go on the amendment to keep free parking at the library?")
    assert q.vote

    def unit_with(words):
        chunk = next(c for c in chunks if words in c.text)
        start = chunk.text.index(words)
        return Unit(chunk, start, start + len(words), rank=1)

    lost = unit_with("On being put to the vote the amendment was LOST (2 for, 6 against).")
    other = unit_with("The vote was unanimous.")
    ctx = FeatureContext.build(q, [lost, other], catalog, Idf.count(catalog, ("public",)))
    f_lost, f_other = unit_features(lost, q, ctx), unit_features(other, q, ctx)
    assert f_lost["record_for_motion"] > 0.5 and f_lost["record_answers"] == 1.0
    assert f_other["record_for_motion"] < f_lost["record_for_motion"]
    # A catalog read from an older ingest has no structure: the features are simply 0.
    metas = [c.to_metadata() for c in chunks]
    bare = Catalog(chunks, metas, {"oakham-minutes": metas[0]}, fingerprint="old")
    ctx = FeatureContext.build(q, [lost], bare, Idf.count(bare, ("public",)))
    assert unit_features(lost, q, ctx)["record_for_motion"] == 0.0


def test_a_vote_question_is_answered_from_the_whole_record_of_the_motion():
    """Mover, seconder and vote stand in three sentences; the answer shows them together."""
    from retrieval.question import Question
    from retrieval.units import Unit, motion_record_units

    text = (
        "Minutes\n1 Apologies\nNone.\n2 Parking charges\nMembers discussed the charges at length "
        "and heard from traders about the effect on the high street.\n"
        "Cllr Elm moved an amendment to keep free parking at the library.\n"
        "Members discussed the effect on shops and on the library's visitors in some detail.\n"
        "The amendment was seconded by Cllr Fir.\n"
        "On being put to the vote the amendment was LOST (2 for, 6 against).\n"
        "3 Allotments\nThe rents were agreed.\n4 Close\nEnded."
    )
    chunks, catalog = _minutes_catalog(text, target_tokens=14)
    vote = "On being put to the vote the amendment was LOST (2 for, 6 against)."
    chunk = next(c for c in chunks if vote in c.text)
    best = Unit(chunk, chunk.text.index(vote), chunk.text.index(vote) + len(vote), rank=1)
    q = Question.parse("How did the vote go on keeping free parking at the library?")
    shown = [u.text for u in motion_record_units(best, catalog, q)]
    assert shown == [
        "Cllr Elm moved an amendment to keep free parking at the library.",
        "The amendment was seconded by Cllr Fir.",
        vote,
    ]
    outside = next(c for c in chunks if "The rents were agreed." in c.text)
    assert motion_record_units(Unit(outside, 0, len(outside.text), rank=1), catalog, q) == []
