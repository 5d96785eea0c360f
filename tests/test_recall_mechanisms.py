"""Retrieval mechanisms of the memory literature: multi-step recall and fact-augmented keys."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hippograph.retrieve.keys import best_fact_cosine, keyed_scores, support_matrix
from hippograph.retrieve.multistep import bridge_seeds

TWO_HOP = Path(__file__).parent / "fixtures" / "two_hop_openie.json"


def test_keyed_scores_move_toward_the_best_supported_fact_only_upward():
    support = support_matrix([[0, 1], [], [2]], 3)
    best = best_fact_cosine(support, np.array([0.2, 0.9, 0.1]), np.array([True, True, True]))
    assert best[0] == pytest.approx(0.9) and best[1] == -np.inf and best[2] == pytest.approx(0.1)
    dense = np.array([0.5, 0.4, 0.3])
    keyed = keyed_scores(dense, best, 0.5)
    assert keyed.tolist() == pytest.approx([0.7, 0.4, 0.3])  # no fact or a worse fact: unchanged
    assert keyed_scores(dense, best, 0.0) is dense


def test_invalid_facts_never_key_a_unit():
    support = support_matrix([[0]], 1)
    best = best_fact_cosine(support, np.array([0.9]), np.array([False]))
    assert best[0] == -np.inf


def test_bridge_seeds_take_uncovered_entities_of_the_top_units_facts_by_specificity():
    rows = [[0, 1], [2]]
    cosine = np.array([0.9, 0.5, 0.8])
    ends = [("film", "director"), ("film", "1994"), ("elsewhere", "other")]
    seeds = bridge_seeds(
        [0], rows, cosine, np.array([True, True, True]), ends, {"film"}, {"director": 0, "1994": 1, "film": 2},
        {"director": 2, "1994": 1}, keep=5,
    )  # fmt: skip
    assert set(seeds) == {"director", "1994"}  # unit 1's facts are not among the top units
    assert seeds["director"] == pytest.approx(0.45) and seeds["1994"] == pytest.approx(0.5)
    assert bridge_seeds([0], rows, cosine, np.ones(3, bool), ends, {"film", "director", "1994"}, {}, {}, 5) == {}


@pytest.fixture
def two_hop(memory):
    memory.ingest([str(TWO_HOP)], format="openie")
    return memory


def titles(memory, question: str, **settings) -> list[str]:
    # The mechanisms act on the graph ranking: the dense fallback on weak links (which fires on
    # these hand-written passages, tests/test_retrieval.py covers it) stays off unless asked for,
    # and so does BM25: every distractor repeats the question's one rare word ("Zorblat"), so the
    # lexical ranking fused into the final one would test BM25, not the second hop
    # (tests/test_lexical.py covers it).
    # Named-entity seeds stay off too: "Zorblat" in the question would seed the film directly.
    off = {"fallback_margin": None, "lexical_seeds": 0.0, "lexical_weight": 0.0, "named_weight": 0.0}
    cfg = replace(memory.settings.retrieval, link_top_k=2, entity_top_k=2, **(off | settings))
    return [p.title for p in memory.retriever.retrieve(question, top_k=5, settings=cfg).passages]


def test_a_second_hop_finds_the_bridge_passage_the_first_missed(two_hop):
    question = "Who is the spouse of the director of Zorblat?"
    one_round = titles(two_hop, question)
    assert "Quentin Marlowe" not in one_round  # distractors about the film fill the first round
    two_rounds = titles(two_hop, question, multi_step=1)
    assert "Quentin Marlowe" in two_rounds and two_rounds[0] == one_round[0]


def test_fact_keys_off_leave_the_ranking_unchanged(two_hop):
    question = "Which film was shot in Portugal?"
    assert titles(two_hop, question) == titles(two_hop, question, fact_keys=0.0)
    assert titles(two_hop, question, fact_keys=1.0)[0] == "Zorblat filming"


def test_named_entities_are_the_longest_stated_names_that_are_stored_entities(two_hop):
    from hippograph.retrieve.seeds import named_entities, with_named_entities

    index = two_hop.retriever.indexes.get()
    named = named_entities(index, "Who did Quentin Marlowe marry, and did Zorblat win in Lisbon?", "default")
    assert named == ["quentin marlowe", "zorblat"]  # "Quentin" alone is no entity; Lisbon is not stored
    assert named_entities(index, "Zorblat was directed by whom?", "default") == []  # a lone first word
    assert named_entities(index, "who directed the film zorblat?", "default") == []  # no capital: not a name
    seeds = with_named_entities({"zorblat": 0.1}, index, ["zorblat", "quentin marlowe"], 4.0)
    # Weighted like a linked fact of score 4 naming them: over the units that mention each.
    assert seeds["zorblat"] == pytest.approx(0.1 + 4.0 / index.unit_mentions["zorblat"])
    assert seeds["quentin marlowe"] == pytest.approx(4.0 / index.unit_mentions["quentin marlowe"])
    assert index.unit_mentions["zorblat"] > index.unit_mentions["quentin marlowe"]


def test_a_named_entity_is_seeded_only_when_switched_on(two_hop):
    question = "Which festival award did Tomas Reed's film win?"
    cfg = replace(two_hop.settings.retrieval, fallback_margin=None)
    on = two_hop.retriever.retrieve(question, top_k=5, settings=cfg)
    off = two_hop.retriever.retrieve(question, top_k=5, settings=replace(cfg, named_weight=0.0))
    assert "tomas reed" in on.seeds and on.seeds.get("tomas reed", 0) > off.seeds.get("tomas reed", 0)
