"""Ingestion on Dask worker processes gives exactly what the in-process pipeline gives."""

from __future__ import annotations

import json
import os

import pytest

from hippograph import Memory, Settings

pytestmark = pytest.mark.slow
N_DOCS = 150  # enough groups that both of 2 workers get work
N_QUESTIONS = 20


@pytest.fixture(scope="module")
def sources(datasets, tmp_path_factory, sample_dir_module):
    """The sample notes (spaCy extraction) and a MuSiQue slice (precomputed GPT-3.5 triples)."""
    payload = json.loads((datasets / "musique_dev100_openie_gpt35.json").read_text())
    folder = tmp_path_factory.mktemp("musique")
    (folder / "musique.json").write_text(json.dumps({"docs": payload["docs"][:N_DOCS]}))
    return [str(sample_dir_module), str(folder / "musique.json")]


@pytest.fixture(scope="module")
def sample_dir_module(tmp_path_factory):
    import shutil

    from conftest import SAMPLE

    target = tmp_path_factory.mktemp("notes") / "notes"
    shutil.copytree(SAMPLE, target)
    return target


def ingest_in_process(store: str, sources: list[str], embedder) -> Memory:
    memory = Memory(Settings(store=store), embedder=embedder)
    notes, musique = sources
    assert memory.ingest([notes]).ok
    assert memory.ingest([musique], format="openie").ok
    return memory


def test_dask_workers_match_the_in_process_pipeline(prefect_harness, sources, datasets, tmp_path, embedder):
    from hippograph.flows.ingest import run_ingestion

    local = ingest_in_process(f"sqlite:///{tmp_path / 'local.db'}", sources, embedder)
    store = f"sqlite:///{tmp_path / 'dask.db'}"
    notes, musique = sources
    first = run_ingestion([notes], runner="dask", workers=2, store=store, cache_extraction=False)
    second = run_ingestion([musique], runner="dask", workers=2, store=store, format="openie", cache_extraction=False)
    assert (first["added"], second["added"], first["failed"] + second["failed"]) == (4, N_DOCS, 0)
    # The worker processes are named, and they are not this process: the work left it.
    workers = {(w["host"], w["pid"]) for w in second["workers"]}
    assert len(workers) == 2 and os.getpid() not in {pid for _, pid in workers}
    distributed = Memory(Settings(store=store), embedder=embedder)
    assert distributed.stats().as_dict() == local.stats().as_dict()
    questions = json.loads((datasets / "musique_dev100.json").read_text())[:N_QUESTIONS]
    for item in questions:
        ours = [p.id for p in local.retrieve(item["question"], top_k=5).passages]
        theirs = [p.id for p in distributed.retrieve(item["question"], top_k=5).passages]
        assert ours == theirs, item["question"]
    local.close()
    distributed.close()
