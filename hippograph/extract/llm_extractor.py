"""HippoRAG-style two-step OpenIE with any langchain-core chat model: entities, then triples."""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor

from .base import Extraction, clean_triple

log = logging.getLogger(__name__)

NER_PROMPT = """Extract the named entities from the passage.
Reply with JSON only: {{"named_entities": ["...", "..."]}}

Passage:
{passage}"""

TRIPLE_PROMPT = """Build an RDF graph from the passage: a list of [subject, predicate, object] triples.
Each triple should contain at least one, preferably two, of the named entities listed.
Resolve pronouns to the names they refer to.
Reply with JSON only: {{"triples": [["subject", "predicate", "object"], ...]}}

Passage:
{passage}

Named entities: {entities}"""

_JSON_BLOCK = re.compile(r"\{.*\}", re.S)


class LLMOutputError(ValueError):
    """The model's reply could not be read as the JSON asked for."""


def parse_json_reply(text: str, key: str) -> list:
    """The list under ``key`` in the first JSON object of ``text`` (code fences tolerated)."""
    match = _JSON_BLOCK.search(text or "")
    if not match:
        raise LLMOutputError(f"no JSON object in reply: {text[:80]!r}")
    try:
        payload = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise LLMOutputError(f"invalid JSON in reply ({exc.msg}): {text[:80]!r}") from exc
    value = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(value, list):
        raise LLMOutputError(f"reply has no list {key!r}: {text[:80]!r}")
    return value


class LLMExtractor:
    """Two calls per passage (NER, then triples conditioned on the entities).

    Malformed replies are retried up to ``retries`` times, then the passage gets an empty
    extraction and the failure is counted in ``failures`` (never fatal for the batch).
    """

    name = "llm"

    def __init__(self, llm, retries: int = 2, concurrency: int = 4):
        self.llm = llm
        self.retries = retries
        self.concurrency = concurrency
        self.failures: list[str] = []

    def extract(self, texts: list[str], titles: list[str] | None = None) -> list[Extraction]:
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            return list(pool.map(self._extract_one, texts))

    def _ask(self, prompt: str, key: str) -> list:
        error: Exception | None = None
        for _ in range(self.retries + 1):
            reply = self.llm.invoke(prompt)
            try:
                return parse_json_reply(str(getattr(reply, "content", reply)), key)
            except LLMOutputError as exc:
                error = exc
        raise LLMOutputError(f"after {self.retries + 1} tries: {error}")

    def _extract_one(self, text: str) -> Extraction:
        try:
            entities = [
                str(e).strip()
                for e in self._ask(NER_PROMPT.format(passage=text), "named_entities")
                if isinstance(e, (str, int, float)) and str(e).strip()
            ]
            raw = self._ask(TRIPLE_PROMPT.format(passage=text, entities=json.dumps(entities)), "triples")
        except LLMOutputError as exc:
            log.warning("LLM extraction failed for passage %r: %s", text[:60], exc)
            self.failures.append(str(exc))
            return Extraction()
        triples = [t for t in (clean_triple(r) for r in raw) if t is not None]
        return Extraction(
            entities=[(e, "") for e in dict.fromkeys(entities)],
            triples=triples,
            skipped_triples=len(raw) - len(triples),
        )
