// deploy/k8s/ (the shop on Kubernetes) and deploy/topology.js (what `npm run stack` and the end-to-end tests
// start) describe the same system twice. This test fails as soon as one of them changes alone: which apps run,
// how many of each (order x2, three registry nodes), each app's variable names and dev values (host names
// aside), its container port, probes and Service, the registry's node ids and peers, that only the gateway is
// reachable from outside, that init.sql is the same file, and that the Kustomization lists every manifest.
// It needs no cluster; it lives with the e2e tests because it checks the deployment, like topology-drift.
//
// The comparison itself, and the compose drift test's, live in test/support/deployment-drift.ts.
import { stackProcesses } from '../deploy/topology';
import { findK8sDrift, k8sApps, KUSTOMIZATION, type Manifests, objectsOf, readManifests, wrapperNodeId } from './support/deployment-drift';

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
