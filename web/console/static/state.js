// The console's shared state and the questions every view asks of it.

export const state = {
  session: null, // {token, license, agentId}
  rtm: null,
  me: null, // my_profile from login
  chats: new Map(), // chat id → chat (see chatFromWire)
  totalChats: 0,
  openId: "",
  customers: new Map(), // customer id → get_customer answer, updated by pushes
  connected: false,
};

// hooks are set by app.js so that views can ask for each other's updates.
export const hooks = {
  renderChatList() {},
  renderCustomer() {},
  renderChatHead() {},
};

export function request(action, payload) {
  if (!state.rtm) return Promise.reject(new Error("Not signed in."));
  return state.rtm.request(action, payload);
}

// newChat is an entry of the chat list.
export function newChat(id) {
  return {
    id,
    users: new Map(),
    active: false,
    order: 0,
    lastThreadId: "",
    preview: null, // {text, authorId, ts, order}
    queue: null, // {position, queued_at} while queued
    offline: null, // {email} of an offline message (offline.js)
    threadTags: {}, // the tags of each tagged thread, by thread id (tags.js)
    unread: 0,
    sneak: null, // {text, at}
    typing: null, // {authorId, until}
  };
}

export function setUsers(chat, users) {
  const next = new Map();
  for (const u of users || []) next.set(u.id, { ...(chat.users.get(u.id) || {}), ...u });
  chat.users = next;
}

export function customerOf(chat) {
  for (const u of chat.users.values()) if (u.type === "customer") return u;
  return null;
}

export function isMember(chat) {
  const me = state.me && chat.users.get(state.me.id);
  return !!(me && me.present);
}

export function hasAgent(chat) {
  for (const u of chat.users.values()) if (u.type === "agent" && u.present) return true;
  return false;
}

export function displayName(u, fallback = "Customer") {
  if (!u) return fallback;
  if (u.name) return u.name;
  if (u.email) return u.email;
  if (u.type === "agent") return u.id;
  return fallback + " " + String(u.id || "").slice(0, 6);
}

// customerName prefers the details of get_customer and customer_updated.
export function customerName(chat) {
  const u = customerOf(chat);
  if (!u) return "Customer";
  const c = state.customers.get(u.id);
  return displayName(c && (c.name || c.email) ? c : u);
}

export function authorName(chat, id) {
  if (state.me && id === state.me.id) return "You";
  const u = chat && chat.users.get(id);
  if (u && u.type === "customer") return customerName(chat);
  return displayName(u, "Agent");
}

// eventPreview is the one line a chat list shows for an event.
export function eventPreview(e) {
  switch (e.type) {
    case "message":
    case "system_message":
    case "annotation":
      return e.text || "";
    case "file":
      return "File: " + (e.name || "file");
    case "rich_message":
      return "Message with buttons" + (firstTitle(e) ? ": " + firstTitle(e) : "");
    case "filled_form":
      return "Form filled in";
    default:
      return e.type || "";
  }
}

function firstTitle(e) {
  const els = Array.isArray(e.elements) ? e.elements : [];
  return els.length && typeof els[0].title === "string" ? els[0].title : "";
}

export function notePreview(chat, e) {
  const p = { text: eventPreview(e), authorId: e.author_id || "", ts: e.timestamp || 0, type: e.type };
  if (!chat.preview || p.ts >= chat.preview.ts) chat.preview = p;
  if (p.ts > chat.order) chat.order = p.ts;
}
