// Build DOM nodes from data; every string becomes a text node or an attribute value, never markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const link = {
  entity: (id) => `#/entity/${encodeURIComponent(id)}`,
  document: (id) => `#/document/${encodeURIComponent(id)}`,
};

export function snippet(text, n = 400) {
  return text.length > n ? text.slice(0, n) + "…" : text;
}

export function date(value) {
  return value ? String(value).slice(0, 10) : "";
}
