"""BM25 over unit texts: tokens, scores, and in-place updates."""

from __future__ import annotations

import math

import numpy as np

from hippograph.retrieve.lexical import LexicalIndex, tokenize


def scores(index: LexicalIndex, query: str, ids: list[str]) -> dict[str, float]:
    position = {i: n for n, i in enumerate(ids)}
    out = index.scores(query, position, len(ids))
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
    assert live.postings == fresh.postings
    assert live.lengths == fresh.lengths
    assert scores(live, "blue wolf", ["a", "c", "d"]) == scores(fresh, "blue wolf", ["a", "c", "d"])
    assert "fox" not in live.postings  # no empty posting lists linger
