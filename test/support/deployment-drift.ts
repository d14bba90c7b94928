/**
 * The deployment described three times, compared: deploy/topology.js (what `npm run stack` and the end-to-end tests
 * start), docker-compose.yml and deploy/k8s/. Each `find*Drift` returns every difference between one of the files
 * and the topology, one readable line each (empty when they agree); test/topology-drift.e2e-spec.ts and
 * test/k8s-drift.e2e-spec.ts assert on them. The YAML is read with the maintained `yaml` package, with its
 * failsafe schema: every scalar stays a string (`8080`, `true` included), as the topology's environment is all
 * strings. A document YAML refuses throws, naming the problem.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, type Document } from 'yaml';
import { CONSOLE_VARIABLES, TRACING_VARIABLES } from '../../deploy/observability-env';
import { SECRET_VARIABLES } from '../../deploy/secrets';
import { type StackProcess } from '../../deploy/topology';

const ROOT = join(__dirname, '..', '..');

// ---- YAML as plain data

export type Yaml = string | null | Yaml[] | { [key: string]: Yaml };
export type YamlMap = { [key: string]: Yaml };

function toData(document: Document.Parsed): Yaml {
  if (document.errors.length > 0) throw new Error(document.errors.map((e) => e.message).join('; '));
  return document.toJS({ maxAliasCount: 0 }) as Yaml;
}

/** Every `---`-separated document of `source`; documents holding only comments are left out. */
export function parseYamlDocuments(source: string): Yaml[] {
  return parseAllDocuments(source, { schema: 'failsafe' })
    .filter((d) => d.contents !== null)
    .map(toData);
}

/** A single-document source. */
export function parseYaml(source: string): Yaml {
  const documents = parseYamlDocuments(source);
  if (documents.length > 1) throw new Error(`expected one document, found ${documents.length}`);
  return documents[0] ?? null;
}

