"""LLM extraction (two-step OpenIE) against fake chat models with valid and broken replies."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from hippograph.extract.llm_extractor import LLMExtractor, LLMOutputError, parse_json_reply
from hippograph.llm import load_chat_model

NER = '{"named_entities": ["Marie Curie", "Warsaw"]}'
TRIPLES = '```json\n{"triples": [["Marie Curie", "born in", "Warsaw"], ["Marie Curie", "born"], ["", "a", "b"]]}\n```'


def test_two_step_extraction_with_tolerant_parsing():
    extractor = LLMExtractor(FakeListChatModel(responses=[NER, TRIPLES]), concurrency=1)
    (result,) = extractor.extract(["Marie Curie was born in Warsaw."])
    assert result.entities == [("Marie Curie", ""), ("Warsaw", "")]
    assert result.triples == [("Marie Curie", "born in", "Warsaw")]
    assert result.skipped_triples == 2


def test_malformed_reply_is_retried_then_succeeds():
    llm = FakeListChatModel(responses=["Sure! Here you go: not json", NER, TRIPLES])
    (result,) = LLMExtractor(llm, retries=2, concurrency=1).extract(["Marie Curie was born in Warsaw."])
    assert result.triples == [("Marie Curie", "born in", "Warsaw")]


def test_persistently_broken_output_is_reported_not_fatal():
    llm = FakeListChatModel(responses=["{broken", "[]", '{"other": 1}'])
    extractor = LLMExtractor(llm, retries=2, concurrency=1)
    (result,) = extractor.extract(["Some passage."])
    assert result.triples == [] and result.entities == []
    assert len(extractor.failures) == 1 and "after 3 tries" in extractor.failures[0]


def test_parse_json_reply_errors():
    assert parse_json_reply('x {"triples": []} y', "triples") == []
    for text in ["", "no json here", '{"triples": "nope"}', "{bad json}"]:
        with pytest.raises(LLMOutputError):
            parse_json_reply(text, "triples")


def test_llm_extractor_through_the_pipeline(memory, tmp_path):
    from hippograph import Memory

    responses = [NER, '{"triples": [["Marie Curie", "born in", "Warsaw"]]}']
    memory = Memory(
        memory.settings, store=memory.store, embedder=memory.embedder, llm=FakeListChatModel(responses=responses)
    )
    note = tmp_path / "curie.txt"
    note.write_text("Marie Curie was born in Warsaw.")
    report = memory.ingest([str(note)], extractor="llm")
    assert report.ok and memory.stats().facts == 1
    assert memory.store.facts_about("marie curie")[0].object == "warsaw"


def test_load_chat_model_by_dotted_path():
    model = load_chat_model("langchain_core.language_models.fake_chat_models:FakeListChatModel", responses=["hello"])
    assert model.invoke("hi").content == "hello"
    with pytest.raises(ValueError, match="cannot load chat model"):
        load_chat_model("openai:gpt-4o-mini")  # the integration package is not installed here
    with pytest.raises(ValueError, match="does not exist"):
        load_chat_model("/nowhere/model.gguf")
