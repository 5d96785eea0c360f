"""The query path: seeds, filter fallback, empty stores, multi-hop, adapters."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from hippograph import RetrievalSettings
from hippograph.records import Fact
from hippograph.retrieve.hippo import HippoRetriever
from hippograph.retrieve.index import RetrievalIndex
from hippograph.retrieve.linking import FactLink
from hippograph.retrieve.seeds import entity_seeds


@pytest.fixture
def filled(memory, sample_dir):
    memory.ingest([str(sample_dir)])
    return memory


def test_multi_hop_question_finds_the_bridge_passage(filled):
    result = filled.retrieve("Where was the husband of Marie Curie born?", top_k=2)
    titles = [p.title for p in result.passages]
    assert "Pierre Curie" in titles
    assert result.facts and all(f.score <= 1.0 for f in result.facts)
    assert result.seeds and result.fallback is None
    assert all(p.score >= q.score for p, q in zip(result.passages, result.passages[1:]))


def test_dense_mode_ranks_by_cosine(filled):
    result = filled.retrieve("Warsaw capital of Poland Vistula", top_k=1, mode="dense")
    assert result.passages[0].title == "warsaw" and result.facts == []


def test_entity_specificity_weights_seeds(filled):
    index = filled.retriever.indexes.get()
    mentions = index.unit_mentions
    common = max(mentions, key=mentions.get)  # mentioned by the most passages
    rare = next(e for e, c in mentions.items() if c == 1)
    fact = Fact("f", common, "knows", rare, "x knows y")
    seeds = entity_seeds(index, [FactLink(fact, 1.0, 0.9)], keep=5)
    assert mentions[common] > 1
    assert seeds[rare] == pytest.approx(1.0)
    assert seeds[common] == pytest.approx(1.0 / mentions[common])


def test_threshold_filter_falls_back_to_dense(filled):
    strict = RetrievalSettings(filter_threshold=1.01)
    retriever = HippoRetriever(filled.store, filled.embedder, strict)
    hippo = retriever.retrieve("Who discovered polonium?", top_k=3)
    dense = retriever.retrieve("Who discovered polonium?", top_k=3, mode="dense")
    assert hippo.fallback == "no fact linked to the question"
    assert [p.id for p in hippo.passages] == [p.id for p in dense.passages]


def test_links_weaker_than_the_best_unit_fall_back_to_dense(filled):
    question = "Who discovered polonium?"
    index = filled.retriever.indexes.get()
    query = filled.embedder.encode([question])[0]
    best_unit = float(index.units.scores(query).max())
    graph = filled.retriever.retrieve(question, top_k=3, settings=RetrievalSettings(fallback_margin=None))
    best_fact = max(f.cosine for f in graph.facts)
    assert graph.seeds and graph.fallback is None
    # A margin just above the measured gap makes the same links count as weaker than the unit.
    strict = RetrievalSettings(fallback_margin=best_fact - best_unit + 1e-3)
    hippo = filled.retriever.retrieve(question, top_k=3, settings=strict)
    dense = filled.retriever.retrieve(question, top_k=3, mode="dense")
    assert hippo.fallback == "linked facts match the question less well than the best unit"
    assert hippo.facts and not hippo.seeds  # the links are still reported
    assert [p.id for p in hippo.passages] == [p.id for p in dense.passages]
    lenient = filled.retriever.retrieve(
        question, top_k=3, settings=RetrievalSettings(fallback_margin=best_fact - best_unit - 1e-3)
    )
    assert lenient.fallback is None and lenient.seeds


@pytest.mark.parametrize("reply,kept", [("[2]", 1), ("Relevant: [1, 3]", 2), ("[]", 0), ("no idea", 5)])
def test_llm_recognition_filter(filled, reply, kept):
    llm = FakeListChatModel(responses=[reply])
    # Five candidates for the model to choose from (the default keeps two).
    retriever = HippoRetriever(filled.store, filled.embedder, RetrievalSettings(link_top_k=5), llm=llm)
    result = retriever.retrieve("Who discovered polonium?", top_k=3)
    assert len(result.facts) == kept
    if kept == 0:
        assert result.fallback and len(result.passages) == 3


def test_empty_store_gives_an_empty_result(memory):
    result = memory.retrieve("Anything at all?")
    assert result.passages == [] and result.facts == []
    assert memory.answer("Anything at all?").abstained


def test_store_without_facts_falls_back_to_dense(memory, sample_dir):
    memory.ingest([str(sample_dir)], extractor="none")
    result = memory.retrieve("Who is Zorblax the Unknown?", top_k=2)
    assert len(result.passages) == 2 and result.fallback == "no fact linked to the question"


def test_unknown_entity_query_returns_ranked_passages(filled):
    result = filled.retrieve("What is the favourite colour of Zorblax the Unknown?", top_k=3)
    assert len(result.passages) == 3  # never an exception, always a ranking


def test_index_refreshes_when_the_store_changes(filled, tmp_path):
    q = "Which element did Gadolin isolate in Turku?"
    before = filled.retrieve(q, top_k=1)
    filled.add_text("Johan Gadolin isolated yttrium in Turku in 1794.", source="notes/gadolin")
    after = filled.retrieve(q, top_k=1)
    assert "Gadolin" in after.passages[0].text and "Gadolin" not in before.passages[0].text
    doc = next(d for d in filled.documents() if d.source == "notes/gadolin")
    filled.delete(doc.id)
    assert "Gadolin" not in filled.retrieve(q, top_k=1).passages[0].text


def test_unknown_mode_is_refused(filled):
    with pytest.raises(ValueError, match="unknown mode"):
        filled.retrieve("x", mode="magic")


def test_langchain_retriever_adapter(filled):
    from hippograph.retrieve.langchain import HippographRetriever

    docs = HippographRetriever(memory=filled, top_k=2).invoke("Where was Pierre Curie born?")
    assert len(docs) == 2 and docs[0].metadata["score"] >= docs[1].metadata["score"]
    assert any("Pierre Curie" in d.page_content for d in docs)


def test_index_matrix_agrees_with_store(filled):
    index = RetrievalIndex.load(filled.store)
    ids, vectors = filled.store.vectors("passage")
    assert index.units.ids[: len(ids)] == ids
    assert np.allclose(index.units.vectors[: len(ids)], vectors)


def test_refresh_reads_only_new_vectors(filled, monkeypatch):
    index = filled.retriever.indexes.get()
    before = len(index.units)
    asked = []
    real = type(filled.store).vectors

    def spy(self, kind, ids=None):
        asked.append((kind, None if ids is None else len(ids)))
        return real(self, kind, ids)

    monkeypatch.setattr(type(filled.store), "vectors", spy)
    filled.add_text("Johan Gadolin isolated yttrium in Turku in 1794.", source="notes/gadolin")
    asked.clear()
    refreshed = filled.retriever.indexes.get()
    assert len(refreshed.units) == before + 1
    assert all(n is not None for _, n in asked)  # no full reload
    assert ("passage", 1) in asked


def test_hnsw_backend_agrees_with_exact_search(filled):
    pytest.importorskip("hnswlib")
    exact = filled.retrieve("Who discovered polonium and radium?", top_k=3)
    ann = HippoRetriever(filled.store, filled.embedder, RetrievalSettings(vector_index="hnsw"))
    approx = ann.retrieve("Who discovered polonium and radium?", top_k=3)
    assert [p.id for p in approx.passages] == [p.id for p in exact.passages]
    assert [f.id for f in approx.facts] == [f.id for f in exact.facts]