export function asMap(value: Yaml | undefined, what: string): YamlMap {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} is not a map`);
  }
  return value;
}

export function asList(value: Yaml | undefined, what: string): Yaml[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

// ---- what both compare

/** The main file of an app in a command line: `node [flags...] dist/apps/<app>/main.js`. */
const appCommand = /^dist\/apps\/([a-z-]+)\/main\.js$/;


// ---- docker-compose.yml

/** The committed compose file. */
export function readCompose(): string {
  return readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
}

/** The service names of a compose file: the host names its values use. */
export function composeServiceNames(source: string): string[] {
  return Object.keys(asMap(asMap(parseYaml(source), 'compose').services, 'services'));
}

interface AppProcess {
  app: string;
  /** Node.js flags before the main file (`node --flag dist/apps/<app>/main.js`), joined by spaces. */
  nodeFlags: string;
  port: string;
  env: Record<string, string>;
  healthcheckPort?: string;
  published: boolean;
  /** The service whose network namespace it joins (`network_mode: service:<name>`): its reachable name. */
  networkOf?: string;
}

/** What compose makes of `${NAME:-default}` and `$$` with an empty environment. */
function interpolateDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1').replace(/\$\$/g, '$');
}


/** The app services of a compose file: those whose command is `node [flags...] dist/apps/<app>/main.js`. */
export function composeApps(source: string): Map<string, AppProcess> {
  const services = asMap(asMap(parseYaml(source), 'the compose file').services, 'services');
  const apps = new Map<string, AppProcess>();
  for (const [name, value] of Object.entries(services)) {
    const service = asMap(value, `service ${name}`);
    const command = service.command;
    const main = Array.isArray(command) && command[0] === 'node' ? String(command[command.length - 1]) : '';
    const app = appCommand.exec(main)?.[1];
    if (!app || !Array.isArray(command)) continue;
    const nodeFlags = command.slice(1, -1).map(String).join(' ');
    const env: Record<string, string> = {};
    for (const [key, v] of Object.entries(asMap(service.environment, `${name}.environment`))) {
      env[key] = interpolateDefaults(String(v));
    }
    const test = service.healthcheck ? asMap(service.healthcheck, `${name}.healthcheck`).test : undefined;
    const healthcheckPort = Array.isArray(test) && test.join(' ').startsWith('CMD node deploy/healthcheck.js ') ? String(test[3]) : undefined;
    // Two gateways share one port by joining one network namespace, published by the service that holds it.
    const networkOf = /^service:(.+)$/.exec(String(service.network_mode ?? ''))?.[1];
    const holder = networkOf ? asMap(services[networkOf], `service ${networkOf}`) : undefined;
    apps.set(name, { app, nodeFlags, port: env.PORT, env, healthcheckPort, published: (holder ?? service).ports !== undefined, networkOf });
  }
  return apps;
}

function topologyApps(processes: StackProcess[]): Map<string, AppProcess> {
  return new Map(processes.map((p) => [p.name, { app: p.app, nodeFlags: p.nodeFlags.join(' '), port: String(p.port), env: p.env, published: false }]));
}

// Compared on their own below: PORT (once, not twice), and the values that differ by design: where the data
// lives, the host an instance advertises (its service name in compose, 127.0.0.1 locally) and the interface it
// listens on (all of its container's in compose, loopback locally).
// The observability variables are passed on from whoever starts the stack (empty: off), so only their names match.
const checkedSeparately = new Set(['PORT', 'REGISTRY_DATA_DIR', 'ADVERTISE_HOST', 'BIND_HOST', ...TRACING_VARIABLES, ...CONSOLE_VARIABLES]);

/**
 * Every difference between a compose file and the topology's processes, one readable line each; empty when they
 * agree. `composeHosts`: the service names that stand for 127.0.0.1 locally (those of the committed file).
 */
export function findComposeDrift(source: string, processes: StackProcess[], composeHosts: string[]): string[] {
  const compose = composeApps(source);
  const stack = topologyApps(processes);
  const drift: string[] = [];
  // In compose, `order-1:3001` or `@postgres:5432` name a service; locally the same thing is 127.0.0.1.
  const hostPattern = new RegExp(`(^|[/@=,])(${composeHosts.map((h) => h.replace(/[.-]/g, '\\$&')).join('|')})(?=:\\d)`, 'g');
  const localised = (value: string) => value.replace(hostPattern, '$1127.0.0.1');

  for (const name of stack.keys()) if (!compose.has(name)) drift.push(`${name}: in the topology, missing from docker-compose.yml`);
  for (const name of compose.keys()) if (!stack.has(name)) drift.push(`${name}: in docker-compose.yml, missing from the topology`);
  for (const [name, local] of stack) {
    const composed = compose.get(name);
    if (!composed) continue;
    if (composed.app !== local.app) drift.push(`${name}: runs ${composed.app} in compose, ${local.app} in the topology`);
    if (composed.port !== local.port) drift.push(`${name}: PORT ${composed.port} in compose, ${local.port} in the topology`);
    if (composed.nodeFlags !== local.nodeFlags) drift.push(`${name}: node flags "${composed.nodeFlags}" in compose, "${local.nodeFlags}" in the topology`);
    // A process's own port: INSTANCE_PORT where processes share PORT (the gateways), else PORT.
    const ownPort = composed.env.INSTANCE_PORT ?? composed.port;
    if (composed.healthcheckPort !== ownPort) {
      drift.push(`${name}: compose healthcheck probes port ${composed.healthcheckPort ?? '(none)'}, ${composed.env.INSTANCE_PORT ? 'INSTANCE_PORT' : 'PORT'} is ${ownPort}`);
    }
    if (composed.published !== (local.app === 'gateway')) {
      drift.push(`${name}: ${composed.published ? 'publishes a port in compose (only the gateway may)' : 'gateway port is not published in compose'}`);
    }
    const names = new Set([...Object.keys(composed.env), ...Object.keys(local.env)]);
    for (const variable of [...names].sort()) {
      const inCompose = composed.env[variable];
      const inStack = local.env[variable];
      if (inCompose === undefined) drift.push(`${name}: ${variable} only in the topology`);
      else if (inStack === undefined) drift.push(`${name}: ${variable} only in docker-compose.yml`);
      else if (SECRET_VARIABLES.includes(variable)) {
        // No well-known secret: compose leaves it empty for the entrypoint to fill from the generated file.
        if (inCompose !== '') drift.push(`${name}: ${variable} has a default value in compose (secrets come from secrets-init)`);
      } else if (!checkedSeparately.has(variable) && localised(inCompose) !== inStack) {
        drift.push(`${name}: ${variable}="${inCompose}" in compose, "${inStack}" in the topology`);
      }
    }
    if (composed.env.ADVERTISE_HOST !== undefined && composed.env.ADVERTISE_HOST !== (composed.networkOf ?? name)) {
      drift.push(`${name}: ADVERTISE_HOST in compose is "${composed.env.ADVERTISE_HOST}", not the name it is reachable under`);
    }
  }
  return drift;
}

// ---- deploy/k8s

const k8sDir = join(ROOT, 'deploy', 'k8s');
const initSql = readFileSync(join(ROOT, 'deploy', 'postgres', 'init.sql'), 'utf8');
const NAMESPACE = 'shop';
export const KUSTOMIZATION = 'Kustomization';

/** File name -> content: every manifest of deploy/k8s and its Kustomization. */
export type Manifests = Map<string, string>;

export function readManifests(): Manifests {
  const names = readdirSync(k8sDir).filter((name) => name.endsWith('.yaml') || name === KUSTOMIZATION);
  return new Map(names.sort().map((name) => [name, readFileSync(join(k8sDir, name), 'utf8')]));
}

interface K8sObject {
  file: string;
  kind: string;
  name: string;
  namespace?: string;
  body: YamlMap;
}

export function objectsOf(manifests: Manifests): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const [file, source] of manifests) {
    if (file === KUSTOMIZATION) continue;
    for (const document of parseYamlDocuments(source)) {
      const body = asMap(document, `a document of ${file}`);
      const metadata = asMap(body.metadata, `${file}: metadata`);
      objects.push({ file, kind: String(body.kind), name: String(metadata.name), namespace: metadata.namespace as string | undefined, body });
    }
  }
  return objects;
}

/** Where a variable's value comes from; `value` is the dev value once Secrets and `$(NAME)` are resolved. */
type EnvSource = { value: string } | { fieldPath: string } | { unresolved: string };

interface K8sApp {
  app: string;
  workload: K8sObject;
  replicas: number;
  podLabels: YamlMap;
  container: YamlMap;
  containerPort: string;
  /** Node.js flags before the main file (`node --flag dist/apps/<app>/main.js`), joined by spaces. */
  nodeFlags: string;
  /** The shell wrapper of `command: [/bin/sh, -c, script]`, when the app is started through one. */
  script?: string;
  env: Map<string, EnvSource>;
}

const wrappedAppCommand = /^exec node dist\/apps\/([a-z-]+)\/main\.js$/m;

/** Variables that only Kubernetes needs, each accepted only where something in its container uses it. */
const KUBERNETES_HELPERS = new Set(['POD_NAME', 'DATABASE_PASSWORD']);
const OPTIONAL_OBSERVABILITY = new Set([...TRACING_VARIABLES, ...CONSOLE_VARIABLES]);

function secretValues(objects: K8sObject[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const secret of objects.filter((o) => o.kind === 'Secret')) {
    for (const [key, value] of Object.entries(asMap(secret.body.stringData, `Secret ${secret.name}: stringData`))) {
      values.set(`${secret.name}/${key}`, String(value));
    }
  }
  return values;
}

function envOf(container: YamlMap, secrets: Map<string, string>, where: string): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const item of asList(container.env ?? [], `${where}: env`)) {
    const entry = asMap(item, `${where}: env item`);
    const name = String(entry.name);
    if (entry.value !== undefined) {
      // Kubernetes expands $(NAME) from the variables defined above it.
      const expanded = String(entry.value).replace(/\$\(([A-Z0-9_]+)\)/g, (whole, ref: string) => {
        const source = env.get(ref);
        return source && 'value' in source ? source.value : whole;
      });
      env.set(name, /\$\([A-Z0-9_]+\)/.test(expanded) ? { unresolved: expanded } : { value: expanded });
      continue;
    }
    const from = asMap(entry.valueFrom, `${where}: ${name}.valueFrom`);
    if (from.fieldRef) {
      env.set(name, { fieldPath: String(asMap(from.fieldRef, `${where}: ${name} fieldRef`).fieldPath) });
    } else if (from.secretKeyRef) {
      const ref = asMap(from.secretKeyRef, `${where}: ${name} secretKeyRef`);
      const value = secrets.get(`${String(ref.name)}/${String(ref.key)}`);
      env.set(name, value === undefined ? { unresolved: `secret ${String(ref.name)}/${String(ref.key)}` } : { value });
    } else {
      env.set(name, { unresolved: `valueFrom ${Object.keys(from).join(',')}` });
    }
  }
  return env;
}

/** The workloads that run one of the apps: `node dist/apps/<app>/main.js`, directly or through a shell wrapper. */
export function k8sApps(objects: K8sObject[]): Map<string, K8sApp> {
  const secrets = secretValues(objects);
  const apps = new Map<string, K8sApp>();
  for (const workload of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const spec = asMap(workload.body.spec, `${workload.name}: spec`);
    const template = asMap(spec.template, `${workload.name}: template`);
    for (const item of asList(asMap(template.spec, `${workload.name}: pod spec`).containers, `${workload.name}: containers`)) {
      const container = asMap(item, `${workload.name}: container`);
      const command = (container.command ?? []) as Yaml[];
      const script = command[0] === '/bin/sh' && command[1] === '-c' ? String(command[2]) : undefined;
      const app = script ? wrappedAppCommand.exec(script)?.[1] : command[0] === 'node' ? appCommand.exec(String(command[command.length - 1]))?.[1] : undefined;
      if (!app) continue;
      const nodeFlags = script ? '' : command.slice(1, -1).map(String).join(' ');
      const ports = asList(container.ports, `${workload.name}: ports`).map((p) => asMap(p, `${workload.name}: port`));
      if (ports.length !== 1) throw new Error(`${workload.name}: expected one container port, found ${ports.length}`);
      apps.set(app, {
        app,
        workload,
        replicas: Number(spec.replicas ?? '1'),
        podLabels: asMap(asMap(template.metadata, `${workload.name}: template metadata`).labels, `${workload.name}: pod labels`),
        container,
        containerPort: String(ports[0].containerPort),
        nodeFlags,
        script,
        env: envOf(container, secrets, workload.name),
      });
    }
  }
  return apps;
}

/** What the registry wrapper makes of a pod name: the REGISTRY_NODE_ID the app would start with. */
export function wrapperNodeId(script: string, podName: string): string {
  const probe = script.replace(wrappedAppCommand, 'echo "$REGISTRY_NODE_ID"');
  return execFileSync('/bin/sh', ['-c', probe], { env: { POD_NAME: podName }, encoding: 'utf8', timeout: 5000 }).trim();
}

function selects(selector: Yaml | undefined, labels: YamlMap): boolean {
  if (!selector || typeof selector !== 'object' || Array.isArray(selector)) return false;
  const wanted = Object.entries(selector);
  return wanted.length > 0 && wanted.every(([key, value]) => labels[key] === value);
}

/** A probe's or Service's port, named or numbered, resolved against the container's ports. */
function resolvesTo(port: Yaml | undefined, container: YamlMap, containerPort: string): boolean {
  if (port === undefined) return false;
  const named = asList(container.ports, 'ports').map((p) => asMap(p, 'port')).find((p) => p.name === port);
  return String(named ? named.containerPort : port) === containerPort;
}

function probeOf(container: YamlMap, kind: string): YamlMap | undefined {
  return container[kind] ? asMap(container[kind], kind) : undefined;
}

/** Variables whose value differs by design, compared on their own (or by running the wrapper). */
const comparedSeparately = new Set(['BIND_HOST', 'PORT', 'INSTANCE_ID', 'ADVERTISE_HOST', 'REGISTRY_DATA_DIR', 'REGISTRY_NODE_ID', 'REGISTRY_PEERS', 'REGISTRY_URLS']);

/** Every difference between deploy/k8s (file name -> content) and the topology, one readable line each; empty when they agree. */
export function findK8sDrift(manifests: Manifests, processes: StackProcess[]): string[] {
  const drift: string[] = [];
  const objects = objectsOf(manifests);
  const apps = k8sApps(objects);
  const byApp = new Map<string, StackProcess[]>();
  for (const p of processes) byApp.set(p.app, [...(byApp.get(p.app) ?? []), p]);

  const kustomized = asList(asMap(parseYaml(manifests.get(KUSTOMIZATION) ?? ''), KUSTOMIZATION).resources, 'resources').map(String);
  const files = [...manifests.keys()].filter((name) => name !== KUSTOMIZATION);
  for (const file of files) if (!kustomized.includes(file)) drift.push(`${file}: not listed in ${KUSTOMIZATION}`);
  for (const file of kustomized) if (!files.includes(file)) drift.push(`${file}: listed in ${KUSTOMIZATION}, no such manifest`);
  for (const o of objects) {
    if (o.kind !== 'Namespace' && o.namespace !== NAMESPACE) drift.push(`${o.kind} ${o.name}: namespace ${o.namespace ?? '(none)'}, not ${NAMESPACE}`);
  }

  const initMaps = objects.filter((o) => o.kind === 'ConfigMap' && o.name === 'postgres-init');
  const copiedSql = initMaps.length === 1 ? asMap(initMaps[0].body.data, 'postgres-init data')['init.sql'] : undefined;
  if (copiedSql !== initSql) drift.push('ConfigMap postgres-init: init.sql differs from deploy/postgres/init.sql');

  // The registry's pods, as clients and peers must name them: <statefulset>-<i>.<headless service>.
  const registry = apps.get('registry');
  const registryService = registry ? String(asMap(registry.workload.body.spec, 'registry spec').serviceName) : '';
  const registryPods = registry ? Array.from({ length: registry.replicas }, (_, i) => `http://${registry.workload.name}-${i}.${registryService}:${registry.containerPort}`) : [];

  for (const app of byApp.keys()) if (!apps.has(app)) drift.push(`${app}: in the topology, missing from deploy/k8s`);
  for (const app of apps.keys()) if (!byApp.has(app)) drift.push(`${app}: in deploy/k8s, missing from the topology`);
  for (const [app, local] of byApp) {
    const k8s = apps.get(app);
    if (!k8s) continue;
    const first = local[0];
    if (k8s.replicas !== local.length) drift.push(`${app}: ${k8s.replicas} replicas in deploy/k8s, ${local.length} in the topology`);
    const localFlags = first.nodeFlags.join(' ');
    if (k8s.nodeFlags !== localFlags) drift.push(`${app}: node flags "${k8s.nodeFlags}" in deploy/k8s, "${localFlags}" in the topology`);
    if (k8s.containerPort !== String(first.port)) drift.push(`${app}: containerPort ${k8s.containerPort} in deploy/k8s, ${first.port} in the topology`);
    const port = k8s.env.get('PORT');
    if (!port || !('value' in port) || port.value !== k8s.containerPort) drift.push(`${app}: PORT is not the containerPort ${k8s.containerPort}`);
    if (!String(k8s.container.image).startsWith('shop:') || k8s.container.imagePullPolicy !== 'IfNotPresent') {
      drift.push(`${app}: image ${String(k8s.container.image)} (${String(k8s.container.imagePullPolicy)}), not shop:<tag> (IfNotPresent)`);
    }

    // Variable names: the contract's, plus what the wrapper exports, less the Kubernetes-only helpers in use.
    const rawValues = asList(k8s.container.env ?? [], 'env').map((e) => String(asMap(e, 'env item').value ?? ''));
    const used = [...rawValues, k8s.script ?? ''].join(' ');
    const names = new Set<string>();
    for (const name of k8s.env.keys()) {
      if (!KUBERNETES_HELPERS.has(name)) names.add(name);
      else if (!used.includes(`$(${name})`) && !used.includes(`$${name}`) && !used.includes(`\${${name}`)) drift.push(`${app}: ${name} is set but never used`);
    }
    for (const match of (k8s.script ?? '').matchAll(/^export ([A-Z0-9_]+)=/gm)) names.add(match[1]);
    const localNames = new Set(local.flatMap((p) => Object.keys(p.env)));
    for (const name of [...new Set([...names, ...localNames])].sort()) {
      // Observability variables are optional on a cluster (`kubectl set env`, docs/observability.md).
      if (!names.has(name) && OPTIONAL_OBSERVABILITY.has(name)) continue;
      if (!names.has(name)) drift.push(`${app}: ${name} only in the topology`);
      else if (!localNames.has(name)) drift.push(`${app}: ${name} only in deploy/k8s`);
    }

    // Values, where they do not differ by design: compared as dev values with the cluster's host names made local.
    for (const [name, source] of k8s.env) {
      // The demo customers' password: a demo value locally, on a cluster only if the operator's Secret has one.
      if (SECRET_VARIABLES.includes(name) || name === 'DEMO_CUSTOMER_PASSWORD') {
        // No well-known secret: taken from a Secret that no manifest defines (the operator creates it).
        if (!('unresolved' in source && source.unresolved.startsWith('secret '))) {
          drift.push(`${app}: ${name} has a value in deploy/k8s; it must come from a Secret the operator creates`);
        }
        continue;
      }
      if (comparedSeparately.has(name) || KUBERNETES_HELPERS.has(name) || first.env[name] === undefined) continue;
      const value = 'value' in source ? source.value.replace(/(^|[/@,])(postgres|redis|kafka)(?=:\d)/g, '$1127.0.0.1') : JSON.stringify(source);
      if (value !== first.env[name]) drift.push(`${app}: ${name}="${value}" in deploy/k8s, "${first.env[name]}" in the topology`);
    }
    const fieldPath = (name: string) => {
      const source = k8s.env.get(name);
      return source && 'fieldPath' in source ? source.fieldPath : undefined;
    };
    if ('INSTANCE_ID' in first.env && fieldPath('INSTANCE_ID') !== 'metadata.name') drift.push(`${app}: INSTANCE_ID is not the pod name`);
    if ('ADVERTISE_HOST' in first.env && fieldPath('ADVERTISE_HOST') !== 'status.podIP') drift.push(`${app}: ADVERTISE_HOST is not the pod IP`);
    const urls = k8s.env.get('REGISTRY_URLS');
    if ('REGISTRY_URLS' in first.env && (!urls || !('value' in urls) || urls.value !== registryPods.join(','))) {
      drift.push(`${app}: REGISTRY_URLS does not list the registry pods ${registryPods.join(',')}`);
    }

    // Probes on the app's port: Ready and live on /health (a registry node without a quorum is alive, not ready).
    for (const kind of ['readinessProbe', 'livenessProbe']) {
      const probe = probeOf(k8s.container, kind);
      const http = probe?.httpGet ? asMap(probe.httpGet, kind) : undefined;
      const tcp = probe?.tcpSocket ? asMap(probe.tcpSocket, kind) : undefined;
      const onHealth = http?.path === '/health' && resolvesTo(http.port, k8s.container, k8s.containerPort);
      const onPort = tcp !== undefined && app === 'registry' && kind === 'livenessProbe' && resolvesTo(tcp.port, k8s.container, k8s.containerPort);
      if (!onHealth && !onPort) drift.push(`${app}: ${kind} is not GET /health on port ${k8s.containerPort}`);
    }

    // A Service per app on its port; only the gateway's reachable from outside the cluster.
    const services = objects.filter((o) => o.kind === 'Service' && selects(asMap(o.body.spec, `Service ${o.name}`).selector, k8s.podLabels));
    const onPort = services.filter((s) =>
      asList(asMap(s.body.spec, 'spec').ports, `Service ${s.name}: ports`).some((p) => resolvesTo(asMap(p, 'port').targetPort, k8s.container, k8s.containerPort)),
    );
    if (onPort.length === 0) drift.push(`${app}: no Service targets port ${k8s.containerPort}`);
    const external = services.filter((s) => ['LoadBalancer', 'NodePort'].includes(String(asMap(s.body.spec, 'spec').type)));
    if (app === 'gateway' && external.length === 0) drift.push('gateway: no Service of type LoadBalancer or NodePort');
    if (app !== 'gateway' && external.length > 0) drift.push(`${app}: reachable from outside through Service ${external[0].name} (only the gateway may be)`);
    // A NetworkPolicy rule without `from` admits any source: it may select the gateway only.
    for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
      const spec = asMap(policy.body.spec, `NetworkPolicy ${policy.name}`);
      const open = asList(spec.ingress ?? [], 'ingress').some((rule) => asMap(rule, 'ingress rule').from === undefined);
      const podSelector = asMap(spec.podSelector, 'podSelector');
      const selected = podSelector.matchLabels === undefined || selects(podSelector.matchLabels, k8s.podLabels);
      if (app !== 'gateway' && open && selected) drift.push(`${app}: reachable from anywhere through NetworkPolicy ${policy.name} (only the gateway may be)`);
    }
  }

  if (registry) {
    const spec = asMap(registry.workload.body.spec, 'registry spec');
    if (registry.workload.kind !== 'StatefulSet') drift.push(`registry: a ${registry.workload.kind}, not a StatefulSet (stable names and volumes)`);
    if (spec.podManagementPolicy !== 'Parallel') drift.push('registry: podManagementPolicy is not Parallel (registry-0 cannot be Ready alone)');
    const headless = objects.find((o) => o.kind === 'Service' && o.name === registryService);
    const headlessSpec = headless ? asMap(headless.body.spec, 'registry service spec') : {};
    if (headlessSpec.clusterIP !== 'None' || headlessSpec.publishNotReadyAddresses !== 'true') {
      drift.push(`registry: Service ${registryService} is not headless with publishNotReadyAddresses`);
    }
    const localIds = Object.keys(Object.fromEntries(byApp.get('registry')![0].env.REGISTRY_PEERS.split(',').map((peer) => peer.split('='))));
    const expectedPeers = localIds.map((id, i) => `${id}=${registryPods[i] ?? '(no pod)'}`).join(',');
    const peers = registry.env.get('REGISTRY_PEERS');
    if (!peers || !('value' in peers) || peers.value !== expectedPeers) drift.push(`registry: REGISTRY_PEERS is not ${expectedPeers}`);
    if (registry.script) {
      const ids = registryPods.map((_, i) => wrapperNodeId(registry.script!, `${registry.workload.name}-${i}`));
      if (ids.join(',') !== localIds.join(',')) drift.push(`registry: the wrapper names the pods ${ids.join(',')}, the topology's nodes are ${localIds.join(',')}`);
    }
    const claims = asList(spec.volumeClaimTemplates ?? [], 'volumeClaimTemplates').map((c) => String(asMap(asMap(c, 'claim').metadata, 'claim metadata').name));
    const dataDir = registry.env.get('REGISTRY_DATA_DIR');
    const mounts = asList(registry.container.volumeMounts ?? [], 'volumeMounts').map((m) => asMap(m, 'mount'));
    const onClaim = mounts.some((m) => claims.includes(String(m.name)) && dataDir && 'value' in dataDir && `${dataDir.value}/`.startsWith(`${String(m.mountPath)}/`));
    if (!onClaim) drift.push('registry: REGISTRY_DATA_DIR is not on a volume claim template');
    const budget = objects.find((o) => o.kind === 'PodDisruptionBudget' && selects(asMap(asMap(o.body.spec, 'pdb spec').selector, 'pdb selector').matchLabels, registry.podLabels));
    if (!budget || asMap(budget.body.spec, 'pdb spec').minAvailable !== String(Math.floor(registry.replicas / 2) + 1)) {
      drift.push(`registry: no PodDisruptionBudget keeping a quorum (minAvailable ${Math.floor(registry.replicas / 2) + 1})`);
    }
  }
  return drift;
}
