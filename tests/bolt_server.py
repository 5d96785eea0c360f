"""Start a real ArcadeDB server with its Bolt plugin on free loopback ports (test helper)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

PASSWORD = "hippograph-test"


class _RecordingTx:
    """A transaction (or session) whose ``run`` records each statement and its parameter names."""

    def __init__(self, inner, log: dict[str, set[str]]):
        self._inner, self._log = inner, log

    def run(self, query, parameters=None, **kwargs):
        self._log.setdefault(str(query), set()).update({**(parameters or {}), **kwargs})
        return self._inner.run(query, parameters, **kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _RecordingSession(_RecordingTx):
    def execute_write(self, work, *args, **kwargs):
        return self._inner.execute_write(
            lambda tx, *a, **k: work(_RecordingTx(tx, self._log), *a, **k), *args, **kwargs
        )

    def execute_read(self, work, *args, **kwargs):
        return self._inner.execute_read(lambda tx, *a, **k: work(_RecordingTx(tx, self._log), *a, **k), *args, **kwargs)

    def __enter__(self):
        self._inner.__enter__()
        return self

    def __exit__(self, *exc):
        return self._inner.__exit__(*exc)


class RecordingDriver:
    """Wraps a ``neo4j`` driver: every statement sent, with the names of the parameters sent with it,
    lands in ``log`` (statement text -> parameter names), for the Cypher check (tests/cypher_check.py)."""

    def __init__(self, inner, log: dict[str, set[str]]):
        self._inner, self._log = inner, log

    def execute_query(self, query, parameters_=None, *args, **kwargs):
        params = {k for k in kwargs if not k.endswith("_")} | set(parameters_ or {})
        self._log.setdefault(str(query), set()).update(params)
        return self._inner.execute_query(query, parameters_, *args, **kwargs)

    def session(self, *args, **kwargs):
        return _RecordingSession(self._inner.session(*args, **kwargs), self._log)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BoltServer:
    """An ArcadeDB server process (from the ``arcadedb-embedded`` package) speaking Bolt."""

    def __init__(self, root: Path):
        import arcadedb_embedded

        self.package = Path(arcadedb_embedded.__file__).parent
        self.root = root
        self.http_port = _free_port()
        self.bolt_port = _free_port()
        self.process: subprocess.Popen | None = None
        self.statements: dict[str, set[str]] = {}  # every statement stores from fresh_store() sent

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def start(self, timeout: float = 90) -> None:
        java = self.package / "jre" / "bin" / "java"
        props = {
            "arcadedb.server.rootPath": str(self.root),
            "arcadedb.server.rootPassword": PASSWORD,
            "arcadedb.server.defaultDatabases": "neo4j[root]",
            "arcadedb.server.httpIncomingHost": "127.0.0.1",
            "arcadedb.server.httpIncomingPort": str(self.http_port),
            "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "arcadedb.bolt.host": "127.0.0.1",
            "arcadedb.bolt.port": str(self.bolt_port),
        }
        cmd = [
            str(java),
            "-Xmx1g",
            *(f"-D{k}={v}" for k, v in props.items()),
            "-cp",
            f"{self.package / 'jars'}/*",
            "com.arcadedb.server.ArcadeDBServer",
        ]
        self.root.mkdir(parents=True, exist_ok=True)
        self.log = open(self.root / "server.log", "ab")
        self.process = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.root)
        deadline = time.monotonic() + timeout
        # Bolt opens before the database exists: wait for the HTTP readiness probe instead.
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ArcadeDB exited with {self.process.returncode}; see {self.root / 'server.log'}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/api/v1/ready", timeout=2) as r:
                    if r.status == 204:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("ArcadeDB did not become ready in time")

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, as a crashed database would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if getattr(self, "log", None):
            self.log.close()

    def wipe(self) -> None:
        import neo4j

        with neo4j.GraphDatabase.driver(self.uri, auth=("root", PASSWORD)) as driver:
            driver.execute_query("MATCH (n) DETACH DELETE n")

    def fresh_store(self):
        """An empty database and a store on it whose statements are recorded in ``self.statements``."""
        from unittest import mock

        import neo4j

        from hippograph.graph.neo4j_store import Neo4jStore

        self.wipe()
        real = neo4j.GraphDatabase.driver
        with mock.patch.object(
            neo4j.GraphDatabase, "driver", lambda *a, **k: RecordingDriver(real(*a, **k), self.statements)
        ):
            return Neo4jStore(self.uri, "root", PASSWORD)

    def env(self) -> dict[str, str]:
        return {"NEO4J_USER": "root", "NEO4J_PASSWORD": PASSWORD}
