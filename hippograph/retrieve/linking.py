"""Query-to-fact linking and the recognition filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from ..llm import parse_number_list
from ..records import Fact
from .dense import min_max, top_k
from .index import RetrievalIndex

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


@dataclass(frozen=True)
class FactLink:
    fact: Fact
    score: float  # min-max normalized over all candidate facts
    cosine: float


def link_facts(
    index: RetrievalIndex,
    query: np.ndarray,
    k: int,
    as_of: str | None = None,
    now: datetime | None = None,
    cosine: np.ndarray | None = None,
) -> list[FactLink]:
    """The ``k`` facts (valid at ``as_of``, else now) closest to the query, best first.
    ``cosine``: the query's cosine with every fact, when the caller has it already."""
    if len(index.facts) == 0:
        return []
    cosine = index.facts.scores(query) if cosine is None else cosine
    valid = index.fact_validity_mask(as_of, now)
    if not valid.any():
        return []
    normalized = np.full_like(cosine, -1.0)
    normalized[valid] = min_max(cosine[valid])
    best = top_k(range(len(cosine)), normalized, k)  # positions: a range indexes like a list, without building one
    return [FactLink(index.fact_records[i], s, float(cosine[i])) for i, s in best if valid[i]]


_FILTER_PROMPT = """You filter facts for a question-answering system.
Question: {question}
Candidate facts, numbered:
{facts}
Reply with a JSON list of the numbers of the facts that help answer the question, e.g. [1, 3].
Reply [] if none help. Reply with the JSON list only."""


def recognition_filter(
    links: list[FactLink], question: str, llm: BaseChatModel | None, threshold: float
) -> list[FactLink]:
    """Keep the facts that help answer ``question``.

    With a langchain-core chat model, the model picks them; otherwise facts whose raw cosine
    reaches ``threshold`` survive. An unreadable model reply keeps all candidates.
    """
    if not links:
        return []
    if llm is None:
        return [link for link in links if link.cosine >= threshold]
    numbered = "\n".join(f"{i}. {link.fact.text}" for i, link in enumerate(links, 1))
    reply = llm.invoke(_FILTER_PROMPT.format(question=question, facts=numbered))
    chosen = parse_number_list(getattr(reply, "content", reply))
    if chosen is None:
        return links
    return [link for i, link in enumerate(links, 1) if i in chosen]
