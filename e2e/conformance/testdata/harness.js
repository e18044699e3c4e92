// Shared plumbing of the conformance scenarios (scenario.js for SDK
// 2.0.0-alpha.3, scenario35.js for SDK 4.0.2): steps with their own
// timeouts, assertions, the recorder of an SDK instance's events, the agent
// the Go test plays (/harness/agent), and the run that reports every step to
// the Go test (/harness/plan, /harness/result, /harness/done).
//
// A scenario calls Conformance.create() once, declares its steps with
// step(name, fn, {timeout}) in story order and ends with
// run(() => ({label: recorder, ...})): the recorders whose events a failing
// step lists. A step whose prerequisite failed throws Skip through need(),
// and is reported as skipped; the prerequisite's own failure fails the test.
'use strict';

window.Conformance = {
  create({ defaultTimeout = 5000, agentWait = 5000 } = {}) {
    const pageErrors = [];
    window.addEventListener('error', (e) => {
      pageErrors.push(`${e.message}${e.filename ? ` (${e.filename}:${e.lineno})` : ''}`);
    });
    window.addEventListener('unhandledrejection', (e) => {
      pageErrors.push(`unhandled rejection: ${describe(e.reason)}`);
    });

    class AssertionError extends Error {}
    class Skip extends Error {}
    class TimeoutError extends Error {}

    function j(v) {
      try {
        const s = JSON.stringify(v);
        return s === undefined ? String(v) : s.length > 1500 ? `${s.slice(0, 1500)}…` : s;
      } catch (_) {
        return String(v);
      }
    }

    function describe(e) {
      if (e instanceof Error) return `${e.code ? `${e.code}: ` : ''}${e.message}`;
      if (e && typeof e === 'object' && 'target' in e && 'type' in e) {
        const t = e.target;
        const status = t && 'status' in t ? ` (status ${t.status})` : '';
        return `${e.type} event from ${t && t.constructor ? t.constructor.name : 'unknown'}${status}`;
      }
      return `rejected with ${j(e)}`;
    }

    // canonical JSON with sorted keys, for deep equality
    function canon(v) {
      if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
      if (v && typeof v === 'object') {
        return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined)
          .map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
      }
      return JSON.stringify(v === undefined ? null : v);
    }

    function check(cond, msg, got) {
      if (!cond) throw new AssertionError(arguments.length > 2 ? `${msg}; got ${j(got)}` : msg);
    }

    function eq(got, want, what) {
      if (canon(got) !== canon(want)) {
        throw new AssertionError(`${what}: got ${j(got)}, want ${j(want)}`);
      }
    }

    function need(value, from) {
      if (value === undefined || value === null) throw new Skip(`needs the result of "${from}", which did not succeed`);
      return value;
    }

    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

    async function post(path, body) {
      const r = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}: ${text}`);
      return JSON.parse(text);
    }

    async function agent(op) {
      const r = await post('/harness/agent', op);
      if (!r.ok) throw new AssertionError(`agent ${op.do}: ${r.error}`);
      return r.payload;
    }

    function agentSees(action, match) {
      return agent({ do: 'wait_push', action, match, timeout_ms: agentWait });
    }

    // Records every event an SDK instance emits (mitt's '*' handler).
    function recordEvents(sdk) {
      const log = [];
      let wakers = [];
      sdk.on('*', (type, payload) => {
        log.push({ type, payload, at: Date.now() });
        const w = wakers;
        wakers = [];
        w.forEach((f) => f());
      });
      const rec = {
        log,
        mark: () => log.length,
        types: (from = 0) => log.slice(from).map((e) => e.type),
        find(type, pred = () => true, from = 0) {
          for (let i = from; i < log.length; i++) {
            if (log[i].type === type && pred(log[i].payload)) return log[i];
          }
          return undefined;
        },
        // Resolves with the payload of the first matching event at index >= from.
        wait(type, pred = () => true, { from = 0, timeout = defaultTimeout } = {}) {
          return new Promise((resolve, reject) => {
            let timer;
            const look = () => {
              let e;
              try {
                e = rec.find(type, pred, from);
              } catch (err) {
                clearTimeout(timer);
                reject(err);
                return;
              }
              if (e) {
                clearTimeout(timer);
                resolve(e.payload);
              } else {
                wakers.push(look);
              }
            };
            timer = setTimeout(() => {
              wakers = wakers.filter((f) => f !== look);
              reject(new AssertionError(`no "${type}" event arrived within ${timeout} ms; events since: ${j(rec.types(from))}`));
            }, timeout);
            look();
          });
        },
      };
      return rec;
    }

    const steps = [];
    function step(name, fn, { timeout = defaultTimeout } = {}) {
      steps.push({ name, fn, timeout });
    }

    function withTimeout(p, ms) {
      let timer;
      return Promise.race([
        p,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms (the SDK call never settled)`)), ms);
        }),
      ]).finally(() => clearTimeout(timer));
    }

    function show(line) {
      const el = document.getElementById('log');
      if (el) el.textContent += `${line}\n`;
    }

    // recorders() names the event recorders of the page's SDK instances
    // ({label: recorder}, undefined ones left out); a failing step lists the
    // events each emitted while it ran.
    async function runSteps(recorders) {
      await post('/harness/plan', { steps: steps.map((s) => s.name) });
      for (const s of steps) {
        const start = Date.now();
        const marks = {};
        for (const [label, rec] of Object.entries(recorders())) if (rec) marks[label] = rec.mark();
        const res = { name: s.name };
        const errorsBefore = pageErrors.length;
        try {
          const p = Promise.resolve().then(s.fn);
          p.catch(() => {}); // a late rejection after a timeout is not an unhandled one
          const detail = await withTimeout(p, s.timeout);
          // An SDK that throws in its frame handler (a response it cannot
          // match or parse) fails the step during which it threw.
          check(pageErrors.length === errorsBefore, 'uncaught errors in the page during this step', pageErrors.slice(errorsBefore));
          res.status = 'pass';
          if (detail !== undefined) res.detail = detail;
        } catch (e) {
          res.status = e instanceof Skip ? 'skip' : 'fail';
          res.error = describe(e);
          if (res.status === 'fail') {
            res.detail = {};
            for (const [label, rec] of Object.entries(recorders())) {
              res.detail[label] = rec ? rec.types(marks[label] || 0) : [];
            }
          }
        }
        res.start = start;
        res.end = Date.now();
        show(`${res.status.toUpperCase()} ${res.name}${res.error ? `: ${res.error}` : ''}`);
        try {
          await post('/harness/result', res);
        } catch (e) {
          // detail not serialisable or too big: report without it
          delete res.detail;
          await post('/harness/result', res);
        }
      }
      await post('/harness/done', {});
    }

    function run(recorders) {
      runSteps(recorders).catch((e) => {
        show(`scenario crashed: ${describe(e)}`);
        post('/harness/result', { name: 'scenario', status: 'fail', error: `scenario crashed: ${describe(e)}`, start: Date.now(), end: Date.now() })
          .finally(() => post('/harness/done', {}));
      });
    }

    return {
      pageErrors, AssertionError, Skip, j, describe, check, eq, need, sleep, post, agent, agentSees, recordEvents, step, run,
    };
  },
};
