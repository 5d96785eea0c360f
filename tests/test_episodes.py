"""Episodic and temporal memory: conversations, supersession, --as-of, neighbours."""

from __future__ import annotations

import json

import pytest

from hippograph.extract.conversations import parse_locomo_date
from hippograph.extract.readers import Problem, read_sources


def chat(path, turns):
    path.write_text("\n".join(json.dumps(t) for t in turns) + "\n")
    return path


MOVES = [
    {
        "speaker": "Alice",
        "text": "I live in Paris these days.",
        "timestamp": "2021-03-01T10:00:00Z",
        "conversation_id": "c1",
    },
    {
        "speaker": "Bob",
        "text": "Paris is lovely in spring.",
        "timestamp": "2021-03-01T10:01:00Z",
        "conversation_id": "c1",
    },
    {
        "speaker": "Alice",
        "text": "I moved to Berlin for a new job.",
        "timestamp": "2022-06-10T09:00:00Z",
        "conversation_id": "c1",
    },
    {
        "speaker": "Alice",
        "text": "I moved to Lisbon last month.",
        "timestamp": "2024-01-20T18:30:00Z",
        "conversation_id": "c1",
    },
]


def residence_facts(memory):
    facts = memory.store.facts_about("alice")
    return {f.object: f for f in facts if f.predicate in ("live in", "move to")}


def test_moving_twice_leaves_one_current_fact(memory, tmp_path):
    report = memory.ingest([str(chat(tmp_path / "chat.jsonl", MOVES))])
    assert report.ok and report.facts_superseded == 2
    facts = residence_facts(memory)
    assert set(facts) == {"paris", "berlin", "lisbon"}
    assert facts["lisbon"].invalid_at is None
    assert facts["paris"].valid_from.startswith("2021-03-01") and facts["paris"].invalid_at.startswith("2022-06-10")
    # "I moved to Lisbon last month", said on 2024-01-20: the move dates from December 2023.
    assert facts["berlin"].valid_from.startswith("2022-06-10") and facts["berlin"].invalid_at == "2023-12"
    assert facts["lisbon"].valid_from == "2023-12"
    assert memory.stats().edges_by_type["SUPERSEDED_BY"] == 2
    # Re-ingesting the same conversation changes nothing.
    before = memory.stats().as_dict()
    again = memory.ingest([str(tmp_path / "chat.jsonl")])
    assert again.added == [] and memory.stats().as_dict() == before


def test_queries_default_to_current_facts_and_as_of_goes_back(memory, tmp_path):
    memory.ingest([str(chat(tmp_path / "chat.jsonl", MOVES))])
    now = memory.retrieve("Where does Alice live?", top_k=3)
    assert any(f.object == "lisbon" for f in now.facts)
    assert not any(f.object in ("paris", "berlin") for f in now.facts)
    then = memory.retrieve("Where does Alice live?", top_k=3, as_of="2021-12-31")
    objects = {f.object for f in then.facts}
    assert "paris" in objects and "lisbon" not in objects and "berlin" not in objects


def test_retrieved_episodes_carry_source_ids_and_neighbours(memory, tmp_path):
    memory.ingest([str(chat(tmp_path / "chat.jsonl", MOVES))])
    result = memory.retrieve("Is Paris nice in spring?", top_k=1)
    hit = result.passages[0]
    assert hit.kind == "episode" and hit.source_id == "c1/2" and hit.speaker == "Bob"
    assert [c["source_id"] for c in hit.context] == ["c1/1", "c1/3"]
    assert hit.occurred_at.startswith("2021-03-01")
    assert memory.stats().edges_by_type["NEXT"] == 3


def test_malformed_turns_are_reported_and_skipped(memory, tmp_path):
    turns = MOVES[:2] + [
        {"speaker": "Alice", "timestamp": "2021-03-02T10:00:00Z", "conversation_id": "c1"},
        {"speaker": "Bob", "text": "When?", "conversation_id": "c1"},
    ]
    report = memory.ingest([str(chat(tmp_path / "chat.jsonl", turns))])
    reasons = sorted(p.reason.split(":")[0] for p in report.problems)
    assert reasons == ["chat turn has no 'text'", "chat turn has no valid 'timestamp' (ISO 8601 or UNIX seconds)"]
    assert memory.stats().episodes == 2


