"""Strength and recency (MemoryBank): recall counts beside the store, the decay term, forgetting."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import numpy as np
import pytest
from killharness import TrigramEmbedder

from hippograph import InputError, Memory, Settings
from hippograph.graph.strength import SQLiteStrength, open_strength, side_file
from hippograph.pipelines.forget import cutoff
from hippograph.retrieve.strength import retention

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
TEXT = "The lighthouse keeper logs the passing ships every evening."


def memory_at(path, clock=lambda: NOW, **retrieval) -> Memory:
    settings = Settings(store=f"sqlite:///{path}", extractor="none").with_retrieval(**retrieval)
    return Memory(settings, embedder=TrigramEmbedder(), clock=clock)


def dated_copies(memory: Memory) -> dict[str, str]:
    """The same text stored three times with different dates: source -> unit id."""
    for year in (2020, 2022, 2024):
        memory.add_text(TEXT, source=f"log/{year}", occurred_at=f"{year}-06-01")
    return {d.source: memory.store.document_units(d.id)[0].id for d in memory.documents()}


def test_retention_decays_with_age_and_grows_with_recalls():
    ages = np.array([0.0, 30.0, 60.0, 365.0])
    once = retention(ages, np.zeros(4), 30.0)
    assert once[0] == 1.0 and once[1] == pytest.approx(0.5) and once[2] == pytest.approx(0.25)
    assert np.all(np.diff(once) < 0)
    recalled = retention(ages, np.full(4, 3.0), 30.0)  # half-life 4x as long
    assert np.all(recalled[1:] > once[1:]) and recalled[1] == pytest.approx(0.5 ** (1 / 4))


def test_decay_orders_equally_relevant_units_by_age(tmp_path):
    with memory_at(tmp_path / "m.db", strength_weight=1.0) as memory:
        units = dated_copies(memory)
        for mode in ("dense", "hippo"):
            ranked = [p.id for p in memory.retrieve("lighthouse keeper ships", top_k=3, mode=mode).passages]
            assert ranked == [units["log/2024"], units["log/2022"], units["log/2020"]], mode
    with memory_at(tmp_path / "m.db") as plain:  # off (the default): the three tie, dates play no part
        scores = [p.score for p in plain.retrieve("lighthouse keeper ships", top_k=3, mode="dense").passages]
        assert len(set(scores)) == 1


def test_recalls_reinforce_an_old_unit(tmp_path):
    with memory_at(tmp_path / "m.db", strength_weight=1.0) as memory:
        units = dated_copies(memory)
        memory.recall_strength.record([units["log/2020"]], NOW.isoformat())  # recalled just now
        ranked = [p.id for p in memory.retrieve("lighthouse keeper ships", top_k=3, mode="dense").passages]
        assert ranked[0] == units["log/2020"]


def test_reads_record_recalls_without_moving_the_generation(tmp_path):
    path = tmp_path / "m.db"
    with memory_at(path, track_recalls=True) as memory:
        units = dated_copies(memory)
        generation = memory.store.generation()
        changes_before = memory.store.changes_since(0)
        for _ in range(40):  # past one flush batch (32 recalls)
            memory.retrieve("lighthouse keeper ships", top_k=2, mode="dense")
        assert memory.store.generation() == generation
        assert memory.store.changes_since(generation).empty
        stats = memory.recall_strength.stats()
        assert sum(s.recalls for s in stats.values()) == 80 and set(stats) <= set(units.values())
        assert changes_before is not None
    # Written to the side file (flushed on close), not to the store file.
    db = sqlite3.connect(side_file(str(path)))
    assert db.execute("SELECT SUM(recalls) FROM recalls").fetchone()[0] == 80
    store = sqlite3.connect(path)
    assert store.execute("SELECT name FROM sqlite_master WHERE name='recalls'").fetchone() is None


def test_recording_recalls_never_waits_for_the_store_write_lock(tmp_path):
    path = tmp_path / "m.db"
    with memory_at(path, track_recalls=True, strength_weight=0.5) as memory:
        dated_copies(memory)
        memory.retrieve("lighthouse keeper ships", top_k=3, mode="dense")  # index built
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process holds the store's write lock
        try:
            for _ in range(3):
                assert memory.retrieve("lighthouse keeper ships", top_k=3, mode="dense").passages
            assert memory.recall_strength.flush() == 3
        finally:
            writer.execute("ROLLBACK")
            writer.close()


def test_side_store_buffers_batches_and_purges(tmp_path):
    strength = SQLiteStrength(str(tmp_path / "s.recalls"), "default", flush_every=4)
    strength.record(["a", "b"], "2024-01-01T00:00:00+00:00")
    assert not (tmp_path / "s.recalls").exists()  # nothing written before a batch fills
    assert strength.stats()["a"].recalls == 1  # but buffered recalls count
    strength.record(["a", "c"], "2024-02-01T00:00:00+00:00")  # 4 recalls: one batch written
    assert (tmp_path / "s.recalls").exists()
    again = SQLiteStrength(str(tmp_path / "s.recalls"), "default")
    assert {u: (s.recalls, s.last_recalled[:7]) for u, s in again.stats().items()} == {
        "a": (2, "2024-02"),
        "b": (1, "2024-01"),
        "c": (1, "2024-02"),
    }
    assert SQLiteStrength(str(tmp_path / "s.recalls"), "other").stats() == {}  # namespaces apart
    assert again.purge(keep=["a"]) == 2 and set(again.stats()) == {"a"}


def test_forget_prunes_old_and_weak_documents_with_a_dry_run(tmp_path):
    with memory_at(tmp_path / "m.db") as memory:
        units = dated_copies(memory)
        memory.recall_strength.record([units["log/2020"]], "2024-12-01T00:00:00+00:00")
        dry = memory.forget(older_than="2023-01-01", dry_run=True)
        # 2020 was recalled in December 2024: only the 2022 copy is last active before 2023.
        assert [f.document.source for f in dry.documents] == ["log/2022"]
        assert len(memory.documents()) == 3  # a dry run deletes nothing
        weak = memory.forget(weaker_than=1, older_than="365d", dry_run=True)  # before 2024-01-02
        assert [f.document.source for f in weak.documents] == ["log/2022"]
        done = memory.forget(older_than="2023-01-01")
        assert [f.document.source for f in done.documents] == ["log/2022"]
        assert sorted(d.source for d in memory.documents()) == ["log/2020", "log/2024"]
        assert memory.forget(weaker_than=1).documents[0].document.source == "log/2024"
        assert set(memory.recall_strength.stats()) == {units["log/2020"]}
        with pytest.raises(InputError, match="older-than"):
            memory.forget(older_than="last tuesday")
        with pytest.raises(InputError, match="needs"):
            memory.forget()


def test_cutoff_reads_dates_and_durations():
    assert cutoff("30d", NOW) == NOW - dt.timedelta(days=30)
    assert cutoff("2w", NOW) == NOW - dt.timedelta(days=14)
    assert cutoff("36h", NOW) == NOW - dt.timedelta(hours=36)
    assert cutoff("2024-05-01", NOW) == dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
    for bad in ("", "30", "soon", "2024-13-45"):
        with pytest.raises(InputError):
            cutoff(bad, NOW)


def test_forget_command_dry_run_then_delete(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from hippograph.cli import app

    path = tmp_path / "m.db"
    with memory_at(path) as memory:
        dated_copies(memory)
    runner = CliRunner()
    store = f"sqlite:///{path}"
    dry = runner.invoke(app, ["--store", store, "forget", "--older-than", "2021-01-01", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    listed = json.loads(dry.output)
    assert listed["dry_run"] and [d["source"] for d in listed["documents"]] == ["log/2020"]
    done = runner.invoke(app, ["--store", store, "forget", "--older-than", "2021-01-01"])
    assert done.exit_code == 0 and "forgot 1 documents" in done.output
    bad = runner.invoke(app, ["--store", store, "forget", "--older-than", "whenever"])
    assert bad.exit_code == 2
    with memory_at(path) as memory:
        assert sorted(d.source for d in memory.documents()) == ["log/2022", "log/2024"]


def test_recall_counts_on_every_store_leave_the_generation(store):
    strength = open_strength(store, flush_every=1000)
    generation = store.generation()
    strength.record(["u1", "u2"], "2024-01-01T00:00:00+00:00")
    strength.record(["u1"], "2024-03-01T00:00:00+00:00")
    assert strength.flush() == 2
    stats = open_strength(store).stats(["u1", "u2", "u3"])
    assert {u: s.recalls for u, s in stats.items()} == {"u1": 2, "u2": 1}
    assert stats["u1"].last_recalled.startswith("2024-03-01")
    assert open_strength(store.in_namespace("other")).stats() == {}
    assert strength.purge(keep=["u2"]) == 1 and set(strength.stats()) == {"u2"}
    assert store.generation() == generation
    strength.close()
