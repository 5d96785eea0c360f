"""The explorer's API over HTTP on the committed fixture store: explain, seed facts, entity history,
document impact and dry-run delete, overview, the page shell's access rules and headers."""

from __future__ import annotations

import httpx
import pytest
from explorer_store import HOSTILE
from serving import ThreadedServer

from hippograph.server import TokenPolicy
from hippograph.server.app import create_app
from hippograph.server.ui import CSP

TOKEN = "ui-test-token"


@pytest.fixture
def open_server(service):
    with ThreadedServer(create_app(service, TokenPolicy(), mcp=False)) as url:
        yield url


def test_recall_explain_comes_from_the_ranking_run(open_server):
    with httpx.Client(base_url=open_server, timeout=60) as http:
        out = http.post("/recall", json={"question": "Where does Alice live?", "top_k": 5, "explain": True}).json()
        plain = http.post("/recall", json={"question": "Where does Alice live?", "top_k": 5}).json()
    assert [p["id"] for p in out["passages"]] == [p["id"] for p in plain["passages"]]
    assert plain["explain"] is None
    ex = out["explain"]
    assert ex["basis"] == "ppr"
    graph_nodes = [n for n in ex["nodes"] if n["mass"] is not None]
    masses = [n["mass"] for n in graph_nodes]
    # The ranked units are among the heaviest nodes, and the drawing keeps at most 200 graph nodes
    # plus the entities of linked facts.
    assert len(graph_nodes) <= 200 + 2 * len(out["facts"])
    ids = {n["id"] for n in ex["nodes"]}
    assert {p["id"] for p in out["passages"]} <= ids
    assert 0 < sum(masses) <= 1.0 + 1e-6
    kinds = {e["kind"] for e in ex["edges"]}
    assert {"link", "mention", "subject"} <= kinds
    assert all(e["source"] in ids and e["target"] in ids for e in ex["edges"])
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in ex["nodes"])
    for p in out["passages"]:
        assert p["source"].endswith(("alice.jsonl#c1", ".md", ".txt", ".json")) or p["source"]
        assert set(p["seed_facts"]) <= {f["id"] for f in out["facts"]}
    alice_turns = [p for p in out["passages"] if p["kind"] == "episode"]
    assert alice_turns and all(p["occurred_at"] for p in alice_turns) and any(p["seed_facts"] for p in alice_turns)


def test_explain_shows_supersession_when_looking_back(open_server):
    with httpx.Client(base_url=open_server, timeout=60) as http:
        out = http.post(
            "/recall", json={"question": "Where did Alice move to?", "as_of": "2023-01-01", "explain": True}
        ).json()
    edges = [e for e in out["explain"]["edges"] if e["kind"] == "superseded"]
    assert edges, "a linked fact about Alice's moves has a SUPERSEDED_BY link"
    nodes = {n["id"]: n for n in out["explain"]["nodes"]}
    assert all(nodes[e["source"]]["superseded"] for e in edges)


def test_dense_explain_has_no_ppr(open_server):
    with httpx.Client(base_url=open_server, timeout=60) as http:
        out = http.post("/recall", json={"question": "Marie Curie", "mode": "dense", "explain": True}).json()
    assert out["explain"]["basis"] == "dense"
    assert {e["kind"] for e in out["explain"]["edges"]} == {"dense"}


def test_entity_history_shows_supersession_and_as_of(open_server):
    with httpx.Client(base_url=open_server, timeout=60) as http:
        now = http.get("/entities/alice/history").json()
        then = http.get("/entities/alice/history", params={"as_of": "2021-12-31"}).json()
    moves = {f["object"]: f for f in now["facts"] if f["predicate"] in ("live in", "move to")}
    assert moves["paris"]["status"] == "superseded" and moves["lisbon"]["status"] == "current"
    assert [s["object"] for s in moves["paris"]["superseded_by"]] == ["berlin"]
    assert moves["paris"]["sources"][0]["occurred_at"].startswith("2021-03-01")
    assert moves["paris"]["sources"][0]["source"].endswith("alice.jsonl#c1")
    past = {f["object"]: f["status"] for f in then["facts"] if f["predicate"] in ("live in", "move to")}
    assert past == {"paris": "valid", "berlin": "not_yet_valid", "lisbon": "not_yet_valid"}
    assert all(u["occurred_at"] <= "2021-12-31" for u in then["units"] if u["occurred_at"])
    assert len(then["units"]) < len(now["units"])


