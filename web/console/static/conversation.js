// The open chat: history (the last thread from get_chat, older threads on
// scrolling up), live events, sneak peek and typing, the reply box, files,
// messages with buttons, join, close and transfer.

import { h, clear, show, link, richText, safeURL, formatTime, formatSize, phone } from "./dom.js";
import { state, hooks, request, isMember, authorName, customerOf, setUsers, notePreview } from "./state.js";
import { initReplies, replyKeydown } from "./replies.js";
import { initNotes, noteFields, markNote } from "./notes.js";
import { renderTags } from "./tags.js";

const maxFileBytes = 10 << 20;
const threadPage = 25;
const inlineImages = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

let view = null; // the open chat's view state, see openChat
let atBottom = true; // the history shows its newest message

const els = {};

export function initConversation() {
  for (const id of ["chat-view", "empty", "chat-title", "chat-state", "join", "transfer", "close",
    "transfer-panel", "transfer-target", "transfer-cancel", "transfer-note", "messages", "message-list",
    "history-top", "sneak", "sneak-text", "typing", "upload", "upload-name", "upload-progress",
    "upload-status", "chat-error", "composer", "reply", "file", "rich-toggle", "rich-composer",
    "rich-title", "rich-buttons", "rich-cancel", "offline-banner", "chat-menu", "chat-tags"]) {
    els[id] = document.getElementById(id);
  }
  els.messages.addEventListener("scroll", () => {
    atBottom = nearBottom();
    if (els.messages.scrollTop < 120) loadOlder();
  });
  // When the history's box shrinks (the on-screen keyboard opens, a bar
  // shows under it), the newest message stays in view if it was.
  new ResizeObserver(() => {
    if (atBottom) scrollToBottom();
  }).observe(els.messages);
  // On a phone the chat's actions fold behind a menu button.
  initNotes();
  els["chat-menu"].addEventListener("click", () => setMenu(els["chat-menu"].getAttribute("aria-expanded") !== "true"));
  els.composer.addEventListener("submit", (e) => {
    e.preventDefault();
    sendReply();
  });
  // Enter sends, except on a phone, whose keyboard has no Shift+Enter for
  // a new line: there the Send button sends.
  const hint = () => {
    els.reply.placeholder = phone.matches ? "Write a reply…" : "Write a reply… (Enter sends, Shift+Enter for a new line)";
  };
  hint();
  phone.addEventListener("change", hint);
  initReplies(els.reply, document.querySelector(".composer-tools"));
  els.reply.addEventListener("keydown", (e) => {
    if (replyKeydown(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !phone.matches) {
      e.preventDefault();
      sendReply();
    }
  });
  els.reply.addEventListener("input", onTyping);
  els.file.addEventListener("change", () => {
    const f = els.file.files && els.file.files[0];
    els.file.value = "";
    if (f) upload(f);
  });
  const convo = document.querySelector(".conversation");
  convo.addEventListener("dragover", (e) => {
    if (view && e.dataTransfer && [...e.dataTransfer.types].includes("Files")) {
      e.preventDefault();
      convo.classList.add("dropping");
    }
  });
  convo.addEventListener("dragleave", () => convo.classList.remove("dropping"));
  convo.addEventListener("drop", (e) => {
    convo.classList.remove("dropping");
    const f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (view && f) {
      e.preventDefault();
      upload(f);
    }
  });
  els.join.addEventListener("click", () => guard(ensureJoined));
  els.close.addEventListener("click", () => guard(closeChat));
  els.transfer.addEventListener("click", () => guard(openTransfer));
  els["transfer-cancel"].addEventListener("click", () => show(els["transfer-panel"], false));
  els["transfer-panel"].addEventListener("submit", (e) => {
    e.preventDefault();
    guard(transfer);
  });
  els["rich-toggle"].addEventListener("click", () => {
    show(els["rich-composer"], els["rich-composer"].hidden);
    if (!els["rich-composer"].hidden) els["rich-title"].focus();
  });
  els["rich-cancel"].addEventListener("click", () => show(els["rich-composer"], false));
  els["rich-composer"].addEventListener("submit", (e) => {
    e.preventDefault();
    guard(sendRich);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      show(els["transfer-panel"], false);
      show(els["rich-composer"], false);
    }
  });
}

