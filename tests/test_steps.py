"""Unit tests of single pipeline and retrieval steps (no models, no servers: the fast tier)."""

from __future__ import annotations

import numpy as np
import pytest

from hippograph.extract.base import Extraction
from hippograph.extract.source import SourceDocument, Turn
from hippograph.graph.synonyms import synonym_edges
from hippograph.ids import document_id, entity_id, fact_id
from hippograph.pipelines.build import build_batch, prepare
from hippograph.pipelines.temporal import relation_family, supersessions_for
from hippograph.records import Fact
from hippograph.retrieve.seeds import fuse_ranks

NOW = "2026-01-01T00:00:00+00:00"


def _prepared(text_units: list[str], namespace: str = "default", turns: list[Turn] | None = None):
    doc = SourceDocument(
        source="notes/a.md",
        title="A",
        text="\n".join(text_units),
        format="corpus",
        passages=None if turns else text_units,
        turns=turns,
    )
    return prepare(doc, "extractor=test", 1200, 150, NOW, namespace)


def test_build_batch_dedupes_entities_and_facts_and_keeps_provenance():
    prepared = _prepared(["Marie Curie married Pierre Curie.", "Pierre Curie married Marie Curie in Paris."])
    extractions = [
        Extraction(
            [("Marie Curie", "PERSON"), ("Pierre Curie", "PERSON")], [("Marie Curie", "married", "Pierre Curie")]
        ),
        Extraction(
            [("pierre curie", ""), ("Marie  Curie", ""), ("Paris", "GPE")],
            [("Marie Curie", "married", "Pierre Curie"), ("Paris", "is", "Paris")],
        ),
    ]
    batch = build_batch(prepared, extractions, NOW)
    assert batch.document.id == document_id("notes/a.md")
    assert sorted(e.id for e in batch.entities) == ["marie curie", "paris", "pierre curie"]
    assert {e.id: e.type for e in batch.entities}["paris"] == "GPE"
    (fact,) = batch.facts  # self-loops ("Paris is Paris") are dropped, the repeat is one fact
    assert fact.id == fact_id("marie curie", "married", "pierre curie")
    assert len(batch.supports) == 2 and {s.unit_id for s in batch.supports} == {p.id for p in batch.passages}
    counts = {(m.unit_id, m.entity_id): m.count for m in batch.mentions}
    assert counts[(batch.passages[0].id, "marie curie")] == 2  # named as entity and in the triple


def test_build_batch_scopes_ids_to_the_namespace():
    prepared = _prepared(["Ann lives in Oslo."], namespace="work")
    batch = build_batch(prepared, [Extraction([], [("Ann", "lives in", "Oslo")])], NOW)
    assert batch.document.id == document_id("notes/a.md", "work") != document_id("notes/a.md")
    assert {e.id for e in batch.entities} == {entity_id("Ann", "work"), "work:oslo"}
    assert batch.facts[0].subject == "work:ann"


def test_build_batch_dates_facts_of_turns():
    turns = [Turn("Ann", "I moved to Rome.", "2024-03-01T00:00:00+00:00", "c/1")]
    batch = build_batch(
        _prepared(["I moved to Rome."], turns=turns), [Extraction([], [("Ann", "moved to", "Rome")])], NOW
    )
    assert batch.episodes[0].occurred_at == batch.facts[0].valid_from == "2024-03-01T00:00:00+00:00"


class _Facts:
    """A store stand-in for ``supersessions_for``: it only reads ``facts_about``."""

    def __init__(self, facts: list[Fact]):
        self.by_subject: dict[str, list[Fact]] = {}
        for f in facts:
            self.by_subject.setdefault(f.subject, []).append(f)

    def facts_about(self, subject: str) -> list[Fact]:
        return self.by_subject.get(subject, [])

    # Supersession also reads the entities a name may alias and, for one-holder roles, facts by object.
    def entities_named(self, first_words: list[str]) -> list[str]:
        return sorted(e for e in self.by_subject if any(e == w or e.startswith(w + " ") for w in first_words))

    def facts_with_object(self, object_id: str) -> list[Fact]:
        return [f for fs in self.by_subject.values() for f in fs if f.object == object_id]

    def facts(self, ids: list[str]) -> list[Fact]:
        by_id = {f.id: f for fs in self.by_subject.values() for f in fs}
        return [by_id[i] for i in ids if i in by_id]


