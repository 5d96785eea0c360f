"""The memory explorer's pages: ``/`` -> ``/ui``, the page shell and its static files, plus the
response headers and Host check that protect them.

The shell holds no stored data (every datum comes from the token-protected API), so ``/``, ``/ui``
and ``/ui/static/*`` are public; everything else keeps the server's token rule.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import TokenPolicy

UI_PATHS = ("/", "/ui", "/ui/")
STATIC_PREFIX = "/ui/static/"
CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def static_dir() -> Path:
    """The shipped page files (package data of ``hippograph.server``)."""
    return Path(str(resources.files("hippograph.server") / "static"))


def ui_policy(policy: TokenPolicy) -> TokenPolicy:
    """``policy`` with the page shell public (it holds no stored data)."""
    return policy.with_public(UI_PATHS, (STATIC_PREFIX,))


def install_ui(app: FastAPI) -> None:
    """Serve the explorer at ``/ui`` (``/`` redirects there)."""
    router = APIRouter(include_in_schema=False)
    index = static_dir() / "index.html"

    @router.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse("/ui", status_code=307)

    @router.get("/ui")
    @router.get("/ui/")
    def page() -> FileResponse:
        return FileResponse(index, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})

    app.include_router(router)
    app.mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=static_dir()), name="ui-static")


def host_of(scope: Scope) -> str:
    """The host name of the request's ``Host`` header, port dropped (``[::1]`` kept bracketed)."""
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = str(value.decode("latin-1")).strip().lower()
            if host.startswith("["):
                return host[: host.find("]") + 1]
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return ""


class GuardMiddleware:
    """Security headers on every response; without a token, only loopback ``Host`` names are
    answered (a DNS-rebinding page on another name cannot read the open, loopback-only server)."""

    def __init__(self, app: ASGIApp, policy: TokenPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.policy.enabled and host_of(scope) not in LOOPBACK_HOSTS:
            body = json.dumps(
                {
                    "error": "bad_host",
                    "message": "this server has no token, so it answers only "
                    "Host 127.0.0.1, localhost or [::1]: connect through one of them, or set a "
                    "token (HIPPOGRAPH_API_TOKEN) to serve other names",
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 421,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        *SECURITY_HEADERS,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        start = time.perf_counter()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # ``app``: arrival to response start in this process (auth, validation, the
                # handler, serialization), beside the handler's own stages in Server-Timing.
                app_ms = f"app;dur={(time.perf_counter() - start) * 1000:.3f}".encode()
                headers = [
                    (name, value + b", " + app_ms if name.lower() == b"server-timing" else value)
                    for name, value in message.get("headers", [])
                ]
                present = {name.lower() for name, _ in headers}
                if b"server-timing" not in present:
                    headers.append((b"server-timing", app_ms))
                message["headers"] = [*headers, *(h for h in SECURITY_HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
