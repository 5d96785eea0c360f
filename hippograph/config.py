"""Explicit configuration: one ``Settings`` object, filled from arguments or environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_STORE = "sqlite:///hippograph.db"
DEFAULT_EMBEDDER = "packaged:all-MiniLM-L6-v2"


@dataclass(frozen=True)
class RetrievalSettings:
    """Parameters of the HippoRAG-2 style query path (defaults as published, plus our fusion)."""

    # Facts kept after query-to-fact linking, and entity seeds kept. HippoRAG 2 publishes 5/5;
    # the two best facts and three entities were better on every domain of bench/eval_suite
    # (MuSiQue R@2 +2.5, LoCoMo R@2 +2.1, BEAM R@5 +6.6): weaker facts mostly add seeds that
    # pull mass toward entities the question is not about.
    link_top_k: int = 2
    entity_top_k: int = 3
    # Named entities: an entity the question names verbatim (a capitalized or numeric span equal
    # to its name) is seeded too, like a linked fact of this score naming it (0: off). Linking
    # by meaning alone can pick facts about a similar name; the words of the question cannot.
    named_weight: float = 5.0
    # Passage seeds. "softmax" (ours): a softmax of passage cosines at ``passage_temperature``
    # carrying ``passage_weight`` x the entity seeds' total mass. "minmax" (HippoRAG 2 as
    # published): min-max normalized cosines x ``passage_weight`` (0.05 there).
    passage_seeds: str = "softmax"
    passage_weight: float = 3.0
    passage_temperature: float = 0.02
    # Adaptive passage seeds: the temperature is at least ``seed_spread`` x flatness x the
    # standard deviation of the query's unit cosines. Flatness is 1 when the best unit is at
    # most ``peak_flat`` standard deviations above the median cosine and 0 from ``peak_sharp``
    # up: a flat top (many similar units) spreads seed mass, a peaked one keeps it sharp.
    seed_spread: float = 0.5
    peak_flat: float = 3.0
    peak_sharp: float = 5.0
    # State questions (present tense, or asking for the latest): among the first ``later_first``
    # ranked units, a unit stating a change ("moved", "increased", "no longer", ...; with
    # ``later_cue``) moves just ahead of the best-ranked earlier unit about the same thing
    # (cosine >= ``same_topic``), so an update outranks what it updates and one from past the
    # top 10 enters it. Without the cue, same-topic units are reordered later-first in their
    # positions (on BEAM's tuning chats that cost 4 R@2: most later same-topic turns are not
    # updates). ``later_margin``: also require query cosines within this many standard
    # deviations (None: any; a relevance margin kept an update a few ranks down from moving).
    later_first: int = 30
    # Asker's turns first: for a first-person question, units spoken by one of ``assistant_roles``
    # have their score scaled by ``assistant_weight`` among the best ``speaker_depth`` (1: off).
    assistant_weight: float = 0.3
    assistant_roles: tuple[str, ...] = ("assistant", "ai", "bot")
    speaker_depth: int = 50
    same_topic: float = 0.6
    later_margin: float | None = None
    later_cue: bool = True  # only a unit stating a change ("moved", "increased", ...) moves ahead
    damping: float = 0.5  # probability of following an edge in PPR
    ppr_tolerance: float = 1e-6  # L1 convergence of the global iteration (when ppr_epsilon is None)
    # Local forward push: each score within ppr_epsilon * weighted degree / (1 - damping) of the
    # exact one, at a cost set by the seeds' neighbourhood instead of the graph's size.
    ppr_epsilon: float | None = 1e-7
    use_filter: bool = True  # recognition filter (LLM when configured, else threshold)
    filter_threshold: float = 0.0  # raw cosine a linked fact must reach without an LLM
    # Dense fallback on weak links: hippo ranks as dense when the best linked fact's cosine with
    # the question is below the best unit's cosine plus this margin (None: never; 0: whenever no
    # fact matches the question as well as the best unit does). On the eval suite's tuning sets
    # (bench/results/ablation.md) long work chats link worse than their best turn for about half
    # the questions, where the graph lost 7-14 R@10 to dense; on MuSiQue and LoCoMo facts usually
    # match better than any unit (median gap +0.09 / +0.10), so the rule rarely fires there.
    fallback_margin: float | None = -0.1
    dense_fusion: float = 0.0  # optional reciprocal-rank fusion weight of the dense ranking
    # Lexical fusion: reciprocal-rank fusion weight of a BM25 ranking of the units' texts (0: off).
    lexical_weight: float = 0.3
    # Lexical seeds: a unit's seed cosine is raised by this x its BM25 over the query's best BM25,
    # in units of how far the best cosine stands above the median (0: off).
    lexical_seeds: float = 1.0
    lexical_flat: bool = True  # scale both lexical weights by the flatness of the dense top
    lexical_peak_flat: float = 3.0  # flatness for the lexical weights: 1 at z <= this ...
    lexical_peak_sharp: float = 4.0  # ... 0 at z >= this (see ``peak_flat``)
    fusion_k: int = 10  # reciprocal-rank constant of the fusion
    # Dense fusion that follows the query: its weight is at least ``flat_fusion`` x flatness (see
    # ``peak_flat``). Where many units match about equally (a long chat circling one topic), the
    # graph has no reliable anchor, so the dense ranking gets a say; peaked queries stay graph-led.
    flat_fusion: float = 0.0
    # PPR on an undirected graph gives well-connected nodes mass in proportion to their degree;
    # a unit's score is its mass over (1 + weighted degree) ** ``degree_norm`` (0: raw mass), so a
    # long unit naming many entities is not preferred to a short one for its length alone.
    degree_norm: float = 0.0
    as_of: str | None = None  # only facts valid, and units dated, at or before this ISO date (None = now)
    # Time-aware ranking: "before X" questions, and units whose facts are all superseded ranked
    # below current ones for present-tense questions. Off = plain HippoRAG ranking.
    time_aware: bool = True
    superseded_penalty: float = 0.5  # score factor of a unit whose every fact is superseded
    vector_index: str = "exact"  # "exact" (numpy) or "hnsw" (hnswlib, for large stores)
    # Memory mechanisms (README "Memory mechanisms"); all off by default.
    # Strength and recency (MemoryBank): count each returned unit as recalled (in a side store,
    # never the store's write lock or generation), and scale scores by retention when > 0.
    track_recalls: bool = False
    strength_weight: float = 0.0  # 0 = off; 1 = the score is fully multiplied by retention
    strength_half_life_days: float = 30.0  # retention halves in this many days x (1 + recalls)
    query_clue: bool = False  # MemoRAG: with a chat model, its draft answer is an extra linking query
    # Graph structure: weight of episode-to-episode (NEXT) edges relative to the stored weight.
    # Read when the index is built, so it applies to a retriever's whole index, not per query.
    next_weight: float = 1.0
    # Fact-augmented keys (LongMemEval): a unit's seed score moves toward its best supported
    # fact's cosine with the query by this fraction (0: text only, 1: the larger of the two).
    fact_keys: float = 0.0
    # Multi-step recall: extra PPR rounds seeded from the entities of the best facts of the
    # top ``multi_step_units`` units that the first round's seeds did not cover (0: one round).
    multi_step: int = 0
    multi_step_units: int = 3
    multi_step_weight: float = 0.5  # rank-fusion weight of a further round's ranking

    @classmethod
    def hipporag2_published(cls) -> RetrievalSettings:
        """HippoRAG 2's published seeding (min-max passage seeds x 0.05), for comparison."""
        return cls(passage_seeds="minmax", passage_weight=0.05)


