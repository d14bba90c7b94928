// deploy/k8s/ (the shop on Kubernetes) and deploy/topology.js (what `npm run stack` and the end-to-end tests
// start) describe the same system twice. This test fails as soon as one of them changes alone: which apps run,
// how many of each (order x2, three registry nodes), each app's variable names and dev values (host names
// aside), its container port, probes and Service, the registry's node ids and peers, that only the gateway is
// reachable from outside, that init.sql is the same file, and that the Kustomization lists every manifest.
// It needs no cluster; it lives with the e2e tests because it checks the deployment, like topology-drift.
//
// The manifests are read with the `yaml` package (test/support/yaml-documents.ts, shared with the compose drift
// test), every scalar as a string.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_VARIABLES } from '../deploy/secrets';
import { stackProcesses, type StackProcess } from '../deploy/topology';
import { asList, asMap, parseYaml, parseYamlDocuments, type Yaml, type YamlMap } from './support/yaml-documents';
import { CONSOLE_VARIABLES, TRACING_VARIABLES } from '../deploy/observability-env';

const k8sDir = join(__dirname, '..', 'deploy', 'k8s');
const initSql = readFileSync(join(__dirname, '..', 'deploy', 'postgres', 'init.sql'), 'utf8');
const NAMESPACE = 'shop';
const KUSTOMIZATION = 'Kustomization';

/** File name -> content: every manifest of deploy/k8s and its Kustomization. */
type Manifests = Map<string, string>;

