// Saved replies (canned responses): typing "#" in the reply box opens a
// list of the license's replies (list_canned_responses) filtered by what
// follows the "#"; ↑/↓ move, Enter or Tab insert the chosen reply in place
// of "#…", Escape closes the list; a click inserts too. The "Replies…"
// button, and the "Saved replies…" button under the list (the one on a
// phone, where the composer has no room for the other), open a dialog
// listing them; owners and administrators add, change and remove them
// there (Configuration API), other agents read them.

import { h, clear, redraw, show } from "./dom.js";
import { state, request } from "./state.js";

const configURL = "/v3.0/configuration/action/";
const stale = 30000; // ms after which the list is fetched again

let replies = []; // [{id, shortcut, text}], ordered by shortcut
let loadedAt = 0;
let loading = null;
let box = null; // the reply textarea
let popup = null; // the suggestion list and its "Saved replies…" button
let list = null; // the suggestion list
let shown = []; // the replies the list shows
let active = 0; // the highlighted one
let token = null; // {start, end} of "#query" in the textarea

// loadReplies fetches the license's replies, at most every 30 s unless
// forced.
function loadReplies(force) {
  if (!force && Date.now() - loadedAt < stale) return Promise.resolve(replies);
  if (loading) return loading;
  loading = request("list_canned_responses", {}).then((p) => keepReplies(p.canned_responses)).finally(() => {
    loading = null;
  });
  return loading;
}

// keepReplies keeps the license's replies as fetched now.
function keepReplies(list) {
  replies = list || [];
  loadedAt = Date.now();
  return replies;
}

// initReplies adds the suggestion list to the composer of textarea and the
// Replies… button to tools.
export function initReplies(textarea, tools) {
  box = textarea;
  list = h("ul", { id: "reply-suggestions", class: "reply-suggestions", role: "listbox", "aria-label": "Saved replies", hidden: true });
  popup = h("div", { class: "reply-popup", hidden: true }, list,
    h("button", {
      type: "button", class: "quiet reply-manage", title: "See, add and change the saved replies",
      onmousedown: (e) => e.preventDefault(), // keep the focus in the box
      onclick: () => {
        close();
        openDialog();
      },
    }, "Saved replies…"));
  box.before(popup);
  box.setAttribute("aria-controls", "reply-suggestions");
  box.setAttribute("aria-autocomplete", "list");
  box.addEventListener("input", update);
  box.addEventListener("click", update);
  box.addEventListener("blur", () => setTimeout(close, 150));
  tools.prepend(h("button", { id: "replies-manage", type: "button", class: "quiet", title: "Saved replies (type # in the reply box)", onclick: openDialog }, "Replies…"));
}

// queryAt finds "#query" ending at the caret: {start, end, query} or null.
function queryAt() {
  const end = box.selectionStart;
  if (end !== box.selectionEnd) return null;
  const m = /(^|\s)#([a-z0-9_-]{0,32})$/i.exec(box.value.slice(0, end));
  if (!m) return null;
  return { start: end - m[2].length - 1, end, query: m[2].toLowerCase() };
}

function update() {
  const q = queryAt();
  if (!q) {
    close();
    return;
  }
  token = q;
  render();
  loadReplies(false).then(() => {
    if (token === q) render();
  }, (e) => {
    if (token === q) renderNote("Saved replies are not available: " + e.message);
  });
}

// matches orders the replies whose shortcut starts with the query first,
// then those whose shortcut or text contains it.
function matches(query) {
  const first = [];
  const then = [];
  for (const r of replies) {
    if (r.shortcut.startsWith(query)) first.push(r);
    else if (r.shortcut.includes(query) || (query && r.text.toLowerCase().includes(query))) then.push(r);
  }
  return first.concat(then).slice(0, 8);
}

// render shows the replies matching the query. It is called on every
// keystroke and again when the replies are refetched: an option drawn the
// same is kept, so that a click on it is not lost.
function render() {
  shown = matches(token.query);
  active = Math.min(active, Math.max(shown.length - 1, 0));
  if (!shown.length) {
    renderNote(loadedAt ? (replies.length ? "No saved reply matches #" + token.query : "No saved replies yet.") : "Loading saved replies…");
    return;
  }
  redraw(list, shown.map((r, i) => h("li", {
    id: "reply-option-" + i, role: "option", class: "reply-option", "aria-selected": String(i === active),
    dataset: { shortcut: r.shortcut },
    onmousedown: (e) => e.preventDefault(), // keep the focus in the box
    onclick: () => insert(r),
  }, h("span", { class: "reply-shortcut", text: "#" + r.shortcut }), h("span", { class: "reply-text", text: r.text }))), "shortcut");
  box.setAttribute("aria-activedescendant", "reply-option-" + active);
  showList(true);
}

function renderNote(text) {
  clear(list).append(h("li", { class: "reply-note", text }));
  shown = [];
  box.removeAttribute("aria-activedescendant");
  showList(true);
}

// showList shows or hides the list with its button.
function showList(on) {
  show(list, on);
  show(popup, on);
}

function close() {
  token = null;
  shown = [];
  active = 0;
  if (list) showList(false);
  if (box) box.removeAttribute("aria-activedescendant");
}

