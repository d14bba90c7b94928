// The supervision and fault-injection side of `npm run stack` (scripts/stack.mjs), kept in its own file:
//
// - Restart with backoff: a process that dies without being asked to is started again after 1 s, 2 s, 4 s ...
//   (at most 30 s; the count starts over once a process has run for a minute), and the stack says so. A crash
//   is an event to survive (issue "Basically available"), not the end of the stack.
// - A control endpoint on 127.0.0.1 only, for the chaos runner (`npm run chaos`) and for a person with curl.
//   Its URL and a bearer token are written to .data/stack.json (mode 0600) while the stack runs:
//
//     GET  /processes                       every process: name, port, pid, state, restarts
//     POST /processes/<name>/kill           SIGKILL: a crash; the supervisor restarts it with backoff
//     POST /processes/<name>/stop[?signal=] SIGTERM (or the signal given) and it STAYS down until start
//     POST /processes/<name>/start          starts a stopped process; answers once /health says 200
//     POST /processes/<name>/pause|resume   SIGSTOP / SIGCONT: a hung process (the port stays open)
//
// Dependency-free like stack.mjs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
/** A process that ran this long before dying starts its backoff over: it was not crash-looping. */
const STABLE_AFTER_MS = 60_000;

/**
 * @param {object} stack what stack.mjs lends the control: its process table and how it starts one.
 * @param {string} stack.root repository root (for .data/stack.json)
 * @param {Map<string, any>} stack.running name -> entry ({ spec, child, exit?, startedAt })
 * @param {(spec: any) => void} stack.launch starts a process from its spec (replaces the entry in `running`)
 * @param {(entry: any, deadline: number) => Promise<void>} stack.waitHealthy
 * @param {() => boolean} stack.isStopping true once the whole stack is shutting down
 * @param {(text: string) => void} stack.say
 * @param {(text: string) => void} stack.shout
 * @param {number} stack.healthTimeoutMs
 */
