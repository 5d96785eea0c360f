"""The explorer in a real browser (Playwright driving Debian's Chromium) on the committed fixture store.

Every page here is routed through ``OriginGuard``: a request to any other origin is aborted and
fails the test. Under CI a missing Chromium fails instead of skipping (tests/browser.py).
"""

from __future__ import annotations

import time

import httpx
import pytest
from browser import CHROMIUM_ARGS, OriginGuard, chromium_or_skip
from explorer_store import HOSTILE
from serving import ThreadedServer

from hippograph.server import TokenPolicy
from hippograph.server.app import create_app
from hippograph.server.ui import CSP

TOKEN = "browser-token"
OTHER_TOKEN = "other-namespace-token"


@pytest.fixture(scope="module")
def browser():
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


def serve(service, policy=None):
    return ThreadedServer(create_app(service, policy or TokenPolicy(), mcp=False))


class Page:
    """A browser page on the server, failing on foreign requests, page errors and console errors."""

    def __init__(self, browser, url):
        self.guard = OriginGuard(url)
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.route("**/*", self.guard)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = url

    def __enter__(self):
        return self.page

    def __exit__(self, *exc):
        self.context.close()
        assert not self.guard.foreign, f"requests to other origins: {self.guard.foreign}"
        assert not self.errors, self.errors


