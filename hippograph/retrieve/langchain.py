"""A langchain-core ``BaseRetriever`` over a hippograph ``Memory``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class HippographRetriever(BaseRetriever):
    """``HippographRetriever(memory=Memory(...), top_k=5)``: passages as langchain Documents."""

    memory: Any
    top_k: int = 5
    mode: str = "hippo"
    as_of: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.memory.retrieve(query, top_k=self.top_k, mode=self.mode, as_of=self.as_of)
        facts = [f.text for f in result.facts]
        return [
            Document(page_content=p.text, id=p.id, metadata={
                "id": p.id, "kind": p.kind, "title": p.title, "score": p.score, "document_id": p.document_id,
                "source_id": p.source_id, "occurred_at": p.occurred_at, "facts": facts})
            for p in result.passages
        ]
