// One cold start, counted: a fresh Node process imports a bundle between two markers that valgrind's callgrind watches
// (bench/init-instructions.ts). os.uptime() enters node::os::GetUptime, where callgrind zeroes its counts; os.loadavg()
// enters node::os::GetLoadAvg, where it writes them out. What lies between is the import alone (the module's load,
// compile and evaluation, the collections it causes, on every thread), not Node's own start or exit.
import { loadavg, uptime } from 'node:os';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
if (!file) {
  console.error('usage: valgrind --tool=callgrind ... node bench/init-count-probe.mjs <bundle.mjs>');
  process.exit(64);
}
const url = pathToFileURL(file).href;
uptime();
await import(url);
loadavg();
