"""BM25 over unit texts (tokens, scores, in-place updates) and the asker's-turns rule."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from hippograph.retrieve.lexical import LexicalIndex, tokenize
from hippograph.retrieve.ranking import asks_about_self, weigh_speakers

BEAM_FIXTURE = Path(__file__).parent / "fixtures" / "beam" / "chats" / "100K" / "1"


def scores(index: LexicalIndex, query: str, ids: list[str]) -> dict[str, float]:
    return scores_keep(index, query, ids, keep=10_000)


def scores_keep(index: LexicalIndex, query: str, ids: list[str], keep: int) -> dict[str, float]:
    position = {i: n for n, i in enumerate(ids)}
    out = index.scores(query, position, len(ids), keep=keep)
    return {i: float(out[n]) for i, n in position.items()}


def test_tokens_keep_identifiers_and_drop_stop_words():
    assert tokenize("The fix for ERR_42 is in v2.1.3 of O'Brien's gpt-4 tool") == [
        "fix",
        "err",
        "42",
        "v2.1.3",
        "o'brien's",
        "gpt-4",
        "tool",
    ]


def test_rare_exact_terms_outrank_common_ones():
    index = LexicalIndex()
    texts = {
        "a": "we deploy the api on friday",
        "b": "the api returns error 503 when the cache is cold",
        "c": "the api is slow",
        "d": "lunch on friday",
    }
    index.add(texts)
    got = scores(index, "why does the api give error 503?", list(texts))
    assert max(got, key=got.get) == "b"
    assert got["d"] == 0.0  # shares no term with the question
    assert got["a"] > 0 and got["c"] > got["a"]  # same one term, the shorter text scores higher


def test_scores_follow_the_okapi_formula():
    index = LexicalIndex(k1=1.2, b=0.75)
    index.add({"x": "alpha beta beta", "y": "gamma"})
    n, df, tf, length, average = 2, 1, 2, 3, 2.0
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * length / average))
    assert np.isclose(scores(index, "beta", ["x", "y"])["x"], expected)


def test_add_and_remove_leave_the_index_as_if_built_fresh():
    live = LexicalIndex()
    live.add({"a": "red fox", "b": "blue fox", "c": "green frog"})
    live.remove(["b", "missing"])
    live.add({"a": "red wolf", "d": "blue whale"})  # "a" re-indexed under its new text
    fresh = LexicalIndex()
    fresh.add({"a": "red wolf", "c": "green frog", "d": "blue whale"})
    for term in ("red", "fox", "wolf", "blue", "whale", "green", "frog"):
        assert live.postings(term) == fresh.postings(term)
    assert {u: live.length(u) for u in live.slot} == {u: fresh.length(u) for u in fresh.slot}
    assert scores(live, "blue wolf", ["a", "c", "d"]) == scores(fresh, "blue wolf", ["a", "c", "d"])
    assert live.postings("fox") == {}  # removed units hold no live postings


def test_dead_postings_are_compacted_and_scores_stay_those_of_a_fresh_index():
    live, fresh = LexicalIndex(), LexicalIndex()
    texts = {f"u{i}": f"common word{i % 7} item{i}" for i in range(3000)}
    live.add(texts)
    live.remove([f"u{i}" for i in range(2500)])  # more than half the postings die: compaction
    kept = {u: t for u, t in texts.items() if int(u[1:]) >= 2500}
    fresh.add(kept)
    assert live._dead_postings == 0 and live._postings == fresh._postings
    ids = sorted(kept)
    assert scores(live, "common word3 item2999", ids) == pytest.approx(scores(fresh, "common word3 item2999", ids))
    live.add({"new": "word3 word3"})  # slots keep working after the renumbering
    assert live.postings("word3")["new"] == 2


def test_only_the_best_units_are_scored_into_the_callers_positions():
    index = LexicalIndex()
    index.add({f"u{i}": "shared " + "rare " * (i % 3) for i in range(50)})
    ids = [f"u{i}" for i in range(50)]
    top = scores_keep(index, "shared rare", ids, keep=5)
    full = scores(index, "shared rare", ids)
    best = max(full.values())
    kept = {u for u, v in top.items() if v > 0}
    assert len(kept) == 5 and all(full[u] == best for u in kept)  # 16 units tie for the best score
    assert all(top[u] == full[u] for u in kept)


def test_first_person_questions_are_recognised():
    assert asks_about_self("When is my deadline?")
    assert asks_about_self("What did I'm-sure... I'd said about sccache")
    assert asks_about_self("Which cache should I use?")
    assert not asks_about_self("Where did Caroline move in 2022?")
    assert not asks_about_self("Who directed Inception?")


def test_assistant_scores_are_scaled_and_the_ranking_resorted():
    ranked = [("a1", 0.9), ("u1", 0.6), ("a2", -0.2), ("u2", -0.3)]
    speakers = {"a1": "assistant", "a2": "Assistant", "u1": "user", "u2": "user"}
    out = weigh_speakers(ranked, speakers, ("assistant",), 0.5)
    assert out == [("u1", 0.6), ("a1", 0.45), ("u2", -0.3), ("a2", -0.30000000000000004)]
    assert weigh_speakers(ranked, speakers, ("assistant",), 1.0) == ranked  # weight 1: unchanged


def test_a_first_person_question_finds_the_users_own_turn(tmp_path, embedder):
    """The assistant's reply restates the user's deadline; the user's own update is the evidence."""
    from hippograph import Memory, RetrievalSettings, Settings

    memory = Memory(Settings(store=f"sqlite:///{tmp_path / 'chat.db'}"), embedder=embedder)
    memory.ingest([str(BEAM_FIXTURE)], format="beam", extractor="none")
    question = "What is my new sprint deadline?"
    plain = memory.retriever.retrieve(question, top_k=3, settings=RetrievalSettings(assistant_weight=1.0))
    asker = memory.retrieve(question, top_k=3)
    assert plain.passages[0].speaker == "assistant"  # "Noted: April 24 is the new sprint deadline."
    assert asker.passages[0].source_id == "100K/1/4" and asker.passages[0].speaker == "user"
    assert memory.retrieve(question, top_k=3, mode="dense").passages[0].speaker == "assistant"  # dense unchanged
    memory.close()


def test_bm25_finds_an_exact_identifier_through_the_store(tmp_path, embedder):
    """The lexical index is read from the store on first use and follows later writes."""
    from hippograph import Memory, Settings

    memory = Memory(Settings(store=f"sqlite:///{tmp_path / 'notes.db'}"), embedder=embedder)
    memory.ingest([str(BEAM_FIXTURE)], format="beam", extractor="none")
    index = memory.retriever.indexes.get()
    bm25 = index.lexical_index(memory.store)
    assert {index.unit_kind[u] for u in bm25.postings("sccache")} == {"episode"}
    (hit,) = list(bm25.postings("sccache"))
    assert memory.store.episodes([hit])[0].source_id == "100K/1/3"
    memory.delete(memory.store.episodes([hit])[0].document_id)
    refreshed = memory.retriever.indexes.get()
    assert refreshed.lexical is bm25 and bm25.postings("sccache") == {}  # kept current, not rebuilt
    memory.close()
