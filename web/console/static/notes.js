// Private notes: a message sent with visibility "agents", which the server
// never gives to the customer (docs/agent-api.md, "Private notes"). The
// composer's Note toggle makes the next messages notes until it is turned
// off; a note shows with a yellow background and says who can see it.

import { h } from "./dom.js";

let noteMode = false;
let toggle = null;
let reply = null;

// initNotes wires the composer's Note toggle (#note-toggle) and the reply
// box whose look follows it.
export function initNotes() {
  toggle = document.getElementById("note-toggle");
  reply = document.getElementById("reply");
  toggle.addEventListener("click", () => setNoteMode(!noteMode));
}

function setNoteMode(on) {
  if (on === noteMode) return;
  noteMode = on;
  toggle.setAttribute("aria-pressed", String(on));
  reply.classList.toggle("writing-note", on);
  if (on) {
    reply.dataset.placeholder = reply.placeholder;
    reply.placeholder = "Write a note… (visible to agents only)";
  } else {
    reply.placeholder = reply.dataset.placeholder || reply.placeholder;
  }
}

// noteFields are the fields the composer adds to a message: the note's
// visibility while the toggle is on.
export function noteFields() {
  return noteMode ? { visibility: "agents" } : {};
}

// markNote marks a rendered event that is a note.
export function markNote(li, bubble, e) {
  if (e.visibility !== "agents") return;
  li.classList.add("is-note");
  li.dataset.visibility = "agents";
  bubble.prepend(h("p", { class: "note-label", text: "Note — visible to agents only" }));
}
