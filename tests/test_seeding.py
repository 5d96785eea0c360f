"""Seeding, structural edge weights and later-first ranking: behaviour of the adaptive rules."""

from __future__ import annotations

import numpy as np
import pytest

from hippograph.config import RetrievalSettings
from hippograph.retrieve.ranking import later_first, same_topic_groups
from hippograph.retrieve.seeds import flatness, passage_seed_weights, seed_temperature


def bulk(n: int = 500, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.2, 0.08, n)


def top_share(weights: np.ndarray) -> float:
    return float(weights.max() / weights.sum())


def test_flat_top_spreads_seed_mass_and_peaked_top_concentrates_it():
    cfg = RetrievalSettings(seed_spread=0.5, peak_flat=0.0, peak_sharp=0.0)  # flatness off: always spread
    peaked = bulk()
    peaked[0] = peaked.max() + 0.4  # one unit five standard deviations above the rest
    flat = bulk()
    flat[:8] = flat.max() + np.linspace(0.04, 0.0, 8)  # eight units close together at the top
    assert top_share(passage_seed_weights(peaked, cfg)) > 0.99
    flat_weights = passage_seed_weights(flat, cfg)
    assert top_share(flat_weights) < 0.4
    assert np.sort(flat_weights)[-8:].sum() / flat_weights.sum() > 0.5  # most mass stays on the top eight
    # The fixed sharp softmax puts more of the flat top's mass on its first unit.
    assert top_share(passage_seed_weights(flat, RetrievalSettings(seed_spread=0.0))) > top_share(flat_weights) + 0.05


def test_seed_mass_is_the_passage_weight_and_temperature_never_drops_below_the_floor():
    dense = bulk()
    for cfg in (RetrievalSettings(seed_spread=0.0), RetrievalSettings(passage_weight=2.0)):
        assert passage_seed_weights(dense, cfg).sum() == pytest.approx(cfg.passage_weight)
    narrow = np.full(100, 0.3) + np.linspace(0, 1e-4, 100)
    assert seed_temperature(narrow, 0.02, 0.5) == 0.02
    assert seed_temperature(dense, 0.02, 0.0) == 0.02
    assert seed_temperature(dense, 0.02, 1.0) == pytest.approx(dense.std())


def test_flatness_sharp_for_a_standout_best_unit_and_full_for_a_flat_top():
    peaked = bulk()
    peaked[0] = np.median(peaked) + 6 * peaked.std()
    flat = np.linspace(0.1, 0.3, 500)  # evenly spread cosines: the best is 1.7 std above the median
    assert flatness(peaked, 3.0, 5.0) == 0.0
    assert flatness(flat, 3.0, 5.0) == 1.0
    middle = np.linspace(0.1, 0.3, 500)
    middle[-1] = 0.3 + 2.4 * middle.std()
    assert 0.0 < flatness(middle, 3.0, 5.0) < 1.0
    # With flatness 0 the adaptive seeds are the fixed sharp softmax.
    cfg = RetrievalSettings(seed_spread=1.0)
    assert np.allclose(
        passage_seed_weights(peaked, cfg), passage_seed_weights(peaked, RetrievalSettings(seed_spread=0.0))
    )
    assert top_share(passage_seed_weights(flat, cfg)) < top_share(
        passage_seed_weights(flat, RetrievalSettings(seed_spread=0.0))
    )


def test_later_first_reorders_only_same_topic_dated_units_within_their_positions():
    a = np.array([1.0, 0.0, 0.0])
    b = np.array([0.0, 1.0, 0.0])
    vectors = np.stack([a, b, a * 0.99 + b * 0.01, b, a])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ranked = ["a-early", "b-unit", "a-late", "b-undated", "a-mid"]
    when = [("2024-01-01", 1), ("2024-01-01", 2), ("2024-03-01", 0), None, ("2024-02-01", 5)]
    assert sorted(map(sorted, same_topic_groups(vectors, 0.9))) == [[0, 2, 4], [1, 3]]
    out = later_first(ranked, vectors, when, 0.9)
    # The a-group holds positions 0, 2, 4 and now fills them latest first; b has one dated unit.
    assert out == ["a-late", "b-unit", "a-mid", "b-undated", "a-early"]
    assert later_first(ranked, vectors, when, 1.01) == ranked  # nothing similar enough: unchanged


def test_later_first_leaves_a_much_less_relevant_later_unit_in_place():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    ranked = ["early-strong", "other", "late-weak"]
    when = [("2024-01-01", 0), ("2024-01-02", 0), ("2024-02-01", 0)]
    relevance = np.array([0.80, 0.70, 0.50])
    assert later_first(ranked, vectors, when, 0.9, relevance, margin=0.05) == ranked
    assert later_first(ranked, vectors, when, 0.9, relevance, margin=0.5) == ["late-weak", "other", "early-strong"]


def test_with_change_cues_each_update_moves_just_ahead_of_what_it_updates():
    a = np.array([[1.0, 0.0]] * 4)
    ranked = ["said-first", "follow-up", "update", "old-update"]
    when = [("2024-01-01", 1), ("2024-01-01", 9), ("2024-01-01", 5), ("2024-01-01", 3)]
    updates = [False, False, True, True]
    # "old-update" (position 3) updates "said-first" (1) and moves just ahead of it; "update" (5)
    # then moves ahead of both. "follow-up" (9) is later than every update: nobody passes it
    # because of it, and it keeps its order relative to the units that did not move.
    out = later_first(ranked, a, when, 0.9, updates=updates)
    assert out == ["update", "old-update", "said-first", "follow-up"]
    assert later_first(ranked, a, when, 0.9, updates=[False] * 4) == ranked  # no change stated: unchanged


def test_an_update_passes_only_units_about_the_same_thing():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    ranked = ["budget-300", "trip-plan", "trip-later", "budget-now-350"]
    when = [("2024-01-01", 1), ("2024-01-01", 2), ("2024-01-01", 3), ("2024-01-02", 0)]
    updates = [False, False, False, True]
    out = later_first(ranked, vectors, when, 0.9, updates=updates)
    assert out == ["budget-now-350", "budget-300", "trip-plan", "trip-later"]
    # An update ranked ahead of what it updates stays where it is.
    moved = [3, 0, 1, 2]
    assert later_first(out, vectors[moved], [when[i] for i in moved], 0.9, updates=[True, False, False, False]) == out
    # With a relevance margin, a much less relevant update does not move.
    relevance = np.array([0.8, 0.6, 0.6, 0.3])
    assert later_first(ranked, vectors, when, 0.9, relevance, margin=0.1, updates=updates) == ranked


def test_questions_asking_for_the_latest_state():
    from hippograph.retrieve.ranking import asks_for_latest

    assert asks_for_latest("What score did I achieve on my quiz most recently?")
    assert asks_for_latest("What is my latest budget?")
    assert asks_for_latest("Where do I live now?")
    assert not asks_for_latest("What score did I achieve on my first quiz?")
    assert not asks_for_latest("Who founded the company?")


def test_change_cues():
    from hippograph.retrieve.ranking import states_a_change

    assert states_a_change("I've extended my reading challenge goal to 12 books")
    assert states_a_change("I rescheduled the meeting to April 2")
    assert states_a_change("we no longer use Redis")
    assert not states_a_change("I joined a reading challenge aiming for 10 books")
    assert not states_a_change("our family movie night with raisin cookies")  # words, not stems
