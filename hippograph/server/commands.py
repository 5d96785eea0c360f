"""``hippograph serve`` and ``hippograph mcp`` (registered on the main CLI by ``register``)."""

from __future__ import annotations

import typer
from rich.console import Console

from ..display import line, print_error, redact

err = Console(stderr=True)


def _service(settings, threads: int = 1):
    from ..embedding import limit_compute_threads
    from ..graph.store import StoreError
    from .service import MemoryService

    try:
        service = MemoryService(settings)
    except (StoreError, ValueError) as exc:
        print_error(err, exc)
        raise typer.Exit(3 if isinstance(exc, StoreError) else 2) from None
    limit_compute_threads(threads)  # after the store opened (a refused one is reported at once)
    service.warm()
    return service


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="interface to bind; beyond loopback a token is required"),
    port: int = typer.Option(8000, "--port"),
    token_file: str | None = typer.Option(
        None, "--token-file", help="file holding the bearer token (else HIPPOGRAPH_API_TOKEN)"
    ),
    namespace_tokens: str | None = typer.Option(
        None, "--namespace-tokens", help='JSON file {"namespace": "token"}: tokens opening one namespace each'
    ),
    max_body_mb: float = typer.Option(8.0, "--max-body-mb", help="largest request body accepted"),
    log_level: str = typer.Option("info", "--log-level"),
    threads: int = typer.Option(
        1, "--threads", min=1, help="compute threads per request (torch, BLAS); requests run side by side"
    ),
) -> None:
    """Serve the HTTP API (and MCP at /mcp) with models loaded once and kept warm."""
    from .auth import check_bind, load_policy

    try:
        policy = load_policy(token_file, namespace_tokens)
        check_bind(host, policy)
    except ValueError as exc:
        print_error(err, exc)
        raise typer.Exit(2) from None
    service = _service(ctx.obj, threads)
    from .app import serve as run  # after the store opened: a refused store is reported at once

    err.print(
        line(
            f"hippograph serving {redact(ctx.obj.store)} on http://{host}:{port} "
            f"(token {'required' if policy.enabled else 'off: loopback only'}; MCP at /mcp; explorer at /ui)"
        )
    )
    try:
        run(service, policy, host=host, port=port, max_body=int(max_body_mb * 1024 * 1024), log_level=log_level)
    finally:
        service.close()


def mcp(ctx: typer.Context) -> None:
    """Serve MCP on stdio (for desktop agents): remember, recall, recall_as_of, answer, forget."""
    service = _service(ctx.obj)
    from .mcp_tools import build_mcp  # after the store opened, as for serve

    try:
        build_mcp(service).run()  # stdio; stdout carries the protocol, logs go to stderr
    finally:
        service.close()


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(mcp)
