"""HippoRAG-2 style retrieval: link facts, seed entities and passages, PPR, fuse with dense."""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from ..config import RetrievalSettings
from ..embedding import Embedder
from ..graph.ppr import personalized_pagerank
from ..graph.store import StoreReader
from .dense import min_max
from .dense import top_k as highest_scoring
from .index import IndexCache, RetrievalIndex
from .linking import FactLink, link_facts, recognition_filter
from .results import LinkedFact, RetrievalResult, RetrievedUnit

MODES = ("hippo", "dense")


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    encode_query = getattr(embedder, "encode_query", None)
    return encode_query(text) if encode_query else embedder.encode([text])[0]


def entity_seeds(index: RetrievalIndex, links: list[FactLink], keep: int) -> dict[str, float]:
    """Each entity of a kept fact gets fact score / units mentioning it, averaged; top ``keep``."""
    total: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for link in links:
        for entity in {link.fact.subject, link.fact.object}:
            if entity in index.graph.index:
                total[entity] += link.score / max(1, index.unit_mentions.get(entity, 0))
                count[entity] += 1
    averaged = {e: total[e] / count[e] for e in total}
    best = sorted(averaged.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
    return {e: w for e, w in best if w > 0}


def passage_seed_weights(dense: np.ndarray, cfg: RetrievalSettings) -> np.ndarray:
    """Seed weight of every unit from its cosine with the query."""
    if cfg.passage_seeds == "minmax":
        return min_max(dense) * cfg.passage_weight
    if cfg.passage_seeds != "softmax":
        raise ValueError(f"unknown passage_seeds {cfg.passage_seeds!r}; expected softmax or minmax")
    # A sharp softmax keeps seed mass on the few passages that really match; min-max
    # scores spread most of the mass over the whole corpus.
    z = np.exp((dense - dense.max()) / cfg.passage_temperature)
    return z / z.sum() * cfg.passage_weight


def seed_vector(index: RetrievalIndex, seeds: dict[str, float], dense: np.ndarray,
                cfg: RetrievalSettings) -> np.ndarray:
    """The PPR reset vector: entity seeds, plus passage seeds on the units' nodes."""
    reset = np.zeros(index.graph.size)
    total = sum(seeds.values()) if cfg.passage_seeds == "softmax" else 1.0
    for entity, weight in seeds.items():
        reset[index.graph.index[entity]] += weight / total
    reset[index.unit_nodes] += passage_seed_weights(dense, cfg)
    return reset


def fuse_ranks(primary: np.ndarray, secondary: np.ndarray, weight: float, k: int) -> np.ndarray:
    """Reciprocal-rank fusion: ``(1-weight)/(k+rank_primary) + weight/(k+rank_secondary)``."""
    if weight <= 0:
        return primary
    n = primary.size
    rank_p = np.empty(n)
    rank_p[np.argsort(-primary, kind="stable")] = np.arange(1, n + 1)
    rank_s = np.empty(n)
    rank_s[np.argsort(-secondary, kind="stable")] = np.arange(1, n + 1)
    return (1 - weight) / (k + rank_p) + weight / (k + rank_s)


class StageClock:
    """Milliseconds spent per query stage, written into ``RetrievalResult.timings_ms``."""

    def __init__(self, into: dict[str, float]):
        self.into = into
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.into[stage] = self.into.get(stage, 0.0) + (now - self.last) * 1000
        self.last = now


class HippoRetriever:
    """The query path over any ``GraphStore``; indexes are cached and refreshed on change."""

    def __init__(self, store: StoreReader, embedder: Embedder, settings: RetrievalSettings | None = None,
                 llm: object | None = None):
        self.store = store
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self.llm = llm
        self.indexes = IndexCache(store, self.settings.vector_index)

    def retrieve(self, question: str, top_k: int = 5, mode: str = "hippo", as_of: str | None = None,
                 settings: RetrievalSettings | None = None) -> RetrievalResult:
        """Rank passages/episodes for ``question``; an empty store gives an empty result."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        cfg = settings or self.settings
        as_of = as_of or cfg.as_of
        result = RetrievalResult(question, mode)
        clock = StageClock(result.timings_ms)
        index = self.indexes.get()
        clock("index")
        if len(index.units) == 0 or not question.strip():
            return result
        query = embed_query(self.embedder, question)
        clock("encode")
        dense = index.units.scores(query)
        scores = dense
        if mode == "hippo":
            scores, result.facts, result.seeds, result.fallback = self._hippo_scores(index, query, question,
                                                                                    dense, cfg, as_of, clock)
        else:
            clock("link")
        result.passages = self._units(index, highest_scoring(index.units.ids, scores, top_k))
        clock("rank")
        return result

    def _hippo_scores(self, index: RetrievalIndex, query: np.ndarray, question: str, dense: np.ndarray,
                      cfg: RetrievalSettings, as_of: str | None, clock: StageClock):
        links = link_facts(index, query, cfg.link_top_k, as_of)
        if cfg.use_filter:
            links = recognition_filter(links, question, self.llm, cfg.filter_threshold)
        facts = [LinkedFact(link.fact.id, link.fact.subject, link.fact.predicate, link.fact.object, link.fact.text,
                            round(link.score, 6), link.fact.valid_from, link.fact.invalid_at) for link in links]
        seeds = entity_seeds(index, links, cfg.entity_top_k)
        clock("link")
        if not seeds:
            reason = "no fact linked to the question" if not links else "linked facts name no graph entity"
            return dense, facts, {}, reason
        reset = seed_vector(index, seeds, dense, cfg)
        ppr = personalized_pagerank(index.graph, reset, cfg.damping, cfg.ppr_tolerance)[index.unit_nodes]
        clock("ppr")
        return fuse_ranks(ppr, dense, cfg.dense_fusion, cfg.fusion_k), facts, seeds, None

    def _units(self, index: RetrievalIndex, ranked: list[tuple[str, float]]) -> list[RetrievedUnit]:
        passage_ids = [i for i, _ in ranked if index.unit_kind[i] == "passage"]
        episode_ids = [i for i, _ in ranked if index.unit_kind[i] == "episode"]
        around = {i: [n for n in (index.previous_episode.get(i), index.next_episode.get(i)) if n]
                  for i in episode_ids}
        neighbour_ids = sorted({n for ns in around.values() for n in ns} - set(episode_ids))
        records = {p.id: p for p in self.store.passages(passage_ids)}
        records |= {e.id: e for e in self.store.episodes(episode_ids + neighbour_ids)}
        out = []
        for unit_id, score in ranked:
            r = records.get(unit_id)
            if r is None:
                continue
            if index.unit_kind[unit_id] == "passage":
                out.append(RetrievedUnit(r.id, "passage", r.title, r.text, round(score, 6), r.document_id,
                                         r.source_id))
            else:
                # Temporal neighbours: the turns right before and after, as episodic context.
                context = [{"id": n.id, "source_id": n.source_id, "speaker": n.speaker, "text": n.text,
                            "occurred_at": n.occurred_at} for n in (records.get(i) for i in around[unit_id]) if n]
                out.append(RetrievedUnit(r.id, "episode", "", r.text, round(score, 6), r.document_id,
                                         r.source_id, r.occurred_at, r.speaker, context))
        return out

