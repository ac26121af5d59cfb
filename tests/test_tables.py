"""Tables from PDF layout text: header lines, rows of one line or of wrapped blocks, label rows,
a stub column, a table going on over a page break; rows that carry their header into chunks and
answers; golden tables of two real papers."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import StructureChunker
from ingest.loaders import load_document
from ingest.pdf_tables import layout_tables
from ingest.records import DocumentMeta, LoadedDocument
from ingest.text_layer import says_the_same
from retrieval.presentation import render_row
from retrieval.question import Question
from tests.conftest import REPO

SHARED = REPO.parent / "shared"


def _rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.split("\n") if "\t" in line]


# -- general rules, on made-up layout text ------------------------------------------------------

BUDGET = """\
                         OAKLEY PARISH COUNCIL - BUDGET
ITEM                        Budget            Spent            Budget
                            2024-25                            2025-26

RUNNING COSTS
Clerk's Salary               4,100            4,050             4,300
Hall Hire                      150              130               150
Audit                          400              409               420

PROJECTS
Play Area                    2,000            1,750             2,500
Footpath Signs                 300                0               300

Precept requested for 2025-26 will be set at the January meeting of the council.
"""


def test_a_budget_keeps_its_two_line_header_and_one_row_per_line():
    [text] = layout_tables([BUDGET])
    rows = _rows(text)
    assert rows[0] == ["ITEM", "Budget 2024-25", "Spent", "Budget 2025-26"]
    assert ["Hall Hire", "150", "130", "150"] in rows
    assert ["Footpath Signs", "300", "0", "300"] in rows
    lines = text.split("\n")
    assert "PROJECTS" in lines  # a label between rows stays a line of its own
    assert any(line.startswith("Precept requested") for line in lines)  # the text after the table


PLAN = """\
   Lead Officer              Title and summary                   Meeting date      Decision taker

Ann Birch, Head of           Library Opening Hours               12 May 2026       Cabinet
Libraries                    To agree new opening hours
ann.birch@oakley.gov.u       for the four branch libraries.
k
                             Open



Tom Reed, Director of        Depot Lease                         9 Jun 2026        Cabinet
Property                     To approve the lease of the
                             council depot.

                             Part exempt 3
