"""HippoRAG-2 style retrieval: link facts, seed entities and passages, PPR, fuse with dense."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..config import RetrievalSettings
from ..dates import parse_as_of
from ..embedding import Embedder
from ..errors import ConfigError
from ..graph.ppr import GraphMatrix, local_pagerank, personalized_pagerank
from ..graph.store import StoreReader
from ..records import Activation, Episode, Passage
from .clue import draft_answer, with_clue_links
from .dense import top_k as highest_scoring
from .index import IndexCache, RetrievalIndex
from .keys import best_fact_cosine, keyed_scores
from .linking import link_facts, recognition_filter
from .multistep import bridge_seeds
from .ranking import asks_about_self, asks_for_latest, later_first, states_a_change, weigh_speakers
from .results import LinkedFact, RetrievalResult, RetrievedUnit
from .seeds import (
    entity_seeds,
    flatness,
    fuse_ranks,
    lexical_share,
    lexically_raised,
    named_entities,
    seed_vector,
    weaker_than_dense,
    with_named_entities,
)
from .strength import StrengthTerm
from .temporal import before_as_of, is_present_tense, prefer_asked_relation, rank_in_time, time_filter
from .timeview import TimeView, attach_time_view

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

MODES = ("hippo", "dense")


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    encode_query = getattr(embedder, "encode_query", None)
    return encode_query(text) if encode_query else embedder.encode([text])[0]


def walk(graph: GraphMatrix, reset: np.ndarray, cfg: RetrievalSettings) -> np.ndarray:
    """PPR by local push when ``ppr_epsilon`` is set (cost bounded by the seeds' neighbourhood),
    else by the global Chebyshev iteration to ``ppr_tolerance``."""
    if cfg.ppr_epsilon:
        return local_pagerank(graph, reset, cfg.damping, cfg.ppr_epsilon)
    return personalized_pagerank(graph, reset, cfg.damping, cfg.ppr_tolerance)


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

    def __init__(
        self,
        store: StoreReader,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
        llm: BaseChatModel | None = None,
        now: Callable[[], datetime] | None = None,
        strength: StrengthTerm | None = None,
    ):
        self.strength = strength  # recall counts and the optional strength/recency term
        self.store = store
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self.llm = llm
        self.indexes = IndexCache(store, self.settings.vector_index, self.settings.next_weight)
        self.now = now or (lambda: datetime.now(timezone.utc))  # what "now" is; tests inject one

    def time_view(self, index: RetrievalIndex) -> TimeView:
        """Unit dates and superseded units of ``index``'s generation, kept with the index and
        brought up to date from the change feed (a reader that refreshes indexes for concurrent
        readers, like the server's, brings it up to date with the index)."""
        return attach_time_view(self.store, index)

    def retrieve(
        self,
        question: str,
        top_k: int = 5,
        mode: str = "hippo",
        as_of: str | None = None,
        settings: RetrievalSettings | None = None,
    ) -> RetrievalResult:
        """Rank passages/episodes for ``question``; an empty store gives an empty result."""
        if mode not in MODES:
            raise ConfigError(f"unknown mode {mode!r}; expected one of {MODES}")
        cfg = settings or self.settings
        as_of = as_of or cfg.as_of
        parse_as_of(as_of)  # refuses anything but an ISO date/datetime, before any work
        result = RetrievalResult(question, mode)
        clock = StageClock(result.timings_ms)
        index = self.indexes.get()
        clock("index")
        if len(index.units) == 0 or not question.strip():
            return result
        if cfg.time_aware and as_of is None:
            as_of = before_as_of(question, index)  # "where did she work before Stripe?"
        result.as_of = as_of
        result.reference_date = as_of or self.now().isoformat()
        view = self.time_view(index)
        query = embed_query(self.embedder, question)
        clock("encode")
        dense = index.units.scores(query)
        # Units dated after as_of neither seed PPR nor rank.
        seen = time_filter(view, as_of, index.fact_validity_mask(as_of) if as_of else None)
        dense = dense if seen.all() else np.where(seen, dense, dense.min())
        scores = dense
        if mode == "hippo":
            # BM25 of the units, read once for both of its uses (seeds, final fusion) when either is on.
            wanted = lexical_share(dense, max(cfg.lexical_seeds, cfg.lexical_weight), cfg) > 0
            bm25 = self._bm25(index, question) if wanted else None
            scores, result.facts, result.seeds, result.fallback, result.activation = self._hippo_scores(
                index, view, query, question, dense, cfg, as_of, clock, bm25
            )
            share = lexical_share(dense, cfg.lexical_weight, cfg)
            if bm25 is not None and share > 0:
                scores = fuse_ranks(scores, bm25, share, cfg.fusion_k, matched_only=True)
        else:
            clock("link")
        present_tense = is_present_tense(question)
        present = cfg.time_aware and present_tense
        scores = rank_in_time(scores, seen, view, as_of, present, cfg.superseded_penalty, [f.id for f in result.facts])
        if self.strength is not None and cfg.strength_weight > 0:
            scores = self.strength.weigh(scores, index, self.now(), cfg.strength_weight, cfg.strength_half_life_days)
        by_speaker = mode == "hippo" and cfg.assistant_weight < 1.0 and asks_about_self(question)
        # What something is now: an update ahead of what it updates (a question in the past tense
        # asks about the statement it names, whenever it was made, unless it asks for the latest).
        state = mode == "hippo" and cfg.later_first > 0 and (present_tense or asks_for_latest(question))
        depth = max(top_k, cfg.speaker_depth if by_speaker else 0, cfg.later_first if state else 0)
        ranked = [(i, s) for i, s in highest_scoring(index.units.ids, scores, depth) if np.isfinite(s)]
        # Both rules read the candidates' records (speakers, dates, texts): one read serves them.
        records = self._records(index, [i for i, _ in ranked]) if by_speaker or state else {}
        if by_speaker:
            speakers = {i: r.speaker for i, r in records.items() if isinstance(r, Episode)}
            ranked = weigh_speakers(ranked, speakers, cfg.assistant_roles, cfg.assistant_weight)
        if state:
            ranked = self._later_first(index, ranked, dense, cfg, records, by_speaker)
        ranked = ranked[:top_k]
        result.passages = self._units(index, ranked, dense)
        if self.strength is not None and cfg.track_recalls:
            self.strength.record([p.id for p in result.passages], self.now())
        clock("rank")
        return result

    def _records(
        self, index: RetrievalIndex, unit_ids: list[str], episode_ids: Sequence[str] = ()
    ) -> dict[str, Passage | Episode]:
        """Records of ``unit_ids`` (passages and episodes, by kind) and of ``episode_ids``, by id."""
        kinds = index.unit_kind
        records: dict[str, Passage | Episode] = {
            p.id: p for p in self.store.passages([i for i in unit_ids if kinds[i] == "passage"])
        }
        episodes = [i for i in unit_ids if kinds[i] == "episode"] + list(episode_ids)
        records |= {e.id: e for e in self.store.episodes(episodes)}
        return records

    def _bm25(self, index: RetrievalIndex, question: str) -> np.ndarray:
        return index.lexical_index(self.store).scores(question, index.units.position, len(index.units))

    def _later_first(
        self,
        index: RetrievalIndex,
        ranked: list[tuple[str, float]],
        dense: np.ndarray,
        cfg: RetrievalSettings,
        records: dict[str, Passage | Episode],
        asker_only: bool = False,
    ) -> list[tuple[str, float]]:
        """Updates ahead of what they update among the top ``cfg.later_first`` (see ``later_first``);
        ``records``: those units' records. ``asker_only``: assistant turns never move (a reply is
        later than the statement it answers, but it is not an update of it)."""
        head = [i for i, _ in ranked[: cfg.later_first]]

        roles = {role.lower() for role in cfg.assistant_roles}

        def when(unit_id: str) -> tuple | None:
            r = records.get(unit_id)
            stamp = getattr(r, "occurred_at", None)
            if asker_only and getattr(r, "speaker", "").lower() in roles:
                return None
            # Units of one date are ordered by their position in the conversation or document.
            return (stamp, r.position) if stamp else None  # type: ignore[union-attr]

        times = [when(i) for i in head]
        rows = [index.units.position[i] for i in head]
        # "Equally relevant" is measured in standard deviations of this query's cosines.
        margin = np.inf if cfg.later_margin is None else cfg.later_margin * float(dense.std())
        updates = [states_a_change(getattr(records.get(i), "text", "")) for i in head] if cfg.later_cue else None
        reordered = later_first(head, index.units.vectors[rows], times, cfg.same_topic, dense[rows], margin, updates)
        # Each unit takes the score of the position it now holds, so scores stay monotone.
        return [(u, s) for u, (_, s) in zip(reordered, ranked)] + ranked[len(head) :]

    def _hippo_scores(
        self,
        index: RetrievalIndex,
        view: TimeView,
        query: np.ndarray,
        question: str,
        dense: np.ndarray,
        cfg: RetrievalSettings,
        as_of: str | None,
        clock: StageClock,
        bm25: np.ndarray | None = None,
    ):
        fact_cosine = index.facts.scores(query)
        if cfg.time_aware:  # facts of the relation asked about first (from twice as many candidates)
            links = prefer_asked_relation(
                link_facts(index, query, 2 * cfg.link_top_k, as_of, self.now(), fact_cosine), question, cfg.link_top_k
            )
        else:
            links = link_facts(index, query, cfg.link_top_k, as_of, self.now(), fact_cosine)
        if cfg.query_clue and self.llm is not None:  # MemoRAG: the model's draft answer links too
            clue = draft_answer(self.llm, question)
            embed = partial(embed_query, self.embedder)
            links = with_clue_links(links, index, clue, embed, cfg.link_top_k, as_of, self.now())
        if cfg.use_filter:
            links = recognition_filter(links, question, self.llm, cfg.filter_threshold)
        facts = [
            LinkedFact(
                link.fact.id,
                link.fact.subject,
                link.fact.predicate,
                link.fact.object,
                link.fact.text,
                round(link.score, 6),
                link.fact.valid_from,
                link.fact.invalid_at,
                round(link.cosine, 6),
            )
            for link in links
        ]
        seeds = entity_seeds(index, links, cfg.entity_top_k)
        if seeds and cfg.named_weight > 0:
            named = named_entities(index, question, self.store.namespace)
            seeds = with_named_entities(seeds, index, named, cfg.named_weight)
        clock("link")
        if not seeds:
            reason = "no fact linked to the question" if not links else "linked facts name no graph entity"
            return dense, facts, {}, reason, None
        if weaker_than_dense(links, dense, cfg.fallback_margin):
            return dense, facts, {}, "linked facts match the question less well than the best unit", None
        # Only the optional mechanisms read fact validity again (linking computed its own).
        mechanisms = cfg.fact_keys > 0 or cfg.multi_step > 0
        valid = index.fact_validity_mask(as_of, self.now()) if mechanisms else np.zeros(0, dtype=bool)
        keyed = dense
        share = lexical_share(dense, cfg.lexical_seeds, cfg)
        if bm25 is not None and share > 0:
            keyed = lexically_raised(dense, bm25, share)
        if cfg.fact_keys > 0 and len(fact_cosine):
            best = best_fact_cosine(view.support(len(index.fact_records)), fact_cosine, valid)
            keyed = keyed_scores(keyed, best, cfg.fact_keys)
        reset = seed_vector(index, seeds, keyed, cfg)
        mass = walk(index.graph, reset, cfg)
        unit_mass = mass[index.unit_nodes]
        covered = set(seeds)
        ends = [(f.subject, f.object) for f in index.fact_records] if cfg.multi_step > 0 else []
        for _ in range(cfg.multi_step):
            top = [int(i) for i in np.argsort(-unit_mass, kind="stable")[: cfg.multi_step_units]]
            bridge = bridge_seeds(
                top,
                view.unit_fact_rows,
                fact_cosine,
                valid,
                ends,
                covered,
                index.graph.index,
                index.unit_mentions,
                cfg.entity_top_k,
            )
            if not bridge:
                break
            covered |= set(bridge)
            # The next hop is a query of its own (seeded by the bridge entities only), fused by
            # rank with what the rounds so far found: their best units keep their places.
            hop = np.zeros(index.graph.size)
            for entity, weight in bridge.items():
                hop[index.graph.index[entity]] = weight
            hop_mass = walk(index.graph, hop / hop.sum(), cfg)
            fused = fuse_ranks(unit_mass, hop_mass[index.unit_nodes], cfg.multi_step_weight, cfg.fusion_k)
            unit_mass = fused / fused.max() * float(unit_mass.max())
            if {int(i) for i in np.argsort(-unit_mass, kind="stable")[: cfg.multi_step_units]} == set(top):
                break
        clock("ppr")
        activation = Activation(index.graph.node_ids, mass, index.graph)  # kept for explaining the ranking
        if cfg.degree_norm > 0:
            unit_mass = unit_mass / (1.0 + index.graph.degrees(index.unit_nodes)) ** cfg.degree_norm
        weight = max(cfg.dense_fusion, cfg.flat_fusion * flatness(dense, cfg.peak_flat, cfg.peak_sharp))
        return fuse_ranks(unit_mass, keyed, weight, cfg.fusion_k), facts, seeds, None, activation

    def _units(self, index: RetrievalIndex, ranked: list[tuple[str, float]], dense: np.ndarray) -> list[RetrievedUnit]:
        passage_ids = [i for i, _ in ranked if index.unit_kind[i] == "passage"]
        episode_ids = [i for i, _ in ranked if index.unit_kind[i] == "episode"]
        around = {i: [n for n in (index.previous_episode.get(i), index.next_episode.get(i)) if n] for i in episode_ids}
        neighbour_ids = sorted({n for ns in around.values() for n in ns} - set(episode_ids))
        records = self._records(index, passage_ids + episode_ids, neighbour_ids)
        out = []
        for unit_id, score in ranked:
            r = records.get(unit_id)
            if r is None:
                continue
            cosine = round(float(dense[index.units.position[unit_id]]), 6)
            if isinstance(r, Passage):
                out.append(
                    RetrievedUnit(
                        r.id,
                        "passage",
                        r.title,
                        r.text,
                        round(score, 6),
                        r.document_id,
                        r.source_id,
                        r.occurred_at,
                        cosine=cosine,
                    )
                )
            else:
                # Temporal neighbours: the turns right before and after, as episodic context.
                context = [
                    {
                        "id": n.id,
                        "source_id": n.source_id,
                        "speaker": n.speaker,
                        "text": n.text,
                        "occurred_at": n.occurred_at,
                    }
                    for n in (records.get(i) for i in around[unit_id])
                    if isinstance(n, Episode)
                ]
                out.append(
                    RetrievedUnit(
                        r.id,
                        "episode",
                        "",
                        r.text,
                        round(score, 6),
                        r.document_id,
                        r.source_id,
                        r.occurred_at,
                        r.speaker,
                        context,
                        cosine,
                    )
                )
        return out
