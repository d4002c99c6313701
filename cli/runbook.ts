// The on-call command line: `runbook sandbox`, `invoke`, `demo`, `list`, `plan`, `exec` and the other verbs below.
import { Command, InvalidArgumentError, Option } from 'commander';
import { version } from '../package.json';
import { DATETIME_FORMS, type DatetimeForm } from '../sandbox/rehearsal/values';
import { ENVIRONMENTS, type EnvironmentName } from '../shared/config/schema';
import { ackCommand } from './ack';
import { applyAwsTarget, AwsTargetError, withAwsTargetOptions, type AwsTargetFlags } from './aws-target';
import { demoCommand } from './demo/index';
import { scenarios } from './demo/scenarios';
import { execCommand } from './exec';
import { EXIT } from './exit-codes';
import { historyCommand } from './history';
import { killSwitchCommand } from './kill-switch';
import { incidentsCommand } from './incidents';
import { invokeCommand } from './invoke';
import { lintCommand } from './lint';
import { listCommand } from './list';
import { planCommand } from './plan';
import { preflightCommand } from './preflight/index';
import { prepareRollbackCommand } from './prepare-rollback';
import { rehearseCommand } from './rehearse';
import { reportCommand } from './report/index';
import { sandboxCommand } from './sandbox-command';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

function accountId(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError('must be 12 digits');
  return value;
}

const environmentOption = (fallback?: EnvironmentName): Option => {
  const option = new Option('-e, --environment <name>', 'which environment policy applies').choices([...ENVIRONMENTS]);
  return fallback ? option.default(fallback) : option;
};