function setError(msg) {
  els["chat-error"].textContent = msg || "";
}

async function guard(fn) {
  setError("");
  try {
    await fn();
  } catch (e) {
    setError(e.message || String(e));
  }
}

// openChat shows a chat: its last thread first, older threads as the agent
// scrolls up. The caller moves the focus.
export function openChat(id) {
  const chat = state.chats.get(id);
  if (!chat) return;
  if (view && view.chatId !== id) stopTyping();
  state.openId = id;
  chat.unread = 0;
  view = {
    chatId: id,
    summaries: [], // thread summaries, newest first
    total: -1, // total threads; -1 before the first summary page
    loaded: new Set(), // thread ids whose events are shown
    loading: false,
    groups: new Map(), // thread id → {li, ol, order}
    events: new Map(), // event id → li
    buttons: new Map(), // event id → Map(postback id → button)
    postbacks: new Map(), // event id → Map(postback id → toggled)
    typingSent: false,
    typingTimer: 0,
    generation: 0,
  };
  show(els.empty, false);
  show(els["chat-view"], true);
  show(els["transfer-panel"], false);
  show(els["rich-composer"], false);
  show(els.upload, false);
  setError("");
  clear(els["message-list"]);
  els["history-top"].textContent = "Loading…";
  renderChatHead();
  renderSneak();
  renderTyping();
  hooks.renderChatList();
  hooks.renderCustomer();
  setMenu(false);
  reload();
}

function setMenu(open) {
  els["chat-menu"].setAttribute("aria-expanded", open ? "true" : "false");
}

export function closeView() {
  stopTyping();
  view = null;
  state.openId = "";
  show(els["chat-view"], false);
  show(els.empty, true);
}

// reload fetches the open chat again (after opening it, and after a
// reconnection, to show what happened meanwhile).
export async function reload() {
  if (!view) return;
  const v = view;
  const gen = ++v.generation;
  v.loading = true;
  try {
    const [got, sum] = await Promise.all([
      request("get_chat", { chat_id: v.chatId }),
      request("get_chat_threads_summary", { chat_id: v.chatId, offset: 0, limit: threadPage }),
    ]);
    if (view !== v || gen !== v.generation) return;
    const c = got.chat || {};
    const chat = state.chats.get(v.chatId);
    if (chat) {
      setUsers(chat, c.users);
      const threads = c.threads || [];
      const last = threads[threads.length - 1];
      if (last) {
        chat.active = !!last.active;
        chat.lastThreadId = last.id;
      }
    }
    v.summaries = sum.threads_summary || [];
    v.total = sum.total_threads || 0;
    const stick = nearBottom();
    for (const t of c.threads || []) addThread(t);
    if (stick || v.loaded.size <= 1) scrollToBottom();
    markSeen();
    renderChatHead();
    hooks.renderChatList();
    hooks.renderCustomer();
  } catch (e) {
    if (view === v) setError("Could not load the chat: " + e.message);
  } finally {
    if (view === v) v.loading = false;
  }
  if (view === v) {
    updateHistoryTop();
    fillViewport();
  }
}

function nearBottom() {
  const m = els.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
}

function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
}

// fillViewport loads older threads until the history can be scrolled.
function fillViewport() {
  if (view && els.messages.scrollHeight <= els.messages.clientHeight + 120) loadOlder();
}

function nextOlder() {
  for (const s of view.summaries) {
    if (!view.loaded.has(s.id)) return s;
  }
  return null;
}

function moreThreads() {
  return view.total < 0 || view.summaries.length < view.total || nextOlder() !== null;
}

