"""Query clue (MemoRAG): a fake chat model's draft answer links facts the question alone misses."""

from __future__ import annotations

import pytest
from killharness import TrigramEmbedder
from langchain_core.language_models import FakeListChatModel

from hippograph import Memory, Settings
from hippograph.retrieve.clue import draft_answer

LIGHTHOUSE = "The old lighthouse stands on the northern cliff."
NEMO = "Captain Nemo commands the submarine Nautilus."
QUESTION = "Where does the old lighthouse stand?"


def memory_at(path, llm, **retrieval) -> Memory:
    settings = Settings(store=f"sqlite:///{path}", extractor="spacy").with_retrieval(
        link_top_k=1, use_filter=False, **retrieval
    )
    memory = Memory(settings, embedder=TrigramEmbedder(), llm=llm)
    return memory


@pytest.fixture
def path(tmp_path):
    with memory_at(tmp_path / "m.db", None) as memory:
        memory.add_text(LIGHTHOUSE, source="notes/lighthouse")
        memory.add_text(NEMO, source="notes/nemo")
    return tmp_path / "m.db"


def test_the_draft_answer_links_a_fact_the_question_misses(path):
    # Two replies: the fake cycles back to 0 after its last, and ``i`` counts the calls made.
    llm = FakeListChatModel(responses=["Captain Nemo commands the Nautilus.", "unused"])
    with memory_at(path, llm, query_clue=True) as memory:
        result = memory.retrieve(QUESTION, top_k=2)
        subjects = [f.subject for f in result.facts]
        assert subjects[0] == "old lighthouse" and any("nemo" in s for s in subjects)
        assert llm.i == 1  # one draft answer per question
    off = FakeListChatModel(responses=["Captain Nemo commands the Nautilus.", "unused"])
    with memory_at(path, off) as memory:  # default: no clue, no call
        assert [f.subject for f in memory.retrieve(QUESTION, top_k=2).facts] == ["old lighthouse"]
        assert off.i == 0


def test_a_failing_or_silent_model_leaves_the_question_links(path):
    class Broken:
        def invoke(self, prompt):
            raise RuntimeError("model down")

    assert draft_answer(Broken(), QUESTION) == ""
    with memory_at(path, FakeListChatModel(responses=[""]), query_clue=True) as memory:
        assert [f.subject for f in memory.retrieve(QUESTION, top_k=2).facts] == ["old lighthouse"]
