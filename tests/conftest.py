"""Shared fixtures: the real packaged embedder (loaded once), temporary stores, sample notes."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The explorer's fixture store and a warm service on a copy of it (tests/explorer_store.py).
pytest_plugins = ["explorer_store"]
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# A fresh Prefect home per session: no cached task results or runs from earlier sessions.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="hippograph-prefect-")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from hippograph.config import data_dir

SAMPLE = Path(__file__).resolve().parent.parent / "hippograph" / "data" / "sample"


@pytest.fixture(scope="session")
def embedder():
    from hippograph.embedding import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def datasets() -> Path:
    folder = data_dir()
    if folder is None:
        pytest.skip("shared datasets not found (set HIPPOGRAPH_DATA)")
    return Path(folder)


@pytest.fixture
def sample_dir(tmp_path) -> Path:
    target = tmp_path / "notes"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def sqlite_store(tmp_path):
    from hippograph.graph.sqlite_store import SQLiteStore

    store = SQLiteStore(tmp_path / "store.db")
    yield store
    store.close()


@pytest.fixture
def memory(tmp_path, embedder):
    from hippograph import Memory, Settings

    m = Memory(Settings(store=f"sqlite:///{tmp_path / 'memory.db'}"), embedder=embedder)
    yield m
    m.close()


def pytest_generate_tests(metafunc):
    if "store" in metafunc.fixturenames:
        metafunc.parametrize("store", ["sqlite", "bolt"], indirect=True)


@pytest.fixture
def store(request, tmp_path):
    if request.param == "sqlite":
        from hippograph.graph.sqlite_store import SQLiteStore

        s = SQLiteStore(tmp_path / "contract.db")
    else:
        server = request.getfixturevalue("bolt_server")
        s = server.fresh_store()
    yield s
    s.close()


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory):
    """One real ArcadeDB Bolt server for the whole session, stopped by its process at the end."""
    pytest.importorskip("arcadedb_embedded", reason="dev extra not installed: pip install -e '.[dev]'")
    from bolt_server import BoltServer

    server = BoltServer(tmp_path_factory.mktemp("arcadedb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cypher_tools():
    """Neo4j's Cypher parser and Browser statement splitter (npm packages, installed once into a
    cache folder: tests/cypher_check.py). Skips only where Node.js is absent."""
    from cypher_check import CypherTools, ToolsMissing

    try:
        tools = CypherTools.install()
    except ToolsMissing as exc:
        pytest.skip(f"Cypher check skipped: {exc}")
    yield tools
    tools.close()


# -- the fast tier (`make test-fast`): tests that load no model, start no server and read no dataset --
HEAVY_FIXTURES = {"embedder", "bolt_server", "datasets", "prefect_harness", "cypher_tools"}
# Modules whose every test is heavy. Under `-m fast` they are not even imported (pytest_ignore_collect):
# importing them (FastAPI, Prefect, Playwright, langchain-tests...) was most of the fast run's time.
HEAVY_MODULES = {
    "test_bad_requests",
    "test_embedding",
    "test_langchain_standard",
    "test_musique",
    "test_neo4j_browser",
    "test_neo4j_store",
    "test_retrieval",
    "test_store_faults",
    "test_ui_api",
    "test_spacy_extractor",  # these three load the spaCy pipeline (a model) in every test
    "test_clue",
    "test_notes",
    "test_notebook",
    "test_flows",
    "test_server",
    "test_server_namespaces",
    "test_ui_browser",
    "test_ui_package",
    "test_kill9",
    "test_kill9_stages",
    "test_distributed",
    "test_concurrent_writers",
    "test_store_outage",
    "test_transfer",
    "test_cypher_lint",
}


def pytest_ignore_collect(collection_path, config):
    """`-m fast` skips the heavy modules before importing them; any other selection collects all."""
    if config.getoption("markexpr") == "fast" and collection_path.suffix == ".py":
        return collection_path.stem in HEAVY_MODULES or None
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_bolt = callspec is not None and callspec.params.get("store") == "bolt"
        heavy = (
            set(getattr(item, "fixturenames", ())) & HEAVY_FIXTURES
            or on_bolt
            or item.module.__name__.rsplit(".", 1)[-1] in HEAVY_MODULES
            or item.get_closest_marker("slow")
            or item.get_closest_marker("neo4j")
        )
        if not heavy:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test API for the whole session (entering it costs ~11 s), flow heartbeats off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield
