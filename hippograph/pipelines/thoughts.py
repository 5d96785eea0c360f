"""Write-back (Think-in-Memory): an answer stored as a ``thought`` episode citing its sources.

A thought is one episode in its own document (source ``thought/<hash>``, metadata kind
``thought``): its text is the question and the answer, it MENTIONS the stored entities its text
names (from the facts of the units it cites and of the facts the question linked), and it CITES
the units the answer cited. It states no facts: a conclusion drawn by a reader is not evidence, so
it never supports, supersedes or seeds a fact. The store deletes it with any unit it cites.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

from ..embedding import Embedder
from ..graph.store import GraphStore
from ..ids import content_hash, document_id, normalize_name, short_hash
from ..records import Citation, Document, DocumentBatch, Episode, LinkedFact, Mention

THOUGHT_SPEAKER = "thought"
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def thought_text(question: str, answer: str) -> str:
    """What a thought says (citation markers dropped: they number another retrieval's list)."""
    return f"{question.strip()}\n{_MARKER.sub('', answer).strip()}"


def named_entities(store: GraphStore, text: str, cited: Sequence[str], facts: Sequence[LinkedFact]) -> dict[str, int]:
    """Entity id -> times named in ``text``, among the entities of the cited units' facts and of
    the linked facts (so every mention points at a stored entity)."""
    candidates = {e for f in facts for e in (f.subject, f.object)}
    for unit_facts in store.unit_facts(list(cited)).values():
        candidates |= {e for f in unit_facts for e in (f.subject, f.object)}
    words = f" {normalize_name(text)} "
    found = {}
    for entity in sorted(candidates):
        name = entity.split(":", 1)[-1]  # ids outside the default namespace read "<namespace>:<name>"
        count = words.count(f" {name} ") if name else 0
        if count:
            found[entity] = count
    present = store.existing_ids("entity", found)
    return {e: n for e, n in found.items() if e in present}


def write_thought(
    store: GraphStore,
    embedder: Embedder,
    question: str,
    answer: str,
    cited: Sequence[str],
    facts: Sequence[LinkedFact],
    now: datetime,
) -> str:
    """Store the answer as a thought citing ``cited`` (stored unit ids, no thoughts); returns the
    thought's episode id. The same question and answer again replace the earlier thought."""
    text = thought_text(question, answer)
    cites = sorted(dict.fromkeys(cited))
    source = f"thought/{short_hash(normalize_name(question), text)}"
    doc_id = document_id(source, store.namespace)
    metadata = {"kind": "thought", "question": question, "cites": cites}
    document = Document(
        doc_id,
        source,
        question.strip()[:200],
        content_hash(text + "\x1f" + "\x1f".join(cites)),
        now.isoformat(),
        json.dumps(metadata),
    )
    unit_id = short_hash(doc_id, "episode", "0")
    vector = embedder.encode([text])[0]
    episode = Episode(unit_id, doc_id, text, now.isoformat(), THOUGHT_SPEAKER, 0, "thought", vector)
    mentions = [Mention(unit_id, e, n) for e, n in named_entities(store, text, cites, facts).items()]
    batch = DocumentBatch(
        document, episodes=[episode], mentions=mentions, citations=[Citation(unit_id, c) for c in cites]
    )
    if store.document_hashes([doc_id]).get(doc_id) != document.content_hash:
        store.write_document(batch)
    return unit_id
