"""The ``hippograph`` command line (see README, "CLI")."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import Settings
from .extract.readers import FORMATS

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Graph-based long-term memory for LLM apps.")
flows_app = typer.Typer(no_args_is_help=True, help="Prefect flows: run ingestion once or serve it on a schedule.")
app.add_typer(flows_app, name="flows")
out = Console()
err = Console(stderr=True)


@app.callback()
def main(
    ctx: typer.Context,
    store: Optional[str] = typer.Option(None, "--store", envvar="HIPPOGRAPH_STORE",
                                        help="sqlite:///path.db (default ./hippograph.db) or bolt://host:port"),
    embedder: Optional[str] = typer.Option(None, "--embedder", envvar="HIPPOGRAPH_EMBEDDER",
                                           help="sentence-transformers model name or path"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="HIPPOGRAPH_LLM",
                                      help="chat model: 'openai:gpt-4o-mini', 'ollama:llama3', a GGUF path, "
                                           "or a dotted class path"),
) -> None:
    ctx.obj = Settings.from_env(store=store, embedder=embedder, llm=llm)


def _memory(ctx: typer.Context, must_exist: bool = False):
    from .errors import StoreError
    from .memory import Memory

    uri = ctx.obj.store
    if must_exist and not uri.startswith(("bolt", "neo4j")):
        path = Path(uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else uri)
        if not path.exists():
            err.print(f"[red]error:[/] no store at {escape(str(path))}: ingest something first, "
                      "or point --store / HIPPOGRAPH_STORE at an existing store")
            raise typer.Exit(2)

    try:
        return Memory(ctx.obj)
    except (StoreError, ValueError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2)
    except Exception as exc:  # connection problems of a remote store
        err.print(f"[red]error:[/] cannot open store {ctx.obj.store!r}: {exc}")
        raise typer.Exit(2)


@app.command()
def ingest(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(..., help="files, folders, or - for stdin"),
    format: str = typer.Option("auto", "--format", "-f", help="|".join(FORMATS)),
    extractor: Optional[str] = typer.Option(None, "--extractor", "-x", help="spacy | llm | none"),
    limit: Optional[int] = typer.Option(None, "--limit", help="only the first N documents of each source"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Ingest documents; unchanged ones are skipped, changed ones replaced. Exit 1 if any input failed."""
    if format not in FORMATS:
        err.print(f"[red]error:[/] unknown --format {format!r}; use one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    memory = _memory(ctx)
    with memory, Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("ingest", total=None)
        try:
            report = memory.ingest(sources, format=format, extractor=extractor, limit=limit,
                                   progress=lambda done, total: bar.update(task, completed=done, total=total))
        except (ValueError, RuntimeError) as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2)
    for problem in report.problems:
        err.print(f"[yellow]skipped[/] {escape(problem.source)}: {escape(problem.reason)}")
    summary = report.as_dict()
    if as_json:
        out.print_json(json.dumps(summary))
    else:
        out.print(f"added {summary['added']}, updated {summary['updated']}, unchanged {summary['unchanged']}, "
                  f"failed {summary['failed']}; malformed triples skipped {summary['skipped_triples']}; "
                  f"synonym edges added {summary['synonyms_added']}; facts superseded {summary['facts_superseded']}")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def stats(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Counts of documents, passages, episodes, entities, facts and edges."""
    with _memory(ctx, must_exist=True) as memory:
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


@app.command()
def documents(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List stored documents: id, source, title, passage and episode counts."""
    with _memory(ctx, must_exist=True) as memory:
        docs = memory.documents()
    if as_json:
        out.print_json(json.dumps([
            {"id": d.id, "source": d.source, "title": d.title, "passages": d.passages, "episodes": d.episodes,
             "ingested_at": d.ingested_at} for d in docs]))
        return
    table = Table("id", "source", "title", "passages", "episodes")
    for d in docs:
        table.add_row(d.id, d.source, d.title, str(d.passages), str(d.episodes))
    out.print(table)


@app.command()
def show(ctx: typer.Context, document_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """What is stored for one document: its passages/episodes and the facts each supports."""
    with _memory(ctx, must_exist=True) as memory:
        data = memory.show(document_id)
    if data is None:
        err.print(f"[red]error:[/] no document {escape(document_id)!r} (see `hippograph documents`)")
        raise typer.Exit(1)
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
        return
    doc = data["document"]
    out.print(f"[bold]{escape(doc['title'])}[/]  [dim]{doc['id']} {escape(doc['source'])}[/]")
    for unit in data["units"]:
        out.print(f"[bold]{unit['kind']} {unit['position']}[/] [dim]{unit['id']}[/]  "
                  + escape(unit["text"].replace("\n", " ")[:200]))
        for f in unit["facts"]:
            validity = f" (until {f['invalid_at']})" if f["invalid_at"] is not None else ""
            out.print("    " + escape(f"({f['subject']}) -[{f['predicate']}]-> ({f['object']}){validity}"))


@app.command("synonym-groups")
def synonym_groups_command(
    ctx: typer.Context,
    limit: int = typer.Option(25, "--limit", help="print the N largest groups"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Synonym groups (connected SYNONYM components), largest first; on Neo4j also written to each
    entity as synonym_group / synonym_group_size for Browser queries (docs/neo4j.md)."""
    from .graph.synonyms import synonym_groups

    with _memory(ctx, must_exist=True) as memory:
        write = getattr(memory.store, "write_synonym_groups", None)
        groups = write() if write else synonym_groups([(e.source, e.target) for e in memory.store.synonym_edges()])
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    if as_json:
        sys.stdout.write(json.dumps([{"group": g, "size": len(m), "members": m} for g, m in ranked]) + "\n")
        return
    written = " (written to the Neo4j entities)" if write else ""
    out.print(f"{len(groups)} synonym groups{written}; largest {len(ranked)}:")
    for g, members in ranked:
        out.print(f"{len(members):5d}  " + escape(", ".join(members)[:200]))


@app.command()
def delete(ctx: typer.Context, document_id: str) -> None:
    """Delete a document and everything only it supports."""
    with _memory(ctx, must_exist=True) as memory:
        if not memory.delete(document_id):
            err.print(f"[red]error:[/] no document {document_id!r} (see `hippograph documents`)")
            raise typer.Exit(1)
    out.print(f"deleted {document_id}")


@app.command()
def query(
    ctx: typer.Context,
    question: Optional[str] = typer.Argument(None),
    top_k: int = typer.Option(5, "--top-k", "-k"),
    mode: str = typer.Option("hippo", "--mode", help="hippo | dense"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="answer as of this ISO date (facts valid then)"),
    questions: Optional[Path] = typer.Option(None, "--questions", help="JSONL of {id, question}, one per line"),
    as_json: bool = typer.Option(False, "--json"),
    explain_cypher: bool = typer.Option(False, "--explain-cypher",
                                        help="print Neo4j Browser commands showing the activated subgraph "
                                             "(with --json: under \"cypher\")"),
) -> None:
    """Retrieve passages (and the facts that seeded them) for a question."""
    from .pipelines.query import read_questions

    if (question is None) == (questions is None):
        err.print("[red]error:[/] give a QUESTION or --questions FILE.jsonl (not both)")
        raise typer.Exit(2)
    try:
        items = read_questions(questions) if questions else [(None, question)]
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2)
    with _memory(ctx, must_exist=True) as memory:
        for qid, text in items:
            try:
                result = memory.retrieve(text, top_k=top_k, mode=mode, as_of=as_of)
            except ValueError as exc:
                err.print(f"[red]error:[/] {exc}")
                raise typer.Exit(2)
            cypher = None
            if explain_cypher:
                from .graph.browser import activated_subgraph_cypher

                cypher = activated_subgraph_cypher(result, memory.namespace)
            if as_json or questions:
                data = result.as_dict(id=qid)
                if cypher is not None:
                    data["cypher"] = cypher  # inside the object: stdout stays one JSON value per line
                sys.stdout.write(json.dumps(data) + "\n")
            else:
                _print_result(result)
                if cypher is not None:
                    # Plain text, not rich: rich would read `[r:RELATES]` as markup and wrap long lines.
                    sys.stdout.write("\n" + cypher)


def _print_result(result) -> None:
    if result.fallback:
        err.print(f"[dim]dense fallback: {result.fallback}[/]")
    if not result.passages:
        out.print("no passages: the store is empty")
    for rank, p in enumerate(result.passages, 1):
        label = p.title or p.source_id or p.id
        when = f" {p.occurred_at}" if p.occurred_at else ""
        out.print(f"[bold]{rank}. {escape(label)}[/]  [dim]{p.id} score={p.score:.4f}{when}[/]")
        out.print("   " + escape(p.text.replace("\n", " ")[:300]))
    if result.facts:
        out.print("[bold]facts[/]")
        for f in result.facts:
            validity = f" (valid {f.valid_from or '?'} .. {f.invalid_at or 'now'})" if f.valid_from else ""
            out.print(f"  {f.score:.3f}  " + escape(f"({f.subject}) -[{f.predicate}]-> ({f.object})")
                      + f"[dim]{escape(validity)}[/]")


@app.command()
def answer(
    ctx: typer.Context,
    question: str,
    top_k: int = typer.Option(5, "--top-k", "-k"),
    mode: str = typer.Option("hippo", "--mode"),
    as_of: Optional[str] = typer.Option(None, "--as-of"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Answer with citations (an LLM with --llm / HIPPOGRAPH_LLM, else an extractive reader)."""
    with _memory(ctx, must_exist=True) as memory:
        try:
            result = memory.answer(question, top_k=top_k, mode=mode, as_of=as_of)
        except (ValueError, RuntimeError) as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict()) + "\n")
        return
    out.print(escape(result.answer))
    for n, pid in enumerate(result.citations, 1):
        out.print(f"[dim]  cited: {pid}[/]")


@flows_app.command("run")
def flows_run(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(...),
    format: str = typer.Option("auto", "--format", "-f"),
    extractor: Optional[str] = typer.Option(None, "--extractor", "-x"),
    sync: bool = typer.Option(False, "--sync", help="also delete documents whose source file disappeared"),
    runner: str = typer.Option("thread", "--runner", help="thread | dask | ray: where extraction and embedding run"),
    workers: Optional[int] = typer.Option(None, "--workers", help="threads (thread) or worker processes (dask, ray)"),
    address: Optional[str] = typer.Option(None, "--address", help="an existing Dask scheduler (tcp://host:8786) "
                                                                  "or Ray cluster"),
    deadline: float = typer.Option(30.0, "--deadline", help="seconds an unreachable store is retried, from the "
                                                           "first failed attempt, before the run stops"),
    torch_threads: Optional[int] = typer.Option(None, "--torch-threads", help="torch threads per worker process"),
    as_json: bool = typer.Option(False, "--json", help="print the run summary as one JSON object"),
) -> None:
    """Run the Prefect ingestion flow once (ephemeral Prefect API, no server needed)."""
    from .flows.ingest import run_ingestion
    from .flows.runners import RunnerError
    from .pipelines.write import StoreUnavailable

    try:
        summary = run_ingestion(sources, runner=runner, workers=workers, address=address, store=ctx.obj.store,
                                format=format, extractor=extractor or ctx.obj.extractor, embedder=ctx.obj.embedder,
                                sync=sync, deadline=deadline, torch_threads=torch_threads)
    except RunnerError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2)
    except StoreUnavailable as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(3)
    for problem in summary["problems"]:
        err.print(f"[yellow]failed[/] {escape(problem['source'])}: {escape(problem['reason'])}")
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        out.print(f"added {summary['added']}, updated {summary['updated']}, unchanged {summary['unchanged']}, "
                  f"failed {summary['failed']}, deleted {summary['deleted']} on {runner} "
                  f"({len(summary['workers'])} worker processes)")
    raise typer.Exit(0 if not summary["problems"] else 1)


@flows_app.command("serve")
def flows_serve(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(...),
    cron: Optional[str] = typer.Option(None, "--cron", help='cron schedule, e.g. "*/15 * * * *"'),
    interval: Optional[int] = typer.Option(None, "--interval", help="seconds between runs"),
    name: str = typer.Option("hippograph-ingest", "--name"),
    format: str = typer.Option("auto", "--format", "-f"),
    extractor: Optional[str] = typer.Option(None, "--extractor", "-x"),
    sync: bool = typer.Option(False, "--sync"),
    runner: str = typer.Option("thread", "--runner", help="thread | dask | ray"),
    workers: Optional[int] = typer.Option(None, "--workers"),
    address: Optional[str] = typer.Option(None, "--address", help="an existing Dask scheduler or Ray cluster"),
) -> None:
    """Serve the ingestion flow on a schedule (needs `prefect server start` and PREFECT_API_URL)."""
    from .flows.ingest import serve_ingestion

    if (cron is None) == (interval is None):
        err.print("[red]error:[/] give exactly one of --cron or --interval")
        raise typer.Exit(2)
    serve_ingestion(sources, store=ctx.obj.store, name=name, cron=cron, interval=interval, format=format,
                    extractor=extractor or ctx.obj.extractor, embedder=ctx.obj.embedder, sync=sync, runner=runner,
                    workers=workers, address=address)


@app.command()
def demo(ctx: typer.Context, question: str = typer.Option(
        "Where was Pierre Curie, the husband of Marie Curie, born?", "--question")) -> None:
    """Ingest the bundled sample notes and answer a question (the README's first command)."""
    from importlib.resources import files

    sample = str(files("hippograph") / "data" / "sample")
    with _memory(ctx) as memory:
        report = memory.ingest([sample])
        out.print(f"ingested bundled sample: {report.as_dict()['added']} added, "
                  f"{len(report.unchanged)} unchanged -> {json.dumps(memory.stats().as_dict())}")
        out.print("\n[bold]Q:[/] " + escape(question))
        retrieved = memory.retrieve(question, top_k=3)
        _print_result(retrieved)
        result = memory.answer(question, top_k=3)
        out.print("\n[bold]A:[/] " + escape(result.answer))
        for pid in result.citations:
            out.print(f"[dim]  cited: {pid}[/]")


@app.command("export")
def export_store(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="target store URI: bolt://host:7687 or sqlite:///copy.db"),
    namespace: Optional[list[str]] = typer.Option(None, "--namespace", help="only these namespaces (default: all)"),
) -> None:
    """Copy the whole store (every namespace, vectors included) into another store, without
    re-extracting or re-embedding; re-running skips documents already copied."""
    from .errors import HippographError
    from .graph.open import open_store
    from .pipelines.transfer import transfer

    memory = _memory(ctx, must_exist=True)  # refuses a missing SQLite source instead of creating one
    try:
        with memory, open_store(to) as target:
            source = memory.store
            with Progress(TextColumn("[bold]export {task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True) as bar:
                tasks: dict[str, int] = {}

                def progress(ns: str, done: int, total: int) -> None:
                    tasks.setdefault(ns, bar.add_task(ns, total=total))
                    bar.update(tasks[ns], completed=done)

                report = transfer(source, target, namespace or None, progress)
    except HippographError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    out.print_json(json.dumps(report.as_dict()))


from .server.commands import register as register_server_commands  # noqa: E402

register_server_commands(app)

if __name__ == "__main__":
    app()
