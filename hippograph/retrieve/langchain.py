"""A langchain-core ``BaseRetriever`` over a hippograph ``Memory``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class HippographRetriever(BaseRetriever):
    """``HippographRetriever(memory=Memory(...), top_k=5)``: passages as langchain Documents.

    ``top_k``, ``mode`` and ``as_of`` may also be given per call: ``retriever.invoke(q, top_k=1)``.
    """

    memory: Any
    top_k: int = 5
    mode: str = "hippo"
    as_of: str | None = None

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        top_k: int | None = None,
        mode: str | None = None,
        as_of: str | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        if kwargs:
            from ..errors import ConfigError

            raise ConfigError(f"unknown retriever arguments {sorted(kwargs)}; expected top_k, mode, as_of")
        result = self.memory.retrieve(
            query,
            top_k=self.top_k if top_k is None else top_k,
            mode=mode or self.mode,
            as_of=as_of if as_of is not None else self.as_of,
        )
        facts = [f.text for f in result.facts]
        return [
            Document(
                page_content=p.text,
                id=p.id,
                metadata={
                    "id": p.id,
                    "kind": p.kind,
                    "title": p.title,
                    "score": p.score,
                    "document_id": p.document_id,
                    "source_id": p.source_id,
                    "occurred_at": p.occurred_at,
                    "facts": facts,
                },
            )
            for p in result.passages
        ]