function updateHistoryTop() {
  if (!view) return;
  let text = "";
  if (view.loading) text = "Loading earlier messages…";
  else if (moreThreads()) text = "Scroll up for earlier messages";
  else if (view.total > 0) text = "Beginning of the conversation";
  else text = "No messages yet";
  els["history-top"].textContent = text;
}

// loadOlder adds the next older thread at the top, keeping the agent's
// place in the history.
export async function loadOlder() {
  const v = view;
  if (!v || v.loading || !moreThreads()) return;
  v.loading = true;
  updateHistoryTop();
  try {
    let next = nextOlder();
    if (!next && v.summaries.length < v.total) {
      const sum = await request("get_chat_threads_summary", { chat_id: v.chatId, offset: v.summaries.length, limit: threadPage });
      if (view !== v) return;
      const known = new Set(v.summaries.map((s) => s.id));
      for (const s of sum.threads_summary || []) if (!known.has(s.id)) v.summaries.push(s);
      v.total = sum.total_threads || v.total;
      next = nextOlder();
      if (!(sum.threads_summary || []).length) v.total = v.summaries.length;
    }
    if (!next) return;
    const got = await request("get_chat_threads", { chat_id: v.chatId, thread_ids: [next.id] });
    if (view !== v) return;
    const m = els.messages;
    const fromBottom = m.scrollHeight - m.scrollTop;
    const threads = (got.chat && got.chat.threads) || [];
    for (const t of threads) addThread(t);
    if (!threads.length) v.loaded.add(next.id);
    m.scrollTop = m.scrollHeight - fromBottom;
  } catch (e) {
    if (view === v) setError("Could not load earlier messages: " + e.message);
    return;
  } finally {
    if (view === v) {
      v.loading = false;
      updateHistoryTop();
    }
  }
  if (view === v) fillViewport();
}

// group returns the list of a thread's events, creating it in thread
// order. Threads only known from a push sort after every loaded one.
function group(threadId, order, ts) {
  let g = view.groups.get(threadId);
  if (g) return g;
  if (order === undefined || order === null) {
    order = 1;
    for (const o of view.groups.values()) order = Math.max(order, o.order + 1);
  }
  const ol = h("ol", { class: "events" });
  const li = h("li", { class: "thread", dataset: { threadId } },
    h("p", { class: "thread-start", text: ts ? "Chat started " + formatTime(ts) : "Chat" }), ol);
  g = { li, ol, order };
  let before = null;
  for (const o of view.groups.values()) {
    if (o.order > order && (!before || o.order < before.order)) before = o;
  }
  els["message-list"].insertBefore(li, before ? before.li : null);
  view.groups.set(threadId, g);
  return g;
}

function addThread(t) {
  if (!view) return;
  const g = group(t.id, t.order, t.timestamp);
  view.loaded.add(t.id);
  for (const e of t.events || []) addEvent(t.id, e, g);
}

// addEvent shows an event once, in order within its thread.
function addEvent(threadId, e, g) {
  if (!view || !e || !e.id || view.events.has(e.id)) return;
  g = g || group(threadId);
  const li = renderEvent(e);
  li.dataset.order = String(e.order || 0);
  let before = null;
  for (const other of g.ol.children) {
    if (Number(other.dataset.order) > (e.order || 0)) {
      before = other;
      break;
    }
  }
  g.ol.insertBefore(li, before);
  view.events.set(e.id, li);
}

// A push for the open chat.
export function onEvent(chatId, threadId, e) {
  if (!view || view.chatId !== chatId) return;
  const stick = nearBottom() || (state.me && e.author_id === state.me.id);
  view.loaded.add(threadId);
  addEvent(threadId, e);
  if (stick) scrollToBottom();
  markSeen();
}

export function onThread(chatId, t) {
  if (!view || view.chatId !== chatId) return;
  const stick = nearBottom();
  if (!view.summaries.some((s) => s.id === t.id)) {
    view.summaries.unshift({ id: t.id, active: t.active, order: t.order });
    if (view.total >= 0) view.total++;
  }
  addThread(t);
  if (stick) scrollToBottom();
  markSeen();
}

