// Tags on chats: agents tag a chat's threads (tag_thread, untag_thread;
// docs/agent-api.md, "Tags"). The chat list has a tag filter, answered by
// list_chats' filters.tag: the chats with any thread so tagged. So that a
// chat the filter finds shows why, the chat's header shows as chips the
// tags of every thread of the chat, each once (list_chats' thread_tags,
// kept up to date by thread_tagged and thread_untagged): a tag only an
// earlier thread has is marked so. A chip's remove button takes the tag
// off every thread that has it, so that the filter no longer finds the
// chat; the field adds a tag to the last thread. Tags are lower case, 1 to
// 50 characters, at most 20 a thread.

import { h, redraw, show } from "./dom.js";
import { state, request } from "./state.js";

let filter = "";      // the tag the list is filtered by, "" for none
let matching = null;  // ids of the chats list_chats gave for the filter
let render = () => {};

// threadTagsOf reads the tags of each thread from a list_chats summary:
// {thread id: [tags]}.
export function threadTagsOf(summary) {
  const out = {};
  for (const [thread, tags] of Object.entries(summary.thread_tags || {})) out[thread] = [...tags];
  return out;
}

// chatTags is every tag of a chat's threads, each once, in order.
export function chatTags(c) {
  const all = new Set();
  for (const tags of Object.values(c.threadTags || {})) for (const t of tags) all.add(t);
  return [...all].sort();
}

// threadsTagged lists the chat's threads that have tag.
function threadsTagged(c, tag) {
  return Object.keys(c.threadTags || {}).filter((id) => c.threadTags[id].includes(tag));
}

// tagListed reports whether a chat shows under the tag filter.
export function tagListed(c) {
  return !filter || (matching !== null && matching.has(c.id));
}

// initTags puts the tag filter under the list's heading; redraw redraws
// the list.
export function initTags(heading, redraw) {
  render = redraw;
  const input = h("input", { id: "tag-filter", type: "search", placeholder: "Filter by tag", maxlength: "50",
    "aria-label": "Filter chats by tag", autocomplete: "off" });
  const note = h("span", { class: "note", id: "tag-filter-note" });
  input.addEventListener("change", () => setFilter(input.value.trim().toLowerCase(), note));
  heading.after(h("div", { class: "tag-filter" }, input, note));
}

async function setFilter(tag, note) {
  filter = tag;
  matching = null;
  note.textContent = "";
  if (tag) {
    try {
      const p = await request("list_chats", { limit: 100, filters: { tag } });
      if (filter !== tag) return;
      matching = new Set((p.chats_summary || []).map((s) => s.id));
      note.textContent = p.total_chats + " tagged";
    } catch (e) {
      note.textContent = e.message;
      matching = new Set();
    }
  }
  render();
}

// onTagPush applies thread_tagged and thread_untagged, of any thread.
export function onTagPush(action, p) {
  const c = state.chats.get(p.chat_id);
  if (!c) return;
  const tags = new Set((c.threadTags || {})[p.thread_id] || []);
  if (action === "thread_tagged") tags.add(p.tag);
  else tags.delete(p.tag);
  c.threadTags = { ...(c.threadTags || {}) };
  if (tags.size) c.threadTags[p.thread_id] = [...tags].sort();
  else delete c.threadTags[p.thread_id];
  if (filter === p.tag && matching) {
    if (chatTags(c).includes(p.tag)) matching.add(c.id);
    else matching.delete(c.id);
  }
  render();
}

// The open chat's add-tag field, its form and error, made once: pushes
// for the open chat (a page the customer visits, a queue move) draw the
// header again, and a field made anew would lose what the agent is typing
// and the focus.
let field = null; // {form, input, error, chat}

// renderTags draws the chips of the open chat into box (#chat-tags),
// before the add-tag field (emptied for another chat). A chip drawn the
// same is kept; its button acts on the open chat.
export function renderTags(box, chat) {
  show(box, !!(chat && chat.lastThreadId));
  if (!chat || !chat.lastThreadId) return;
  if (!field) {
    field = tagField();
    box.append(field.form, field.error);
  }
  if (!field.chat || field.chat.id !== chat.id) {
    field.input.value = "";
    field.error.textContent = "";
  }
  field.chat = chat;
  const last = (chat.threadTags || {})[chat.lastThreadId] || [];
  redraw(box, chatTags(chat).map((tag) => {
    const earlier = !last.includes(tag);
    return h("span", { class: "tag-chip" + (earlier ? " tag-earlier" : ""), dataset: { tag },
      title: earlier ? "Tagged on an earlier thread of this chat" : null }, tag,
    h("button", { type: "button", class: "tag-remove", "aria-label": "Remove tag " + tag, title: "Remove tag",
      onclick: () => act("untag_thread", tag, threadsTagged(field.chat, tag)) }, "×"));
  }), "tag", field.form);
}

// tagField makes the add-tag field; it tags the last thread of the chat
// it is drawn for.
function tagField() {
  const f = {
    input: h("input", { class: "tag-add", placeholder: "Add tag", maxlength: "50", "aria-label": "Add a tag" }),
    error: h("span", { class: "error tag-error", role: "alert" }),
    chat: null,
  };
  f.form = h("form", { class: "tag-form" }, f.input);
  f.form.addEventListener("submit", (e) => {
    e.preventDefault();
    const tag = f.input.value.trim().toLowerCase();
    const chat = f.chat;
    if (tag && chat) act("tag_thread", tag, [chat.lastThreadId]).then((ok) => {
      if (ok && f.chat === chat && f.input.value.trim().toLowerCase() === tag) f.input.value = "";
    });
  });
  return f;
}

// act sends action (tag_thread, untag_thread) for tag on each of the open
// chat's threads; it resolves to whether all succeeded, and shows the
// error otherwise.
async function act(action, tag, threads) {
  const chat = field.chat;
  field.error.textContent = "";
  try {
    await Promise.all(threads.map((thread_id) => request(action, { chat_id: chat.id, thread_id, tag })));
    return true;
  } catch (e) {
    if (field.chat === chat) field.error.textContent = e.message;
    return false;
  }
}
