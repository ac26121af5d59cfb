"""Chat-model backends and calls with a deadline: nothing a model does may hang an answer.

>>> model = build_chat_model("ollama:qwen2.5:7b", base_url="http://127.0.0.1:11434")  # doctest: +SKIP
>>> call_with_deadline(lambda: model.invoke("Hello"), timeout=30)                      # doctest: +SKIP
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def build_chat_model(backend: str, base_url: str = "", api_key: str = "", timeout: float = 30.0):
    """The LangChain chat model named by CPA_ANSWER_BACKEND; builds clients, connects to nothing.

    >>> model = build_chat_model("ollama:llama3.1", base_url="http://127.0.0.1:11434")
    >>> model = build_chat_model("openai:gpt-4o-mini")  # key from CPA_LLM_API_KEY or OPENAI_API_KEY
    """
    kind, _, model = backend.partition(":")
    model = model.strip()
    if kind == "ollama" and model:
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise ImportError(
                "The ollama answer backend needs langchain-ollama: pip install langchain-ollama"
            ) from exc
        return ChatOllama(
            model=model,
            base_url=base_url or None,
            temperature=0,
            # Ollama's default context (2k-4k tokens) silently drops the start of a long prompt.
            num_ctx=8192,
            client_kwargs={"timeout": timeout},
        )
    if kind == "openai" and model:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise ImportError(
                "The openai answer backend needs langchain-openai: pip install langchain-openai"
            ) from exc
        return ChatOpenAI(
            model=model,
            base_url=base_url or None,
            # Local servers (vLLM, llama.cpp, LM Studio) accept any key; the client insists on one.
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
            timeout=timeout,
            max_retries=0,
            temperature=0,
        )
    raise ValueError(
        f"No chat model for answer backend {backend!r}: for a generative answer "
        "CPA_ANSWER_BACKEND must be `ollama:<model>` or `openai:<model>`."
    )


def backend_name(chat_model: Any) -> str:
    """ "openai:gpt-4o-mini" for a ChatOpenAI, "ollama:llama3.1" for a ChatOllama, else its type."""
    llm_type = getattr(chat_model, "_llm_type", type(chat_model).__name__)
    kind = {"openai-chat": "openai", "chat-ollama": "ollama"}.get(llm_type, llm_type)
    model = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None)
    return f"{kind}:{model}" if isinstance(model, str) and model else kind


# -- prompt ----------------------------------------------------------------------------------


class ModelTimeout(TimeoutError):
    """The chat model did not answer within the deadline."""


def call_with_deadline(call: Callable[[], T], timeout: float) -> T:
    """`call()` in a daemon thread; ModelTimeout after `timeout` seconds, so nothing hangs.

    A daemon thread, not an executor: a hung call must not block the interpreter from exiting.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="chat-model-call", daemon=True).start()
    if not done.wait(timeout):
        raise ModelTimeout(f"no answer within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def stream_with_deadline(model: Any, messages: list, timeout: float) -> Iterator[str]:
    """Text pieces of `model.stream(messages)`; ModelTimeout when none arrives for `timeout` s.

    Closing this generator stops the worker at its next piece, which closes the response.
    """
    pieces: queue.Queue = queue.Queue()
    stop = threading.Event()
    _end = object()

    def run() -> None:
        try:
            for chunk in model.stream(messages):
                if stop.is_set():
                    return
                pieces.put(text_of(chunk))
            pieces.put(_end)
        except BaseException as exc:
            pieces.put(exc)

    threading.Thread(target=run, name="chat-model-stream", daemon=True).start()
    try:
        while True:
            try:
                item = pieces.get(timeout=timeout)
            except queue.Empty:
                raise ModelTimeout(f"no answer within {timeout:g} s") from None
            if item is _end:
                return
            if isinstance(item, BaseException):
                raise item
            if item:
                yield item
    finally:
        stop.set()


def text_of(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    return getattr(message, "text", "") or ""


def describe_failure(exc: BaseException, timeout: float) -> str:
    """Why the model gave no answer, in words a user can act on."""
    name = type(exc).__name__
    if isinstance(exc, TimeoutError) or "timeout" in name.lower():
        return f"timeout after {timeout:g} s"
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return f"the server replied HTTP {status}"
    if "connection" in name.lower() or isinstance(exc, ConnectionError):
        return "could not connect to the server"
    return f"error: {name}"