export function onPostback(p) {
  if (!view || view.chatId !== p.chat_id) return;
  let m = view.postbacks.get(p.event_id);
  if (!m) view.postbacks.set(p.event_id, (m = new Map()));
  const pb = p.postback || {};
  const mark = { on: pb.toggled !== false, userId: p.user_id };
  m.set(pb.id, mark);
  markButton(p.event_id, pb.id, mark);
}

function markButton(eventId, postbackId, { on, userId }) {
  const b = view.buttons.get(eventId) && view.buttons.get(eventId).get(postbackId);
  if (!b) return;
  b.classList.toggle("chosen", on);
  b.dataset.chosen = on ? "true" : "false";
  const note = b.parentElement && b.parentElement.parentElement.querySelector(".postback-note");
  if (note && on) {
    const chat = state.chats.get(view.chatId);
    note.textContent = authorName(chat, userId) + " chose “" + b.dataset.label + "”";
  }
}

function markSeen() {
  const chat = view && state.chats.get(view.chatId);
  if (!chat || document.hidden) return;
  chat.unread = 0;
  if (isMember(chat)) request("update_last_seen_timestamp", { chat_id: chat.id }).catch(() => {});
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && view) {
    markSeen();
    hooks.renderChatList();
  }
});

// renderEvent builds one event. Text goes in as text: richText makes
// nodes, never markup.
function renderEvent(e) {
  const chat = state.chats.get(view.chatId);
  const author = chat && chat.users.get(e.author_id);
  const mine = state.me && e.author_id === state.me.id;
  const kind = e.type === "system_message" || !e.author_id ? "system" : mine ? "mine" : author && author.type === "customer" ? "customer" : "agent";
  const li = h("li", { class: "event by-" + kind, dataset: { eventId: e.id, type: e.type || "" } });
  if (kind === "system" && e.type !== "file" && e.type !== "rich_message") {
    li.append(h("p", { class: "text", text: e.text || e.type }), h("time", { text: formatTime(e.timestamp) }));
    return li;
  }
  const meta = h("p", { class: "meta" }, h("span", { class: "author", text: authorName(chat, e.author_id) }), " · ",
    h("time", { text: formatTime(e.timestamp) }));
  const bubble = h("div", { class: "bubble" }, meta);
  switch (e.type) {
    case "message":
      bubble.append(h("p", { class: "text" }, richText(e.text || "")));
      if (e.postback && e.postback.id) {
        bubble.append(h("p", { class: "note", text: "↩ answered a button (" + (e.postback.value || e.postback.id) + ")" }));
      }
      break;
    case "file":
      bubble.append(renderFile(e));
      break;
    case "rich_message":
      bubble.classList.add("rich");
      bubble.append(renderRich(e));
      break;
    case "filled_form":
      bubble.append(renderForm(e));
      break;
    case "annotation":
      bubble.append(h("p", { class: "text note", text: "Annotation: " + (e.text || e.annotation_type || "") }));
      break;
    default:
      bubble.append(h("p", { class: "text note", text: "(" + (e.type || "event") + ")" }));
  }
  markNote(li, bubble, e);
  li.append(bubble);
  return li;
}

function renderFile(e) {
  const url = safeURL(e.url);
  const name = e.name || "file";
  const size = formatSize(e.size);
  const out = h("div", { class: "file" });
  if (url && inlineImages.has(e.content_type)) {
    out.append(h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "file-image-link" },
      h("img", { class: "file-image", src: url, alt: name, loading: "lazy", referrerpolicy: "no-referrer" })));
  }
  out.append(h("p", { class: "file-name" }, link(url, name, "file-link"), size ? h("span", { class: "note", text: " " + size }) : null));
  return out;
}

