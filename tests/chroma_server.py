"""A real Chroma server on loopback for tests: started once per session, stopped at the end.

Use it from a test module with the fixture factory::

    from tests.chroma_server import chroma_server_fixture

    chroma_server = chroma_server_fixture()          # session-scoped fixture named chroma_server

    def test_something(chroma_server):
        store = ChromaStore(url=chroma_server.url, collection="unique_name")

The server is only started when a test asks for the fixture, so selecting persistent-only
tests (`-k persistent`) never starts it. Without a `chroma` executable the fixture skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

HOST = "127.0.0.1"
START_TIMEOUT = 60.0  # seconds to wait for the heartbeat; a cold start takes about a second
STOP_TIMEOUT = 10.0


def find_chroma() -> str | None:
    """The `chroma` CLI of this interpreter's environment, else one on PATH."""
    here = Path(sys.executable).parent / ("chroma.exe" if os.name == "nt" else "chroma")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("chroma")


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now (the OS picks it; a race is retried by start())."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _server_env() -> dict[str, str]:
    """The server's environment: no telemetry, no trace exporters, no proxies."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OTEL_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(
        {
            "ANONYMIZED_TELEMETRY": "False",
            "CHROMA_ANONYMIZED_TELEMETRY": "False",
            "OTEL_SDK_DISABLED": "true",
            "NO_COLOR": "1",
        }
    )
    return env


# Loopback only: never let an HTTP(S)_PROXY setting send the heartbeat elsewhere.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ChromaServer:
    """One `chroma run` process serving a folder on 127.0.0.1."""

    def __init__(self, executable: str, path: Path, host: str = HOST):
        self.executable = executable
        self.path = Path(path)
        self.host = host
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.log_path = self.path.parent / f"{self.path.name}-server.log"
        self.startup_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"ChromaServer({self.url!r}, path={str(self.path)!r})"

    def heartbeat(self, timeout: float = 1.0) -> bool:
        try:
            with _opener.open(f"{self.url}/api/v2/heartbeat", timeout=timeout) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def _spawn(self) -> None:
        self.port = free_port(self.host)
        self.path.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.executable,
                    "run",
                    "--path",
                    str(self.path),
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_server_env(),
                start_new_session=True,  # Ctrl-C in pytest is not delivered to the server
            )

    def start(self, timeout: float = START_TIMEOUT, attempts: int = 3) -> ChromaServer:
        """Start the server and wait for its heartbeat; raise RuntimeError if it never answers."""
        began = time.monotonic()
        for _ in range(attempts):
            self._spawn()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break  # exited: e.g. the port was taken between free_port() and bind
                if self.heartbeat():
                    self.startup_seconds = time.monotonic() - began
                    return self
                time.sleep(0.05)
            else:
                self.stop()
                raise RuntimeError(
                    f"Chroma server on {self.url} gave no heartbeat within {timeout:.0f}s; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            self.stop()
        raise RuntimeError(
            f"Chroma server exited before answering ({attempts} attempts, last exit code "
            f"{self.process.returncode if self.process else '?'}); log {self.log_path}:\n"
            f"{self.log_tail()}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Terminate, then kill if it does not exit in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def chroma_server_fixture(
    name: str = "chroma_server", timeout: float = START_TIMEOUT
) -> Callable[..., object]:
    """A session-scoped fixture that yields a running ChromaServer (or skips without `chroma`)."""

    @pytest.fixture(scope="session", name=name)
    def _chroma_server(tmp_path_factory):
        executable = find_chroma()
        if executable is None:
            pytest.skip(
                "Chroma server tests skipped: no `chroma` executable next to "
                f"{sys.executable} or on PATH (install chromadb to get it)."
            )
        server = ChromaServer(executable, tmp_path_factory.mktemp("chroma-server") / "db")
        server.start(timeout=timeout)
        try:
            yield server
        finally:
            server.stop()

    return _chroma_server
