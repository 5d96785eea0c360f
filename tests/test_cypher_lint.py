"""Every Cypher statement hippograph can emit passes Neo4j's own parser (Cypher 5 and Cypher 25).

The test server is ArcadeDB, which accepts Cypher that Neo4j rejects; Neo4j's linter
(`@neo4j-cypher/language-support`, see tests/cypher_check.py) is the check that the statements
are Neo4j's Cypher. Checked: each statement constant and builder of `hippograph/graph/cypher/`,
every statement the Neo4j store sends while the store contract tests run (recorded by the Bolt
fixture's driver), every Cypher block of docs/neo4j.md (GDS ones included), and the
`--explain-cypher` output.
"""

from __future__ import annotations

import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from cypher_check import format_errors, markdown_cypher_blocks, param_names

from hippograph.graph import cypher
from hippograph.graph.cypher import mechanisms as cypher_mechanisms

DOCS = Path(__file__).resolve().parent.parent / "docs"
# How to call each builder of cypher.py: every value of each argument it takes.
BUILDER_ARGUMENTS = {
    "label": cypher.LABELS,
    "rel_type": cypher.RELATIONSHIP_TYPES,
    "dimensions": (384,),
    "namespace": ("default",),
}


def cypher_module_statements(module=cypher) -> dict[str, str]:
    """name -> statement for every constant and every builder output of a graph Cypher module (or
    of the package graph/cypher/, whose submodules it re-exports)."""
    out: dict[str, str] = {}
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if isinstance(value, str) and name.isupper():
            if not re.fullmatch(r"\w+", value):  # not a bare label name
                out[name] = value
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            if all(re.fullmatch(r"\w+", v) for v in value):
                continue  # a list of label / type names, not statements
            out.update({f"{name}[{i}]": v for i, v in enumerate(value)})
        elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            out.update({f"{name}[{k!r}]": v for k, v in value.items()})
        elif inspect.isfunction(value) and value.__module__ in (module.__name__, *_submodules(module)):
            params = list(inspect.signature(value).parameters)
            unknown = [p for p in params if p not in BUILDER_ARGUMENTS]
            assert not unknown, (
                f"cypher.{name}({', '.join(params)}): tell BUILDER_ARGUMENTS in "
                f"{Path(__file__).name} which values {unknown} take"
            )
            # One accepted call per builder: labels and types are fixed identifiers, so any other
            # accepted value gives the same syntax (the store's calls are linted as sent, below).
            for args in _combinations([BUILDER_ARGUMENTS[p] for p in params]):
                try:
                    out[f"{name}{tuple(args)!r}"] = value(*args)
                    break
                except ValueError:
                    continue  # e.g. count_relationships refuses a label it does not know
            else:
                raise AssertionError(f"cypher.{name} accepted none of its BUILDER_ARGUMENTS")
    return out


def _submodules(module) -> list[str]:
    return [f"{module.__name__}.{m.name}" for m in pkgutil.iter_modules(getattr(module, "__path__", []))]


def _combinations(choices: list[tuple]) -> list[list]:
    combos: list[list] = [[]]
    for options in choices:
        combos = [[*c, o] for c in combos for o in options]
    return combos


def test_cypher_module_passes_neo4js_parser(cypher_tools):
    statements = cypher_module_statements()
    assert {"ACTIVATED_SUBGRAPH", "SET_SYNONYM_GROUPS", "GRAPH_EDGE_QUERIES['synonym']"} <= set(statements)
    assert len(statements) > 40
    errors = cypher_tools.lint({name: (text, None) for name, text in statements.items()})
    assert not errors, format_errors(errors, statements)


def test_mechanism_cypher_passes_neo4js_parser(cypher_tools):
    statements = cypher_module_statements(cypher_mechanisms)
    assert {"RECORD_RECALLS", "RECALLS_OF", "RECALL_CONSTRAINT"} <= set(statements)
    errors = cypher_tools.lint({name: (text, None) for name, text in statements.items()})
    assert not errors, format_errors(errors, statements)


def test_docs_blocks_and_style_sheet(cypher_tools):
    blocks = markdown_cypher_blocks((DOCS / "neo4j.md").read_text())
    assert len(blocks) >= 9
    named = {f"docs/neo4j.md block {i + 1}": block for i, block in enumerate(blocks)}
    # A block defines its parameters itself: a `$name` without its `:param` line is an error here.
    errors = cypher_tools.lint({name: (text, param_names(text)) for name, text in named.items()})
    assert not errors, format_errors(errors, named)
    assert any("gds.pageRank.stream" in b and "sourceNodes" in b for b in blocks)
    assert any(cypher.ACTIVATED_SUBGRAPH.strip() in b for b in blocks)  # the example is today's output
    # Why the docs say "drag the file" and not "paste it after :style": Browser's splitter cuts it.
    grass = (DOCS / "hippograph.grass").read_text()
    (pasted,) = cypher_tools.split(":style " + grass)
    assert len(pasted) > 1


def test_explain_output_passes_neo4js_parser(cypher_tools):
    from hippograph.graph.browser import activated_subgraph_cypher
    from hippograph.retrieve.results import LinkedFact, RetrievalResult, RetrievedUnit

    hostile = "x'}) DETACH DELETE n //`\"\\;\n"
    result = RetrievalResult(
        "q",
        "hippo",
        passages=[RetrievedUnit(hostile, "passage", "", "", 0.0, "")],
        facts=[LinkedFact("f1", hostile, "p", "o", "", 0.0)],
        seeds={hostile: 1.0, "é": 0.5},
    )
    texts = {
        "explain": activated_subgraph_cypher(result),
        "explain, nothing retrieved": activated_subgraph_cypher(RetrievalResult("q", "hippo")),
    }
    errors = cypher_tools.lint({name: (text, param_names(text)) for name, text in texts.items()})
    assert not errors, format_errors(errors, texts)
    for statements in cypher_tools.split(*texts.values()):
        assert [s.split(" =>")[0] for s in statements[:4]] == [
            ":param namespace",
            ":param units",
            ":param seeds",
            ":param facts",
        ]
        assert len(statements) == 5 and statements[4].startswith("MATCH")


@pytest.mark.neo4j
def test_statements_the_neo4j_store_sends_pass_neo4js_parser(cypher_tools, bolt_server, tmp_path_factory):
    import test_store_changes
    import test_store_contract

    ran = []
    contract = {**vars(test_store_contract), **vars(test_store_changes)}
    for name, test in contract.items():
        if not (name.startswith("test_") and inspect.isfunction(test)):
            continue
        params = set(inspect.signature(test).parameters)
        if "store" not in params or not params <= {"store", "tmp_path"}:
            continue
        store = bolt_server.fresh_store()  # records every statement it sends
        try:
            kwargs = {"store": store, "tmp_path": tmp_path_factory.mktemp(name)}
            test(**{k: v for k, v in kwargs.items() if k in params})
        finally:
            store.close()
        ran.append(name)
    assert len(ran) >= 12, ran
    sent = dict(bolt_server.statements)
    assert cypher.DOCUMENTS in sent and cypher.LOG_CHANGE in sent
    texts = {f"sent #{i}": text for i, text in enumerate(sent)}
    errors = cypher_tools.lint({name: (text, None) for name, text in texts.items()})
    assert not errors, format_errors(errors, texts)
    # Parameters as the driver sent them: a statement reading one it was not given would fail.
    for text, params in sent.items():
        assert set(re.findall(r"\$(\w+)", text)) <= params, (text, params)