function renderRich(e) {
  const elements = Array.isArray(e.elements) ? e.elements : [];
  const out = h("div", { class: "rich-elements" });
  const buttons = new Map();
  view.buttons.set(e.id, buttons);
  for (const el of elements) {
    if (!el || typeof el !== "object") continue;
    const card = h("div", { class: "rich-card" });
    if (el.image && safeURL(el.image.url)) card.append(h("img", { class: "rich-image", src: el.image.url, alt: "" }));
    if (el.title) card.append(h("p", { class: "rich-title", text: String(el.title) }));
    if (el.subtitle) card.append(h("p", { class: "rich-subtitle", text: String(el.subtitle) }));
    const row = h("div", { class: "rich-buttons" });
    for (const b of Array.isArray(el.buttons) ? el.buttons : []) {
      if (!b || typeof b !== "object") continue;
      const label = String(b.text || "");
      const btn = h("span", { class: "rich-button", text: label, dataset: { label, postbackId: String(b.postback_id || "") } });
      if (b.postback_id) buttons.set(String(b.postback_id), btn);
      row.append(btn);
    }
    card.append(row, h("p", { class: "postback-note note" }));
    out.append(card);
  }
  for (const [id, mark] of view.postbacks.get(e.id) || []) markButton(e.id, id, mark);
  return out;
}

function renderForm(e) {
  const dl = h("dl", { class: "form-fields" });
  for (const f of Array.isArray(e.fields) ? e.fields : []) {
    if (!f || typeof f !== "object") continue;
    let answer = f.answer;
    if (answer && typeof answer === "object") answer = answer.label || answer.value || JSON.stringify(answer);
    if (Array.isArray(f.answers)) answer = f.answers.map((a) => (a && typeof a === "object" ? a.label || a.value : a)).join(", ");
    dl.append(h("dt", { text: String(f.label || f.name || f.type || "") }), h("dd", { text: answer === undefined ? "" : String(answer) }));
  }
  return dl;
}

// renderChatHead shows the title, state and the actions that apply.
export function renderChatHead() {
  if (!view) return;
  const chat = state.chats.get(view.chatId);
  if (!chat) return;
  const customer = customerOf(chat);
  const c = customer && state.customers.get(customer.id);
  els["chat-title"].textContent = (c && c.name) || (customer && (customer.name || customer.email)) || "Customer";
  let st = "closed";
  let label = "Closed";
  if (chat.active && isMember(chat)) [st, label] = ["active", "Active"];
  else if (chat.active && chat.queue) [st, label] = ["queued", "Queued" + (chat.queue.position ? " #" + chat.queue.position : "")];
  else if (chat.active && servedBy(chat)) [st, label] = ["other", "With " + servedBy(chat)];
  else if (chat.active) [st, label] = ["waiting", "Waiting"];
  els["chat-state"].textContent = label;
  els["chat-state"].dataset.state = st;
  show(els.join, chat.active && !isMember(chat));
  show(els.close, chat.active);
  show(els.transfer, chat.active);
  renderTags(els["chat-tags"], chat);
}

// servedBy names the agents serving a chat the agent is not in.
function servedBy(chat) {
  const names = [];
  for (const u of chat.users.values()) if (u.type === "agent" && u.present) names.push(u.name || u.id);
  return names.join(", ");
}

export function renderSneak() {
  const chat = view && state.chats.get(view.chatId);
  const sp = chat && chat.sneak;
  const on = !!(sp && sp.text);
  keepBottom(() => {
    show(els.sneak, on);
    if (on) {
      els.sneak.querySelector(".sneak-label").textContent = authorName(chat, sp.authorId) + " is typing: ";
      els["sneak-text"].textContent = sp.text;
    }
  });
}

export function renderTyping() {
  const chat = view && state.chats.get(view.chatId);
  const t = chat && chat.typing;
  const on = !!(t && t.until > Date.now());
  keepBottom(() => {
    show(els.typing, on);
    if (on) els.typing.textContent = authorName(chat, t.authorId) + " is typing…";
  });
}

