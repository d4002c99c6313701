// `runbook invoke <handler> --event FILE | --alarm NAME`: runs a built handler bundle locally as Lambda would and prints its decision.
import { loadRuntimeConfig } from '../shared/config/load-config';
import { OWN_ACCOUNT_ENV } from '../shared/config/names';
import { InvalidInputError } from '../shared/errors';
import { environmentNameSchema } from '../shared/config/schema';
import { PLAYBOOK_HANDLERS, SERVICE_HANDLERS } from '../shared/playbooks/registry';
import { BundleNotBuiltError, invokeBundle } from '../sandbox/invoke-bundle';
import { eventForAlarm, readEventFile } from './alarm-state-event';
import { EXIT } from './exit-codes';
import { readTargetAccount, UNVERIFIED_FLAG, type TargetAccountCheck } from './target-account';

export interface InvokeOptions {
  /** The event file (- for standard input); or */
  event?: string;
  /** the alarm whose current state CloudWatch would send (DescribeAlarms; cli/alarm-state-event.ts). Exactly one of the two. */
  alarm?: string;
  environment?: string;
  dryRun?: boolean;
  logs?: boolean;
  /** Apply although nothing ties the credentials' account to the environment (a stated mismatch is refused anyway). */
  unverifiedAccount?: boolean;
  /** Tests: the account check (default: the configuration, the shell's pair and STS, cli/target-account.ts). */
  checkAccount?: typeof readTargetAccount;
}

/** Every handler `npm run build` bundles: the playbooks' and the service handlers. */
export const HANDLER_NAMES: readonly string[] = [...PLAYBOOK_HANDLERS.map((h) => h.handler), ...SERVICE_HANDLERS.map((h) => h.handler)].sort();

const isTrue = (value: string | undefined): boolean => /^(true|1|yes|on)$/i.test(value ?? '');

/**
 * Whether this run may apply: a verified account goes on (said on stderr), a stated mismatch never, an unverified account
 * only with --unverified-account (said on stderr). Undefined: go on; a number: the exit code of the refusal.
 */
function refusal(check: TargetAccountCheck, environment: string, unverifiedAccount: boolean | undefined): number | undefined {
  if (check.kind === 'verified') {
    console.error(`runbook invoke: applying under ${environment}'s policy: ${check.text}`);
    return undefined;
  }
  if (check.kind === 'mismatch') {
    console.error(`runbook invoke: refused, nothing invoked or changed: ${check.text}`);
    return EXIT.rejected;
  }
  if (check.kind === 'unanswered') {
    console.error(`runbook invoke: nothing invoked or changed: ${check.text}.`);
    console.error('  Retry when STS answers: check AWS_ENDPOINT_URL, the network, and your credentials (--profile / AWS_PROFILE).');
    return EXIT.failure;
  }
  if (unverifiedAccount) {
    console.error(`runbook invoke: WARNING: applying under ${environment}'s policy UNVERIFIED (${UNVERIFIED_FLAG}): ${check.text}`);
    return undefined;
  }
  console.error(`runbook invoke: refused, nothing invoked or changed: ${check.text}.`);
  console.error(
    `  Set environments.${environment}.accountId in the configuration (RUNBOOK_CONFIG_JSON), or export the RUNBOOK_ENVIRONMENT and RUNBOOK_ACCOUNT_ID that runbook sandbox prints; ` +
      `--dry-run shows the plan without changing anything; ${UNVERIFIED_FLAG} applies anyway.`,
  );
  return EXIT.rejected;
}

export async function invokeCommand(handlerName: string, options: InvokeOptions): Promise<number> {
  if (!HANDLER_NAMES.includes(handlerName)) {
    console.error(`runbook invoke: no handler named "${handlerName}"; the handlers are: ${HANDLER_NAMES.join(', ')}`);
    return EXIT.usage;
  }
  if (!options.event === !options.alarm) {
    console.error('runbook invoke: give exactly one of --event FILE or --alarm NAME');
    return EXIT.usage;
  }
  let event: unknown;
  if (options.event !== undefined) {
    const read = readEventFile(options.event);
    if ('unreadable' in read) {
      console.error(`runbook invoke: ${read.unreadable}`);
      return EXIT.usage;
    }
    event = read.event;
  }
  // The shell's own RUNBOOK_ENVIRONMENT (with RUNBOOK_ACCOUNT_ID) speaks for that environment only, not for -e's.
  const shellEnvironment = process.env.RUNBOOK_ENVIRONMENT || undefined;
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  if (options.dryRun) process.env.DRY_RUN = 'true';
  if (!process.env.RUNBOOK_ENVIRONMENT) {
    console.error('runbook invoke: set --environment (production, staging or development) or RUNBOOK_ENVIRONMENT');
    return EXIT.usage;
  }
  const environment = environmentNameSchema.safeParse(process.env.RUNBOOK_ENVIRONMENT);
  if (!environment.success) {
    console.error(`runbook invoke: RUNBOOK_ENVIRONMENT must be one of ${environmentNameSchema.options.join(', ')}, got "${process.env.RUNBOOK_ENVIRONMENT}"`);
    return EXIT.usage;
  }
  try {
    if (options.alarm !== undefined) event = await eventForAlarm(options.alarm, loadRuntimeConfig(process.env), 'invoke');
    // A dry run changes nothing and needs no check; anything else may change the account under this environment's policy.
    if (!isTrue(process.env.DRY_RUN)) {
      const check = await (options.checkAccount ?? readTargetAccount)(environment.data, shellEnvironment);
      const refused = refusal(check, environment.data, options.unverifiedAccount);
      if (refused !== undefined) return refused;
      // Cross-account mode: the handler's "own account" (an event there is acted on with these credentials, no role
      // assumed) is where STS says the credentials are, not a shell variable or the sandbox's fixed ARN hint.
      if ((check.kind === 'verified' || check.kind === 'unverified') && check.ownAccount) process.env[OWN_ACCOUNT_ENV] = check.ownAccount;
    }
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
    if (e instanceof InvalidInputError) {
      // An alarm name the account does not have: the environment's alarms listed, nothing invoked.
      console.error(`runbook invoke: ${e.message}`);
      for (const d of e.details) console.error(`  ${d}`);
      return EXIT.rejected;
    }
    if (e.name === 'ConfigurationError') {
      console.error(`runbook invoke: ${e.message}`);
      return EXIT.usage;
    }
    console.error(`runbook invoke: ${handlerName} failed (${e.name}): ${e.message}`);
    console.error('Lambda would retry this event; the incident claim makes the retry safe.');
    return EXIT.failure;
  }
}
