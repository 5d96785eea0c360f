"""Concurrent writers (4 processes on SQLite, 4 threads over Bolt) give what one writer gives:
the same facts with the same validity, the same SUPERSEDED_BY edges, the same counts."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from concurrent_docs import HashEmbedder, conversations, write_share

from hippograph import Memory, Settings

WRITERS = 4


def snapshot(memory: Memory, superseded: set[tuple[str, str]]) -> dict:
    store = memory.store
    facts = store.facts(store.node_ids("fact"))
    return {
        "stats": memory.stats().as_dict(),
        "superseded": superseded,
        "facts": sorted((f.id, f.valid_from, f.invalid_at) for f in facts),
    }


def one_writer(store: str) -> Memory:
    memory = Memory(Settings(store=store, synonym_threshold=2.0), embedder=HashEmbedder())
    report = memory.ingest_documents(conversations())
    assert report.ok and report.facts_superseded > 0
    return memory


def sqlite_superseded(memory: Memory) -> set[tuple[str, str]]:
    return set(memory.store._query("SELECT old_fact, new_fact FROM superseded"))


@pytest.mark.slow
def test_four_writer_processes_on_sqlite(tmp_path):
    single = one_writer(f"sqlite:///{tmp_path / 'one.db'}")
    expected = snapshot(single, sqlite_superseded(single))
    store = f"sqlite:///{tmp_path / 'many.db'}"
    Memory(Settings(store=store)).close()  # create the schema before the race
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        reports = pool.starmap(write_share, [(store, w, WRITERS) for w in range(WRITERS)])
    assert all(r["failed"] == 0 for r in reports)
    with Memory(Settings(store=store), embedder=HashEmbedder()) as many:
        assert snapshot(many, sqlite_superseded(many)) == expected
    assert len(expected["superseded"]) >= 24  # every subject's move is recorded
    single.close()


@pytest.mark.neo4j
def test_four_writer_threads_over_bolt(bolt_server, monkeypatch):
    import neo4j
    from concurrent_docs import share

    monkeypatch.setenv("NEO4J_USER", "root")
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.env()["NEO4J_PASSWORD"])

    def superseded() -> set[tuple[str, str]]:
        with neo4j.GraphDatabase.driver(bolt_server.uri, auth=("root", bolt_server.env()["NEO4J_PASSWORD"])) as d:
            records, _, _ = d.execute_query("MATCH (a:Fact)-[:SUPERSEDED_BY]->(b:Fact) RETURN a.id AS a, b.id AS b")
        return {(r["a"], r["b"]) for r in records}

    bolt_server.wipe()
    single = one_writer(bolt_server.uri)
    expected = snapshot(single, superseded())
    single.close()
    bolt_server.wipe()
    Memory(Settings(store=bolt_server.uri)).close()  # create the schema before the race

    def write(writer: int) -> dict:
        with Memory(Settings(store=bolt_server.uri, synonym_threshold=2.0), embedder=HashEmbedder()) as memory:
            return memory.ingest_documents(share(writer, WRITERS)).as_dict()

    with ThreadPoolExecutor(WRITERS) as pool:
        reports = list(pool.map(write, range(WRITERS)))
    assert all(r["failed"] == 0 for r in reports), [r["problems"] for r in reports]
    with Memory(Settings(store=bolt_server.uri), embedder=HashEmbedder()) as many:
        assert snapshot(many, superseded()) == expected