// keepBottom runs a change of the bars under the history (which shrinks or
// grows it) without losing the newest message from view.
function keepBottom(change) {
  const stick = nearBottom();
  change();
  if (stick) scrollToBottom();
}

export function setOffline(off) {
  show(els["offline-banner"], off);
}

export function currentChat() {
  return view ? view.chatId : "";
}

async function ensureJoined() {
  const chat = state.chats.get(view.chatId);
  if (!chat || isMember(chat)) return;
  await request("join_chat", { chat_id: chat.id });
  const me = state.me;
  chat.users.set(me.id, { ...(chat.users.get(me.id) || {}), id: me.id, type: "agent", name: me.name, present: true });
  chat.queue = null;
  renderChatHead();
  hooks.renderChatList();
}

function onTyping() {
  if (!view) return;
  const typing = els.reply.value.trim() !== "";
  clearTimeout(view.typingTimer);
  if (typing) {
    if (!view.typingSent) sendTyping(true);
    view.typingTimer = setTimeout(stopTyping, 3000);
  } else {
    stopTyping();
  }
}

function sendTyping(on) {
  const chat = view && state.chats.get(view.chatId);
  if (!chat || !chat.active) return;
  view.typingSent = on;
  request("send_typing_indicator", { chat_id: chat.id, is_typing: on }).catch(() => {});
}

function stopTyping() {
  if (!view) return;
  clearTimeout(view.typingTimer);
  if (view.typingSent) sendTyping(false);
}

function customID() {
  return "console-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
}

async function sendEvent(event) {
  const chatId = view.chatId;
  await ensureJoined();
  const p = await request("send_event", { chat_id: chatId, event: { custom_id: customID(), ...event } });
  const chat = state.chats.get(chatId);
  if (chat && !chat.active) {
    chat.active = true; // a message to a closed chat opens a new thread
    renderChatHead();
  }
  return p;
}

// sendReply sends the reply box's text. The box is emptied at once and
// stays enabled (disabling it would drop its focus, and a phone's keyboard
// with it), so the agent may write on; a reply that fails goes back in
// front of what was written since. A send while one is on its way does
// nothing (its text stays in the box).
let sending = false;

async function sendReply() {
  if (!view || sending) return;
  const sent = els.reply.value;
  const text = sent.trim();
  if (!text) return;
  setError("");
  sending = true;
  els.reply.value = "";
  stopTyping();
  try {
    await sendEvent({ type: "message", text, ...noteFields() });
  } catch (e) {
    setError("Not sent: " + e.message);
    const now = els.reply.value;
    els.reply.value = now ? sent.trimEnd() + "\n" + now : sent;
  } finally {
    sending = false;
    els.reply.focus();
  }
}

async function sendRich() {
  const title = els["rich-title"].value.trim();
  const labels = els["rich-buttons"].value.split("\n").map((s) => s.trim()).filter(Boolean);
  if (!title || !labels.length) throw new Error("A title and at least one button are needed.");
  const tag = Math.random().toString(36).slice(2, 8);
  const buttons = labels.map((text, i) => ({ text, postback_id: "button-" + tag + "-" + (i + 1), user_ids: [], type: "message", value: text }));
  await sendEvent({ type: "rich_message", template_id: "cards", elements: [{ title, buttons }] });
  els["rich-title"].value = "";
  els["rich-buttons"].value = "";
  show(els["rich-composer"], false);
}

async function closeChat() {
  const chat = state.chats.get(view.chatId);
  await request("deactivate_chat", { chat_id: chat.id });
  chat.active = false;
  stopTyping();
  renderChatHead();
  hooks.renderChatList();
}

