"""``hippograph ingest``: files, folders, globs or stdin into the store (registered by ``cli``)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .cli_group import EXIT_INPUT, EXIT_USAGE, open_memory
from .dates import parse_document_date
from .display import line, print_error, print_problem
from .errors import InputError
from .extract.readers import FORMATS

out = Console()
err = Console(stderr=True)


def _check_date(value: str | None) -> str | None:
    """--date: an ISO date (2024, 2024-05, 2024-05-01) or datetime."""
    try:
        return parse_document_date(value, "--date") if value is not None else None
    except InputError as exc:
        raise typer.BadParameter(str(exc)) from None


def ingest(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(..., help="files, folders, glob patterns, or - for stdin"),
    format: str = typer.Option("auto", "--format", "-f", help="|".join(FORMATS)),
    extractor: str | None = typer.Option(None, "--extractor", "-x", help="spacy | llm | none"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="only the first N documents of each source"),
    source: str | None = typer.Option(
        None, "--source", help="the stable name of what - (stdin) holds; re-ingesting under the same name replaces it"
    ),
    exclude: list[str] = typer.Option(
        [],
        "--exclude",
        help="skip files or folders matching this glob (repeatable); hidden, VCS and store files are always skipped",
    ),
    sync: bool = typer.Option(
        False,
        "--sync",
        help="also delete documents whose source file disappeared "
        "under the given folders (and the old path of a renamed file)",
    ),
    date: str | None = typer.Option(
        None, "--date", callback=_check_date, help="date of every document read (ISO; wins over front matter)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Ingest documents; unchanged ones are skipped, changed ones replaced. Exit 1 if any input failed."""
    if format not in FORMATS:
        print_error(err, f"unknown --format {format!r}; use one of {', '.join(FORMATS)}")
        raise typer.Exit(EXIT_USAGE)
    if source is not None and "-" not in sources:
        print_error(err, "--source names what stdin holds: pass - as a source too")
        raise typer.Exit(EXIT_USAGE)
    memory = open_memory(ctx)
    with (
        memory,
        Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json,
        ) as bar,
    ):
        task = bar.add_task("ingest", total=None)
        report = memory.ingest(
            sources,
            format=format,
            extractor=extractor,
            limit=limit,
            stdin_source=source,
            exclude=exclude,
            sync=sync,
            date=date,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for problem in report.problems:
        print_problem(err, "skipped", problem.source, problem.reason)
    for old, new in report.renamed:
        err.print(
            line(
                ("renamed", "cyan"),
                " ",
                old,
                " -> ",
                new,
                "" if sync else " (old document kept: pass --sync to remove it)",
            ),
            soft_wrap=True,
        )
    summary = report.as_dict()
    if as_json:
        out.print_json(json.dumps(summary))
    else:
        out.print(
            f"added {summary['added']}, updated {summary['updated']}, unchanged {summary['unchanged']}, "
            f"failed {summary['failed']}; malformed triples skipped {summary['skipped_triples']}; "
            f"synonym edges added {summary['synonyms_added']}; facts superseded {summary['facts_superseded']}"
            + (f"; deleted {summary['deleted']}" if sync else "")
        )
    raise typer.Exit(0 if report.ok else EXIT_INPUT)
