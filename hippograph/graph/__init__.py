"""The graph layer: the store interface and its implementations, personalized PageRank."""

from .open import open_store, redact_uri
from .store import GraphStore, StoreAdmin, StoreReader, StoreWriter

__all__ = ["GraphStore", "StoreAdmin", "StoreReader", "StoreWriter", "open_store", "redact_uri"]
