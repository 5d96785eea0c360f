"""Ingestion: idempotency, replacement, delete cascade, bad input (embedded store, real models)."""

from __future__ import annotations

import json

import pytest

from hippograph.extract.readers import Problem, read_sources


def counts(memory) -> dict:
    return memory.stats().as_dict()


def test_ingest_is_idempotent(memory, sample_dir):
    first = memory.ingest([str(sample_dir)])
    assert first.ok and len(first.added) == 4
    before = counts(memory)
    assert before["documents"] == 4 and before["facts"] > 10 and before["entities"] > 10
    again = memory.ingest([str(sample_dir)])
    assert again.added == [] and again.updated == [] and len(again.unchanged) == 4
    assert counts(memory) == before


def test_changed_file_replaces_its_old_version(memory, sample_dir):
    memory.ingest([str(sample_dir)])
    before = counts(memory)
    note = sample_dir / "warsaw.txt"
    note.write_text("Krakow is a city in southern Poland. Krakow lies on the Vistula River.\n")
    report = memory.ingest([str(sample_dir)])
    assert len(report.updated) == 1 and len(report.unchanged) == 3
    after = counts(memory)
    assert after["documents"] == before["documents"]
    texts = [p.text for p in memory.store.passages(memory.store.vectors("passage")[0])]
    assert any("Krakow" in t for t in texts)
    assert not any("capital and largest city of Poland" in t for t in texts)
    assert "krakow" in memory.store.existing_ids("entity", ["krakow", "warsaw"])


def test_delete_then_reingest_restores_counts(memory, sample_dir):
    memory.ingest([str(sample_dir)])
    before = counts(memory)
    doc = next(d for d in memory.documents() if d.source.endswith("pierre_curie.md"))
    assert memory.delete(doc.id)
    reduced = counts(memory)
    assert reduced["documents"] == before["documents"] - 1
    assert reduced["facts"] < before["facts"]
    # Nothing orphaned: every remaining fact is supported, every entity referenced.
    supported = memory.store.fact_units()
    assert set(supported) == set(memory.store.vectors("fact")[0])
    assert memory.delete(doc.id) is False
    memory.ingest([str(sample_dir)])
    assert counts(memory) == before


def test_bad_inputs_are_reported_and_change_nothing(memory, sample_dir, tmp_path):
    memory.ingest([str(sample_dir)])
    before = counts(memory)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (bad / "empty.txt").write_text("   \n")
    (bad / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (bad / "shape.json").write_text(json.dumps({"unexpected": True}))
    (bad / "broken.json").write_text("{not json")
    report = memory.ingest([str(bad), str(tmp_path / "missing.txt")])
    reasons = {p.source.rsplit("/", 1)[-1]: p.reason for p in report.problems}
    assert "binary" in reasons["image.png"]
    assert "empty" in reasons["empty.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "unknown shape" in reasons["shape.json"]
    assert "invalid JSON" in reasons["broken.json"]
    assert "no such file" in reasons["missing.txt"]
    assert not report.ok and report.added == []
    assert counts(memory) == before


def test_good_files_land_beside_bad_ones(memory, sample_dir):
    (sample_dir / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    report = memory.ingest([str(sample_dir)])
    assert len(report.added) == 4 and len(report.problems) == 1
    assert counts(memory)["documents"] == 4


def test_openie_import_skips_malformed_triples(memory, tmp_path):
    payload = {
        "docs": [
            {
                "title": "Alpha",
                "text": "Alpha founded Beta in 1990.",
                "extracted_entities": ["Alpha", "Beta"],
                "extracted_triples": [["Alpha", "founded", "Beta"], ["Alpha", "founded"], ["", "x", "y"], "junk"],
            },
            {
                "title": "Gamma",
                "passage": "Gamma\nGamma is owned by Beta.",
                "extracted_triples": [["Gamma", "owned by", "Beta"]],
            },
            {"title": "NoText"},
        ]
    }
    path = tmp_path / "openie.json"
    path.write_text(json.dumps(payload))
    report = memory.ingest([str(path)], format="openie")
    assert len(report.added) == 2 and report.skipped_triples == 3
    assert [p.reason.split(" (")[0] for p in report.problems] == ["openie record needs a string 'passage' or 'text'"]
    stats = counts(memory)
    assert stats["facts"] == 2 and stats["entities"] == 3
    assert memory.ingest([str(path)], format="openie").added == []


def test_corpus_and_jsonl_readers(tmp_path):
    corpus = tmp_path / "c.json"
    corpus.write_text(json.dumps([{"title": "T", "text": "Body."}, {"title": "T", "text": "Other."}, {"x": 1}]))
    items = list(read_sources([str(corpus)]))
    docs = [i for i in items if not isinstance(i, Problem)]
    assert [d.passages for d in docs] == [["T\nBody."], ["T\nOther."]]
    assert docs[0].source != docs[1].source  # duplicate titles stay distinct documents
    assert isinstance(items[2], Problem) and "[2]" in items[2].source
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "title": "A", "text": "First."}\n{"bad json\n{"id": "b", "text": "Second."}\n')
    items = list(read_sources([str(feed)]))
    assert [i.text for i in items if not isinstance(i, Problem)] == ["First.", "Second."]
    assert any(isinstance(i, Problem) and i.source.endswith(":2") for i in items)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        list(read_sources(["x"], "pdf"))


def test_stored_vectors_embed_the_stored_names(memory, tmp_path, embedder):
    # The same entity under different surface forms in different documents of one batch.
    for i, form in enumerate(["in (2010", "in 2010", "In 2010,"]):
        (tmp_path / f"d{i}.txt").write_text(f"Document {i} reports that Acme opened a plant {form} near Oslo.\n")
    memory.ingest([str(tmp_path)])
    ids, vectors = memory.store.vectors("entity")
    names = dict(memory.store._query("SELECT id, name FROM entities"))
    expected = embedder.encode([names[i] for i in ids])
    assert (abs((vectors * expected).sum(axis=1) - 1) < 1e-4).all()


def test_glob_patterns_are_expanded(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.md").write_text("# One\n\nFirst note.\n")
    (tmp_path / "two.txt").write_text("Second note.\n")
    items = list(read_sources([str(tmp_path / "**" / "*.md"), str(tmp_path / "*.nothing")]))
    assert [i.title for i in items if not isinstance(i, Problem)] == ["One"]
    assert any(isinstance(i, Problem) and "matched no files" in i.reason for i in items)
