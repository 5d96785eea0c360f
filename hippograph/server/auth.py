"""Bearer-token access control for every route of the server, HTTP API and MCP alike.

One ASGI middleware guards the whole application (so the mounted MCP endpoint is covered
too). A request carries ``Authorization: Bearer <token>``; the server token opens every
namespace, a namespace token opens its own namespace only. Paths in ``TokenPolicy.public``
(``/health`` today; the explorer's page shell later) need no token. Tokens are compared in
constant time and never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_ENV = "HIPPOGRAPH_API_TOKEN"
PRINCIPAL_KEY = "hippograph_principal"  # request.state attribute the routes read
ALL_NAMESPACES = "*"


@dataclass(frozen=True)
class Principal:
    """Who a request is: which namespaces it may read and write."""

    namespaces: frozenset[str]

    def allows(self, namespace: str) -> bool:
        return ALL_NAMESPACES in self.namespaces or namespace in self.namespaces


OPEN = Principal(frozenset({ALL_NAMESPACES}))


@dataclass(frozen=True)
class TokenPolicy:
    """The tokens a server accepts. With none configured, the server is open and loopback-only."""

    token: str | None = None
    namespace_tokens: dict[str, str] = field(default_factory=dict)  # namespace -> its token
    public: tuple[str, ...] = ("/health",)  # exact paths reachable without a token
    public_prefixes: tuple[str, ...] = ()  # path prefixes reachable without a token (e.g. "/ui/static/")

    @property
    def enabled(self) -> bool:
        return bool(self.token or self.namespace_tokens)

    def is_public(self, path: str) -> bool:
        return path in self.public or any(path.startswith(p) for p in self.public_prefixes)

    def with_public(self, paths: Iterable[str] = (), prefixes: Iterable[str] = ()) -> TokenPolicy:
        """The same tokens with more public paths (the explorer UI adds its page shell this way)."""
        return TokenPolicy(
            self.token, self.namespace_tokens, (*self.public, *paths), (*self.public_prefixes, *prefixes)
        )

    def authenticate(self, presented: str | None) -> Principal | None:
        """The principal a presented token stands for, or None when it matches no token."""
        if not self.enabled:
            return OPEN
        if not presented:
            return None
        given = presented.encode()
        # Compare against every token, without stopping early, so timing tells nothing.
        matched: Principal | None = None
        if self.token is not None and hmac.compare_digest(given, self.token.encode()):
            matched = OPEN
        for namespace, token in sorted(self.namespace_tokens.items()):
            if hmac.compare_digest(given, token.encode()) and matched is None:
                matched = Principal(frozenset({namespace}))
        return matched

    def __repr__(self) -> str:  # never print a token
        return (
            f"TokenPolicy(token={'set' if self.token else None}, "
            f"namespace_tokens={sorted(self.namespace_tokens)}, public={self.public})"
        )


def read_token_file(path: str | Path) -> str:
    """The token in a file (first non-empty line, surrounding whitespace dropped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"--token-file {path}: cannot read it ({exc.__class__.__name__}); "
            "give a readable file holding the token on its first line"
        ) from exc
    token = next((line.strip() for line in lines if line.strip()), "")
    if not token:
        raise ValueError(f"--token-file {path} is empty: put the token on its first line")
    return token


def read_namespace_tokens(path: str | Path) -> dict[str, str]:
    """Per-namespace tokens from a JSON object file ``{"namespace": "token", ...}``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"--namespace-tokens {path}: expected a readable JSON object "
            f'{{"namespace": "token"}} ({exc.__class__.__name__})'
        ) from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()
    ):
        raise ValueError(
            f'--namespace-tokens {path}: expected a JSON object {{"namespace": "token"}} with non-empty string tokens'
        )
    return {k: v.strip() for k, v in data.items()}


def load_policy(token_file: str | None = None, namespace_tokens_file: str | None = None) -> TokenPolicy:
    """The token from ``--token-file`` or ``HIPPOGRAPH_API_TOKEN`` (the file wins), plus namespace tokens."""
    token = read_token_file(token_file) if token_file else (os.environ.get(TOKEN_ENV) or "").strip() or None
    namespaces = read_namespace_tokens(namespace_tokens_file) if namespace_tokens_file else {}
    return TokenPolicy(token, namespaces)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, policy: TokenPolicy) -> None:
    """Refuse to listen beyond loopback without a token (anyone on the network could read the memory)."""
    if not policy.enabled and not is_loopback(host):
        raise ValueError(
            f"refusing to serve on {host} without a token: anyone who can reach it could read and change "
            f"the memory. Set {TOKEN_ENV} or --token-file, or bind to 127.0.0.1"
        )


class BearerAuthMiddleware:
    """ASGI middleware: 401 (JSON) unless a public path or a valid bearer token."""

    def __init__(self, app: ASGIApp, policy: TokenPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        principal = OPEN if self.policy.is_public(scope.get("path", "")) else self.policy.authenticate(_bearer(scope))
        if principal is None:
            await _unauthorized(send)
            return
        scope.setdefault("state", {})[PRINCIPAL_KEY] = principal
        await self.app(scope, receive, send)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


async def _unauthorized(send: Send) -> None:
    body = json.dumps(
        {
            "error": "unauthorized",
            "message": "missing or wrong bearer token: send 'Authorization: Bearer <token>' "
            f"with the server's token ({TOKEN_ENV} or --token-file)",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="hippograph"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
