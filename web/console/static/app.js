// The Parley agent console: sign-in, the connection, the chat list, the
// customer panel and the routing status. The open chat lives in
// conversation.js.

import { h, $, clear, redraw, show, link, formatTime, phone } from "./dom.js";
import { RTM } from "./rtm.js";
import {
  state, hooks, request, newChat, setUsers, customerOf, customerName, displayName, hasAgent,
  isMember, notePreview,
} from "./state.js";
import {
  initConversation, openChat, closeView, reload, onEvent, onThread, onPostback, renderChatHead,
  renderSneak, renderTyping, setOffline, currentChat,
} from "./conversation.js";
import { initReports, showReports } from "./reports.js";
import { offlineOf, offlineBadge } from "./offline.js";
import { initFilters, listed, countFilters } from "./filters.js";
import { initNotify, alertFor } from "./notify.js";
import { initSearch, resetSearch } from "./search.js";
import { initTags, threadTagsOf, tagListed, onTagPush } from "./tags.js";

const sessionKey = "parley.agent.session";
// list_chats pages of up to 100 chats (25 on a server that refuses more),
// at most maxChats in the list.
let chatsPage = 100;
const maxChats = 200;

hooks.renderChatList = renderChatList;
hooks.renderCustomer = renderCustomer;
hooks.renderChatHead = renderChatHead;

async function boot() {
  initConversation();
  initFilters($("#chats-heading"), renderChatList);
  initNotify($("#me"));
  initTags($("#chats-heading"), renderChatList);
  $("#signin-form").addEventListener("submit", signIn);
  $("#signout").addEventListener("click", () => signOut(""));
  $("#routing").addEventListener("change", setRouting);
  $("#conn").addEventListener("click", () => state.rtm && state.rtm.retryNow());
  $("#back-to-list").addEventListener("click", back);
  $("#back-to-chat").addEventListener("click", back);
  $("#show-customer").addEventListener("click", () => forward("customer"));
  $("#view-chats").addEventListener("click", () => setView("chats"));
  $("#view-reports").addEventListener("click", () => setView("reports"));
  initReports();
  initSearch($("#chat-list"), async (id) => {
    await ensureChat(id);
    enterChat(id);
  });
  window.addEventListener("popstate", onPopState);
  // A reload starts on the list: the entry of a pane shown before it is
  // one no longer.
  if (history.state && history.state.pane) history.replaceState(null, "");
  if (window.visualViewport) window.visualViewport.addEventListener("resize", fitViewport);
  fitViewport();
  setInterval(tick, 1000);

  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(sessionKey) || "null");
  } catch {
    saved = null;
  }
  if (saved && saved.token && saved.license && !(saved.expiresAt && saved.expiresAt < Date.now())) {
    state.session = saved;
    startConsole();
    return;
  }
  showSignIn("");
}

async function showSignIn(message) {
  show($("#app"), false);
  show($("#signin"), true);
  $("#signin-error").textContent = message || "";
  const lic = $("#license");
  if (!lic.value) {
    try {
      const res = await fetch("/agent/config.json", { cache: "no-store" });
      const cfg = res.ok ? await res.json() : {};
      if (cfg && Number.isInteger(cfg.license) && !lic.value) lic.value = String(cfg.license);
    } catch {
      // No default license: the agent types it.
    }
  }
  (lic.value ? $("#email") : lic).focus();
}

async function signIn(e) {
  e.preventDefault();
  const btn = $("#signin-button");
  const err = $("#signin-error");
  err.textContent = "";
  const license = Number($("#license").value.trim());
  if (!Number.isInteger(license) || license <= 0) {
    err.textContent = "The license is a number.";
    return;
  }
  btn.disabled = true;
  btn.textContent = "Signing in…";
  try {
    const res = await fetch("/v3.0/agent/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ license_id: license, email: $("#email").value.trim(), password: $("#password").value }),
    });
    let body = {};
    try {
      body = await res.json();
    } catch {
      body = {};
    }
    if (!res.ok || !body.access_token) {
      throw new Error((body.error && body.error.message) || "Sign-in failed (HTTP " + res.status + ").");
    }
    state.session = {
      token: body.access_token,
      license: body.license_id || license,
      agentId: body.entity_id || "",
      expiresAt: body.expires_in ? Date.now() + body.expires_in * 1000 : 0,
    };
    sessionStorage.setItem(sessionKey, JSON.stringify(state.session));
    $("#password").value = "";
    startConsole();
  } catch (ex) {
    err.textContent = ex.message;
  } finally {
    btn.disabled = false;
    btn.textContent = "Sign in";
  }
}

