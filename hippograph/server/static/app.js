// The memory explorer: Search, Entity, Documents, Document, Overview; hash routes, one API.
import { api, ApiError } from "./api.js";
import { append, date, h, link, snippet } from "./dom.js";
import { drawExplain } from "./graph.js";

const view = document.getElementById("view");
const nsSelect = document.getElementById("namespace");
const searchForm = document.getElementById("search-form");
const state = { namespace: sessionStorage.getItem("hippograph.namespace") || "default", searches: 0 };

function route() {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || "search", arg: parts[1], params: new URLSearchParams(query) };
}

function fail(error) {
  view.replaceChildren(h("p", { class: "error", role: "alert" },
    error instanceof ApiError ? `${error.status}: ${error.message}` : String(error)));
}

async function render() {
  const { page, arg, params } = route();
  searchForm.hidden = page !== "search";
  try {
    if (page === "search") await searchPage(params);
    else if (page === "entity") await entityPage(arg, params);
    else if (page === "documents") await documentsPage(params);
    else if (page === "document") await documentPage(arg);
    else if (page === "overview") await overviewPage();
    else view.replaceChildren(h("p", {}, "No such page."));
  } catch (error) { fail(error); }
}

// -- namespaces --------------------------------------------------------------------------
async function loadNamespaces() {
  const names = new Set(["default", state.namespace]);
  try {
    const data = await api("/overview", { namespace: state.namespace });
    data.namespaces.forEach((n) => names.add(n));
  } catch (error) { /* a namespace token may not open the default overview: keep what we have */ }
  nsSelect.replaceChildren(...[...names].sort().map((n) => h("option", { value: n }, n)));
  nsSelect.value = state.namespace;
}

nsSelect.addEventListener("change", () => {
  state.namespace = nsSelect.value;
  sessionStorage.setItem("hippograph.namespace", state.namespace);
  const { page } = route();
  if (page === "entity" || page === "document") location.hash = page === "entity" ? "#/search" : "#/documents";
  else render();
});

// -- search ------------------------------------------------------------------------------
function searchParams() {
  const f = searchForm.elements;
  return { question: f.q.value.trim(), mode: f.mode.value, top_k: Number(f.top_k.value) || 5,
           as_of: f.as_of.value || null, explain: f.explain.checked };
}

searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const p = searchParams();
  if (!p.question) return;
  const query = new URLSearchParams({ q: p.question, mode: p.mode, top_k: p.top_k });
  if (p.as_of) query.set("as_of", p.as_of);
  if (p.explain) query.set("explain", "1");
  history.replaceState(null, "", `#/search?${query}`);
  runSearch(p).catch(fail);
});

async function searchPage(params) {
  const f = searchForm.elements;
  if (params.get("q")) {
    f.q.value = params.get("q");
    f.mode.value = params.get("mode") || "hippo";
    f.top_k.value = params.get("top_k") || 5;
    f.as_of.value = params.get("as_of") || "";
    f.explain.checked = params.get("explain") === "1";
    await runSearch(searchParams());
  } else if (!view.querySelector("#results")) {
    view.replaceChildren(h("p", { class: "hint" }, "Ask a question to see what the memory recalls, and why."));
  }
}

