"""The MCP server (official ``mcp`` SDK): remember / recall / recall_as_of / answer / forget as tools.

The same ``MCPServer`` speaks stdio (``hippograph mcp``) or streamable HTTP (mounted at ``/mcp``
by ``hippograph serve``, behind the server's bearer token).
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from .. import __version__
from . import operations as ops
from .auth import OPEN, PRINCIPAL_KEY, Principal
from .service import DEFAULT_NAMESPACE, MemoryService, check_namespace

INSTRUCTIONS = """hippograph is a long-term memory. Call `remember` to store what the user tells you or what
you learn (notes, documents, conversation turns with their speaker and time); call `recall` before
answering anything that may depend on earlier sessions, and cite the passage ids it returns; call
`recall_as_of` for what was true at a past date; `answer` drafts a cited answer from memory; `forget`
removes a document by the id `remember` returned. Use one `namespace` per user or project: nothing
crosses namespaces."""

NamespaceArg = Annotated[str, Field(description="memory namespace (one per user or project); default 'default'")]
TopK = Annotated[int, Field(ge=1, le=50, description="how many passages to return")]


def _allowed(ctx: Context | None, namespace: str) -> str:
    """The namespace, if the HTTP request's token opens it (stdio: whoever runs the process)."""
    check_namespace(namespace)
    request = None
    if ctx is not None:
        try:
            request = ctx.request_context.request
        except ValueError:
            request = None
    state = getattr(request, "scope", {}).get("state", {}) if request is not None else {}
    principal: Principal = state.get(PRINCIPAL_KEY, OPEN)
    if not principal.allows(namespace):
        raise PermissionError(f"this token does not open namespace {namespace!r}")
    return namespace


def _compact(result: dict) -> dict:
    """What an agent needs from a recall: ranked units with ids to cite, and the linked facts."""
    units = [
        {
            k: p[k]
            for k in ("id", "kind", "title", "text", "score", "document_id", "occurred_at", "speaker")
            if p.get(k) not in (None, "")
        }
        for p in result["passages"]
    ]
    facts = [
        {k: f[k] for k in ("subject", "predicate", "object", "valid_from", "invalid_at") if f.get(k) is not None}
        for f in result["facts"]
    ]
    return {"namespace": result["namespace"], "passages": units, "facts": facts}


def build_mcp(service: MemoryService) -> MCPServer:
    """An ``MCPServer`` whose tools act on ``service`` (models already warm)."""
    app = MCPServer("hippograph", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")

    @app.tool()
    def remember(
        text: Annotated[str, Field(description="what to remember (a note, a document, one chat turn)")],
        source: Annotated[
            str | None,
            Field(
                description=(
                    "stable key (e.g. a file path or note id): remembering changed text under the same key "
                    "replaces the old version; omit for a new memory"
                )
            ),
        ] = None,
        title: str | None = None,
        occurred_at: Annotated[str | None, Field(description="ISO 8601 time the text refers to")] = None,
        speaker: Annotated[
            str | None, Field(description=("who said it, for a conversation turn (stored as a time-stamped episode)"))
        ] = None,
        format: Annotated[
            Literal["auto", "text", "markdown"],
            Field(
                description=(
                    "markdown: front matter dates and headings read as for .md files; "
                    "auto: markdown when source ends in .md, else text"
                )
            ),
        ] = "auto",
        namespace: NamespaceArg = DEFAULT_NAMESPACE,
        ctx: Context | None = None,
    ) -> dict:
        """Store a text, document or conversation turn in long-term memory. Returns the document id
        (keep it to forget the memory later) and whether it was added, updated or unchanged."""
        return ops.remember(
            service,
            _allowed(ctx, namespace),
            text,
            source=source,
            title=title,
            occurred_at=occurred_at,
            speaker=speaker,
            format=format,
        )

    @app.tool()
    def recall(
        question: Annotated[str, Field(description="what you need to know, as a question")],
        top_k: TopK = 5,
        mode: Literal["hippo", "dense"] = "hippo",
        namespace: NamespaceArg = DEFAULT_NAMESPACE,
        ctx: Context | None = None,
    ) -> dict:
        """Search long-term memory: the passages most relevant to the question (graph retrieval over
        the facts they state), best first, each with an id to cite, plus the facts that matched."""
        return _compact(ops.recall(service, _allowed(ctx, namespace), question, top_k=top_k, mode=mode))

    @app.tool()
    def recall_as_of(
        question: Annotated[str, Field(description="what you need to know, as a question")],
        as_of: Annotated[str, Field(description="ISO date or datetime, e.g. 2024-05-01")],
        top_k: TopK = 5,
        namespace: NamespaceArg = DEFAULT_NAMESPACE,
        ctx: Context | None = None,
    ) -> dict:
        """Search memory as it stood at a past date: only facts valid at `as_of` seed the search
        (facts superseded later still count; facts that began later do not)."""
        return _compact(ops.recall(service, _allowed(ctx, namespace), question, top_k=top_k, as_of=as_of))

    @app.tool()
    def answer(
        question: str,
        top_k: TopK = 5,
        as_of: Annotated[str | None, Field(description="optional ISO date: answer as of then")] = None,
        namespace: NamespaceArg = DEFAULT_NAMESPACE,
        remember: Annotated[
            bool, Field(description="store the answer as a thought citing its sources (deleted with them)")
        ] = False,
        ctx: Context | None = None,
    ) -> dict:
        """Answer a question from memory with citations (ids of the passages used); `abstained` is
        true when memory does not hold the answer; `remember` writes the answer back as a thought."""
        out = ops.answer(service, _allowed(ctx, namespace), question, top_k=top_k, as_of=as_of, remember=remember)
        return {k: out[k] for k in ("answer", "citations", "abstained", "reader", "namespace", "thought_id")}

    @app.tool()
    def forget(
        id: Annotated[str | None, Field(description="document id returned by remember")] = None,
        source: Annotated[str | None, Field(description="or: the source key it was remembered under")] = None,
        namespace: NamespaceArg = DEFAULT_NAMESPACE,
        ctx: Context | None = None,
    ) -> dict:
        """Delete a memory (a document and everything only it supports) by id or by source key."""
        return ops.forget(service, _allowed(ctx, namespace), document_id=id, source=source)

    return app
