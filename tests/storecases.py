"""Hand-built document batches for the store contract tests."""

from __future__ import annotations

import numpy as np

from hippograph.ids import DEFAULT_NAMESPACE, entity_id, fact_id, short_hash
from hippograph.records import Document, DocumentBatch, Entity, Fact, Mention, Passage, Support


def vec(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def batch(
    doc: str,
    passages: list[str],
    triples: list[tuple[str, str, str]],
    version: str = "1",
    namespace: str = DEFAULT_NAMESPACE,
) -> DocumentBatch:
    """A document whose every passage states every triple (ids scoped to ``namespace``)."""
    if namespace != DEFAULT_NAMESPACE:
        doc = f"{namespace}.{doc}"
        triples = [(entity_id(s, namespace), p, entity_id(o, namespace)) for s, p, o in triples]
    d = Document(
        id=doc,
        source=f"{doc}.txt",
        title=doc.title(),
        content_hash=f"{doc}-{version}",
        ingested_at="2026-01-01T00:00:00+00:00",
    )
    b = DocumentBatch(document=d)
    ents: dict[str, Entity] = {}
    facts: dict[str, Fact] = {}
    for i, text in enumerate(passages):
        pid = short_hash(doc, str(i))
        b.passages.append(Passage(pid, doc, text, d.title, i, f"{doc}#{i}", embedding=vec(int(short_hash(text), 16))))
        for s, p, o in triples:
            for name in (s, o):
                ents.setdefault(name, Entity(name, name.title(), "", vec(sum(map(ord, name)))))
                if Mention(pid, name) not in b.mentions:
                    b.mentions.append(Mention(pid, name, 1))
            fid = fact_id(s, p, o)
            facts.setdefault(
                fid, Fact(fid, s, p, o, f"{s} {p} {o}", created_at="t", embedding=vec(len(fid) + ord(fid[0])))
            )
            b.supports.append(Support(pid, fid))
    b.entities = list(ents.values())
    b.facts = list(facts.values())
    return b
