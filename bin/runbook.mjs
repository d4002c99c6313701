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
// The local CLI may run on Node 20; deployed handlers target a Node 22 Lambda runtime, where the SDK has no such warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import(pathToFileURL(cli).href);
// Exit explicitly: idle keep-alive sockets of the SDK's HTTP agents would otherwise hold the process open.
process.exit(await main(process.argv));