function rtmURL() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return scheme + "//" + location.host + "/v3.0/agent/rtm/ws";
}

function startConsole() {
  show($("#signin"), false);
  show($("#app"), true);
  state.rtm = new RTM(rtmURL(), state.session.token, {
    onState: connState,
    onLogin,
    onPush,
    onFatal: (reason, msg) => signOut(reason === "authentication" ? "Please sign in again: " + (msg || "the session ended.") : "Signed out: " + reason.replaceAll("_", " ") + "."),
  });
  state.rtm.start();
}

async function signOut(message) {
  const rtm = state.rtm;
  if (rtm && !message && rtm.loggedIn) {
    await Promise.race([rtm.request("revoke_token", {}).catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
  }
  if (rtm) rtm.stop();
  state.rtm = null;
  state.session = null;
  state.me = null;
  state.chats.clear();
  state.customers.clear();
  sessionStorage.removeItem(sessionKey);
  leaveChat();
  resetSearch();
  setView("chats");
  document.title = "Parley · Agent console";
  showSignIn(message);
}

let connDetail = null;

function connState(st, detail) {
  state.connected = st === "connected";
  connDetail = { st, ...(detail || {}) };
  renderConn();
  setOffline(!state.connected && st !== "stopped");
}

function renderConn() {
  const el = $("#conn");
  const d = connDetail || { st: "connecting" };
  el.dataset.state = d.st;
  let text = "Connecting…";
  if (d.st === "connected") text = "Connected";
  else if (d.st === "stopped") text = "Offline";
  else if (d.st === "reconnecting") {
    const s = d.retryAt ? Math.ceil((d.retryAt - Date.now()) / 1000) : 0;
    text = s > 0 ? "Reconnecting in " + s + " s… (click to retry)" : "Reconnecting…";
  }
  el.textContent = text;
}

function tick() {
  if (connDetail && connDetail.st === "reconnecting") renderConn();
  const now = Date.now();
  for (const c of state.chats.values()) {
    if (c.typing && c.typing.until <= now) {
      c.typing = null;
      if (c.id === currentChat()) renderTyping();
    }
    if (c.sneak && now - c.sneak.at > 60000) {
      c.sneak = null;
      if (c.id === currentChat()) renderSneak();
      renderChatList();
    }
  }
}

// onLogin runs after every (re)connection: reload what may have changed.
async function onLogin(p) {
  state.me = p.my_profile || { id: state.session.agentId };
  $("#me").textContent = displayName(state.me, "Agent");
  setRoutingSelect(state.me.routing_status);
  await loadChats();
  if (currentChat()) {
    if (state.chats.has(currentChat())) reload();
    else leaveChat();
  }
  const cust = currentCustomerId();
  if (cust) loadCustomer(cust);
}

async function loadChats() {
  const fresh = new Map();
  let offset = 0;
  try {
    for (;;) {
      let p;
      try {
        p = await request("list_chats", { offset, limit: chatsPage });
      } catch (e) {
        if (e.type !== "validation" || chatsPage === 25) throw e;
        chatsPage = 25;
        p = await request("list_chats", { offset, limit: chatsPage });
      }
      for (const s of p.chats_summary || []) fresh.set(s.id, chatFromSummary(s));
      state.totalChats = p.total_chats || fresh.size;
      offset += chatsPage;
      // The list holds the most recent chats; older ones are a page away.
      if (offset >= state.totalChats || offset >= maxChats || !(p.chats_summary || []).length) break;
    }
  } catch (e) {
    $("#no-chats").textContent = "Could not load chats: " + e.message;
    show($("#no-chats"), true);
    return;
  }
  // Keep the chat being viewed even if it fell off the list.
  const open = currentChat();
  if (open && !fresh.has(open) && state.chats.has(open)) fresh.set(open, state.chats.get(open));
  state.chats = fresh;
  renderChatList();
}

function chatFromSummary(s) {
  const old = state.chats.get(s.id);
  const c = newChat(s.id);
  if (old) {
    c.unread = old.unread;
    c.sneak = old.sneak;
    c.typing = old.typing;
  }
  setUsers(c, s.users);
  c.active = !!s.active;
  c.order = s.order || 0;
  c.lastThreadId = s.last_thread_id || "";
  c.queue = s.queue || null;
  c.offline = offlineOf(s);
  c.threadTags = threadTagsOf(s);
  let last = null;
  for (const le of Object.values(s.last_event_per_type || {})) {
    const e = le.event || {};
    if (e.type === "annotation" || e.type === "custom") continue;
    const key = [le.thread_order || 0, e.order || 0];
    if (!last || key[0] > last.key[0] || (key[0] === last.key[0] && key[1] > last.key[1])) last = { key, e };
  }
  if (last) notePreview(c, last.e);
  // A chat with news since the agent last looked counts as unread.
  const me = state.me && c.users.get(state.me.id);
  const seen = (me && me.last_seen_timestamp) || 0;
  if (!old && c.preview && c.preview.authorId && c.preview.authorId !== (state.me && state.me.id) && c.preview.ts > seen && c.active) {
    c.unread = Math.max(c.unread, 1);
  }
  return c;
}

function chatFrom(payloadChat) {
  let c = state.chats.get(payloadChat.id);
  if (!c) {
    c = newChat(payloadChat.id);
    state.chats.set(c.id, c);
  }
  if (payloadChat.users) setUsers(c, payloadChat.users);
  if (payloadChat.properties) c.offline = offlineOf(payloadChat);
  if (payloadChat.order) c.order = Math.max(c.order, payloadChat.order);
  return c;
}

// ensureChat fetches a chat the list does not know yet (a push about it
// came first).
async function ensureChat(id) {
  if (state.chats.has(id)) return state.chats.get(id);
  try {
    const p = await request("get_chat", { chat_id: id });
    const c = chatFrom(p.chat);
    const t = lastOf(p.chat.threads);
    if (t) {
      c.active = !!t.active;
      c.lastThreadId = t.id;
      const evs = t.events || [];
      if (evs.length) notePreview(c, evs[evs.length - 1]);
    }
    renderChatList();
    return c;
  } catch {
    return null;
  }
}

function onPush(action, p) {
  switch (action) {
    case "incoming_chat_thread": {
      const c = chatFrom(p.chat || {});
      const t = (p.chat && p.chat.thread) || {};
      c.active = !!t.active;
      c.lastThreadId = t.id || c.lastThreadId;
      for (const e of t.events || []) {
        notePreview(c, e);
        countUnread(c, e);
      }
      alertFor(c, lastOf(t.events), currentChat(), customerName(c), enterChat);
      onThread(c.id, t);
      renderChatList();
      if (c.id === currentChat()) renderChatHead();
      refreshQueueSoon();
      break;
    }
    case "incoming_event":
      ensureChat(p.chat_id).then((c) => {
        if (!c) return;
        const e = p.event || {};
        notePreview(c, e);
        if (c.sneak && e.author_id === c.sneak.authorId && e.type === "message") c.sneak = null;
        if (c.typing && e.author_id === c.typing.authorId) c.typing = null;
        countUnread(c, e);
        alertFor(c, e, currentChat(), customerName(c), enterChat);
        onEvent(c.id, p.thread_id, e);
        if (c.id === currentChat()) {
          renderSneak();
          renderTyping();
        }
        renderChatList();
      });
      break;
    case "thread_tagged":
    case "thread_untagged":
      onTagPush(action, p);
      if (p.chat_id === currentChat()) renderChatHead();
      break;
    case "incoming_sneak_peek": {
      const c = state.chats.get(p.chat_id);
      const sp = p.sneak_peek || {};
      if (!c) break;
      c.sneak = sp.text ? { text: sp.text, authorId: sp.author_id, at: Date.now() } : null;
      if (c.id === currentChat()) renderSneak();
      renderChatList();
      break;
    }
    case "incoming_typing_indicator": {
      const c = state.chats.get(p.chat_id);
      const ti = p.typing_indicator || {};
      if (!c || (state.me && ti.author_id === state.me.id)) break;
      c.typing = ti.is_typing ? { authorId: ti.author_id, until: Date.now() + 10000 } : null;
      if (c.id === currentChat()) renderTyping();
      break;
    }
    case "thread_closed": {
      const c = state.chats.get(p.chat_id);
      if (!c) break;
      c.active = false;
      c.sneak = c.typing = null;
      c.queue = null;
      if (c.id === currentChat()) {
        renderChatHead();
        renderSneak();
        renderTyping();
      }
      renderChatList();
      break;
    }
    case "chat_user_added": {
      const c = state.chats.get(p.chat_id);
      if (!c || !p.user) break;
      c.users.set(p.user.id, { ...(c.users.get(p.user.id) || {}), ...p.user, present: true });
      if (p.user.type === "agent") c.queue = null;
      if (c.id === currentChat()) renderChatHead();
      renderChatList();
      refreshQueueSoon();
      break;
    }
    case "chat_user_removed": {
      const c = state.chats.get(p.chat_id);
      const u = c && c.users.get(p.user_id);
      if (!u) break;
      u.present = false;
      if (c.id === currentChat()) renderChatHead();
      renderChatList();
      refreshQueueSoon();
      break;
    }
    case "chat_transferred":
      refreshChat(p.chat_id);
      refreshQueueSoon();
      break;
    case "customer_updated": {
      const cu = p.customer || {};
      if (!cu.id) break;
      const known = state.customers.get(cu.id) || {};
      state.customers.set(cu.id, { ...known, ...cu });
      for (const c of state.chats.values()) {
        const u = c.users.get(cu.id);
        if (u) c.users.set(cu.id, { ...u, ...cu, present: u.present });
      }
      renderChatList();
      renderCustomer();
      renderChatHead();
      break;
    }
    case "customer_page_updated": {
      if (!p.customer_id) break;
      const known = state.customers.get(p.customer_id) || { id: p.customer_id };
      known.page = { url: p.url, title: p.title, timestamp: p.timestamp };
      state.customers.set(p.customer_id, known);
      renderCustomer();
      break;
    }
    case "incoming_rich_message_postback":
      onPostback(p);
      break;
    case "routing_status_set":
      if (state.me && p.agent_id === state.me.id) {
        state.me.routing_status = p.status;
        setRoutingSelect(p.status);
      }
      refreshQueueSoon();
      break;
    case "agent_disconnected":
      // A transient reason: the server closes the connection and RTM
      // reconnects.
      break;
  }
}

// Queue positions come with list_chats only; after any push that may move
// the queue, ask again (debounced) for the queued chats.
let queueTimer = 0;

function refreshQueueSoon() {
  clearTimeout(queueTimer);
  queueTimer = setTimeout(refreshQueue, 250);
}

async function refreshQueue() {
  let p;
  try {
    p = await request("list_chats", { filters: { queued: true }, limit: chatsPage });
  } catch {
    return;
  }
  const queued = new Map();
  for (const s of p.chats_summary || []) {
    if (!s.queue) continue;
    queued.set(s.id, s.queue);
    if (!state.chats.has(s.id)) state.chats.set(s.id, chatFromSummary(s));
  }
  for (const c of state.chats.values()) c.queue = (c.active && queued.get(c.id)) || null;
  renderChatList();
  renderChatHead();
}

function lastOf(a) {
  return Array.isArray(a) && a.length ? a[a.length - 1] : null;
}

function countUnread(c, e) {
  if (state.me && e.author_id === state.me.id) return;
  if (e.type === "system_message" && !e.author_id) return;
  if (c.id === currentChat() && !document.hidden) return;
  c.unread++;
}

async function refreshChat(id) {
  try {
    const p = await request("get_chat", { chat_id: id });
    const c = chatFrom(p.chat);
    const t = lastOf(p.chat.threads);
    if (t) c.active = !!t.active;
    renderChatList();
    if (id === currentChat()) renderChatHead();
  } catch {
    // The chat went to someone this agent may no longer see.
  }
}

// renderChatList redraws the list: active chats first, the most recently
// active first. Pushes (a customer typing in any chat) redraw it several
// times a second: an item drawn the same is kept.
function renderChatList() {
  const items = [];
  const chats = [...state.chats.values()].sort((a, b) => (b.active - a.active) || (b.order - a.order));
  let unread = 0;
  let listedN = 0;
  for (const c of chats) {
    unread += c.unread;
    if (!listed(c) || !tagListed(c)) continue;
    listedN++;
    const name = customerName(c);
    const badges = [];
    if (c.queue) badges.push(h("span", { class: "badge queued", text: "Queued" + (c.queue.position ? " #" + c.queue.position : "") }));
    else if (c.active && !hasAgent(c)) badges.push(h("span", { class: "badge waiting", text: "Waiting" }));
    if (!c.active) badges.push(h("span", { class: "badge closed", text: "Closed" }));
    if (c.offline) badges.push(offlineBadge(c));
    if (c.unread > 0) badges.push(h("span", { class: "badge unread", text: String(c.unread), title: c.unread + " unread" }));
    let preview;
    if (c.sneak && c.active) preview = h("p", { class: "preview sneaking", text: "✎ " + c.sneak.text });
    else if (c.preview) preview = h("p", { class: "preview", text: (c.preview.authorId && state.me && c.preview.authorId === state.me.id ? "You: " : "") + c.preview.text });
    else preview = h("p", { class: "preview", text: "" });
    const li = h("li", {
      class: "chat-item" + (c.active ? "" : " inactive") + (c.unread ? " has-unread" : "") + (isMember(c) ? " mine" : ""),
      dataset: { chatId: c.id, queued: c.queue ? "true" : "false", unread: String(c.unread) },
      "aria-current": c.id === currentChat() ? "true" : false,
      tabindex: "0",
      role: "button",
      onclick: () => enterChat(c.id),
      onkeydown: (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          enterChat(c.id);
        }
      },
    },
    h("span", { class: "avatar", text: initials(name) }),
    h("div", { class: "chat-main" },
      h("p", { class: "chat-line" }, h("span", { class: "name", text: name }), h("time", { text: formatTime(c.order) })),
      h("div", { class: "chat-line" }, preview, h("span", { class: "badges" }, badges))));
    items.push(li);
  }
  redraw($("#chat-list"), items, "chatId");
  countFilters(chats);
  $("#chat-count").textContent = state.chats.size ? String(state.chats.size) : "";
  show($("#no-chats"), listedN === 0);
  if (listedN === 0) $("#no-chats").textContent = state.chats.size ? "No chats under this filter." : "No chats yet.";
  document.title = (unread ? "(" + unread + ") " : "") + "Parley · Agent console";
}

function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

function currentCustomerId() {
  const c = state.chats.get(currentChat());
  const u = c && customerOf(c);
  return u ? u.id : "";
}

let customerLoadedFor = "";

// renderCustomer shows the open chat's customer: what the chat knows at
// once, the rest from get_customer.
function renderCustomer() {
  const panel = clear($("#customer-panel"));
  const c = state.chats.get(currentChat());
  const u = c && customerOf(c);
  if (!u) {
    panel.append(h("p", { class: "empty-note", text: "No chat selected." }));
    customerLoadedFor = "";
    return;
  }
  if (customerLoadedFor !== u.id) {
    customerLoadedFor = u.id;
    loadCustomer(u.id);
  }
  const d = { ...u, ...(state.customers.get(u.id) || {}) };
  const name = d.name || d.email || "Customer";
  panel.append(h("div", { class: "customer-head" }, h("span", { class: "avatar big", text: initials(name) }),
    h("div", {}, h("p", { class: "customer-name", text: name }), d.email ? h("p", { class: "customer-email", text: d.email }) : null)));
  const dl = h("dl", { class: "details" });
  const row = (label, value) => {
    if (value === undefined || value === null || value === "") return;
    dl.append(h("dt", { text: label }), h("dd", {}, value));
  };
  if (d.page && d.page.url) {
    row("Current page", h("span", {}, link(d.page.url, d.page.title || d.page.url, "page-link"),
      d.page.timestamp ? h("span", { class: "note", text: " · since " + formatTime(d.page.timestamp) }) : null));
  }
  if (d.referrer) row("Came from", link(d.referrer, d.referrer));
  if (d.visits) row("Visits", String(d.visits));
  if (d.last_visit) row("Last visit", formatTime(d.last_visit));
  if (d.banned) row("Status", h("span", { class: "badge closed", text: "Banned" }));
  row("Customer ID", h("code", { text: u.id }));
  panel.append(dl);
  const fields = d.fields && typeof d.fields === "object" ? Object.entries(d.fields) : [];
  if (fields.length) {
    const fl = h("dl", { class: "details fields" });
    for (const [k, v] of fields) fl.append(h("dt", { text: k }), h("dd", { text: String(v) }));
    panel.append(h("h3", { text: "Fields" }), fl);
  }
  if (d.detailsError) panel.append(h("p", { class: "note", text: d.detailsError }));
}

async function loadCustomer(id) {
  try {
    const p = await request("get_customer", { customer_id: id });
    const known = state.customers.get(id) || {};
    state.customers.set(id, { ...known, ...(p.customer || {}), detailsError: "" });
  } catch (e) {
    const known = state.customers.get(id) || { id };
    known.detailsError = e.type === "not_connected" ? "" : "More details are not available: " + e.message;
    state.customers.set(id, known);
  }
  if (currentCustomerId() === id) {
    renderCustomer();
    renderChatHead();
    renderChatList();
  }
}

function setRoutingSelect(status) {
  const sel = $("#routing");
  sel.dataset.value = status || "";
  sel.value = status || "";
  sel.dataset.state = status || "unknown";
}

async function setRouting() {
  const sel = $("#routing");
  const want = sel.value;
  const prev = sel.dataset.value;
  sel.disabled = true;
  try {
    await request("set_routing_status", { status: want });
    if (state.me) state.me.routing_status = want;
    setRoutingSelect(want);
    sel.title = "Routing status";
  } catch (e) {
    setRoutingSelect(prev);
    sel.title = "Could not change the status: " + e.message;
    $("#conn").textContent = "Status not changed: " + e.message;
    setTimeout(renderConn, 4000);
  } finally {
    sel.disabled = false;
  }
}

// Panes. On a phone (dom.js phone) the console shows one pane at a time:
// the chat list, the open chat or its customer, named by #app's data-pane
// (console.css hides the others). Going deeper pushes a history entry, so
// the browser's back (Android's back gesture) leaves a pane as the back
// buttons do. The focus moves to the heading of a pane entered, and back
// to what led away from a pane left.
const paneDepth = { list: 0, chat: 1, customer: 2 };

function pane() {
  return $("#app").dataset.pane;
}

function setPane(name, target) {
  $("#app").dataset.pane = name;
  if (target && phone.matches) target.focus();
}

function heading(name) {
  return name === "chat" ? $("#chat-title") : $("#customer-heading");
}

// enterChat opens a chat from the list.
function enterChat(id) {
  openChat(id);
  if (currentChat() !== id) return;
  forward("chat");
  if (!phone.matches) $("#reply").focus();
}

function forward(name) {
  if (paneDepth[name] <= paneDepth[pane()]) return;
  if (phone.matches) history.pushState({ pane: name }, "");
  setPane(name, heading(name));
}

function back() {
  if (history.state && history.state.pane === pane()) history.back(); // onPopState goes on
  else backTo(pane() === "customer" ? "chat" : "list");
}

function backTo(name) {
  const from = pane();
  if (name === "list") {
    const left = currentChat();
    leaveChat();
    const item = left && $('#chat-list li[data-chat-id="' + CSS.escape(left) + '"]');
    setPane("list", item || $("#chats-heading"));
  } else {
    setPane(name, from === "customer" ? $("#show-customer") : heading(name));
  }
}

function onPopState(e) {
  const name = (e.state && e.state.pane) || "list";
  if (paneDepth[name] < paneDepth[pane()]) backTo(name);
  else if (paneDepth[name] > paneDepth[pane()] && currentChat()) setPane(name, heading(name)); // forward again
}

// Pages: the chats (list, chat, customer) or the reports, named by #app's
// data-view (console.css shows the one chosen). The chats keep their
// state, the open chat included, while the reports show.
function setView(name) {
  const app = $("#app");
  if ((app.dataset.view || "chats") === name) return;
  app.dataset.view = name;
  for (const b of document.querySelectorAll(".view-tab")) {
    if (b.id === "view-" + name) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  showReports(name === "reports");
  if (name === "reports") $("#reports-heading").focus();
}

// leaveChat closes the open chat and shows the list: on a phone, the agent
// no longer sees the chat, so what arrives in it counts as unread.
function leaveChat() {
  closeView();
  $("#app").dataset.pane = "list";
  renderChatList();
  renderCustomer();
}

// fitViewport follows the on-screen keyboard: iOS shrinks the visual
// viewport only, and the phone layout takes its height (--viewport-height
// in console.css); Chromium resizes the page itself (interactive-widget in
// index.html). Pinch zoom shrinks the visual viewport too: its scale
// undoes that.
function fitViewport() {
  const vv = window.visualViewport;
  if (!vv) return;
  const height = Math.min(window.innerHeight, Math.round(vv.height * vv.scale));
  document.documentElement.style.setProperty("--viewport-height", height + "px");
}

// Last, once every module-level binding above is initialised.
boot();
