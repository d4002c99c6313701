// `runbook invoke <handler> --event FILE`: runs a built handler bundle locally as Lambda would and prints its decision.
import { readFileSync } from 'node:fs';
import { BundleNotBuiltError, invokeBundle } from '../sandbox/invoke-bundle';
import { EXIT } from './exit-codes';

export interface InvokeOptions {
  event: string;
  environment?: string;
  dryRun?: boolean;
  logs?: boolean;
}

export async function invokeCommand(handlerName: string, options: InvokeOptions): Promise<number> {
  let raw: string;
  try {
    raw = options.event === '-' ? readFileSync(0, 'utf8') : readFileSync(options.event, 'utf8');
  } catch (error) {
    console.error(`runbook invoke: cannot read event file ${options.event}: ${(error as Error).message}`);
    return EXIT.usage;
  }
  let event: unknown;
  try {
    event = JSON.parse(raw);
  } catch {
    // Passed on as text: the handler's parser rejects it with the reason, exactly as Lambda would see it.
    event = raw;
  }
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  if (options.dryRun) process.env.DRY_RUN = 'true';
  if (!process.env.RUNBOOK_ENVIRONMENT) {
    console.error('runbook invoke: set --environment (production, staging or development) or RUNBOOK_ENVIRONMENT');
    return EXIT.usage;
  }
  try {
    const decision = (await invokeBundle(handlerName, event, (chunk) => {
      if (options.logs) process.stderr.write(chunk);
    })) as { outcome?: string; reason?: string };
    console.log(JSON.stringify(decision, null, 2));
    if (decision?.outcome === 'rejected') {
      console.error(`runbook invoke: event rejected: ${decision.reason ?? 'invalid input'}`);
      return EXIT.rejected;
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof BundleNotBuiltError) {
      console.error(`runbook invoke: ${error.message}`);
      return EXIT.unavailable;
    }
    const e = error as Error;
    if (e.name === 'ConfigurationError') {
      console.error(`runbook invoke: ${e.message}`);
      return EXIT.usage;
    }
    console.error(`runbook invoke: ${handlerName} failed (${e.name}): ${e.message}`);
    console.error('Lambda would retry this event; the incident claim makes the retry safe.');
    return EXIT.failure;
  }
}
