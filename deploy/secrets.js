'use strict';
// The shop's secrets, generated on first start and kept in one file of `NAME=value` lines (mode 0600):
//   OPERATOR_PASSWORD     the password of the operator `ops` (sign-in for the console and the admin API)
//   ADMIN_TOKEN           the admin API's static bearer token, for machines (scripts, deployment jobs)
//   REGISTRY_TOKEN        the registry's operator credential (may do anything: tools, the console's admin writes)
//   RAFT_SECRET           the key that signs traffic between registry nodes
//   REGISTRY_SERVICE_KEY  held by the registry only: each service's own registry credential is derived from it
//   KAFKA_CREDENTIAL_KEY  held by no app: each Kafka user's SCRAM password is derived from it
// and, derived from the two keys and written beside them so that shells (deploy/infra.sh, the image's entrypoint)
// read them as they are: <SERVICE>_REGISTRY_TOKEN per service, <SERVICE>_KAFKA_PASSWORD per Kafka user (order,
// inventory, payment, and ADMIN for the infrastructure's super user). Each app is given only its own
// (deploy/topology.js; docs/security.md, "Registry and Kafka trust").
// No default value exists anywhere: a secret that is published in a repository protects nothing. Used by
// `npm run stack` and `npm run infra:up` (.data/secrets.env), by docker-compose.yml's one-shot `secrets-init`
// service (a named volume), and by the tests that need the stack's secrets. Kubernetes takes them from a Secret
// the operator creates (docs/deployment.md). A file written by an older version gains the missing lines.
//
//   node deploy/secrets.js <file>    creates (or completes) the file, then says where it is
//   node deploy/secrets.js <file> --kubectl-literals
//                                    prints `--from-literal=<name>=<value>` for the Kubernetes Secret shop-tokens
//                                    (NAME lower-cased with dashes: ORDER_REGISTRY_TOKEN -> order-registry-token),
//                                    every line but KAFKA_CREDENTIAL_KEY, which no pod needs
//
// CommonJS with a .d.ts beside it, like topology.js, so that scripts, the image and jest load it as is.
const { createHmac, randomBytes } = require('node:crypto');
const { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** File variable name -> the key of topology.js's `secrets` option (the generated ones; the rest is derived). */
const SECRET_NAMES = Object.freeze({
  ADMIN_TOKEN: 'adminToken',
  REGISTRY_TOKEN: 'registryToken',
  RAFT_SECRET: 'raftSecret',
  REGISTRY_SERVICE_KEY: 'registryServiceKey',
  KAFKA_CREDENTIAL_KEY: 'kafkaCredentialKey',
  OPERATOR_PASSWORD: 'operatorPassword',
});

/** Environment variables of the apps that carry a secret (compose leaves them empty for the entrypoint to fill). */
const SECRET_VARIABLES = Object.freeze(['ADMIN_TOKEN', 'REGISTRY_TOKEN', 'RAFT_SECRET', 'REGISTRY_SERVICE_KEY', 'REGISTRY_OPERATOR_TOKEN', 'KAFKA_PASSWORD', 'OPERATOR_PASSWORD']);

/** Who gets a registry credential of its own, and who a Kafka user (the saga's producers and consumers). */
const REGISTRY_SERVICES = Object.freeze(['gateway', 'order', 'inventory', 'payment', 'identity', 'console']);
const KAFKA_USERS = Object.freeze(['order', 'inventory', 'payment', 'admin']);

/** 256 random bits, URL-safe (it goes into headers and shells unquoted). */
function newSecret() {
  return randomBytes(32).toString('base64url');
}

/** A service's registry credential: `<service>.<MAC>` (the registry recomputes it; apps/registry/src/access). */
function serviceRegistryToken(registryServiceKey, service) {
  return `${service}.${createHmac('sha256', registryServiceKey).update(`registry-service:${service}`).digest('base64url')}`;
}

/** The SCRAM-SHA-256 password of a Kafka user. */
function kafkaPassword(kafkaCredentialKey, user) {
  return createHmac('sha256', kafkaCredentialKey).update(`kafka-user:${user}`).digest('base64url');
}

/** The derived lines of the file, NAME -> value. */
function derivedLines(secrets) {
  const lines = {};
  for (const service of REGISTRY_SERVICES) lines[`${service.toUpperCase()}_REGISTRY_TOKEN`] = serviceRegistryToken(secrets.registryServiceKey, service);
  for (const user of KAFKA_USERS) lines[`${user.toUpperCase()}_KAFKA_PASSWORD`] = kafkaPassword(secrets.kafkaCredentialKey, user);
  return lines;
}

/** A fresh set of the secrets, keyed as topology.js's `secrets` option. */
function generateSecrets() {
  return Object.fromEntries(Object.values(SECRET_NAMES).map((key) => [key, newSecret()]));
}

function parseLines(file) {
  const values = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1], match[2]);
  }
  return values;
}

