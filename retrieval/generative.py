"""The optional generative answerer: a LangChain chat model writes, the evidence keeps it honest.

The model sees the question and the numbered evidence, fenced as data, and must cite it as [n].
Its output is checked before anyone sees it: markers pointing at evidence it was not given are
removed and the rest renumbered, every quote is re-derived from the cited chunk (a model's quote is
never trusted), and an answer left with no valid citation, a backend error or a timeout falls back
to the extractive answer with a note saying why.

>>> from retrieval.extractive import ExtractiveAnswerer
>>> model = build_chat_model("openai:qwen2.5-7b-instruct", base_url="http://127.0.0.1:8000/v1")
>>> answerer = GenerativeAnswerer(model, fallback=ExtractiveAnswerer(), timeout=30)
>>> answerer.answer("Who leads the waste work stream?", result, catalog)  # doctest: +SKIP
Answer(answer='Glasgow and North Lanarkshire [1].', backend='openai:qwen2.5-7b-instruct', ...)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

from retrieval.catalog import Catalog
from retrieval.llm_calls import (  # noqa: F401 - build_chat_model is this module's API too
    ModelTimeout,
    backend_name,
    build_chat_model,
    call_with_deadline,
    describe_failure,
    stream_with_deadline,
    text_of,
)
from retrieval.llm_evidence import (
    MAX_ANSWER,
    PARTIAL_TAIL,
    REWRITE_PROMPT,
    build_messages,
    cite,
    clean_markers,
    is_abstention,
    suggestions_for,
    trim_answer,
    unfence,
    visible,
)
from retrieval.records import ABSTAIN_TEXT, Answer, SearchResult

log = logging.getLogger(__name__)


# -- answerers -------------------------------------------------------------------------------


class GenerativeAnswerer:
    """Answers with a chat model over the numbered evidence, checked; falls back when it cannot.

    `fallback` is another answerer (the extractive one in production) used when the model fails,
    times out or cites nothing it was given. `stream()` yields text pieces once the answer has a
    valid citation, then the checked `Answer`, whose text is the one to keep: it may be trimmed,
    or, after a mid-stream failure, the fallback's answer.

    >>> answerer = GenerativeAnswerer(build_chat_model("ollama:llama3.1"), ExtractiveAnswerer())  # doctest: +SKIP
    >>> for piece in answerer.stream(question, result, catalog): ...  # doctest: +SKIP
    """

    def __init__(self, chat_model: Any, fallback: Any, timeout: float = 30.0, name: str = ""):
        self.chat_model = chat_model
        self.fallback = fallback
        self.timeout = timeout
        self.name = name or backend_name(chat_model)

    def answer(self, question: str, result: SearchResult, catalog: Catalog) -> Answer:
        if not result:
            return self._abstain(question, result)
        messages = build_messages(question, result)
        try:
            reply = call_with_deadline(lambda: self.chat_model.invoke(messages), self.timeout)
        except Exception as exc:
            return self._fall_back(question, result, catalog, self._failure_note(exc))
        return self._checked(question, result, catalog, visible(text_of(reply)))

    def stream(
        self, question: str, result: SearchResult, catalog: Catalog
    ) -> Iterator[str | Answer]:
        if not result:
            answer = self._abstain(question, result)
            yield answer.answer
            yield answer
            return
        messages = build_messages(question, result)
        raw, shown, failure = "", "", None
        pieces = stream_with_deadline(self.chat_model, messages, self.timeout)
        try:
            for piece in pieces:
                raw += piece
                # Show only what is settled (no half-written marker), and nothing until the
                # answer cites evidence it was given.
                settled = PARTIAL_TAIL.sub("", visible(raw))
                cleaned, numbering, _ = clean_markers(settled, len(result))
                if not numbering:
                    continue
                cleaned = cleaned[: MAX_ANSWER + 40]
                if len(cleaned) > len(shown):
                    yield cleaned[len(shown) :]
                    shown = cleaned
                if len(cleaned) >= MAX_ANSWER + 40:
                    break  # long enough to trim; stop paying for tokens nobody will read
        except Exception as exc:
            failure = exc
        finally:
            pieces.close()
        if failure is not None:
            note = self._failure_note(failure)
            yield from self._fall_back_stream(question, result, catalog, note)
            return
        answer = self._checked(question, result, catalog, visible(raw))
        if answer.backend != self.name or not shown:
            # A fallback or an abstention: nothing of it was shown yet, so show its text now.
            yield answer.answer
        yield answer

    # -- internals ---------------------------------------------------------------------------

    def _checked(self, question: str, result: SearchResult, catalog: Catalog, raw: str) -> Answer:
        cleaned, numbering, removed = clean_markers(raw.strip(), len(result))
        text = trim_answer(cleaned)
        citations = cite(text, list(result), numbering)
        if not citations and is_abstention(text):
            return self._abstain(question, result)
        if not citations:
            note = "The language model's answer cited none of the evidence it was given"
            return self._fall_back(question, result, catalog, f"{note}; {self._showing()}")
        notes = []
        if removed:
            listed = ", ".join(f"[{n}]" for n in removed)
            notes.append(f"Removed citations to evidence the model was not given: {listed}.")
        return Answer(
            question=question,
            answer=text,
            abstained=False,
            citations=citations,
            backend=self.name,
            notes=notes,
        )

    def _abstain(self, question: str, result: SearchResult) -> Answer:
        return Answer(
            question=question,
            answer=ABSTAIN_TEXT,
            abstained=True,
            backend=self.name,
            suggestions=suggestions_for(question, result),
        )

    def _showing(self) -> str:
        return f"showing the {getattr(self.fallback, 'name', 'fallback')} answer."

    def _failure_note(self, exc: BaseException) -> str:
        log.warning("%s did not answer: %r", self.name, exc)
        reason = describe_failure(exc, self.timeout)
        return f"The language model did not answer ({reason}); {self._showing()}"

    def _mark(self, answer: Answer, note: str) -> Answer:
        answer.notes = [note, *answer.notes]
        answer.backend = getattr(self.fallback, "name", answer.backend)
        return answer

    def _fall_back(
        self, question: str, result: SearchResult, catalog: Catalog, note: str
    ) -> Answer:
        return self._mark(self.fallback.answer(question, result, catalog), note)

    def _fall_back_stream(
        self, question: str, result: SearchResult, catalog: Catalog, note: str
    ) -> Iterator[str | Answer]:
        for item in self.fallback.stream(question, result, catalog):
            yield self._mark(item, note) if isinstance(item, Answer) else item


class LlmRewriter:
    """Rewrites a follow-up into a standalone question with a chat model (a `ChatRewriter`).

    Raises on timeout or failure, so the caller can use the rule-based rewriter instead.

    >>> LlmRewriter(model).rewrite("And the back office one?", history)  # doctest: +SKIP
    'Which councils lead the back office work stream in the Clyde Valley?'
    """

    max_turns = 6

    def __init__(self, chat_model: Any, timeout: float = 30.0):
        self.chat_model = chat_model
        self.timeout = timeout

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        turns = []
        for message in list(history or ())[-self.max_turns :]:
            role = "User" if message.get("role") == "user" else "Assistant"
            content = " ".join(str(message.get("content", "")).split())[:500]
            turns.append(f"{role}: {unfence(content)}")
        prompt = (
            "<conversation>\n" + "\n".join(turns) + "\n</conversation>\n\n"
            f"Last question: {unfence(question.strip())}\n\nStandalone question:"
        )
        messages = [SystemMessage(REWRITE_PROMPT), HumanMessage(prompt)]
        reply = call_with_deadline(lambda: self.chat_model.invoke(messages), self.timeout)
        lines = [line.strip() for line in visible(text_of(reply)).splitlines() if line.strip()]
        text = lines[0] if lines else ""
        text = re.sub(r"^(?:standalone\s+question|question)\s*:\s*", "", text, flags=re.I)
        text = text.strip().strip("\"'“”‘’`").strip()
        if not text or len(text) > 400:
            raise ValueError(f"the model's rewrite is not a question: {text[:80]!r}")
        return text
