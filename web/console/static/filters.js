// The chat list's filter bar: All chats, Mine (active chats the agent is
// in), Unassigned (active chats no agent is in, the queued ones among
// them), Closed (no active thread) and Offline messages (offline.js). Each
// button shows how many of the listed chats it keeps. The filters work on
// the chats the list holds (its most recent 200, from list_chats and the
// pushes).

import { h } from "./dom.js";
import { isMember, hasAgent } from "./state.js";

const filters = [
  { id: "all", label: "All", title: "All chats", keep: () => true },
  { id: "mine", label: "Mine", title: "Active chats you are in", keep: (c) => c.active && isMember(c) },
  { id: "unassigned", label: "Unassigned", title: "Active chats without an agent: queued or waiting", keep: (c) => c.active && !hasAgent(c) },
  { id: "closed", label: "Closed", title: "Chats without an active thread", keep: (c) => !c.active },
  { id: "offline", label: "Offline messages", title: "Messages left in the offline form", keep: (c) => !!c.offline },
];

let selected = filters[0];
let bar = null;

// listed reports whether a chat shows under the selected filter.
export function listed(c) {
  return selected.keep(c);
}

// initFilters puts the bar after heading; render redraws the list.
export function initFilters(heading, render) {
  bar = h("div", { class: "list-tabs", role: "tablist", "aria-label": "Chat filters" },
    filters.map((f) => h("button", {
      type: "button", role: "tab", class: "list-tab", title: f.title,
      dataset: { tab: f.id }, "aria-selected": String(f === selected),
      onclick: () => {
        selected = f;
        for (const b of bar.children) b.setAttribute("aria-selected", String(b.dataset.tab === f.id));
        render();
      },
    }, h("span", { class: "tab-label", text: f.label }), h("span", { class: "tab-count" }))));
  heading.after(bar);
}

// countFilters shows on each button how many of chats it keeps.
export function countFilters(chats) {
  if (!bar) return;
  filters.forEach((f, i) => {
    let n = 0;
    for (const c of chats) if (f.keep(c)) n++;
    bar.children[i].querySelector(".tab-count").textContent = n ? String(n) : "";
  });
}
