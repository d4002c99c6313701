// The on-call command line: `runbook sandbox`, `runbook invoke`, `runbook demo`.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ENVIRONMENTS, type EnvironmentName } from '../shared/config/schema';
import { demoCommand } from './demo/index';
import { EXIT } from './exit-codes';
import { historyCommand } from './history';
import { invokeCommand } from './invoke';
import { listCommand } from './list';
import { planCommand } from './plan';
import { sandboxCommand } from './sandbox-command';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

const environmentOption = (fallback?: EnvironmentName): Option => {
  const option = new Option('-e, --environment <name>', 'which environment policy applies').choices([...ENVIRONMENTS]);
  return fallback ? option.default(fallback) : option;
};

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('runbook')
    .description('Runbook automation for the Notification Service: remediations, runbooks and the local AWS sandbox.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('sandbox')
    .description('start the local AWS emulator (moto) on 127.0.0.1, provision the Notification Service topology, print AWS_ENDPOINT_URL and route alarm events to the handler bundles until Ctrl-C')
    .addOption(environmentOption('production'))
    .option('-p, --port <port>', 'moto port (default: a free one)', positiveInt)
    .option('--interval-ms <ms>', 'how often alarms are evaluated and events routed', positiveInt, 2000)
    .option('--log-dir <dir>', 'where handler logs go', '.sandbox')
    .action(async (opts: { environment: EnvironmentName; port?: number; intervalMs: number; logDir: string }) => {
      setExit(await sandboxCommand(opts));
    });

  program
    .command('invoke')
    .description('run a built handler bundle locally as Lambda would, against whatever AWS_ENDPOINT_URL (or your AWS profile) says; prints the decision as JSON')
    .argument('<handler>', 'handler name, e.g. scale-consumers')
    .requiredOption('--event <file>', 'the EventBridge event (JSON file, or - for standard input)')
    .addOption(environmentOption())
    .option('--dry-run', 'plan and report, never apply')
    .option('--logs', "print the handler's structured logs on stderr")
    .addHelpText('after', '\nExit codes: 0 decided (applied, dry-run, skipped or escalated), 2 event rejected, 1 AWS failure (retryable), 64 usage, 69 bundle not built.')
    .action(async (handler: string, opts: { event: string; environment?: string; dryRun?: boolean; logs?: boolean }) => {
      setExit(await invokeCommand(handler, opts));
    });

  program
    .command('demo')
    .description('the game-day demo on the local sandbox (what npm start runs): a queue backs up, the alarm fires, the consumers scale up and back')
    .addOption(environmentOption('production'))
    .option('--messages <n>', 'how many notifications arrive', positiveInt, 1500)
    .option('--tick-ms <ms>', 'pause between evaluation periods of the emulated alarm', positiveInt, 100)
    .option('--max-ticks <n>', 'give up after this many periods', positiveInt, 400)
    .option('--log-dir <dir>', 'where handler logs go', '.sandbox')
    .option('--only <scenario...>', 'play only these scenarios (by name)', [])
    .action(async (opts: { environment: EnvironmentName; messages: number; tickMs: number; maxTicks: number; logDir: string; only: string[] }) => {
      setExit(await demoCommand(opts));
    });

  program
    .command('list')
    .description('the troubleshooting table as configured: issue, symptom, alarm, automatic response per environment, SSM document, escalation tier')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      setExit(listCommand(opts));
    });

  program
    .command('plan')
    .description('what the automation would do now for an alarm, as a dry run that claims, changes and records nothing')
    .option('--event <file>', 'an EventBridge alarm state change event (JSON file, or - for standard input)')
    .option('--alarm <name>', "a CloudWatch alarm: its current state is planned for")
    .option('--handler <name>', 'the playbook to ask (default: the one whose alarm it is)')
    .addOption(environmentOption())
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExit codes: 0 planned (including "nothing to do" and "escalate"), 2 event rejected or no playbook handles it, 1 AWS failure, 64 usage.')
    .action(async (opts: { event?: string; alarm?: string; handler?: string; environment?: string; json?: boolean }) => {
      setExit(await planCommand(opts));
    });

  program
    .command('history')
    .description('what the automation decided and changed on a resource (an ARN, or a queue name): before -> after, when, why')
    .argument('<resource>', 'resource ARN or queue name')
    .addOption(environmentOption())
    .option('--limit <n>', 'how many entries', positiveInt, 20)
    .option('--json', 'machine-readable output')
    .action(async (resource: string, opts: { environment?: string; limit: number; json?: boolean }) => {
      setExit(await historyCommand(resource, opts));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
    if (e.code?.startsWith('commander.')) return EXIT.usage;
    console.error(`runbook: ${e.message ?? String(error)}`);
    return EXIT.failure;
  }
  return code;
}