export function createStackControl(stack) {
  /** name -> { crashes, timer?, held, paused, restarts } */
  const state = new Map();
  const of = (name) => {
    if (!state.has(name)) state.set(name, { crashes: 0, timer: undefined, held: false, paused: false, restarts: 0 });
    return state.get(name);
  };

  const signalGroup = (entry, signal) => {
    if (!entry || entry.exit) return false;
    try {
      process.kill(-entry.child.pid, signal);
      return true;
    } catch {
      return false;
    }
  };

  async function startAndWait(name, why) {
    const entry = stack.running.get(name);
    stack.launch(entry.spec);
    const fresh = stack.running.get(name);
    try {
      await stack.waitHealthy(fresh, Date.now() + stack.healthTimeoutMs);
      stack.say(`${name} is back (${why}; pid ${fresh.child.pid}, healthy after ${(fresh.healthyAfterMs / 1000).toFixed(1)}s)`);
      return { ok: true };
    } catch (error) {
      stack.shout(`${name} did not become healthy after ${why}: ${error.message}`);
      return { ok: false, error: error.message };
    }
  }

  /** Called by stack.mjs when a process exits while the stack is not stopping. Returns true when handled. */
  function onExit(entry) {
    const name = entry.spec.name;
    const s = of(name);
    if (s.held) {
      stack.say(`${name} stopped on request (${entry.exit}); it stays down until POST /processes/${name}/start`);
      return true;
    }
    s.paused = false;
    if (Date.now() - entry.startedAt >= STABLE_AFTER_MS) s.crashes = 0;
    s.crashes += 1;
    const delayMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (s.crashes - 1));
    stack.shout(`${name} crashed (${entry.exit}); restarting in ${delayMs / 1000}s (crash ${s.crashes} in a row)`);
    clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      if (stack.isStopping() || s.held) return;
      s.restarts += 1;
      void startAndWait(name, `restart ${s.restarts} after a crash`);
    }, delayMs);
    return false;
  }

  function list() {
    return [...stack.running.values()].map((e) => {
      const s = of(e.spec.name);
      const stateName = !e.exit ? (s.paused ? 'paused' : 'running') : s.held ? 'stopped' : s.timer ? 'restarting' : 'dead';
      return { name: e.spec.name, app: e.spec.app, port: e.spec.port, pid: e.exit ? null : e.child.pid, state: stateName, restarts: s.restarts, lastExit: e.exit ?? null };
    });
  }

  async function act(name, verb, query) {
    const entry = stack.running.get(name);
    if (!entry) return [404, { error: { code: 'not_found', message: `no process named ${name}` } }];
    const s = of(name);
    switch (verb) {
      case 'kill':
        if (!signalGroup(entry, 'SIGKILL')) return [409, { error: { code: 'not_running', message: `${name} is not running` } }];
        stack.say(`${name}: SIGKILL on request (a crash: the supervisor restarts it)`);
        return [200, { ok: true }];
      case 'stop': {
        const signal = query.get('signal') ?? 'SIGTERM';
        if (!/^SIG[A-Z0-9]+$/.test(signal)) return [400, { error: { code: 'bad_request', message: 'signal must look like SIGTERM' } }];
        s.held = true;
        clearTimeout(s.timer);
        s.timer = undefined;
        if (entry.exit) return [200, { ok: true, already: 'stopped' }];
        if (s.paused) signalGroup(entry, 'SIGCONT');
        s.paused = false;
        stack.say(`${name}: ${signal} on request; it stays down until started`);
        signalGroup(entry, signal);
        const force = setTimeout(() => signalGroup(entry, 'SIGKILL'), 15_000);
        await entry.exited;
        clearTimeout(force);
        return [200, { ok: true, exit: entry.exit }];
      }
      case 'start': {
        s.held = false;
        if (!entry.exit) return [200, { ok: true, already: 'running' }];
        clearTimeout(s.timer);
        s.timer = undefined;
        s.crashes = 0;
        const result = await startAndWait(name, 'start on request');
        return result.ok ? [200, { ok: true, pid: stack.running.get(name).child.pid }] : [503, { error: { code: 'unhealthy', message: result.error } }];
      }
      case 'pause':
        if (!signalGroup(entry, 'SIGSTOP')) return [409, { error: { code: 'not_running', message: `${name} is not running` } }];
        s.paused = true;
        stack.say(`${name}: SIGSTOP on request (paused: its port stays open, nothing answers)`);
        return [200, { ok: true }];
      case 'resume':
        if (!signalGroup(entry, 'SIGCONT')) return [409, { error: { code: 'not_running', message: `${name} is not running` } }];
        s.paused = false;
        stack.say(`${name}: SIGCONT on request`);
        return [200, { ok: true }];
      default:
        return [404, { error: { code: 'not_found', message: `unknown action ${verb}` } }];
    }
  }

  const token = randomBytes(18).toString('base64url');
  const stateFile = join(stack.root, '.data', 'stack.json');
  const server = createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: { code: 'unauthorized', message: 'Authorization: Bearer <token from .data/stack.json>' } });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    req.resume();
    if (req.method === 'GET' && url.pathname === '/processes') return send(200, list());
    const match = /^\/processes\/([a-z0-9-]+)\/([a-z]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) return send(404, { error: { code: 'not_found', message: 'see scripts/stack-control.mjs for the routes' } });
    act(match[1], match[2], url.searchParams).then(
      ([status, body]) => send(status, body),
      (error) => send(500, { error: { code: 'internal', message: String(error?.message ?? error) } }),
    );
  });

  return {
    onExit,
    /** Marks a process as stopped on purpose: its next exit is not a crash (the `stop` route does this). */
    hold(name) {
      of(name).held = true;
    },
    /** Before the stack stops everything: paused processes must be able to receive SIGTERM; no restart is pending. */
    beforeStopAll() {
      for (const [name, s] of state) {
        clearTimeout(s.timer);
        if (s.paused) signalGroup(stack.running.get(name), 'SIGCONT');
      }
      server.close();
      rmSync(stateFile, { force: true });
    },
    /** Starts the endpoint on a free port of 127.0.0.1 and writes .data/stack.json. */
    async listen(extra) {
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const control = `http://127.0.0.1:${server.address().port}`;
      mkdirSync(join(stack.root, '.data'), { recursive: true });
      writeFileSync(stateFile, `${JSON.stringify({ pid: process.pid, control, token, startedAt: new Date().toISOString(), ...extra }, null, 2)}\n`, { mode: 0o600 });
      process.on('exit', () => rmSync(stateFile, { force: true }));
      stack.say(`control endpoint ${control} (token in .data/stack.json); a crashed process is restarted with backoff`);
    },
  };
}
