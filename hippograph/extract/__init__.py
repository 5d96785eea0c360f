"""Chunking, readers and extractors (spaCy offline default, LLM, precomputed OpenIE)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConfigError
from .base import Extraction, Extractor, NoExtractor

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def get_extractor(name: str, llm: BaseChatModel | None = None) -> Extractor:
    """The extractor named ``spacy``, ``llm`` or ``none``."""
    if name == "spacy":
        from .spacy_extractor import SpacyExtractor

        return SpacyExtractor()
    if name == "none":
        return NoExtractor()
    if name == "llm":
        from .llm_extractor import LLMExtractor

        if llm is None:
            raise ConfigError("--extractor llm needs a chat model: set HIPPOGRAPH_LLM or pass --llm")
        return LLMExtractor(llm)
    raise ConfigError(f"unknown extractor {name!r}; expected spacy, llm or none")


__all__ = ["Extraction", "Extractor", "NoExtractor", "get_extractor"]