async function openTransfer() {
  const panel = els["transfer-panel"];
  if (!panel.hidden) {
    show(panel, false);
    return;
  }
  const sel = clear(els["transfer-target"]);
  els["transfer-note"].textContent = "Loading agents and groups…";
  show(panel, true);
  const [agents, groups] = await Promise.allSettled([request("list_agents", {}), request("list_groups", {})]);
  const chat = state.chats.get(view.chatId);
  const ag = h("optgroup", { label: "Agents" });
  if (agents.status === "fulfilled") {
    for (const a of agents.value.agents || []) {
      if (state.me && a.id === state.me.id) continue;
      if (chat && chat.users.get(a.id) && chat.users.get(a.id).present) continue;
      const load = a.max_chats ? " " + (a.active_chats || 0) + "/" + a.max_chats : "";
      ag.append(h("option", { value: "agent:" + a.id, text: (a.name || a.id) + " (" + statusLabel(a.routing_status) + load + ")" }));
    }
  }
  const gr = h("optgroup", { label: "Groups" });
  if (groups.status === "fulfilled") {
    for (const g of groups.value.groups || []) {
      gr.append(h("option", { value: "group:" + g.id, text: (g.name || "Group " + g.id) + " (" + (g.status || "unknown").replaceAll("_", " ") + ")" }));
    }
  }
  if (ag.children.length) sel.append(ag);
  if (gr.children.length) sel.append(gr);
  const failed = [agents, groups].filter((r) => r.status === "rejected").map((r) => r.reason.message);
  if (!sel.options.length) {
    els["transfer-note"].textContent = failed.length ? "Transfer is not available: " + failed[0] : "Nobody to transfer to.";
  } else {
    els["transfer-note"].textContent = failed.length ? "Partly loaded: " + failed[0] : "";
  }
}

function statusLabel(s) {
  return { accepting_chats: "accepting", not_accepting_chats: "not accepting", offline: "offline" }[s] || s || "unknown";
}

async function transfer() {
  const v = els["transfer-target"].value;
  const i = v.indexOf(":");
  if (i < 0) throw new Error("Choose an agent or a group.");
  const type = v.slice(0, i);
  const raw = v.slice(i + 1);
  const id = type === "group" ? Number(raw) : raw;
  await request("transfer_chat", { chat_id: view.chatId, target: { type, ids: [id] } });
  els["transfer-note"].textContent = "";
  show(els["transfer-panel"], false);
  setError("");
}

// upload sends a file with send_file, showing its progress.
function upload(file) {
  if (!view) return;
  const chatId = view.chatId;
  setError("");
  if (file.size > maxFileBytes) {
    setError("“" + file.name + "” is too big: the limit is 10 MB.");
    return;
  }
  els["upload-name"].textContent = file.name;
  els["upload-progress"].value = 0;
  els["upload-status"].textContent = "Starting…";
  keepBottom(() => show(els.upload, true));
  const done = (msg, failed) => {
    els["upload-status"].textContent = msg;
    els.upload.classList.toggle("failed", !!failed);
    if (!failed) setTimeout(() => show(els.upload, false), 1500);
  };
  ensureJoined().then(() => {
    const form = new FormData();
    form.append("payload.chat_id", chatId);
    form.append("payload.custom_id", customID());
    for (const [k, v] of Object.entries(noteFields())) form.append("payload." + k, v);
    form.append("payload.file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v3.0/agent/action/send_file?license_id=" + encodeURIComponent(state.session.license));
    xhr.setRequestHeader("Authorization", "Bearer " + state.session.token);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && e.total > 0) {
        els["upload-progress"].value = e.loaded / e.total;
        els["upload-status"].textContent = Math.floor((100 * e.loaded) / e.total) + " %";
      }
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        els["upload-progress"].value = 1;
        done("Sent");
        return;
      }
      let msg = "HTTP " + xhr.status;
      try {
        const body = JSON.parse(xhr.responseText);
        if (body.error && body.error.message) msg = body.error.message;
      } catch {
        // not JSON
      }
      if (xhr.status === 404 || xhr.status === 405) msg = "This server does not accept files from agents yet (" + msg + ").";
      done("Failed: " + msg, true);
    });
    xhr.addEventListener("error", () => done("Failed: network error", true));
    xhr.send(form);
  }, (e) => done("Failed: " + e.message, true));
}
