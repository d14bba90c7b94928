/**
 * `npm run bench:json-shape`: what the bounds check of every JSON body costs (jsonShapeProblem, one pass over the
 * raw text before JSON.parse and DTO validation), next to JSON.parse of the same text in the same run: a 20-line
 * order (the services' largest real body) and a 330 KB registry value. Prints microseconds per body and the
 * ratio scan / JSON.parse.
 */
import { jsonShapeProblem } from '@shop/common';

const order = JSON.stringify({
  customerId: 'c-42',
  items: Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${String(i).padStart(4, '0')}`, quantity: 3 })),
});
const registryValue = JSON.stringify({ value: { list: Array.from({ length: 8000 }, (_, i) => ({ name: `key-${i}`, on: true, w: [1, 2, 3] })) } });
const bounds = { maxDepth: 64, maxArrayLength: 1_000_000 };

function microsPerCall(fn: () => unknown, calls: number): number {
  for (let i = 0; i < calls / 10; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / calls / 1000;
}

console.log('body                      bytes   scan us   JSON.parse us   scan/parse');
for (const [name, text, calls] of [
  ['order, 20 lines', order, 100_000],
  ['registry value', registryValue, 200],
] as const) {
  const scan = microsPerCall(() => jsonShapeProblem(text, bounds), calls);
  const parse = microsPerCall(() => JSON.parse(text), calls);
  console.log(`${name.padEnd(24)} ${String(text.length).padStart(7)} ${scan.toFixed(2).padStart(9)} ${parse.toFixed(2).padStart(15)} ${(scan / parse).toFixed(2).padStart(12)}`);
}