def wait_until(page, expression: str, timeout: float = 60.0) -> None:
    """Poll a JS expression with page.evaluate (CDP): wait_for_function would eval a string,
    which the explorer's CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def search(page, question, mode="hippo", as_of="", top_k=5, explain=False):
    before = page.evaluate("document.body.dataset.searches || '0'")
    page.fill("form[role=search] input[name=q]", question)
    page.select_option("form[role=search] select[name=mode]", mode)
    page.fill("form[role=search] input[name=top_k]", str(top_k))
    page.fill("form[role=search] input[name=as_of]", as_of)
    page.set_checked("form[role=search] input[name=explain]", explain)
    page.click("form[role=search] button[type=submit]")
    wait_until(page, f"(document.body.dataset.searches || '0') !== '{before}'")
    return page.eval_on_selector_all("#results [data-passage-id]", "els => els.map(e => e.dataset.passageId)")


def recall_ids(url, **body):
    with httpx.Client(base_url=url, timeout=60) as http:
        return [p["id"] for p in http.post("/recall", json=body).json()["passages"]]


def test_search_lists_what_recall_returns_in_order(browser, service):
    with serve(service) as url, Page(browser, url) as page:
        page.goto(url + "/")
        assert page.url.endswith("/ui")
        cases = [
            ("Where does Alice live?", "hippo", ""),
            ("Where does Alice live?", "dense", ""),
            ("Where did Alice live?", "hippo", "2021-12-31"),
            ("What did Marie Curie discover?", "hippo", ""),
        ]
        for question, mode, as_of in cases:
            shown = search(page, question, mode, as_of)
            expected = recall_ids(url, question=question, mode=mode, as_of=as_of or None, top_k=5)
            assert shown == expected and shown, (question, mode, as_of)
        episodes = page.eval_on_selector_all("#results .unit-episode", "els => els.length")
        assert episodes >= 0


def test_explain_view_draws_the_run_with_labels_apart(browser, service):
    with serve(service) as url, Page(browser, url) as page:
        page.goto(url + "/ui")
        shown = search(page, "Where does Alice live?", explain=True)
        assert shown == recall_ids(url, question="Where does Alice live?", top_k=5)
        page.wait_for_selector("svg.explain")
        nodes = page.eval_on_selector_all("svg.explain a.node", "els => els.map(e => e.dataset.nodeId)")
        assert set(shown) <= set(nodes)
        assert all(page.eval_on_selector_all("svg.explain a.node", "els => els.map(e => e.getAttribute('href'))"))
        kinds = set(page.eval_on_selector_all("svg.explain line.edge", "els => els.map(e => e.dataset.kind)"))
        assert {"link", "mention"} <= kinds
        boxes = page.eval_on_selector_all(
            "svg.explain text.label",
            "els => els.map(e => { const b = e.getBBox(); return [b.x, b.y, b.width, b.height]; })",
        )
        assert 0 < len(boxes) <= 21  # the question and the 20 heaviest
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
                assert apart, (a, b)
        # A node without a permanent label shows its label on keyboard focus.
        unlabeled = page.evaluate("""() => {
            const labelled = new Set([...document.querySelectorAll('svg.explain text.label')]
                                     .map(t => t.dataset.labelFor));
            const a = [...document.querySelectorAll('svg.explain a.node')].find(n => !labelled.has(n.dataset.nodeId));
            if (!a) return null; a.focus();
            return document.querySelector('svg.explain .hover-label').getAttribute('visibility'); }""")
        assert unlabeled in (None, "visible")


def test_entity_page_shows_superseded_facts(browser, service):
    with serve(service) as url, Page(browser, url) as page:
        page.goto(url + "/ui#/entity/alice")
        page.wait_for_selector(".timeline")
        rows = page.eval_on_selector_all(
            ".timeline li.fact",
            "els => els.map(e => [e.dataset.status, "
            "e.querySelector('.fact-text').textContent, "
            "(e.querySelector('.superseded-by') || {}).textContent || ''])",
        )
        paris = [r for r in rows if "Paris" in r[1] and ("live" in r[1] or "move" in r[1])]
        assert paris and paris[0][0] == "superseded" and "Berlin" in paris[0][2]
        lisbon = [r for r in rows if "Lisbon" in r[1]]
        assert lisbon and lisbon[0][0] == "current"
        page.fill(".as-of input[name=as_of]", "2021-12-31")
        page.click(".as-of button[type=submit]")
        wait_until(page, "location.hash.includes('as_of')")
        page.wait_for_selector(".timeline li.fact[data-status=valid]")
        statuses = page.eval_on_selector_all(
            ".timeline li.fact", "els => els.map(e => [e.dataset.status, e.querySelector('.fact-text').textContent])"
        )
        assert any(s == "valid" and "Paris" in t for s, t in statuses)
        assert any(s == "not_yet_valid" and "Lisbon" in t for s, t in statuses)


def test_delete_with_preview_removes_the_document_from_search(browser, service):
    with serve(service) as url, Page(browser, url) as page, httpx.Client(base_url=url, timeout=60) as http:
        doc = next(d for d in http.get("/documents").json()["items"] if d["title"] == "warsaw")
        question = "Which river flows through Warsaw?"
        unit_ids = {u["id"] for u in http.get(f"/documents/{doc['id']}").json()["units"]}
        page.goto(url + "/ui")
        assert unit_ids & set(search(page, question))
        before = http.get("/stats").json()
        page.goto(url + f"/ui#/document/{doc['id']}")
        page.click("button.danger")
        page.wait_for_selector(".confirm table.counts")
        shown = dict(
            page.eval_on_selector_all(
                ".confirm tr[data-count]",
                "els => els.map(e => [e.dataset.count, Number(e.querySelector('td').textContent)])",
            )
        )
        assert http.get("/stats").json() == before, "the preview deletes nothing"
        page.click(".confirm button[name=confirm]")
        wait_until(page, "location.hash === '#/documents'")
        page.wait_for_selector("section.documents")
        after = http.get("/stats").json()
        assert shown == {k: before[k] - after[k] for k in shown}
        assert not page.query_selector(f"[data-document-id='{doc['id']}']")
        page.goto(url + "/ui")
        assert not unit_ids & set(search(page, question))


def test_stored_markup_is_shown_as_text(browser, service):
    with serve(service) as url, Page(browser, url) as page, httpx.Client(base_url=url, timeout=60) as http:
        page.goto(url + "/ui")
        search(page, "gallery in Krakow paintings", explain=True)
        page.wait_for_selector("svg.explain")
        assert HOSTILE in page.inner_text("#results")
        doc = next(d for d in http.get("/documents").json()["items"] if HOSTILE in d["title"])
        entity = next(e["id"] for e in http.get("/entities", params={"q": "gallery"}).json()["items"])
        page.goto(url + f"/ui#/document/{doc['id']}")
        page.wait_for_selector("article.document")
        assert HOSTILE in page.inner_text("article.document h2")
        page.goto(url + "/ui#/documents")
        page.wait_for_selector("section.documents")
        assert HOSTILE in page.inner_text("section.documents")
        page.goto(url + f"/ui#/entity/{entity}")
        page.wait_for_selector("article.entity")
        assert HOSTILE in page.inner_text("article.entity h2")
        assert page.evaluate("document.querySelectorAll('img, script:not([src])').length") == 0
        assert page.evaluate("window.__pwned === undefined")


def test_ui_response_headers(browser, service):
    with serve(service) as url, Page(browser, url) as page:
        seen = []
        page.on("response", lambda r: seen.append(r))
        page.goto(url + "/ui")
        search(page, "Marie Curie")
        assert len(seen) >= 4
        for response in seen:
            headers = response.all_headers()
            assert headers.get("content-security-policy") == CSP, response.url
            assert headers.get("x-content-type-options") == "nosniff", response.url
            assert not any(h.startswith("access-control-") for h in headers), response.url


def test_token_prompt_and_a_401_asks_again(browser, service):
    with serve(service, TokenPolicy(TOKEN)) as url, Page(browser, url) as page:
        page.goto(url + "/ui")
        page.wait_for_selector("input[type=password][name=token]", state="visible")
        page.fill("input[name=token]", "wrong-token")
        page.click("#token-form button")
        # The wrong token gets a 401, and the page asks again.
        wait_until(
            page,
            "document.getElementById('auth').hidden === false && "
            "document.getElementById('token-reason').textContent.includes('refused')",
        )
        page.fill("input[name=token]", TOKEN)
        page.click("#token-form button")
        page.wait_for_selector("#auth", state="hidden")
        shown = search(page, "Where does Alice live?")
        assert shown
        stored = page.evaluate("JSON.stringify(sessionStorage)") + page.evaluate("JSON.stringify(localStorage)")
        assert page.evaluate("localStorage.length") == 0 and page.evaluate("document.cookie") == ""
        assert TOKEN not in page.url and TOKEN in stored
        # Revoke by changing what the page holds: the next 401 asks again.
        page.evaluate("sessionStorage.setItem('hippograph.tokens', JSON.stringify({'*': 'stale'}))")
        page.fill("form[role=search] input[name=q]", "Marie Curie")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_selector("input[type=password][name=token]", state="visible")


def test_namespace_switch_shows_only_that_namespace(browser, service):
    policy = TokenPolicy(TOKEN, {"other": OTHER_TOKEN})
    with serve(service, policy) as url, Page(browser, url) as page:
        page.goto(url + "/ui#/documents")
        page.fill("input[name=token]", OTHER_TOKEN)  # a token that opens namespace "other" only
        page.click("#token-form button")
        # It does not open "default": the page asks for that namespace's token.
        wait_until(page, "document.getElementById('token-reason').textContent.includes('does not open')")
        page.fill("input[name=token]", TOKEN)
        page.click("#token-form button")
        page.wait_for_selector("section.documents")
        default_titles = page.inner_text("section.documents table")
        assert "Marie Curie" in default_titles and "Lighthouse" not in default_titles
        wait_until(page, "[...document.querySelectorAll('#namespace option')].some(o => o.value === 'other')")
        page.select_option("#namespace", "other")
        wait_until(page, "document.querySelector('section.documents h2').textContent.startsWith('1 ')")
        titles = page.inner_text("section.documents table")
        assert "Lighthouse log" in titles and "Marie Curie" not in titles
        page.goto(url + "/ui#/search")
        shown = search(page, "Where does Alice live?")
        other_units = set()
        with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            for d in http.get("/documents", params={"namespace": "other"}).json()["items"]:
                other_units |= {
                    u["id"] for u in http.get(f"/documents/{d['id']}", params={"namespace": "other"}).json()["units"]
                }
        assert shown and set(shown) <= other_units
