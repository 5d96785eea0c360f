"""The ``hippograph`` command line (see README, "CLI")."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .cli_group import EXIT_INPUT, EXIT_USAGE, RootGroup, open_memory, prefect_api_url, quiet_prefect
from .config import Settings
from .dates import parse_as_of, parse_document_date
from .display import line, plain, print_document, print_error, print_problem, print_result
from .errors import InputError
from .extract.readers import FORMATS

app = typer.Typer(cls=RootGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Graph-based long-term memory for LLM apps. Global options (--store, --namespace, "
                       "--embedder, --llm) may come before or after the command.")
flows_app = typer.Typer(no_args_is_help=True, help="Prefect flows: run ingestion once or serve it on a schedule.")
app.add_typer(flows_app, name="flows")
out = Console()
err = Console(stderr=True)


@app.callback()
def main(
    ctx: typer.Context,
    store: str | None = typer.Option(None, "--store", envvar="HIPPOGRAPH_STORE",
                                        help="sqlite:///path.db (default ./hippograph.db) or bolt://host:port"),
    embedder: str | None = typer.Option(None, "--embedder", envvar="HIPPOGRAPH_EMBEDDER",
                                           help="sentence-transformers model name or path"),
    llm: str | None = typer.Option(None, "--llm", envvar="HIPPOGRAPH_LLM",
                                      help="chat model: 'openai:gpt-4o-mini', 'ollama:llama3', a GGUF path, "
                                           "or a dotted class path"),
    namespace: str | None = typer.Option(None, "--namespace", envvar="HIPPOGRAPH_NAMESPACE",
                                            help="the namespace every read and write stays in (default 'default')"),
) -> None:
    ctx.obj = Settings.from_env(store=store, embedder=embedder, llm=llm, namespace=namespace)


def _check_as_of(value: str | None) -> str | None:
    """--as-of: an ISO date or datetime, refused as a usage error before anything loads."""
    try:
        parse_as_of(value)
    except InputError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def _check_date(value: str | None) -> str | None:
    """--date: an ISO date (2024, 2024-05, 2024-05-01) or datetime."""
    try:
        return parse_document_date(value, "--date") if value is not None else None
    except InputError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def ingest(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(..., help="files, folders, glob patterns, or - for stdin"),
    format: str = typer.Option("auto", "--format", "-f", help="|".join(FORMATS)),
    extractor: str | None = typer.Option(None, "--extractor", "-x", help="spacy | llm | none"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="only the first N documents of each source"),
    source: str | None = typer.Option(None, "--source", help="the stable name of what - (stdin) holds; "
                                         "re-ingesting under the same name replaces it"),
    exclude: list[str] = typer.Option([], "--exclude", help="skip files or folders matching this glob "
                                      "(repeatable); hidden, VCS and store files are always skipped"),
    sync: bool = typer.Option(False, "--sync", help="also delete documents whose source file disappeared "
                                                    "under the given folders (and the old path of a renamed file)"),
    date: str | None = typer.Option(None, "--date", callback=_check_date,
                                       help="date of every document read (ISO; wins over front matter)"),
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
    with memory, Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("ingest", total=None)
        report = memory.ingest(sources, format=format, extractor=extractor, limit=limit, stdin_source=source,
                               exclude=exclude, sync=sync, date=date,
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
    for problem in report.problems:
        print_problem(err, "skipped", problem.source, problem.reason)
    for old, new in report.renamed:
        err.print(line(("renamed", "cyan"), " ", old, " -> ", new,
                       "" if sync else " (old document kept: pass --sync to remove it)"), soft_wrap=True)
    summary = report.as_dict()
    if as_json:
        out.print_json(json.dumps(summary))
    else:
        out.print(f"added {summary['added']}, updated {summary['updated']}, unchanged {summary['unchanged']}, "
                  f"failed {summary['failed']}; malformed triples skipped {summary['skipped_triples']}; "
                  f"synonym edges added {summary['synonyms_added']}; facts superseded {summary['facts_superseded']}"
                  + (f"; deleted {summary['deleted']}" if sync else ""))
    raise typer.Exit(0 if report.ok else EXIT_INPUT)


@app.command()
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


@app.command()
def documents(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List stored documents: id, source, title, passage and episode counts."""
    with open_memory(ctx, must_exist=True) as memory:
        docs = memory.documents()
    if as_json:
        out.print_json(json.dumps([
            {"id": d.id, "source": d.source, "title": d.title, "passages": d.passages, "episodes": d.episodes,
             "ingested_at": d.ingested_at} for d in docs]))
        return
    table = Table("id", "source", "title", "passages", "episodes")
    for d in docs:
        table.add_row(d.id, plain(d.source), plain(d.title), str(d.passages), str(d.episodes))
    out.print(table)


