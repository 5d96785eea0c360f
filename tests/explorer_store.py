"""Test helper: the explorer's small fixture store, built from the committed notes in
tests/fixtures/explorer (namespace ``default`` and ``other``)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "explorer"
HOSTILE = "<img src=x onerror=alert(1)>"


def build_store(path: Path, embedder) -> str:
    """Ingest the fixture notes into a new SQLite store at ``path``; returns its URI."""
    from hippograph import Memory, Settings

    uri = f"sqlite:///{path}"
    memory = Memory(Settings(store=uri), embedder=embedder)
    try:
        for namespace in ("default", "other"):
            target = memory if namespace == "default" else memory.in_namespace(namespace)
            files = sorted(str(p) for p in (FIXTURE / namespace).iterdir())
            report = target.ingest(files)
            if not report.ok:
                raise RuntimeError(f"fixture store: {report.problems}")
    finally:
        memory.close()
    return uri


@pytest.fixture(scope="session")
def fixture_uri(tmp_path_factory, embedder) -> str:
    """The fixture store, built once per test session (tests copy it before changing it)."""
    return build_store(tmp_path_factory.mktemp("explorer") / "explorer.db", embedder)


@pytest.fixture
def service(fixture_uri, tmp_path, embedder):
    """A warm ``MemoryService`` on a copy of the fixture store (some tests delete documents).

    The explorer tests are about the graph drawing: the dense fallback on weak links, which fires
    on this tiny store's short notes (tests/test_retrieval.py covers it), stays off here."""
    import shutil

    from hippograph import Settings
    from hippograph.server import MemoryService

    path = tmp_path / "copy.db"
    shutil.copy(fixture_uri.removeprefix("sqlite:///"), path)
    svc = MemoryService(Settings(store=f"sqlite:///{path}").with_retrieval(fallback_margin=None), embedder=embedder)
    svc.warm()
    yield svc
    svc.close()
