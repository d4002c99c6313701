// Jest globalTeardown for the integration project: stops the gap proxy, then moto_server.
import { takeIntegrationSandbox } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const sandbox = takeIntegrationSandbox();
  if (!sandbox) return;
  try {
    await sandbox.proxy.stop();
  } finally {
    await sandbox.moto.stop();
  }
}
