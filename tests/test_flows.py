"""Prefect ingestion flow: incremental runs, retries, permanent failures, cached extraction."""

from __future__ import annotations

import pytest

from hippograph import Memory, Settings
from hippograph.extract.spacy_extractor import SpacyExtractor
from hippograph.graph.sqlite_store import SQLiteStore
from hippograph.graph.store import StoreError

NOTE = "{name} founded the {name} Institute in {city}. The {name} Institute studies rivers in {city}.\n"


@pytest.fixture
def folder(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, city in [("Ada", "London"), ("Grace", "Arlington"), ("Alan", "Manchester")]:
        (notes / f"{name.lower()}.md").write_text(NOTE.format(name=name, city=city))
    return notes


class FlakyStore(SQLiteStore):
    """A real SQLite store whose writes fail: the first ``transient`` times, or always for ``poison``."""

    def __init__(self, path, transient: int = 0, poison: str | None = None):
        super().__init__(path)
        self.transient = transient
        self.poison = poison
        self.attempts = 0

    def write_document(self, batch, supersede=None):
        self.attempts += 1
        if self.poison and batch.document.source.endswith(self.poison):
            raise StoreError(f"constraint violated by {batch.document.source}")
        if self.transient > 0:
            self.transient -= 1
            raise StoreError("database is locked (transient)")
        super().write_document(batch, supersede)


def run_flow(memory, sources, **kwargs):
    from hippograph.flows.ingest import ingest_flow

    return ingest_flow(sources=[str(s) for s in sources], memory=memory, write_retry_delays=[0, 0, 0], **kwargs)


def test_flow_ingests_a_folder_then_only_what_is_new(prefect_harness, folder, tmp_path, embedder):
    (folder / "broken.bin").write_bytes(b"\x00\x01" * 50)
    memory = Memory(Settings(store=f"sqlite:///{tmp_path / 'f.db'}"), embedder=embedder)
    first = run_flow(memory, [folder])
    assert (first["added"], first["failed"]) == (3, 1)
    assert first["problems"][0]["source"].endswith("broken.bin")
    (folder / "edsger.md").write_text(NOTE.format(name="Edsger", city="Austin"))
    second = run_flow(memory, [folder])
    assert (second["added"], second["unchanged"]) == (1, 3)
    assert memory.stats().documents == 4
    assert len({d.source for d in memory.documents()}) == 4  # nothing duplicated
    (folder / "ada.md").unlink()
    third = run_flow(memory, [folder], sync=True)
    assert third["deleted"] == 1 and memory.stats().documents == 3


def test_transient_write_failures_are_retried(prefect_harness, folder, tmp_path, embedder):
    store = FlakyStore(tmp_path / "flaky.db", transient=2)
    memory = Memory(store=store, embedder=embedder)
    summary = run_flow(memory, [folder / "ada.md"])
    assert summary["added"] == 1 and summary["failed"] == 0
    assert store.attempts == 3


def test_permanent_failure_is_reported_and_the_rest_lands(prefect_harness, folder, tmp_path, embedder):
    store = FlakyStore(tmp_path / "poison.db", poison="grace.md")
    memory = Memory(store=store, embedder=embedder)
    summary = run_flow(memory, [folder])
    assert summary["added"] == 2 and summary["failed"] == 1
    assert "constraint violated" in summary["problems"][0]["reason"]
    assert {d.source.rsplit("/", 1)[-1] for d in memory.documents()} == {"ada.md", "alan.md"}


def test_extraction_is_cached_by_content_hash(prefect_harness, folder, tmp_path, embedder, monkeypatch):
    calls = []
    real = SpacyExtractor.extract

    def counting(self, texts, titles=None):
        calls.append(len(texts))
        return real(self, texts, titles)

    monkeypatch.setattr(SpacyExtractor, "extract", counting)
    folder = tmp_path / "unique"  # content no earlier test of this session has extracted
    folder.mkdir()
    for n, city in enumerate(["Oslo", "Bergen", "Tromso", "Bodo"]):
        (folder / f"n{n}.md").write_text(f"Probe {tmp_path.name} number {n} was written in {city} by Kari.\n")
    first = Memory(Settings(store=f"sqlite:///{tmp_path / 'c1.db'}"), embedder=embedder)
    run_flow(first, [folder])
    computed = sum(calls)  # texts extracted (one call per group of documents)
    assert computed == 4
    second = Memory(Settings(store=f"sqlite:///{tmp_path / 'c2.db'}"), embedder=embedder)
    summary = run_flow(second, [folder])
    assert summary["added"] == 4 and sum(calls) == computed  # a fresh store, no re-extraction
    assert second.stats().as_dict() == first.stats().as_dict()
