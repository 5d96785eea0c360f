"""Commands that inspect and manage what is stored: ``stats``, ``documents``, ``show``,
``synonym-groups``, ``delete`` and ``export`` (registered by ``cli``)."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from .cli_group import EXIT_INPUT, EXIT_USAGE, open_memory
from .display import line, plain, print_document, print_error

out = Console()
err = Console(stderr=True)


def stats(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Counts of documents, passages, episodes, entities, facts and edges."""
    with open_memory(ctx, must_exist=True) as memory:
        data = memory.stats().as_dict()
    if as_json:
        out.print_json(json.dumps(data))
        return
    table = Table("what", "count")
    for key, value in data.items():
        if key != "edges_by_type":
            table.add_row(key, str(value))
    for key, value in data["edges_by_type"].items():
        table.add_row(f"  {key}", str(value))
    out.print(table)


def documents(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List stored documents: id, source, title, passage and episode counts."""
    with open_memory(ctx, must_exist=True) as memory:
        docs = memory.documents()
    if as_json:
        out.print_json(json.dumps([d.as_dict() for d in docs]))
        return
    table = Table("id", "source", "title", "passages", "episodes")
    for d in docs:
        table.add_row(d.id, plain(d.source), plain(d.title), str(d.passages), str(d.episodes))
    out.print(table)


def show(
    ctx: typer.Context,
    document: str = typer.Argument(
        ..., metavar="DOCUMENT|ENTITY", help="document id, id prefix, path or passage id; or an entity id or name"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What is stored for a document (its passages/episodes and the facts each supports), or an
    entity's note (current facts, aliases, first and last seen)."""
    with open_memory(ctx, must_exist=True) as memory:
        found = [memory.show(d.id) for d in memory.find_documents(document)]
        note = None if found else memory.entity_note(document)
    if note is not None:
        if as_json:
            sys.stdout.write(json.dumps(note.as_dict()) + "\n")
        else:
            print_note(out, note)
        return
    if not found:
        print_error(err, f"no document {document!r} (see `hippograph documents`)")
        raise typer.Exit(EXIT_INPUT)
    for data in found:
        if as_json:
            sys.stdout.write(json.dumps(data) + "\n")
        else:
            print_document(out, data)


def print_note(console: Console, note) -> None:
    """An entity note, printed literally."""
    console.print(line(note.name, " ", (f"({note.id})", "dim")), soft_wrap=True)
    if note.aliases:
        console.print(line("  aliases: ", ", ".join(note.aliases)), soft_wrap=True)
    console.print(line(f"  seen {note.first_seen or '-'} .. {note.last_seen or '-'} in {note.units} units"))
    for fact in note.facts:
        console.print(line("  - ", fact), soft_wrap=True)
    for fact in note.superseded:
        console.print(line("  - (no longer) ", (fact, "dim")), soft_wrap=True)
    if note.prose:
        console.print(line("  ", note.prose), soft_wrap=True)


def synonym_groups_command(
    ctx: typer.Context,
    limit: int = typer.Option(25, "--limit", help="print the N largest groups"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Synonym groups (connected SYNONYM components), largest first; on Neo4j also written to each
    entity as synonym_group / synonym_group_size for Browser queries (docs/neo4j.md)."""
    from .graph.synonyms import synonym_groups

    with open_memory(ctx, must_exist=True) as memory:
        write = getattr(memory.store, "write_synonym_groups", None)
        groups = write() if write else synonym_groups([(e.source, e.target) for e in memory.store.synonym_edges()])
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    if as_json:
        sys.stdout.write(json.dumps([{"group": g, "size": len(m), "members": m} for g, m in ranked]) + "\n")
        return
    written = " (written to the Neo4j entities)" if write else ""
    out.print(f"{len(groups)} synonym groups{written}; largest {len(ranked)}:")
    for _group, members in ranked:
        out.print(line(f"{len(members):5d}  ", ", ".join(members)[:200]), soft_wrap=True)


def delete(
    ctx: typer.Context,
    document: str = typer.Argument(..., metavar="DOCUMENT", help="document id, id prefix, path or passage id"),
) -> None:
    """Delete a document (every document of a path) and everything only it supports."""
    with open_memory(ctx, must_exist=True) as memory:
        deleted = [d for d in memory.find_documents(document) if memory.delete(d.id)]
    if not deleted:
        print_error(err, f"no document {document!r} (see `hippograph documents`)")
        raise typer.Exit(EXIT_INPUT)
    for info in deleted:
        out.print(line("deleted ", info.id, " ", (info.source, "dim")), soft_wrap=True)


def export_store(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="target store URI: bolt://host:7687 or sqlite:///copy.db"),
    namespace: list[str] | None = typer.Option(None, "--namespace", help="only these namespaces (default: all)"),
) -> None:
    """Copy the whole store (every namespace, vectors included) into another store, without
    re-extracting or re-embedding; re-running skips documents already copied."""
    from .errors import HippographError
    from .graph.open import open_store
    from .pipelines.transfer import transfer

    memory = open_memory(ctx, must_exist=True)  # refuses a missing SQLite source instead of creating one
    try:
        with memory, open_store(to) as target:
            source = memory.store
            with Progress(
                TextColumn("[bold]export {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as bar:
                tasks: dict[str, TaskID] = {}

                def progress(ns: str, done: int, total: int) -> None:
                    tasks.setdefault(ns, bar.add_task(ns, total=total))
                    bar.update(tasks[ns], completed=done)

                report = transfer(source, target, namespace or None, progress)
    except HippographError as exc:
        print_error(err, exc)
        raise typer.Exit(EXIT_USAGE) from None
    out.print_json(json.dumps(report.as_dict()))
