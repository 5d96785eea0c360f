"""The hippograph memory server: HTTP API (FastAPI) and MCP over one warm ``MemoryService``.

``hippograph serve`` / ``hippograph mcp`` start it; ``MemoryClient`` talks to it.
"""

from .auth import TokenPolicy
from .service import DEFAULT_NAMESPACE, MemoryService

__all__ = ["DEFAULT_NAMESPACE", "MemoryService", "TokenPolicy"]
