"""Neo4j's own Cypher parser/linter and Browser statement splitter, from npm, for the tests.

Neo4j cannot run on the build machines, and ArcadeDB (the Bolt test server) accepts Cypher that
Neo4j rejects, so every statement hippograph can emit is also checked by Neo4j's parser
(`@neo4j-cypher/language-support`, the linter behind Neo4j's editors) under Cypher 5 and Cypher 25.
The packages are installed once into a cache folder (``HIPPOGRAPH_CYPHER_TOOLS``, default
``~/.cache/hippograph-cypher``); one node process serves the whole test session, and each
distinct statement is linted once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = {"@neo4j-cypher/language-support": "2.0.0-next.38", "@neo4j-cypher/extract-statements": "1.0.2"}
LANGUAGES = ("CYPHER 5", "CYPHER 25")
SCRIPT = Path(__file__).resolve().parent / "cypher_tools" / "cypher_tools.cjs"
PARAM_LINE = re.compile(r"^:param\s+(\w+)\s*=>\s*(.*?);?\s*$")


class ToolsMissing(RuntimeError):
    """Node.js is not installed: the check cannot run on this machine."""


def cache_folder() -> Path:
    return Path(os.environ.get("HIPPOGRAPH_CYPHER_TOOLS") or Path.home() / ".cache" / "hippograph-cypher")


def _installed(folder: Path) -> bool:
    for name, version in PACKAGES.items():
        manifest = folder / "node_modules" / name / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text()).get("version") != version:
            return False
    return True


@dataclass
class CypherTools:
    """The npm packages installed in ``folder`` and the node binary that runs them."""

    folder: Path
    node: str
    _process: subprocess.Popen | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)  # (text, parameters) -> answers per language

    @classmethod
    def install(cls, folder: Path | None = None) -> CypherTools:
        """Install the pinned packages into ``folder`` unless already there; raises ToolsMissing without node."""
        node = shutil.which("node")
        if node is None:
            raise ToolsMissing("node (Node.js) is not installed, so Neo4j's Cypher parser cannot run here")
        folder = folder or cache_folder()
        if not _installed(folder):
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("node is installed but npm is not: install npm to fetch Neo4j's Cypher parser")
            folder.mkdir(parents=True, exist_ok=True)
            specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
            done = subprocess.run(
                [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--loglevel=error", *specs],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0 or not _installed(folder):
                raise RuntimeError(f"npm install of {specs} into {folder} failed:\n{done.stderr[-2000:]}")
        return cls(folder, node)

    def _run(self, request: dict) -> dict:
        if self._process is None or self._process.poll() is not None:
            env = {**os.environ, "NODE_PATH": str(self.folder / "node_modules")}
            self._process = subprocess.Popen(
                [self.node, str(SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                env=env,
            )
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"{SCRIPT.name} exited with {self._process.wait()}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{SCRIPT.name}: {answer['error']}")
        return answer

    def close(self) -> None:
        if self._process is not None:
            self._process.stdin.close()
            self._process.wait(30)
            self._process = None

    def lint(self, statements: dict[str, tuple[str, dict | None]]) -> list[dict]:
        """Errors (severity 1) of every ``name -> (text, parameters)`` under Cypher 5 and 25.

        ``parameters`` None means the driver supplies them (undefined-parameter errors are
        dropped); a dict means only those are defined (e.g. by the block's own ``:param`` lines).
        """

        def key(text: str, params: dict | None):
            return text, None if params is None else tuple(sorted(params))

        todo: dict = {}
        for text, params in statements.values():
            if key(text, params) not in self._cache:
                todo.setdefault(key(text, params), {"name": str(len(todo)), "text": text, "parameters": params})
        if todo:
            items = list(todo.values())
            answer = self._run({"lint": items, "languages": list(LANGUAGES)})["lint"]
            by_item = {}
            for r in answer:
                by_item.setdefault(r["name"], []).append(r)
            for k, item in zip(todo, items):
                self._cache[k] = by_item[item["name"]]
        errors = []
        for name, (text, params) in statements.items():
            for r in self._cache[key(text, params)]:
                found = [d for d in r["diagnostics"] if d["severity"] == 1]
                if found:
                    errors.append({"name": name, "language": r["language"], "diagnostics": found})
        return errors

    def split(self, *texts: str) -> list[list[str]]:
        """The statements Neo4j Browser runs for each pasted text, in order."""
        return self._run({"split": list(texts)})["split"]


def param_names(text: str) -> dict[str, None]:
    """The parameters a pasted block defines with its own ``:param`` lines."""
    return {m.group(1): None for line in text.splitlines() if (m := PARAM_LINE.match(line.strip()))}


def format_errors(errors: list[dict], texts: dict[str, str]) -> str:
    lines = []
    for r in errors:
        for d in r["diagnostics"]:
            lines.append(f"{r['name']} [{r['language']}] line {d['line']} col {d['column']}: {d['message']}")
        lines.append("    " + texts[r["name"]].strip().replace("\n", "\n    "))
    return "\n".join(lines)


def run_pasted(driver, statements: list[str]) -> tuple[dict, list[str]]:
    """Do what Browser does with split statements: each ``:param name => value`` is evaluated on the
    server as ``RETURN value AS name`` (Browser's own mapping); the rest are returned as queries."""
    params, queries = {}, []
    for statement in statements:
        if statement.startswith(":param"):
            name, arrow, value = statement[len(":param") :].partition("=>")
            assert arrow, f"not a `:param name => value` command: {statement!r}"
            records, _, _ = driver.execute_query(f"RETURN {value.strip()} AS value")
            params[name.strip()] = records[0]["value"]
        else:
            assert not statement.startswith(":"), f"unexpected Browser command {statement!r}"
            queries.append(statement)
    return params, queries


def markdown_cypher_blocks(text: str) -> list[str]:
    """The ```cypher blocks of a Markdown text, in order."""
    return re.findall(r"```cypher\n(.*?)```", text, re.DOTALL)
