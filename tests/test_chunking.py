"""Chunks follow the papers' own structure: numbered paragraphs, lists with lead-ins, table rows."""

from __future__ import annotations

import pytest

from ingest.chunking import StructureChunker, split_sentences
from ingest.embedders import HashingEmbedder, SentenceTransformerEmbedder
from ingest.loaders import load_document
from ingest.pipeline import discover
from ingest.records import DocumentMeta, LoadedDocument
from tests.conftest import CORPUS

INVERCLYDE = CORPUS / "inverclyde-council-2010-02-18-clyde-valley-shared-services.txt"
HARBOROUGH = CORPUS / "harborough-council-2011-10-31-future-options.md"
KCC_EDUCATION = "kcc_cabinet_2025-01-30_education_commissioning_plan_report.pdf"


def chunk_file(path, embedder=None):
    embedder = embedder or HashingEmbedder()
    document = load_document(path, 50_000_000)
    meta = DocumentMeta(
        doc_id=document.doc_id, title="Clyde Valley shared services", council="Inverclyde Council"
    )
    return document, StructureChunker(embedder.count_tokens, 200, embedder.max_tokens).chunk(
        document, meta
    )


def test_clyde_valley_lead_authorities_table_comes_out_as_rows_with_header():
    _, chunks = chunk_file(INVERCLYDE)
    rows = [c for c in chunks if c.kind == "table_row" and c.paragraphs == ("2.5",)]
    assert len(rows) == 7  # work streams 1, 2, 3, 4, 5, 7 and 9
    assert all(c.lead == "Priority\tWork Stream\tLead Authorities" for c in rows)
    waste = next(c for c in rows if "Waste Management" in c.text)
    assert (
        waste.text == "1.\tAn integrated Waste Management Approach\tGlasgow and North Lanarkshire"
    )
    assert (
        "Lead Authorities" in waste.embed_text
        and "Glasgow and North Lanarkshire" in waste.embed_text
    )
    back_office = next(c for c in rows if "Back Office" in c.text)
    assert "East Renfrewshire and Inverclyde" in back_office.text
    assert {c.paragraphs for c in chunks if c.kind == "table_row"} == {("2.5",), ("4.12",)}


def test_chunk_text_is_the_exact_span_of_the_cleaned_document():
    for path in discover([CORPUS])[0]:
        document, chunks = chunk_file(path)
        assert chunks, path
        for chunk in chunks:
            assert document.text[chunk.start : chunk.end] == chunk.text
        assert [c.position for c in chunks] == list(range(len(chunks)))
        assert len({c.id for c in chunks}) == len(chunks)


def test_numbered_paragraph_is_one_chunk_with_its_number():
    _, chunks = chunk_file(INVERCLYDE)
    para = [c for c in chunks if c.paragraphs == ("2.8",)]
    assert len(para) == 1
    assert para[0].text.startswith("2.8 Inverclyde Council agreed")
    assert (
        "The Chief Executive has met with the Chief Executive of East Renfrewshire" in para[0].text
    )
    assert para[0].section == ("2.0 SUMMARY",)


def test_list_stays_with_its_lead_in_and_items_are_recorded():
    _, chunks = chunk_file(INVERCLYDE)
    top_three = next(c for c in chunks if c.paragraphs == ("2.2",))
    assert top_three.kind == "list"
    assert "the top three work streams prioritised were:" in top_three.text
    assert "3. A Single Social Transport Solution" in top_three.text
    recommendations = next(c for c in chunks if "It is recommended that Council:" in c.text)
    assert recommendations.section == ("3.0 RECOMMENDATIONS",)
    assert "3.0(b)" in recommendations.paragraphs


def test_a_long_list_split_in_two_carries_its_lead_in():
    _, chunks = chunk_file(HARBOROUGH)
    reasons = [c for c in chunks if c.section and c.section[0].startswith("3. Summary of Reasons")]
    assert len(reasons) >= 2
    assert "The recommended approach:" in reasons[0].text
    assert all(c.lead == "The recommended approach:" for c in reasons[1:])
    assert "3(xii)" in reasons[-1].paragraphs
    nested = next(c for c in chunks if c.paragraphs == ("4.2.1",))
    assert nested.section == (
        "4. Key Facts, evidence and research",
        "4.2 Best Practice Reflections (Appendix B)",
    )


