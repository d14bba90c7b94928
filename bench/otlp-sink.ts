/**
 * An OTLP/HTTP trace receiver that only counts (the Collector's stand-in for measuring the cost of tracing):
 * `node -r ./scripts/ts-register.js bench/otlp-sink.ts [port]`; prints what it received when stopped (SIGTERM).
 */
import { OtlpReceiver } from '../test/support/otlp-receiver';

const receiver = new OtlpReceiver(false);
void receiver.start(Number(process.argv[2] ?? 4318)).then((url) => process.stdout.write(`OTLP sink on ${url}\n`));
process.once('SIGTERM', () => {
  process.stdout.write(`OTLP sink: ${receiver.received} spans in ${receiver.requests} export requests\n`);
  void receiver.stop().then(() => process.exit(0));
});
