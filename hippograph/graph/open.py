"""Open a store by URI (the one place that knows every implementation)."""

from __future__ import annotations

import re

from ..errors import ConfigError
from ..ids import DEFAULT_NAMESPACE, check_namespace
from .store import GraphStore

BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def redact_uri(uri: str) -> str:
    """``uri`` with any password in it replaced by ``***`` (safe to print)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):[^/@]*@", r"\1:***@", uri)


def sqlite_path(uri: str) -> str | None:
    """The file of a SQLite store URI (or plain path); None for a Bolt URI; ``ConfigError`` for
    any other scheme or a malformed URI (checked before anything is created)."""
    match = _SCHEME.match(uri)
    scheme = match.group(1).lower() if match else None
    if scheme in BOLT_SCHEMES:
        return None
    if scheme not in (None, "sqlite"):
        raise ConfigError(
            f"store URI {redact_uri(uri)!r}: unknown scheme {scheme!r}; use sqlite:///path.db, "
            f"or one of {', '.join(s + '://' for s in BOLT_SCHEMES)}"
        )
    if scheme == "sqlite" and not uri.startswith("sqlite:///"):
        raise ConfigError(
            f"store URI {redact_uri(uri)!r}: use sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    path = uri[len("sqlite:///") :] if scheme == "sqlite" else uri
    if not path.strip():
        raise ConfigError("store URI is empty: use sqlite:///path.db or bolt://host:7687")
    return path


def open_store(uri: str, namespace: str = DEFAULT_NAMESPACE) -> GraphStore:
    """Open a store by URI, bound to ``namespace``: ``sqlite:///path.db`` (or a plain path) or
    ``bolt://``/``neo4j://`` (credentials from ``NEO4J_USER``/``NEO4J_PASSWORD``/``NEO4J_DATABASE``)."""
    check_namespace(namespace)
    path = sqlite_path(uri)
    if path is None:
        from .neo4j_store import Neo4jStore

        return Neo4jStore.from_uri(uri).in_namespace(namespace)
    from .sqlite_store import SQLiteStore

    return SQLiteStore(path).in_namespace(namespace)
