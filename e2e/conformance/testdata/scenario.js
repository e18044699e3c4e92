// Conformance scenario: drives the unmodified @livechat/customer-sdk
// 2.0.0-alpha.3 browser bundle (global CustomerSDK) against Parley and reports
// every step to the Go test through /harness/result (plumbing in harness.js).
// Steps run in order; each has its own timeout, so a hang names the step that
// hung. A step whose prerequisite failed is reported as skipped; the
// prerequisite's own failure fails the test.
//
// The agent side is played by the Go test over the agent RTM API; the page
// asks it to act (or to report what it saw) through /harness/agent.
'use strict';

(() => {
  const LICENSE = 123;
  const CLIENT_ID = 'abc';

  const {
    pageErrors, check, eq, need, post, agent, agentSees, recordEvents, step, run,
  } = Conformance.create({ defaultTimeout: 5000, agentWait: 5000 });

  // ------------------------------------------------------------------ state

  let sdk; // the SDK instance under test
  let ev; // its events
  let obs; // a second instance of the same customer (same cached token)
  let oev; // its events
  const S = {}; // results later steps build on

  const HISTORY_MESSAGES = 55; // thread 2 alone then exceeds the SDK's 50-event page

  // ------------------------------------------------------------------ steps

  step('connected', async () => {
    sdk = CustomerSDK.init({ license: LICENSE, clientId: CLIENT_ID });
    ev = recordEvents(sdk);
    const c = await ev.wait('connected', undefined, { timeout: 25000 });
    check(c && Array.isArray(c.chatsSummary), 'connected payload has a chatsSummary array', c);
    check(typeof c.totalChats === 'number', 'connected payload has a numeric totalChats', c);
    eq(c.totalChats, 0, 'totalChats of a brand-new customer');
    eq(c.chatsSummary.length, 0, 'chatsSummary length of a brand-new customer');
    return c;
  }, { timeout: 30000 });

  step('customer_id', async () => {
    need(sdk, 'connected');
    const id = await ev.wait('customer_id');
    check(typeof id === 'string' && id.length > 0, 'customer_id is a non-empty string', id);
    const token = await sdk.auth.getToken();
    eq(id, token.entityId, 'customer_id equals the token entityId');
    eq(token.tokenType, 'Bearer', 'token type');
    check(ev.log.findIndex((e) => e.type === 'customer_id') < ev.log.findIndex((e) => e.type === 'connected'),
      'customer_id is emitted before connected', ev.types());
    S.customerId = id;
    return { customerId: id, expiresIn: token.expiresIn };
  });

  step('second instance connects as the same customer', async () => {
    need(S.customerId, 'customer_id');
    obs = CustomerSDK.init({ license: LICENSE, clientId: CLIENT_ID });
    oev = recordEvents(obs);
    await oev.wait('connected', undefined, { timeout: 20000 });
    const id = await oev.wait('customer_id');
    eq(id, S.customerId, 'customer id of the second instance (same cached token)');
    S.observer = true;
  }, { timeout: 25000 });

  step('startChat', async () => {
    const me = need(S.customerId, 'customer_id');
    const m = ev.mark();
    const chat = await sdk.startChat({ events: [{ type: 'message', text: 'Hello' }] });
    check(chat && typeof chat.id === 'string' && chat.id, 'chat.id is a string', chat);
    check(typeof chat.thread === 'string' && chat.thread, 'chat.thread is a thread id', chat);
    check(Array.isArray(chat.users) && chat.users.includes(me), 'chat.users includes the customer', chat.users);
    eq(chat.events.length, 1, 'number of events in the new chat');
    const e = chat.events[0];
    eq([e.type, e.text, e.author, e.thread], ['message', 'Hello', me, chat.thread], 'first event [type, text, author, thread]');
    check(typeof e.id === 'string' && e.id, 'event id', e);
    check(typeof e.timestamp === 'number' && Math.abs(e.timestamp - Date.now()) < 120000,
      'event timestamp is in milliseconds and close to now (server sends seconds)', e.timestamp);
    const ts = ev.find('thread_summary', (p) => p.id === chat.thread, m);
    check(ts, 'a thread_summary event for the new thread', ev.types(m));
    eq([ts.payload.chat, ts.payload.active, ts.payload.totalEvents], [chat.id, true, 1], 'thread_summary [chat, active, totalEvents]');
    check(ev.find('user_joined_chat', (p) => p.chat === chat.id && p.user === me, m),
      'a user_joined_chat event for the customer', ev.types(m));
    S.chat = chat.id;
    S.thread1 = chat.thread;
    return chat;
  });

  step('agent: incoming_chat_thread', async () => {
    const chat = need(S.chat, 'startChat');
    return agentSees('incoming_chat_thread', { chat: { id: chat } });
  });

  step('sendEvent', async () => {
    const chat = need(S.chat, 'startChat');
    const e = await sdk.sendEvent(chat, { type: 'message', text: 'How are you?', customId: 'c-1' });
    eq([e.type, e.text, e.author, e.thread], ['message', 'How are you?', S.customerId, S.thread1], 'event [type, text, author, thread]');
    eq(e.customId, 'c-1', 'customId echoed');
    check(typeof e.id === 'string' && e.id, 'event id', e);
    S.event2 = e;
    return e;
  });

  step('second instance: new_event', async () => {
    need(S.observer, 'second instance connects as the same customer');
    const sent = need(S.event2, 'sendEvent');
    const p = await oev.wait('new_event', (x) => x.event && x.event.id === sent.id);
    eq([p.chat, p.event.text, p.event.customId, p.event.author], [S.chat, 'How are you?', 'c-1', S.customerId],
      'new_event on the other connection [chat, text, customId, author]');
  });

  step('getChatsSummary', async () => {
    need(S.event2, 'sendEvent');
    const r = await sdk.getChatsSummary();
    eq(r.totalChats, 1, 'totalChats');
    eq(r.chatsSummary.length, 1, 'chatsSummary length');
    const c = r.chatsSummary[0];
    eq([c.id, c.active, c.lastThread], [S.chat, true, S.thread1], 'summary [id, active, lastThread]');
    check(Array.isArray(c.users) && c.users.includes(S.customerId), 'summary users include the customer', c.users);
    check(c.lastEvent && c.lastEvent.id === S.event2.id, 'lastEvent is the last message sent', c.lastEvent);
    eq(c.lastEvent.customId, 'c-1', 'lastEvent customId');
    check(typeof c.order === 'number' && c.order > 1e12, 'order is a timestamp in ms', c.order);
    return r;
  });

  step('getChatThreadsSummary', async () => {
    const chat = need(S.chat, 'startChat');
    const r = await sdk.getChatThreadsSummary(chat);
    eq(r.totalThreads, 1, 'totalThreads');
    eq(r.threadsSummary.length, 1, 'threadsSummary length');
    const t = r.threadsSummary[0];
    eq([t.id, t.active, t.totalEvents], [S.thread1, true, 2], 'thread summary [id, active, totalEvents]');
    check(typeof t.order === 'number', 'thread order is a number', t);
    return r;
  });

  step('getChatThreads', async () => {
    const chat = need(S.chat, 'startChat');
    const m = ev.mark();
    const threads = await sdk.getChatThreads(chat, [S.thread1]);
    eq(threads.length, 1, 'number of threads');
    const t = threads[0];
    eq([t.id, t.chat, t.active], [S.thread1, chat, true], 'thread [id, chat, active]');
    eq(t.events.map((e) => e.text), ['Hello', 'How are you?'], 'thread event texts');
    eq(t.events[1].customId, 'c-1', 'customId kept in history');
    check(t.users.includes(S.customerId), 'thread users include the customer', t.users);
    const u = ev.find('user_data', (p) => p.id === S.customerId, m);
    check(u, 'a user_data event for the customer', ev.types(m));
    eq(u.payload.type, 'customer', 'user_data type');
    return threads;
  });

  step('closeThread (first thread)', async () => {
    const chat = need(S.chat, 'startChat');
    S.obsMarkClose1 = oev ? oev.mark() : 0;
    const r = await sdk.closeThread(chat);
    eq(r, { success: true }, 'closeThread result');
    S.closed1 = true;
  });

  step('second instance: thread_closed', async () => {
    need(S.observer, 'second instance connects as the same customer');
    need(S.closed1, 'closeThread (first thread)');
    return oev.wait('thread_closed', (p) => p.chat === S.chat, { from: S.obsMarkClose1 });
  });

  step('sendEvent into the closed chat opens a new thread', async () => {
    const chat = need(S.closed1, 'closeThread (first thread)') && S.chat;
    const m = ev.mark();
    const e = await sdk.sendEvent(chat, { type: 'message', text: 'm1' });
    check(typeof e.thread === 'string' && e.thread !== S.thread1, 'the event is in a new thread', e);
    eq([e.type, e.text, e.author], ['message', 'm1', S.customerId], 'event [type, text, author]');
    const ts = ev.find('thread_summary', (p) => p.id === e.thread, m);
    check(ts, 'a thread_summary event for the new thread', ev.types(m));
    eq(ts.payload.active, true, 'new thread active');
    S.thread2 = e.thread;
    return e;
  });

  step(`sendEvent ×${HISTORY_MESSAGES - 1} more`, async () => {
    const chat = need(S.thread2, 'sendEvent into the closed chat opens a new thread') && S.chat;
    for (let i = 2; i <= HISTORY_MESSAGES; i++) {
      const e = await sdk.sendEvent(chat, { type: 'message', text: `m${i}` });
      eq([e.text, e.thread], [`m${i}`, S.thread2], `event ${i} [text, thread]`);
    }
    S.history = true;
  }, { timeout: 60000 });

  step('getChatHistory', async () => {
    need(S.history, `sendEvent ×${HISTORY_MESSAGES - 1} more`);
    const h = sdk.getChatHistory(S.chat);
    const pages = [];
    for (let i = 0; i < 10; i++) {
      const r = await h.next();
      pages.push(r);
      if (r.done) break;
    }
    const shape = pages.map((p) => ({ done: p.done, events: p.value ? p.value.length : null }));
    check(pages.length >= 2, 'more than one next() call is needed', shape);
    check(pages.slice(0, -1).every((p) => p.done === false), 'done is false before the last page', shape);
    eq(pages[pages.length - 1].done, true, 'the last page is done');
    check(pages[0].value.length > 0 && pages[0].value.every((e) => e.thread === S.thread2),
      'the first page holds only the newest thread (it alone has >= 50 events)', pages[0].value.map((e) => e.thread));
    for (const p of pages) {
      const orders = (p.value || []).map((e) => e.timestamp);
      check(orders.every((x, i) => i === 0 || orders[i - 1] <= x), 'events within a page are oldest first', orders);
    }
    const texts = pages.slice().reverse().flatMap((p) => p.value || [])
      .filter((e) => e.type === 'message').map((e) => e.text);
    const want = ['Hello', 'How are you?'];
    for (let i = 1; i <= HISTORY_MESSAGES; i++) want.push(`m${i}`);
    eq(texts, want, 'all message texts over all pages, oldest first');
    const after = await h.next();
    eq(after.done, true, 'next() after the last page');
    return shape;
  }, { timeout: 20000 });

  step('updateChatProperties', async () => {
    const chat = need(S.chat, 'startChat');
    S.obsMarkProps = oev ? oev.mark() : 0;
    const r = await sdk.updateChatProperties(chat, { ns: { a: 1 } });
    eq(r, { success: true }, 'updateChatProperties result');
    const s = await sdk.getChatsSummary();
    const c = s.chatsSummary.find((x) => x.id === chat);
    eq(c && c.properties && c.properties.ns, { a: 1 }, 'chat properties.ns in getChatsSummary (unwrapped)');
    S.chatProps = true;
  });

  step('second instance: chat_properties_updated', async () => {
    need(S.observer, 'second instance connects as the same customer');
    need(S.chatProps, 'updateChatProperties');
    const p = await oev.wait('chat_properties_updated', (x) => x.chat === S.chat, { from: S.obsMarkProps });
    eq(p.properties, { ns: { a: 1 } }, 'properties');
  });

  step('updateChatThreadProperties', async () => {
    const thread = need(S.thread2, 'sendEvent into the closed chat opens a new thread');
    S.obsMarkThreadProps = oev ? oev.mark() : 0;
    const r = await sdk.updateChatThreadProperties(S.chat, thread, { ns: { b: 2 } });
    eq(r, { success: true }, 'updateChatThreadProperties result');
    const [t] = await sdk.getChatThreads(S.chat, [thread]);
    eq(t.properties.ns, { b: 2 }, 'thread properties.ns in getChatThreads (unwrapped)');
    S.threadProps = true;
  });

  step('second instance: chat_thread_properties_updated', async () => {
    need(S.observer, 'second instance connects as the same customer');
    need(S.threadProps, 'updateChatThreadProperties');
    const p = await oev.wait('chat_thread_properties_updated', (x) => x.chat === S.chat, { from: S.obsMarkThreadProps });
    eq([p.thread, p.properties], [S.thread2, { ns: { b: 2 } }], '[thread, properties]');
  });

  step('rateChat', async () => {
    const thread = need(S.thread2, 'sendEvent into the closed chat opens a new thread');
    const r = await sdk.rateChat(S.chat, { score: 1, comment: 'good' });
    eq(r, { success: true }, 'rateChat result');
    const [t] = await sdk.getChatThreads(S.chat, [thread]);
    eq(t.properties.rating, { score: 1, comment: 'good' }, 'rating properties of the latest thread');
  });

  step('updateCustomer → user_data', async () => {
    const chat = need(S.chat, 'startChat');
    S.obsMarkCustomer = oev ? oev.mark() : 0;
    const ret = sdk.updateCustomer({ name: 'John', email: 'john@example.test' });
    eq(ret, undefined, 'updateCustomer returns nothing (fire-and-forget)');
    // The requester's own customer_updated push only resolves the request,
    // so the visible effect is the customer's user_data on the next read.
    let last;
    for (let i = 0; i < 20; i++) {
      const m = ev.mark();
      await sdk.getChatThreads(chat, [S.thread2 || S.thread1]);
      const u = ev.find('user_data', (p) => p.id === S.customerId, m);
      last = u && u.payload;
      if (last && last.name === 'John') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    eq(last && [last.type, last.name, last.email], ['customer', 'John', 'john@example.test'], 'user_data of the customer [type, name, email]');
    S.customerUpdated = true;
    return last;
  });

  step('second instance: customer_updated', async () => {
    need(S.observer, 'second instance connects as the same customer');
    need(S.customerUpdated, 'updateCustomer → user_data');
    const p = await oev.wait('customer_updated', (x) => x.name === 'John', { from: S.obsMarkCustomer });
    eq([p.id, p.type, p.email], [S.customerId, 'customer', 'john@example.test'], 'customer_updated [id, type, email]');
  });

  step('updateCustomerPage → customer_page_updated on the second instance', async () => {
    need(S.observer, 'second instance connects as the same customer');
    const url = 'https://widget.conformance.test/pricing';
    const m = oev.mark();
    const ret = sdk.updateCustomerPage({ url, title: 'Pricing' });
    eq(ret, undefined, 'updateCustomerPage returns nothing (fire-and-forget)');
    const p = await oev.wait('customer_page_updated', (x) => x.url === url, { from: m });
    eq(p.title, 'Pricing', 'title');
    check(typeof p.timestamp === 'number' && Math.abs(p.timestamp - Date.now()) < 120000, 'timestamp (ms) close to now', p.timestamp);
    return p;
  });

  step('updateLastSeenTimestamp', async () => {
    const chat = need(S.chat, 'startChat');
    const r = await sdk.updateLastSeenTimestamp(chat);
    check(r && typeof r.timestamp === 'number', 'resolves with a numeric timestamp', r);
    check(Math.abs(r.timestamp - Date.now()) < 120000, 'timestamp (ms) is close to now', r.timestamp);
    const s = await sdk.getChatsSummary();
    const c = s.chatsSummary.find((x) => x.id === chat);
    eq(c && c.lastSeenTimestamps[S.customerId], r.timestamp, 'lastSeenTimestamps[customer] in getChatsSummary');
    return r;
  });

  step('setSneakPeek → agent: incoming_sneak_peek', async () => {
    need(S.thread2, 'sendEvent into the closed chat opens a new thread');
    const ret = sdk.setSneakPeek(S.chat, 'typing...');
    eq(ret, undefined, 'setSneakPeek returns nothing');
    const p = await agentSees('incoming_sneak_peek', { chat_id: S.chat, sneak_peek: { text: 'typing...' } });
    eq(p.sneak_peek.author_id, S.customerId, 'sneak peek author');
    return p;
  });

  step('sendFile', async () => {
    const chat = need(S.thread2, 'sendEvent into the closed chat opens a new thread') && S.chat;
    const content = 'hello from the conformance harness\n';
    const file = new File([content], 'hello.txt', { type: 'text/plain' });
    const progress = [];
    S.markFile = ev.mark();
    const upload = sdk.sendFile(chat, { file }, { onProgress: (p) => progress.push(p) });
    check(typeof upload.cancel === 'function', 'sendFile returns a cancellable thenable');
    const res = await upload;
    check(res && typeof res.url === 'string' && res.url, 'resolves with {url}', res);
    check(progress.length > 0, 'onProgress was called');
    check(progress.every((p) => p >= 0 && p <= 1), 'progress values are fractions', progress);
    eq(progress[progress.length - 1], 1, 'last progress value');
    const got = await post('/harness/fetch', { url: res.url });
    check(got.ok, `fetching ${res.url}: ${got.error}`);
    eq(got.status, 200, `GET ${res.url} status`);
    eq(got.body, content, `GET ${res.url} body`);
    S.fileUrl = res.url;
    return { url: res.url, progress };
  });

  step('sendFile → new_event (file) for the uploader', async () => {
    need(S.fileUrl, 'sendFile');
    const p = await ev.wait('new_event', (x) => x.chat === S.chat && x.event && x.event.type === 'file', { from: S.markFile });
    // The server may add parameters (charset) to the media type it detects.
    eq([p.event.contentType.split(';')[0].trim(), p.event.author, p.event.thread], ['text/plain', S.customerId, S.thread2],
      'file event [media type, author, thread]');
    check(typeof p.event.url === 'string' && p.event.url, 'file event url', p.event);
    return p;
  });

  step('agent join → user_joined_chat', async () => {
    const chat = need(S.thread2, 'sendEvent into the closed chat opens a new thread') && S.chat;
    const m = ev.mark();
    await agent({ do: 'join', chat_id: chat });
    const p = await ev.wait('user_joined_chat', (x) => x.chat === chat && x.user !== S.customerId, { from: m });
    const u = ev.find('user_data', (x) => x.id === p.user, m);
    check(u, 'a user_data event for the joining agent', ev.types(m));
    eq(u.payload.type, 'agent', 'user_data type of the agent');
    S.agentId = p.user;
    return u.payload;
  });

  // What the customer does reaches the agent once it is in the chat.
  step('agent in the chat: incoming_event', async () => {
    need(S.agentId, 'agent join → user_joined_chat');
    const e = await sdk.sendEvent(S.chat, { type: 'message', text: 'Thanks for joining', customId: 'c-2' });
    return agentSees('incoming_event', { chat_id: S.chat, event: { id: e.id, text: 'Thanks for joining', custom_id: 'c-2', author_id: S.customerId } });
  });

  step('agent in the chat: customer_updated', async () => {
    need(S.agentId, 'agent join → user_joined_chat');
    sdk.updateCustomer({ name: 'John Doe' });
    return agentSees('customer_updated', { customer: { id: S.customerId, name: 'John Doe' } });
  });

  step('agent in the chat: customer_page_updated', async () => {
    need(S.agentId, 'agent join → user_joined_chat');
    const url = 'https://widget.conformance.test/checkout';
    sdk.updateCustomerPage({ url, title: 'Checkout' });
    return agentSees('customer_page_updated', { url, title: 'Checkout', customer_id: S.customerId });
  });

  step('agent in the chat: incoming_event (file)', async () => {
    need(S.agentId, 'agent join → user_joined_chat');
    const file = new File(['second file\n'], 'second.txt', { type: 'text/plain' });
    await sdk.sendFile(S.chat, { file });
    return agentSees('incoming_event', { chat_id: S.chat, event: { type: 'file', name: 'second.txt' } });
  });

  step('agent typing → user_is_typing / user_stopped_typing', async () => {
    const agentId = need(S.agentId, 'agent join → user_joined_chat');
    const m = ev.mark();
    await agent({ do: 'typing', chat_id: S.chat, is_typing: true });
    await ev.wait('user_is_typing', (x) => x.chat === S.chat && x.user === agentId, { from: m });
    await agent({ do: 'typing', chat_id: S.chat, is_typing: false });
    await ev.wait('user_stopped_typing', (x) => x.chat === S.chat && x.user === agentId, { from: m });
  });

  step('agent send → new_event', async () => {
    const agentId = need(S.agentId, 'agent join → user_joined_chat');
    const m = ev.mark();
    const text = 'Hi, this is the agent.';
    const r = await agent({ do: 'send', chat_id: S.chat, event: { type: 'message', text } });
    const p = await ev.wait('new_event', (x) => x.chat === S.chat && x.event && x.event.text === text, { from: m });
    eq([p.event.type, p.event.author, p.event.thread], ['message', agentId, S.thread2], 'new_event [type, author, thread]');
    if (r && r.event_id) eq(p.event.id, r.event_id, 'event id matches the agent send_event response');
    return p;
  });

  step('agent rich message → new_event', async () => {
    need(S.agentId, 'agent join → user_joined_chat');
    const m = ev.mark();
    await agent({
      do: 'send',
      chat_id: S.chat,
      event: {
        type: 'rich_message',
        template_id: 'quick_replies',
        elements: [{
          title: 'Was this helpful?',
          buttons: [{ text: 'Yes', type: 'message', value: 'yes', postback_id: 'btn', user_ids: [] }],
        }],
      },
    });
    const p = await ev.wait('new_event', (x) => x.chat === S.chat && x.event && x.event.type === 'rich_message', { from: m });
    eq(p.event.template, 'quick_replies', 'template');
    eq(p.event.elements[0].title, 'Was this helpful?', 'element title');
    eq(p.event.elements[0].buttons[0].postback, 'btn', 'button postback id');
    S.richEvent = p.event.id;
    return p;
  });

  step('sendPostback', async () => {
    const event = need(S.richEvent, 'agent rich message → new_event');
    const r = await sdk.sendPostback(S.chat, S.thread2, event, { id: 'btn', toggled: true });
    S.postback = true;
    return r;
  });

  step('agent: incoming_rich_message_postback', async () => {
    need(S.postback, 'sendPostback');
    return agentSees('incoming_rich_message_postback', {
      chat_id: S.chat, event_id: S.richEvent, postback: { id: 'btn', toggled: true },
    });
  });

  step('closeThread', async () => {
    const chat = need(S.thread2, 'sendEvent into the closed chat opens a new thread') && S.chat;
    S.obsMarkClose2 = oev ? oev.mark() : 0;
    const r = await sdk.closeThread(chat);
    eq(r, { success: true }, 'closeThread result');
    const s = await sdk.getChatsSummary();
    const c = s.chatsSummary.find((x) => x.id === chat);
    eq(c && c.active, false, 'chat active after closeThread');
    S.closed2 = true;
  });

  step('second instance: thread_closed (second thread)', async () => {
    need(S.observer, 'second instance connects as the same customer');
    need(S.closed2, 'closeThread');
    return oev.wait('thread_closed', (p) => p.chat === S.chat, { from: S.obsMarkClose2 });
  });

  step('agent: thread_closed', async () => {
    need(S.closed2, 'closeThread');
    return agentSees('thread_closed', { chat_id: S.chat, thread_id: S.thread2 });
  });

  step('getPredictedAgent', async () => {
    need(S.customerId, 'customer_id');
    // The harness's agent does not take routed chats (it joins by hand);
    // the predicted agent is one who accepts chats now.
    await agent({ do: 'request', action: 'set_routing_status', payload: { status: 'accepting_chats' } });
    const r = await sdk.getPredictedAgent();
    check(r && r.agent && typeof r.agent.id === 'string' && r.agent.id, 'resolves with {agent: {id, ...}}', r);
    if (S.agentId) eq(r.agent.id, S.agentId, 'predicted agent is the demo agent');
    return r;
  });

  // Checks over the whole run, before destroy drops the listeners.
  step('requester got no echo of its own requests', async () => {
    need(S.customerId, 'customer_id');
    const echoes = ev.log.filter((e) => (e.type === 'new_event' && e.payload.event
        && e.payload.event.author === S.customerId && e.payload.event.type === 'message')
      || e.type === 'thread_closed' || e.type === 'chat_properties_updated'
      || e.type === 'chat_thread_properties_updated' || e.type === 'customer_updated'
      || e.type === 'customer_page_updated' || e.type === 'last_seen_timestamp_updated');
    check(echoes.length === 0, 'pushes that answer a request must carry its request_id and reach the requester only once; the SDK emitted these as events',
      echoes.map((e) => ({ type: e.type, payload: e.payload })));
  });

  step('connections stayed up', async () => {
    need(sdk, 'connected');
    const bad = (rec) => rec.log.filter((e) => ['connection_lost', 'connection_restored', 'disconnected'].includes(e.type))
      .map((e) => ({ type: e.type, payload: e.payload, at: new Date(e.at).toISOString() }));
    const got = { sdk: bad(ev), secondInstance: oev ? bad(oev) : [] };
    check(got.sdk.length === 0 && got.secondInstance.length === 0, 'no connection_lost / connection_restored / disconnected events', got);
  });

  step('destroy', async () => {
    const s = need(sdk, 'connected');
    s.destroy();
    if (obs) obs.destroy();
    let err;
    try {
      await s.getChatsSummary();
    } catch (e) {
      err = e;
    }
    check(err, 'getChatsSummary after destroy rejects');
    eq(err.code, 'SDK_DESTROYED', 'error code after destroy');
  });

  step('no uncaught errors in the page', async () => {
    check(pageErrors.length === 0, 'the SDK threw inside its handlers (e.g. a response for an unknown request_id)', pageErrors);
  });

  run(() => ({ sdkEvents: ev, secondInstanceEvents: oev }));
})();
