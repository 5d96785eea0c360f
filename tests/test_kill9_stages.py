"""kill -9 at every ingestion stage, then a re-run: the store equals what uninterrupted runs leave
(every table, timestamps and the generation counter aside), on a fresh store and on an update run
that replaces, supersedes and deletes (harness: tests/killpoints.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from killpoints import KillPoint, run_child, snapshot


def _copy(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    return target


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill9-reference")
    v1 = folder / "v1.db"
    assert run_child(v1, "v1") == 0
    v2 = _copy(v1, folder / "v2.db")
    assert run_child(v2, "v2") == 0
    out = {"v1": snapshot(v1), "v2": snapshot(v2), "v1_path": v1}
    # The corpus must exercise every stage for the test to mean anything.
    assert out["v1"]["synonyms"] and out["v1"]["superseded"] and out["v1"]["next_edges"]
    assert len(out["v2"]["superseded"]) > len(out["v1"]["superseded"])
    assert len(out["v2"]["documents"]) == len(out["v1"]["documents"]) - 1
    return out


FRESH = [
    KillPoint("work.extract_group", 1, "before"),  # nothing written yet
    KillPoint("work.embed_group", 2, "after"),  # the first group written, the second embedded, not written
    KillPoint("write.supersessions_for", 1, "before"),  # inside the first write transaction
    KillPoint("write.supersessions_for", 9, "after"),  # a chat's supersessions decided, not committed
    KillPoint("store.write_document", 1, "before"),
    KillPoint("store.write_document", 4, "after"),  # mid-run, entities pending synonyms
    KillPoint("store.write_document", 10, "after"),  # every document written, synonyms not computed
    KillPoint("store.add_synonyms", 1, "before"),
    KillPoint("store.add_synonyms", 1, "after"),  # synonyms committed, the process dies before returning
]
UPDATE = [
    KillPoint("work.embed_group", 1, "after"),
    KillPoint("write.supersessions_for", 3, "before"),  # the changed chat superseding stored facts
    KillPoint("store.write_document", 1, "after"),  # one changed note replaced
    KillPoint("store.write_document", 3, "before"),
    KillPoint("store.add_synonyms", 1, "before"),
    KillPoint("store.delete_document", 1, "before"),  # sync: the dropped note not yet deleted
]


@pytest.mark.parametrize("point", FRESH, ids=lambda p: p.spec())
def test_fresh_run_killed_then_rerun_equals_an_uninterrupted_run(tmp_path, references, point):
    path = tmp_path / "store.db"
    assert run_child(path, "v1", point) == -9
    assert run_child(path, "v1") == 0
    assert snapshot(path) == references["v1"]


@pytest.mark.parametrize("point", UPDATE, ids=lambda p: p.spec())
def test_update_run_killed_then_rerun_equals_an_uninterrupted_run(tmp_path, references, point):
    path = _copy(references["v1_path"], tmp_path / "store.db")
    assert run_child(path, "v2", point) == -9
    killed = snapshot(path)
    assert killed != references["v2"] or point.target == "store.delete_document"
    assert run_child(path, "v2") == 0
    assert snapshot(path) == references["v2"]
