"""hippograph export: SQLite -> Bolt -> SQLite keeps every count, vector and top-5 (no re-embedding)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hippograph import Memory, Settings
from hippograph.graph.sqlite_store import SQLiteStore
from hippograph.pipelines.transfer import transfer

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Who is the spouse of the Green performer?",
    "What is the capital of the country where Kingfisher is?",
    "When was the university founded?",
    "Who directed the film?",
    "What river flows through the city?",
]
NOTES = [
    "Alice moved to Lisbon in 2023. Alice works at the harbour authority.",
    "Bob met Alice in Porto. Bob plays the cello in an orchestra.",
]


def top5(store, embedder) -> list[list[tuple[str, float]]]:
    memory = Memory(Settings(store=store.uri), store=store, embedder=embedder)
    return [[(p.id, p.score) for p in memory.retrieve(q, top_k=5).passages] for q in QUESTIONS]


def assert_same_ranking(a: list[list[tuple[str, float]]], b: list[list[tuple[str, float]]]) -> None:
    """The same ids in the same order; scores equal up to float32 summation order (a store returns
    edges in its own order, so the PPR matrix sums them differently in the last bit)."""
    assert [[i for i, _ in q] for q in a] == [[i for i, _ in q] for q in b]
    assert np.allclose([s for q in a for _, s in q], [s for q in b for _, s in q], rtol=0, atol=1e-5)


def snapshot(store) -> dict:
    """Counts, vectors, records, provenance and synonyms of every namespace."""
    out = {}
    for ns in store.namespaces():
        view = store.in_namespace(ns)
        out[ns] = {
            "stats": view.stats().as_dict(),
            "synonyms": view.synonym_edges(),
            "documents": sorted(
                (d.id, d.source, d.title, d.content_hash, d.ingested_at, d.passages) for d in view.documents()
            ),
            "vectors": {k: view.vectors(k) for k in ("passage", "episode", "entity", "fact")},
            "facts": view.facts(view.node_ids("fact")),
            "fact_units": view.fact_units(),
            "edges": sorted(zip(*[getattr(view.graph_edges(), a) for a in ("sources", "targets", "weights")])),
        }
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for ns in a:
        for key in a[ns]:
            if key == "vectors":
                for kind, (ids, matrix) in a[ns][key].items():
                    other_ids, other = b[ns][key][kind]
                    assert ids == other_ids and np.array_equal(matrix, other), (ns, kind)
            else:
                assert a[ns][key] == b[ns][key], (ns, key)


@pytest.mark.neo4j
@pytest.mark.slow
def test_sqlite_to_bolt_to_sqlite_keeps_counts_vectors_and_top5(tmp_path, embedder, datasets, bolt_server):
    original = Memory(Settings(store=f"sqlite:///{tmp_path / 'original.db'}"), embedder=embedder)
    report = original.ingest(
        [str(datasets / "musique_dev100_openie_gpt35.json")], format="openie", extractor="none", limit=40
    )
    assert report.ok and len(report.added) == 40
    alice = original.in_namespace("alice")
    for n, text in enumerate(NOTES):
        alice.add_text(text, source=f"notes/{n}")
    before = snapshot(original.store)
    assert set(before) == {"default", "alice"} and before["default"]["stats"]["facts"] > 0
    assert before["default"]["synonyms"], "the subset should have synonym edges to carry over"
    ranked = top5(original.store, embedder)

    bolt = bolt_server.fresh_store()
    copied = transfer(original.store, bolt).as_dict()
    assert copied["copied"] == {"default": 40, "alice": 2}
    assert_same(before, snapshot(bolt))
    assert_same_ranking(top5(bolt, embedder), ranked)
    assert bolt.pending_synonym_entities() == []

    back = SQLiteStore(tmp_path / "back.db")
    transfer(bolt, back, progress=None)
    assert_same(before, snapshot(back))
    assert_same_ranking(top5(back, embedder), ranked)
    assert transfer(bolt, back).as_dict()["skipped"] == {"default": 40, "alice": 2}  # re-running copies nothing
    for store in (bolt, back):
        store.close()
    original.close()


def test_export_copies_without_embedding(tmp_path, embedder):
    source = Memory(Settings(store=f"sqlite:///{tmp_path / 'a.db'}"), embedder=embedder)
    for n, text in enumerate(NOTES):
        source.add_text(text, source=f"notes/{n}")
    target = SQLiteStore(tmp_path / "b.db")
    transfer(source.store, target)
    assert_same(snapshot(source.store), snapshot(target))
    ranked = [[(p.id, p.score) for p in source.retrieve(q, top_k=3).passages] for q in ("Where does Alice live?",)]
    copy = Memory(Settings(store=target.uri), store=target, embedder=embedder)
    assert [
        [(p.id, p.score) for p in copy.retrieve(q, top_k=3).passages] for q in ("Where does Alice live?",)
    ] == ranked
    assert SQLiteStore(tmp_path / "c.db").export_document("absent") is None
    # transfer() takes two stores and nothing else: vectors can only come from the source.
    batch = source.store.export_document(source.documents()[0].id)
    assert all(p.embedding is not None for p in batch.passages) and batch.entities and batch.facts
    source.close()


def test_export_command(tmp_path, embedder):
    source = Memory(Settings(store=f"sqlite:///{tmp_path / 'a.db'}"), embedder=embedder)
    source.add_text(NOTES[0], source="notes/0")
    source.close()
    env = dict(os.environ) | {"PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "hippograph.cli",
            "--store",
            f"sqlite:///{tmp_path / 'a.db'}",
            "export",
            "--to",
            f"sqlite:///{tmp_path / 'b.db'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["copied"] == {"default": 1}
    assert SQLiteStore(tmp_path / "b.db").stats().as_dict() == SQLiteStore(tmp_path / "a.db").stats().as_dict()
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "hippograph.cli",
            "--store",
            f"sqlite:///{tmp_path / 'x.db'}",
            "export",
            "--to",
            f"sqlite:///{tmp_path / 'y.db'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert missing.returncode == 2 and "no store" in missing.stderr
