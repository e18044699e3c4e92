// DOM helpers. Every piece of text from the server (customer messages,
// names, file names, page titles) goes into the page through textContent
// or an attribute set here: nothing is ever parsed as HTML.

// h builds an element. attrs: "class", "text" (textContent), "on<event>"
// handlers, "href"/"src" (checked by safeURL; dropped when unsafe),
// "dataset" (an object), booleans (true sets, false omits) and other
// attributes as strings. children: nodes, strings (as text), arrays,
// null/undefined/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = String(v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "href" || k === "src") {
      const u = safeURL(v);
      if (u) el.setAttribute(k, u);
    } else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.append(c);
    else el.append(document.createTextNode(String(c)));
  }
}

// safeURL returns the absolute form of an http or https URL, or "" for
// anything else (javascript:, data:, malformed…).
export function safeURL(u) {
  if (typeof u !== "string" || u === "") return "";
  try {
    const url = new URL(u, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
  } catch {
    return "";
  }
}

// link is an <a> to an http(s) URL opening in a new tab, or plain text
// when the URL is not http(s).
export function link(url, text, cls) {
  const href = safeURL(url);
  if (!href) return h("span", { class: cls, text: text || url });
  return h("a", { class: cls, href, target: "_blank", rel: "noopener noreferrer nofollow", text: text || href });
}

const urlPattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

// richText turns message text into text nodes, with http(s) URLs as links.
export function richText(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(urlPattern)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(link(m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// redraw makes fresh, in order, the children of parent before end (null:
// all its children). A child whose dataset[key] names a fresh node and
// that is drawn the same (isEqualNode) is kept in its place: lists drawn
// again on every push would otherwise replace the node under a click (a
// mousedown and mouseup on different nodes make no click) or holding the
// focus.
export function redraw(parent, fresh, key, end = null) {
  const old = new Map();
  for (let el = parent.firstElementChild; el && el !== end; el = el.nextElementSibling) old.set(el.dataset[key], el);
  const nodes = fresh.map((n) => {
    const o = old.get(n.dataset[key]);
    return o && o.isEqualNode(n) ? o : n;
  });
  const kept = new Set(nodes);
  for (const el of old.values()) if (!kept.has(el)) el.remove();
  let at = parent.firstElementChild;
  for (const n of nodes) {
    if (n === at) at = at.nextElementSibling;
    else parent.insertBefore(n, at);
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

// phone matches the layout of one pane at a time; the width is the one of
// console.css's @media rule.
export const phone = window.matchMedia("(max-width: 640px)");

export function show(el, on = true) {
  el.hidden = !on;
}

export function formatTime(ts) {
  if (!ts) return "";
  const d = new Date(ts * 1000);
  const now = new Date();
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === now.toDateString()) return time;
  return d.toLocaleDateString([], { month: "short", day: "numeric" }) + " " + time;
}

export function formatSize(n) {
  if (!(n > 0)) return "";
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}
