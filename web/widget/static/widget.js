/*
 * Parley chat widget: a client of the Customer Chat API v3.0.
 *
 *   <script src="https://chat.example.com/widget.js" data-license="123" data-client-id="…" async></script>
 *
 * Optional attributes: data-group (a group id), data-color (the accent colour),
 * data-lang (en, de, pl or es; default: the browser's languages, then en).
 * Plain ES2020, no dependencies, no build step. Every text from the network
 * reaches the page as a text node; links and images are used only when their
 * URL is http(s).
 */
(() => {
  'use strict';
  const script = document.currentScript;
  if (!script || window.ParleyWidget) return;
  const base = new URL(script.src, location.href).origin;
  const data = script.dataset;
  const MAX_FILE = 10 * 1024 * 1024; // the server's limit: 10 MiB
  const LAST = 1e15; // sort key of what the server has not stored yet
  const FINAL = ['customer_banned', 'license_not_found', 'product_version_changed', 'unsupported_version'];

  // ---- strings: every text of the widget, in English. Other languages
  // replace them from /widget/i18n/<lang>.json, keys as here; {0}, {1} are
  // the arguments of tr. ----
  const S = {
    open: 'Open chat',
    close: 'Close chat',
    title: 'Chat with us',
    sub: 'We usually reply in a few minutes',
    older: 'Loading earlier messages…',
    hello: 'Hi! How can we help?',
    who: 'Tell us who you are, if you like, so we can follow up.',
    name: 'Name (optional)',
    mail: 'Email (optional)',
    start: 'Start chat',
    good: 'Good',
    bad: 'Bad',
    more: 'Tell us more (optional)',
    comment: 'Comment',
    rate: 'Send rating',
    how: 'How was this chat?',
    ended: 'This chat has ended.',
    again: 'Start a new chat',
    write: 'Write a message…',
    msg: 'Message',
    attach: 'Attach a file (up to 10 MB)',
    send: 'Send',
    chat: 'Chat',
    min: 'Minimize chat',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting… Messages you write now are sent when we are back.',
    stopped: 'The chat is not available right now.',
    agent: 'Agent',
    online: 'Online',
    typing: '{0} is typing',
    ratedGood: 'You rated this chat good. Thank you!',
    ratedBad: 'You rated this chat bad. Thank you!',
    noStart: 'Could not start the chat. Please try again.',
    noNew: 'Could not start a new chat. Please try again.',
    noRate: 'Could not send your rating. Please try again.',
    sending: 'Sending…',
    sent: 'Sent',
    seen: 'Seen',
    notSent: 'Not sent: {0}.',
    retry: 'Retry',
    cancel: 'Cancel',
    uploading: 'Uploading…',
    upFail: 'Upload failed.',
    tooBig: 'Too big: files can be up to 10 MB.',
    big: '“{0}” is too big to send ({1}): files can be up to 10 MB.',
    queue: 'You are number {0} in the queue — about {1} min',
    f_header: 'Our agents are not available right now. Leave a message and we will answer by e-mail.',
    f_name: 'Name',
    f_email: 'E-mail',
    f_message: 'Message',
    leave: 'Send message',
    left: 'Thank you! We will answer by e-mail.',
    noLeave: 'Could not send your message. Please try again.',
  };
  const LANGS = ['en', 'de', 'pl', 'es'];
  let lang = 'en';
  const tr = (k, ...a) => S[k].replace(/\{(\d)\}/g, (_, i) => a[i]);
  // L marks a text of the table in h's props and children: fixed keeps
  // where it went, to set it again when a language loads.
  const L = k => ({k});
  const fixed = [];
  const relabel = () => fixed.forEach(([el, a, k]) => a ? el.setAttribute(a, tr(k)) : el.textContent = tr(k));

  // ---- DOM helpers ----
  const h = (tag, props, ...kids) => {
    const el = document.createElement(tag);
    for (let [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (v.k) {
        fixed.push([el, k !== 'text' && k, v.k]);
        v = tr(v.k);
      }
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (let c of kids.flat()) {
      if (c && c.k) {
        const k = c.k;
        fixed.push([c = new Text(tr(k)), 0, k]);
      }
      if (c != null && c !== false && c !== '') el.append(c);
    }
    return el;
  };
  const PATHS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
    x: 'M6 6l12 12M18 6L6 18',
    min: 'M6 9l6 6 6-6',
    clip: 'M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7',
    send: 'M4 12l16-8-6 16-2.5-6.5zM11.5 13.5L20 4',
    thumb: 'M7 11v10H4V11zM7 11l4-8a3 3 0 0 1 3 3v4h5a2 2 0 0 1 2 2.3l-1.4 7A2 2 0 0 1 17.6 21H7',
  };
  const icon = (name, cls) => {
    const ns = 'http://www.w3.org/2000/svg', s = document.createElementNS(ns, 'svg'), p = document.createElementNS(ns, 'path');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    if (cls) s.setAttribute('class', cls);
    p.setAttribute('d', PATHS[name]);
    s.append(p);
    return s;
  };
  // A relative URL (a file link of a server without a public URL) is the server's.
  const safeURL = u => {
    try {
      const x = new URL(u, base);
      return x.protocol === 'http:' || x.protocol === 'https:' ? x.href : null;
    } catch { return null; }
  };
  const linkify = text => {
    const out = [];
    let at = 0;
    for (const m of text.matchAll(/https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'}]/gi)) {
      const url = safeURL(m[0]);
      if (!url) continue;
      out.push(text.slice(at, m.index), h('a', {href: url, target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0]}));
      at = m.index + m[0].length;
    }
    out.push(text.slice(at));
    return out;
  };
  const date = s => new Date(s * 1000);
  const clock = s => date(s).toLocaleTimeString(lang, {hour: '2-digit', minute: '2-digit'});
  const size = n => n < 1024 ? n + ' B' : n < 1048576 ? Math.round(n / 1024) + ' KB' : (n / 1048576).toFixed(1) + ' MB';
  const rid = () => Math.random().toString(36).slice(2) + Date.now().toString(36);
  // keep reads (no v) or writes (v; '' removes) a value of the host page's
  // sessionStorage or localStorage.
  const keep = (st, k, v) => {
    try {
      st = window[st];
      if (v === undefined) return st.getItem('parley:' + k);
      v ? st.setItem('parley:' + k, v) : st.removeItem('parley:' + k);
    } catch { /* storage may be off */ }
  };

  // ---- the widget's elements (in a shadow root: the page's CSS cannot reach them) ----
  // narrow is a phone's screen, where the window covers it (widget.css).
  const narrow = matchMedia('(max-width:480px)');
  const host = document.createElement('parley-chat');
  const hostStyle = {all: 'initial', position: 'fixed', right: '0', bottom: '0', 'z-index': '2147483000', visibility: 'hidden'};
  for (const [k, v] of Object.entries(hostStyle)) host.style.setProperty(k, v, 'important');
  if (data.color && CSS.supports('color', data.color)) host.style.setProperty('--parley-color', data.color);
  const root = host.attachShadow({mode: 'open'});
  const sheet = h('link', {rel: 'stylesheet', href: base + '/widget/widget.css'});
  sheet.onload = () => host.style.removeProperty('visibility');

  const badge = h('span', {class: 'badge', hidden: true});
  const launcher = h('button', {class: 'launcher', type: 'button', 'aria-label': L('open'), 'aria-expanded': 'false', onclick: () => toggle()},
    icon('chat', 'open-i'), icon('x', 'shut-i'), badge);
  const face = h('img', {class: 'face', alt: '', hidden: true, onerror: () => { face.hidden = true; }});
  const title = h('strong', {text: L('title')});
  const sub = h('span', {class: 'sub', text: L('sub')});
  const conn = h('div', {class: 'conn', role: 'status', hidden: true});
  const older = h('div', {class: 'older', text: L('older')});
  const log = h('div', {class: 'log', role: 'log', 'aria-live': 'polite'}, older);
  const typing = h('div', {class: 'typing', hidden: true});
  const note = h('div', {class: 'note', role: 'alert', hidden: true});
  const queue = h('div', {class: 'queue', role: 'status', hidden: true});

  const nameIn = h('input', {name: 'name', autocomplete: 'name', maxlength: 100});
  const mailIn = h('input', {name: 'email', type: 'email', autocomplete: 'email', maxlength: 200});
  const startBtn = h('button', {class: 'primary', text: L('start')});
  const hello = h('p', {class: 'hello', text: L('hello')});
  const prechat = h('form', {class: 'prechat', hidden: true, onsubmit: startChat},
    hello, h('p', {text: L('who')}),
    h('label', {}, L('name'), nameIn), h('label', {}, L('mail'), mailIn), startBtn);

  // The offline form (get_form type offline), while every group of the
  // widget is offline: its fields are the server's, labelled from S when
  // S knows them.
  const offBtn = h('button', {class: 'primary', text: L('leave')});
  const offFields = h('div', {class: 'fields'});
  const offline = h('form', {class: 'prechat offline', hidden: true, onsubmit: leave}, offFields, offBtn);
  const leftNote = h('p', {class: 'left', hidden: true, text: L('left')});
  let offForm = null, groupOff = false, leftMsg = false;
  function showForm(form) {
    offForm = form;
    offFields.replaceChildren(...form.fields.map(f => {
      const key = 'f_' + f.id, label = S[key] ? L(key) : f.label;
      if (f.type === 'header') return h('p', {class: 'hello', text: label});
      const attrs = {name: f.id, required: !!f.required, maxlength: f.type === 'textarea' ? 4000 : 200};
      const input = f.type === 'textarea' ? h('textarea', {rows: 3, ...attrs}) : h('input', {type: f.type === 'email' ? 'email' : 'text', ...attrs});
      return h('label', {}, label, input);
    }));
  }

  let score = null;
  const pick = s => {
    score = s;
    good.setAttribute('aria-pressed', s === 1);
    bad.setAttribute('aria-pressed', s === 0);
    rateBtn.disabled = false;
  };
  const good = h('button', {type: 'button', class: 'rate good', 'aria-pressed': 'false', onclick: () => pick(1)}, icon('thumb'), L('good'));
  const bad = h('button', {type: 'button', class: 'rate bad', 'aria-pressed': 'false', onclick: () => pick(0)}, icon('thumb'), L('bad'));
  const comment = h('textarea', {rows: 2, maxlength: 1000, placeholder: L('more'), 'aria-label': L('comment')});
  const rateBtn = h('button', {class: 'primary', disabled: true, text: L('rate')});
  const rateForm = h('form', {class: 'rating', onsubmit: rate}, h('p', {text: L('how')}), h('div', {class: 'rates'}, good, bad), comment, rateBtn);
  const thanks = h('p', {class: 'thanks', hidden: true});
  const againBtn = h('button', {type: 'button', class: 'primary new', text: L('again'), onclick: newChat});
  const closed = h('div', {class: 'closed', hidden: true},
    h('p', {class: 'ended', text: L('ended')}), rateForm, thanks,
    againBtn);

  const ta = h('textarea', {rows: 1, maxlength: 4000, placeholder: L('write'), 'aria-label': L('msg'), oninput: onInput, onkeydown: e => {
    // Enter sends, but on a phone (whose keyboard has no Shift+Enter) it
    // starts a new line and the send button sends.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !narrow.matches) { e.preventDefault(); submit(); }
  }});
  const fileIn = h('input', {type: 'file', hidden: true, multiple: true, onchange: () => {
    for (const f of fileIn.files) upload(f);
    fileIn.value = '';
  }});
  const composer = h('form', {class: 'composer', hidden: true, onsubmit: e => { e.preventDefault(); submit(); }},
    h('button', {type: 'button', class: 'icon attach', title: L('attach'), 'aria-label': L('attach'), onclick: () => fileIn.click()}, icon('clip')),
    ta, h('button', {class: 'icon send', 'aria-label': L('send')}, icon('send')), fileIn);
  const win = h('section', {class: 'win', role: 'dialog', 'aria-label': L('chat'), hidden: true, onkeydown: e => e.key === 'Escape' && toggle(false)},
    h('header', {}, face, h('div', {class: 'who'}, title, sub), h('button', {type: 'button', class: 'icon', 'aria-label': L('min'), onclick: () => toggle(false)}, icon('min'))),
    conn, log, queue, typing, note, prechat, offline, leftNote, closed, composer);
  root.append(sheet, win, launcher);

  // ---- state ----
  let cfg = null; // {license, clientId, group}
  let token = null; // {t, id, exp}
  let me = null; // the customer's id
  let ws = null, online = false, everOnline = false, known = false, stopped = false, tries = 0, retryTimer = 0, pinger = 0;
  let waiters = [];
  const pending = new Map(); // request_id -> {resolve, reject}
  let chat = null; // {id, active}
  const threads = new Map(); // id -> {id, order, active, props, ts, sep}
  const users = new Map(); // id -> {name, type, present, job}
  const shown = new Map(); // event id -> element
  const outbox = new Map(); // custom_id -> message or upload not yet stored
  let summ = [], summTotal = 0, next = 0, loadingOlder = false; // thread summaries (ascending), for history
  let stick = true, unread = 0, starting = null, typingTimer = 0, peekAt = 0, peekTimer = 0;
  let seenAt = 0; // the latest last_seen_timestamp of an agent of the chat
  let inQueue = null; // the last queue_position_updated: {chat_id, queue: {position, wait_time}}

  // ---- connection ----
  const setConn = s => {
    host.dataset.conn = s;
    conn.className = 'conn ' + s;
    conn.hidden = s === 'online';
    conn.textContent = s === 'online' ? '' : tr(s);
    launcher.classList.toggle('offline', s !== 'online');
  };

  // getToken asks for a customer token with the identity token kept in the
  // host page's localStorage (the identity grant: no third-party cookie
  // needed), or with the cookie grant when there is none or the server
  // refuses it. The answer's identity token is kept for the next time.
  async function getToken() {
    if (token && token.exp > Date.now() + 60e3) return token;
    const key = 'identity:' + cfg.license + ':' + cfg.clientId;
    const ask = async id => (await fetch(base + '/customer/token', {
      method: 'POST', credentials: 'include',
      body: JSON.stringify({response_type: 'token', grant_type: id ? 'identity' : 'cookie', identity_token: id || undefined,
        client_id: cfg.clientId, license_id: cfg.license, redirect_uri: location.origin + location.pathname}),
    })).json();
    const id = keep('localStorage', key);
    let b = await ask(id);
    if (id && b.oauth_exception === 'invalid_grant') b = await ask();
    if (!b.access_token) throw new Error(b.identity_exception || b.oauth_exception || 'no token');
    keep('localStorage', key, b.identity_token || '');
    return token = {t: b.access_token, id: b.entity_id, exp: Date.now() + b.expires_in * 1e3};
  }

  function connect() {
    clearTimeout(retryTimer);
    if (stopped || ws) return;
    const placeholder = ws = {};
    getToken().then(tok => {
      if (ws !== placeholder) return;
      const s = ws = new WebSocket(base.replace(/^http/, 'ws') + '/v3.0/customer/rtm/ws?license_id=' + cfg.license);
      s.onopen = () => login(s, tok);
      s.onmessage = e => ws === s && onFrame(e.data);
      s.onclose = () => ws === s && drop();
    }, () => ws === placeholder && drop());
  }

  // drop forgets the connection and schedules the next one, with backoff.
  function drop() {
    const s = ws;
    ws = null;
    online = false;
    clearInterval(pinger);
    try { s && s.close && s.close(); } catch { /* already closed */ }
    for (const p of pending.values()) p.reject(Object.assign(new Error('connection lost'), {lost: true}));
    pending.clear();
    typing.hidden = true;
    if (stopped) return;
    setConn(everOnline ? 'reconnecting' : 'connecting');
    retryTimer = setTimeout(connect, Math.min(10e3, 500 * 2 ** tries++) * (0.75 + Math.random() / 2));
  }

  function stop() {
    stopped = true;
    drop();
    setConn('stopped');
  }

  function req(action, payload) {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== 1) return reject(Object.assign(new Error('offline'), {lost: true}));
      const id = rid();
      pending.set(id, {resolve, reject});
      ws.send(JSON.stringify({request_id: id, action, payload}));
    });
  }

  // ready resolves once the widget is logged in and has caught up.
  const ready = () => online ? Promise.resolve() : new Promise(r => waiters.push(r));

  async function login(s, tok) {
    // Within the server's limits (4 KiB URLs, 1 KiB titles), or the login is refused.
    const fits = u => u && u.length <= 4096 ? u : null;
    const page = fits(safeURL(location.href)) && {url: location.href, title: document.title.slice(0, 256)};
    try {
      const r = await req('login', {token: 'Bearer ' + tok.t, customer: {}, customer_page: page || undefined,
        referrer: fits(safeURL(document.referrer)) || undefined, group_id: cfg.group ?? undefined});
      me = r.customer_id || tok.id;
      const on = (r.__priv_dynamic_config || {}).online_groups_ids;
      groupOff = !!on && !on.includes(cfg.group ?? 0);
      if (groupOff && !offForm) {
        const f = await req('get_form', {group_id: cfg.group ?? 0, type: 'offline'});
        if (f.enabled) showForm(f.form);
      }
      await sync();
    } catch (e) {
      if (ws !== s) return;
      if (e.type === 'authentication') token = null;
      return FINAL.includes(e.type) ? stop() : drop();
    }
    if (ws !== s) return;
    online = everOnline = known = true;
    tries = 0;
    setConn('online');
    view();
    pinger = setInterval(ping, 15e3);
    waiters.splice(0).forEach(f => f());
  }

  // ping keeps the connection alive and notices a dead one: no answer in
  // 10 s and the widget reconnects.
  function ping() {
    const s = ws;
    const t = setTimeout(() => ws === s && drop(), 10e3);
    req('ping').then(() => clearTimeout(t), () => clearTimeout(t));
  }

  function onFrame(raw) {
    let f;
    try { f = JSON.parse(raw); } catch { return; }
    if (f.type === 'response') {
      const p = pending.get(f.request_id);
      if (!p) return;
      pending.delete(f.request_id);
      if (f.success) return p.resolve(f.payload || {});
      const err = (f.payload && f.payload.error) || {};
      return p.reject(Object.assign(new Error(err.message || 'request failed'), {type: err.type}));
    }
    const p = f.payload || {};
    const ours = chat && p.chat_id === chat.id;
    switch (f.action) {
      case 'incoming_chat_thread': onThread(p.chat, true); break;
      case 'incoming_event': if (ours) addEvent(p.event, p.thread_id, true); break;
      case 'incoming_typing_indicator': if (ours) onTyping(p.typing_indicator || {}); break;
      case 'thread_closed': if (ours) onClosed(p.thread_id); break;
      case 'chat_user_added': if (ours) { addUsers([p.user]); view(); } break;
      case 'chat_user_removed': if (ours && users.has(p.user_id)) { users.get(p.user_id).present = false; view(); } break;
      case 'last_seen_timestamp_updated': if (ours && p.user_id !== me) seen(p.timestamp); break;
      case 'chat_thread_properties_updated': {
        const t = ours && threads.get(p.thread_id);
        if (t) { t.props = Object.assign({}, t.props, p.properties); view(); }
        break;
      }
      // It may come before the chat is loaded (right after the login).
      case 'queue_position_updated': inQueue = p; view(); break;
      case 'customer_disconnected':
        if (p.reason === 'access_token_expired') token = null;
        if (FINAL.includes(p.reason)) stop();
        break;
    }
  }

  // sync loads the customer's latest chat after a login: all of it the first
  // time, and what was missed while disconnected after that.
  async function sync() {
    const r = await req('get_chats_summary', {offset: 0, limit: 1});
    const s = (r.chats_summary || [])[0];
    if (!s) {
      if (chat) reset();
      return;
    }
    addUsers(s.users);
    const first = !chat || chat.id !== s.id;
    if (first) {
      reset();
      chat = {id: s.id};
    }
    chat.active = s.active;
    const t = await req('get_chat_threads_summary', {chat_id: chat.id, offset: 0, limit: 25});
    const list = (t.threads_summary || []).sort((a, b) => a.order - b.order);
    summTotal = t.total_threads;
    if (first) {
      summ = list;
      let i = summ.length, n = 0;
      while (i > 0 && n < 20) n += summ[--i].total_events;
      next = i;
      await fetchThreads(summ.slice(i));
    } else {
      const top = Math.max(0, ...[...threads.values()].map(x => x.order));
      for (const x of list) if (!summ.some(y => y.id === x.id)) summ.push(x);
      await fetchThreads(list.filter(x => x.order >= top));
    }
    setTimeout(fill);
  }

  async function fetchThreads(list) {
    if (!list.length) return;
    const r = await req('get_chat_threads', {chat_id: chat.id, thread_ids: list.map(t => t.id)});
    addUsers(r.chat.users);
    for (const t of r.chat.threads) addThread(t, false);
  }

  // loadOlder shows the threads before the oldest one shown, about 20
  // events at a time, keeping the scroll position.
  async function loadOlder() {
    if (loadingOlder || !online || !chat || (next === 0 && summ.length >= summTotal)) return;
    loadingOlder = true;
    older.classList.add('on');
    try {
      if (next === 0) {
        const r = await req('get_chat_threads_summary', {chat_id: chat.id, offset: summ.length, limit: 25});
        const add = (r.threads_summary || []).filter(t => !summ.some(x => x.id === t.id)).sort((a, b) => a.order - b.order);
        summTotal = add.length ? r.total_threads : summ.length;
        summ = add.concat(summ);
        next = add.length;
      }
      let i = next, n = 0;
      while (i > 0 && n < 20) n += summ[--i].total_events;
      const before = log.scrollHeight - log.scrollTop;
      await fetchThreads(summ.slice(i, next));
      next = i;
      log.scrollTop = log.scrollHeight - before;
    } catch { /* tried again on the next scroll */ } finally {
      loadingOlder = false;
      older.classList.remove('on');
    }
    fill();
  }

  // fill loads older threads while the log is too short to scroll.
  function fill() {
    if (!win.hidden && log.clientHeight && log.scrollHeight <= log.clientHeight + 40) loadOlder();
  }

  function reset() {
    chat = null;
    seenAt = 0;
    threads.clear();
    shown.clear();
    summ = [];
    summTotal = next = 0;
    for (const el of [...log.children]) if (el !== older && !outbox.has(el.dataset.cid)) el.remove();
  }

  // ---- chat content ----
  function addUsers(list) {
    for (const u of list || []) {
      users.set(u.id, {name: u.name, type: u.type, present: u.present !== false, job: u.job_title, avatar: u.avatar});
      if (u.type === 'agent') seen(u.last_seen_timestamp);
    }
  }

  // seen marks the customer's messages an agent has seen: those up to the
  // agent's last_seen_timestamp.
  function seen(at) {
    seenAt = Math.max(seenAt, at || 0);
    for (const el of log.querySelectorAll('.msg.me[data-id]')) {
      if (el.ts <= seenAt && el.dataset.state !== 'seen') {
        el.dataset.state = 'seen';
        el.querySelector('.st').textContent = tr('seen');
      }
    }
  }

  function onThread(c, live) {
    if (!c || !c.thread) return;
    if (!chat || chat.id !== c.id) {
      reset();
      chat = {id: c.id};
    }
    chat.active = c.thread.active;
    addUsers(c.users);
    if (!summ.some(x => x.id === c.thread.id)) {
      summ.push({id: c.thread.id, order: c.thread.order, total_events: c.thread.events.length});
      summTotal++;
    }
    addThread(c.thread, live);
    view();
  }

  function addThread(t, live) {
    const old = threads.get(t.id);
    threads.set(t.id, {sep: old && old.sep, id: t.id, order: t.order, active: t.active, props: t.properties || {}, ts: t.timestamp});
    for (const e of (t.events || []).sort((a, b) => a.order - b.order)) addEvent(e, t.id, live);
  }

  const lastThread = () => [...threads.values()].reduce((a, t) => !a || t.order > a.order ? t : a, null);

  function onClosed(tid) {
    const t = threads.get(tid);
    if (t) t.active = false;
    if (!t || t === lastThread()) chat.active = false;
    typing.hidden = true;
    score = null;
    good.setAttribute('aria-pressed', 'false');
    bad.setAttribute('aria-pressed', 'false');
    rateBtn.disabled = true;
    comment.value = '';
    view();
  }

  function onTyping(ti) {
    if (ti.author_id === me) return;
    clearTimeout(typingTimer);
    typing.hidden = !ti.is_typing;
    if (ti.is_typing) {
      const u = users.get(ti.author_id);
      typing.replaceChildren(h('span', {text: tr('typing', (u && u.name) || tr('agent'))}), h('i'), h('i'), h('i'));
      typingTimer = setTimeout(() => { typing.hidden = true; }, 15e3);
      if (stick) bottom();
    }
  }

  const bottom = () => { log.scrollTop = log.scrollHeight; };
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1];

  // place puts an item where its key [thread order, event order] sorts.
  function place(el, key) {
    el.key = key;
    let ref = log.lastChild;
    while (ref && ref.key && cmp(ref.key, key) > 0) ref = ref.previousSibling;
    ref ? ref.after(el) : log.prepend(el);
    for (const x of [el, el.nextSibling]) {
      const prev = x && x.previousSibling;
      if (x && x.classList.contains('msg')) x.classList.toggle('cont', !!(prev && prev.dataset.author && prev.dataset.author === x.dataset.author));
    }
  }

  function addEvent(e, tid, live) {
    if (!e || shown.has(e.id)) return;
    const t = threads.get(tid);
    const order = t ? t.order : (lastThread() || {order: 0}).order;
    const mine = e.author_id === me;
    const el = render(e, tid, mine);
    if (!el) return;
    const m = mine && e.custom_id && outbox.get(e.custom_id);
    if (m) {
      outbox.delete(e.custom_id);
      if (m.bar) m.bar.value = 100; // stored, so uploaded
      m.el.remove();
    }
    shown.set(e.id, el);
    el.ts = e.timestamp;
    if (t && !t.sep) {
      t.sep = h('div', {class: 'sep', text: date(t.ts || e.timestamp).toLocaleDateString(lang, {day: 'numeric', month: 'short', year: 'numeric'})});
      place(t.sep, [order, -1]);
    }
    const atEnd = !log.lastChild.key || cmp(log.lastChild.key, [order, e.order]) <= 0;
    place(el, [order, e.order]);
    if (mine) seen();
    if (atEnd && (stick || mine)) bottom();
    if (live && !mine && e.type !== 'system_message') {
      typing.hidden = true;
      if (win.hidden) {
        unread++;
        badge.textContent = unread > 9 ? '9+' : unread;
        badge.hidden = false;
      }
    }
  }

  function render(e, tid, mine) {
    let body;
    switch (e.type) {
      case 'message': body = h('div', {class: 'bubble'}, linkify(String(e.text || ''))); break;
      case 'file': body = fileBody(e); break;
      case 'rich_message': body = rich(e, tid); break;
      case 'system_message': return h('div', {class: 'sys', 'data-id': e.id, text: e.text || ''});
      default: return null;
    }
    const u = users.get(e.author_id);
    const when = h('time', {datetime: date(e.timestamp).toISOString(), title: date(e.timestamp).toLocaleString(), text: clock(e.timestamp)});
    return h('div', {class: 'msg ' + (mine ? 'me' : 'them'), 'data-id': e.id, 'data-type': e.type, 'data-author': e.author_id || '', 'data-state': mine && 'sent'},
      !mine && h('div', {class: 'name', text: (u && u.name) || tr('agent')}), body,
      h('div', {class: 'meta'}, when, mine && h('span', {class: 'st', text: tr('sent')})));
  }

  function fileBody(e) {
    const url = safeURL(e.url), name = String(e.name || 'file');
    if (url && /^image\/(png|jpeg|gif|webp)$/.test(e.content_type)) {
      const img = h('img', {src: url, alt: name});
      img.onload = () => stick && bottom();
      return h('a', {class: 'bubble img', href: url, target: '_blank', rel: 'noopener noreferrer'}, img);
    }
    return h(url ? 'a' : 'div', {class: 'bubble file', href: url, target: url && '_blank', rel: url && 'noopener noreferrer'},
      icon('clip'), h('span', {class: 'fname', text: name}), e.size > 0 && h('small', {text: size(e.size)}));
  }

  function rich(e, tid) {
    const box = h('div', {class: 'rich'});
    for (const el of Array.isArray(e.elements) ? e.elements : []) {
      const img = el.image && safeURL(el.image.url);
      box.append(h('div', {class: 'card'},
        img && h('img', {src: img, alt: String(el.image.name || '')}),
        el.title && h('strong', {text: el.title}),
        el.subtitle && h('p', {text: el.subtitle}),
        (Array.isArray(el.buttons) ? el.buttons : []).map(b =>
          h('button', {type: 'button', class: 'btn', 'aria-pressed': 'false', text: b.text || '', onclick: ev => postback(e, tid, b, ev.currentTarget)}))));
    }
    return box;
  }

  async function postback(e, tid, b, btn) {
    btn.setAttribute('aria-pressed', 'true');
    const url = safeURL(b.value);
    if ((b.type === 'url' || b.type === 'webview') && url) window.open(url, '_blank', 'noopener');
    try {
      await ready();
      await req('send_rich_message_postback', {chat_id: chat.id, thread_id: tid, event_id: e.id, postback: {id: b.postback_id, toggled: true}});
    } catch {
      btn.setAttribute('aria-pressed', 'false');
      return;
    }
    if (b.type === 'message') sendText(String(b.value || b.text));
  }

  // view shows the part of the window that fits the chat's state.
  function view() {
    const act = !!(chat && chat.active);
    const off = groupOff && !!offForm && !leftMsg;
    prechat.hidden = !known || !!chat || off;
    offline.hidden = !known || (chat && chat.active) || !off;
    leftNote.hidden = !leftMsg;
    composer.hidden = !act;
    // A closed chat keeps its rating; with nobody online the offline form
    // takes the place of "Start a new chat".
    closed.hidden = !chat || act;
    againBtn.hidden = off;
    const t = lastThread();
    const r = t && t.props && t.props.rating;
    const s = r && r.score && r.score.value;
    rateForm.hidden = s != null;
    thanks.hidden = s == null;
    thanks.textContent = s == null ? '' : tr(s ? 'ratedGood' : 'ratedBad');
    let agent = null;
    for (const u of users.values()) if (u.type === 'agent' && u.present) agent = u;
    // The place in the queue, while the chat waits for an agent.
    const q = act && !agent && !groupOff && inQueue && inQueue.chat_id === chat.id && inQueue.queue;
    queue.hidden = !q;
    queue.textContent = q ? tr('queue', q.position, Math.max(1, Math.round(q.wait_time / 60))) : '';
    title.textContent = act && agent ? agent.name || tr('agent') : tr('title');
    sub.textContent = act && agent ? agent.job || tr('online') : tr('sub');
    // The agent's picture: an absolute http(s) URL only.
    const av = act && agent && /^https?:\/\//i.test(agent.avatar) && safeURL(agent.avatar);
    face.hidden = !av;
    if (av && face.src !== av) face.src = av;
  }

  function toggle(open = win.hidden) {
    win.hidden = !open;
    launcher.classList.toggle('open', open);
    launcher.setAttribute('aria-expanded', open);
    launcher.setAttribute('aria-label', tr(open ? 'close' : 'open'));
    keep('sessionStorage', 'open', open ? '1' : '');
    if (!open) return;
    unread = 0;
    badge.hidden = true;
    stick = true;
    bottom();
    fill();
    // No focus on a phone: it would raise the keyboard over the window.
    if (!narrow.matches) (composer.hidden ? prechat.hidden ? null : nameIn : ta)?.focus();
  }

  function showNote(text) {
    note.textContent = text;
    note.hidden = !text;
    clearTimeout(showNote.t);
    if (text) showNote.t = setTimeout(() => { note.hidden = true; }, 8e3);
  }

  // ---- actions ----
  // ensureChat starts a chat, or a new thread in a closed one, once.
  function ensureChat() {
    if (chat && chat.active) return Promise.resolve();
    return starting || (starting = (async () => {
      try {
        if (!chat) {
          const access = cfg.group != null ? {group_ids: [cfg.group]} : undefined;
          const r = await req('start_chat', {chat: {access}});
          if (!chat) chat = {id: r.chat.id};
        } else {
          await req('activate_chat', {chat: {id: chat.id}});
        }
        chat.active = true;
        view();
      } finally {
        starting = null;
      }
    })());
  }

  async function startChat(ev) {
    ev.preventDefault();
    const name = nameIn.value.trim(), email = mailIn.value.trim();
    startBtn.disabled = true;
    try {
      await ready();
      if (name || email) await req('update_customer', {name: name || undefined, email: email || undefined});
      await ensureChat();
      ta.focus();
    } catch (e) {
      showNote(e.type === 'validation' ? e.message : tr('noStart'));
    }
    startBtn.disabled = false;
  }

  // leave sends the offline form: the customer's name and e-mail, then a
  // chat whose thread holds the filled form and the message.
  async function leave(ev) {
    ev.preventDefault();
    const val = id => (offline.querySelector('[name="' + id + '"]') || {}).value?.trim() || '';
    const fields = offForm.fields.filter(f => f.type !== 'header')
      .map(f => ({type: f.type, id: f.id, label: f.label, answer: val(f.id)}));
    const text = val('message');
    offBtn.disabled = true;
    try {
      await ready();
      await req('update_customer', {name: val('name') || undefined, email: val('email') || undefined});
      const access = cfg.group != null ? {group_ids: [cfg.group]} : undefined;
      const events = [{type: 'filled_form', form_id: offForm.id, fields}];
      if (text) events.push({type: 'message', text});
      const r = await req('start_chat', {chat: {access, thread: {events}}});
      if (!chat) chat = {id: r.chat.id, active: true};
      leftMsg = true;
      view();
    } catch (e) {
      showNote(e.type === 'validation' ? e.message : tr('noLeave'));
    }
    offBtn.disabled = false;
  }

  async function newChat() {
    try {
      await ready();
      await ensureChat();
      ta.focus();
    } catch {
      showNote(tr('noNew'));
    }
  }

  async function rate(ev) {
    ev.preventDefault();
    const t = lastThread();
    if (!t || score == null) return;
    const rating = {score, comment: comment.value.trim() || undefined};
    rateBtn.disabled = true;
    try {
      await ready();
      await req('update_chat_thread_properties', {chat_id: chat.id, thread_id: t.id, properties: {rating}});
      t.props = Object.assign({}, t.props, {rating: {score: {value: score}}});
      view();
    } catch {
      rateBtn.disabled = false;
      showNote(tr('noRate'));
    }
  }

  function onInput() {
    ta.style.height = 'auto';
    ta.style.height = Math.min(ta.scrollHeight, 120) + 'px';
    peek();
  }

  // peek sends the customer's sneak peek as they type, at most once a
  // second, the latest text last.
  function peek() {
    clearTimeout(peekTimer);
    if (!online || !chat || !chat.active) return;
    const wait = peekAt + 1000 - Date.now();
    if (wait > 0) return void (peekTimer = setTimeout(peek, wait));
    peekAt = Date.now();
    req('send_sneak_peek', {chat_id: chat.id, sneak_peek_text: ta.value.slice(0, 4000)}).catch(() => {});
  }

  function submit() {
    const text = ta.value.trim();
    if (!text) return;
    ta.value = '';
    onInput();
    clearTimeout(peekTimer);
    sendText(text);
  }

  // An item of the customer's own that the server has not stored yet: it
  // says "Sending…", then "Sent", or "Failed" with a way to retry.
  function pendingItem(type, bubble, m, actions) {
    m.st = h('span', {class: 'st'});
    m.el = h('div', {class: 'msg me', 'data-type': type, 'data-author': me || '', 'data-cid': m.cid}, bubble, h('div', {class: 'meta'}, m.st, actions));
    outbox.set(m.cid, m);
    place(m.el, [LAST, LAST]);
    bottom();
  }
  const setState = (m, s, text) => {
    m.el.dataset.state = s;
    m.st.textContent = text;
    if (m.retry) m.retry.hidden = s !== 'failed';
  };

  function sendText(text) {
    const m = {cid: rid(), text};
    m.retry = h('button', {type: 'button', class: 'link', text: tr('retry'), onclick: () => deliver(m)});
    pendingItem('message', h('div', {class: 'bubble'}, linkify(text)), m, m.retry);
    deliver(m);
  }

  // deliver sends a message until the server has it: a lost connection
  // means trying again after the reconnect, with the same custom_id, so
  // the server stores it once.
  async function deliver(m) {
    setState(m, 'sending', tr('sending'));
    while (outbox.has(m.cid)) {
      await ready();
      if (!outbox.has(m.cid)) return;
      try {
        await ensureChat();
        await req('send_event', {chat_id: chat.id, event: {type: 'message', text: m.text, custom_id: m.cid}});
        if (outbox.has(m.cid)) setState(m, 'sent', tr('sent'));
        return;
      } catch (e) {
        if (!e.lost) return setState(m, 'failed', tr('notSent', e.message));
      }
    }
  }

  function upload(f) {
    if (f.size > MAX_FILE) return showNote(tr('big', f.name, size(f.size)));
    const bar = h('progress', {max: 100, value: 0});
    const m = {cid: rid(), bar};
    m.retry = h('button', {type: 'button', class: 'link', text: tr('retry'), onclick: () => go()});
    const cancel = h('button', {type: 'button', class: 'link cancel', text: tr('cancel'), onclick: () => {
      outbox.delete(m.cid);
      m.el.remove();
      if (m.xhr) m.xhr.abort();
    }});
    pendingItem('file', h('div', {class: 'bubble file up'}, icon('clip'), h('span', {class: 'fname', text: f.name}), bar), m, [m.retry, cancel]);
    const fail = text => outbox.has(m.cid) && setState(m, 'failed', text);
    const go = async () => {
      setState(m, 'sending', tr('uploading'));
      bar.value = 0;
      let tok;
      try {
        await ready();
        await ensureChat();
        tok = await getToken();
      } catch {
        return fail(tr('upFail'));
      }
      if (!outbox.has(m.cid)) return;
      const x = m.xhr = new XMLHttpRequest();
      x.open('POST', base + '/v3.0/customer/action/send_file?license_id=' + cfg.license);
      x.setRequestHeader('Authorization', 'Bearer ' + tok.t);
      x.upload.onprogress = e => { if (e.lengthComputable) bar.value = Math.floor(e.loaded * 100 / e.total); };
      x.upload.onload = () => { bar.value = 100; };
      x.onload = () => {
        if (x.status < 300) {
          bar.value = 100;
          if (outbox.has(m.cid)) setState(m, 'sent', tr('sent'));
          return cancel.remove();
        }
        let msg = tr('upFail');
        try { msg = JSON.parse(x.responseText).error.message; } catch { /* not JSON */ }
        fail(x.status === 413 ? tr('tooBig') : msg);
      };
      x.onerror = () => fail(tr('upFail'));
      const fd = new FormData();
      fd.append('payload.chat_id', chat.id);
      fd.append('payload.custom_id', m.cid);
      fd.append('payload.file', f, f.name);
      x.send(fd);
    };
    go();
  }

  // ---- start ----
  async function start() {
    const n = v => (v == null || v === '' || isNaN(+v) ? null : +v);
    cfg = {license: n(data.license), clientId: data.clientId, group: n(data.group)};
    if (!cfg.license || !cfg.clientId) {
      try {
        const c = await (await fetch(base + '/widget/config.json')).json();
        cfg.license = cfg.license || c.license;
        cfg.clientId = cfg.clientId || c.client_id;
      } catch { /* reported below */ }
    }
    // The language: data-lang, else the browser's first we have, else English.
    lang = [data.lang, ...navigator.languages].map(x => String(x).slice(0, 2).toLowerCase()).find(x => LANGS.includes(x)) || 'en';
    if (lang !== 'en') {
      try {
        Object.assign(S, await (await fetch(base + '/widget/i18n/' + lang + '.json')).json());
        relabel();
      } catch {
        lang = 'en';
      }
    }
    win.lang = lang;
    // The group's greeting, shown before the chat starts.
    if (cfg.license) {
      fetch(base + '/widget/greeting.json?license_id=' + cfg.license + (cfg.group != null ? '&group_id=' + cfg.group : ''))
        .then(r => r.json()).then(g => { if (g.greeting) hello.textContent = g.greeting; }, () => {});
    }
    (document.body || document.documentElement).append(host);
    // On a phone the window follows the visual viewport: iOS shrinks only
    // that for the on-screen keyboard, and a fixed window would go under
    // it. Pinch zoom shrinks it too; its scale undoes that.
    const vv = window.visualViewport;
    const fit = () => {
      host.style.setProperty('--vh', Math.min(innerHeight, vv.height * vv.scale) + 'px');
      host.style.setProperty('--vt', (vv.scale > 1 ? 0 : vv.offsetTop) + 'px');
    };
    if (vv) { fit(); vv.addEventListener('resize', fit); vv.addEventListener('scroll', fit); }
    // The log follows new messages until the customer scrolls up; only a
    // scroll up unsticks it (content growing under a scroll to the end must not).
    let lastTop = 0;
    log.addEventListener('scroll', () => {
      const top = log.scrollTop;
      if (log.scrollHeight - top - log.clientHeight < 60) stick = true;
      else if (top < lastTop) stick = false;
      lastTop = top;
      if (top < 60) loadOlder();
    });
    // The log shrinking (the on-screen keyboard, a note) keeps its end in view.
    new ResizeObserver(() => stick && bottom()).observe(log);
    if (!cfg.license || !cfg.clientId) return stop();
    setConn('connecting');
    addEventListener('online', () => { if (!ws && !stopped) { tries = 0; connect(); } });
    if (keep('sessionStorage', 'open')) toggle(true);
    connect();
  }

  window.ParleyWidget = {open: () => toggle(true), close: () => toggle(false)};
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