def test_locomo_reader(datasets):
    items = list(read_sources([str(datasets / "locomo_dev5.json")], "locomo"))
    docs = [i for i in items if not isinstance(i, Problem)]
    first = docs[0]
    assert first.title.endswith("session 1") and first.turns[0].source_id.endswith("/D1:1")
    assert first.turns[0].occurred_at == "2023-05-08T13:56:00+00:00"
    assert len({d.metadata["sample_id"] for d in docs}) == 5


@pytest.mark.parametrize(
    "text,iso",
    [
        ("1:56 pm on 8 May, 2023", "2023-05-08T13:56:00+00:00"),
        ("10:37 am on 27 June, 2023", "2023-06-27T10:37:00+00:00"),
        ("12:05 am on 1 January, 2024", "2024-01-01T00:05:00+00:00"),
        ("sometime", None),
    ],
)
def test_parse_locomo_date(text, iso):
    assert parse_locomo_date(text) == iso


def test_llm_judge_supersedes_facts_the_rules_do_not_know(tmp_path, embedder):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from hippograph import Memory, Settings

    turns = [
        {"speaker": "Alice", "text": "I support Arsenal.", "timestamp": "2020-01-01T00:00:00Z", "conversation_id": "c"},
        {"speaker": "Alice", "text": "I support Chelsea.", "timestamp": "2023-01-01T00:00:00Z", "conversation_id": "c"},
    ]
    llm = FakeListChatModel(responses=["[1]"])
    memory = Memory(Settings(store=f"sqlite:///{tmp_path / 'j.db'}", llm_judge=True), embedder=embedder, llm=llm)
    report = memory.ingest([str(chat(tmp_path / "c.jsonl", turns))])
    facts = {f.object: f for f in memory.store.facts_about("alice")}
    assert report.facts_superseded == 1
    assert facts["arsenal"].invalid_at.startswith("2023-01-01") and facts["chelsea"].invalid_at is None
    memory.close()


BUDGET = [
    {
        "speaker": "user",
        "text": "My monthly budget for books and subscriptions is $35.",
        "timestamp": "2024-01-05T10:00:00Z",
    },
    {
        "speaker": "assistant",
        "text": "Noted: a $35 monthly cap on books and subscriptions.",
        "timestamp": "2024-01-05T10:01:00Z",
    },
    {
        "speaker": "user",
        "text": "Can you recommend a science fiction series to start?",
        "timestamp": "2024-01-05T10:02:00Z",
    },
    {
        "speaker": "assistant",
        "text": "Try The Expanse, beginning with Leviathan Wakes.",
        "timestamp": "2024-01-05T10:03:00Z",
    },
    {
        "speaker": "user",
        "text": "I increased my monthly budget for books and subscriptions to $50 after the raise.",
        "timestamp": "2024-02-10T09:00:00Z",
    },
    {"speaker": "user", "text": "Which audiobook app has the best narrators?", "timestamp": "2024-02-10T09:05:00Z"},
]


def test_an_update_outranks_the_statement_it_updates_for_questions_about_now(memory, tmp_path):
    from dataclasses import replace

    memory.ingest([str(chat(tmp_path / "budget.jsonl", [t | {"conversation_id": "b"} for t in BUDGET]))])
    cfg = replace(memory.settings.retrieval, fallback_margin=None)

    def first(question: str, **changes) -> str:
        result = memory.retriever.retrieve(question, top_k=1, settings=replace(cfg, **changes))
        return result.passages[0].text

    question = "What is my monthly budget for books and subscriptions?"
    assert "$35" in first(question, later_first=0)  # the earlier statement matches best
    assert "$50" in first(question)  # the update moves ahead of it, even with top_k=1
    assert "$50" in first("What did I set as my monthly book budget most recently?")
    # A question in the past tense asks about the statement it names: nothing moves.
    assert first("What was my monthly budget for books and subscriptions in January?") == first(
        "What was my monthly budget for books and subscriptions in January?", later_first=0
    )
