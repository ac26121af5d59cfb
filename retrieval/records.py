"""Record types of retrieval and answering: filters, the asking user, hits, citations, answers.

One `Answer` record serves the UI, CLI, Python API, HTTP API and evals; `Hit` is what search returns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ingest.records import DOC_TYPES, Chunk

# What one request may carry: longer questions, histories or comments are refused, not cut.
MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 40
HISTORY_ROLES = ("user", "assistant")
MAX_FILTER_VALUES = 50
MAX_FILTER_CHARS = 200


class RequestError(ValueError):
    """A question, history or filter that cannot be asked; the message says what to change."""


def checked_request(question: Any, history: Any) -> tuple[str, list[dict[str, str]]]:
    """The question and history of one request, or RequestError with one clear sentence.

    >>> checked_request("  Who leads waste?  ", None)
    ('Who leads waste?', [])
    """
    if question is None or (isinstance(question, str) and not question.strip()):
        raise RequestError("Ask a question about the committee papers: the question is empty")
    if not isinstance(question, str):
        raise RequestError("the question must be text")
    if len(question) > MAX_QUESTION_CHARS:
        raise RequestError(
            f"the question is {len(question):,} characters long; ask in at most "
            f"{MAX_QUESTION_CHARS:,}"
        )
    if history is None:
        history = []
    if not isinstance(history, list | tuple):
        raise RequestError('history must be a list of {"role", "content"} messages')
    if len(history) > MAX_HISTORY_TURNS:
        raise RequestError(
            f"history holds {len(history)} messages; send at most the last {MAX_HISTORY_TURNS}"
        )
    for k, turn in enumerate(history, 1):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in HISTORY_ROLES
            or not isinstance(turn.get("content"), str)
            or len(turn["content"]) > 4 * MAX_QUESTION_CHARS
        ):
            raise RequestError(
                f'history message {k} must be {{"role": "user" or "assistant", "content": text}} '
                f"of at most {4 * MAX_QUESTION_CHARS:,} characters"
            )
    return question.strip(), [{"role": t["role"], "content": t["content"]} for t in history]


# public: anonymous callers; member, officer: may read exempt papers; officer, admin: may also add
# papers, manage the library and export feedback (admin also manages users).
ROLES = ("public", "member", "officer", "admin")
# What every answerer says when the papers do not hold the answer.
ABSTAIN_TEXT = "I can't find that in the committee papers."


@dataclass(frozen=True)
class User:
    """Who is asking. Exempt (confidential) papers are visible only to signed-in members,
    officers and admins; only officers and admins may change what the index holds."""

    name: str = ""
    role: str = "public"  # public | member | officer | admin

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {self.role!r}")

    @property
    def access_levels(self) -> tuple[str, ...]:
        if self.name and self.role in ("member", "officer", "admin"):
            return ("public", "exempt")
        return ("public",)

    @property
    def may_manage(self) -> bool:
        """May add papers, manage the library and export feedback."""
        return bool(self.name) and self.role in ("officer", "admin")


ANONYMOUS = User()


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the search to. Empty fields do not narrow.

    Councils and bodies may be given loosely ("Bristol"); they are matched case-insensitively
    against the names the index holds. Dates are ISO yyyy-mm-dd, inclusive.
    """

    councils: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    since: str = ""
    until: str = ""

    def __bool__(self) -> bool:
        return any(getattr(self, f) for f in self.__dataclass_fields__)

    def narrowed(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def describe(self) -> str:
        """Short human text of the active filters, e.g. "council: Bristol · since 2024-01-01"."""
        parts = []
        for label, values in (
            ("council", self.councils),
            ("body", self.bodies),
            ("type", self.doc_types),
            ("document", self.doc_ids),
        ):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if self.since:
            parts.append(f"since {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        return " · ".join(parts)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Filters:
        """Filters from JSON-like data, e.g. {"councils": ["Westshire"], "since": "2024-01-01"};
        anything else raises ValueError saying which filter is wrong."""
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise ValueError(
                'filters must be an object such as {"councils": ["…"], "since": "yyyy-mm-dd"}'
            )
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"unknown filter(s): {', '.join(sorted(map(str, unknown)))}; "
                f"filters: {', '.join(known)}"
            )
        values = {}
        for key, value in data.items():
            if key in ("since", "until"):
                if value is not None and not isinstance(value, str):
                    raise ValueError(f"filter {key!r} must be a date written yyyy-mm-dd")
                values[key] = value or ""
                continue
            items = [value] if isinstance(value, str) else value or []
            if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
                raise ValueError(f"filter {key!r} must be a list of names")
            if len(items) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in items):
                raise ValueError(
                    f"filter {key!r} may hold at most {MAX_FILTER_VALUES} names of at most "
                    f"{MAX_FILTER_CHARS} characters"
                )
            values[key] = tuple(items)
        wrong = [t for t in values.get("doc_types", ()) if t.lower() not in DOC_TYPES]
        if wrong:
            raise ValueError(
                f"unknown document type(s) {', '.join(map(repr, wrong))}; "
                f"types: {', '.join(DOC_TYPES)}"
            )
        return cls(**values)


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk, its fused score and the context assembled around it.

    `lead` is the table header row or list lead-in; `before`/`after` are adjacent chunks of the
    same section merged in because they complete the evidence.
    """

    chunk: Chunk
    score: float
    rank: int = 0
    dense_rank: int | None = None
    lexical_rank: int | None = None
    before: tuple[Chunk, ...] = ()
    after: tuple[Chunk, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        return (*self.before, self.chunk, *self.after)

    @property
    def text(self) -> str:
        """The evidence as a reader needs it: lead, then the merged chunk texts."""
        parts = [self.chunk.lead] if self.chunk.lead else []
        parts.extend(c.text for c in self.chunks)
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        chunk = self.chunk
        meta = chunk.meta
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": chunk.doc_id,
            "chunk_id": chunk.id,
            "title": meta.title if meta else "",
            "council": meta.council if meta else "",
            "body": meta.body if meta else "",
            "date": meta.date if meta else "",
            "section": " > ".join(chunk.section),
            "paragraphs": list(chunk.paragraphs),
            "page": chunk.page,
            "kind": chunk.kind,
            "ocr": chunk.ocr,
            "minute": chunk.minute,
            "dense_rank": self.dense_rank,
            "lexical_rank": self.lexical_rank,
            "text": self.text,
        }


class SearchResult(list):
    """The hits (it is a list of `Hit`) plus what the search made of the question.

    `rewritten_query` and `notes` (e.g. "Searched papers dated 2010-01-01 to 2010-12-31") are shown
    to the user beside the answer.
    """

    def __init__(
        self,
        hits: list[Hit],
        query: str,
        rewritten_query: str,
        filters: Filters | None = None,
        notes: list[str] | None = None,
        similarity: dict[str, float] | None = None,
        paper_scores: dict[str, float] | None = None,
    ):
        super().__init__(hits)
        self.query = query
        self.rewritten_query = rewritten_query
        self.filters = filters or Filters()
        self.notes = list(notes or [])
        # Cosine similarity of the question to each chunk of the hits (the answerer's evidence).
        self.similarity = dict(similarity or {})
        # How well the question matches each visible paper's name (council, title, masthead).
        self.paper_scores = dict(paper_scores or {})

    @property
    def hits(self) -> list[Hit]:
        return list(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "rewritten_query": self.rewritten_query,
            "filters": asdict(self.filters),
            "notes": self.notes,
            "hits": [h.to_dict() for h in self],
        }


@dataclass(frozen=True)
class Citation:
    """Where a piece of an answer comes from; `quote` is a verbatim substring of the chunk."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    council: str
    body: str
    date: str
    paragraph: str
    page: int | None
    quote: str
    section: str = ""
    start: int = 0  # offset of the quote in the document's cleaned text
    ocr: bool = False  # the quote was read by OCR from the page image: check it against the page
    minute: str = ""  # in minutes: the minute item's number

    @classmethod
    def from_chunk(cls, n: int, chunk: Chunk, quote: str) -> Citation:
        if quote not in chunk.text:
            raise ValueError("a citation's quote must be an exact substring of its chunk")
        meta = chunk.meta
        offset = chunk.start + chunk.text.index(quote)
        return cls(
            n=n,
            doc_id=chunk.doc_id,
            chunk_id=chunk.id,
            title=meta.title if meta else chunk.doc_id,
            council=meta.council if meta else "",
            body=meta.body if meta else "",
            date=meta.date if meta else "",
            paragraph=_paragraph_at(chunk, quote),
            page=chunk.page,
            quote=quote,
            section=" > ".join(chunk.section),
            start=offset,
            ocr=chunk.ocr,
            minute=chunk.minute,
        )

    def label(self) -> str:
        """One line a reader can follow: "Inverclyde Council · Council · 2010-02-18 · para 2.5"."""
        parts = [p for p in (self.council, self.body, self.date) if p]
        if self.minute:
            parts.append(f"minute {self.minute}")
        if self.paragraph:
            parts.append(f"para {self.paragraph}")
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.ocr:
            parts.append(ocr_note(self.page))
        return " · ".join(parts)


def ocr_note(page: int | None) -> str:
    """What a citation says of text that OCR read: the user should check the page image."""
    return f"text read by OCR from page {page}" if page is not None else "text read by OCR"


def _paragraph_at(chunk: Chunk, quote: str) -> str:
    """The paragraph number that holds the quote; the chunk's first one when it is unclear."""
    if not chunk.paragraphs:
        return ""
    if len(chunk.paragraphs) == 1:
        return chunk.paragraphs[0]
    before = chunk.text[: chunk.text.index(quote) + 1]
    holding = chunk.paragraphs[0]
    for number in chunk.paragraphs:
        head = number.split("(")[0]
        if head and head in before:
            holding = number
    return holding


@dataclass
class Answer:
    """The one answer record: what every interface returns and every eval scores."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    rewritten_query: str = ""
    # doc_id, chunk_id, score, and the ids of the chunks assembled around it as context
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    latency_ms: float = 0.0
    backend: str = "extractive"
    notes: list[str] = field(default_factory=list)
    suggestions: list[Citation] = field(default_factory=list)  # closest passages when abstaining
    kind: str = ""  # "decision": answered with the decisions register's records
    decisions: list[str] = field(default_factory=list)  # ids of those records

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
