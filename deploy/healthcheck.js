'use strict';
// Container healthcheck (the node slim image has no curl): `node deploy/healthcheck.js <port>` exits 0 when
// GET http://127.0.0.1:<port>/health answers 200 within two seconds, 1 otherwise. The port is an argument,
// not read from the environment, so that docker-compose.yml states it and the drift test can check it.
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: node deploy/healthcheck.js <port>');
  process.exit(2);
}
fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then(
  (response) => process.exit(response.status === 200 ? 0 : 1),
  (error) => {
    console.error(`health check failed: ${error.message}`);
    process.exit(1);
  },
);
