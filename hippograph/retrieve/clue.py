"""Query clue (MemoRAG), LLM path only: a draft answer from the chat model as an extra linking query.

The model answers the question from its own knowledge, without the memory; the draft, embedded,
links facts the question's wording alone may miss (the answer's vocabulary rather than the
question's). The question's own links stay; the clue adds up to ``link_top_k`` facts they do not
hold (scores are min-max normalized per query, so both lists top at 1: ranking them against each
other would drop the clue's on ties). Entity seeds stay capped at ``entity_top_k``. With no chat
model the question links alone. Not measured (no real model here).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np

from .index import RetrievalIndex
from .linking import FactLink, link_facts

CLUE_PROMPT = """Answer the question in one or two sentences from what you know. If you are unsure,
give your best guess of what the answer would mention (names, places, dates). Do not explain.
Question: {question}
Answer:"""


def draft_answer(llm: object, question: str) -> str:
    """The chat model's draft answer (a clue), or "" when it replies nothing usable."""
    try:
        reply = llm.invoke(CLUE_PROMPT.format(question=question))  # type: ignore[attr-defined]
    except Exception:  # a clue is optional: a failing model must not fail the retrieval
        return ""
    return str(getattr(reply, "content", reply)).strip()


def with_clue_links(
    links: list[FactLink],
    index: RetrievalIndex,
    clue: str,
    embed: Callable[[str], np.ndarray],
    keep: int,
    as_of: str | None,
    now: datetime,
) -> list[FactLink]:
    """``links`` followed by the clue's best ``keep`` facts that ``links`` do not hold."""
    if not clue:
        return links
    held = {link.fact.id for link in links}
    return links + [link for link in link_facts(index, embed(clue), keep, as_of, now) if link.fact.id not in held]
