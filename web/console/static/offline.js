// Offline messages: chats a customer left through the widget's offline
// form while no agent was online. The server marks them with the chat
// property parley.offline_message (and parley.offline_email, where the
// answers are mailed). The chat list's filter bar (filters.js) has an
// "Offline messages" filter; an offline message carries a badge. Answering one is
// joining the chat and sending a message, as in any chat.

import { h } from "./dom.js";

// offlineOf reads the mark of an offline message from a chat's wire
// properties ({namespace: {name: {value}}}): {email}, or null.
export function offlineOf(wireChat) {
  const ns = (wireChat && wireChat.properties && wireChat.properties.parley) || {};
  const marked = ns.offline_message && ns.offline_message.value === true;
  return marked ? { email: String((ns.offline_email && ns.offline_email.value) || "") } : null;
}

// offlineBadge is the list badge of an offline message, or null.
export function offlineBadge(c) {
  return c.offline ? h("span", { class: "badge offline-msg", text: "Offline message", title: "Answers are e-mailed to " + c.offline.email }) : null;
}
