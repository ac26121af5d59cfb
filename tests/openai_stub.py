"""A small OpenAI-compatible server on loopback, scripted by the test that starts it.

It speaks just enough of the API for a real client to talk to it over real HTTP:
`POST /v1/chat/completions` (plain JSON, or server-sent events when the request asks to stream)
and `GET /v1/models`. Each completion takes the next scripted reply; every request is recorded.

>>> with OpenAIStub() as stub:
...     stub.reply("Glasgow and North Lanarkshire [1].")
...     stub.reply(status=500)                       # the next call fails
...     stub.reply("Too late [1].", delay=5)         # and the one after hangs for 5 s
...     url = stub.url + "/v1"                       # base URL for ChatOpenAI
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: its text, how it is cut into stream chunks, and how it misbehaves."""

    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    chunk_delay: float = 0.0  # seconds between streamed chunks
    chunks: list[str] | None = None  # stream pieces; default: word by word

    def pieces(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return [p for p in re.findall(r"\S+\s*|\s+", self.text) if p]


@dataclass
class Request:
    """What the client sent: path, headers and the parsed JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    def content(self, role: str) -> str:
        """The text of the messages with `role` ("system", "user"), joined."""
        return "\n".join(_text(m.get("content")) for m in self.messages if m.get("role") == role)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


class OpenAIStub:
    """Start with `start()` or `with`; script replies with `reply()`; read `requests` after."""

    def __init__(self, model: str = "stub-model"):
        self.model = model
        self.requests: list[Request] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -----------------------------------------------------------------------------

    def reply(
        self,
        text: str = "",
        *,
        status: int = 200,
        delay: float = 0.0,
        chunk_delay: float = 0.0,
        chunks: list[str] | None = None,
    ) -> OpenAIStub:
        """Queue the reply to the next chat completion request."""
        with self._lock:
            self._replies.append(Reply(text, status, delay, chunk_delay, chunks))
        return self

    def _next_reply(self) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return Reply("The test scripted no reply for this request.", status=500)

    @property
    def completions(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stub server is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> OpenAIStub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one poll
            name="openai-stub",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes handlers sleeping in a scripted delay
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._closing.wait(seconds)


def _handler_for(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _record(self, body: dict[str, Any]) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, self.path, headers, body)
            with stub._lock:
                stub.requests.append(request)

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._record({})
            if self.path.rstrip("/").endswith("/models"):
                model = {"id": stub.model, "object": "model", "created": 0, "owned_by": "stub"}
                self._send_json(200, {"object": "list", "data": [model]})
            else:
                self._not_found()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            self._record(body)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._not_found()
                return
            reply = stub._next_reply()
            stub._sleep(reply.delay)
            if stub._closing.is_set():
                return
            try:
                if reply.status != 200:
                    error = {"message": reply.text or "scripted failure", "type": "server_error"}
                    self._send_json(reply.status, {"error": error})
                elif body.get("stream"):
                    self._stream(reply, body)
                else:
                    self._send_json(200, _completion(stub.model, reply.text))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to tell it

        def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            created = int(time.time())

            def event(choices: list[dict[str, Any]], **extra: Any) -> None:
                chunk = {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": stub.model,
                    "choices": choices,
                    **extra,
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            def delta(content: dict[str, Any], finish: str | None = None) -> None:
                event([{"index": 0, "delta": content, "finish_reason": finish}])

            delta({"role": "assistant", "content": ""})
            for piece in reply.pieces():
                stub._sleep(reply.chunk_delay)
                if stub._closing.is_set():
                    return
                delta({"content": piece})
            delta({}, "stop")
            if (body.get("stream_options") or {}).get("include_usage"):
                usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
                event([], usage=usage)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _not_found(self) -> None:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    return Handler


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