async function runSearch(p) {
  const seq = ++state.searches;
  const data = await api("/recall", { method: "POST", namespace: state.namespace, body: p });
  if (seq !== state.searches) return;  // a newer search was submitted meanwhile
  const facts = new Map(data.facts.map((f) => [f.id, f]));
  const list = h("ol", { id: "results", "data-seq": seq, "data-mode": data.mode });
  for (const unit of data.passages) {
    const seeds = unit.seed_facts.map((id) => facts.get(id)).filter(Boolean);
    list.append(h("li", { class: `unit unit-${unit.kind}`, "data-passage-id": unit.id },
      h("div", { class: "meta" },
        h("span", { class: "kind" }, unit.kind),
        h("a", { href: link.document(unit.document_id), class: "title" }, unit.title || unit.speaker || unit.id),
        h("span", { class: "score" }, `score ${unit.score.toFixed(4)}`),
        h("span", { class: "source" }, unit.source),
        unit.occurred_at ? h("time", {}, date(unit.occurred_at)) : null),
      h("p", { class: "text" }, snippet(unit.text)),
      seeds.length ? h("ul", { class: "seeds" }, seeds.map((f) => h("li", {},
        "seeded by ", h("a", { href: link.entity(f.subject) }, f.text)))) : null));
  }
  const parts = [h("h2", {}, `${data.passages.length} recalled (${data.mode})`),
                 data.fallback ? h("p", { class: "note" }, `fell back to dense: ${data.fallback}`) : null, list];
  if (data.facts.length) {
    parts.push(h("h3", {}, "Linked facts"), h("ul", { class: "facts" }, data.facts.map((f) => h("li", {
      class: f.invalid_at !== null ? "superseded" : "" },
      h("a", { href: link.entity(f.subject) }, f.text), ` (${f.score !== null ? f.score.toFixed(3) : ""})`,
      f.valid_from ? ` from ${date(f.valid_from)}` : "", f.invalid_at !== null ? ` until ${date(f.invalid_at)}` : ""))));
  }
  const section = h("section", { id: "search-results" }, parts);
  if (data.explain) {
    const box = h("figure", { id: "explain", "data-basis": data.explain.basis },
      h("figcaption", {}, `Activated subgraph (${data.explain.basis}): question → linked facts → entities → ` +
        "passages; node size = PPR mass. Edges: ", legend()));
    section.append(box);
    view.replaceChildren(section);
    drawExplain(box, data.explain);
  } else {
    view.replaceChildren(section);
  }
  document.body.dataset.searches = String(seq);
}

function legend() {
  return h("span", { class: "legend" }, ["link", "subject", "fact", "synonym", "mention", "next", "superseded"]
    .map((k) => h("span", { class: `key key-${k}` }, k)));
}

// -- entity --------------------------------------------------------------------------------
async function entityPage(id, params) {
  const asOf = params.get("as_of") || "";
  const e = await api(`/entities/${encodeURIComponent(id)}/history`, { namespace: state.namespace,
                                                                       query: { as_of: asOf } });
  const switcher = h("form", { class: "as-of", onsubmit: (event) => {
    event.preventDefault();
    const v = event.target.elements.as_of.value;
    location.hash = link.entity(id) + (v ? `?as_of=${encodeURIComponent(v)}` : "");
  } }, h("label", {}, "as of ", h("input", { type: "date", name: "as_of", value: asOf })),
     h("button", { type: "submit" }, "Show"), asOf ? h("a", { href: link.entity(id) }, "now") : null);
  const timeline = h("ol", { class: "timeline" }, e.facts.map((f) => h("li", {
    class: `fact status-${f.status}`, "data-fact-id": f.id, "data-status": f.status },
    h("span", { class: "status" }, f.status.replaceAll("_", " ")),
    h("span", { class: "fact-text" }, f.text),
    h("span", { class: "validity" }, (f.valid_from ? `valid from ${date(f.valid_from)}` : "undated") +
      (f.invalid_at !== null ? ` until ${date(f.invalid_at) || "?"}` : "")),
    f.superseded_by.length ? h("div", { class: "superseded-by" }, "superseded by ", f.superseded_by.map((s) =>
      h("a", { href: link.entity(s.subject) }, s.text)), f.superseded_by[0].at ? ` on ${date(f.superseded_by[0].at)}` : "") : null,
    h("ul", { class: "sources" }, f.sources.map((s) => h("li", {}, "from ",
      h("a", { href: link.document(s.document_id) }, s.title || s.source), s.occurred_at ? ` (${date(s.occurred_at)})` : ""))))));
  view.replaceChildren(h("article", { class: "entity", "data-entity-id": e.id },
    h("h2", {}, e.name), h("p", { class: "entity-id" }, `id ${e.id} · ${e.mentions} mentions`),
    e.aliases.length ? h("p", { class: "aliases" }, "aliases: ", e.aliases.map((a, i) => [i ? ", " : "",
      h("a", { href: link.entity(a.id) }, a.id), ` (${a.score.toFixed(2)})`])) : null,
    switcher, h("h3", {}, "Facts over time"), e.facts.length ? timeline : h("p", {}, "No facts."),
    h("h3", {}, `Mentioned in${asOf ? ` (dated up to ${asOf})` : ""}`),
    h("ul", { class: "mentions" }, e.units.map((u) => h("li", { "data-passage-id": u.id },
      h("a", { href: link.document(u.document_id) }, u.title || u.speaker || u.id),
      u.occurred_at ? ` (${date(u.occurred_at)})` : "", ": ", snippet(u.text, 200))))));
}

