// The Reports page: get_report over the last 7 or 30 days (UTC), drawn as
// totals, a bar chart of chats per day (SVG drawn here, with a table of
// the same numbers), first-response and resolution times and ratings per
// agent and per group, and the latest rating comments. What each number
// counts is in docs/agent-api.md, "Reports"; the server decides whose
// chats an agent may count.

import { h, $, clear, show } from "./dom.js";
import { request } from "./state.js";

const svgNS = "http://www.w3.org/2000/svg";
let rangeDays = 7;
let last = null; // {report, agents, groups} of the page shown
let loading = 0;
let names = null; // {at, list: Promise<[agents, groups]>}: agents' and groups' names, kept a minute

export function initReports() {
  for (const b of document.querySelectorAll("#reports .range button")) {
    b.addEventListener("click", () => {
      rangeDays = Number(b.dataset.days);
      for (const o of document.querySelectorAll("#reports .range button")) o.setAttribute("aria-pressed", String(o === b));
      loadReport();
    });
  }
  $("#reports-group").addEventListener("change", loadReport);
  window.addEventListener("resize", () => {
    if (last && !$("#reports").hidden) renderChart(last.report);
  });
}

// utcDay is the day n days before today, UTC, as YYYY-MM-DD.
function utcDay(n) {
  return new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
}

// loadReport asks for the report of the chosen range and shows it; an
// answer overtaken by a newer request is dropped.
export async function loadReport() {
  const seq = ++loading;
  const payload = { from: utcDay(rangeDays - 1), to: utcDay(0) };
  const group = $("#reports-group").value;
  if (group !== "") payload.group_id = Number(group);
  $("#reports-error").textContent = "";
  $("#reports").setAttribute("aria-busy", "true");
  try {
    if (!names || Date.now() - names.at > 60000) {
      names = { at: Date.now(), list: Promise.all([
        request("list_agents", {}).catch(() => ({ agents: [] })),
        request("list_groups", {}).catch(() => ({ groups: [] })),
      ]) };
    }
    const [report, [agents, groups]] = await Promise.all([request("get_report", payload), names.list]);
    if (seq !== loading) return;
    last = {
      report,
      agents: new Map((agents.agents || []).map((a) => [a.id, a.name || a.id])),
      groups: new Map((groups.groups || []).map((g) => [g.id, g.name || "Group " + g.id])),
    };
    renderGroupChoice();
    render();
  } catch (err) {
    if (seq === loading) $("#reports-error").textContent = "Could not load the report: " + err.message;
  } finally {
    if (seq === loading) $("#reports").removeAttribute("aria-busy");
  }
}

// formatDuration writes seconds as "350 ms", "4.2 s", "45 s", "2 min 5 s"
// or "1 h 4 min".
export function formatDuration(s) {
  if (s < 1) return Math.round(s * 1000) + " ms";
  if (s < 10) return s.toFixed(1) + " s";
  s = Math.round(s);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min" + (s % 60 ? " " + (s % 60) + " s" : "");
  const m = Math.floor((s % 3600) / 60);
  return Math.floor(s / 3600) + " h" + (m ? " " + m + " min" : "");
}

function shortDate(d) {
  return new Date(d + "T00:00:00Z").toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
}

// renderGroupChoice lists the license's groups in the group filter,
// keeping the choice.
function renderGroupChoice() {
  const sel = $("#reports-group");
  const chosen = sel.value;
  sel.replaceChildren(h("option", { value: "", text: "All groups" }),
    ...[...last.groups].map(([id, name]) => h("option", { value: String(id), text: name })));
  sel.value = chosen;
}