"""


def test_a_forward_plan_row_is_a_block_of_wrapped_cells():
    [text] = layout_tables([PLAN])
    rows = _rows(text)
    assert rows[0] == ["Lead Officer", "Title and summary", "Meeting date", "Decision taker"]
    assert rows[1] == [
        "Ann Birch, Head of Libraries ann.birch@oakley.gov.uk",
        "Library Opening Hours To agree new opening hours for the four branch libraries. Open",
        "12 May 2026",
        "Cabinet",
    ]
    # A blank line inside a row (before "Part exempt 3") does not start a row.
    assert rows[2][1] == "Depot Lease To approve the lease of the council depot. Part exempt 3"
    assert len(rows) == 3


def test_a_row_cut_off_at_a_page_foot_is_finished_from_the_next_page():
    head, _ = PLAN.split("                             Part exempt 3\n")
    second = (
        "   Lead Officer              Title and summary                   Meeting date      "
        "Decision taker\n\n                             Part exempt 3\n\n\n"
        "Sam Holt, Head of            Bus Shelters                        9 Jun 2026        Cabinet\n"
        "Transport                    To award the contract.\n\n"
        "Ann Birch, Head of           Mobile Library                      9 Jun 2026        Cabinet\n"
        "Libraries                    To replace the vehicle.\n"
    )
    first, then = layout_tables([head + "\n                  - 1 -\n", second])
    assert _rows(first)[-1][1].endswith("council depot. Part exempt 3")
    assert [r[1] for r in _rows(then)[1:]] == [
        "Bus Shelters To award the contract.",
        "Mobile Library To replace the vehicle.",
    ]


def test_row_subjects_left_of_the_first_label_get_a_column_of_their_own():
    page = (
        "                              Budget     Forecast    Variance\n"
        "Adult Services                 586.1        621.6       +35.4\n"
        "Children's Services            430.6        420.8        -9.9\n"
        "Highways                       202.9        209.2        +6.3\n"
    )
    rows = _rows(layout_tables([page])[0])
    assert rows[0] == ["", "Budget", "Forecast", "Variance"]
    assert rows[2] == ["Children's Services", "430.6", "420.8", "-9.9"]


def test_justified_prose_and_a_lone_row_are_not_tables():
    prose = (
        "The   council   agreed   that   the   new   hall   should   open   in   May\n"
        "and   that   the   hire   charges   should   be   reviewed   by   the   clerk\n"
        "before   the   next   meeting   of   the   full   council   in   June   2025.\n"
    )
    lone = "Name      Role         Phone\nAnn Birch   Clerk    01234 567890\n"
    assert layout_tables([prose, lone]) == [None, None]


def test_cells_that_wrap_above_and_below_their_figures_leave_the_page_as_it_was():
    ragged = (
        "Service                  Budget     Forecast     Summary\n"
        "Home to School &                                 Lower cost of hired\n"
        "College Transport         96.3        87.7       transport and fewer\n"
        "                                                 routes this term\n"
        "Adult Learning &                                 Underspends across\n"
        "Physical Disability       46.7        43.5       most services\n"
    )
    assert layout_tables([ragged]) == [None]


def test_a_layout_reading_must_say_the_plain_reading_s_words():
    assert says_the_same("Clerk's Salary\t4,100", "Clerk's Salary 4,100 4,050")
    assert not says_the_same("Revenu\te Budget\tForecas t", "Revenue Budget Forecast")


# -- chunks and answers ------------------------------------------------------------------------


def test_every_row_carries_its_header_across_a_label_line():
    [text] = layout_tables([BUDGET])
    lines = [line.strip(" ") for line in text.split("\n") if line.strip()]
    doc = LoadedDocument(doc_id="oakley-budget", path="x.txt", text="\n".join(lines))
    meta = DocumentMeta(doc_id=doc.doc_id, council="Oakley Parish Council")
    chunks = StructureChunker(lambda ts: [len(t.split()) for t in ts]).chunk(doc, meta)
    rows = [c for c in chunks if c.kind == "table_row"]
    assert [r.text.split("\t")[0] for r in rows] == [
        "Clerk's Salary",
        "Hall Hire",
        "Audit",
        "Play Area",
        "Footpath Signs",
    ]
    assert {r.lead for r in rows} == {"ITEM\tBudget 2024-25\tSpent\tBudget 2025-26"}


def test_a_row_answers_the_column_the_question_names():
    lead = "ITEM\tBudget 2024-25\tSpent\tBudget 2025-26"
    row = "Play Area\t2,000\t1,750\t2,500"
    assert render_row(
        row, lead, Question.parse("What is the 2025-26 budget for the play area?")
    ) == ("2,500")
    # Columns of two kinds asked (budgets and spending): the row, its figures named by their
    # columns.
    both = Question.parse("What were the budgets and the spending on the play area?")
    assert render_row(row, lead, both) == (
        "Play Area: Budget 2024-25 2,000; Spent 1,750; Budget 2025-26 2,500"
    )


# -- golden tables of real papers (tuning part) ------------------------------------------------

BUDGET_PDF = SHARED / "realdocs2" / "tintern_cc_finance_committee_2018-01-05_budget_2018-19.pdf"
PLAN_PDF = (
    SHARED / "realdocs2" / "bristol_tcpc_2026-02-18_forward_plan_update_part_exempt_items.pdf"
)


def _real(path: Path):
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    return load_document(path, max_bytes=50_000_000)


def test_golden_budget_table_of_a_community_council():
    document = _real(BUDGET_PDF)
    rows = _rows(document.text)
    assert rows[0] == ["ITEM", "Budget 2017-18", "Spent", "Budget 2018-19"]
    assert len(rows) == 1 + 25
    assert ["Training", "0", "55", "50"] in rows
    assert ["Insurance (Hall/Came&Co)", "320", "1,346", "1,400"] in rows
    assert ["Toddlers Group", "200", "200", "200"] in rows  # letter-spaced in layout mode
    assert ["TOTAL EXPENDITURE", "16,980", "16,080", "15,100"] in rows
    assert document.page_sources == ("pypdf-layout",)


def test_golden_forward_plan_rows_hold_officer_date_taker_and_exempt_marking():
    document = _real(PLAN_PDF)
    rows = _rows(document.text)
    header = [
        "Lead Officer",
        "Title and summary of Decision",
        "Meeting date",
        "Decision taker",
        "Report Type",
    ]
    assert rows[0] == header
    items = [r for r in rows if r != header]
    assert len(items) == 26
    assert all(len(r) == 5 for r in items)
    kerbside = next(r for r in items if r[1].startswith("Kerbside and Parking Strategy"))
    assert kerbside[0] == "Adam Crowther, Head of City Transport adam.crowther@bristol.gov.uk"
    assert kerbside[2:] == [
        "14 May 2026",
        "Transport & Connectivity Policy Committee",
        "Decision Report",
    ]
    # Cut off at the foot of page 7; its exempt marking is at the head of page 8.
    capital = next(r for r in items if r[1].startswith("Capital Investment into"))
    assert capital[1].endswith("maximum budget envelopes outlined in the report. Part exempt 3")
    assert sum(r[1].endswith(("Part exempt 3", "Part exempt")) for r in items) >= 5
    assert set(document.page_sources[4:]) == {"pypdf-layout"}


def test_the_year_and_the_kind_of_answer_pick_the_column():
    lead = "ITEM\tBudget 2024-25\tSpent\tBudget 2025-26"
    row = "Play Area\t2,000\t1,750\t2,500"
    # "spend" meets the column "Spent"; the column of another year is not the one asked.
    q = Question.parse("How much did the council spend on the play area in 2024-25?")
    assert render_row(row, lead, q) == "1,750"
    plan = "Lead Officer\tTitle\tReport Type"
    item = "Ann Birch, Head of Libraries\tOpening Hours Report\tFor Information"
    who = Question.parse("Who is the lead officer for the opening hours report?")
    assert render_row(item, plan, who) == "Ann Birch, Head of Libraries"
