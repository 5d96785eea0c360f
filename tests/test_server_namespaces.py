"""Two namespaces holding contradictory facts about the same entity never see each other's units,
facts or entities, through every HTTP endpoint, on SQLite and on a real Bolt server."""

from __future__ import annotations

import httpx
import pytest
from serving import ThreadedServer

from hippograph import Settings
from hippograph.server import MemoryService, TokenPolicy
from hippograph.server.app import create_app

WORLDS = {
    "lisbon-team": ("Lisbon", "Alice lives in Lisbon. Alice works as a nurse at Santa Maria hospital."),
    "berlin-team": ("Berlin", "Alice lives in Berlin. Alice works as a pilot for Lufthansa."),
}
QUESTION = "Where does Alice live and what is her job?"


@pytest.fixture(params=["sqlite", pytest.param("bolt", marks=pytest.mark.neo4j)])
def served(request, tmp_path, embedder, monkeypatch):
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'ns.db'}"
    else:
        server = request.getfixturevalue("bolt_server")
        server.wipe()
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        uri = server.uri
    service = MemoryService(Settings(store=uri), embedder=embedder)
    service.warm()
    with (
        ThreadedServer(create_app(service, TokenPolicy("t"))) as url,
        httpx.Client(base_url=url, headers={"Authorization": "Bearer t"}, timeout=120) as http,
    ):
        yield http
    service.close()


def test_namespaces_never_see_each_other(served):
    http = served
    docs = {
        ns: http.post("/remember", json={"text": text, "source": "notes/alice", "namespace": ns}).json()
        for ns, (_, text) in WORLDS.items()
    }
    assert docs["lisbon-team"]["id"] != docs["berlin-team"]["id"]  # same source, two namespaces, two documents
    for ns, (city, _) in WORLDS.items():
        other_ns = next(n for n in WORLDS if n != ns)
        other_city, other_doc = WORLDS[other_ns][0], docs[other_ns]["id"]
        params = {"namespace": ns}

        for mode in ("hippo", "dense"):
            recalled = http.post(
                "/recall", json={"question": QUESTION, "mode": mode, "namespace": ns, "top_k": 10}
            ).json()
            assert recalled["passages"] and {p["document_id"] for p in recalled["passages"]} == {docs[ns]["id"]}
            text = str(recalled)
            assert city in text and other_city not in text
        dated = http.post("/recall", json={"question": QUESTION, "as_of": "2999-01-01", "namespace": ns}).json()
        assert other_city not in str(dated)

        answered = http.post("/answer", json={"question": "Where does Alice live?", "namespace": ns}).json()
        assert other_city not in str(answered) and set(answered["citations"]) <= {p["id"] for p in answered["passages"]}

        listed = http.get("/documents", params=params).json()
        assert [d["id"] for d in listed["items"]] == [docs[ns]["id"]] and listed["total"] == 1
        assert http.get(f"/documents/{docs[ns]['id']}", params=params).status_code == 200
        assert http.get(f"/documents/{other_doc}", params=params).status_code == 404
        assert http.delete(f"/documents/{other_doc}", params=params).status_code == 404

        facts = http.get("/facts", params=params).json()["items"]
        assert facts and any(city in f["text"] for f in facts)
        assert all(other_city not in f["text"] for f in facts)
        assert http.get("/facts", params=params | {"q": other_city}).json()["total"] == 0

        entities = [e["id"] for e in http.get("/entities", params=params | {"limit": 1000}).json()["items"]]
        assert any(city.lower() in e for e in entities) and not any(other_city.lower() in e for e in entities)
        alice = next(e for e in entities if e.endswith("alice"))
        about = http.get(f"/entities/{alice}", params=params).json()
        assert about["facts"] and other_city not in str(about)
        other_alice = next(
            e["id"]
            for e in http.get("/entities", params={"namespace": other_ns, "q": "alice"}).json()["items"]
            if e["id"].endswith("alice")
        )
        assert other_alice != alice
        assert http.get(f"/entities/{other_alice}", params=params).status_code == 404

        stats = http.get("/stats", params=params).json()
        assert stats["documents"] == 1 and stats["facts"] == len(http.get("/facts", params=params).json()["items"])

    # The default namespace holds nothing of either.
    assert http.get("/documents").json()["total"] == 0
    assert http.post("/recall", json={"question": QUESTION}).json()["passages"] == []
    # Forgetting in one namespace leaves the other whole.
    assert (
        http.delete(f"/documents/{docs['lisbon-team']['id']}", params={"namespace": "lisbon-team"}).status_code == 200
    )
    survivor = http.post("/recall", json={"question": QUESTION, "namespace": "berlin-team"}).json()
    assert survivor["passages"][0]["document_id"] == docs["berlin-team"]["id"] and "Berlin" in str(survivor)
    assert http.get("/stats", params={"namespace": "lisbon-team"}).json()["documents"] == 0
