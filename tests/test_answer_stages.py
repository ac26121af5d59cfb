"""The answering stages one by one, on invented papers, with a scripted weights record.

The weights here are a fake for the tests (coverage and the answer's type count): the real,
fitted record is exercised in tests/test_extractive.py.
"""

from __future__ import annotations

import json

import pytest

from ingest.records import DocumentMeta
from retrieval.abstention import QUESTION_FEATURES
from retrieval.catalog import Catalog
from retrieval.features import UNIT_FEATURES, FeatureContext, unit_features
from retrieval.presentation import present, render, render_row
from retrieval.question import Question
from retrieval.records import Hit, SearchResult
from retrieval.scoring import Weights, WeightsError
from retrieval.selection import rank, select, shaped
from retrieval.units import candidates
from retrieval.wordstats import Idf
from tests.conftest import chunk_at

FAKE = Weights(
    unit={"coverage": 4.0, "type_missing": -3.0, "hit_rank": 0.5, "row_header": 1.0},
    unit_bias=-2.0,
    abstain={"best_coverage": -6.0},
    abstain_bias=2.0,
    abstain_threshold=0.5,
    companion=0.9,
)
WEST = DocumentMeta(
    doc_id="westshire-parks",
    title="Parks and Open Spaces",
    council="Westshire District Council",
    body="Cabinet",
    date="2024-03-12",
)
EAST = DocumentMeta(
    doc_id="easton-minutes",
    title="Cabinet minutes",
    council="Easton Borough Council",
    body="Cabinet",
    date="2024-04-02",
)
HEADER = "Site\tLead officer\tBudget"


def catalog_of(pieces):
    """Chunks from (meta, text, kind, paragraphs, section, lead) in reading order per paper."""
    chunks, offsets, positions = [], {}, {}
    for meta, text, kind, paragraphs, section, lead in pieces:
        start = offsets.get(meta.doc_id, 0)
        position = positions.get(meta.doc_id, 0)
        chunks.append(chunk_at(meta, text, start, position, kind, section, paragraphs, lead))
        offsets[meta.doc_id] = start + len(text) + 1
        positions[meta.doc_id] = position + 1
    metas = [c.to_metadata() for c in chunks]
    return chunks, Catalog(
        chunks, metas, {m["doc_id"]: m for m in metas}, fingerprint=str(len(chunks))
    )


CHUNKS, CATALOG = catalog_of(
    [
        (
            WEST,
            "3.1 The parks budget for 2024/25 is £1.2m. Contact officer: Sarah West.",
            "paragraph",
            ("3.1",),
            ("3. FINANCE",),
            "",
        ),
        (
            WEST,
            "Northfield Park\tJane Smith\t£200,000",
            "table_row",
            ("3.2",),
            ("3. FINANCE",),
            HEADER,
        ),
        (
            WEST,
            "Southgate Common\tAli Khan\t£150,000",
            "table_row",
            ("3.2",),
            ("3. FINANCE",),
            HEADER,
        ),
        (
            WEST,
            "4.1 The Cabinet is recommended to approve the new play areas.",
            "paragraph",
            ("4.1",),
            ("4. RECOMMENDATIONS",),
            "",
        ),
        (
            EAST,
            "12. Depot. Councillor North moved the motion, seconded by Councillor Patel. CARRIED (6 for, 2 against).",
            "paragraph",
            ("12",),
            ("12 Depot",),
            "",
        ),
    ]
)
IDF = Idf.count(CATALOG, ("public",))


def analysed(question: str, picks=None):
    picks = range(len(CHUNKS)) if picks is None else picks
    q = Question.parse(question, IDF.known)
    hits = [Hit(CHUNKS[i], 1.0 / (n + 1), n + 1) for n, i in enumerate(picks)]
    units = candidates(q, SearchResult(hits, question, question), CATALOG)
    ctx = FeatureContext.build(q, units, CATALOG, IDF)
    return q, rank(units, q, ctx, FAKE), ctx


def test_features_are_named_numbers_for_every_unit():
    q, ranked, ctx = analysed("What is the parks budget for 2024/25?")
    features = unit_features(ranked[0], q, ctx)
    assert set(features) == set(UNIT_FEATURES)
    assert all(isinstance(v, float) for v in features.values())
    assert features["figure_for_number"] == 1.0 and features["coverage"] > 0.5


def test_words_naming_the_paper_do_not_count_towards_what_is_asked():
    # "Westshire", "Parks" and "Cabinet" name the paper; "play areas" is what is asked.
    q, ranked, ctx = analysed("What did the Westshire Parks Cabinet recommend on play areas?")
    by_text = {u.text: unit_features(u, q, ctx) for u in ranked}
    play = next(f for t, f in by_text.items() if "play areas" in t)
    budget = next(f for t, f in by_text.items() if "parks budget" in t)
    assert play["coverage_topic"] > budget["coverage_topic"]
    assert budget["coverage_topic"] < budget["coverage"]  # "parks" names the paper there


def test_the_abstention_inputs_say_how_much_of_what_is_asked_the_evidence_covers():
    from retrieval.abstention import QUESTION_FEATURES, question_features

    asked = {}
    for question in ("What is the parks budget for 2024/25?", "What is the Parks skatepark fee?"):
        q, ranked, ctx = analysed(question)
        asked[question] = question_features(q, ranked, ctx)
        assert set(asked[question]) == set(QUESTION_FEATURES)
    held, absent = asked.values()
    assert held["typed_topic"] > absent["typed_topic"]  # no figure for a skatepark anywhere