@dataclass(frozen=True)
class Settings:
    """Everything configurable in hippograph; ``Settings.from_env()`` reads ``HIPPOGRAPH_*``."""

    store: str = DEFAULT_STORE
    namespace: str = "default"  # every read and write of a Memory stays in one namespace
    embedder: str = DEFAULT_EMBEDDER
    embed_batch_size: int = 64
    extractor: str = "spacy"
    ingest_group_size: int = 64  # documents extracted and embedded together (one unit of work)
    torch_threads: int | None = None  # torch threads per process (None: torch's default)
    chunk_size: int = 1200  # characters
    chunk_overlap: int = 150  # characters
    synonym_threshold: float = 0.8
    synonym_top_k: int = 20
    llm: str | None = None  # provider string or dotted path of a langchain-core chat model
    llm_judge: bool = False  # let the LLM decide which facts a newer fact replaces (costs calls)
    # Front matter keys giving a note its date, first present wins ("updated" before "date").
    date_keys: tuple[str, ...] = ("updated", "date", "created")
    file_dates: bool = False  # opt-in: undated files are dated by their modification time
    functional_relations: tuple[str, ...] = ()  # more predicates a subject has one value of at a time
    # The extractive reader abstains when its evidence support (0-1, see retrieve/abstain.py) is
    # below this; None = the threshold calibrated in bench/temporal.py. 0 = only on missing names.
    abstain_below: float | None = None
    remember_answers: bool = False  # write-back: every answer is stored as a thought (Memory.answer)
    entity_note_prose: bool = False  # with an LLM: entity notes get a prose note (one call per facts change)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ``HIPPOGRAPH_*`` variables, then ``overrides`` that are not None."""
        env = os.environ
        values: dict[str, Any] = {}
        if "HIPPOGRAPH_STORE" in env:
            values["store"] = env["HIPPOGRAPH_STORE"]
        if "HIPPOGRAPH_NAMESPACE" in env:
            values["namespace"] = env["HIPPOGRAPH_NAMESPACE"]
        if "HIPPOGRAPH_EMBEDDER" in env:
            values["embedder"] = env["HIPPOGRAPH_EMBEDDER"]
        if "HIPPOGRAPH_LLM" in env:
            values["llm"] = env["HIPPOGRAPH_LLM"]
        if "HIPPOGRAPH_SYNONYM_THRESHOLD" in env:
            values["synonym_threshold"] = float(env["HIPPOGRAPH_SYNONYM_THRESHOLD"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        mechanisms: dict[str, Any] = {}
        if "HIPPOGRAPH_TRACK_RECALLS" in env:
            mechanisms["track_recalls"] = env["HIPPOGRAPH_TRACK_RECALLS"].strip().lower() in ("1", "true", "yes", "on")
        if "HIPPOGRAPH_STRENGTH_WEIGHT" in env:
            mechanisms["strength_weight"] = float(env["HIPPOGRAPH_STRENGTH_WEIGHT"])
        return settings.with_retrieval(**mechanisms) if mechanisms else settings

    def with_retrieval(self, **changes: Any) -> Settings:
        """A copy with some retrieval settings changed."""
        return replace(self, retrieval=replace(self.retrieval, **changes))


def data_dir() -> str | None:
    """Folder of the shared benchmark datasets (``HIPPOGRAPH_DATA``), or None when absent."""
    candidates = [os.environ.get("HIPPOGRAPH_DATA")]
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.join(here, "..", "..", "shared", "datasets"))
    for path in candidates:
        if path and os.path.isdir(path):
            return os.path.abspath(path)
    return None
