"""Copy a whole store into another (SQLite <-> Neo4j), vectors included: no re-extraction, no re-embedding.

Every namespace is copied document by document (each document one transaction in the target,
as ingestion writes it), in the order the documents were ingested, so a fact that superseded
another arrives after it, as it did the first time. Synonym edges follow once all entities are in.
Documents the target already holds with the same content hash are skipped: an interrupted copy
resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..graph.store import GraphStore

Progress = Callable[[str, int, int], None]  # (namespace, done, total)


@dataclass
class TransferReport:
    """What a copy did, per namespace: documents copied and skipped, synonym edges added."""

    copied: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    synonyms: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "namespaces": sorted(self.copied),
            "copied": self.copied,
            "skipped": self.skipped,
            "synonyms_added": self.synonyms,
        }


def copy_namespace(
    source: GraphStore, target: GraphStore, report: TransferReport, progress: Progress | None = None
) -> None:
    """Copy ``source``'s namespace into ``target`` (both views bound to the same namespace)."""
    namespace = source.namespace
    present = target.document_hashes()
    documents = sorted(source.documents(), key=lambda d: (d.ingested_at, d.id))
    copied = skipped = 0
    entities: set[str] = set()
    for n, info in enumerate(documents, 1):
        if present.get(info.id) == info.content_hash:
            skipped += 1
        else:
            batch = source.export_document(info.id)
            if batch is None:  # deleted while we copied
                continue
            target.write_document(batch)
            entities.update(e.id for e in batch.entities)
            copied += 1
        if progress:
            progress(namespace, n, len(documents))
    edges = source.synonym_edges()
    # Entities the copy wrote are marked pending synonyms: the source's edges resolve them.
    resolved = sorted(entities & set(target.pending_synonym_entities()))
    report.synonyms[namespace] = target.add_synonyms(edges, resolved=resolved)
    report.copied[namespace], report.skipped[namespace] = copied, skipped


def transfer(
    source: GraphStore, target: GraphStore, namespaces: list[str] | None = None, progress: Progress | None = None
) -> TransferReport:
    """Copy every namespace of ``source`` (or those named) into ``target``."""
    if source.uri == target.uri:
        raise ConfigError(f"export target {target.uri} is the source store itself: name another store")
    report = TransferReport()
    for namespace in namespaces or source.namespaces():
        copy_namespace(source.in_namespace(namespace), target.in_namespace(namespace), report, progress)
    return report