// -- documents -------------------------------------------------------------------------------
const PAGE = 25;

async function documentsPage(params) {
  const query = Object.fromEntries(["title", "source", "kind", "since", "until", "offset"]
    .map((k) => [k, params.get(k) || ""]));
  const data = await api("/documents", { namespace: state.namespace, query: { ...query, limit: PAGE } });
  const filters = h("form", { class: "filters", onsubmit: (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const el of event.target.elements) if (el.name && el.value) q.set(el.name, el.value);
    location.hash = `#/documents?${q}`;
  } },
    h("label", {}, "title ", h("input", { name: "title", value: query.title })),
    h("label", {}, "source ", h("input", { name: "source", value: query.source })),
    h("label", {}, "kind ", h("select", { name: "kind" }, ["", "passages", "episodes"].map((k) =>
      h("option", { value: k, selected: k === query.kind }, k || "any")))),
    h("label", {}, "ingested from ", h("input", { type: "date", name: "since", value: query.since })),
    h("label", {}, "to ", h("input", { type: "date", name: "until", value: query.until })),
    h("button", { type: "submit" }, "Filter"));
  const offset = Number(query.offset) || 0;
  const pageLink = (o) => { const q = new URLSearchParams(params); q.set("offset", o); return `#/documents?${q}`; };
  const rows = data.items.map((d) => h("tr", { "data-document-id": d.id },
    h("td", {}, h("a", { href: link.document(d.id) }, d.title || d.id)), h("td", {}, d.source),
    h("td", {}, d.kind), h("td", {}, String(d.passages + d.episodes)), h("td", {}, date(d.ingested_at))));
  view.replaceChildren(h("section", { class: "documents" }, h("h2", {}, `${data.total} documents`), filters,
    h("table", {}, h("thead", {}, h("tr", {}, ["title", "source", "kind", "units", "ingested"].map((c) => h("th", {}, c)))),
      h("tbody", {}, rows)),
    h("p", { class: "pager" }, offset > 0 ? h("a", { href: pageLink(Math.max(0, offset - PAGE)), rel: "prev" }, "← previous") : null,
      ` ${offset + 1}–${offset + data.items.length} of ${data.total} `,
      offset + PAGE < data.total ? h("a", { href: pageLink(offset + PAGE), rel: "next" }, "next →") : null),
    rememberForm()));
}

function rememberForm() {
  const status = h("p", { class: "status", role: "status" });
  return h("form", { class: "remember", onsubmit: async (event) => {
    event.preventDefault();
    const f = event.target.elements;
    try {
      const out = await api("/remember", { method: "POST", namespace: state.namespace, body: {
        text: f.text.value, title: f.title.value || null, occurred_at: f.occurred_at.value || null } });
      status.textContent = `${out.status}: ${out.units} units`;
      location.hash = link.document(out.id);
    } catch (error) { status.textContent = String(error.message || error); }
  } }, h("h3", {}, "Remember a note"),
    h("label", {}, "title ", h("input", { name: "title" })),
    h("label", {}, "date ", h("input", { type: "date", name: "occurred_at" })),
    h("label", {}, "text ", h("textarea", { name: "text", rows: 4, required: true })),
    h("button", { type: "submit" }, "Remember"), status);
}

