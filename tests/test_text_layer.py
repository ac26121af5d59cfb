"""Text-layer quality and repair: each page scored, the better of pypdf and pdfium kept, broken
word gaps repaired by general rules about PDF producers, the winner recorded per page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import StructureChunker
from ingest.embedders import HashingEmbedder
from ingest.loaders import load_document
from ingest.metadata import describe
from ingest.records import DocumentMeta
from ingest.text_layer import PDFIUM, PYPDF, better_reading, quality, repair_spacing
from tests.conftest import REPO
from tests.pdfs import raw_text_pdf

REALDOCS2 = REPO.parent / "shared" / "realdocs2"
PROSE = "The committee agreed to publish the draft plan for consultation in November."
MAC_GAP = "\t\r \xa0"  # what some Word-for-Mac exports write between every pair of words


def test_prose_scores_high_and_broken_layers_score_low():
    prose = quality(PROSE * 3).score
    run_together = quality("CityCouncilRegularMeetingAgenda Thepublicmayparticipatevia " * 4)
    spaced_letters = quality("C o u n c i l  m e e t i n g  a g e n d a " * 4)
    lost_ligatures = quality("Elec[ons to the Commi\x02ee: nomina[ons and no[fica[ons " * 3)
    assert prose > 0.9
    assert run_together.score < 0.3 and run_together.mean_length > 12
    assert spaced_letters.score < 0.3 and spaced_letters.one_letter > 0.8
    assert lost_ligatures.score < prose - 0.3 and lost_ligatures.control > 0
    assert quality("3").score == 0.0 and not quality("Page 3 of 12").usable


def test_dotted_contents_lines_and_numbers_are_not_held_against_a_page():
    contents = "\n".join(f"{n} | Revenue Budget Forecast {'.' * 120} {n + 3}" for n in range(1, 9))
    assert quality(contents).score > 0.9


def test_mixed_tab_and_return_gaps_become_spaces_and_line_breaks_stay():
    text = MAC_GAP.join(PROSE.split()) + "\r\n" + "Second line\rThird line"
    assert repair_spacing(text) == PROSE + "\nSecond line\nThird line"


def test_the_better_reading_wins_and_pypdf_is_kept_when_they_tie():
    run_together = "CityCouncilRegularMeetingAgendaJanuary10,2023 Thepublicmayparticipate"
    spaced = "City Council Regular Meeting Agenda January 10, 2023 The public may participate"
    assert better_reading([(PYPDF, run_together), (PDFIUM, spaced)]).source == PDFIUM
    assert better_reading([(PYPDF, spaced), (PDFIUM, spaced)]).source == PYPDF
    assert better_reading([(PYPDF, ""), (PDFIUM, spaced)]).source == PDFIUM


def test_a_paper_spaced_with_tabs_and_returns_chunks_as_prose(tmp_path: Path):
    lines = [
        "Horsley Neighbourhood Plan Working Group",
        "Meeting date: 19 October 2023",
        "1. The group reviewed the comments received on the draft plan.",
        "2. " + PROSE,
    ]
    path = tmp_path / "horsley-npwg-minutes.pdf"
    path.write_bytes(raw_text_pdf([MAC_GAP.join(line.split()) for line in lines]))

    document = load_document(path, 10**8)
    assert "\t" not in document.text and "\r" not in document.text
    assert "Horsley Neighbourhood Plan Working Group" in document.text
    meta = DocumentMeta(doc_id=document.doc_id, **describe(document.text, document.doc_id, {}))
    embedder = HashingEmbedder()
    chunks = StructureChunker(embedder.count_tokens, 200, embedder.max_tokens).chunk(document, meta)
    assert chunks and not any(c.kind == "table_row" for c in chunks)
    assert any(PROSE in c.text for c in chunks)


@pytest.fixture(scope="module")
def hermosa() -> Path:
    path = REALDOCS2 / "us_hermosa_beach_ca_city_council_2023-01-10_agenda.pdf"
    if not path.is_file():
        pytest.skip("../shared/realdocs2 is not present")
    return path


def test_an_agenda_whose_pypdf_text_has_no_spaces_is_read_in_real_words(hermosa: Path):
    document = load_document(hermosa, 10**8)
    assert set(document.page_sources) == {PDFIUM}
    assert "Council Chambers, 1315 Valley Drive" in document.text
    assert "The public may participate via the following" in document.text
    assert "CityCouncil" not in document.text
    assert quality(document.text).score > 0.85
