"""The embedder: packaged weights offline, and any sentence-transformers model path."""

from __future__ import annotations

import numpy as np

from hippograph.embedding import SentenceTransformerEmbedder, packaged_model_path


def test_packaged_model_gives_normalized_vectors(embedder):
    vectors = embedder.encode(
        ["Marie Curie discovered radium.", "Radium was discovered by Marie Curie.", "The stock market fell today."]
    )
    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    assert embedder.encode([]).shape == (0, embedder.dim)


def test_a_model_path_works_like_the_packaged_name(embedder):
    by_path = SentenceTransformerEmbedder(packaged_model_path())
    text = ["hippograph remembers facts"]
    assert np.allclose(by_path.encode(text), embedder.encode(text), atol=1e-5)
