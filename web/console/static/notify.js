// Alerts of new customer messages: a short tone (WebAudio, no audio
// file) and a desktop notification (Notification API), each switched on
// in the "Alerts" menu of the top bar and remembered in localStorage
// (parley.agent.alerts). An alert comes for a customer's message in a chat
// that is not open, or in any chat while the page is hidden; never for the
// agent's own messages, an agent's or the system's. The browser asks for
// permission to notify when the agent switches notifications on; refused,
// the switch goes back off.

import { h } from "./dom.js";
import { state } from "./state.js";

const storageKey = "parley.agent.alerts";

let settings = { sound: false, desktop: false };
let audio = null; // AudioContext, made on the agent's first switch
let els = null;

function load() {
  try {
    const s = JSON.parse(localStorage.getItem(storageKey) || "{}");
    settings = { sound: s.sound === true, desktop: s.desktop === true };
  } catch {
    settings = { sound: false, desktop: false };
  }
  if (settings.desktop && (!("Notification" in window) || Notification.permission !== "granted")) settings.desktop = false;
}

function save() {
  localStorage.setItem(storageKey, JSON.stringify(settings));
  if (els) els.toggle.dataset.on = String(settings.sound || settings.desktop);
}

// bell is the icon of the Alerts button.
function bell() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const d of ["M6 9a6 6 0 0 1 12 0c0 6 2.5 8 2.5 8h-17S6 15 6 9", "M10.3 20.5a2 2 0 0 0 3.4 0"]) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

// initNotify puts the Alerts menu before anchor in the top bar.
export function initNotify(anchor) {
  load();
  const sound = h("input", { id: "alert-sound", type: "checkbox" });
  const desktop = h("input", { id: "alert-desktop", type: "checkbox" });
  const note = h("p", { id: "alert-note", class: "note", role: "status" });
  const menu = h("div", { id: "alerts-menu", class: "alerts-menu", hidden: true },
    h("label", {}, sound, " Sound for new messages"),
    h("label", {}, desktop, " Desktop notifications"),
    note);
  const toggle = h("button", {
    id: "alerts", type: "button", class: "quiet alerts-button", "aria-expanded": "false", "aria-controls": "alerts-menu",
    "aria-label": "Alerts", title: "Alerts: sound and desktop notifications", onclick: () => setOpen(menu.hidden),
  }, bell());
  const setOpen = (open) => {
    menu.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  };
  document.addEventListener("click", (e) => {
    if (!menu.hidden && !menu.contains(e.target) && !toggle.contains(e.target)) setOpen(false);
  });
  sound.addEventListener("change", () => {
    settings.sound = sound.checked;
    save();
    if (settings.sound) beep(); // a sample, and the gesture that lets audio play
  });
  desktop.addEventListener("change", async () => {
    note.textContent = "";
    if (!desktop.checked) {
      settings.desktop = false;
      save();
      return;
    }
    if (!("Notification" in window)) {
      desktop.checked = false;
      note.textContent = "This browser has no desktop notifications.";
      return;
    }
    let perm = Notification.permission;
    if (perm === "default") perm = await Notification.requestPermission();
    settings.desktop = perm === "granted";
    desktop.checked = settings.desktop;
    if (!settings.desktop) note.textContent = "The browser does not allow notifications for this site.";
    save();
  });
  sound.checked = settings.sound;
  desktop.checked = settings.desktop;
  els = { sound, desktop, menu, toggle };
  toggle.dataset.on = String(settings.sound || settings.desktop);
  anchor.before(h("span", { class: "alerts" }, toggle, menu));
}

// beep plays a short two-note tone.
function beep() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  if (!audio) audio = new Ctx();
  if (audio.state === "suspended") audio.resume().catch(() => {});
  const t = audio.currentTime;
  const gain = audio.createGain();
  gain.gain.setValueAtTime(0.0001, t);
  gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
  gain.connect(audio.destination);
  const osc = audio.createOscillator();
  osc.type = "sine";
  osc.frequency.setValueAtTime(880, t);
  osc.frequency.setValueAtTime(1320, t + 0.12);
  osc.connect(gain);
  osc.start(t);
  osc.stop(t + 0.32);
}

// alertFor alerts of event e of chat c, if it calls for one: open is the
// chat being viewed, name the customer's name, onOpen opens the chat (a
// click on the notification).
export function alertFor(c, e, open, name, onOpen) {
  if (!settings.sound && !settings.desktop) return;
  if (!e || !["message", "file", "filled_form"].includes(e.type)) return;
  if (state.me && e.author_id === state.me.id) return;
  const author = c.users.get(e.author_id);
  if (!author || author.type !== "customer") return;
  if (c.id === open && !document.hidden) return;
  if (settings.sound) beep();
  if (settings.desktop && "Notification" in window && Notification.permission === "granted") {
    const body = e.type === "message" ? e.text || "" : e.type === "file" ? "File: " + (e.name || "file") : "Form filled in";
    const n = new Notification(name, { body: body.slice(0, 200), tag: "parley-chat-" + c.id });
    n.onclick = () => {
      window.focus();
      onOpen(c.id);
      n.close();
    };
  }
}