function render() {
  const { report: r } = last;
  $("#reports-range").textContent = shortDate(r.from) + " – " + shortDate(r.to) + " (UTC)";
  const body = clear($("#reports-body"));
  body.append(
    totals(r.total),
    h("figure", { class: "chart-figure" },
      h("figcaption", { text: "Chats per day" }),
      h("div", { id: "chart-box", class: "chart-box" }),
      h("details", { class: "chart-table" }, h("summary", { text: "Chats per day as a table" }),
        h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Day" }), h("th", { scope: "col", text: "Chats" }))),
          h("tbody", {}, r.days.map((d) => h("tr", {}, h("th", { scope: "row", text: d.date }), h("td", { text: d.chats }))))))),
    section("Agents", "agents", (r.agents || []).map((a) => ({ key: a.agent_id, name: last.agents.get(a.agent_id) || a.agent_id, stats: a }))),
    section("Groups", "groups", (r.groups || []).map((g) => ({ key: String(g.group_id), name: last.groups.get(g.group_id) || "Group " + g.group_id, stats: g }))),
    comments(r.comments || []),
  );
  renderChart(r);
}

function totals(t) {
  const item = (stat, label, value, secs) =>
    h("div", { class: "total", dataset: { stat } }, h("dt", { text: label }),
      h("dd", secs === undefined ? { text: value } : { text: value, dataset: { seconds: String(secs) } }));
  const dur = (d, k) => (d.count ? formatDuration(d[k]) : "—");
  return h("dl", { id: "report-totals", class: "totals" },
    item("chats", "Chats", t.chats),
    item("answered", "Answered", t.answered),
    item("closed", "Closed", t.closed),
    item("first-response-median", "First response, median", dur(t.first_response, "median"), t.first_response.median),
    item("first-response-p90", "First response, p90", dur(t.first_response, "p90"), t.first_response.p90),
    item("resolution-median", "Resolution, median", dur(t.resolution, "median"), t.resolution.median),
    item("resolution-p90", "Resolution, p90", dur(t.resolution, "p90"), t.resolution.p90),
    h("div", { class: "total", dataset: { stat: "ratings" } }, h("dt", { text: "Ratings" }),
      h("dd", {}, ratingBar(t.ratings.good, t.ratings.bad),
        h("span", { class: "rating-text", text: t.ratings.good + " good · " + t.ratings.bad + " bad" }))));
}

// section is the table of the rows of agents or groups.
function section(title, kind, rows) {
  const id = "report-" + kind;
  const sec = h("section", { class: "report-section", "aria-labelledby": id + "-heading" }, h("h3", { id: id + "-heading", text: title }));
  if (rows.length === 0) {
    sec.append(h("p", { class: "note", text: "No chats answered in this range." }));
    return sec;
  }
  const dur = (d, k) => h("td", { class: "num", dataset: { seconds: String(d[k]) }, text: d.count ? formatDuration(d[k]) : "—" });
  const col = (text) => h("th", { scope: "col", text });
  const head = h("thead", {},
    h("tr", {}, h("th", { scope: "col", rowspan: "2", text: kind === "agents" ? "Agent" : "Group" }),
      h("th", { scope: "col", rowspan: "2", class: "num", text: "Chats" }),
      h("th", { scope: "colgroup", colspan: "2", text: "First response" }),
      h("th", { scope: "colgroup", colspan: "2", text: "Resolution" }),
      h("th", { scope: "col", rowspan: "2", text: "Ratings" })),
    h("tr", {}, col("median"), col("p90"), col("median"), col("p90")));
  const body = h("tbody", {}, rows.map(({ key, name, stats: s }) =>
    h("tr", { dataset: { key } },
      h("th", { scope: "row", text: name }),
      h("td", { class: "num", dataset: { stat: "chats" }, text: s.chats }),
      dur(s.first_response, "median"), dur(s.first_response, "p90"),
      dur(s.resolution, "median"), dur(s.resolution, "p90"),
      h("td", { class: "ratings", dataset: { good: String(s.ratings.good), bad: String(s.ratings.bad) } },
        ratingBar(s.ratings.good, s.ratings.bad), " " + s.ratings.good + " / " + s.ratings.bad))));
  sec.append(h("div", { class: "table-wrap" }, h("table", { id, class: "report-table" }, head, body)));
  return sec;
}

