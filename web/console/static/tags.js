// Tags on chats: agents tag a chat's last thread (tag_thread, untag_thread;
// docs/agent-api.md, "Tags"). The chat's header shows the tags as chips
// with a remove button and a field to add one; the chat list has a tag
// filter, answered by list_chats' filters.tag (chats with any thread so
// tagged). Tags are lower case, 1 to 50 characters, at most 20 a thread.

import { h, clear, show } from "./dom.js";
import { state, request } from "./state.js";

let filter = "";      // the tag the list is filtered by, "" for none
let matching = null;  // ids of the chats list_chats gave for the filter
let render = () => {};

// tagsOf reads the last thread's tags from a list_chats summary.
export function tagsOf(summary) {
  return (summary.last_thread_summary && summary.last_thread_summary.tags) || [];
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

// onTagPush applies thread_tagged and thread_untagged.
export function onTagPush(action, p) {
  const c = state.chats.get(p.chat_id);
  if (!c || (c.lastThreadId && p.thread_id !== c.lastThreadId)) return;
  const tags = new Set(c.tags || []);
  if (action === "thread_tagged") tags.add(p.tag);
  else tags.delete(p.tag);
  c.tags = [...tags].sort();
  if (filter === p.tag && matching) {
    if (action === "thread_tagged") matching.add(c.id);
    else matching.delete(c.id);
  }
  render();
}

// renderTags draws the chips of the open chat into box (#chat-tags).
export function renderTags(box, chat) {
  clear(box);
  show(box, !!(chat && chat.lastThreadId));
  if (!chat || !chat.lastThreadId) return;
  const error = h("span", { class: "error tag-error", role: "alert" });
  const act = async (action, tag) => {
    error.textContent = "";
    try {
      await request(action, { chat_id: chat.id, thread_id: chat.lastThreadId, tag });
    } catch (e) {
      error.textContent = e.message;
    }
  };
  for (const tag of chat.tags || []) {
    box.append(h("span", { class: "tag-chip", dataset: { tag } }, tag,
      h("button", { type: "button", class: "tag-remove", "aria-label": "Remove tag " + tag, title: "Remove tag",
        onclick: () => act("untag_thread", tag) }, "×")));
  }
  const input = h("input", { class: "tag-add", placeholder: "Add tag", maxlength: "50", "aria-label": "Add a tag" });
  const form = h("form", { class: "tag-form" }, input);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const tag = input.value.trim().toLowerCase();
    if (tag) act("tag_thread", tag).then(() => { input.value = ""; });
  });
  box.append(form, error);
}
