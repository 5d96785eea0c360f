"""Bad HTTP requests to the memory server: each a 4xx JSON error with a message, never a 500 or a
traceback, and nothing stored changes."""

from __future__ import annotations

import pytest

httpx = pytest.importorskip("httpx")

from serving import ThreadedServer

from hippograph import Settings
from hippograph.server import MemoryService, TokenPolicy
from hippograph.server.app import create_app

TOKEN = "bad-requests-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

BAD = [  # (id, method, path, raw body)
    ("remember-not-json", "POST", "/remember", "{oops"),
    ("remember-array", "POST", "/remember", "[1, 2]"),
    ("remember-no-text", "POST", "/remember", '{"source": "x"}'),
    ("remember-empty-text", "POST", "/remember", '{"text": ""}'),
    ("remember-number-text", "POST", "/remember", '{"text": 5}'),
    ("remember-surrogate", "POST", "/remember", '{"text": "broken \\ud83d emoji", "source": "s1"}'),
    ("remember-surrogate-source", "POST", "/remember", '{"text": "fine", "source": "bad\\udc00"}'),
    ("remember-nul", "POST", "/remember", '{"text": "a\\u0000b", "source": "s2"}'),
    ("remember-deep", "POST", "/remember", '{"text": "x", "title": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    ("remember-long-number", "POST", "/remember", '{"text": "x", "title": ' + "9" * 5000 + "}"),
    ("remember-bad-namespace", "POST", "/remember", '{"text": "x", "namespace": "bad ns"}'),
    ("remember-bad-format", "POST", "/remember", '{"text": "x", "format": "pdf"}'),
    ("recall-empty-question", "POST", "/recall", '{"question": ""}'),
    ("recall-top-k-zero", "POST", "/recall", '{"question": "x", "top_k": 0}'),
    ("recall-top-k-huge", "POST", "/recall", '{"question": "x", "top_k": ' + "1" * 5000 + "}"),
    ("recall-top-k-bool", "POST", "/recall", '{"question": "x", "top_k": "many"}'),
    ("recall-bad-mode", "POST", "/recall", '{"question": "x", "mode": "magic"}'),
    ("answer-no-question", "POST", "/answer", "{}"),
    ("forget-unknown", "DELETE", "/documents/no-such-document", None),
    ("too-large", "POST", "/remember", '{"text": "' + "a" * 200_000 + '"}'),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("bad-requests")
    service = MemoryService(Settings(store=f"sqlite:///{folder / 'served.db'}", extractor="none"), embedder=embedder)
    service.warm()
    app = create_app(service, TokenPolicy(TOKEN), max_body=64 * 1024)
    with ThreadedServer(app) as url, httpx.Client(base_url=url, headers=HEADERS, timeout=60) as http:
        assert http.post("/remember", json={"text": "The Seine flows through Paris.", "source": "good"}).is_success
        yield http
    service.close()


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_request_is_a_4xx_with_a_message(server, case):
    _, method, path, body = case
    before = server.get("/documents").json()
    response = server.request(method, path, content=body.encode("utf-8") if body is not None else None)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    payload = response.json()
    assert payload.get("message") and "Traceback" not in response.text
    assert server.get("/documents").json() == before
