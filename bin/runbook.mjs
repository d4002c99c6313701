#!/usr/bin/env node
// The `runbook` command: runs the built CLI (dist/cli/runbook.mjs); `npm run build` makes it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'runbook.mjs');
if (!existsSync(cli)) {
  console.error('runbook: the CLI is not built yet: run npm run build (in ' + root + ')');
  process.exit(69);
}
process.env.RUNBOOK_DIST ??= join(root, 'dist');
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv);
