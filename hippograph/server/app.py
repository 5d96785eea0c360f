"""The FastAPI application: routes, JSON errors, request size limit, auth, MCP at ``/mcp``."""

from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..graph.store import StoreError
from .auth import BearerAuthMiddleware, TokenPolicy, check_bind
from .explore_routes import router as explore_router
from .routes import router
from .service import MemoryService
from .ui import GuardMiddleware, install_ui, ui_policy

log = logging.getLogger("hippograph.server")
DEFAULT_MAX_BODY = 8 * 1024 * 1024  # bytes of one request body
_HTTP_ERROR = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_input",
    503: "store_unavailable",
}


def _error(status: int, message: str, kind: str | None = None) -> JSONResponse:
    return JSONResponse({"error": kind or _HTTP_ERROR.get(status, "error"), "message": message}, status_code=status)


def _error_classes() -> tuple[type, type]:
    """(input errors, configuration errors) of ``hippograph.errors`` when present, else ValueError."""
    try:
        from ..errors import ConfigError, InputError
    except ImportError:
        return ValueError, ValueError
    return InputError, ConfigError


def _install_error_handlers(app: FastAPI) -> None:
    input_error, config_error = _error_classes()

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()
        )
        return _error(422, f"invalid request: {problems}")

    @app.exception_handler(StarletteHTTPException)  # FastAPI's own (body parsing) and the routes' alike
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(StoreError)
    async def store_error(_: Request, exc: StoreError) -> JSONResponse:
        return _error(503, f"store unavailable or failed: {exc}")

    @app.exception_handler(LookupError)
    async def not_found(_: Request, exc: LookupError) -> JSONResponse:
        return _error(404, str(exc).strip("'\""))

    @app.exception_handler(PermissionError)
    async def forbidden(_: Request, exc: PermissionError) -> JSONResponse:
        return _error(403, str(exc))

    if config_error is not input_error:

        @app.exception_handler(config_error)
        async def bad_config(_: Request, exc: Exception) -> JSONResponse:
            return _error(400, str(exc), "bad_config")

    @app.exception_handler(input_error)
    async def bad_input(_: Request, exc: Exception) -> JSONResponse:
        return _error(422, str(exc))

    if input_error is not ValueError:

        @app.exception_handler(ValueError)
        async def value_error(_: Request, exc: ValueError) -> JSONResponse:
            return _error(422, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _error(500, f"internal error ({type(exc).__name__}); see the server log", "internal")


class BodyLimitMiddleware:
    """413 for request bodies over ``limit`` bytes, declared (Content-Length) or streamed."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    response = _error(
        413,
        f"request body over {limit} bytes: send less (split a long text into several "
        "remember calls) or start the server with a larger --max-body-mb",
    )
    await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def create_app(
    service: MemoryService,
    policy: TokenPolicy | None = None,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    mcp: bool = True,
    host: str = "127.0.0.1",
) -> FastAPI:
    """The server application over a ``MemoryService`` (warm it first: ``service.warm()``)."""
    policy = ui_policy(policy or TokenPolicy())  # the explorer's page shell holds no data: public
    mcp_server = None
    if mcp:
        from .mcp_tools import build_mcp

        mcp_server = build_mcp(service)
        mcp_app = mcp_server.streamable_http_app(
            streamable_http_path="/mcp",
            stateless_http=True,
            json_response=True,
            host=host,
            max_request_body_size=max_body,
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        if mcp_server is None:
            yield
            return
        async with mcp_server.session_manager.run():
            yield

    app = FastAPI(
        title="hippograph",
        version=__version__,
        lifespan=lifespan,
        description="Graph-based long-term memory for agents: remember, recall, answer, forget. "
        "Send `Authorization: Bearer <token>` when the server has a token.",
    )
    app.state.service = service
    app.state.policy = policy
    app.include_router(router)
    app.include_router(explore_router)
    install_ui(app)
    if mcp_server is not None:
        app.router.routes.extend(mcp_app.routes)  # POST/GET /mcp, under the same middleware as the API
    _install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit=max_body)
    app.add_middleware(BearerAuthMiddleware, policy=policy)  # nothing but the guard runs before auth
    app.add_middleware(GuardMiddleware, policy=policy)  # outermost: Host check, security headers
    return app


def serve(
    service: MemoryService,
    policy: TokenPolicy,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_body: int = DEFAULT_MAX_BODY,
    log_level: str = "info",
) -> None:
    """Run the server with uvicorn until interrupted (refuses a non-loopback host without a token)."""
    import uvicorn

    check_bind(host, policy)
    app = create_app(service, policy, max_body=max_body, host=host)
    # Access logs carry paths and status codes only; uvicorn never logs headers, so no token leaks.
    uvicorn.run(app, host=host, port=port, log_level=log_level)