def _fact(s: str, p: str, o: str, when: str | None) -> Fact:
    return Fact(fact_id(s, p, o), s, p, o, f"{s} {p} {o}", valid_from=when, created_at=NOW)


def test_a_later_exclusive_fact_supersedes_the_stored_one():
    from hippograph.records import Document, DocumentBatch

    stored = _fact("ann", "lives in", "oslo", "2020-01-01")
    new = _fact("ann", "moved to", "rome", "2023-05-01")
    batch = DocumentBatch(Document("d", "d", "d", "h"), facts=[new])
    (s,) = supersessions_for(_Facts([stored]), batch)  # type: ignore[arg-type]
    assert (s.old_fact_id, s.new_fact_id, s.at) == (stored.id, new.id, "2023-05-01")


def test_an_older_fact_ingested_late_is_itself_superseded_and_unrelated_facts_are_not():
    from hippograph.records import Document, DocumentBatch

    current = _fact("ann", "lives in", "rome", "2023-05-01")
    late = _fact("ann", "lives in", "oslo", "2019-01-01")
    other = _fact("ann", "likes", "tea", "2024-01-01")
    batch = DocumentBatch(Document("d", "d", "d", "h"), facts=[late, other])
    (s,) = supersessions_for(_Facts([current]), batch)  # type: ignore[arg-type]
    assert (s.old_fact_id, s.new_fact_id) == (late.id, current.id)
    assert relation_family("Lives In") == "residence" and relation_family("likes") is None


def test_synonym_edges_follow_the_threshold_whatever_the_order():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((6, 16)).astype(np.float32)
    vectors = np.vstack([base, base[:2] + 0.05 * rng.standard_normal((2, 16)).astype(np.float32)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"e{i}" for i in range(8)]
    edges = synonym_edges(ids, vectors, ids, vectors, threshold=0.9)
    assert {(e.source, e.target) for e in edges} == {("e0", "e6"), ("e1", "e7")}
    # Adding the two near-duplicates later, against everything, finds the same edges.
    late = synonym_edges(ids[6:], vectors[6:], ids, vectors, threshold=0.9)
    assert {(e.source, e.target, e.score) for e in late} == {(e.source, e.target, e.score) for e in edges}


def test_rank_fusion_rewards_agreement_and_is_a_no_op_at_weight_zero():
    ppr = np.array([0.9, 0.5, 0.1, 0.0])
    dense = np.array([0.1, 0.8, 0.7, 0.0])
    assert fuse_ranks(ppr, dense, 0.0, 10) is ppr
    fused = fuse_ranks(ppr, dense, 0.5, 1)
    assert np.argmax(fused) == 1  # second in both lists beats first-and-third
    assert fused[3] == pytest.approx(min(fused))


def test_rank_fusion_with_bm25_gives_unmatched_units_no_lexical_term():
    ppr = np.array([0.5, 0.4, 0.3, 0.2])
    bm25 = np.array([0.0, 0.0, 0.0, 2.0])  # only the last unit shares a word with the question
    fused = fuse_ranks(ppr, bm25, 0.3, 10, matched_only=True)
    # Unmatched units keep their graph order and score (no bonus from their place in storage).
    assert fused[:3].tolist() == pytest.approx([0.7 / 11, 0.7 / 12, 0.7 / 13])
    assert fused[3] == pytest.approx(0.7 / 14 + 0.3 / 11)
    plain = fuse_ranks(ppr, bm25, 0.3, 10)
    assert plain[0] > fused[0]  # without the flag the first unmatched unit takes lexical rank 2
