// Search over past chats (search_chats): a search box above the chat list
// and, while it holds a query, a list of the chats found in place of the
// chat list, each with a snippet of its newest match whose words are
// marked (for a chat found by its customer's name or e-mail only, the
// customer's name and address). Every piece of server text goes in as
// text nodes. Opening a result opens the chat (archived ones too) and,
// when the matching event is among those shown, scrolls to it.

import { h, $, clear, show, formatTime } from "./dom.js";
import { request } from "./state.js";

const maxQuery = 200; // chat.SearchMaxQuery
let seq = 0; // the latest search; older answers are dropped
let reset = () => {};

// resetSearch empties the search box and drops its results (on sign-out:
// the next agent must not see them).
export function resetSearch() {
  reset();
}

// words splits a query as the server does: runs of letters, digits and
// marks, lowercased.
function words(q) {
  return (q.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) || []);
}

// marked returns text as nodes, with each word that starts with one of
// terms wrapped in <mark>.
function marked(text, terms) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const w = m[0].toLowerCase();
    if (!terms.some((t) => w.startsWith(t))) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h("mark", { text: m[0] }));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// initSearch puts the search box before the chat list (list); open(chatId)
// opens a chat and resolves once it shows.
export function initSearch(list, open) {
  const input = h("input", { type: "search", id: "search", class: "search-input", maxlength: String(maxQuery),
    placeholder: "Search chats", "aria-label": "Search chats", autocomplete: "off" });
  const results = h("ul", { id: "search-results", class: "chat-list search-results", "aria-label": "Search results" });
  const note = h("p", { id: "search-note", class: "empty-note", "aria-live": "polite" });
  const form = h("form", { class: "search", role: "search", onsubmit: (e) => { e.preventDefault(); run(); } }, input);
  show(results, false);
  show(note, false);
  list.before(form);
  list.after(results, note);
  let timer = 0;
  reset = () => {
    clearTimeout(timer);
    input.value = "";
    run();
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });

  async function run() {
    const q = input.value.trim();
    const mine = ++seq;
    const searching = q !== "";
    show(list, !searching);
    const noChats = $("#no-chats");
    if (noChats && searching) show(noChats, false);
    show(results, searching);
    show(note, searching);
    if (!searching) {
      clear(results);
      return;
    }
    note.textContent = "Searching…";
    let r;
    try {
      r = await request("search_chats", { query: q, limit: 50 });
    } catch (err) {
      if (mine === seq) note.textContent = "Search failed: " + (err && err.message ? err.message : String(err));
      return;
    }
    if (mine !== seq) return;
    const terms = words(q);
    clear(results);
    for (const hit of r.chats || []) {
      const li = h("li", { class: "search-hit", dataset: { chatId: hit.chat_id, eventId: hit.event_id } },
        h("button", { type: "button", class: "search-open", onclick: () => openHit(hit) },
          h("span", { class: "hit-head" },
            h("span", { class: "hit-name", text: hit.customer_name || "Customer " + hit.customer_id.slice(0, 8) }),
            h("span", { class: "hit-time", text: formatTime(hit.created_at) })),
          h("span", { class: "snippet" }, marked(hit.snippet || "", terms)),
          hit.event_ids && hit.event_ids.length > 1
            ? h("span", { class: "hit-count", text: hit.event_ids.length + " matches" }) : null,
          hit.by_customer && !hit.event_id
            ? h("span", { class: "hit-count hit-customer", text: "the customer's name or e-mail" }) : null));
      results.append(li);
    }
    const n = (r.chats || []).length;
    note.textContent = n === 0 ? "No chats found." : n + (r.more ? "+" : "") + (n === 1 ? " chat found." : " chats found.");
  }

  async function openHit(hit) {
    await open(hit.chat_id);
    if (!hit.event_id) return; // found by its customer: no event to show
    // The match shows once the chat's events are in: scroll to it then.
    for (let i = 0; i < 30; i++) {
      const li = document.querySelector(`li.event[data-event-id="${CSS.escape(hit.event_id)}"]`);
      if (li) {
        li.classList.add("search-match");
        li.scrollIntoView({ block: "center" });
        return;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}
