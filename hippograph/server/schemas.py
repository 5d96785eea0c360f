"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .explore_schemas import Explanation
from .rows import Counts, FactRow, UnitRow
from .service import DEFAULT_NAMESPACE

MAX_TEXT = 1_000_000  # characters of one remembered text
Namespace = Field(
    DEFAULT_NAMESPACE,
    description="memory namespace; nothing crosses namespaces",
    pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
)
AsOf = Field(
    None,
    description="ISO date or datetime: facts valid then, units dated up to then",
    max_length=40,
    examples=["2024-05-01"],
)


class RememberRequest(BaseModel):
    """A text, a document, or one conversation turn (give ``speaker``) to remember."""

    text: str = Field(..., min_length=1, max_length=MAX_TEXT)
    source: str | None = Field(
        None,
        max_length=2000,
        description=(
            "stable key of what is remembered: re-sending changed text under the same source replaces it. "
            "Default: derived from the text (the same text is remembered once)"
        ),
    )
    title: str | None = Field(None, max_length=2000)
    occurred_at: str | None = Field(None, max_length=40, description="ISO 8601 date/time the text refers to")
    speaker: str | None = Field(
        None, max_length=200, description="set for a conversation turn: it becomes a time-stamped episode"
    )
    format: Literal["auto", "text", "markdown"] = Field(
        "auto",
        description=(
            "markdown: front matter dates and metadata, headings as section titles (as for .md files); "
            "auto: markdown when source ends in .md or .markdown, else text"
        ),
    )
    extractor: Literal["spacy", "llm", "none"] | None = Field(None, description="default: the server's")
    namespace: str = Namespace


class RememberResponse(BaseModel):
    id: str = Field(..., description="document id (use it to show or forget)")
    namespace: str
    status: Literal["added", "updated", "unchanged"]
    units: int
    facts_superseded: int = 0
    synonyms_added: int = 0


class Question(BaseModel):
    """What /recall and /answer are asked."""

    question: str = Field(..., min_length=1, max_length=10_000)
    top_k: int = Field(5, ge=1, le=100)
    mode: Literal["hippo", "dense"] = "hippo"
    as_of: str | None = AsOf
    namespace: str = Namespace


class RecallRequest(Question):
    debug: bool = Field(False, description="include per-stage server timings (timings_ms)")
    explain: bool = Field(False, description="include the activated subgraph of this very run (explain)")


class Unit(UnitRow):
    score: float
    source_id: str = ""
    context: list[dict] = Field([])
    seed_facts: list[str] = Field([], description="ids of the linked facts it supports or whose entities it mentions")


class FactOut(FactRow):
    score: float | None = None


class RecallResponse(BaseModel):
    question: str
    mode: str
    namespace: str
    passages: list[Unit]
    facts: list[FactOut]
    fallback: str | None = None
    timings_ms: dict[str, float] | None = None
    explain: Explanation | None = None


class AnswerRequest(Question):
    remember: bool = Field(False, description="write the answer back as a thought citing its sources")


class AnswerResponse(BaseModel):
    question: str
    answer: str
    citations: list[str]
    abstained: bool
    reader: str
    via_thoughts: list[str] = Field(default_factory=list, description="cited thoughts, replaced by their sources")
    thought_id: str | None = Field(None, description="the thought this answer was written back as")
    namespace: str
    passages: list[Unit]
    facts: list[FactOut]


class ForgetResponse(BaseModel):
    deleted: list[str] = Field(..., description="ids of the deleted documents")
    namespace: str


class DocumentOut(BaseModel):
    id: str
    source: str
    title: str
    passages: int
    episodes: int
    ingested_at: str
    kind: str = Field("passages", description="passages (a text) or episodes (a conversation)")


class EntityOut(BaseModel):
    id: str
    mentions: int = Field(..., description="passages/episodes mentioning it")


class Page(BaseModel):
    total: int
    offset: int
    limit: int


class DocumentPage(Page):
    items: list[DocumentOut]


class EntityPage(Page):
    items: list[EntityOut]


class FactPage(Page):
    items: list[FactOut]


class EntityDetail(EntityOut):
    facts: list[FactOut] = Field(..., description="facts whose subject it is, current and superseded")


class Stats(Counts):
    namespace: str


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class ErrorBody(BaseModel):
    error: str = Field(
        ..., description="kind: invalid_input, not_found, unauthorized, forbidden, store_unavailable, ..."
    )
    message: str = Field(..., description="what went wrong and how to fix it")
