"""hippograph: graph-based long-term memory for LLM applications.

>>> from hippograph import Memory
>>> memory = Memory(store="sqlite:///memory.db")
>>> memory.ingest(["notes/"])
>>> memory.retrieve("Who discovered radium?", top_k=5).passages
"""

from .config import RetrievalSettings, Settings
from .memory import Memory
from .pipelines.ingest import IngestReport
from .records import DocumentInfo, StoreStats
from .retrieve.results import LinkedFact, RetrievalResult, RetrievedUnit

__all__ = [
    "DocumentInfo", "IngestReport", "LinkedFact", "Memory", "RetrievalResult", "RetrievalSettings",
    "RetrievedUnit", "Settings", "StoreStats",
]
__version__ = "0.1.0"
