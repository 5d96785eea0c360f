"""Typed results of retrieval (defined in ``hippograph.records``, the lowest layer)."""

from ..records import LinkedFact, RetrievalResult, RetrievedUnit

__all__ = ["LinkedFact", "RetrievalResult", "RetrievedUnit"]
