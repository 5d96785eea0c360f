"""The ``hippograph`` command line (see README, "CLI"): the root command with its global options.

Each command lives in a module with one job (``cli_ingest``, ``cli_store``, ``cli_query``,
``cli_flows``, ``cli_memory``, ``server.commands``) and is registered here, in the order
``hippograph --help`` lists them.
"""

from __future__ import annotations

import typer

from . import cli_flows, cli_ingest, cli_memory, cli_query, cli_store
from .cli_group import RootGroup
from .config import Settings
from .server import commands as server_commands

app = typer.Typer(
    cls=RootGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Graph-based long-term memory for LLM apps. Global options (--store, --namespace, "
    "--embedder, --llm) may come before or after the command.",
)


@app.callback()
def main(
    ctx: typer.Context,
    store: str | None = typer.Option(
        None,
        "--store",
        envvar="HIPPOGRAPH_STORE",
        help="sqlite:///path.db (default ./hippograph.db) or bolt://host:port",
    ),
    embedder: str | None = typer.Option(
        None, "--embedder", envvar="HIPPOGRAPH_EMBEDDER", help="sentence-transformers model name or path"
    ),
    llm: str | None = typer.Option(
        None,
        "--llm",
        envvar="HIPPOGRAPH_LLM",
        help="chat model: 'openai:gpt-4o-mini', 'ollama:llama3', a GGUF path, or a dotted class path",
    ),
    namespace: str | None = typer.Option(
        None,
        "--namespace",
        envvar="HIPPOGRAPH_NAMESPACE",
        help="the namespace every read and write stays in (default 'default')",
    ),
) -> None:
    ctx.obj = Settings.from_env(store=store, embedder=embedder, llm=llm, namespace=namespace)


app.command()(cli_ingest.ingest)
app.command()(cli_store.stats)
app.command()(cli_store.documents)
app.command()(cli_store.show)
app.command("synonym-groups")(cli_store.synonym_groups_command)
app.command()(cli_store.delete)
app.command()(cli_query.query)
app.command()(cli_query.answer)
app.add_typer(cli_flows.flows_app, name="flows")
app.command()(cli_query.demo)
app.command("export")(cli_store.export_store)
server_commands.register(app)
cli_memory.register(app)

if __name__ == "__main__":
    app()