/** Reads a secrets file; throws naming the file when a secret is missing or too short to be a generated one. */
function readSecrets(file) {
  const values = parseLines(file);
  const secrets = {};
  for (const [name, key] of Object.entries(SECRET_NAMES)) {
    const value = values.get(name) ?? '';
    if (value.length < 16) throw new Error(`${file}: ${name} is missing or shorter than 16 characters (run \`node deploy/secrets.js ${file}\` to add it, or delete the file for new secrets)`);
    secrets[key] = value;
  }
  return secrets;
}

/**
 * The secrets in `file`, created (mode 0600, in a 0700 folder if it is new) when the file does not exist yet;
 * a file of an older version gains the secrets and derived lines it lacks (what it holds is never changed).
 */
function loadOrCreateSecrets(file) {
  if (existsSync(file)) {
    const values = parseLines(file);
    const fresh = generateSecrets();
    const missing = Object.entries(SECRET_NAMES).filter(([name]) => (values.get(name) ?? '').length < 16 && !values.has(name));
    for (const [name, key] of missing) values.set(name, fresh[key]);
    const base = Object.fromEntries(Object.entries(SECRET_NAMES).map(([name, key]) => [key, values.get(name) ?? '']));
    const added = missing.map(([name]) => `${name}=${values.get(name)}`);
    if (Object.values(base).every((v) => v.length >= 16)) {
      for (const [name, value] of Object.entries(derivedLines(base))) if (!values.has(name)) added.push(`${name}=${value}`);
    }
    if (added.length > 0) appendFileSync(file, `${added.join('\n')}\n`);
    return { secrets: readSecrets(file), created: false };
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secrets = generateSecrets();
  const lines = [
    ...Object.entries(SECRET_NAMES).map(([name, key]) => `${name}=${secrets[key]}`),
    ...Object.entries(derivedLines(secrets)).map(([name, value]) => `${name}=${value}`),
  ];
  // `wx`: two starts racing for the first file cannot both write one; the loser reads the winner's.
  try {
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (error.code === 'EEXIST') return { secrets: readSecrets(file), created: false };
    throw error;
  }
  chmodSync(file, 0o600);
  return { secrets, created: true };
}

module.exports = {
  SECRET_NAMES,
  SECRET_VARIABLES,
  REGISTRY_SERVICES,
  KAFKA_USERS,
  generateSecrets,
  readSecrets,
  loadOrCreateSecrets,
  serviceRegistryToken,
  kafkaPassword,
};

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node deploy/secrets.js <file>');
    process.exit(2);
  }
  const { secrets, created } = loadOrCreateSecrets(file);
  if (process.argv[3] === '--kubectl-literals') {
    for (const [name, value] of parseLines(file)) {
      if (name !== 'KAFKA_CREDENTIAL_KEY') console.log(`--from-literal=${name.toLowerCase().replace(/_/g, '-')}=${value}`);
    }
  } else if (created) {
    // As Jenkins does with its first admin password: the person who started the stack reads it in this log.
    console.log(`secrets generated on first start into ${file} (${Object.keys(SECRET_NAMES).join(', ')} and the per-service credentials; mode 0600)`);
    console.log(`OPERATOR_PASSWORD for the console (user ops): ${secrets.operatorPassword}`);
  } else {
    console.log(`secrets kept from the first start in ${file} (delete it, or the volume holding it, for new ones)`);
  }
}
