"""``hippograph flows run|serve``: the Prefect ingestion flow once or on a schedule
(``flows_app``, added to the main CLI by ``cli``)."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

from .cli_group import EXIT_USAGE, prefect_api_url, quiet_prefect
from .display import print_error, print_problem

flows_app = typer.Typer(no_args_is_help=True, help="Prefect flows: run ingestion once or serve it on a schedule.")
out = Console()
err = Console(stderr=True)


@flows_app.command("run")
def flows_run(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(...),
    format: str = typer.Option("auto", "--format", "-f"),
    extractor: str | None = typer.Option(None, "--extractor", "-x"),
    sync: bool = typer.Option(False, "--sync", help="also delete documents whose source file disappeared"),
    runner: str = typer.Option("thread", "--runner", help="thread | dask | ray: where extraction and embedding run"),
    workers: int | None = typer.Option(None, "--workers", help="threads (thread) or worker processes (dask, ray)"),
    address: str | None = typer.Option(
        None, "--address", help="an existing Dask scheduler (tcp://host:8786) or Ray cluster"
    ),
    deadline: float = typer.Option(
        30.0,
        "--deadline",
        help="seconds an unreachable store is retried, from the first failed attempt, before the run stops",
    ),
    torch_threads: int | None = typer.Option(None, "--torch-threads", help="torch threads per worker process"),
    as_json: bool = typer.Option(False, "--json", help="print the run summary as one JSON object"),
) -> None:
    """Run the Prefect ingestion flow once (ephemeral Prefect API, no server needed)."""
    quiet_prefect()
    from .flows.ingest import run_ingestion
    from .flows.runners import RunnerError
    from .pipelines.write import StoreUnavailable

    try:
        summary = run_ingestion(
            sources,
            runner=runner,
            workers=workers,
            address=address,
            store=ctx.obj.store,
            format=format,
            extractor=extractor or ctx.obj.extractor,
            embedder=ctx.obj.embedder,
            sync=sync,
            deadline=deadline,
            torch_threads=torch_threads,
        )
    except RunnerError as exc:
        print_error(err, exc)
        raise typer.Exit(EXIT_USAGE) from exc
    except StoreUnavailable as exc:
        print_error(err, exc)
        raise typer.Exit(3) from exc
    for problem in summary["problems"]:
        print_problem(err, "failed", problem["source"], problem["reason"])
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        out.print(
            f"added {summary['added']}, updated {summary['updated']}, unchanged {summary['unchanged']}, "
            f"failed {summary['failed']}, deleted {summary['deleted']} on {runner} "
            f"({len(summary['workers'])} worker processes)"
        )
    raise typer.Exit(0 if not summary["problems"] else 1)


@flows_app.command("serve")
def flows_serve(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(...),
    cron: str | None = typer.Option(None, "--cron", help='cron schedule, e.g. "*/15 * * * *"'),
    interval: int | None = typer.Option(None, "--interval", help="seconds between runs"),
    name: str = typer.Option("hippograph-ingest", "--name"),
    format: str = typer.Option("auto", "--format", "-f"),
    extractor: str | None = typer.Option(None, "--extractor", "-x"),
    sync: bool = typer.Option(False, "--sync"),
    runner: str = typer.Option("thread", "--runner", help="thread | dask | ray"),
    workers: int | None = typer.Option(None, "--workers"),
    address: str | None = typer.Option(None, "--address", help="an existing Dask scheduler or Ray cluster"),
) -> None:
    """Serve the ingestion flow on a schedule (needs `prefect server start` and PREFECT_API_URL)."""
    quiet_prefect()
    from .flows.ingest import serve_ingestion

    if (cron is None) == (interval is None):
        print_error(err, "give exactly one of --cron or --interval")
        raise typer.Exit(EXIT_USAGE)
    if not prefect_api_url():
        print_error(
            err,
            "flows serve needs a Prefect server, which holds the schedule: run `prefect server "
            "start` and set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); for a single run "
            "use `hippograph flows run`",
        )
        raise typer.Exit(EXIT_USAGE)
    serve_ingestion(
        sources,
        store=ctx.obj.store,
        name=name,
        cron=cron,
        interval=interval,
        format=format,
        extractor=extractor or ctx.obj.extractor,
        embedder=ctx.obj.embedder,
        sync=sync,
        runner=runner,
        workers=workers,
        address=address,
    )
