'use strict';
// The benchmark's upstream: the smallest useful HTTP answer, keep-alive, nothing else.
const http = require('node:http');
const body = Buffer.from('{"sku":"sku-1","name":"bench","priceCents":100}');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.send?.('ready'));
