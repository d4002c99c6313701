// One cold start: a fresh Node process imports a bundle (module scope: imports, configuration, client construction) and prints how long it took.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/init-probe.mjs <bundle.mjs>');
  process.exit(64);
}
const started = performance.now();
await import(pathToFileURL(file).href);
const initMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ initMs })}\n`);
