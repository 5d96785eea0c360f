"""Commands that ask the memory: ``query``, ``answer`` and the end-to-end ``demo``
(registered by ``cli``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from .cli_group import EXIT_USAGE, open_memory
from .dates import parse_as_of
from .display import line, plain, print_error, print_result
from .errors import InputError

out = Console()
err = Console(stderr=True)


def _check_as_of(value: str | None) -> str | None:
    """--as-of: an ISO date or datetime, refused as a usage error before anything loads."""
    try:
        parse_as_of(value)
    except InputError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def query(
    ctx: typer.Context,
    question: str | None = typer.Argument(None),
    top_k: int = typer.Option(5, "--top-k", "-k", min=1),
    mode: str = typer.Option("hippo", "--mode", help="hippo | dense"),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        callback=_check_as_of,
        help="as of this ISO date/datetime: facts valid then, nothing dated later",
    ),
    questions: Path | None = typer.Option(None, "--questions", help="JSONL of {id, question}, one per line"),
    as_json: bool = typer.Option(False, "--json"),
    notes: int = typer.Option(0, "--notes", min=0, help="also return this many entity notes (most reached entities)"),
    explain_cypher: bool = typer.Option(
        False,
        "--explain-cypher",
        help='print Neo4j Browser commands showing the activated subgraph (with --json: under "cypher")',
    ),
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
            result = memory.retrieve(text, top_k=top_k, mode=mode, as_of=as_of, notes=notes)
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


def answer(
    ctx: typer.Context,
    question: str,
    top_k: int = typer.Option(5, "--top-k", "-k", min=1),
    mode: str = typer.Option("hippo", "--mode"),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        callback=_check_as_of,
        help="as of this ISO date/datetime: facts valid then, nothing dated later",
    ),
    as_json: bool = typer.Option(False, "--json"),
    remember: bool = typer.Option(False, "--remember", help="write the answer back as a thought citing its sources"),
) -> None:
    """Answer with citations (an LLM with --llm / HIPPOGRAPH_LLM, else an extractive reader)."""
    if not question.strip():
        print_error(err, "the question is empty: ask something")
        raise typer.Exit(EXIT_USAGE)
    with open_memory(ctx, must_exist=True) as memory:
        result = memory.answer(question, top_k=top_k, mode=mode, as_of=as_of, remember=remember or None)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict()) + "\n")
        return
    out.print(plain(result.answer), soft_wrap=True)
    for pid in result.citations:
        out.print(plain(f"  cited: {pid}", "dim"))


def demo(
    ctx: typer.Context,
    question: str = typer.Option("Where was Pierre Curie, the husband of Marie Curie, born?", "--question"),
) -> None:
    """Ingest the bundled sample notes and answer a question (the README's first command)."""
    from importlib.resources import files

    sample = str(files("hippograph") / "data" / "sample")
    with open_memory(ctx) as memory:
        report = memory.ingest([sample])
        out.print(
            f"ingested bundled sample: {report.as_dict()['added']} added, "
            f"{len(report.unchanged)} unchanged -> {json.dumps(memory.stats().as_dict())}"
        )
        out.print(line("\n", ("Q: ", "bold"), question), soft_wrap=True)
        retrieved = memory.retrieve(question, top_k=3)
        print_result(out, err, retrieved)
        result = memory.answer(question, top_k=3)
        out.print(line("\n", ("A: ", "bold"), result.answer), soft_wrap=True)
        for pid in result.citations:
            out.print(plain(f"  cited: {pid}", "dim"))