@app.command()
def show(ctx: typer.Context, document: str = typer.Argument(..., metavar="DOCUMENT",
                                                            help="document id, id prefix, path or passage id"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """What is stored for a document: its passages/episodes and the facts each supports."""
    with open_memory(ctx, must_exist=True) as memory:
        found = [memory.show(d.id) for d in memory.find_documents(document)]
    if not found:
        print_error(err, f"no document {document!r} (see `hippograph documents`)")
        raise typer.Exit(EXIT_INPUT)
    for data in found:
        if as_json:
            sys.stdout.write(json.dumps(data) + "\n")
        else:
            print_document(out, data)


@app.command("synonym-groups")
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


@app.command()
def delete(ctx: typer.Context, document: str = typer.Argument(..., metavar="DOCUMENT",
                                                              help="document id, id prefix, path or passage id")
           ) -> None:
    """Delete a document (every document of a path) and everything only it supports."""
    with open_memory(ctx, must_exist=True) as memory:
        deleted = [d for d in memory.find_documents(document) if memory.delete(d.id)]
    if not deleted:
        print_error(err, f"no document {document!r} (see `hippograph documents`)")
        raise typer.Exit(EXIT_INPUT)
    for info in deleted:
        out.print(line("deleted ", info.id, " ", (info.source, "dim")), soft_wrap=True)


@app.command()
def query(
    ctx: typer.Context,
    question: str | None = typer.Argument(None),
    top_k: int = typer.Option(5, "--top-k", "-k", min=1),
    mode: str = typer.Option("hippo", "--mode", help="hippo | dense"),
    as_of: str | None = typer.Option(None, "--as-of", callback=_check_as_of,
                                        help="as of this ISO date/datetime: facts valid then, nothing dated later"),
    questions: Path | None = typer.Option(None, "--questions", help="JSONL of {id, question}, one per line"),
    as_json: bool = typer.Option(False, "--json"),
    explain_cypher: bool = typer.Option(False, "--explain-cypher",
                                        help="print Neo4j Browser commands showing the activated subgraph "
                                             "(with --json: under \"cypher\")"),
) -> None:
    """Retrieve passages (and the facts that seeded them) for a question."""
    from .pipelines.query import read_questions

    if (question is None) == (questions is None):
        print_error(err, "give a QUESTION or --questions FILE.jsonl (not both)")
        raise typer.Exit(EXIT_USAGE)
    if question is not None and not question.strip():
        print_error(err, "the question is empty: ask something")
        raise typer.Exit(EXIT_USAGE)
    items = read_questions(questions) if questions else [(None, question)]
    with open_memory(ctx, must_exist=True) as memory:
        for qid, text in items:
            result = memory.retrieve(text, top_k=top_k, mode=mode, as_of=as_of)
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
                print_result(out, err, result)
                if cypher is not None:
                    # Plain text, not rich: rich would read `[r:RELATES]` as markup and wrap long lines.
                    sys.stdout.write("\n" + cypher)


@app.command()
def answer(
    ctx: typer.Context,
    question: str,
    top_k: int = typer.Option(5, "--top-k", "-k", min=1),
    mode: str = typer.Option("hippo", "--mode"),
    as_of: str | None = typer.Option(None, "--as-of", callback=_check_as_of,
                                        help="as of this ISO date/datetime: facts valid then, nothing dated later"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Answer with citations (an LLM with --llm / HIPPOGRAPH_LLM, else an extractive reader)."""
    if not question.strip():
        print_error(err, "the question is empty: ask something")
        raise typer.Exit(EXIT_USAGE)
    with open_memory(ctx, must_exist=True) as memory:
        result = memory.answer(question, top_k=top_k, mode=mode, as_of=as_of)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict()) + "\n")
        return
    out.print(plain(result.answer), soft_wrap=True)
    for pid in result.citations:
        out.print(plain(f"  cited: {pid}", "dim"))


@flows_app.command("run")
def flows_run(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(...),
    format: str = typer.Option("auto", "--format", "-f"),
    extractor: str | None = typer.Option(None, "--extractor", "-x"),
    sync: bool = typer.Option(False, "--sync", help="also delete documents whose source file disappeared"),
    runner: str = typer.Option("thread", "--runner", help="thread | dask | ray: where extraction and embedding run"),
    workers: int | None = typer.Option(None, "--workers", help="threads (thread) or worker processes (dask, ray)"),
    address: str | None = typer.Option(None, "--address", help="an existing Dask scheduler (tcp://host:8786) "
                                                                  "or Ray cluster"),
    deadline: float = typer.Option(30.0, "--deadline", help="seconds an unreachable store is retried, from the "
                                                           "first failed attempt, before the run stops"),
    torch_threads: int | None = typer.Option(None, "--torch-threads", help="torch threads per worker process"),
    as_json: bool = typer.Option(False, "--json", help="print the run summary as one JSON object"),
) -> None:
    """Run the Prefect ingestion flow once (ephemeral Prefect API, no server needed)."""
    quiet_prefect()
    from .flows.ingest import run_ingestion
    from .flows.runners import RunnerError
    from .pipelines.write import StoreUnavailable

    try:
        summary = run_ingestion(sources, runner=runner, workers=workers, address=address, store=ctx.obj.store,
                                format=format, extractor=extractor or ctx.obj.extractor, embedder=ctx.obj.embedder,
                                sync=sync, deadline=deadline, torch_threads=torch_threads)
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
        out.print(f"added {summary['added']}, updated {summary['updated']}, unchanged {summary['unchanged']}, "
                  f"failed {summary['failed']}, deleted {summary['deleted']} on {runner} "
                  f"({len(summary['workers'])} worker processes)")
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
        print_error(err, "flows serve needs a Prefect server, which holds the schedule: run `prefect server "
                         "start` and set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); for a single run "
                         "use `hippograph flows run`")
        raise typer.Exit(EXIT_USAGE)
    serve_ingestion(sources, store=ctx.obj.store, name=name, cron=cron, interval=interval, format=format,
                    extractor=extractor or ctx.obj.extractor, embedder=ctx.obj.embedder, sync=sync, runner=runner,
                    workers=workers, address=address)


@app.command()
def demo(ctx: typer.Context, question: str = typer.Option(
        "Where was Pierre Curie, the husband of Marie Curie, born?", "--question")) -> None:
    """Ingest the bundled sample notes and answer a question (the README's first command)."""
    from importlib.resources import files

    sample = str(files("hippograph") / "data" / "sample")
    with open_memory(ctx) as memory:
        report = memory.ingest([sample])
        out.print(f"ingested bundled sample: {report.as_dict()['added']} added, "
                  f"{len(report.unchanged)} unchanged -> {json.dumps(memory.stats().as_dict())}")
        out.print(line("\n", ("Q: ", "bold"), question), soft_wrap=True)
        retrieved = memory.retrieve(question, top_k=3)
        print_result(out, err, retrieved)
        result = memory.answer(question, top_k=3)
        out.print(line("\n", ("A: ", "bold"), result.answer), soft_wrap=True)
        for pid in result.citations:
            out.print(plain(f"  cited: {pid}", "dim"))


@app.command("export")
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
            with Progress(TextColumn("[bold]export {task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True) as bar:
                tasks: dict[str, int] = {}

                def progress(ns: str, done: int, total: int) -> None:
                    tasks.setdefault(ns, bar.add_task(ns, total=total))
                    bar.update(tasks[ns], completed=done)  # type: ignore[arg-type]

                report = transfer(source, target, namespace or None, progress)
    except HippographError as exc:
        print_error(err, exc)
        raise typer.Exit(EXIT_USAGE) from None
    out.print_json(json.dumps(report.as_dict()))


from .cli_memory import register as register_memory_commands  # noqa: E402
from .server.commands import register as register_server_commands  # noqa: E402

register_server_commands(app)
register_memory_commands(app)

if __name__ == "__main__":
    app()
