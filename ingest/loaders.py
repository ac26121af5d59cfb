"""Loaders: PDF, DOCX, HTML, Markdown and plain text files into cleaned text with page offsets."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from ingest.cleaning import normalise, rejoin_hyphenation
from ingest.errors import IngestError
from ingest.filetypes import check_content
from ingest.ocr import PageOcr
from ingest.pdf_loader import PdfText, finish_pdf, load_pdf, read_pdf
from ingest.records import LoadedDocument, document_id

__all__ = [
    "IngestError",
    "PdfText",
    "document_id",
    "fingerprint",
    "finish_document",
    "load_document",
    "load_pdf",
    "read_document",
]

# Bump when loading or chunking changes, so existing indexes re-ingest every file once.
# 2: emphasised headings, header-less tables; 3: date lines; 4-5: appendices; 6: councils from the
# text only; 7: the first page's masthead kept; 8: the better of pypdf/pdfium per page, OCR;
# 9: minutes chunked by minute item, with their structure in the document record; 10: an initial
# ("B. Jones") ends no sentence; 11-12: pages holding a table read in pypdf's layout mode, its
# rows kept under their header; agendas' and forward plans' items in the document record, an
# agenda's item lines chunked as list items
PIPELINE_VERSION = "12"

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt")
SIDECAR_SUFFIX = ".meta.json"


def load_document(path: Path, max_bytes: int, ocr: PageOcr | None = None) -> LoadedDocument:
    """Read one paper into cleaned text; raise IngestError with a clear reason if it can't be.

    PDF pages with no usable text layer are read by `ocr`; without it they are named in the
    document's warnings (or, when no page has text, in the error).
    """
    return finish_document(read_document(path, max_bytes), ocr)


def finish_document(read: LoadedDocument | PdfText, ocr: PageOcr | None, progress=None):
    """The second step of `read_document`: OCR and assembly for a PDF; others are done."""
    if isinstance(read, LoadedDocument):
        return read
    document = finish_pdf(read, ocr, progress)
    if not document.text.strip():
        raise IngestError(read.path, "contains no text.")
    document.file_hash = read.fingerprint
    return document


def read_document(path: Path, max_bytes: int) -> LoadedDocument | PdfText:
    """The part of loading that needs no OCR: a document, or a PDF's pages before OCR."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            path,
            f"unsupported file type '{suffix or '(none)'}'; supported: {', '.join(SUPPORTED_SUFFIXES)}.",
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                path,
                f"is {_size_text(size, max_bytes)}, over the {_size_text(max_bytes, size)} limit; raise CPA_MAX_FILE_MB to ingest it.",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"could not be read ({exc.strerror or exc}).") from None
    if not data.strip():
        raise IngestError(path, "is empty.")
    check_content(path, suffix, data)
    if suffix == ".pdf":
        pdf = read_pdf(path, data)
        pdf.fingerprint = fingerprint(path, data)
        return pdf
    reader = _READERS[suffix]
    document = reader(path, data)
    if not document.text.strip():
        raise IngestError(path, "contains no text.")
    document.file_hash = fingerprint(path, data)
    return document


def fingerprint(path: Path, data: bytes | None = None) -> str:
    """Content hash of a paper, its metadata sidecar and the pipeline version.

    A change to any of the three re-ingests the paper; nothing else does.
    """
    path = Path(path)
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    digest.update(path.read_bytes() if data is None else data)
    sidecar = path.with_name(document_id(path) + SIDECAR_SUFFIX)
    if sidecar.is_file():
        digest.update(b"\x00sidecar\x00" + sidecar.read_bytes())
    return digest.hexdigest()


def content_hash(path: Path) -> str:
    """Hash of the file's bytes alone: the same paper under another name or sidecar."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _size_text(n: int, other: int) -> str:
    """A byte count for messages: MB, or exact bytes when MB would hide the difference."""
    if f"{n / 1e6:.1f}" != f"{other / 1e6:.1f}" and min(n, other) >= 100_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n:,} bytes"


# --- plain text -----------------------------------------------------------------------------


def decode_text(path: Path, data: bytes) -> str:
    """Decode text sensibly: UTF-8 (with or without BOM), UTF-16 by BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise IngestError(
            path, "looks like a binary file, not text; save it as UTF-8 text, PDF or DOCX."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _from_lines(path: Path, lines: list[str], headings: set[int] | None = None) -> LoadedDocument:
    """Assemble a document from logical lines, dropping blanks and keeping heading marks."""
    kept: list[str] = []
    heading_lines: set[int] = set()
    for i, line in enumerate(lines):
        line = normalise(line).replace("\n", " ")
        if not line.strip():
            continue
        if headings and i in headings:
            heading_lines.add(len(kept))
        kept.append(line)
    return LoadedDocument(
        doc_id=document_id(path),
        path=str(path),
        text="\n".join(kept),
        heading_lines=frozenset(heading_lines),
    )


def load_text(path: Path, data: bytes) -> LoadedDocument:
    text = rejoin_hyphenation(normalise(decode_text(path, data)))
    return _from_lines(path, text.split("\n"))


# --- markdown (with inline HTML) ------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_STRONG = re.compile(r"\*\*|__")
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _markdown_inline(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_STRONG.sub("", text)
    text = _MD_EMPHASIS.sub(r"\1", text)
    return _MD_ESCAPE.sub(r"\1", text)


def load_markdown(path: Path, data: bytes) -> LoadedDocument:
    lines: list[str] = []
    headings: set[int] = set()
    for raw in rejoin_hyphenation(decode_text(path, data)).split("\n"):
        heading = _MD_HEADING.match(raw)
        if heading:
            headings.add(len(lines))
            lines.append(
                _markdown_inline(
                    html_fragment_lines(heading.group(2))[0]
                    if "<" in heading.group(2)
                    else heading.group(2)
                )
            )
            continue
        if _MD_RULE.match(raw) or (_MD_TABLE_SEPARATOR.match(raw) and "|" in raw):
            continue
        stripped = raw.strip()
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 2:
            cells = [_markdown_inline(c.strip()) for c in stripped.strip("|").split("|")]
            lines.append("\t".join(cells))
            continue
        if _HTML_TAG.search(raw):
            lines.extend(_markdown_inline(line) for line in html_fragment_lines(raw))
            continue
        lines.append(_markdown_inline(raw))
    return _from_lines(path, lines, headings)


# --- HTML -----------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "blockquote",
    "pre", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "form", "figure",
    "figcaption", "address", "hr", "caption", "center",
}  # fmt: skip
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_OWN_MARKER = re.compile(
    r"^(?:\d{1,3}(?:\.\d{1,3})*[.)]|[a-z][.)]|\(?(?:[a-z]|[ivxlc]+)\)|[•●▪◦■□➢➤\-–*])\s"
)
_DROP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}


