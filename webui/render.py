"""HTML for the chat UI: answers with citation markers, the sources panel, the document viewer.

Every piece of text that comes from a paper, a question or a file name is escaped: `text()` for
the HTML panels, `chat_text()` for chat messages, which the Chatbot also renders as Markdown, so
it escapes the characters Markdown and LaTeX would act on too. Document content can only ever be
shown, never interpreted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ingest.records import Chunk
from retrieval.records import Answer, Citation, Filters

# Characters Markdown (and KaTeX) would turn into markup, written as entities instead: chat
# messages are rendered as Markdown, and an entity is always shown as the literal character.
_MARKDOWN = str.maketrans(
    {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#!|~$"}
    | {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#x27;"}
)


def text(value: Any) -> str:
    """Escaped text for HTML panels; newlines kept as <br>."""
    return html.escape(str(value or ""), quote=True).replace("\n", "<br>")


def chat_text(value: Any) -> str:
    """Escaped text for chat messages: safe as HTML and as Markdown; newlines kept as <br>."""
    return str(value or "").translate(_MARKDOWN).replace("\n", "<br>")


def attr(value: Any) -> str:
    """Escaped attribute value (always quoted by the caller)."""
    return str(value or "").translate(_MARKDOWN).replace("\n", " ")


def anchor(turn: int, n: int) -> str:
    """Element id of citation `n` of answer `turn` in the sources panel."""
    return f"cite-{turn}-{n}"


def user_message(question: str) -> str:
    return f'<span class="question">{chat_text(question)}</span>'


def partial_answer(pieces: str) -> str:
    """Streamed text so far, before the finished record (with its citations) arrives."""
    return f'<div class="answer streaming">{chat_text(pieces)}</div>'


def _with_markers(escaped: str, citations: Sequence[Citation], turn: int) -> str:
    """Turn "[n]" (already escaped as &#91;n&#93;) into links to the sources panel."""
    known = {c.n: c for c in citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        citation = known.get(n)
        if citation is None:
            return match.group(0)
        label = f"Source {n}: {citation.title}" + (
            f", paragraph {citation.paragraph}" if citation.paragraph else ""
        )
        return (
            f'<a class="cite-marker" href="#{anchor(turn, n)}" aria-label="{attr(label)}">'
            f"&#91;{n}&#93;</a>"
        )

    return re.sub(r"&#91;(\d{1,2})&#93;", link, escaped)


def answer_message(answer: Answer, turn: int) -> str:
    """The finished answer as chat HTML: text with linked markers, then the search note."""
    lines = [line for line in answer.answer.split("\n") if line.strip()]
    if len(lines) > 1 and all(line.startswith("- ") for line in lines):
        items = "".join(
            f"<li>{_with_markers(chat_text(line[2:]), answer.citations, turn)}</li>"
            for line in lines
        )
        body = f"<ul>{items}</ul>"
    else:
        body = _with_markers(chat_text(answer.answer), answer.citations, turn)
    parts = [f'<div class="answer">{body}</div>']
    if answer.rewritten_query and answer.rewritten_query != answer.question:
        parts.append(
            f'<small class="rewritten">Searched for: {chat_text(answer.rewritten_query)}</small>'
        )
    for note in answer.notes:
        parts.append(f'<small class="note">{chat_text(note)}</small>')
    if answer.abstained and answer.suggestions:
        parts.append('<small class="note">The closest passages are listed under Sources.</small>')
    return "".join(parts)


def account_line(user) -> str:
    """ "Signed in as jsmith (member) · Sign out", or how the public sign in."""
    if user is None or not user.name:
        return (
            '<p class="account" role="status">Using the public papers. '
            '<a href="/signin">Sign in</a> to read exempt papers or add papers.</p>'
        )
    return (
        f'<p class="account" role="status">Signed in as {text(user.name)} ({text(user.role)}). '
        '<a href="/signout">Sign out</a></p>'
    )


def error_message(message: str) -> str:
    return f'<div class="answer error" role="alert">{chat_text(message)}</div>'


def highlighted(context: str, quote: str, offset: int | None = None) -> str:
    """`context` escaped, with `quote` (found at `offset` if given) wrapped in <mark>."""
    at = offset if offset is not None and context[offset : offset + len(quote)] == quote else -1
    if at < 0:
        at = context.find(quote) if quote else -1
    if at < 0:
        return f"<mark>{text(quote)}</mark>" if quote else text(context)
    return f"{text(context[:at])}<mark>{text(quote)}</mark>{text(context[at + len(quote) :])}"


def citation_where(c: Citation) -> str:
    """ "Inverclyde Council · Council · 2010-02-18 · para 2.5 · p. 3"."""
    return c.label()


def sources_panel(answer: Answer | None, chunks: dict[str, Chunk], turn: int) -> str:
    """Each citation: title, council, body, date, paragraph, page, and the quote highlighted
    inside its passage. `chunks` maps chunk ids to the chunks the citations point into."""
    if answer is None:
        return (
            '<section class="sources" aria-label="Sources"><h3>Sources</h3>'
            '<p class="empty">Ask a question: the passages an answer cites appear here.</p>'
            "</section>"
        )
    citations = answer.citations or answer.suggestions
    heading = "Sources" if answer.citations else "Closest passages"
    if not citations:
        return (
            f'<section class="sources" aria-label="{heading}"><h3>{heading}</h3>'
            '<p class="empty">No passages matched.</p></section>'
        )
    items = []
    for c in citations:
        chunk = chunks.get(c.chunk_id)
        if chunk is not None:
            context = (f"{chunk.lead}\n" if chunk.lead else "") + chunk.text
            offset = c.start - chunk.start + (len(chunk.lead) + 1 if chunk.lead else 0)
            passage = highlighted(context, c.quote, offset)
        else:
            passage = highlighted("", c.quote)
        items.append(
            f'<li class="citation" id="{anchor(turn, c.n)}" tabindex="-1">'
            f'<div class="cite-head"><span class="cite-n">[{c.n}]</span> '
            f'<span class="cite-title">{text(c.title or c.doc_id)}</span></div>'
            f'<div class="cite-meta">{text(citation_where(c))}</div>'
            f'<blockquote class="passage">{passage}</blockquote></li>'
        )
    return (
        f'<section class="sources" aria-label="{heading}"><h3>{heading}</h3>'
        f'<ol class="citations">{"".join(items)}</ol></section>'
    )


def source_choices(answer: Answer | None) -> list[tuple[str, str]]:
    """Dropdown entries for "Open document": ("[1] Title · para 2.5", "1")."""
    if answer is None:
        return []
    out = []
    for c in answer.citations or answer.suggestions:
        where = " · ".join(
            x for x in (c.paragraph and f"para {c.paragraph}", c.page and f"p. {c.page}") if x
        )
        out.append((f"[{c.n}] {c.title or c.doc_id}" + (f" · {where}" if where else ""), str(c.n)))
    return out


def document_view(
    meta: dict[str, Any], chunks: Sequence[Chunk], focus: Citation | None = None
) -> str:
    """The whole paper as indexed, page by page for PDFs, with the cited passage marked.

    The cited chunk gets id="doc-focus" so the page can scroll to it; the quote inside it is
    highlighted with <mark>.
    """
    title = meta.get("title") or meta.get("doc_id", "")
    details = " · ".join(
        str(x)
        for x in (meta.get("council"), meta.get("body"), meta.get("date"), meta.get("doc_type"))
        if x
    )
    pages = int(meta.get("pages", 0) or 0)
    head = [f"<h3>{text(title)}</h3>", f'<p class="doc-meta">{text(details)}</p>']
    if focus is not None:
        where = []
        if focus.minute:
            where.append(f"minute {focus.minute}")
        if focus.paragraph:
            where.append(f"paragraph {focus.paragraph}")
        if focus.page is not None:
            where.append(f"page {focus.page}" + (f" of {pages}" if pages else ""))
        if where:
            head.append(f'<p class="doc-at">Showing the cited {text(" on ".join(where))}.</p>')
    body: list[str] = []
    cursor = 0
    page = None
    lead = ""
    for chunk in sorted(chunks, key=lambda c: (c.start, c.position)):
        if chunk.end <= cursor:
            continue  # wholly inside text already shown
        skip = max(0, cursor - chunk.start)
        if chunk.page is not None and chunk.page != page:
            page = chunk.page
            read_by = " (text read by OCR: check the page image)" if chunk.ocr else ""
            body.append(f'<h4 class="page-mark" id="doc-page-{page}">Page {page}{read_by}</h4>')
        if chunk.kind == "table_row" and chunk.lead and chunk.lead != lead:
            # A table's header row is kept with each row, not as a chunk of its own.
            body.append(f'<div class="doc-chunk doc-lead">{text(chunk.lead)}</div>')
        lead = chunk.lead
        shown = chunk.text[skip:]
        cited = focus is not None and chunk.id == focus.chunk_id
        if cited:
            inner = highlighted(shown, focus.quote, focus.start - chunk.start - skip)
            body.append(
                f'<div class="doc-chunk cited" id="doc-focus" tabindex="-1" '
                f'aria-label="Cited passage">{inner}</div>'
            )
        else:
            body.append(f'<div class="doc-chunk">{text(shown)}</div>')
        cursor = chunk.end
    if not body:
        body.append('<p class="empty">This paper has no indexed text.</p>')
    return (
        f'<article class="document" aria-label="Document: {attr(title)}">'
        f'{"".join(head)}<div class="doc-body">{"".join(body)}</div></article>'
    )


def filters_from_form(
    councils: Iterable[str] | None,
    bodies: Iterable[str] | None,
    doc_types: Iterable[str] | None,
    since: str | None,
    until: str | None,
) -> Filters:
    """The filter controls' values as `Filters` (empty controls do not narrow)."""
    return Filters(
        councils=tuple(councils or ()),
        bodies=tuple(bodies or ()),
        doc_types=tuple(doc_types or ()),
        since=(since or "").strip(),
        until=(until or "").strip(),
    )


def active_filters(filters: Filters) -> str:
    """Line shown under the question box so the user always sees what narrows the search."""
    if not filters:
        return '<p class="filters-active none">No filters: searching all papers.</p>'
    return (
        '<p class="filters-active" role="status">Active filters: '
        f"<strong>{text(filters.describe())}</strong></p>"
    )


LIBRARY_COLUMNS = ["Title", "Council", "Body", "Date", "Type", "Pages", "Chunks", "Document id"]


def library_rows(documents: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """One row per indexed paper for the Library table (shown as plain text, never HTML)."""
    return [
        [
            d.get("title", ""),
            d.get("council", ""),
            d.get("body", ""),
            d.get("date", ""),
            d.get("doc_type", ""),
            int(d.get("pages", 0) or 0),
            int(d.get("chunks", 0) or 0),
            d.get("doc_id", ""),
        ]
        for d in documents
    ]


def upload_report(results: Iterable[Any], hidden: Iterable[str] = ()) -> str:
    """What happened to each uploaded file, one line each, failures first-class (as in the CLI)."""
    hidden = set(hidden)
    lines = []
    for r in results:
        name = Path(r.path).name
        if r.status == "ingested":
            note = f"added: {r.chunks} passages" + (f" from {r.pages} pages" if r.pages else "")
            if r.doc_id in hidden:
                note += " (an exempt paper: it is not shown to the public)"
            if r.warning:
                note += f"; {r.warning.rstrip('.')}"
            lines.append(f'<li class="ok">{text(name)} {text(note)}.</li>')
        elif r.status == "skipped":
            lines.append(f'<li class="ok">{text(name)} is already in the library, unchanged.</li>')
        else:
            lines.append(f'<li class="failed">FAILED {text(name)}: {text(r.reason)}</li>')
    if not lines:
        return '<p role="status">Choose one or more PDF, DOCX, TXT or Markdown files first.</p>'
    return f'<ul class="upload-report" role="status">{"".join(lines)}</ul>'


def plain_answer(answer: Answer | None) -> str:
    """What "Copy answer" puts on the clipboard: the answer, then its sources with quotes."""
    if answer is None:
        return ""
    lines = [answer.answer]
    sources = answer.citations or answer.suggestions
    if sources:
        lines.append("")
        lines.append("Sources:" if answer.citations else "Closest passages:")
        for c in sources:
            quote = " ".join(c.quote.split())
            lines.append(f"[{c.n}] {c.title} — {c.label()}: “{quote}”")
    return "\n".join(lines)


DECISION_COLUMNS = [
    "Date", "Council", "Body", "Ref", "Kind", "Outcome", "Subject", "Decision", "Vote", "Page",
]  # fmt: skip


def decision_rows(rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """One row per decision for the Decisions table (plain text, never HTML)."""
    from ingest.decisions import describe_votes

    return [
        [
            r.get("date", ""),
            r.get("council", ""),
            r.get("body", ""),
            r.get("ref", ""),
            r.get("kind", ""),
            r.get("outcome", ""),
            r.get("subject", "") or r.get("title", ""),
            " ".join(str(r.get("text", "")).split()),
            describe_votes(r),
            "" if r.get("page") is None else str(r["page"]),
        ]
        for r in rows
    ]
