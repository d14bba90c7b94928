#!/usr/bin/env node
// `npm run test:compose`: the demo of the README's first command, proven on a real Docker engine. It brings
// docker-compose.yml up with `up --build -d`, waits until every service is healthy (one-shots exited 0), reads
// the operator's password that secrets-init generated (as the README tells a user to), places an order through
// the gateway as a signed-in demo customer with an idempotency token
// until it is CONFIRMED, checks the replay (`Idempotent-Replayed: true`), /gateway/status and the admin API as
// the signed-in operator,
// measures the memory of the whole demo (`docker stats`, must stay under 1.5 GiB), and always brings it down
// with its volumes. Prints the time of each phase; exits non-zero on any failure.
//
//   npm run test:compose [-- -f extra-override.yml ...]
//
// Runs as its own compose project (`shop-compose-test`), so its `down -v` never touches the volumes of a demo
// you started yourself. `docker compose` (v2) is used when present, else `docker-compose` (v1). Extra files
// given with -f are added after docker-compose.yml (e.g. an engine's override); without any, COMPOSE_FILE is
// honoured as compose itself honours it. Needs port 8080 free. Not run by CI (docs/deployment.md says why).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import signInHelper from '../test/support/sign-in.js';
import { portAnswers } from './port-answers.mjs';

const root = join(import.meta.dirname, '..');
const { values: options } = parseArgs({
  options: {
    file: { type: 'string', short: 'f', multiple: true, default: [] },
    'health-timeout': { type: 'string', default: '900' },
  },
});
const PROJECT = 'shop-compose-test';
const GATEWAY = 'http://127.0.0.1:8080';
const MEMORY_BUDGET_MIB = 1536;
const healthTimeoutMs = Number(options['health-timeout']) * 1000;

const compose = (() => {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return undefined;
})();
const files = options.file.length > 0 ? ['-f', 'docker-compose.yml', ...options.file.flatMap((f) => ['-f', f])] : [];

