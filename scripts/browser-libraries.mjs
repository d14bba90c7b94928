// The libraries the browser app (apps/web) may import: written for the browser too, with no Node.js API.
// scripts/build-ui.mjs resolves only these (any other @shop/* fails the build), and eslint.config.mjs refuses
// any other in apps/web, with a clearer message and before a build is run.
// contracts: the config keys, a rate limit policy's vocabulary and a breaker's options, shared with the server;
// http-retry: the clients' retry policy; load: the load engine behind the console's traffic controls.
export const BROWSER_LIBRARIES = ['contracts', 'http-retry', 'load'];
