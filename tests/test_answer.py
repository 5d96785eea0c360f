"""Answers with citations: LLM reader (fake chat models), extractive reader, abstention."""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from hippograph.retrieve.answer import ABSTAIN, answer_question, extractive_answer, parse_citations
from hippograph.retrieve.qa_metrics import exact_match, normalize_answer, token_f1
from hippograph.retrieve.results import LinkedFact, RetrievalResult, RetrievedUnit


def units(*texts):
    return [
        RetrievedUnit(f"p{i}", "passage", t.split("\n")[0] if "\n" in t else "", t, 1.0 - i / 10, "d")
        for i, t in enumerate(texts, 1)
    ]


@pytest.fixture
def retrieved():
    return RetrievalResult(
        "Where was Pierre Curie born?",
        "hippo",
        units(
            "Marie Curie\nMarie Curie was born in Warsaw.",
            "Pierre Curie\nPierre Curie was a French physicist. He was born in Paris in 1859.",
            "Warsaw\nWarsaw is the capital of Poland.",
        ),
    )


def test_parse_citations_maps_numbers_to_ids(retrieved):
    ps = retrieved.passages
    assert parse_citations("Paris [2]. See also [1, 3] and [2].", ps) == ["p2", "p1", "p3"]
    assert parse_citations("Out of range [4] [0] and none", ps) == []


def test_llm_answer_with_citations(retrieved):
    llm = FakeListChatModel(responses=["Pierre Curie was born in Paris [2]."])
    answer = answer_question(retrieved, llm)
    assert answer.answer.startswith("Pierre Curie was born in Paris")
    assert answer.citations == ["p2"] and not answer.abstained and answer.reader == "llm"
    assert set(answer.citations) <= {p.id for p in answer.passages}


@pytest.mark.parametrize("reply", ["INSUFFICIENT INFORMATION", "He was born in Paris.", "", "I don't know [1]"])
def test_llm_answer_without_support_abstains(retrieved, reply):
    answer = answer_question(retrieved, FakeListChatModel(responses=[reply]))
    assert answer.abstained and answer.answer == ABSTAIN and answer.citations == []


def test_extractive_reader_cites_the_best_sentence(retrieved):
    answer = extractive_answer(retrieved)
    assert "Paris" in answer.answer and answer.citations == ["p2"] and answer.reader == "extractive"
    assert "[2]" in answer.answer


def test_extractive_reader_abstains_on_no_overlap():
    result = RetrievalResult("Quantum chromodynamics coupling constant?", "hippo", units("Cats purr softly."))
    assert extractive_answer(result).abstained


def test_extractive_reader_uses_linked_facts():
    result = RetrievalResult(
        "Who founded it?",
        "hippo",
        units("Acme\nAcme makes anvils. Wile Coyote founded Acme."),
        [LinkedFact("f", "wile coyote", "founded", "acme", "Wile Coyote founded Acme", 1.0)],
    )
    assert "Wile Coyote" in extractive_answer(result).answer


def test_answer_json_shape(retrieved):
    data = json.loads(json.dumps(extractive_answer(retrieved).as_dict()))
    assert set(data) >= {"answer", "citations", "passages", "facts"}
    assert set(data["citations"]) <= {p["id"] for p in data["passages"]}


def test_squad_metrics():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert exact_match("the Paris", ["Paris", "City of Light"]) == 1.0
    assert token_f1("born in Paris France", ["Paris"]) == pytest.approx(0.4)
    assert token_f1("", ["Paris"]) == 0.0
