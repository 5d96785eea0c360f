"""The import structure holds: data flows one way, and no module cycle exists.

Layers, lowest first (a module may import its own subpackage and anything lower, never higher,
never a sibling of its own layer):
    errors  <  ids, records, dates  <  config, display  <  embedding, llm  <  extract | graph  <  pipelines | retrieve
    <  memory  <  flows | server  <  cli_group  <  cli_ingest | cli_store | cli_query | cli_flows | cli_memory
    <  cli | the package face
Function-level imports count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hippograph"
LAYERS = [
    {"errors"},
    {"ids", "records", "dates"},
    {"config", "data", "display"},  # display: printing user data safely (escaped, redacted)
    {"embedding", "llm"},
    {"extract", "graph"},
    {"pipelines", "retrieve"},
    {"memory"},
    {"flows", "server"},
    {"cli_group"},  # the root command group: option hoisting, errors to exit codes
    # The commands, one module per job, registered by cli: ingest; stats/documents/show/delete/export;
    # query/answer/demo; flows run/serve; the memory mechanisms (forget).
    {"cli_ingest", "cli_store", "cli_query", "cli_flows", "cli_memory"},
    {"cli", "__init__", "__main__"},
]
# Packages Prefect may be imported from (pipelines never import it: flows wrap them).
PREFECT_ALLOWED = {"flows", "cli", "cli_group"}


def _part(module: str) -> str:
    """The top-level part of ``hippograph.<part>...``: the unit layers are assigned to."""
    return module.split(".")[1] if "." in module else "__init__"


def _layer(part: str) -> int:
    for i, parts in enumerate(LAYERS):
        if part in parts:
            return i
    raise AssertionError(f"hippograph.{part} has no layer: add it to LAYERS in tests/test_layering.py")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """(imported hippograph module, line, at module level) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            if target.split(".")[0] not in ("hippograph", "prefect"):
                continue
            # Keep the most specific module the name resolves to.
            while target not in known and "." in target and target.split(".")[0] == "hippograph":
                target = target.rsplit(".", 1)[0]
            found.append((target, node.lineno, id(node) in top_level))
    return found


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_down_the_layers(module):
    known = set(MODULES)
    part = _part(module)
    problems = []
    for target, line, _ in _imports(module, MODULES[module], known):
        if target.split(".")[0] == "prefect":
            if part not in PREFECT_ALLOWED:
                problems.append(f"line {line}: imports Prefect; only {sorted(PREFECT_ALLOWED)} may")
            continue
        if target == "hippograph" or _part(target) == part:
            continue
        if _layer(_part(target)) >= _layer(part):
            problems.append(f"line {line}: imports {target} (layer {_layer(_part(target))}) from layer {_layer(part)}")
    assert not problems, f"{module}: " + "; ".join(problems)


def test_no_module_import_cycles():
    known = set(MODULES)
    graph = {m: {t for t, _, top in _imports(m, p, known) if top and t in known and t != m} for m, p in MODULES.items()}
    # A package's __init__ importing its own modules is its face, not a cycle.
    for m in graph:
        graph[m] = {t for t in graph[m] if not (t.startswith(m + ".") and MODULES[m].name == "__init__.py")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t) :] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_no_product_module_over_400_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, f"split these modules: {long}"


def test_the_checker_sees_a_back_edge(tmp_path):
    """The rule itself can fail: a graph module importing retrieve is a back edge."""
    fake = tmp_path / "hippograph" / "graph"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("from ..retrieve.hippo import HippoRetriever\n")
    found = _imports("hippograph.graph.bad", fake / "bad.py", set(MODULES))
    assert found and _layer(_part(found[0][0])) > _layer("graph")
