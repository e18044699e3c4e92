// Offline messages: chats a customer left through the widget's offline
// form while no agent was online. The server marks them with the chat
// property parley.offline_message (and parley.offline_email, where the
// answers are mailed). The chat list gets two tabs, "All chats" and
// "Offline messages"; an offline message carries a badge. Answering one is
// joining the chat and sending a message, as in any chat.

import { h } from "./dom.js";

let only = false; // the "Offline messages" tab is selected

// offlineOf reads the mark of an offline message from a chat's wire
// properties ({namespace: {name: {value}}}): {email}, or null.
export function offlineOf(wireChat) {
  const ns = (wireChat && wireChat.properties && wireChat.properties.parley) || {};
  const marked = ns.offline_message && ns.offline_message.value === true;
  return marked ? { email: String((ns.offline_email && ns.offline_email.value) || "") } : null;
}

// listed reports whether a chat shows under the selected tab.
export function listed(c) {
  return !only || !!c.offline;
}

// offlineBadge is the list badge of an offline message, or null.
export function offlineBadge(c) {
  return c.offline ? h("span", { class: "badge offline-msg", text: "Offline message", title: "Answers are e-mailed to " + c.offline.email }) : null;
}

// initOffline puts the tabs above the chat list; render redraws the list.
export function initOffline(heading, render) {
  const tab = (label, value) => h("button", {
    type: "button", role: "tab", class: "list-tab", dataset: { tab: value ? "offline" : "all" },
    "aria-selected": String(only === value),
    onclick: () => {
      only = value;
      for (const b of tabs.children) b.setAttribute("aria-selected", String((b.dataset.tab === "offline") === only));
      render();
    },
  }, label);
  const tabs = h("div", { class: "list-tabs", role: "tablist", "aria-label": "Chat lists" },
    tab("All chats", false), tab("Offline messages", true));
  heading.after(tabs);
}
