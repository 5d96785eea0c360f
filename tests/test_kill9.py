"""kill -9 during ingestion, then a re-run: the store ends exactly as an uninterrupted run leaves it
(SYNONYM edges, counts), on the SQLite store. The harness is ``tests/killharness.py``."""

from __future__ import annotations

import random

import pytest
from killharness import KillPoint, run_child, snapshot


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "store.db"
    assert run_child(path) == 0
    state = snapshot(path)
    assert state["synonyms"], "the corpus must produce SYNONYM edges for the test to mean anything"
    assert not state["pending"]
    return state


@pytest.mark.parametrize(
    "point",
    [
        KillPoint("store.write_document", 3, "after"),  # mid-run, documents written, synonyms not computed
        KillPoint("store.add_synonyms", 1, "before"),  # every document written, synonym step not run
        KillPoint("store.add_synonyms", 1, "after"),  # synonyms committed, the process dies before returning
    ],
    ids=lambda p: p.spec(),
)
def test_rerun_after_kill_at_a_point_equals_an_uninterrupted_run(tmp_path, reference, point):
    path = tmp_path / "store.db"
    assert run_child(path, point) == -9
    killed = snapshot(path)
    assert killed != reference or (point.target == "store.add_synonyms" and point.when == "after")
    assert run_child(path) == 0
    assert snapshot(path) == reference


def test_rerun_after_kills_at_random_times_equals_an_uninterrupted_run(tmp_path, reference):
    rng = random.Random(12)
    path = tmp_path / "store.db"
    for _ in range(3):  # repeated kills at random moments (most land during imports or the writes)
        run_child(path, kill_after=rng.uniform(0.5, 4.0))
    assert run_child(path) == 0
    assert snapshot(path) == reference