def test_long_paragraph_splits_at_sentence_ends_within_the_token_limit():
    sentences = [
        f"Sentence number {i} explains one more point about the shared waste contract."
        for i in range(80)
    ]
    text = "5.3 " + " ".join(sentences) + "\n5.4 A short closing paragraph."
    document = LoadedDocument(doc_id="long", path="long.txt", text=text)
    embedder = HashingEmbedder(max_tokens=120)
    chunks = StructureChunker(embedder.count_tokens, 100, embedder.max_tokens).chunk(
        document, DocumentMeta("long")
    )
    long_parts = [c for c in chunks if c.paragraphs == ("5.3",)]
    assert len(long_parts) > 3
    assert all(max(embedder.count_tokens([c.embed_text])) <= 120 for c in chunks)
    assert all(c.text.endswith("contract.") for c in long_parts)
    assert "".join(c.text + " " for c in long_parts).strip() == text.split("\n")[0]
    assert chunks[-1].paragraphs == ("5.4",)


def test_sentence_splitter_keeps_abbreviations():
    assert split_sentences("See e.g. Appendix A. Then Cllr. Smith spoke. Done.") == [
        "See e.g. Appendix A. ",
        "Then Cllr. Smith spoke. ",
        "Done.",
    ]


def test_an_initial_ends_no_sentence_but_a_label_letter_does():
    assert split_sentences("Approved – B. Munro (motion), C. Dallas (second). Next.") == [
        "Approved – B. Munro (motion), C. Dallas (second). ",
        "Next.",
    ]
    assert split_sentences("Seconded by A. B. Jones. The plan is in Area B. Noted.") == [
        "Seconded by A. B. Jones. ",
        "The plan is in Area B. ",
        "Noted.",
    ]


@pytest.fixture(scope="module")
def model_tokens():
    return SentenceTransformerEmbedder()  # only its tokenizer is used: no model is loaded


def test_no_embedded_text_exceeds_the_encoder_window_by_the_models_tokenizer(
    model_tokens, realdocs
):
    paths = discover([CORPUS])[0]
    paths += sorted(realdocs.glob("*.pdf"))
    for path in paths:
        _, chunks = chunk_file(path, model_tokens)
        sizes = model_tokens.count_tokens([c.embed_text for c in chunks])
        assert max(sizes) <= 254, path.name


def test_real_report_paragraph_numbers_and_pages(realdocs):
    _document, chunks = chunk_file(realdocs / KCC_EDUCATION)
    first = next(c for c in chunks if c.paragraphs == ("1.1",))
    assert first.text.startswith("1.1 The County Council is the Strategic Commissioner")
    assert "recognise parental preference." in first.text
    assert first.text.endswith("how these needs might best be met.")
    assert first.page == 1
    assert next(c for c in chunks if c.paragraphs == ("2.4",)).page == 2
    assert first.section == ("1. Introduction",)


def test_word_exports_keep_their_structure(tmp_path):
    """Plain-text exports: "N. **HEADING**" is a heading, a date under the title stays text, an
    "Appendix A – …" line heads what follows, and a table whose first row is data has no header."""
    paper = tmp_path / "export.txt"
    paper.write_text(
        "WESTSHIRE DISTRICT COUNCIL\n\nCABINET\n\n**sixth Draft**\n1 February 2008\n\n"
        "Responsible Portfolio Holder\tCllr Ann Smith\n"
        "Responsible Head of Service\tJohn Brown\n\n"
        "1. **SUMMARY**\n\n1.1 This report sets out the depot review.\n\n"
        "2. **RECOMMENDATION**\n\n2.1 The Cabinet note the report.\n\n"
        "Appendix A – Depot Review, Stage 1, Summary Plan, Milestones\n\n"
        "1\tMandate to review the depot\t■\n2\tBoard: To seek endorsement\t■\n"
    )
    _, chunks = chunk_file(paper)
    by_text = {c.text.split("\n")[0]: c for c in chunks}
    assert by_text["1.1 This report sets out the depot review."].section[-1] == "1. SUMMARY"
    assert by_text["2.1 The Cabinet note the report."].section[-1] == "2. RECOMMENDATION"
    assert any("1 February 2008" in c.text for c in chunks)  # not swallowed as a heading
    holder = by_text["Responsible Portfolio Holder\tCllr Ann Smith"]
    assert holder.kind == "table_row" and holder.lead == ""
    board = by_text["2\tBoard: To seek endorsement\t■"]
    assert board.section[-1].startswith("Appendix A – Depot Review")