function comments(list) {
  const sec = h("section", { class: "report-section", "aria-labelledby": "report-comments-heading" },
    h("h3", { id: "report-comments-heading", text: "Latest comments" }));
  if (list.length === 0) {
    sec.append(h("p", { class: "note", text: "No rating comments in this range." }));
    return sec;
  }
  sec.append(h("ol", { id: "report-comments", class: "comments" }, list.map((c) =>
    h("li", { dataset: { rating: c.rating } },
      h("span", { class: "badge " + c.rating, text: c.rating === "good" ? "Good" : "Bad" }),
      h("span", { class: "comment-text", text: c.comment }),
      h("span", { class: "note", text: (c.agent_id ? (last.agents.get(c.agent_id) || c.agent_id) + " · " : "") +
        new Date(c.created_at * 1000).toLocaleDateString("en", { month: "short", day: "numeric" }) })))));
  return sec;
}

// svg builds an SVG element; children as h's.
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// ratingBar is a small bar of good (left) and bad ratings.
function ratingBar(good, bad) {
  const w = 64, n = good + bad;
  const g = n ? Math.round((w * good) / n) : 0;
  const label = good + " good, " + bad + " bad";
  return svg("svg", { class: "rating-bar", width: w, height: 8, viewBox: "0 0 " + w + " 8", role: "img", "aria-label": label },
    svg("title", {}, label),
    n === 0 ? svg("rect", { class: "rate-none", width: w, height: 8, rx: 2 }) : [
      svg("rect", { class: "rate-good", width: g, height: 8 }),
      svg("rect", { class: "rate-bad", x: g, width: w - g, height: 8 }),
    ]);
}

function renderChart(r) {
  const box = $("#chart-box");
  if (!box) return;
  clear(box).append(barChart(r.days, Math.max(280, Math.floor(box.clientWidth || 600))));
}

// barChart draws one bar per day, a y axis from 0 to the highest count
// and a label under every few days, sized to width px.
export function barChart(days, width) {
  const height = 190, left = 30, right = 8, top = 12, bottom = 24;
  const plotW = width - left - right, plotH = height - top - bottom;
  const most = Math.max(1, ...days.map((d) => d.chats));
  const band = plotW / Math.max(1, days.length);
  const barW = Math.max(2, band * 0.7);
  const y = (v) => top + plotH - (plotH * v) / most;
  const every = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(plotW / 48))));
  const total = days.reduce((s, d) => s + d.chats, 0);
  const peak = days.reduce((p, d) => (d.chats > p.chats ? d : p), days[0] || { chats: 0 });
  const first = days[0] ? days[0].date : "", lastDay = days.length ? days[days.length - 1].date : "";
  const ticks = most >= 2 ? [0, Math.round(most / 2), most] : [0, most];
  return svg("svg", { id: "chats-chart", class: "chart", width, height, viewBox: `0 0 ${width} ${height}`,
    role: "img", "aria-labelledby": "chart-title chart-desc" },
    svg("title", { id: "chart-title" }, "Chats per day, " + first + " to " + lastDay),
    svg("desc", { id: "chart-desc" }, days.length + " days, " + total + " chats in all" +
      (total ? "; the most on " + peak.date + " (" + peak.chats + ")." : ".")),
    ticks.map((v) => svg("g", { class: "tick" },
      svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v) }),
      svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, v))),
    days.map((d, i) => {
      const x = left + i * band + (band - barW) / 2;
      return svg("g", {},
        svg("rect", { class: "bar", x: x.toFixed(1), y: y(d.chats).toFixed(1), width: barW.toFixed(1),
          height: (top + plotH - y(d.chats)).toFixed(1), "data-date": d.date, "data-chats": d.chats },
          svg("title", {}, d.date + ": " + d.chats + (d.chats === 1 ? " chat" : " chats"))),
        i % every === 0 || i === days.length - 1 && (days.length - 1) % every > every / 2
          ? svg("text", { class: "day", x: (left + i * band + band / 2).toFixed(1), y: height - 8, "text-anchor": "middle" }, shortDate(d.date))
          : null);
    }));
}

// showReports shows or hides the page; showing loads the report afresh.
export function showReports(on) {
  show($("#reports"), on);
  if (on) loadReport();
}