function readManifests(): Manifests {
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

function objectsOf(manifests: Manifests): K8sObject[] {
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

const appCommand = /^dist\/apps\/([a-z-]+)\/main\.js$/;
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
function k8sApps(objects: K8sObject[]): Map<string, K8sApp> {
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

/** Every difference between deploy/k8s and the topology, one readable line each; empty when they agree. */
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

const manifests = readManifests();

/** Applies one textual change to one manifest, and fails the test if it did not apply (a stale mutation proves nothing). */
function mutate(file: string, from: string | RegExp, to: string): Manifests {
  const source = manifests.get(file);
  expect(source).toBeDefined();
  const changed = source!.replace(from, to);
  expect(changed).not.toBe(source);
  return new Map([...manifests, [file, changed]]);
}

describe('deploy/k8s and deploy/topology.js', () => {
  it('run the same apps, replicas, variables, dev values, ports, probes and Services, with only the gateway exposed', () => {
    expect(findK8sDrift(manifests, stackProcesses())).toEqual([]);
  });

  it('run 3 registry nodes, gateway x2, order x2, and one each of inventory, payment, identity and console', () => {
    const replicas = Object.fromEntries([...k8sApps(objectsOf(manifests))].map(([app, k8s]) => [app, k8s.replicas]));
    expect(replicas).toEqual({ registry: 3, order: 2, inventory: 1, payment: 1, identity: 1, console: 1, gateway: 2 });
  });

  it('start registry-0..2 as n1..n3, and refuse a pod name without an ordinal', () => {
    const registry = k8sApps(objectsOf(manifests)).get('registry')!;
    expect(['registry-0', 'registry-1', 'registry-2'].map((pod) => wrapperNodeId(registry.script!, pod))).toEqual(['n1', 'n2', 'n3']);
    expect(() => wrapperNodeId(registry.script!, 'registry')).toThrow(/no ordinal in pod name/);
  });
});

describe('the Kubernetes drift check reports a change made on one side only', () => {
  it.each([
    ['order scaled down', () => mutate('30-order.yaml', 'replicas: 2', 'replicas: 1'), 'order: 1 replicas in deploy/k8s, 2 in the topology'],
    [
      "the gateway's node flag dropped",
      () => mutate('40-gateway.yaml', '"node", "--no-allocation-site-pretenuring", "dist/apps/gateway/main.js"', '"node", "dist/apps/gateway/main.js"'),
      'gateway: node flags "" in deploy/k8s, "--no-allocation-site-pretenuring" in the topology',
    ],
    ['a registry node fewer', () => mutate('20-registry.yaml', 'replicas: 3', 'replicas: 2'), 'registry: 2 replicas in deploy/k8s, 3 in the topology'],
    [
      'a variable renamed',
      () => mutate('31-inventory.yaml', '- name: KAFKA_BROKERS', '- name: KAFKA_BROKER'),
      'inventory: KAFKA_BROKERS only in the topology',
    ],
    ['a container port changed', () => mutate('32-payment.yaml', 'containerPort: 3003', 'containerPort: 3004'), 'payment: containerPort 3004 in deploy/k8s, 3003 in the topology'],
    [
      'a database URL pointing elsewhere',
      () => mutate('32-payment.yaml', '@postgres:5432/payments', '@postgres:5432/orders'),
      'payment: DATABASE_URL="postgres://payment_svc:payment_pw@127.0.0.1:5432/orders" in deploy/k8s, "postgres://payment_svc:payment_pw@127.0.0.1:5432/payments" in the topology',
    ],
    [
      'a well-known admin token in a manifest',
      () => mutate('40-gateway.yaml', /- name: ADMIN_TOKEN\n(\s+)valueFrom:\n\s+secretKeyRef:\n\s+name: shop-tokens\n\s+key: admin-token/, '- name: ADMIN_TOKEN\n$1value: "dev-admin-token"'),
      'gateway: ADMIN_TOKEN has a value in deploy/k8s; it must come from a Secret the operator creates',
    ],
    [
      'the operator\'s Secret written into the manifests',
      () => mutate('01-secret.yaml', /$/, '---\nkind: Secret\nmetadata:\n  name: shop-tokens\n  namespace: shop\nstringData:\n  registry-token: "dev-registry-token"\n'),
      'registry: REGISTRY_TOKEN has a value in deploy/k8s; it must come from a Secret the operator creates',
    ],
    ['the registry wrapper off by one', () => mutate('20-registry.yaml', 'n$((ordinal + 1))', 'n$((ordinal))'), 'registry: the wrapper names the pods n0,n1,n2, the topology\'s nodes are n1,n2,n3'],
    [
      'a peer left out',
      () => mutate('20-registry.yaml', ',n3=http://registry-2.registry:7001"', '"'),
      'registry: REGISTRY_PEERS is not n1=http://registry-0.registry:7001,n2=http://registry-1.registry:7001,n3=http://registry-2.registry:7001',
    ],
    [
      'a helper variable left unused',
      () => mutate('30-order.yaml', 'order_svc:$(DATABASE_PASSWORD)@', 'order_svc:order_pw@'),
      'order: DATABASE_PASSWORD is set but never used',
    ],
    ['the advertised host from the pod name', () => mutate('31-inventory.yaml', 'fieldPath: status.podIP', 'fieldPath: metadata.name'), 'inventory: ADVERTISE_HOST is not the pod IP'],
    [
      'a readiness probe on another path',
      () => mutate('30-order.yaml', /(readinessProbe:\n\s+httpGet:\n\s+path: )\/health/, '$1/ready'),
      'order: readinessProbe is not GET /health on port 3001',
    ],
    [
      'a second app exposed',
      () => mutate('31-inventory.yaml', 'type: ClusterIP', 'type: LoadBalancer'),
      'inventory: reachable from outside through Service inventory (only the gateway may be)',
    ],
    [
      'a network policy opened to every pod',
      () => mutate('03-network-policy.yaml', /podSelector:\n\s+matchLabels:\n\s+app.kubernetes.io\/name: gateway/, 'podSelector: {}'),
      'order: reachable from anywhere through NetworkPolicy gateway-public (only the gateway may be)',
    ],
    ['init.sql edited in the copy only', () => mutate('02-postgres-init.yaml', 'REVOKE ALL ON SCHEMA public FROM PUBLIC;', '-- revoked'), 'ConfigMap postgres-init: init.sql differs from deploy/postgres/init.sql'],
    ['a manifest not in the Kustomization', () => mutate(KUSTOMIZATION, '  - 32-payment.yaml\n', ''), '32-payment.yaml: not listed in Kustomization'],
    ['an app removed', () => new Map([...manifests].filter(([file]) => file !== '32-payment.yaml')), 'payment: in the topology, missing from deploy/k8s'],
    ['the quorum budget weakened', () => mutate('20-registry.yaml', 'minAvailable: 2', 'minAvailable: 1'), 'registry: no PodDisruptionBudget keeping a quorum (minAvailable 2)'],
    ['registry nodes started in order', () => mutate('20-registry.yaml', 'podManagementPolicy: Parallel', 'podManagementPolicy: OrderedReady'), 'registry: podManagementPolicy is not Parallel (registry-0 cannot be Ready alone)'],
  ])('%s', (_what, change, expected) => {
    expect(findK8sDrift(change(), stackProcesses())).toContain(expected);
  });

  it('a variable added to the topology only', () => {
    const processes = stackProcesses().map((p) => (p.app === 'payment' ? { ...p, env: { ...p.env, EXTRA_SETTING: '1' } } : p));
    expect(findK8sDrift(manifests, processes)).toEqual(['payment: EXTRA_SETTING only in the topology']);
  });

  it('a third order instance in the topology only', () => {
    const processes = stackProcesses();
    const extra = { ...processes.find((p) => p.name === 'order-2')!, name: 'order-3' };
    expect(findK8sDrift(manifests, [...processes, extra])).toEqual(['order: 2 replicas in deploy/k8s, 3 in the topology']);
  });
});