function run(args, { quiet = false, timeoutMs = 20 * 60_000 } = {}) {
  const [cmd, ...rest] = [...compose, ...files, '-p', PROJECT, ...args];
  const result = spawnSync(cmd, rest, { cwd: root, encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit', timeout: timeoutMs });
  if (result.status !== 0) {
    throw new Error(`${[cmd, ...rest].join(' ')} exited with ${result.status ?? result.signal}${quiet ? `: ${result.stderr}` : ''}`);
  }
  return result.stdout ?? '';
}

function docker(args) {
  const result = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function http(method, path, { body, headers = {} } = {}) {
  const response = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

function expectThat(ok, what, detail) {
  if (!ok) throw new Error(`${what}${detail ? `: ${detail}` : ''}`);
  console.log(`  ok  ${what}`);
}

/** Every container of the project: health (or exit code for one-shots). Resolves when all are ready. */
async function waitHealthy() {
  const deadline = Date.now() + healthTimeoutMs;
  let pending = ['(no containers yet)'];
  while (Date.now() < deadline) {
    const ids = run(['ps', '-a', '-q'], { quiet: true }).split('\n').filter(Boolean);
    if (ids.length > 0) {
      const states = JSON.parse(docker(['inspect', ...ids]));
      pending = [];
      for (const c of states) {
        const name = c.Config.Labels['com.docker.compose.service'];
        const oneShot = c.HostConfig.RestartPolicy?.Name === 'no' || c.HostConfig.RestartPolicy?.Name === '';
        if (oneShot) {
          if (c.State.Status === 'exited' && c.State.ExitCode !== 0) throw new Error(`${name} exited with ${c.State.ExitCode}`);
          if (c.State.Status !== 'exited') pending.push(`${name} (${c.State.Status})`);
        } else if (c.State.Health?.Status !== 'healthy') {
          pending.push(`${name} (${c.State.Health?.Status ?? c.State.Status}, restarts ${c.RestartCount})`);
        }
      }
      if (pending.length === 0) return ids.length;
    }
    await sleep(3000);
  }
  throw new Error(`not healthy within ${healthTimeoutMs / 1000} s: ${pending.join(', ')}`);
}

function operatorPasswordFromLog() {
  const log = run(['logs', '--no-color', 'secrets-init'], { quiet: true });
  const password = /OPERATOR_PASSWORD for the console \(user ops\): (\S+)/.exec(log)?.[1];
  if (!password) throw new Error(`secrets-init did not print a generated operator password:\n${log}`);
  return password;
}

async function placeOrder() {
  const products = await http('GET', '/api/products');
  expectThat(products.status === 200 && Array.isArray(products.json) && products.json.length > 0, 'GET /api/products lists products', products.text.slice(0, 200));
  const product = products.json.find((p) => p.available >= 1);
  expectThat(product !== undefined, 'a product is in stock');
  // Compose's demo customers sign in with DEMO_CUSTOMER_PASSWORD (shop-demo unless set).
  const auth = (await signInHelper.signIn(GATEWAY, 'c-1')).headers;
  const unsigned = await http('POST', '/api/orders/tokens', { body: {} });
  expectThat(unsigned.status === 401, 'the API refuses a call without a sign-in (401)', `status ${unsigned.status}`);
  const token = await http('POST', '/api/orders/tokens', { body: { customerId: 'c-1' }, headers: auth });
  expectThat(token.status === 201 && typeof token.json?.token === 'string', 'POST /api/orders/tokens gives an idempotency token', token.text.slice(0, 200));
  const order = { customerId: 'c-1', items: [{ sku: product.sku, quantity: 1 }] };
  const headers = { ...auth, 'idempotency-key': token.json.token };
  const placed = await http('POST', '/api/orders', { body: order, headers });
  expectThat(placed.status === 201 && placed.json?.status === 'PENDING', 'POST /api/orders is 201 PENDING', placed.text.slice(0, 200));
  const replay = await http('POST', '/api/orders', { body: order, headers });
  expectThat(
    replay.json?.id === placed.json.id && replay.headers.get('idempotent-replayed') === 'true',
    'the same key again replays the order with Idempotent-Replayed: true',
    `status ${replay.status}, header ${replay.headers.get('idempotent-replayed')}, ${replay.text.slice(0, 200)}`,
  );
  const deadline = Date.now() + 60_000;
  let status = placed.json.status;
  while (status === 'PENDING' && Date.now() < deadline) {
    await sleep(250);
    status = (await http('GET', `/api/orders/${placed.json.id}`, { headers: auth })).json?.status;
  }
  expectThat(status === 'CONFIRMED', `order ${placed.json.id} is CONFIRMED`, `status ${status}`);
}

async function checkConsoleAndAdmin(operatorPassword) {
  const status = await http('GET', '/gateway/status');
  expectThat(status.status === 200 && typeof status.json === 'object' && status.json !== null, 'GET /gateway/status answers', status.text.slice(0, 200));
  const key = '/gateway/admin/config/config/payment/latency-ms';
  const operator = (await signInHelper.signIn(GATEWAY, 'ops', operatorPassword)).headers;
  const asOperator = await http('GET', key, { headers: operator });
  expectThat(asOperator.status === 200 || asOperator.status === 404, 'the admin API accepts the signed-in operator', `status ${asOperator.status}`);
  const customer = (await signInHelper.signIn(GATEWAY, 'c-2')).headers;
  const asCustomer = await http('GET', key, { headers: customer });
  expectThat(asCustomer.status === 403, "the admin API refuses a customer's token (403)", `status ${asCustomer.status}`);
  const wellKnown = await http('GET', key, { headers: { authorization: 'Bearer dev-admin-token' } });
  expectThat(wellKnown.status === 401, 'the admin API refuses the old well-known token', `status ${wellKnown.status}`);
}

const MIB = { B: 1 / 1048576, KiB: 1 / 1024, kB: 1000 / 1048576, MiB: 1, MB: 1e6 / 1048576, GiB: 1024, GB: 1e9 / 1048576 };

function measureMemory() {
  const ids = run(['ps', '-q'], { quiet: true }).split('\n').filter(Boolean);
  const rows = docker(['stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}', ...ids]).trim().split('\n');
  let total = 0;
  for (const row of rows) {
    const [name, usage] = row.split('\t');
    const match = /^([\d.]+)\s*([A-Za-z]+)/.exec(usage);
    const mib = match ? Number(match[1]) * (MIB[match[2]] ?? Number.NaN) : Number.NaN;
    total += mib;
    console.log(`  ${name.replace(`${PROJECT}_`, '').replace(`${PROJECT}-`, '').padEnd(24)} ${mib.toFixed(0).padStart(5)} MiB`);
  }
  console.log(`  ${'total'.padEnd(24)} ${total.toFixed(0).padStart(5)} MiB`);
  expectThat(total < MEMORY_BUDGET_MIB, `the whole demo uses under ${MEMORY_BUDGET_MIB} MiB`, `${total.toFixed(0)} MiB`);
}

// --------------------------------------------------------------------------------------------------- main
const phases = [];
async function phase(name, work) {
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  try {
    return await work();
  } finally {
    phases.push({ name, seconds: (Date.now() - started) / 1000 });
  }
}

let failure;
let started = false;
try {
  if (!compose) throw new Error('neither `docker compose` nor `docker-compose` is installed');
  if (await portAnswers(8080)) throw new Error('port 8080 is in use (a running `npm run stack` or demo?): stop it first');
  console.log(`compose: ${[...compose, ...files, '-p', PROJECT].join(' ')}`);
  started = true;
  await phase('up --build -d (image built once)', () => run(['up', '--build', '-d']));
  const containers = await phase('every service healthy', waitHealthy);
  console.log(`  ok  ${containers} containers healthy or done`);
  const operatorPassword = await phase("the operator's password from the secrets-init log", operatorPasswordFromLog);
  await phase('order through the gateway to CONFIRMED, replayed', placeOrder);
  await phase('console status and admin API', () => checkConsoleAndAdmin(operatorPassword));
  await phase('memory (docker stats --no-stream)', measureMemory);
} catch (error) {
  failure = error;
  console.error(`\nFAILED: ${error.message}`);
  if (started) {
    try {
      run(['ps', '-a']);
      run(['logs', '--no-color', '--tail', '40']);
    } catch {
      // the diagnostics are a courtesy; the failure above is what counts
    }
  }
} finally {
  if (started) {
    await phase('down -v', () => run(['down', '-v', '--remove-orphans'])).catch((error) => {
      failure ??= error;
      console.error(`FAILED to bring the demo down: ${error.message}`);
    });
  }
}

console.log('\n=== phases ===');
for (const p of phases) console.log(`${p.name.padEnd(50)} ${p.seconds.toFixed(1).padStart(7)} s`);
console.log(failure ? `\ntest:compose FAILED: ${failure.message}` : '\ntest:compose passed');
process.exit(failure ? 1 : 0);