def test_a_typed_question_keeps_only_units_of_its_type():
    q, ranked, _ = analysed("Who seconded the depot motion?")
    kept = shaped(q, ranked, IDF.common)
    assert kept and all("Councillor" in u.text or "Sarah West" in u.text or u.is_row for u in kept)
    q, ranked, _ctx = analysed("When will the Easton depot open?", picks=[4, 3])
    assert shaped(q, ranked, IDF.common) == []  # no date in the evidence: nothing answers it


def test_a_question_put_to_the_meeting_is_not_its_own_answer():
    chunks, catalog = catalog_of(
        [
            (
                WEST,
                "Question 1 from Mr Green: What will the council do with the old skatepark site?",
                "paragraph",
                (),
                ("Public questions",),
                "",
            ),
            (
                WEST,
                "Reply: The site will become a community garden run with local volunteers.",
                "paragraph",
                (),
                ("Public questions",),
                "",
            ),
        ]
    )
    idf = Idf.count(catalog, ("public",))
    question = "What will the council do with the old skatepark site?"
    q = Question.parse(question, idf.known)
    hits = [Hit(c, 1.0 / (n + 1), n + 1) for n, c in enumerate(chunks)]
    units = candidates(q, SearchResult(hits, question, question), catalog)
    ranked = rank(units, q, FeatureContext.build(q, units, catalog, idf), FAKE)
    kept = shaped(q, ranked, idf.common)
    assert kept and "community garden" in kept[0].text  # the reply, though the question
    # repeats every word asked


def test_a_row_answers_with_the_cell_asked_for_and_the_whole_table_when_asked():
    q, ranked, _ = analysed("Who is the lead officer for Southgate Common?", picks=[2, 1, 0])
    best = shaped(q, ranked, IDF.common)[0]
    assert render(best, q, 400)[0] == "Ali Khan"
    q, ranked, _ = analysed("Which lead officer and budget does each site have?", picks=[1, 2])
    chosen = select(q, shaped(q, ranked, IDF.common), CATALOG, FAKE)
    assert [u.chunk.id for u in chosen] == [CHUNKS[1].id, CHUNKS[2].id]


def test_an_uncertain_cell_is_shown_with_its_row():
    one_column = Question.parse("Who is the lead officer for Southgate Common?", IDF.known)
    assert render_row(CHUNKS[2].text, HEADER, one_column) == "Ali Khan"
    two_columns = Question.parse("What lead officer and budget has Southgate Common?", IDF.known)
    assert render_row(CHUNKS[2].text, HEADER, two_columns) == (
        "Southgate Common: Ali Khan; £150,000"
    )


def test_presented_answers_quote_their_chunks_verbatim():
    q, ranked, _ = analysed("What is the parks budget for 2024/25?")
    answer = present(q.text, q, select(q, shaped(q, ranked, IDF.common), CATALOG, FAKE), CATALOG)
    assert "£1.2m" in answer.answer and answer.citations[0].paragraph == "3.1"
    by_id = {c.id: c for c in CHUNKS}
    assert all(c.quote in by_id[c.chunk_id].text for c in answer.citations)


def test_a_question_naming_two_papers_gets_the_best_unit_of_each():
    from dataclasses import replace

    q, ranked, _ = analysed("What did the Westshire cabinet and the Easton cabinet decide?")
    q = replace(q, cross=True, papers=("westshire-parks", "easton-minutes"))
    chosen = select(q, shaped(q, ranked, IDF.common), CATALOG, FAKE)
    assert {u.chunk.doc_id for u in chosen} == {"westshire-parks", "easton-minutes"}


def test_weights_round_trip_and_refuse_features_the_code_does_not_compute(tmp_path):
    path = tmp_path / "weights.json"
    FAKE.save(path)
    assert Weights.load(path) == FAKE
    assert FAKE.unit_probability({"coverage": 1.0}) > FAKE.unit_probability({"coverage": 0.2})
    data = json.loads(path.read_text())
    data["unit"]["sparkle"] = 1.0
    path.write_text(json.dumps(data))
    with pytest.raises(WeightsError, match="sparkle"):
        Weights.from_dict(data)
    assert set(FAKE.abstain) <= set(QUESTION_FEATURES)


def test_the_shipped_weights_are_fitted_and_name_how():
    weights = Weights.load()
    assert set(weights.unit) == set(UNIT_FEATURES)
    assert set(weights.abstain) == set(QUESTION_FEATURES)
    assert weights.fitted["command"].startswith("python -m evals fit")
    assert weights.fitted["tuning_questions"] > 100


def test_abstention_follows_the_record_and_two_facts_that_hold_whatever_the_fit():
    from dataclasses import replace

    floor = replace(FAKE, abstain_threshold=1.01, typed_floor=0.4)
    typed = {"wants_type": 1.0, "typed_coverage": 0.2}
    assert floor.abstains(typed, 0.1)  # the best passage of the wanted kind covers too little
    assert not floor.abstains({**typed, "typed_coverage": 0.6}, 0.1)
    assert not floor.abstains({"wants_type": 0.0, "typed_coverage": 0.0}, 0.1)
    never = replace(FAKE, abstain_threshold=1.01)
    assert never.abstains({"named_unknown": 1.0}, 0.0)  # names what no paper mentions
    assert never.abstains({"after_papers": 1.0}, 0.0)  # a meeting after every paper found
    assert FAKE.abstains({}, 0.6) and not FAKE.abstains({}, 0.4)
