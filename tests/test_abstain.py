"""The extractive reader's abstention: evidence measures and the calibrated support model."""

from __future__ import annotations

import dataclasses

from hippograph.retrieve.abstain import CALIBRATED, Evidence, evidence_of, question_terms
from hippograph.retrieve.answer import extractive_answer
from hippograph.retrieve.results import LinkedFact, RetrievalResult, RetrievedUnit


def turn(n: int, speaker: str, text: str, cosine: float) -> RetrievedUnit:
    return RetrievedUnit(f"e{n}", "episode", "", text, 1.0 - n / 10, "d", speaker=speaker, cosine=cosine)


def fact(subject: str, predicate: str, obj: str, cosine: float) -> LinkedFact:
    return LinkedFact(f"f-{obj}", subject, predicate, obj, f"{subject} {predicate} {obj}", 1.0, cosine=cosine)


def test_possessives_and_month_names_are_not_missing_names():
    result = RetrievalResult("When did Melanie's daughter go camping in June?", "hippo")
    names, words = question_terms(result)
    assert names == ["melanie"] and "june" not in words and "camping" in words


def test_a_name_no_evidence_mentions_abstains_whatever_else_matches():
    result = RetrievalResult(
        "Where does Olivia Brandt live?",
        "hippo",
        [RetrievedUnit("p1", "passage", "Lena", "Lena Fischer lives in Vienna.", 1.0, "d", cosine=0.9)],
        [fact("lena fischer", "live in", "vienna", 0.9)],
    )
    evidence = evidence_of(result)
    assert evidence.missing_names == ("olivia", "brandt")
    assert CALIBRATED.abstains(evidence) and extractive_answer(result).abstained


def test_support_rises_with_coverage_and_fact_match_and_unknown_cosines_are_neutral():
    low = Evidence((), 0.0, 0.4, 0.4)
    assert CALIBRATED.support(low) < CALIBRATED.support(dataclasses.replace(low, coverage=1.0))
    assert CALIBRATED.support(low) < CALIBRATED.support(dataclasses.replace(low, fact_cosine=0.9))
    unknown = Evidence((), 0.5, None, None)
    imputed = Evidence((), 0.5, CALIBRATED.means[1], CALIBRATED.means[2])
    assert CALIBRATED.support(unknown) == CALIBRATED.support(imputed)
    assert 0.0 < CALIBRATED.threshold < 1.0


def test_a_paraphrased_chat_question_is_answered_and_an_unasked_attribute_abstains():
    # Two content words of the question ("path", "decided") appear nowhere: the old lexical
    # rule abstained; the evidence still matches well (a close fact, most words covered).
    chat = RetrievalResult(
        "What career path has Caroline decided to pursue?",
        "hippo",
        [turn(1, "Caroline", "I want to pursue a career in counseling, it is my calling.", 0.72)],
        [fact("caroline", "pursue", "career in counseling", 0.81)],
    )
    answer = extractive_answer(chat)
    assert not answer.abstained and "counseling" in answer.answer
    # The person is known, what is asked about is not: nothing covers "phone number".
    absent = RetrievalResult(
        "What is Priya Shah's phone number?",
        "hippo",
        [RetrievedUnit("p1", "passage", "Priya", "Priya Shah left SAP and joined Stripe.", 1.0, "d", cosine=0.42)],
        [fact("priya shah", "join", "stripe", 0.42)],
    )
    assert not evidence_of(absent).missing_names and evidence_of(absent).coverage == 0.0
    assert extractive_answer(absent).abstained
    # The threshold is the caller's to move: 0 abstains only on missing names.
    assert not extractive_answer(absent, abstain_below=0.0).abstained
