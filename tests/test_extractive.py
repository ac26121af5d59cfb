"""The offline extractive answerer: smallest unit that answers, verbatim quotes, honest abstention."""

from __future__ import annotations

import re

from ingest.records import Chunk, DocumentMeta
from retrieval.catalog import Catalog
from retrieval.extractive import ExtractiveAnswerer
from retrieval.records import ABSTAIN_TEXT, Hit, SearchResult
from tests.conftest import chunk_at

CLYDE = DocumentMeta(
    doc_id="inverclyde",
    title="Clyde Valley Review – Next Steps",
    council="Inverclyde Council",
    body="Council",
    date="2010-02-18",
)
WETT = DocumentMeta(
    doc_id="bromsgrove",
    title="WETT Programme",
    council="Bromsgrove District Council",
    body="Cabinet",
    date="2009-09-02",
)
HEADER = "Priority\tWork Stream\tLead Authorities"
ROWS = [
    "1.\tAn integrated Waste Management Approach\tGlasgow and North Lanarkshire",
    "2.\tAn integrated Health and Social Care Service\tRenfrewshire",
    "5.\tDeveloping an Approach to the Back Office\tEast Renfrewshire and Inverclyde",
    "7.\tCommon Charging Framework\tEast Dunbartonshire",
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
        CLYDE,
        "2.5 The Partnership agreed that Phase 1 will focus on the following work streams:",
        paragraphs=("2.5",),
    )
    for row in ROWS:
        add(CLYDE, row, kind="table_row", paragraphs=("2.5",), lead=HEADER)
    add(
        CLYDE,
        "2.6 Lead authorities must now identify a lead officer for each work stream. "
        "The next meeting of the Partnership will be held on 12 March 2010.",
        paragraphs=("2.6",),
    )
    add(
        WETT,
        "10.1 During late 2008 the WETT programme successfully secured funding from the "
        "West Midland Improvement & Efficiency Partnership. There is currently £240K available "
        "to support the further development of WETT projects.",
        paragraphs=("10.1",),
        section=("10. FINANCIAL IMPLICATIONS",),
    )
    add(
        WETT,
        "It is recommended that Cabinet notes the progress of the WETT programme and "
        "endorses the Regulatory Services business case.",
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
        "Which councils lead the integrated waste management work stream?", [1, 0, 3]
    )
    assert answer.answer == "Glasgow and North Lanarkshire [1]."
    [citation] = answer.citations
    assert citation.paragraph == "2.5" and citation.council == "Inverclyde Council"
    assert citation.quote == ROWS[0]
    assert_quotes_verbatim(answer, chunks)


def test_whole_table_question_lists_every_row_with_its_citation():
    answer, chunks = ask("Which authorities lead which work stream?", [2, 0])
    lines = answer.answer.splitlines()
    assert len(lines) == len(ROWS)
    assert (
        lines[0] == "- An integrated Waste Management Approach: Glasgow and North Lanarkshire [1]"
    )
    assert len(answer.citations) == len(ROWS)
    assert_quotes_verbatim(answer, chunks)


def test_amount_question_quotes_the_sentence_with_the_amount_not_the_paragraph():
    answer, chunks = ask("How much is available to support WETT projects?", [6, 7])
    assert "£240K" in answer.answer
    assert "During late 2008" not in answer.answer
    assert answer.citations[0].paragraph == "10.1"
    assert_quotes_verbatim(answer, chunks)


def test_date_question_prefers_the_sentence_with_a_date():
    answer, chunks = ask("When will the Partnership next meet?", [5, 0])
    assert "12 March 2010" in answer.answer
    assert_quotes_verbatim(answer, chunks)


def test_recommendation_question_answers_from_the_recommendations():
    answer, chunks = ask("What was the Bromsgrove Cabinet recommended to do about WETT?", [6, 7])
    assert "endorses the Regulatory Services business case" in answer.answer
    assert_quotes_verbatim(answer, chunks)


def test_abstains_when_a_named_thing_is_not_in_the_papers():
    answer, chunks = ask("Which councils lead the Bristol parking levy work stream?", [1, 2, 3])
    assert answer.abstained and answer.answer == ABSTAIN_TEXT
    assert not answer.citations
    assert answer.suggestions and answer.suggestions[0].doc_id == "inverclyde"
    assert_quotes_verbatim(answer, chunks)


def test_abstains_when_the_evidence_does_not_cover_the_question():
    answer, _ = ask("What is the annual budget for libraries and museums?", [6, 5])
    assert answer.abstained


def test_citation_markers_match_citations():
    answer, _ = ask("Which authorities lead which work stream?", [1])
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}


# -- shapes of question the papers answer in other ways ------------------------------------------

HARB = DocumentMeta(
    doc_id="harborough",
    title="Future Options: Preferred Approach",
    council="Harborough District Council",
    body="Full Council",
    date="2011-10-31",
    report_ref="HDC/FO/11",
)


def paper(meta, *pieces):
    """Chunks of one paper from (text, kind, paragraphs, section) pieces, in order."""
    chunks, offset = [], 0
    for position, (text, kind, paragraphs, section) in enumerate(pieces):
        chunks.append(chunk_at(meta, text, offset, position, kind, section, paragraphs))
        offset += len(text) + 1
    return chunks


