"""Loaders: every supported format becomes clean text a reader (and the chunker) can rely on.

Fixtures are built in tmp_path at test time; the real council PDFs in ../shared/realdocs are read
in place (never copied) and their tests skip when that folder is absent.
"""

from __future__ import annotations

import csv
import functools
import io
import random
import re
from pathlib import Path

import pytest

from ingest.loaders import IngestError, load_document
from tests.pdfs import scanned_pdf

MB = 1_000_000
REPO = Path(__file__).resolve().parents[1]
REALDOCS = Path(__file__).resolve().parents[2] / "shared" / "realdocs"
EAST_MIDLANDS_MD = REPO / "corpus" / "east-midlands-2008-02-01-improvement-through-partnerships.md"

TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^>]*)?>")


def load(path: Path, max_bytes: int = 20 * MB):
    return load_document(path, max_bytes)


def lines_of(document) -> list[str]:
    return document.text.split("\n")


def headings_of(document) -> list[str]:
    lines = lines_of(document)
    return [lines[i] for i in sorted(document.heading_lines)]


def assert_ingest_error(path: Path, *reason_words: str, max_bytes: int = 20 * MB) -> str:
    """The file is refused with "<file name>: <reason>", the reason mentioning every word given."""
    with pytest.raises(IngestError) as caught:
        load(path, max_bytes)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: "), message
    reason = message[len(path.name) + 2 :]
    assert reason.strip(), message
    assert "\n" not in message, message
    for word in reason_words:
        assert word.lower() in reason.lower(), message
    return message


# --- fixture builders -----------------------------------------------------------------------

HEADER = "Anytown Borough Council – Cabinet"
PAGE3_SENTENCE = "The committee approved the library refurbishment programme for Eastfield ward."
WRAPPED_PARAGRAPH = (
    "1.1 The Council has a statutory duty to set a balanced budget each year, and this report "
    "sets out the proposals of the Cabinet for the revenue budget, the capital programme and the "
    "level of council tax for the coming financial year, together with the risks that officers "
    "have identified in delivering the savings that are required to close the funding gap."
)
CROSS_PAGE_PARAGRAPH = (
    "2.3 Officers have reviewed the fees and charges for every discretionary service provided by "
    "the Council and propose increases that are broadly in line with inflation, except for car "
    "parking where a freeze is recommended to support the town centre economy during the works."
)


def _pdf_bytes(pages: list[list[str]], header: str | None = HEADER, footer: bool = True) -> bytes:
    """A text PDF: each page draws its own lines top-down, plus a running header and footer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    for number, page_lines in enumerate(pages, start=1):
        pdf.setFont("Helvetica", 10)
        if header:
            pdf.drawString(72, height - 40, header)
        y = height - 80
        for line in page_lines:
            if line:
                pdf.drawString(72, y, line)
            y -= 14 if line else 10
        if footer:
            pdf.drawCentredString(width / 2, 30, f"Page {number} of {len(pages)}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _wrap(text: str, width: float = 450) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    return simpleSplit(text, "Helvetica", 10, width)


def council_report_pages() -> list[list[str]]:
    cross = _wrap(CROSS_PAGE_PARAGRAPH)
    assert len(cross) >= 3
    return [
        [
            "Budget Report 2025/26",
            "",
            *_wrap(WRAPPED_PARAGRAPH),
            "",
            "1.2 The budget will continue to need careful financial manage-",
            "ment over the coming year because demand for adult social care keeps rising.",
            "",
            "1.3 The report was considered by the Overview and Scrutiny Committee.",
        ],
        [
            "2. Fees and charges",
            "",
            "2.1 Members asked whether the garden waste charge could be held at last year's rate.",
            "",
            "2.2 The Cabinet Member agreed to bring a separate report to the March meeting.",
            "",
            *cross[:2],
        ],
        [
            *cross[2:],
            "",
            "3. Capital programme",
            "",
            PAGE3_SENTENCE,
            "",
            "3.1 The scheme will be funded from capital receipts and prudential borrowing.",
        ],
        [
            "4. Recommendations",
            "",
            "4.1 That Cabinet recommends the budget to full Council for approval in February.",
            "",
            "4.2 That the Chief Finance Officer is authorised to make minor technical changes.",
        ],
    ]


@pytest.fixture
def council_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "anytown_cabinet_budget.pdf"
    path.write_bytes(_pdf_bytes(council_report_pages()))
    return path


def _pdf_writer_bytes(writer) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- 1. bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_password_protected_pdf_is_refused_as_encrypted(tmp_path: Path, algorithm: str) -> None:
    from pypdf import PdfReader, PdfWriter

    if algorithm.startswith("AES"):
        pytest.importorskip("cryptography", reason="pypdf needs cryptography for AES")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(council_report_pages()))))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm=algorithm)
    path = tmp_path / "exempt_appendix.pdf"
    path.write_bytes(_pdf_writer_bytes(writer))

    assert_ingest_error(path, "encrypted", "password")


def test_pdf_with_only_an_owner_password_still_loads(tmp_path: Path) -> None:
    """Print/copy restrictions (empty user password) are common on council PDFs: not an error."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(council_report_pages()))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "restricted.pdf"
    path.write_bytes(_pdf_writer_bytes(writer))

    document = load(path)

    assert PAGE3_SENTENCE in document.text
    assert document.page_count == 4


