"""Sign-in for the chat UI: a session cookie checked by Gradio's `auth_dependency` on every request.

Gradio's own `auth` makes every visitor sign in; here anonymous use stays possible as the public
role (unless CPA_ANONYMOUS=off), so the server keeps its own sessions. `/signin` checks a name and
password against the users file and sets an HttpOnly, SameSite=Lax cookie holding a random token;
Gradio calls `SignIn.username(request)` for the page, its config and every event (named or by
`fn_index`), and hands the result to handlers as `gr.Request.username`. "" means anonymous; None
(anonymous switched off, no session) makes Gradio answer 401.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from retrieval.users import UserStore

COOKIE = "cpa-session"
SESSION_SECONDS = 8 * 3600
SIGN_IN_TRIES_PER_MINUTE = 10


class RateLimit:
    """At most `per_minute` events per key (a caller's address) in any sliding minute."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - 60:
                events.popleft()
            if len(events) >= self.per_minute:
                return False
            events.append(now)
            if len(self._events) > 10_000:  # forget idle callers rather than grow without end
                for idle in [k for k, v in self._events.items() if v[-1] <= now - 60]:
                    del self._events[idle]
            return True


class SignIn:
    """Sessions of signed-in users, kept in memory (a restart signs everyone out)."""

    def __init__(self, users: UserStore, anonymous: bool = True):
        self.users = users
        self.anonymous = anonymous
        self._sessions: dict[str, tuple[str, float, str | None]] = {}  # name, expiry, stamp
        self._lock = threading.Lock()
        self._tries = RateLimit(SIGN_IN_TRIES_PER_MINUTE)

    def username(self, request: Any) -> str | None:
        """The signed-in name for this request, "" for an anonymous caller, or None when
        anonymous use is off and the caller has no session (Gradio then refuses with 401)."""
        token = request.cookies.get(COOKIE, "")
        with self._lock:
            session = self._sessions.get(token)
            if session and session[1] < time.time():
                del self._sessions[token]
                session = None
        if session and self.users.stamp(session[0]) == session[2]:
            return session[0]
        return "" if self.anonymous else None

    def start(self, name: str, password: str, address: str) -> str | None:
        """A new session token for these credentials, or None (wrong, unknown or too many tries)."""
        if not self._tries.allow(address):
            return None
        user = self.users.verify(name, password)
        if user is None:
            return None
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._sessions = {t: s for t, s in self._sessions.items() if s[1] >= now}
            self._sessions[token] = (user.name, now + SESSION_SECONDS, self.users.stamp(user.name))
        return token

    def end(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def routes(self, app) -> None:
        """Add GET/POST /signin and GET /signout to a FastAPI app."""

        @app.get("/signin", response_class=HTMLResponse)
        def sign_in_page() -> str:
            return _page("", self.anonymous)

        @app.post("/signin")
        def sign_in(request: Request, name: str = Form(""), password: str = Form("")):
            address = request.client.host if request.client else ""
            token = self.start(name.strip(), password, address)
            if token is None:
                return HTMLResponse(
                    _page(
                        "Wrong name or password, or too many tries: wait a minute.",
                        self.anonymous,
                    ),
                    401,
                )
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(
                COOKIE, token, max_age=SESSION_SECONDS, httponly=True, samesite="lax"
            )
            return response

        @app.get("/signout")
        def sign_out(request: Request):
            self.end(request.cookies.get(COOKIE, ""))
            response = RedirectResponse("/signin" if not self.anonymous else "/", 303)
            response.delete_cookie(COOKIE)
            return response

        @app.middleware("http")
        async def sign_in_first(request: Request, call_next):
            # With anonymous use off, a browser opening the UI is sent to the sign-in page
            # (API calls without a session get Gradio's 401).
            if (
                not self.anonymous
                and request.method == "GET"
                and request.url.path in ("/", "")
                and self.username(request) is None
            ):
                return RedirectResponse("/signin", status_code=303)
            # Sending files is for those who may add papers: no one else can fill the disk.
            if request.url.path.rstrip("/").endswith("/gradio_api/upload") and not self.may_manage(
                request
            ):
                return JSONResponse(
                    {"error": "Only officers and admins may upload files; sign in as one."}, 403
                )
            return await call_next(request)

    def may_manage(self, request: Any) -> bool:
        """Whether the request is signed in as an officer or admin."""
        return self.users.user(self.username(request) or "").may_manage


def _page(message: str, anonymous: bool) -> str:
    note = f'<p role="alert" class="error">{html.escape(message)}</p>' if message else ""
    without = '<p><a href="/">Continue without signing in</a></p>' if anonymous else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Committee Papers Assistant</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}}
label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;font-size:1rem}}
button{{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem}}.error{{color:#a00}}</style></head>
<body><h1>Sign in</h1>
<p>Members and officers sign in to read exempt papers; officers also add papers.</p>{note}
<form method="post" action="/signin">
<label for="name">Name</label><input id="name" name="name" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
{without}</body></html>"""
