"""The offline extractive answerer end to end, with the fitted weights, on invented papers: the
smallest unit that answers, verbatim quotes, honest abstention."""

from __future__ import annotations

import re

from ingest.records import Chunk, DocumentMeta
from retrieval.catalog import Catalog
from retrieval.extractive import ExtractiveAnswerer
from retrieval.records import ABSTAIN_TEXT, Hit, SearchResult
from tests.conftest import chunk_at

VALE = DocumentMeta(
    doc_id="westshire",
    title="Valeside Partnership Review – Next Steps",
    council="Westshire Council",
    body="Council",
    date="2010-02-18",
)
EPS = DocumentMeta(
    doc_id="easton",
    title="EPS Programme",
    council="Easton District Council",
    body="Cabinet",
    date="2009-09-02",
)
HEADER = "Priority\tWork Stream\tLead Authorities"
ROWS = [
    "1.\tAn integrated Highways Maintenance Approach\tNorthby and Southam",
    "2.\tAn integrated Health and Social Care Service\tWestleigh",
    "5.\tDeveloping an Approach to the Back Office\tEastleigh and Westshire",
    "7.\tCommon Charging Framework\tUpton",
]


def make_chunks() -> list[Chunk]:
    chunks = []
    offset = 0

    def add(meta, text, kind="paragraph", paragraphs=(), lead="", section=("2.0 SUMMARY",)):
        nonlocal offset
        position = sum(c.doc_id == meta.doc_id for c in chunks)
        chunks.append(chunk_at(meta, text, offset, position, kind, section, paragraphs, lead))
        offset += len(text) + 1

    add(
        VALE,
        "2.5 The Partnership agreed that Phase 1 will focus on the following work streams:",
        paragraphs=("2.5",),
    )
    for row in ROWS:
        add(VALE, row, kind="table_row", paragraphs=("2.5",), lead=HEADER)
    add(
        VALE,
        "2.6 Lead authorities must now identify a lead officer for each work stream. "
        "The next meeting of the Partnership will be held on 12 March 2010.",
        paragraphs=("2.6",),
    )
    add(
        EPS,
        "10.1 During late 2008 the EPS programme successfully secured funding from the "
        "Regional Improvement Fund. There is currently £240K available "
        "to support the further development of EPS projects.",
        paragraphs=("10.1",),
        section=("10. FINANCIAL IMPLICATIONS",),
    )
    add(
        EPS,
        "It is recommended that Cabinet notes the progress of the EPS programme and "
        "endorses the Licensing Services business case.",
        paragraphs=("2.1",),
        section=("2. RECOMMENDATIONS",),
    )
    return chunks


def catalog_and_hits(chunks, ids=None):
    metas = [c.to_metadata() for c in chunks]
    docs = {m["doc_id"]: m for m in metas}
    catalog = Catalog(chunks, metas, docs, fingerprint="test")
    return catalog


def ask(question, picks):
    chunks = make_chunks()
    catalog = catalog_and_hits(chunks)
    hits = [Hit(chunks[i], 1.0 / (n + 1), n + 1) for n, i in enumerate(picks)]
    result = SearchResult(hits, question, question)
    return ExtractiveAnswerer().answer(question, result, catalog), chunks


def assert_quotes_verbatim(answer, chunks):
    by_id = {c.id: c for c in chunks}
    for citation in [*answer.citations, *answer.suggestions]:
        assert citation.quote in by_id[citation.chunk_id].text
        assert len(citation.quote) <= 300


def test_table_lookup_answers_with_the_cell_asked_for():
    answer, chunks = ask(
        "Which councils lead the integrated highways maintenance work stream?", [1, 0, 3]
    )
    assert answer.answer == "Northby and Southam [1]."
    [citation] = answer.citations
    assert citation.paragraph == "2.5" and citation.council == "Westshire Council"
    assert citation.quote == ROWS[0]
    assert_quotes_verbatim(answer, chunks)


def test_whole_table_question_lists_every_row_with_its_citation():
    answer, chunks = ask("Which authorities lead which work stream?", [2, 0])
    lines = answer.answer.splitlines()
    assert len(lines) == len(ROWS)
    assert lines[0] == "- An integrated Highways Maintenance Approach: Northby and Southam [1]"
    assert len(answer.citations) == len(ROWS)
    assert_quotes_verbatim(answer, chunks)


