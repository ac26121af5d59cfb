"""Metadata guessed from paper headers, sidecar validation, and which source wins."""

from __future__ import annotations

import csv
import functools
import json
import re
from pathlib import Path

import pytest

from ingest.metadata import (
    MetadataError,
    describe,
    extract_metadata,
    read_sidecar,
    sidecar_path,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
REALDOCS = Path(__file__).resolve().parents[2] / "shared" / "realdocs"

INVERCLYDE = "inverclyde-council-2010-02-18-clyde-valley-shared-services.txt"
BROMSGROVE = "bromsgrove-cabinet-2009-09-02-worcestershire-two-tier.txt"
HARBOROUGH = "harborough-council-2011-10-31-future-options.md"
LEICS = "leics-environment-board-2013-02-27-joint-working-in-waste.txt"
EAST_MIDLANDS = "east-midlands-2008-02-01-improvement-through-partnerships.md"


def corpus_text(name: str) -> str:
    """A corpus paper's text as the loader will give it (Markdown emphasis and <sup> removed)."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    if name.endswith(".md"):
        text = re.sub(r"</?sup>", "", text).replace("**", "")
    return text


# --- (a) the corpus papers -------------------------------------------------------------------

CORPUS_CASES = {
    INVERCLYDE: {
        "council": "Inverclyde Council",
        "date": "2010-02-18",
        "report_ref": "IC/01/10/PW/MMcK",
        "contact_officer": "Miriam McKenna",
        "title": (
            "Clyde Valley Community Planning Partnership - Review of Joint Working and "
            "Shared Services – Next Steps"
        ),
        "doc_type": "report",
    },
    BROMSGROVE: {
        "council": "Bromsgrove District Council",
        "body": "Cabinet",
        "date": "2009-09-02",
        "title": "Worcestershire Enhanced Two Tier (WETT) Programme",
        "contact_officer": "Kevin Dicks",
    },
    HARBOROUGH: {
        "council": "Harborough District Council",
        "body": "Council",
        "date": "2011-10-31",
        "title": "Future Options: Preferred Approach",
        "contact_officer": "Anna Graves",
    },
    LEICS: {
        "body": "Leicestershire Environment Board",
        "date": "2013-02-27",
        "title": "Strategic Joint Working in Waste – Route Map",
        "contact_officer": "Andrew Harper",
    },
    EAST_MIDLANDS: {"date": "2008-02-01", "title": "Improvement Through Partnerships"},
}


@pytest.mark.parametrize("name", sorted(CORPUS_CASES))
def test_corpus_paper_header_is_read(name: str) -> None:
    meta = extract_metadata(corpus_text(name), Path(name).stem)
    expected = CORPUS_CASES[name]
    assert {key: meta.get(key) for key in expected} == expected


@pytest.mark.parametrize("name", [INVERCLYDE, BROMSGROVE, LEICS, HARBOROUGH])
def test_corpus_header_fields_come_from_the_text_not_the_file_name(name: str) -> None:
    # The same answers with a file name that carries no date or council.
    meta = extract_metadata(corpus_text(name), "paper")
    expected = {k: v for k, v in CORPUS_CASES[name].items() if k in ("council", "body", "date")}
    assert {key: meta.get(key) for key in expected} == expected


def test_corpus_paper_without_a_council_gets_none_invented() -> None:
    # The Leicestershire board paper names no council in its header; guessing one would be wrong.
    assert "council" not in extract_metadata(corpus_text(LEICS), Path(LEICS).stem)


@pytest.mark.parametrize("name", sorted(CORPUS_CASES))
def test_corpus_sidecars_are_valid_and_agree_with_the_header(name: str) -> None:
    paper = CORPUS / name
    sidecar = read_sidecar(paper)
    assert {"title", "council", "body", "date", "doc_type", "access"} <= set(sidecar)
    assert sidecar["access"] == "public"
    extracted = extract_metadata(corpus_text(name), paper.stem)
    for key in ("date", "council", "body", "report_ref", "contact_officer"):
        if key in CORPUS_CASES[name]:
            assert sidecar[key] == extracted[key], key


def test_east_midlands_sidecar_supplies_what_the_text_cannot() -> None:
    paper = CORPUS / EAST_MIDLANDS
    meta = describe(corpus_text(EAST_MIDLANDS), paper.stem, read_sidecar(paper))
    assert meta["council"] == "East Midlands Regional Improvement and Efficiency Partnership"
    assert meta["doc_type"] == "strategy"
    assert meta["date"] == "2008-02-01"


# --- (b) real council PDFs -------------------------------------------------------------------

# council, body where the header states it, doc_type
REAL_CASES = {
    "bristol_tcpc_2024-09-12_committee_report_workplace_parking_levy.pdf": (
        "Bristol City Council",
        "Transport and Connectivity Committee",
        "report",
    ),
    "bristol_tcpc_2024-09-12_decision_notice.pdf": (
        None,  # the paper never names its council (a sidecar supplies it)
        "Transport and Connectivity Policy Committee",
        "decision",
    ),
    "bristol_tcpc_2024-09-12_printed_minutes.pdf": (
        "Bristol City Council",
        "Transport and Connectivity Policy Committee",
        "minutes",
    ),
    "gloucester_cabinet_2025-12-10_local_council_tax_support_scheme.pdf": (
        "Gloucester City Council",
        "Cabinet",
        "report",
    ),
    "gloucester_cabinet_2026-03-11_finance_team_resource_requirements.pdf": (
        "Gloucester City Council",
        "Cabinet",
        "report",
    ),
    "kcc_cabinet_2025-01-30_education_commissioning_plan_report.pdf": (
        "Kent County Council",
        "Cabinet",
        "report",
    ),
    "kcc_cabinet_2025-01-30_finance_monitoring_q3_nov_2024-25.pdf": (
        None,  # the paper never names its council (a sidecar supplies it)
        "Cabinet",
        "report",
    ),
    "kcc_cabinet_2025-01-30_printed_minutes.pdf": ("Kent County Council", "Cabinet", "minutes"),
    "kcc_county_council_2025-01-09_devolution_supplement_pack.pdf": (
        "Kent County Council",
        "County Council",
        None,
    ),
    "kcc_county_council_2025-03-13_agenda_frontsheet.pdf": (
        None,  # the paper never names its council (a sidecar supplies it)
        "County Council",
        "agenda",
    ),
    "kcc_county_council_2025-03-13_governance_update_report.pdf": (
        "Kent County Council",
        "County Council",
        "report",
    ),
    "sutton_coldfield_tc_2017-02-21_item166_summer_in_sutton_report.pdf": (
        "Royal Sutton Coldfield Town Council",
        "Town Council",
        "report",
    ),
    "sutton_coldfield_tc_2018-03-13_amenities_committee_minutes.pdf": (
        None,  # the paper never names its council (a sidecar supplies it)
        "Amenities, Leisure and Community Services",
        "minutes",
    ),
    "us_chicago_ssa21_commission_2018-01-29_minutes.pdf": (
        "Lincoln Square Special Service Area #21 Commission",
        "Lincoln Square Special Service Area #21 Commission",
        "minutes",
    ),
    "us_rivergrove_or_city_council_2018-08-13_minutes.pdf": (
        "City of Rivergrove",
        "City Council",
        "minutes",
    ),
}


def _need_realdocs() -> None:
    if not REALDOCS.is_dir():
        pytest.skip(f"real council papers not available at {REALDOCS}")


@functools.cache
def _manifest() -> dict[str, dict[str, str]]:
    with (REALDOCS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["filename"]: row for row in csv.DictReader(handle, delimiter="\t")}


@functools.cache
def _pdf_text(filename: str) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(REALDOCS / filename).pages)


def _manifest_date(filename: str) -> str:
    match = re.search(r"\d{4}-\d{2}-\d{2}", filename)
    assert match, filename
    return match.group(0)


def test_every_manifest_paper_has_expectations() -> None:
    _need_realdocs()
    assert set(_manifest()) == set(REAL_CASES)
    for filename, (council, _, _) in REAL_CASES.items():
        # The expected council is the one the manifest's description names.
        assert council is None or council in _manifest()[filename]["title"], filename


@pytest.mark.parametrize("filename", sorted(REAL_CASES))
def test_real_paper_council_date_body_and_type(filename: str) -> None:
    _need_realdocs()
    council, body, doc_type = REAL_CASES[filename]
    meta = extract_metadata(_pdf_text(filename), Path(filename).stem)
    assert meta.get("council") == council
    assert meta.get("date") == _manifest_date(filename)
    assert meta.get("body") == body
    if doc_type:
        assert meta.get("doc_type") == doc_type


@pytest.mark.parametrize("filename", sorted(REAL_CASES))
def test_real_paper_date_is_read_from_the_text(filename: str) -> None:
    # Without the file name's date, the header alone must give the meeting date.
    _need_realdocs()
    meta = extract_metadata(_pdf_text(filename), "paper")
    assert meta.get("date") == _manifest_date(filename)


def test_gloucester_takes_the_cabinet_date_not_the_later_council_date() -> None:
    _need_realdocs()
    text = _pdf_text("gloucester_cabinet_2025-12-10_local_council_tax_support_scheme.pdf")
    assert "29 January 2026" in text[:400]
    meta = extract_metadata(text, "local-council-tax-support-scheme")
    assert meta["date"] == "2025-12-10"
    assert meta["contact_officer"] == "Karen Haile"
    assert meta["title"] == "Local Council Tax Support Scheme 2026/27"


def test_kcc_supplement_pack_prefers_the_meeting_date_over_the_letter_date() -> None:
    _need_realdocs()
    text = _pdf_text("kcc_county_council_2025-01-09_devolution_supplement_pack.pdf")
    assert "Date: 7 January 2025" in text
    assert extract_metadata(text, "pack")["date"] == "2025-01-09"


# --- dates, councils and bodies from small headers -------------------------------------------


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("18/02/10", "2010-02-18"),
        ("2ND SEPTEMBER 2009", "2009-09-02"),
        ("31ST OCTOBER, 2011", "2011-10-31"),
        ("August 13, 2018", "2018-08-13"),
        ("13th March 2018", "2018-03-13"),
        ("12 September 2024", "2024-09-12"),
        ("Thursday, 13th March, 2025", "2025-03-13"),
        ("Monday, January 29, 2018", "2018-01-29"),
        ("12-Sep-2024", "2024-09-12"),
        ("2024-09-12", "2024-09-12"),
    ],
)
def test_dates_in_common_forms(written: str, iso: str) -> None:
    text = f"Report To:\tPlanning Committee\tDate:\t{written}\nSubject:\tNew homes\n"
    assert extract_metadata(text, "paper")["date"] == iso


def test_meeting_date_beats_a_letter_date() -> None:
    text = "Date: 7 January 2025\nDear Member\nCOUNTY COUNCIL - THURSDAY, 9 JANUARY 2025\n"
    assert extract_metadata(text, "paper")["date"] == "2025-01-09"


def test_date_in_passing_yields_to_the_file_name_date() -> None:
    text = "Some Paper\n\n1.1 The partnership met on 15 January 2010 to agree a plan.\n"
    assert extract_metadata(text, "paper")["date"] == "2010-01-15"
    assert extract_metadata(text, "thing-2010-02-18-paper")["date"] == "2010-02-18"
    assert extract_metadata("No dates here.", "x_2011-10-31_y")["date"] == "2011-10-31"
    assert "date" not in extract_metadata("No dates here.", "paper")


def test_shouted_masthead_of_an_unknown_council() -> None:
    text = (
        "WESTSHIRE BOROUGH COUNCIL\n\nPLANNING COMMITTEE\n\n3RD MAY 2022\n\nNEW HOMES AT THE MILL\n"
    )
    meta = extract_metadata(text, "paper")
    assert meta["council"] == "Westshire Borough Council"
    assert meta["body"] == "Planning Committee"
    assert meta["date"] == "2022-05-03"
    assert meta["title"] == "New Homes at the Mill"


def test_us_city_council_minutes() -> None:
    text = "Springfield City Council Meeting Minutes\nMarch 4, 2019\nCALL TO ORDER\n"
    meta = extract_metadata(text, "paper")
    assert meta["council"] == "City of Springfield"
    assert meta["body"] == "City Council"
    assert meta["date"] == "2019-03-04"
    assert meta["doc_type"] == "minutes"


def test_uk_city_council_keeps_its_name() -> None:
    text = "Bristol City Council\nMinutes of the Audit Committee\n12 September 2024 at 5.00 pm\n"
    meta = extract_metadata(text, "paper")
    assert meta["council"] == "Bristol City Council"
    assert meta["body"] == "Audit Committee"


def test_labelled_header_with_a_second_label_on_the_line() -> None:
    text = (
        "Meeting: Cabinet Date: 11 March 2026\nSubject: Parks Strategy\n"
        "Contact Officer: Jane Smith, Head of Parks\n"
    )
    meta = extract_metadata(text, "paper")
    assert meta["body"] == "Cabinet"
    assert meta["date"] == "2026-03-11"
    assert meta["title"] == "Parks Strategy"
    assert meta["contact_officer"] == "Jane Smith"
    assert meta["doc_type"] == "strategy"


def test_a_file_name_is_not_evidence_of_a_council() -> None:
    text = "Summons to and Agenda for a Meeting on Thursday, 13th March, 2025\n"
    assert "council" not in extract_metadata(text, "wcc_county_council_agenda")
    assert "council" not in extract_metadata(text, "westshire_district_council_agenda")


def test_a_council_of_the_papers_domain_takes_the_kind_the_paper_calls_itself() -> None:
    text = (
        "Finance Monitoring Report\nContact: jo.bloggs@westshire.gov.uk\n"
        "The County Council agreed the budget. Westshire schools are funded by the County "
        "Council, and Westshire roads by the County Council.\n"
    )
    assert extract_metadata(text, "report")["council"] == "Westshire County Council"


def test_a_neighbouring_council_named_as_often_yields_to_the_place_written_about() -> None:
    text = "\n".join(
        [
            "Report to the Westshire City Council Cabinet",
            "A levy is run by Easton City Council, and Westshire City Council may follow.",
        ]
        + ["Westshire roads are busy; the City Council will consult Westshire residents."] * 3
        + ["The levy of Easton City Council raised money."]
    )
    assert extract_metadata(text, "x")["council"] == "Westshire City Council"


def test_a_council_named_with_another_kind_is_not_the_papers_own() -> None:
    text = (
        "Amenities Committee minutes\nThe Town Council noted that Westshire City Council "
        "will resurface the road. The Town Council thanked Westshire City Council, and the "
        "Town Council asked Westshire City Council to report back.\n"
    )
    assert "council" not in extract_metadata(text, "x")


def test_the_fullest_form_of_the_council_name_in_the_paper_is_kept() -> None:
    text = (
        "Minutes of the Easton Town Council meeting\nThe Royal Easton Town Council "
        "resolved to thank its volunteers.\n"
    )
    assert extract_metadata(text, "x")["council"] == "Royal Easton Town Council"


# --- (c) sidecar validation ------------------------------------------------------------------


def _write_sidecar(tmp_path: Path, content: str) -> Path:
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(b"%PDF-1.4\n")
    sidecar_path(paper).write_text(content, encoding="utf-8")
    return paper


def test_sidecar_path_sits_beside_the_paper() -> None:
    assert sidecar_path(Path("corpus/foo.pdf")) == Path("corpus/foo.meta.json")
    assert sidecar_path(Path("a/b.c.docx")) == Path("a/b.c.meta.json")


def test_sidecar_is_read_from_paper_or_sidecar_path(tmp_path: Path) -> None:
    paper = _write_sidecar(
        tmp_path, json.dumps({"council": " Westshire Council ", "date": "2024-09-12"})
    )
    expected = {"council": "Westshire Council", "date": "2024-09-12"}
    assert read_sidecar(paper) == expected
    assert read_sidecar(sidecar_path(paper)) == expected


def test_missing_sidecar_is_empty(tmp_path: Path) -> None:
    assert read_sidecar(tmp_path / "nothing.pdf") == {}


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"date": "12/09/2024"}, "date"),
        ({"date": "2024-02-30"}, "date"),
        ({"doc_type": "memo"}, "doc_type"),
        ({"access": "secret"}, "access"),
        ({"date": 20240912}, "date"),
    ],
)
def test_bad_sidecar_field_is_named(tmp_path: Path, content: dict, field: str) -> None:
    paper = _write_sidecar(tmp_path, json.dumps(content))
    with pytest.raises(MetadataError) as caught:
        read_sidecar(paper)
    message = str(caught.value)
    assert "paper.meta.json" in message
    assert repr(field) in message
    assert message.count(". ") == 0  # one sentence


@pytest.mark.parametrize("content", ['{"title": "x",}', "[1, 2]", ""])
def test_sidecar_that_is_not_a_json_object_is_refused(tmp_path: Path, content: str) -> None:
    paper = _write_sidecar(tmp_path, content)
    with pytest.raises(MetadataError, match=r"paper\.meta\.json"):
        read_sidecar(paper)


def test_metadata_error_is_a_value_error() -> None:
    assert issubclass(MetadataError, ValueError)


# --- (d) which source wins -------------------------------------------------------------------


def test_sidecar_overrides_extracted_values() -> None:
    text = corpus_text(INVERCLYDE)
    sidecar = {"council": "Corrected Council", "doc_type": "decision", "access": "exempt"}
    meta = describe(text, "inverclyde", sidecar)
    assert meta["council"] == "Corrected Council"
    assert meta["doc_type"] == "decision"
    assert meta["access"] == "exempt"
    # Fields the sidecar leaves alone keep the extracted values.
    assert meta["date"] == "2010-02-18"
    assert meta["report_ref"] == "IC/01/10/PW/MMcK"


def test_empty_sidecar_value_removes_a_wrong_guess() -> None:
    meta = describe(corpus_text(INVERCLYDE), "inverclyde", {"contact_officer": ""})
    assert "contact_officer" not in meta


def test_defaults_when_nothing_is_known() -> None:
    meta = describe("", "kcc_cabinet_2025-01-30_printed_minutes", {})
    assert meta["doc_type"] == "report"
    assert meta["access"] == "public"
    assert meta["title"] == "Kcc cabinet printed minutes"
    assert meta["date"] == "2025-01-30"


def test_extracted_values_win_over_defaults() -> None:
    text = "Bristol City Council\nMinutes of the Audit Committee\n12 September 2024\n"
    meta = describe(text, "audit", {})
    assert meta["doc_type"] == "minutes"
    assert meta["title"] == "Audit Committee minutes"
    assert meta["access"] == "public"


def test_a_neighbour_named_in_passing_is_not_the_author_of_a_paper_from_another_domain() -> None:
    text = (
        "Finance Monitoring Report\nContact: jo.bloggs@westshire.gov.uk\n"
        + "Westshire schools and Westshire roads are overspent. " * 3
        + "\nA depot is shared with Easton District Council, and Easton District Council pays.\n"
    )
    assert "council" not in extract_metadata(text, "report")  # Westshire's kind is never written
