"""Commands of the memory mechanisms (``forget``), registered on the main CLI by ``register``."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

from .cli_group import EXIT_USAGE, open_memory
from .display import line, print_error
from .errors import InputError

out = Console()
err = Console(stderr=True)


def forget(
    ctx: typer.Context,
    older_than: str | None = typer.Option(
        None, "--older-than", help="last recalled (else dated, else stored) before this ISO date or duration (30d)"
    ),
    weaker_than: int | None = typer.Option(None, "--weaker-than", help="recalled fewer than N times"),
    dry_run: bool = typer.Option(False, "--dry-run", help="list what would be forgotten, delete nothing"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Forget documents whose every unit is old and/or weak (MemoryBank); recall counts are kept
    when retrieval.track_recalls is on (HIPPOGRAPH_TRACK_RECALLS=1)."""
    with open_memory(ctx, must_exist=True) as memory:
        try:
            report = memory.forget(older_than=older_than, weaker_than=weaker_than, dry_run=dry_run)
        except InputError as exc:
            print_error(err, exc)
            raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict()) + "\n")
        return
    verb = "would forget" if dry_run else "forgot"
    for item in report.documents:
        out.print(
            line(
                f"{verb} ",
                item.document.id,
                " ",
                (item.document.source, "dim"),
                f"  units {item.units}, recalls {item.recalls}, last active {item.last_active or '-'}",
            ),
            soft_wrap=True,
        )
    out.print(f"{verb} {len(report.documents)} documents")


def register(app: typer.Typer) -> None:
    """Add the mechanism commands to ``app``."""
    app.command("forget")(forget)