def test_amount_question_quotes_the_sentence_with_the_amount_not_the_paragraph():
    answer, chunks = ask("How much is available to support EPS projects?", [6, 7])
    assert "£240K" in answer.answer and len(answer.answer) <= 300  # short, with its sentence
    assert answer.citations[0].paragraph == "10.1"
    assert_quotes_verbatim(answer, chunks)


def test_date_question_prefers_the_sentence_with_a_date():
    answer, chunks = ask("When will the Partnership next meet?", [5, 0])
    assert "12 March 2010" in answer.answer
    assert_quotes_verbatim(answer, chunks)


def test_recommendation_question_answers_from_the_recommendations():
    answer, chunks = ask("What was the Easton Cabinet recommended to do about EPS?", [6, 7])
    assert "endorses the Licensing Services business case" in answer.answer
    assert_quotes_verbatim(answer, chunks)


def test_abstains_when_a_named_thing_is_not_in_the_papers():
    answer, chunks = ask("Which councils lead the Oldport tram levy work stream?", [1, 2, 3])
    assert answer.abstained and answer.answer == ABSTAIN_TEXT
    assert not answer.citations
    assert answer.suggestions and answer.suggestions[0].doc_id == "westshire"
    assert_quotes_verbatim(answer, chunks)


def test_citation_markers_match_citations():
    answer, _ = ask("Which authorities lead which work stream?", [1])
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}


# -- shapes of question the papers answer in other ways ------------------------------------------

EAST = DocumentMeta(
    doc_id="easton-future",
    title="Future Plans: Preferred Approach",
    council="Easton District Council",
    body="Full Council",
    date="2011-10-31",
    report_ref="EDC/FP/11",
)


def paper(meta, *pieces):
    """Chunks of one paper from (text, kind, paragraphs, section) pieces, in order."""
    chunks, offset = [], 0
    for position, (text, kind, paragraphs, section) in enumerate(pieces):
        chunks.append(chunk_at(meta, text, offset, position, kind, section, paragraphs))
        offset += len(text) + 1
    return chunks


EASTON_FUTURE = paper(
    EAST,
    ("Report No: EDC/FP/11\nOriginator: Priya Shah Interim Chief Executive", "paragraph", (), ()),
    (
        "4.3.2 The benefits from the current joint services can be summarised as:\n"
        "- Economies of scale with procurement.\n- Pooling of scarce or specialist skills\n"
        "- Access to wider range or depth of expertise",
        "list",
        ("4.3.2",),
        ("4. BACKGROUND",),
    ),
    (
        "7.1 It was agreed that Tom Reid would conduct the review over a period of two days. "
        "The Future Plans review reported in October.",
        "paragraph",
        ("7.1",),
        ("7. EVALUATION",),
    ),
    (
        "5.2 The number of authorities with IiP status will have increased from 76% in 2005 to "
        "90% in 2008/9.",
        "paragraph",
        ("5.2",),
        ("5. TARGETS",),
    ),
    (
        "2.7 That Council approves the establishment of a Transformation Board of seven "
        "Councillors.\n\nSarah West\nCorporate Director",
        "list",
        ("2.7",),
        ("2. RECOMMENDATIONS",),
    ),
)
EPS_PAPER = paper(
    EPS,
    (
        "3.2 Phase 1 of the developing Easton Partnership Scheme (EPS) programme focussed "
        "on a strategic consensus.",
        "paragraph",
        ("3.2",),
        ("3. BACKGROUND",),
    ),
    (
        "10.1 There is currently £240K available to support EPS projects.",
        "paragraph",
        ("10.1",),
        ("10. FINANCIAL IMPLICATIONS",),
    ),
)


def ask_paper(question, chunks, picks=None):
    metas = [c.to_metadata() for c in chunks]
    catalog = Catalog(chunks, metas, {m["doc_id"]: m for m in metas}, fingerprint=question)
    picks = range(len(chunks)) if picks is None else picks
    hits = [Hit(chunks[i], 1.0 / (n + 1), n + 1) for n, i in enumerate(picks)]
    answer = ExtractiveAnswerer().answer(question, SearchResult(hits, question, question), catalog)
    assert_quotes_verbatim(answer, chunks)
    return answer