def test_random_bytes_named_pdf_is_refused_as_not_a_pdf(tmp_path: Path) -> None:
    noise = random.Random(20240912).randbytes(8000)
    path = tmp_path / "agenda_pack.pdf"
    path.write_bytes(noise)

    assert_ingest_error(path, "not a recognised document, not a PDF")


def test_file_type_is_recognised_by_content_not_extension(tmp_path: Path) -> None:
    png = tmp_path / "scan.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert_ingest_error(png, "is a PNG image, not a PDF")
    pdf_as_text = tmp_path / "minutes.txt"
    pdf_as_text.write_bytes(_pdf_bytes(council_report_pages()))
    assert_ingest_error(pdf_as_text, "is a PDF, not text")
    zip_as_word = tmp_path / "report.docx"
    zip_as_word.write_bytes(b"%PDF-1.7\n" + bytes(100))
    assert_ingest_error(zip_as_word, "is a PDF, not a Word .docx file")


def test_truncated_pdf_is_refused_as_damaged(tmp_path: Path) -> None:
    whole = _pdf_bytes(council_report_pages())
    path = tmp_path / "half_downloaded.pdf"
    path.write_bytes(whole[: len(whole) // 2])

    assert_ingest_error(path, "truncated")


def test_pdf_of_blank_pages_is_refused_as_having_no_text(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    path = tmp_path / "blank_minutes.pdf"
    path.write_bytes(_pdf_writer_bytes(writer))

    assert_ingest_error(path, "no extractable text", "any page")


def test_scanned_pdf_without_ocr_names_its_unread_pages(tmp_path: Path) -> None:
    path = tmp_path / "scanned_minutes.pdf"
    path.write_bytes(scanned_pdf(["MINUTES OF THE MEETING"], ["2. Apologies"]))

    message = assert_ingest_error(path, "scanned", "OCR is off", "1–2")
    assert "could not be read" in message


@pytest.mark.parametrize("name", ["empty.txt", "empty.pdf", "empty.md", "empty.docx"])
def test_empty_file_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")

    assert_ingest_error(path, "empty")


@pytest.mark.parametrize("name", ["blank.txt", "blank.md", "blank.html"])
def test_whitespace_only_file_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b" \n\t\r\n   \n")

    assert_ingest_error(path, "empty")


def test_html_with_markup_but_no_words_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shell.html"
    path.write_text(
        "<html><head><script>var x = 1;</script></head><body><div> </div></body></html>"
    )

    assert_ingest_error(path, "no text")


def test_unsupported_extension_is_refused_and_lists_supported_types(tmp_path: Path) -> None:
    path = tmp_path / "budget_tables.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)

    message = assert_ingest_error(path, "unsupported", ".xlsx")
    for supported in (".pdf", ".docx", ".md", ".txt"):
        assert supported in message


def test_file_over_the_size_limit_is_refused_with_a_readable_size(tmp_path: Path) -> None:
    path = tmp_path / "huge_pack.txt"
    path.write_text("The committee noted the report.\n" * 100)  # 3,200 bytes

    message = assert_ingest_error(path, "limit", max_bytes=1000)
    # The message must show the file really is bigger than the limit ("0.0 MB over 0.0 MB" doesn't).
    assert "3,200" in message and "1,000" in message
    # Within the limit the same file loads.
    assert "noted the report" in load(path, max_bytes=10_000).text


def test_size_limit_message_in_megabytes_for_big_files(tmp_path: Path) -> None:
    path = tmp_path / "big_pack.txt"
    path.write_bytes(b"Members noted the report.\n" * 100_000)  # 2.6 MB

    message = assert_ingest_error(path, "limit", "CPA_MAX_FILE_MB", max_bytes=1 * MB)
    assert "2.6 MB" in message and "1.0 MB" in message


def test_binary_file_named_txt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(bytes(range(256)) * 8)

    assert_ingest_error(path, "binary")


def test_windows_1252_text_file_decodes(tmp_path: Path) -> None:
    text = (
        "The overspend is forecast at £240K.\r\n"
        "The Leader said the “difficult decisions” weren’t over – yet.\r\n"
    )
    path = tmp_path / "minutes_cp1252.txt"
    path.write_bytes(text.encode("cp1252"))

    document = load(path)

    assert lines_of(document) == [
        "The overspend is forecast at £240K.",
        "The Leader said the “difficult decisions” weren’t over – yet.",
    ]


def test_utf8_with_bom_and_utf16_text_decode(tmp_path: Path) -> None:
    utf8 = tmp_path / "bom.txt"
    utf8.write_bytes("\ufeffRent arrears: £1.5m".encode())
    utf16 = tmp_path / "wide.txt"
    utf16.write_bytes("Rent arrears: £1.5m".encode("utf-16"))

    assert load(utf8).text == "Rent arrears: £1.5m"
    assert load(utf16).text == "Rent arrears: £1.5m"


# --- 2. Markdown with inline HTML -----------------------------------------------------------

CORPUS_STYLE_MARKDOWN = """\
# Report to the <b>Regional</b> Board

The board met on 31<sup>ST</sup> OCTOBER 2007 at **County Hall**.

<div>Officers from <b>Finance</b> and <i>Legal</i> attended.</div>

**Recommendation:** that the board *notes* the targets below.

## Targets

<ol style="list-style-type: none"><li>1. No authority will be rated poor by 2008/9.</li><li>2. A positive direction of travel will be achieved by:<ol><li>a. At least 8 out of 9 counties</li><li>b. All 5 fire and rescue authorities</li></ol></li><li>3. Residents' satisfaction will have improved.</li></ol>

### Budget

| Service | 2007/08 | 2008/09 |
|---|---:|---|
| Libraries | £1.2m | £1.1m |
| Parks | £0.4m | £0.5m |

---

Contact: Jane Smith
"""


@pytest.fixture
def corpus_style_md(tmp_path: Path):
    path = tmp_path / "regional_board.md"
    path.write_text(CORPUS_STYLE_MARKDOWN, encoding="utf-8")
    return load(path)


def test_markdown_inline_html_leaves_no_tags_or_markup(corpus_style_md) -> None:
    text = corpus_style_md.text
    assert not TAG.search(text), TAG.search(text)
    assert "**" not in text
    assert "|" not in text
    assert "---" not in text
    assert "Officers from Finance and Legal attended." in lines_of(corpus_style_md)
    assert "Recommendation: that the board notes the targets below." in lines_of(corpus_style_md)


def test_markdown_superscript_ordinal_joins_the_number(corpus_style_md) -> None:
    assert "The board met on 31ST OCTOBER 2007 at County Hall." in lines_of(corpus_style_md)


def test_markdown_html_list_items_each_on_their_own_line(corpus_style_md) -> None:
    lines = lines_of(corpus_style_md)
    items = [
        "1. No authority will be rated poor by 2008/9.",
        "2. A positive direction of travel will be achieved by:",
        "a. At least 8 out of 9 counties",
        "b. All 5 fire and rescue authorities",
        "3. Residents' satisfaction will have improved.",
    ]
    start = lines.index(items[0])
    # In order, one per line, and no generated number doubled onto the item's own ("1. a. ...").
    assert lines[start : start + len(items)] == items


def test_markdown_headings_marked_and_tables_tab_joined(corpus_style_md) -> None:
    assert headings_of(corpus_style_md) == ["Report to the Regional Board", "Targets", "Budget"]
    lines = lines_of(corpus_style_md)
    assert "Service\t2007/08\t2008/09" in lines
    assert "Libraries\t£1.2m\t£1.1m" in lines
    assert lines[-1] == "Contact: Jane Smith"


def test_real_corpus_markdown_has_no_tags_and_whole_list_items() -> None:
    if not EAST_MIDLANDS_MD.exists():
        pytest.skip(f"{EAST_MIDLANDS_MD} not present")
    raw = EAST_MIDLANDS_MD.read_text(encoding="utf-8")
    assert "<li>6. By 2008/9" in raw and "<sup>" in raw  # the file really has inline HTML

    document = load(EAST_MIDLANDS_MD)
    lines = lines_of(document)

    assert not TAG.search(document.text), TAG.search(document.text)
    assert (
        "6. By 2008/9 at least 10 authorities will have been awarded Member Development "
        "Charter status." in lines
    )
    assert "a. At least 8 out of 9 single tier and counties" in lines
    assert any("29th November 2007" in line for line in lines)
    assert "IMPROVEMENT THROUGH PARTNERSHIPS" in headings_of(document)


# --- 3. HTML --------------------------------------------------------------------------------

HTML_PAGE = """\
<!DOCTYPE html>
<html><head><title>Cabinet – 12 March</title>
<style>p { color: red; } .hidden-style-rule { display: none }</style>
<script>alert(1)</script>
</head>
<body>
<!-- navigation comment -->
<h1>Cabinet</h1>
<h2>Item 5: Budget 2025/26</h2>
<p>The <em>Cabinet</em> agreed the
   revenue budget.</p>
<script>alert(1)</script>
<ul><li>Libraries will stay open</li><li>Parks budget <b>frozen</b></li></ul>
<table>
  <thead><tr><th>Service</th><th>Budget</th><th>Change</th></tr></thead>
  <tbody><tr><td>Libraries</td><td>£1.2m</td><td>-2%</td></tr></tbody>
</table>
<p>Signed by the Chair.</p>
</body></html>
"""


@pytest.fixture
def html_document(tmp_path: Path):
    path = tmp_path / "cabinet.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    return load(path)


def test_html_drops_script_and_style(html_document) -> None:
    text = html_document.text
    assert "alert(1)" not in text
    assert "color: red" not in text and "hidden-style-rule" not in text
    assert "navigation comment" not in text
    assert not TAG.search(text)


def test_html_blocks_lists_and_tables_become_lines(html_document) -> None:
    assert lines_of(html_document) == [
        "Cabinet",
        "Item 5: Budget 2025/26",
        "The Cabinet agreed the revenue budget.",
        "• Libraries will stay open",
        "• Parks budget frozen",
        "Service\tBudget\tChange",
        "Libraries\t£1.2m\t-2%",
        "Signed by the Chair.",
    ]
    assert headings_of(html_document) == ["Cabinet", "Item 5: Budget 2025/26"]
    assert html_document.pages == [] and html_document.page_at(0) is None


# --- 4. DOCX --------------------------------------------------------------------------------


@pytest.fixture
def docx_document(tmp_path: Path):
    import docx

    word = docx.Document()
    word.add_paragraph("Report of the Director of Place")
    word.add_heading("Budget proposals", level=1)
    word.add_paragraph("The committee considered the proposals below.")
    word.add_paragraph("Close two branch libraries", style="List Bullet")
    word.add_paragraph("Raise parking charges by 5%", style="List Number")
    table = word.add_table(rows=2, cols=3)
    for r, row in enumerate([("Service", "2024/25", "2025/26"), ("Libraries", "£1.2m", "£1.1m")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    word.add_heading("Decision", level=2)
    word.add_paragraph("Members noted the table above.")
    path = tmp_path / "place_committee.docx"
    word.save(path)
    return load(path)


def test_docx_keeps_body_order_headings_lists_and_tables(docx_document) -> None:
    assert lines_of(docx_document) == [
        "Report of the Director of Place",
        "Budget proposals",
        "The committee considered the proposals below.",
        "• Close two branch libraries",
        "• Raise parking charges by 5%",
        "Service\t2024/25\t2025/26",
        "Libraries\t£1.2m\t£1.1m",
        "Decision",
        "Members noted the table above.",
    ]
    assert headings_of(docx_document) == ["Budget proposals", "Decision"]


def test_damaged_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file at all")

    assert_ingest_error(path, "not a readable Word document")


# --- 5. PDF made with reportlab ------------------------------------------------------------


def test_pdf_running_header_and_page_numbers_are_removed(council_pdf: Path) -> None:
    document = load(council_pdf)

    # The running header stays once, as the first page's masthead: it names the paper.
    assert document.text.count("Anytown Borough Council") == 1
    assert lines_of(document)[0].startswith("Anytown Borough Council")
    assert not re.search(r"Page \d of 4", document.text)
    for line in lines_of(document):
        assert not re.fullmatch(r"\d+", line), line
    # The body is still there.
    assert "4.2 That the Chief Finance Officer is authorised to make minor technical changes." in (
        lines_of(document)
    )
    assert "Budget Report 2025/26" in lines_of(document)[0]


def test_pdf_page_numbers_and_offsets(council_pdf: Path) -> None:
    document = load(council_pdf)

    assert document.page_count == 4
    assert [page.number for page in document.pages] == [1, 2, 3, 4]
    assert document.pages[0].start == 0 and document.pages[-1].end == len(document.text)
    for earlier, later in zip(document.pages, document.pages[1:], strict=False):
        assert earlier.end == later.start
    expectations = {
        "1.3 The report was considered": 1,
        "2.1 Members asked whether": 2,
        PAGE3_SENTENCE: 3,
        "3.1 The scheme will be funded": 3,
        "4.1 That Cabinet recommends": 4,
    }
    for snippet, page in expectations.items():
        offset = document.text.index(snippet)
        assert document.page_at(offset) == page, snippet
        assert document.page_at(offset + len(snippet) - 1) == page, snippet


def test_pdf_wrapped_paragraph_becomes_one_line(council_pdf: Path) -> None:
    assert len(_wrap(WRAPPED_PARAGRAPH)) >= 3  # really printed over several lines
    lines = lines_of(load(council_pdf))

    assert WRAPPED_PARAGRAPH in lines
    # Separate paragraphs stay separate.
    assert "1.3 The report was considered by the Overview and Scrutiny Committee." in lines


def test_pdf_hyphenated_line_break_is_rejoined(council_pdf: Path) -> None:
    lines = lines_of(load(council_pdf))

    assert (
        "1.2 The budget will continue to need careful financial management over the coming "
        "year because demand for adult social care keeps rising." in lines
    )
    assert "manage-" not in "\n".join(lines)


def test_pdf_paragraph_cut_by_a_page_break_is_joined_and_starts_on_its_first_page(
    council_pdf: Path,
) -> None:
    document = load(council_pdf)

    assert CROSS_PAGE_PARAGRAPH in lines_of(document)
    assert document.page_at(document.text.index(CROSS_PAGE_PARAGRAPH)) == 2


def test_pdf_single_page_keeps_its_text_and_drops_page_number(tmp_path: Path) -> None:
    path = tmp_path / "one_page_notice.pdf"
    path.write_bytes(
        _pdf_bytes(
            [["Notice of decision", "", "The Leader approved the grant to Eastfield Youth Club."]],
            header=None,
        )
    )

    document = load(path)

    assert lines_of(document) == [
        "Notice of decision",
        "The Leader approved the grant to Eastfield Youth Club.",
    ]
    assert document.page_count == 1
    assert document.page_at(len(document.text) - 1) == 1


# --- 6. real council PDFs -------------------------------------------------------------------


def _manifest() -> list[dict[str, str]]:
    manifest = REALDOCS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


MANIFEST = _manifest()
needs_realdocs = pytest.mark.skipif(not MANIFEST, reason=f"real documents not found in {REALDOCS}")


@functools.cache
def real(name: str):
    path = REALDOCS / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return load(path, 50 * MB)


def _raw_pdf_lines(name: str) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(REALDOCS / name)
    return [
        line.strip() for page in reader.pages for line in (page.extract_text() or "").split("\n")
    ]


@needs_realdocs
def test_manifest_lists_fifteen_real_documents() -> None:
    assert len(MANIFEST) == 15
    for row in MANIFEST:
        assert (REALDOCS / row["filename"]).is_file(), row["filename"]


@needs_realdocs
@pytest.mark.parametrize(
    "row", MANIFEST, ids=[row["filename"].removesuffix(".pdf") for row in MANIFEST]
)
def test_real_pdf_loads_with_correct_page_count_and_sane_pages(row: dict[str, str]) -> None:
    document = real(row["filename"])

    assert document.page_count == int(row["pages"])
    assert len(document.text) > 1000
    assert not re.search(r"\n\s*\n", document.text)  # one block per line, no blank lines
    numbers = [page.number for page in document.pages]
    assert numbers == sorted(set(numbers))
    assert numbers[0] >= 1 and numbers[-1] <= document.page_count
    assert document.pages[0].start == 0 and document.pages[-1].end == len(document.text)
    for earlier, later in zip(document.pages, document.pages[1:], strict=False):
        assert earlier.end == later.start
    assert document.file_hash


BRISTOL_REPORT = "bristol_tcpc_2024-09-12_committee_report_workplace_parking_levy.pdf"
KCC_FINANCE = "kcc_cabinet_2025-01-30_finance_monitoring_q3_nov_2024-25.pdf"
SUTTON_MINUTES = "sutton_coldfield_tc_2018-03-13_amenities_committee_minutes.pdf"
KCC_EDUCATION = "kcc_cabinet_2025-01-30_education_commissioning_plan_report.pdf"


@needs_realdocs
def test_bristol_report_loses_official_marking_and_version_banner() -> None:
    raw = _raw_pdf_lines(BRISTOL_REPORT)
    assert raw.count("OFFICIAL") >= 7
    assert sum(line.startswith("Version January 2024") for line in raw) >= 7

    lines = lines_of(real(BRISTOL_REPORT))

    assert lines.count("OFFICIAL") <= 1  # the first page's head is kept as its masthead
    assert len([line for line in lines if line.startswith("Version January 2024")]) <= 1
    assert real(BRISTOL_REPORT).text.count("Version January 2024") <= 1
    assert any("Committee Report" in line for line in lines[:3])


@needs_realdocs
def test_kcc_finance_report_loses_page_x_of_54() -> None:
    raw = _raw_pdf_lines(KCC_FINANCE)
    assert sum(bool(re.fullmatch(r"Page \d+ of 54", line)) for line in raw) >= 50

    text = real(KCC_FINANCE).text

    assert not re.search(r"Page \d+ of 54", text)
    assert "Finance Monitoring Report" in text


@needs_realdocs
def test_sutton_minutes_lose_page_bar_and_running_title() -> None:
    header = "Amenities, Leisure and Community Services Minutes | Tuesday 13th March 2018"
    raw = [" ".join(line.split()) for line in _raw_pdf_lines(SUTTON_MINUTES)]
    assert raw.count(header) == 8
    assert sum(bool(re.fullmatch(r"Page \| \d", line)) for line in raw) == 8

    document = real(SUTTON_MINUTES)
    flat = " ".join(document.text.split())

    assert flat.count(header) == 1  # once, as the first page's masthead: it names the meeting
    assert flat.count("Services Minutes |") == 1
    assert not re.search(r"Page ?\| ?\d", document.text)
    assert "Meeting Closed 21:00pm" in document.text


@needs_realdocs
def test_kcc_education_numbered_paragraph_is_one_line_on_the_right_page() -> None:
    document = real(KCC_EDUCATION)
    lines = lines_of(document)

    first = [
        line
        for line in lines
        if line.startswith(
            "1.1 The County Council is the Strategic Commissioner of Education Provision in Kent."
        )
    ]
    assert len(first) == 1
    assert "recognise parental preference." in first[0]
    assert first[0].endswith("how these needs might best be met.")
    following = lines[lines.index(first[0]) + 1]
    assert following.startswith("1.2 The KCP sets out")

    offset = document.text.index("\n2.4 As in previous years") + 1
    assert document.page_at(offset) == 2
    assert document.page_at(document.text.index(first[0])) == 1


@needs_realdocs
def test_real_pdf_headings_are_not_glued_to_the_next_paragraph() -> None:
    sutton = lines_of(real(SUTTON_MINUTES))
    at = sutton.index("54 Minutes of the Previous Meeting")
    assert sutton[at + 1] == "Cllr Hewett asked to note that her name was incorrectly spelt."

    summer = lines_of(real("sutton_coldfield_tc_2017-02-21_item166_summer_in_sutton_report.pdf"))
    at = summer.index("1. Purpose of Report")
    assert summer[at + 1].startswith("To advise Council of the proposed arrangements")