// replyKeydown handles the keys of the open list; it returns true when it
// took the key (the composer then leaves it alone).
export function replyKeydown(e) {
  if (!list || list.hidden || e.isComposing) return false;
  if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    close();
    return true;
  }
  if (!shown.length) return false;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    active = (active + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
    render();
    list.children[active].scrollIntoView({ block: "nearest" });
    return true;
  }
  if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
    e.preventDefault();
    insert(shown[active]);
    return true;
  }
  return false;
}

// insert puts a reply's text in place of "#query" and closes the list.
function insert(r) {
  const q = token || queryAt();
  if (!q || !r) return;
  box.setRangeText(r.text, q.start, q.end, "end");
  close();
  box.dispatchEvent(new Event("input", { bubbles: true }));
  box.focus();
}

// config calls the Configuration API with the agent's token.
async function config(action, payload) {
  const res = await fetch(configURL + action, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + state.session.token },
    body: JSON.stringify(payload || {}),
  });
  let body = {};
  try {
    body = await res.json();
  } catch {
    body = {};
  }
  if (!res.ok) {
    const err = new Error((body.error && body.error.message) || "HTTP " + res.status);
    err.status = res.status;
    throw err;
  }
  return body;
}

let dialog = null;

// openDialog shows the replies; a manager may change them. The
// Configuration API answers managers only, with the replies; the others
// read them over the agent API.
async function openDialog() {
  if (!dialog) dialog = buildDialog();
  dialog.el.showModal();
  dialog.note.textContent = "Loading…";
  let manager = true;
  try {
    keepReplies(await config("list_canned_responses", {}));
  } catch (e) {
    if (e.status !== 403) {
      dialog.note.textContent = "Could not load the saved replies: " + e.message;
      return;
    }
    manager = false;
  }
  dialog.manager = manager;
  show(dialog.form, manager);
  try {
    if (!manager) await loadReplies(true);
    dialog.note.textContent = manager ? "" : "Only owners and administrators change saved replies.";
  } catch (e) {
    dialog.note.textContent = "Could not load the saved replies: " + e.message;
  }
  renderDialog();
}

function buildDialog() {
  const shortcut = h("input", { id: "reply-new-shortcut", required: true, pattern: "[a-z0-9_\\-]{1,32}", maxlength: "32", placeholder: "shipping", autocomplete: "off" });
  const text = h("textarea", { id: "reply-new-text", required: true, maxlength: "2000", rows: "3", placeholder: "We ship within two working days." });
  const id = h("input", { type: "hidden", value: "" });
  const submit = h("button", { type: "submit", id: "reply-save" }, "Add reply");
  const d = {};
  const reset = () => {
    id.value = "";
    shortcut.value = "";
    text.value = "";
    submit.textContent = "Add reply";
  };
  d.edit = (r) => {
    id.value = String(r.id);
    shortcut.value = r.shortcut;
    text.value = r.text;
    submit.textContent = "Save changes";
    shortcut.focus();
  };
  d.form = h("form", {
    class: "reply-form",
    onsubmit: async (e) => {
      e.preventDefault();
      d.note.textContent = "";
      const payload = { shortcut: shortcut.value.trim().replace(/^#/, ""), text: text.value };
      try {
        if (id.value) await config("update_canned_response", { id: Number(id.value), ...payload });
        else await config("create_canned_response", payload);
        reset();
        await loadReplies(true);
        renderDialog();
      } catch (ex) {
        d.note.textContent = ex.message;
      }
    },
  },
  h("label", {}, "Shortcut ", h("span", { class: "note", text: "(a-z, 0-9, _ and -)" }), shortcut),
  h("label", {}, "Text", text),
  h("div", { class: "row" }, submit, h("button", { type: "button", class: "quiet", onclick: reset }, "Clear")));
  d.list = h("ul", { class: "reply-manage-list" });
  d.note = h("p", { class: "note", role: "status" });
  d.el = h("dialog", { id: "replies-dialog", class: "replies-dialog", "aria-labelledby": "replies-heading" },
    h("div", { class: "pane-head" }, h("h2", { id: "replies-heading", text: "Saved replies" }),
      h("button", { type: "button", class: "quiet", onclick: () => d.el.close() }, "Close")),
    h("p", { class: "note", text: "Type # and a shortcut in the reply box to insert a reply." }),
    d.list, d.note, d.form);
  document.body.append(d.el);
  return d;
}

function renderDialog() {
  const d = dialog;
  clear(d.list);
  if (!replies.length) d.list.append(h("li", { class: "empty-note", text: "No saved replies yet." }));
  for (const r of replies) {
    d.list.append(h("li", { dataset: { shortcut: r.shortcut } },
      h("span", { class: "reply-shortcut", text: "#" + r.shortcut }), h("span", { class: "reply-text", text: r.text }),
      d.manager ? h("span", { class: "row" },
        h("button", { type: "button", class: "quiet", onclick: () => d.edit(r) }, "Edit"),
        h("button", {
          type: "button", class: "quiet danger",
          onclick: async () => {
            try {
              await config("delete_canned_response", { id: r.id });
              await loadReplies(true);
              renderDialog();
            } catch (e) {
              d.note.textContent = e.message;
            }
          },
        }, "Remove")) : null));
  }
}