def test_a_list_question_gets_the_lead_in_and_its_items():
    answer = ask_paper("What benefits have Easton's joint services brought?", EASTON_FUTURE)
    lines = answer.answer.splitlines()
    assert lines[0].startswith("The benefits from the current joint services")
    assert "- Pooling of scarce or specialist skills" in lines
    assert "- Access to wider range or depth of expertise" in lines
    assert answer.citations[0].paragraph == "4.3.2"


def test_an_acronym_is_spelled_out_from_where_the_paper_defines_it():
    answer = ask_paper("What does EPS stand for?", EPS_PAPER, picks=[1, 0])
    assert answer.answer == "EPS stands for Easton Partnership Scheme [1]."
    assert answer.citations[0].paragraph == "3.2"


def test_a_two_part_question_answers_both_parts_each_cited():
    answer = ask_paper(
        "Which board does the Council approve, and who will conduct the review?", EASTON_FUTURE
    )
    assert "Transformation Board" in answer.answer and "Tom Reid" in answer.answer
    assert {c.paragraph for c in answer.citations} == {"2.7", "7.1"}


def test_a_named_person_must_hold_the_role_asked_about():
    signed = ask_paper(
        "Which corporate director signed off the Future Plans recommendations?", EASTON_FUTURE
    )
    assert "Sarah West" in signed.answer and "Corporate Director" in signed.answer
    unknown = ask_paper("What is the name of Easton's monitoring officer?", EASTON_FUTURE)
    assert unknown.abstained


def test_who_wrote_it_is_answered_from_the_papers_own_originator_line():
    answer = ask_paper("Who wrote the Easton Future Plans report?", EASTON_FUTURE)
    # "Future Plans" is capitalised like a name, but the question names it: it is not the answer.
    assert "Originator: Priya Shah" in answer.answer


def test_the_report_reference_is_answered_from_the_reference_line():
    assert "EDC/FP/11" in ask_paper("What is the report number?", EASTON_FUTURE).answer


def test_words_of_the_same_meaning_meet_the_question():
    answer = ask_paper("What new body will Easton set up?", EASTON_FUTURE)
    assert "Transformation Board" in answer.answer and answer.citations[0].paragraph == "2.7"


def test_an_outcome_of_a_meeting_after_the_papers_is_not_in_them():
    answer = ask_paper(
        "What was agreed at the Transformation Board meeting on 5 January 2012?", EASTON_FUTURE
    )
    assert answer.abstained  # the paper (31 October 2011) can only say the board was proposed


def test_a_measure_needs_its_own_figure():
    growth = paper(
        EAST,
        (
            "4.6.5 Population growth is expected to be faster than in many urban areas over the "
            "next 10-20 years.",
            "paragraph",
            ("4.6.5",),
            ("4. PROFILE",),
        ),
    )
    assert ask_paper("What is the population of Easton district?", growth).abstained
    counted = paper(
        EAST,
        (
            "4.6.1 Easton district has a population of 85,000 people.",
            "paragraph",
            ("4.6.1",),
            ("4. PROFILE",),
        ),
    )
    assert "85,000" in ask_paper("What is the population of Easton district?", counted).answer


def test_a_firm_or_a_count_is_answered_only_by_one():
    concert = paper(
        EAST,
        (
            "6.1 Tickets for the park concert cost £5 per concession and £8 per adult.",
            "paragraph",
            ("6.1",),
            ("6. EVENTS",),
        ),
        (
            "6.2 The Council will award the concert staging contract after a tender.",
            "paragraph",
            ("6.2",),
            ("6. EVENTS",),
        ),
    )
    assert ask_paper("How many people attended the park concert?", concert).abstained
    assert ask_paper("Which company won the concert staging contract?", concert).abstained
    awarded = paper(
        EAST,
        (
            "6.2 The concert staging contract was awarded to Parkstage Events Ltd after a tender.",
            "paragraph",
            ("6.2",),
            ("6. EVENTS",),
        ),
    )
    won = ask_paper("Which company won the concert staging contract?", awarded)
    assert "Parkstage Events Ltd" in won.answer