class _HtmlFlattener:
    """Walks parsed HTML producing one line per block, list item or table row (cells tab-joined)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.headings: set[int] = set()
        self.buffer: list[str] = []

    def flush(self, heading: bool = False) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if text:
            if heading:
                self.headings.add(len(self.lines))
            self.lines.append(text)

    def walk(self, node, list_stack: list[list[int | None]]) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child).__name__ in (
                    "Comment",
                    "Doctype",
                    "Declaration",
                    "ProcessingInstruction",
                ):
                    continue
                self.buffer.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _DROP_TAGS:
                continue
            if name == "br":
                self.flush()
            elif name in _HEADING_TAGS:
                self.flush()
                self.walk(child, list_stack)
                self.flush(heading=True)
            elif name == "tr":
                self.flush()
                cells = [
                    " ".join(c.get_text(" ").split())
                    for c in child.find_all(["td", "th"], recursive=False)
                ]
                if any(cells):
                    self.lines.append("\t".join(cells))
            elif name in ("ul", "ol"):
                self.flush()
                numbered = name == "ol" and "none" not in (child.get("style") or "")
                list_stack.append([1 if numbered else None])
                self.walk(child, list_stack)
                list_stack.pop()
                self.flush()
            elif name == "li":
                self.flush()
                counter = list_stack[-1] if list_stack else [None]
                # Items that carry their own marker ("a. ...", "2) ...") keep just that one.
                own_marker = bool(_OWN_MARKER.match(child.get_text().lstrip()))
                if counter[0] is not None:
                    if not own_marker:
                        self.buffer.append(f"{counter[0]}. ")
                    counter[0] += 1
                elif (
                    list_stack
                    and not own_marker
                    and "none" not in (child.parent.get("style") or "")
                ):
                    self.buffer.append("• ")
                self.walk(child, list_stack)
                self.flush()
            elif name in _BLOCK_TAGS:
                self.flush()
                self.walk(child, list_stack)
                self.flush()
            else:
                self.walk(child, list_stack)


def _flatten_html(markup: str) -> _HtmlFlattener:
    from bs4 import BeautifulSoup

    flattener = _HtmlFlattener()
    flattener.walk(BeautifulSoup(markup, "html.parser"), [])
    flattener.flush()
    return flattener


def html_fragment_lines(markup: str) -> list[str]:
    """Plain-text lines of an HTML fragment (used for inline HTML inside Markdown)."""
    return _flatten_html(markup).lines or [""]


def load_html(path: Path, data: bytes) -> LoadedDocument:
    flattener = _flatten_html(decode_text(path, data))
    return _from_lines(path, flattener.lines, flattener.headings)


# --- DOCX -----------------------------------------------------------------------------------


def _is_list_paragraph(paragraph) -> bool:
    """Numbered or bulleted: numbering set on the paragraph or inherited from its style."""
    if paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None:
        return True
    style, seen = paragraph.style, 0
    while style is not None and seen < 10:  # style chains are short; guard against loops
        ppr = style.element.pPr
        if ppr is not None and ppr.numPr is not None:
            return True
        style, seen = style.base_style, seen + 1
    return False


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    import io

    try:
        from docx import Document
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover - dependency of the project
        raise IngestError(path, "needs python-docx; run `pip install python-docx`.") from None
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:
        raise IngestError(
            path, f"is not a readable Word document (damaged or not DOCX): {exc}."
        ) from None
    lines: list[str] = []
    headings: set[int] = set()
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            style = (block.style.name or "").lower() if block.style is not None else ""
            text = block.text
            if style.startswith(("heading", "title")):
                headings.add(len(lines))
            elif _is_list_paragraph(block):
                text = f"• {text}"
            lines.append(text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or value != cells[-1]:  # merged cells repeat their text
                        cells.append(value)
                if any(cells):
                    lines.append("\t".join(cells))
    return _from_lines(path, lines, headings)


_READERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
}
