"""BEAM reader on a tiny hand-written BEAM-format chat (the real BEAM data is never committed)."""

from __future__ import annotations

import sys
from pathlib import Path

from hippograph import Memory, Settings
from hippograph.extract.beam import parse_beam_date, read_beam_chat
from hippograph.extract.readers import Problem, read_sources

FIXTURE = Path(__file__).parent / "fixtures" / "beam" / "chats" / "100K" / "1"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


def test_dates_parse_and_refuse_garbage():
    assert parse_beam_date("March-15-2024") == "2024-03-15T00:00:00+00:00"
    assert parse_beam_date("Sep-01-2023") == "2023-09-01T00:00:00+00:00"
    assert parse_beam_date("15/03/2024") is None
    assert parse_beam_date(None) is None


def test_batches_become_dated_documents_and_long_messages_are_chunked():
    docs = list(read_beam_chat(FIXTURE))
    assert [d.metadata["batch"] for d in docs] == [1, 2]
    first, second = docs
    # The date on the batch's first message applies to every turn of the batch.
    assert {t.occurred_at for t in first.turns} == {"2024-03-15T00:00:00+00:00"}
    assert {t.occurred_at for t in second.turns} == {"2024-05-02T00:00:00+00:00"}
    ids = [t.source_id for t in first.turns]
    # The 4.8k-character answer (message 1) is split; every chunk names its message.
    assert ids.count("100K/1/1") >= 4
    assert all(len(t.text) <= 1200 for t in first.turns if t.source_id == "100K/1/1")
    assert ids[0] == "100K/1/0" and ids[-1] == "100K/1/3"
    assert [t.speaker for t in second.turns] == ["user", "assistant"]


def test_format_beam_reads_a_chat_folder_and_refuses_a_folder_without_chat_json(tmp_path):
    docs = list(read_sources([str(FIXTURE)], "beam"))
    assert len(docs) == 2 and all(d.format == "beam" for d in docs)
    (problem,) = list(read_sources([str(tmp_path)], "beam"))
    assert isinstance(problem, Problem) and "chat.json" in problem.reason


def test_questions_union_evidence_and_skip_abstention():
    from beam import evidence_ids, read_questions

    assert evidence_ids({"first_event": [7, 3], "second_event": [3, 9]}) == [3, 7, 9]
    assert evidence_ids([5, 2]) == [2, 5]
    questions = {q["kind"]: q for q in read_questions(FIXTURE)}
    assert set(questions) == {"information_extraction", "knowledge_update"}
    assert questions["information_extraction"]["gold"] == {"100K/1/2", "100K/1/3"}
    update = questions["knowledge_update"]
    assert update["gold"] == {"100K/1/0", "100K/1/4"}
    assert update["original"] == {"100K/1/0"} and update["updated"] == {"100K/1/4"}


def test_chunks_are_episodes_that_map_back_to_their_message(tmp_path, embedder):
    memory = Memory(Settings(store=f"sqlite:///{tmp_path / 'b.db'}"), embedder=embedder)
    report = memory.ingest([str(FIXTURE)], format="beam", extractor="none")
    assert report.ok
    hits = memory.retrieve("Which cache should I use for CI builds?", top_k=5, mode="dense").passages
    assert hits[0].source_id in {"100K/1/2", "100K/1/3"}
    assert all(h.kind == "episode" and h.source_id.startswith("100K/1/") for h in hits)
    memory.close()