def test_dry_run_counts_equal_what_the_delete_removes(open_server):
    with httpx.Client(base_url=open_server, timeout=60) as http:
        docs = http.get("/documents").json()["items"]
        assert len(docs) == 4
        # Delete one by one, so later previews see what earlier deletes left (shared entities).
        for doc in docs:
            before = http.get("/stats").json()
            preview = http.delete(f"/documents/{doc['id']}", params={"dry_run": "true"}).json()
            assert http.get(f"/documents/{doc['id']}/impact").json() == preview
            assert http.get("/stats").json() == before, "a dry run changes nothing"
            assert http.delete(f"/documents/{doc['id']}").json()["deleted"] == [doc["id"]]
            after = http.get("/stats").json()
            removed = {
                k: before[k] - after[k] for k in ("documents", "passages", "episodes", "entities", "facts", "edges")
            }
            removed["edges_by_type"] = {
                k: before["edges_by_type"][k] - after["edges_by_type"].get(k, 0) for k in before["edges_by_type"]
            }
            assert preview["removes"] == removed, doc["title"]


def test_documents_filters_and_paging(open_server):
    with httpx.Client(base_url=open_server, timeout=60) as http:
        assert http.get("/documents", params={"kind": "episodes"}).json()["total"] == 1
        titles = [d["title"] for d in http.get("/documents", params={"title": "curie"}).json()["items"]]
        assert titles == ["Marie Curie"]
        assert http.get("/documents", params={"source": "warsaw"}).json()["total"] == 1
        assert http.get("/documents", params={"since": "2999-01-01"}).json()["total"] == 0
        page = http.get("/documents", params={"limit": 2, "offset": 2}).json()
        assert page["total"] == 4 and len(page["items"]) == 2
        assert http.get("/documents", params={"since": "yesterday"}).status_code == 422
        other = http.get("/documents", params={"namespace": "other"}).json()
        assert [d["title"] for d in other["items"]] == ["Lighthouse log"]


def test_overview_masks_the_store_password(service):
    from hippograph.server import explore

    out = explore.overview(service, "default")
    assert out["namespaces"] == ["default", "other"] and out["index"]["up_to_date"]
    assert out["stats"]["documents"] == 4 and out["generation"] == out["index"]["generation"]
    service.namespace("default").reader.store.uri = "bolt://neo:hunter2@db.example:7687"
    assert "hunter2" not in explore.overview(service, "default")["store"]


def test_shell_is_public_everything_else_needs_the_token(service):
    app = create_app(service, TokenPolicy(TOKEN), mcp=False)
    with ThreadedServer(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        root = http.get("/", follow_redirects=False)
        assert root.status_code in (302, 307) and root.headers["location"] == "/ui"
        page = http.get("/ui")
        assert page.status_code == 200 and 'role="search"' in page.text and 'name="q"' in page.text
        assert 'type="password" name="token"' in page.text
        assert http.get("/ui/static/app.js").status_code == 200
        for path in ("/overview", "/documents", "/entities/alice/history", "/openapi.json"):
            assert http.get(path).status_code == 401, path
        assert http.post("/recall", json={"question": "x"}).status_code == 401
        for response in (page, root, http.get("/ui/static/app.js"), http.get("/overview")):
            assert response.headers["content-security-policy"] == CSP
            assert response.headers["x-content-type-options"] == "nosniff"
            assert not any(h.lower().startswith("access-control-") for h in response.headers)
        # The shell holds no stored data.
        for name in ("alice", "Curie", "Lighthouse", HOSTILE):
            assert name not in page.text


def test_without_a_token_only_loopback_host_names_are_answered(open_server):
    with httpx.Client(base_url=open_server, timeout=60) as http:
        for host in ("127.0.0.1", "localhost", "[::1]", "localhost:8000", "[::1]:8000"):
            assert http.get("/ui", headers={"Host": host}).status_code == 200, host
        for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
            response = http.get("/overview", headers={"Host": host})
            assert response.status_code == 421 and "Host" in response.json()["message"], host
        cors = http.options(
            "/recall", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert not any(h.lower().startswith("access-control-") for h in cors.headers)


def test_openapi_lists_the_explorer_routes(service):
    app = create_app(service, TokenPolicy(), mcp=False)
    spec = app.openapi()
    for path in ("/entities/{entity_id}/history", "/documents/{document_id}/impact", "/overview"):
        assert path in spec["paths"]
    assert "explain" in spec["components"]["schemas"]["RecallRequest"]["properties"]
    assert {"source", "seed_facts", "occurred_at"} <= set(spec["components"]["schemas"]["Unit"]["properties"])
    delete = spec["paths"]["/documents/{document_id}"]["delete"]
    assert any(p["name"] == "dry_run" for p in delete["parameters"])
    assert "/ui" not in spec["paths"]
