// RTM is the agent's connection to the Agent Chat API over a plain
// WebSocket: requests matched to responses by request_id, pushes handed to
// onPush, a ping every 25 s that must be answered within 10 s (otherwise
// the connection counts as dead), and reconnection with capped exponential
// backoff and jitter. After every (re)connection it logs in again and
// calls onLogin, which reloads what may have been missed.

const pingEvery = 25000;
const pingTimeout = 10000;
const requestTimeout = 15000;
// The server answers at most this many requests in flight per connection
// (too_many_requests past it): more wait here for a response.
const maxInFlight = 10;

// Disconnect reasons after which reconnecting cannot help.
const finalReasons = new Set([
  "access_token_expired", "license_not_found", "unsupported_version",
  "product_version_changed", "customer_banned",
]);

export function isFinalReason(reason) {
  return finalReasons.has(reason) || /token|logged_out|license/.test(reason || "");
}

export class RTMError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type;
  }
}

export class RTM {
  // url: the WebSocket URL; token: the access token; handlers: onPush(action,
  // payload), onState(state, detail), onLogin(payload), onFatal(reason).
  constructor(url, token, handlers) {
    this.url = url;
    this.token = token;
    this.h = handlers;
    this.ws = null;
    this.pending = new Map(); // request id → { resolve, reject, timer }
    this.waiting = []; // requests not sent yet (see maxInFlight)
    this.nextID = 1;
    this.attempt = 0;
    this.stopped = false;
    this.loggedIn = false;
    this.timers = { retry: 0, ping: 0 };
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timers.retry);
    this.drop("stopped");
    this.setState("stopped");
  }

  setState(state, detail) {
    this.state = state;
    this.h.onState?.(state, detail);
  }

  connect() {
    clearTimeout(this.timers.retry);
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting", { attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.login();
    ws.onmessage = (m) => this.onFrame(m.data);
    ws.onclose = () => {
      if (this.ws === ws) this.lost();
    };
  }

  async login() {
    const ws = this.ws;
    try {
      const p = await this.send("login", { token: "Bearer " + this.token });
      this.loggedIn = true;
      this.attempt = 0;
      this.schedulePing();
      this.setState("connected");
      this.h.onLogin?.(p);
    } catch (e) {
      if (this.ws !== ws) return; // lost meanwhile: already reconnecting
      if (e.type === "authentication") {
        this.stopped = true;
        this.drop("login refused");
        this.h.onFatal?.(e.type, e.message);
        return;
      }
      this.lost();
    }
  }

  onFrame(data) {
    let f;
    try {
      f = JSON.parse(data);
    } catch {
      return;
    }
    if (f.type === "response") {
      const p = this.pending.get(f.request_id);
      if (!p) return;
      this.pending.delete(f.request_id);
      clearTimeout(p.timer);
      this.sendWaiting();
      if (f.success === false) {
        const err = (f.payload && f.payload.error) || {};
        p.reject(new RTMError(err.type || "internal", err.message));
      } else {
        p.resolve(f.payload || {});
      }
      return;
    }
    if (f.type !== "push") return;
    if (f.action === "agent_disconnected") {
      const reason = (f.payload && f.payload.reason) || "";
      if (isFinalReason(reason)) {
        this.stopped = true;
        this.drop(reason);
        this.h.onFatal?.(reason);
        return;
      }
    }
    this.h.onPush?.(f.action, f.payload || {});
  }

  // send writes a request on the current socket and waits for its
  // response. With maxInFlight requests unanswered it waits for one of
  // them first.
  send(action, payload, timeout = requestTimeout) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new RTMError("not_connected", "Not connected: reconnecting…"));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ action, payload, timeout, resolve, reject });
      this.sendWaiting();
    });
  }

  // sendWaiting sends waiting requests while fewer than maxInFlight are
  // unanswered.
  sendWaiting() {
    const ws = this.ws;
    while (ws && this.waiting.length > 0 && this.pending.size < maxInFlight) {
      const r = this.waiting.shift();
      const id = String(this.nextID++);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        r.reject(new RTMError("request_timeout", "The server did not answer in time."));
        this.sendWaiting();
      }, r.timeout);
      this.pending.set(id, { resolve: r.resolve, reject: r.reject, timer });
      ws.send(JSON.stringify({ request_id: id, action: r.action, payload: r.payload || {} }));
    }
  }

  // request sends an action once logged in; it fails at once while the
  // connection is down (callers reload after onLogin anyway).
  request(action, payload) {
    if (!this.loggedIn) {
      return Promise.reject(new RTMError("not_connected", "Not connected: reconnecting…"));
    }
    return this.send(action, payload);
  }

  schedulePing() {
    clearTimeout(this.timers.ping);
    this.timers.ping = setTimeout(async () => {
      const ws = this.ws;
      try {
        await this.send("ping", {}, pingTimeout);
        if (this.ws === ws) this.schedulePing();
      } catch (e) {
        // An error answer still proves the connection is alive.
        if (e instanceof RTMError && e.type !== "request_timeout" && e.type !== "not_connected") {
          if (this.ws === ws) this.schedulePing();
          return;
        }
        if (this.ws === ws) {
          this.drop("ping timeout");
          this.lost();
        }
      }
    }, pingEvery);
  }

  // drop forgets the current socket without waiting for a close handshake
  // (which a dead connection never completes) and fails pending requests.
  drop(why) {
    clearTimeout(this.timers.ping);
    const ws = this.ws;
    this.ws = null;
    this.loggedIn = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close(1000, why);
      } catch {
        // already closed
      }
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RTMError("connection_lost", "The connection was lost."));
    }
    this.pending.clear();
    for (const r of this.waiting) {
      r.reject(new RTMError("connection_lost", "The connection was lost."));
    }
    this.waiting = [];
  }

  lost() {
    this.drop("lost");
    if (!this.stopped) this.scheduleReconnect();
  }

  scheduleReconnect() {
    this.attempt++;
    const base = Math.min(20000, 500 * 2 ** (this.attempt - 1));
    const delay = Math.round(base * (0.7 + Math.random() * 0.6));
    this.setState("reconnecting", { attempt: this.attempt, retryAt: Date.now() + delay });
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.connect(), delay);
  }

  // retryNow skips the wait of a scheduled reconnection.
  retryNow() {
    if (!this.stopped && !this.ws) this.connect();
  }
}