HARBOROUGH = paper(
    HARB,
    ("Report No: HDC/FO/11\nOriginator: Anna Graves Interim Chief Executive", "paragraph", (), ()),
    (
        "4.3.2 The benefits from the current shared services can be summarised as:\n"
        "- Economies of scale with procurement.\n- Pooling of scarce or specialist skills\n"
        "- Access to wider range or depth of expertise",
        "list",
        ("4.3.2",),
        ("4. BACKGROUND",),
    ),
    (
        "7.1 It was agreed that Jan Sensier would conduct the review over a period of two days. "
        "The Future Options review reported in October.",
        "paragraph",
        ("7.1",),
        ("7. EVALUATION",),
    ),
    (
        "5.2 The number of authorities with liP status will have increased from 76% in 2005 to "
        "90% in 2008/9.",
        "paragraph",
        ("5.2",),
        ("5. TARGETS",),
    ),
    (
        "2.7 That Council approves the establishment of a Transformation Board of seven "
        "Councillors.\n\nPaul Wallace\nCorporate Director",
        "list",
        ("2.7",),
        ("2. RECOMMENDATIONS",),
    ),
)
WETT_PAPER = paper(
    WETT,
    (
        "3.2 Phase 1 of the developing Worcestershire Enhanced Two Tier (WETT) programme focussed "
        "on a strategic consensus.",
        "paragraph",
        ("3.2",),
        ("3. BACKGROUND",),
    ),
    (
        "10.1 There is currently £240K available to support WETT projects.",
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
    answer = ask_paper("What benefits have Harborough's shared services brought?", HARBOROUGH)
    lines = answer.answer.splitlines()
    assert lines[0].startswith("The benefits from the current shared services")
    assert "- Pooling of scarce or specialist skills" in lines
    assert "- Access to wider range or depth of expertise" in lines
    assert answer.citations[0].paragraph == "4.3.2"


def test_an_acronym_is_spelled_out_from_where_the_paper_defines_it():
    answer = ask_paper("What does WETT stand for?", WETT_PAPER, picks=[1, 0])
    assert answer.answer == "WETT stands for Worcestershire Enhanced Two Tier [1]."
    assert answer.citations[0].paragraph == "3.2"


def test_a_two_part_question_answers_both_parts_each_cited():
    answer = ask_paper(
        "Which board does the Council approve, and who will conduct the review?", HARBOROUGH
    )
    assert "Transformation Board" in answer.answer and "Jan Sensier" in answer.answer
    assert {c.paragraph for c in answer.citations} == {"2.7", "7.1"}


def test_a_named_person_must_hold_the_role_asked_about():
    signed = ask_paper(
        "Which corporate director signed off the Future Options recommendations?", HARBOROUGH
    )
    assert signed.answer.startswith("Paul Wallace, Corporate Director")
    unknown = ask_paper("What is the name of Harborough's monitoring officer?", HARBOROUGH)
    assert unknown.abstained


def test_who_wrote_it_is_answered_from_the_papers_own_originator_line():
    answer = ask_paper("Who wrote the Harborough Future Options report?", HARBOROUGH)
    # "Future Options" is capitalised like a name, but the question names it: it is not the answer.
    assert answer.answer.startswith("Originator: Anna Graves")


def test_report_reference_and_scanning_slips():
    assert "HDC/FO/11" in ask_paper("What is the report number?", HARBOROUGH).answer
    # The question writes "IiP"; the scanned paper prints "liP".
    slip = ask_paper("What was the target share of authorities with IiP status?", HARBOROUGH)
    assert "90%" in slip.answer


def test_a_date_question_without_a_date_in_the_evidence_abstains():
    answer = ask_paper("When will the Transformation Board first meet?", HARBOROUGH, picks=[4, 2])
    assert answer.abstained and answer.suggestions


def test_words_of_the_same_meaning_meet_the_question():
    answer = ask_paper("What new body will Harborough set up?", HARBOROUGH)
    assert "Transformation Board" in answer.answer and answer.citations[0].paragraph == "2.7"


def test_an_outcome_of_a_meeting_after_the_papers_is_not_in_them():
    answer = ask_paper(
        "What was agreed at the Transformation Board meeting on 5 January 2012?", HARBOROUGH
    )
    assert answer.abstained  # the paper (31 October 2011) can only say the board was proposed


def test_a_measure_needs_its_own_figure():
    growth = paper(
        HARB,
        (
            "4.6.5 Population growth is expected to be faster than in many urban areas over the "
            "next 10-20 years.",
            "paragraph",
            ("4.6.5",),
            ("4. PROFILE",),
        ),
    )
    assert ask_paper("What is the population of Harborough district?", growth).abstained
    counted = paper(
        HARB,
        (
            "4.6.1 Harborough district has a population of 85,000 people.",
            "paragraph",
            ("4.6.1",),
            ("4. PROFILE",),
        ),
    )
    assert "85,000" in ask_paper("What is the population of Harborough district?", counted).answer


def test_a_firm_or_a_count_is_answered_only_by_one():
    concert = paper(
        HARB,
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
        HARB,
        (
            "6.2 The concert staging contract was awarded to Parkstage Events Ltd after a tender.",
            "paragraph",
            ("6.2",),
            ("6. EVENTS",),
        ),
    )
    won = ask_paper("Which company won the concert staging contract?", awarded)
    assert "Parkstage Events Ltd" in won.answer