async function documentPage(id) {
  const [doc, impact] = await Promise.all([
    api(`/documents/${encodeURIComponent(id)}`, { namespace: state.namespace }),
    api(`/documents/${encodeURIComponent(id)}/impact`, { namespace: state.namespace })]);
  const info = doc.document;
  const confirmBox = h("div", { class: "confirm", hidden: true });
  const del = h("button", { type: "button", class: "danger", onclick: async () => {
    const preview = await api(`/documents/${encodeURIComponent(id)}`, { method: "DELETE",
      namespace: state.namespace, query: { dry_run: "true" } });
    confirmBox.replaceChildren(h("p", {}, "Deleting removes: "), counts(preview.removes),
      preview.facts_restored.length ? h("p", {}, `${preview.facts_restored.length} superseded facts become current again.`) : null,
      h("button", { type: "button", class: "danger", name: "confirm", onclick: async () => {
        await api(`/documents/${encodeURIComponent(id)}`, { method: "DELETE", namespace: state.namespace });
        location.hash = "#/documents";
      } }, "Delete for good"),
      h("button", { type: "button", onclick: () => { confirmBox.hidden = true; } }, "Cancel"));
    confirmBox.hidden = false;
  } }, "Delete…");
  view.replaceChildren(h("article", { class: "document", "data-document-id": id },
    h("h2", {}, info.title || info.id), h("p", {}, `source ${info.source} · ingested ${date(info.ingested_at)}`),
    del, confirmBox,
    h("h3", {}, `Units (${doc.units.length})`), h("ol", { class: "units" }, doc.units.map((u) => h("li", {
      "data-passage-id": u.id }, h("span", { class: "kind" }, u.kind), " ", snippet(u.text, 600),
      u.facts.length ? h("ul", { class: "facts" }, u.facts.map((f) => h("li", {},
        h("a", { href: link.entity(f.subject) }, f.text)))) : null))),
    h("h3", {}, `Facts only it supports (${impact.facts.length})`),
    h("ul", {}, impact.facts.map((f) => h("li", {}, f.text))),
    h("h3", {}, `Entities only it supports (${impact.entities.length})`),
    h("ul", {}, impact.entities.map((e) => h("li", {}, e)))));
}

function counts(c) {
  return h("table", { class: "counts" }, h("tbody", {},
    ["documents", "passages", "episodes", "entities", "facts", "edges"].map((k) =>
      h("tr", { "data-count": k }, h("th", {}, k), h("td", {}, String(c[k]))))));
}

// -- overview --------------------------------------------------------------------------------
async function overviewPage() {
  const o = await api("/overview", { namespace: state.namespace });
  view.replaceChildren(h("section", { class: "overview" }, h("h2", {}, `Namespace ${o.namespace}`),
    h("p", {}, "store ", h("code", { id: "store-uri" }, o.store)),
    h("p", {}, `last change: generation ${o.generation}; index at generation ${o.index.generation} ` +
      `(${o.index.up_to_date ? "up to date" : "refreshing"}; ${o.index.units} units, ${o.index.entities} entities, ` +
      `${o.index.facts} facts, ${o.index.vector_index} vectors)`),
    counts(o.stats),
    h("h3", {}, "Edges by type"), h("table", {}, h("tbody", {}, Object.entries(o.stats.edges_by_type).map(([k, v]) =>
      h("tr", {}, h("th", {}, k), h("td", {}, String(v)))))),
    h("h3", {}, "Namespaces"), h("ul", {}, o.namespaces.map((n) => h("li", {}, n)))));
}

window.addEventListener("hashchange", () => { window.scrollTo(0, 0); render(); });
loadNamespaces().finally(render);
