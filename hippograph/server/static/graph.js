// The explain view: the activated subgraph as SVG (positions from the server's layout).
// Node size = PPR mass; edge kinds by class; the 20 heaviest labels placed without overlap,
// the others shown on hover or keyboard focus; every node is a link.
import { link } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const LABELLED = 20;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function href(node) {
  if (node.kind === "entity") return link.entity(node.id);
  if (node.kind === "fact") return node.subject ? link.entity(node.subject) : "#/search";
  if (node.document_id) return link.document(node.document_id);
  return "#/search";
}

function short(text, n = 48) {
  return text.length > n ? text.slice(0, n) + "…" : text;
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export function drawExplain(container, explanation) {
  const columns = new Set(explanation.nodes.map((n) => n.x)).size;
  const perColumn = Math.max(...Object.values(explanation.nodes.reduce((acc, n) => {
    acc[n.x] = (acc[n.x] || 0) + 1; return acc; }, {})), 1);
  const width = Math.max(900, columns * 170), height = Math.max(420, perColumn * 22 + 40);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "explain",
                            role: "img", "aria-label": "activated subgraph" });
  const pos = new Map();
  const maxMass = Math.max(...explanation.nodes.map((n) => n.mass || 0), 1e-12);
  for (const n of explanation.nodes) {
    const r = n.mass === null || n.mass === undefined ? 5 : 3 + 13 * Math.sqrt(n.mass / maxMass);
    pos.set(n.id, { x: 20 + n.x * (width - 40), y: 20 + n.y * (height - 40), r });
  }
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
                                 markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }));
  defs.append(marker);
  root.append(defs);
  const edgeLayer = svg("g", { class: "edges" });
  for (const e of explanation.edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    if (!a || !b) continue;
    const line = svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: `edge edge-${e.kind}`,
                               "data-kind": e.kind });
    if (e.kind === "superseded") line.setAttribute("marker-end", "url(#arrow)");
    const title = svg("title");
    title.textContent = e.kind;
    line.append(title);
    edgeLayer.append(line);
  }
  root.append(edgeLayer);
  const nodeLayer = svg("g", { class: "nodes" });
  const labelLayer = svg("g", { class: "labels" });
  const hover = svg("text", { class: "hover-label", visibility: "hidden" });
  for (const n of explanation.nodes) {
    const p = pos.get(n.id);
    const a = svg("a", { href: href(n), class: `node node-${n.kind}${n.superseded ? " superseded" : ""}`,
                         "data-node-id": n.id, "data-kind": n.kind });
    a.append(svg("circle", { cx: p.x, cy: p.y, r: p.r }));
    const title = svg("title");
    title.textContent = `${n.kind}: ${n.label}` + (n.mass ? ` (mass ${n.mass.toExponential(2)})` : "");
    a.append(title);
    const show = () => {
      hover.textContent = short(n.label, 90);
      hover.setAttribute("x", Math.min(p.x + p.r + 4, width - 300));
      hover.setAttribute("y", Math.max(p.y - p.r - 4, 12));
      hover.setAttribute("visibility", "visible");
    };
    const hide = () => hover.setAttribute("visibility", "hidden");
    a.addEventListener("mouseenter", show);
    a.addEventListener("focus", show);
    a.addEventListener("mouseleave", hide);
    a.addEventListener("blur", hide);
    nodeLayer.append(a);
  }
  root.append(nodeLayer, labelLayer, hover);
  container.append(root);
  placeLabels(explanation, pos, labelLayer, width, height);
  return root;
}

// Greedy placement: heaviest first, each label at the first candidate spot clear of every label
// and node circle placed so far (measured with getBBox, so real font metrics count).
function placeLabels(explanation, pos, layer, width, height) {
  // The question is always named; then the LABELLED nodes with the most PPR mass.
  const heavy = [...explanation.nodes.filter((n) => n.kind === "question"),
                 ...explanation.nodes.filter((n) => n.mass).sort((a, b) => b.mass - a.mass).slice(0, LABELLED)];
  const placed = [];
  const circles = [...pos.values()].map((p) => ({ x: p.x - p.r, y: p.y - p.r, width: 2 * p.r, height: 2 * p.r }));
  for (const n of heavy) {
    const p = pos.get(n.id);
    const text = svg("text", { class: "label", "data-label-for": n.id });
    text.textContent = short(n.label);
    layer.append(text);
    let done = false;
    for (let ring = 0; ring < 14 && !done; ring++) {
      const d = p.r + 3 + ring * 12;
      for (const [dx, dy, anchor] of [[d, 4, "start"], [-d, 4, "end"], [0, -d, "middle"], [0, d + 10, "middle"],
                                      [d, -d, "start"], [-d, d + 10, "end"], [d, d + 10, "start"], [-d, -d, "end"]]) {
        text.setAttribute("x", p.x + dx);
        text.setAttribute("y", p.y + dy);
        text.setAttribute("text-anchor", anchor);
        const box = text.getBBox();
        if (box.x < 0 || box.y < 0 || box.x + box.width > width || box.y + box.height > height) continue;
        if (placed.some((b) => overlaps(box, b))) continue;
        if (ring < 6 && circles.some((c) => overlaps(box, c))) continue;
        placed.push(box);
        done = true;
        break;
      }
    }
    if (!done) text.remove();  // no clear spot: shown on hover like the rest
  }
}
