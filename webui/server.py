"""Serving the UI: Gradio mounted in a FastAPI app with the sign-in routes, run by uvicorn.

>>> server = launch(build_blocks(services), "127.0.0.1", 7860, block=False, sign_in=services.sign_in)  # doctest: +SKIP
>>> server.close()                                                                                # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from webui.auth import SignIn
from webui.style import CSS


class Server:
    """A UI served in a background thread (`launch(..., block=False)`); `close()` stops it."""

    def __init__(self, server, thread, url: str):
        self._server = server
        self._thread = thread
        self.url = url

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


def launch(
    demo: gr.Blocks,
    host: str,
    port: int,
    *,
    block: bool = True,
    sign_in: SignIn | None = None,
    max_file_mb: float = 50,
    allowed_paths: list[str] | None = None,
    **_ignored: Any,
) -> Server | None:
    """Serve the UI (with its stylesheet) on host:port; `block=False` returns a `Server` at once.

    With `sign_in`, `/signin` and `/signout` sign users in and every request, page and event
    alike, is resolved to its user by Gradio's `auth_dependency`; without it, everyone is the
    public. `allowed_paths`: the folder downloads are made in (DATA_DIR/tmp/downloads), never one
    that holds uploads.
    """
    import threading
    import time

    import uvicorn
    from fastapi import FastAPI

    demo.queue(default_concurrency_limit=2)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    if sign_in is not None:
        sign_in.routes(app)
    gr.mount_gradio_app(
        app,
        demo,
        path="/",
        css=CSS,
        footer_links=["api"],
        show_error=True,
        max_file_size=int(max_file_mb * 1_000_000),
        # Only the folder downloads are made in: Gradio serves an allowed path's files inline
        # whatever their type, so it must never hold anything a user uploaded.
        allowed_paths=allowed_paths,
        auth_dependency=sign_in.username if sign_in is not None else None,
        auth_message="Sign in at /signin.",
    )
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    if block:
        server.run()
        return None
    thread = threading.Thread(target=server.run, name="ui-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the UI server did not start on {host}:{port}")
        time.sleep(0.05)
    return Server(server, thread, f"http://{host}:{port}/")
