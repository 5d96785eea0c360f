"""Must-shows on the shared MuSiQue slice: counts, idempotency, delete/re-ingest, Bolt parity."""

from __future__ import annotations

import json

import pytest

from hippograph import Memory, Settings

pytestmark = pytest.mark.slow
N_DOCS = 200


@pytest.fixture(scope="module")
def openie(datasets):
    return str(datasets / "musique_dev100_openie_gpt35.json")


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    import shutil

    from conftest import SAMPLE

    target = tmp_path_factory.mktemp("notes") / "notes"
    shutil.copytree(SAMPLE, target)
    return str(target)


def fill(memory: Memory, openie: str, notes: str) -> dict:
    a = memory.ingest([openie], format="openie", limit=N_DOCS)
    b = memory.ingest([notes], extractor="spacy")
    assert a.ok and b.ok
    return memory.stats().as_dict()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, embedder, openie, notes):
    path = tmp_path_factory.mktemp("musique") / "m.db"
    memory = Memory(Settings(store=f"sqlite:///{path}"), embedder=embedder)
    stats = fill(memory, openie, notes)
    yield memory, stats
    memory.close()


def test_counts_are_reported_and_stable(embedded, openie, notes):
    memory, stats = embedded
    assert stats["documents"] == N_DOCS + 4
    assert stats["passages"] >= N_DOCS + 4 and stats["entities"] > 1000 and stats["facts"] > 1000
    assert stats["edges"] > stats["facts"] * 3
    assert fill(memory, openie, notes) == stats  # everything again: nothing changes


def test_delete_then_reingest_restores_exact_counts(embedded, openie, notes):
    memory, stats = embedded
    doc = next(d for d in memory.documents() if d.title == "Journal of Mathematical Physics")
    assert memory.delete(doc.id)
    after = memory.stats().as_dict()
    assert after["documents"] == stats["documents"] - 1 and after["facts"] < stats["facts"]
    assert fill(memory, openie, notes) == stats


def test_binary_and_empty_files_change_no_count(embedded, tmp_path):
    memory, stats = embedded
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200))
    (tmp_path / "empty.txt").write_bytes(b"")
    report = memory.ingest([str(tmp_path)])
    assert sorted(p.reason.split(" ")[0] for p in report.problems) == ["binary", "empty"]
    assert memory.stats().as_dict() == stats


@pytest.mark.neo4j
def test_bolt_store_matches_embedded_store(embedded, bolt_server, embedder, openie, notes, datasets):
    memory, stats = embedded
    bolt = Memory(Settings(store=bolt_server.uri), store=bolt_server.fresh_store(), embedder=embedder)
    try:
        assert fill(bolt, openie, notes) == stats
        items = json.loads((datasets / "musique_dev100.json").read_text())[:10]
        for item in items:
            ours = [p.id for p in memory.retrieve(item["question"], top_k=5).passages]
            theirs = [p.id for p in bolt.retrieve(item["question"], top_k=5).passages]
            assert ours == theirs, item["question"]
    finally:
        bolt.close()


def test_answer_cites_the_returned_passages(embedded):
    memory, _ = embedded
    answer = memory.answer("Who is the current editor of the Journal of Mathematical Physics?")
    assert not answer.abstained and "Solovej" in answer.answer
    assert answer.citations and set(answer.citations) <= {p.id for p in answer.passages}
    assert answer.passages[0].title == "Journal of Mathematical Physics"
