'use strict';
// The shop's secrets, generated on first start and kept in one file of `NAME=value` lines (mode 0600):
//   OPERATOR_PASSWORD  the password of the operator `ops` (sign-in for the console and the admin API)
//   ADMIN_TOKEN     the admin API's static bearer token, for machines (scripts, deployment jobs)
//   REGISTRY_TOKEN  every app's bearer token at the registry
//   RAFT_SECRET     the key that signs traffic between registry nodes
// No default value exists anywhere: a secret that is published in a repository protects nothing. Used by
// `npm run stack` (.data/secrets.env), by docker-compose.yml's one-shot `secrets-init` service (a named volume),
// and by the tests that need the stack's secrets. Kubernetes takes them from a Secret the operator creates
// (docs/deployment.md).
//
//   node deploy/secrets.js <file>    creates the file unless it exists, then says where it is
//
// CommonJS with a .d.ts beside it, like topology.js, so that scripts, the image and jest load it as is.
const { randomBytes } = require('node:crypto');
const { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** File variable name -> the key of topology.js's `secrets` option. */
const SECRET_NAMES = Object.freeze({
  ADMIN_TOKEN: 'adminToken',
  REGISTRY_TOKEN: 'registryToken',
  RAFT_SECRET: 'raftSecret',
  OPERATOR_PASSWORD: 'operatorPassword',
});

/** 256 random bits, URL-safe (it goes into headers and shells unquoted). */
function newSecret() {
  return randomBytes(32).toString('base64url');
}

/** A fresh set of the three secrets, keyed as topology.js's `secrets` option. */
function generateSecrets() {
  return Object.fromEntries(Object.values(SECRET_NAMES).map((key) => [key, newSecret()]));
}

/** Reads a secrets file; throws naming the file when a secret is missing or too short to be a generated one. */
function readSecrets(file) {
  const values = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1], match[2]);
  }
  const secrets = {};
  for (const [name, key] of Object.entries(SECRET_NAMES)) {
    const value = values.get(name) ?? '';
    if (value.length < 16) throw new Error(`${file}: ${name} is missing or shorter than 16 characters (delete the file to generate new secrets)`);
    secrets[key] = value;
  }
  return secrets;
}

/** A file from before a secret was introduced gets that secret appended (generated), the others kept. */
function addMissingSecrets(file) {
  const text = readFileSync(file, 'utf8');
  const missing = Object.keys(SECRET_NAMES).filter((name) => !new RegExp(`^${name}=`, 'm').test(text));
  if (missing.length > 0) writeFileSync(file, `${text.endsWith('\n') || text === '' ? text : `${text}\n`}${missing.map((n) => `${n}=${newSecret()}`).join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** The secrets in `file`, created (mode 0600, in a 0700 folder if it is new) when the file does not exist yet. */
function loadOrCreateSecrets(file) {
  if (existsSync(file)) return { secrets: readSecrets(addMissingSecrets(file)), created: false };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secrets = generateSecrets();
  const lines = Object.entries(SECRET_NAMES).map(([name, key]) => `${name}=${secrets[key]}`);
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

module.exports = { SECRET_NAMES, generateSecrets, readSecrets, loadOrCreateSecrets };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node deploy/secrets.js <file>');
    process.exit(2);
  }
  const { secrets, created } = loadOrCreateSecrets(file);
  if (created) {
    // As Jenkins does with its first admin password: the person who started the stack reads it in this log.
    console.log(`secrets generated on first start into ${file} (${Object.keys(SECRET_NAMES).join(', ')}; mode 0600)`);
    console.log(`OPERATOR_PASSWORD for the console (user ops): ${secrets.operatorPassword}`);
  } else {
    console.log(`secrets kept from the first start in ${file} (delete it, or the volume holding it, for new ones)`);
  }
}