/** Applies --profile / --region (flag > environment > config) before a verb that calls AWS; a malformed one is usage. */
async function targeted(flags: AwsTargetFlags, run: () => Promise<number>): Promise<number> {
  try {
    const target = await applyAwsTarget(flags);
    if (target.region === undefined) {
      console.error("runbook: no AWS region: pass --region (e.g. --region us-east-1), or set AWS_REGION, or a region for the profile in ~/.aws/config");
      return EXIT.usage;
    }
  } catch (error) {
    if (error instanceof AwsTargetError) {
      console.error(`runbook: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
  return run();
}

/**
 * The verbs that cannot run without an environment (review 23a R23a-18). `ack`, `incidents` and `prepare-rollback` read
 * the state table without one; `rehearse` and `exec` need one only for a document that takes the environment's values or
 * runs its Lambdas, and say so with the same words.
 */
export const NEEDS_ENVIRONMENT = new Set(['invoke', 'plan', 'history', 'kill-switch', 'preflight']);
export const NO_ENVIRONMENT = `set --environment (${ENVIRONMENTS.slice(0, -1).join(', ')} or ${ENVIRONMENTS[ENVIRONMENTS.length - 1]}) or RUNBOOK_ENVIRONMENT`;

/** Before such a verb runs: neither -e nor RUNBOOK_ENVIRONMENT is usage (64), in one message for every verb. */
function requireEnvironment(command: Command): void {
  if (!NEEDS_ENVIRONMENT.has(command.name())) return;
  const given = (command.opts() as { environment?: string }).environment;
  if (given) return;
  const shell = process.env.RUNBOOK_ENVIRONMENT;
  if (!shell) command.error(`runbook ${command.name()}: ${NO_ENVIRONMENT}`, { exitCode: EXIT.usage, code: 'commander.noEnvironment' });
  // preflight takes its environment as an option only; the shell's, as the other verbs take it, when it names one.
  if (command.name() === 'preflight') {
    if (!(ENVIRONMENTS as readonly string[]).includes(shell)) {
      command.error(`runbook preflight: RUNBOOK_ENVIRONMENT must be one of ${ENVIRONMENTS.join(', ')}, got "${shell}"`, { exitCode: EXIT.usage, code: 'commander.noEnvironment' });
    }
    command.setOptionValue('environment', shell);
  }
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('runbook')
    .description('Runbook automation for the Notification Service: remediations, runbooks and the local AWS sandbox.')
    .version(version, '-V, --version', 'the version of this runbook tool')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', (_program, command) => requireEnvironment(command));

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

  withAwsTargetOptions(
    program
      .command('invoke')
      .description('run a built handler bundle locally as Lambda would, against whatever AWS_ENDPOINT_URL (or your AWS profile) says; prints the decision as JSON')
      .argument('<handler>', 'handler name, e.g. scale-consumers')
      .option('--event <file>', 'the EventBridge event (JSON file, or - for standard input)')
      .option('--alarm <name>', "the alarm's current state as CloudWatch would send it (runbook list names the alarms); instead of --event")
      .addOption(environmentOption())
      .option('--dry-run', 'plan and report, never apply')
      .option('--unverified-account', "apply although nothing states which account the environment is in (a stated account that differs is refused anyway)")
      .option('--logs', "print the handler's structured logs on stderr")
      .addHelpText(
        'after',
        [
          '',
          "Before anything but a dry run, the account your credentials reach (STS GetCallerIdentity) must be the environment's:",
          "environments.<env>.accountId in the configuration, else the shell's RUNBOOK_ENVIRONMENT with RUNBOOK_ACCOUNT_ID (as",
          'runbook sandbox prints them; they speak for that environment only). Another account is refused; none stated is refused',
          'unless --unverified-account. Nothing is invoked when refused.',
          'Exit codes: 0 decided (applied, dry-run, skipped or escalated), 2 event rejected, or the account not verified as the',
          "environment's (nothing invoked), or no such alarm (the environment's alarms listed), 1 AWS failure (retryable), 64 usage",
          '(an unknown handler, an unreadable event file, both or neither of --event and --alarm), 69 bundle not built.',
        ].join('\n'),
      ),
    'runbook invoke scale-consumers --alarm "NotificationService Queue Depth > 1000 (notification-service-queue)" -e production',
    'writes',
  )
    .action(async (handler: string, opts: { event?: string; alarm?: string; environment?: string; dryRun?: boolean; unverifiedAccount?: boolean; logs?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => invokeCommand(handler, opts)));
    });

  program
    .command('demo')
    .description('the game-day demo on the local sandbox (what npm start runs): one scenario per row of the troubleshooting table, the escalation path and the DR standby; each fires its alarm and checks what the automation did')
    .addOption(environmentOption('production'))
    .option('--messages <n>', 'how many notifications arrive', positiveInt, 1500)
    .option('--tick-ms <ms>', 'pause between evaluation periods of the emulated alarm', positiveInt, 100)
    .option('--max-ticks <n>', 'give up after this many periods', positiveInt, 400)
    .option('--log-dir <dir>', 'where handler logs go', '.sandbox')
    .option('--only <scenario...>', 'play only these scenarios (by name)', [])
    .option('--endpoint <url>', 'play on an emulator already running at this loopback endpoint (the gap proxy\'s, as runbook sandbox prints it) instead of starting one; it is left running')
    .option('--account <id>', 'with --endpoint: the 12-digit account to provision in (default: a random one)', accountId)
    .action(async (opts: { environment: EnvironmentName; messages: number; tickMs: number; maxTicks: number; logDir: string; only: string[]; endpoint?: string; account?: string }) => {
      setExit(await demoCommand(opts));
    })
    .addHelpText('after', ['', 'Scenarios (--only NAME ...), in the order they play:', ...scenarios.map((sc) => `  ${sc.name.padEnd(20)} ${sc.title}`)].join('\n'));

  program
    .command('report')
    .description("render a game-day timeline (the JSON that runbook demo writes beside its report) as a self-contained HTML page")
    .argument('<timeline>', 'the timeline JSON, e.g. .sandbox/game-day-2026-12-05T04-31-07Z.json')
    .option('-o, --output <file>', 'where the page goes (default: beside the timeline, .html)')
    .addHelpText('after', '\nExample: runbook report .sandbox/game-day-2026-12-05T04-31-07Z.json -o review.html\nExit codes: 0 written, 2 the timeline is empty, truncated or not a game-day timeline, 64 usage, an unreadable timeline or an output file that cannot be written.')
    .action(async (timeline: string, opts: { output?: string }) => {
      setExit(await reportCommand(timeline, opts));
    });

  program
    .command('list')
    .description('the troubleshooting table as configured: issue, symptom, alarm, automatic response per environment, SSM document, escalation tier')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExit codes: 0 listed, 64 a RUNBOOK_CONFIG_JSON that is not valid JSON or not a valid configuration.')
    .action((opts: { json?: boolean }) => {
      setExit(listCommand(opts));
    });

  withAwsTargetOptions(
    program
      .command('plan')
      .description('what the automation would do now for an alarm, as a dry run that claims, changes and records nothing')
      .option('--event <file>', 'an EventBridge alarm state change event (JSON file, or - for standard input)')
      .option('--alarm <name>', "a CloudWatch alarm: its current state is planned for")
      .option('--handler <name>', 'the playbook to ask (default: the one whose alarm it is)')
      .addOption(environmentOption())
      .option('--json', 'machine-readable output')
      .addHelpText('after', '\nExit codes: 0 planned (including "nothing to do" and "escalate"), 2 event rejected, no playbook handles it, or no such alarm (the environment\'s alarms are listed), 1 AWS failure, 64 usage (including an unreadable event file).'),
    'runbook plan --alarm "NotificationService Queue Depth > 1000 (notification-service-queue)" -e production',
  )
    .action(async (opts: { event?: string; alarm?: string; handler?: string; environment?: string; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => planCommand(opts)));
    });

  withAwsTargetOptions(
    program
      .command('history')
      .description('what the automation decided and changed on a resource (an ARN, or the name of a queue, function or database it acts on): before -> after, when, why, under which environment')
      .argument('<resource>', 'resource ARN, or a queue, function or database name of the environment')
      .addOption(environmentOption())
      .option('--limit <n>', 'how many entries', positiveInt, 20)
      .option('--json', 'machine-readable output')
      .addHelpText(
        'after',
        '\nA name is looked up among the environment\'s queues, functions and databases (and its DR replicas); the records are keyed by ARN.\n' +
          'Exit codes: 0 shown (including "no automation history"), 2 a name that is none of them or more than one (the candidates are listed), 1 AWS failure, 64 usage.',
      ),
    'runbook history notification-service-db -e production',
  )
    .action(async (resource: string, opts: { environment?: string; limit: number; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => historyCommand(resource, opts)));
    });

  withAwsTargetOptions(
    program
      .command('ack')
      .description('acknowledge an escalation incident (the id in the notification): its escalation stops; it resolves when the alarm returns to OK')
      .argument('<incident>', 'incident id, e.g. inc-3f2a9c1b7d44')
      .option('--by <note>', 'a display note beside who you are (a name, a ticket): self-declared, not verified; the acknowledger recorded is your credentials\' principal (STS GetCallerIdentity)')
      .addOption(environmentOption())
      .option('--json', 'machine-readable output')
      .addHelpText(
        'after',
        '\nThe acknowledger recorded is the principal ARN of your credentials (STS GetCallerIdentity); --by only adds a self-declared note.\n' +
          'Exit codes: 0 acknowledged by you (now, or already by you), 2 nothing recorded (no such incident, not open, resolved, or already acknowledged by another principal), 1 AWS failure (STS included), 64 usage.',
      ),
    'runbook ack inc-3f2a9c1b7d44 -e production',
    'writes',
  )
    .action(async (incident: string, opts: { by?: string; environment?: string; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => ackCommand(incident, opts)));
    });

  withAwsTargetOptions(
    program
      .command('incidents')
      .description('open incidents: status, the tier notified so far, when the next tier will be, the alarm and why')
      .addOption(environmentOption())
      .option('--json', 'machine-readable output'),
    'runbook incidents -e production',
  )
    .action(async (opts: { environment?: string; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => incidentsCommand(opts)));
    });

  withAwsTargetOptions(
    program
      .command('kill-switch')
      .description("the kill switch that stops every automated change (escalations still page): status, engage (writes \"stop\") or release (writes \"off\"), then reads each region's switch back as the handlers read it")
      .argument('<action>', 'status, engage or release')
      .addOption(environmentOption())
      .option('--all-regions', "every region of the environment (each keeps its own switch), not only the run's region")
      .option('--unverified-account', "release although nothing states which account the environment is in (engaging then goes on with a warning; another account is refused for both)")
      .option('--json', 'machine-readable output')
      .addHelpText(
        'after',
        [
          '',
          'Stop all automation now:  runbook kill-switch engage -e production --all-regions',
          'Exit codes: 0 every region read back as asked (status: read), 1 a region not written or not read back as asked',
          "(the others are still set and listed) or AWS failed, 2 refused: another account than the environment's (or, to release, one nobody states),",
          '64 usage.',
        ].join('\n'),
      ),
    'runbook kill-switch status -e production',
    'writes',
  )
    .action(async (action: string, opts: { environment?: string; allRegions?: boolean; unverifiedAccount?: boolean; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => killSwitchCommand(action, opts)));
    });

  withAwsTargetOptions(
    program
      .command('prepare-rollback')
      .description("before or right after rolling back past decision 348: remove the tokens 348 writes (writeToken on RESOURCE#<arn> / STATE, refusalToken on ESCALATION-HELD) from the state table, which code before 348 refuses as forged records; a dry run unless --apply")
      .option('--apply', 'remove them (each only if it still holds the value the scan read)')
      .option('--page-size <n>', "items per scan page (default: DynamoDB's 1 MB page)", positiveInt)
      .addOption(environmentOption())
      .option('--json', 'machine-readable output')
      .addHelpText(
        'after',
        '\nScans the whole state table of the region (a DR region has its own: run it there too with --region). A token changed between the scan and its\n' +
          'removal (code at or after 348 still writing) is skipped and listed; run again once only the older code runs. A token on an item 348 never\n' +
          'writes it on is listed and never touched.\n' +
          'Exit codes: 0 dry run, or every token found removed; 2 some were skipped (changed meanwhile); 1 AWS failure; 64 usage.',
      ),
    'runbook prepare-rollback --apply -e production',
    'writes',
  )
    .action(async (opts: { apply?: boolean; pageSize?: number; environment?: string; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => prepareRollbackCommand(opts)));
    });

  program
    .command('lint')
    .description('check SSM Automation documents: structure, actions and inputs, step targets, references, AWS APIs, and that the automation role is granted every API they call')
    .argument('[files...]', 'documents or directories (default: runbooks/)')
    .option('--policy <file>', 'the IAM policy document the automation role is given (default: automation-role-policy.json beside each document)')
    .option('--no-role-policy', 'skip the role check')
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'errors only')
    .addHelpText('after', '\nErrors are what AWS would refuse or what would fail at run time; warnings are style and risk.\nExit codes: 0 no errors (warnings allowed), 1 errors found, 64 usage.')
    .action(async (files: string[], opts: { policy?: string; rolePolicy?: boolean; json?: boolean; quiet?: boolean }) => {
      setExit(await lintCommand(files, opts));
    });

  withAwsTargetOptions(
    program
      .command('rehearse')
      .description('run an SSM Automation document against the sandbox (AWS_ENDPOINT_URL): AWS APIs through the real SDK, automation Lambdas through the local bundles; shows each step and its outputs')
      .argument('<document>', 'a document file, or a name in runbooks/ (e.g. NotificationService-ScaleConsumers)')
      .option('-p, --param <name=value>', 'a document parameter (repeat for each; repeat a StringList parameter for each value)', (value: string, previous: string[]) => [...previous, value], [] as string[])
      .option('--approve', 'approve every aws:approve step')
      .option('--reject', 'reject every aws:approve step')
      .option(
        '--approve-as <principal>',
        'the IAM principal (ARN) who answers an approval, one per approval in turn (repeat); default: you. Only the approvers the document was deployed with count',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .addOption(environmentOption())
      .option('--unverified-account', "rehearse under the environment's policy although nothing states which account it is in")
      .addOption(
        new Option('--datetimes <form>', "how AWS answers' timestamps reach the document as text: json (…Z), or Python's isoformat / str (SSM's own form is not documented)")
          .choices(DATETIME_FORMS)
          .default('json'),
      )
      .option('--logs', "print the handlers' structured logs on stderr")
      .option('--json', 'machine-readable result')
      .addHelpText(
        'after',
        "\nWithout --approve/--reject an approval is asked at the prompt. The document is rehearsed as deployed to the environment: its approvers, ladders and caps come from the configuration, never from parameters.\n" +
          "A document that runs automation Lambdas or takes the environment's values runs only in the environment's account: environments.<env>.accountId, else the shell's RUNBOOK_ENVIRONMENT with RUNBOOK_ACCOUNT_ID (runbook sandbox prints them); none stated is refused unless --unverified-account.\n" +
          "Exit codes: 0 success, 1 a step failed (the project's documents fail themselves when the automation they invoke changed nothing, its answer in the message), or AWS_ENDPOINT_URL could not be reached (nothing run), 2 the document fails the linter, or the account is not verified as the environment's (nothing run), 3 it ran to the end but the automation it invoked answered escalate, rejected, or duplicate delivery of a state change it had escalated (a document without that check; it changed nothing: a warning says why), 64 usage or parameters, 69 an action or Lambda the rehearsal cannot run (e.g. a bundle not built).",
      ),
    'runbook rehearse NotificationService-ScaleConsumers -p QueueName=notification-service-queue -e production',
    'writes',
  )
    .action(async (document: string, opts: { param: string[]; approve?: boolean; reject?: boolean; approveAs: string[]; environment?: string; unverifiedAccount?: boolean; datetimes?: DatetimeForm; logs?: boolean; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => rehearseCommand(document, opts)));
    });

  withAwsTargetOptions(
    program
      .command('exec')
      .description('start an SSM Automation runbook (StartAutomationExecution) and follow it step by step until it ends: progress, outputs, failures; answers an approval step. On the sandbox (AWS_ENDPOINT_URL on 127.0.0.1) it is rehearsed instead')
      .argument('<document>', 'the Automation document name, e.g. NotificationService-ScaleConsumers (runbook list shows them)')
      .option('-p, --param <name=value>', 'a document parameter (repeat for each; repeat a StringList parameter for each value)', (value: string, previous: string[]) => [...previous, value], [] as string[])
      .option('--approve', "approve its aws:approve step yourself: only for a document whose approvers include you and do not exclude its requester (the project's gated documents refuse an approval by whoever started them, decision 202: there the approver answers the printed send-automation-signal command)")
      .option('--reject', 'reject its aws:approve step')
      .option('--comment <text>', 'the comment sent with --approve / --reject')
      .addOption(environmentOption())
      .option('--unverified-account', "sandbox: rehearse under the environment's policy although nothing states which account it is in")
      .option('--logs', "sandbox: print the handlers' structured logs on stderr")
      .option('--json', 'machine-readable summary: execution id, status, steps, outputs')
      .addHelpText(
        'after',
        [
          '',
          'Against AWS it uses your usual credentials (AWS_PROFILE, AWS_REGION). Without --approve/--reject an approval is',
          'asked at the prompt; with no terminal, exec prints the aws ssm send-automation-signal command for an approver and',
          'keeps following. Ctrl-C stops following, not the execution.',
          '',
          'Examples:',
          '  runbook exec NotificationService-ScaleConsumers --param QueueName=notification-service-queue',
          '  runbook exec NotificationService-ScaleUpDatabase -p DBInstanceIdentifier=notification-service-db -p TargetInstanceClass=db.r6g.2xlarge',
          '    (a gated change: the requester does not approve it, the document refuses that (decision 202). At the prompt press',
          "    Enter to leave it to another approver; exec prints the aws ssm send-automation-signal command that one runs.)",
          '',
          'Against AWS the document deployed in the account runs with that account\'s own approvers and gates; -e changes nothing',
          "there. On the sandbox the rehearsal checks the account as rehearse does (see runbook rehearse --help).",
          '',
          'Exit codes: 0 success, 1 the execution failed (the project\'s documents fail themselves when the automation they',
          'invoke changed nothing, its answer in the message), timed out or was cancelled, or AWS failed or could not be reached',
          '("cannot reach AWS at ...: nothing run"), 2 unknown document or',
          "bad --param (sandbox: or the account not verified as the environment's), 3 success but the automation it invoked",
          'answered escalate, rejected, or duplicate delivery of a state change it had escalated (a document without that check;',
          'it changed nothing: a warning says why), 64 usage, 69 sandbox only: an action or Lambda the',
          'rehearsal cannot run (e.g. a bundle not built).',
        ].join('\n'),
      ),
    'runbook exec NotificationService-ScaleConsumers -p QueueName=notification-service-queue',
    'writes',
  )
    .action(async (document: string, opts: { param: string[]; approve?: boolean; reject?: boolean; comment?: string; environment?: string; unverifiedAccount?: boolean; logs?: boolean; json?: boolean } & AwsTargetFlags) => {
      setExit(await targeted(opts, () => execCommand(document, opts)));
    });

  withAwsTargetOptions(
    program
      .command('preflight')
      .description('before the first real alarm: is a deployed environment wired correctly? Read-only checks of the watched resources and the environment matrix, alarms and their routing, handlers and their roles (IAM policy simulation), kill switch, tier subscriptions, the Support API, SSM documents and Scheduler; one PASS / WARN / FAIL line each, with what to do')
      .addOption(environmentOption())
      .option('--json', 'machine-readable report')
      .option('--strict', 'a gate that stops on warnings too: exit 4 when a check warned and none failed (e.g. a grant admitting callers by address range only)')
      .addHelpText(
        'after',
        [
          '',
          'Example: runbook preflight -e production --strict',
          'Exit codes: 0 nothing failed (warnings allowed, unless --strict), 1 a check failed, 4 --strict only: nothing failed',
          'but a check warned (a WARN is for a person to judge: a grant admitting callers by address range only, drift the',
          'automation made), 64 usage or configuration.',
        ].join('\n'),
      ),
    'runbook preflight -e production',
  ).action(async (opts: { environment: EnvironmentName; json?: boolean; strict?: boolean } & AwsTargetFlags) => {
    setExit(await targeted(opts, () => preflightCommand(opts)));
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
