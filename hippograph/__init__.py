"""hippograph: graph-based long-term memory for LLM applications.

>>> from hippograph import Memory
>>> memory = Memory(store="sqlite:///memory.db")
>>> memory.ingest(["notes/"])
>>> memory.retrieve("Who discovered radium?", top_k=5).passages
"""

from .config import RetrievalSettings, Settings
from .errors import ConfigError, HippographError, InputError, ModelError, StoreError, StoreUnavailable
from .memory import Memory
from .pipelines.ingest import IngestReport
from .records import DocumentInfo, LinkedFact, RetrievalResult, RetrievedUnit, StoreStats
from .retrieve.answer import Answer

__all__ = [
    "Answer",
    "ConfigError",
    "DocumentInfo",
    "HippographError",
    "IngestReport",
    "InputError",
    "LinkedFact",
    "Memory",
    "ModelError",
    "RetrievalResult",
    "RetrievalSettings",
    "RetrievedUnit",
    "Settings",
    "StoreError",
    "StoreStats",
    "StoreUnavailable",
]
__version__ = "0.1.0"
