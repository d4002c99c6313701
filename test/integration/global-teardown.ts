// Jest globalTeardown for the integration project: prints the reliability table, stops the gap proxy, then moto_server.
import { rmSync } from 'node:fs';
import { takeIntegrationSandbox } from './global-setup';
import { buildGuaranteeTable, RESULTS_DIR_ENV } from './reliability/support/guarantee-table';

/** Prints the playbook x guarantee table; throws (failing the run) when a guarantee's tests ran and left a cell empty. */
function reportReliability(): void {
  const dir = process.env[RESULTS_DIR_ENV];
  if (!dir) return;
  const table = buildGuaranteeTable(dir);
  rmSync(dir, { recursive: true, force: true });
  if (!table) return;
  console.log(table.text);
  if (table.empty.length > 0) throw new Error(`reliability: ${table.empty.length} cell(s) of the playbook x guarantee table are empty:\n${table.empty.join('\n')}`);
}

export default async function globalTeardown(): Promise<void> {
  const sandbox = takeIntegrationSandbox();
  try {
    reportReliability();
  } finally {
    if (sandbox) {
      try {
        await sandbox.proxy.stop();
      } finally {
        await sandbox.moto.stop();
      }
    }
  }
}
