// Pure: the NEXT STEP of an escalation, chosen by its cause: a document only where running it can change the outcome.
import type { IncidentCause } from './incident';
import { shellQuote } from './next-step';

/** What the message knows when it chooses the step. */
export interface CauseStepContext {
  /** The incident's cause (an IncidentCause; anything else gets the generic step). */
  cause: string;
  /** The playbook of the decision that opened the incident or started its watch. */
  playbook?: string;
  environment: string;
  guardrail?: string;
  /** That decision's outcome (a `still-firing` incident opens on an applied or dry-run decision). */
  outcome?: string;
  /** The resource the decision was about (queue, function, database, API), by name. */
  resourceId?: string;
  /** The document the decision named for this situation (Decision.runbook), already checked to be the project's. */
  named?: string;
  /** The troubleshooting row's runbook, when it has one. */
  rowRunbook?: string;
  /** The incident's alarm and region, for the `runbook plan` command a step names. */
  alarmName?: string;
  region?: string;
  /** Who approves the documents' changes and where their requests go, as deployed where the documents run (review 11a finding 8). */
  approvals?: ApprovalRouting;
}

/** The documents' approvers (ARNs) and the SNS topic their aws:approve steps send each request to. */
export interface ApprovalRouting {
  approvers: readonly string[];
  minRequiredApprovals: number;
  topicArn: string;
}

/** Who must approve and where the request goes, so L1 knows whom to reach; nothing when it is not known. */
function approvalLines(ctx: CauseStepContext): string[] {
  const a = ctx.approvals;
  if (!a) return [];
  const who = a.approvers.length === 1 ? `its approver ${a.approvers[0] ?? ''}` : `${a.minRequiredApprovals} of its approvers (${a.approvers.join(', ')})`;
  return [
    `Approval: ${who} must approve; the document sends the request to the SNS topic ${a.topicArn}, which the approvers subscribe to. Whoever starts it must not be an approver (the document refuses that before asking).`,
  ];
}

/**
 * The step: what to do, in a title and a few lines, and which document to offer as the command and console link:
 * `named` (the decision's), `row` (the row's runbook), or none (the step is not a document run).
 */
export interface CauseStep {
  title: string;
  lines: string[];
  run?: 'named' | 'row';
}

/** Where the configuration a cap lives in is changed (README "Configuration"; infra passes the same JSON to the handlers). */
function configSetting(environment: string, path: string): string {
  return `environments.${environment}.${path} in the runbook configuration (RUNBOOK_CONFIG_JSON, the JSON \`cdk deploy -c config=...\` takes), then deploy`;
}

/** Why the row's runbook is not offered: it runs the same Lambda on the same alarm state, which decides the same way. */
function noRerun(ctx: CauseStepContext, why: string): string {
  return ctx.rowRunbook ? `Re-running ${ctx.rowRunbook} will not help: it invokes the same automation, which ${why}.` : `There is no document for this: the automation ${why}.`;
}

// The commands a page prints are shell-quoted: a resource or alarm name is text from a decision, and a person pastes
// the line into a shell (review 12, R12-3: no command in a page interpolates such text as it came).
const historyOf = (ctx: CauseStepContext): string => `runbook history ${ctx.resourceId ? shellQuote(ctx.resourceId) : '<resource>'}`;

/** The preview of what the automation would do now (`runbook plan`: it claims, changes and records nothing). */
const planCommand = (ctx: CauseStepContext): string =>
  `\`runbook plan --alarm ${ctx.alarmName ? shellQuote(ctx.alarmName) : '"<alarm name>"'} -e ${shellQuote(ctx.environment)}${ctx.region ? ` --region ${shellQuote(ctx.region)}` : ''}\``;

/** What the row's document does for a state change the automation recorded as handled (its claim is completed): it decides afresh. */
function alreadyHandled(ctx: CauseStepContext): string {
  return ctx.rowRunbook
    ? `${ctx.rowRunbook} invokes the same automation, which decides a document run afresh on the alarm's current state (decision 379): run it once the cause is fixed, and the same guardrails apply.`
    : 'This row has no document: the change is made by hand.';
}

function namedStep(ctx: CauseStepContext, lines: string[]): CauseStep {
  return { title: `Run ${ctx.named ?? ''}`, lines, run: 'named' };
}

function capReached(ctx: CauseStepContext): CauseStep {
  const refuses = noRerun(ctx, 'stops at the same cap');
  switch (ctx.playbook) {
    case 'scale-consumers':
      return {
        title: 'Find why the consumers cannot keep up; raising their cap is a configuration change',
        lines: [
          "First look at the consumer function's Errors, Throttles and Duration, its log group and the queue's DLQ: a consumer that fails, is throttled or waits on the database drains no faster with more concurrency.",
          `The cap is ${configSetting(ctx.environment, 'scaleConsumers.maxConcurrency')} (AWS allows at most 1000). Where the reason names reserved or account concurrency, that is the function's reserved concurrency or the account's Lambda concurrency quota (Service Quotas).`,
          refuses,
        ],
      };
    case 'raise-lambda-memory':
      return {
        title: 'Find what exhausts memory; raising the memory cap is a configuration change',
        lines: [
          "Look at the function's log group for what runs out of memory (a leak, a larger payload or batch): at the cap, more memory is rarely the fix.",
          `The cap is ${configSetting(ctx.environment, 'raiseLambdaMemory.maxMemoryMb')} (Lambda allows at most 10240 MB; an account ceiling AWS enforced is named in the reason).`,
          refuses,
        ],
      };
    case 'scale-up-database':
      return {
        title: 'Find the load on the database; a larger class is off the ladder',
        lines: [
          'Look at the queries (Performance Insights, pg_stat_statements) and the connections (NotificationService-CheckDbConnections reads connections, CPU and replica lag): at the top class, the load is rarely a capacity problem.',
          `The ladder is ${configSetting(ctx.environment, 'scaleUpDatabase.ladder')}; a class above it is a change request.`,
          refuses,
        ],
      };
    default:
      return { title: 'Look at the cause behind the load; raising the cap is a configuration change', lines: [`The environment's caps are under environments.${ctx.environment} in the runbook configuration.`, refuses] };
  }
}

function guardrail(ctx: CauseStepContext): CauseStep {
  const offered = ctx.named && ctx.guardrail !== 'dr-region';
  const held = `A person may make the planned change (before -> after above) with ${ctx.named ?? 'its document'}, behind approval, once the history shows it is wanted.`;
  switch (ctx.guardrail) {
    case 'dr-region':
      return {
        title: 'Decide whether the primary region is lost; the standby is not scaled',
        lines: [
          'This region holds the standby: the automation changes nothing here while it serves no traffic.',
          'If the primary region is lost, fail over (NotificationService-FailoverToDR, behind approval); otherwise work the primary region\'s incident.',
          noRerun(ctx, 'is held back the same way in this region'),
        ],
      };
    // Decision 379: the kill switch held back a change the alarm calls for; the incident opens at once (no watch).
    case 'kill-switch': {
      const lines = [
        'The kill switch is engaged: the automation made no change. The change above (before -> after) is what it would have made.',
        ctx.rowRunbook
          ? `If the change is wanted: put the switch back to off (the notice at the top of this message gives the command), then run ${ctx.rowRunbook}: a document run is decided afresh on the alarm's current state, not answered as a duplicate of this alarm's event. While the switch is engaged the document changes nothing either: make the change by hand (${historyOf(ctx)} shows the resource's recorded settings).`
          : 'If the change is wanted: make it by hand, or put the switch back to off; the automation acts again on the alarm\'s next state change.',
      ];
      return ctx.rowRunbook ? { title: `The kill switch held back the change: put the switch back to off and run ${ctx.rowRunbook}, or make it by hand`, lines, run: 'row' } : { title: 'The kill switch held back the change: make it by hand', lines };
    }
    case 'cooldown':
    case 'hourly-budget': {
      const lines = [
        `The automation changed this resource recently and holds back another change (${ctx.guardrail}): see what it changed and whether that took effect (${historyOf(ctx)}).`,
        'Repeated changes mean the alarm flaps or the change does not help: look at the cause, not another step.',
        offered ? held : noRerun(ctx, 'is held back by the same guardrail'),
      ];
      return offered ? namedStep(ctx, lines) : { title: `Look at the recent changes (${ctx.guardrail})`, lines };
    }
    default: {
      const lines = [`The change was blocked by the ${ctx.guardrail ?? 'a'} guardrail: the reason says why.`, offered ? held : noRerun(ctx, 'is blocked the same way')];
      return offered ? namedStep(ctx, lines) : { title: 'Decide about the blocked change', lines };
    }
  }
}

/** One rule per cause: the compiler refuses a cause without one. */
const CAUSE_STEPS: Record<IncidentCause, (ctx: CauseStepContext) => CauseStep> = {
  // The claim of this state change is completed with the escalation: the automation's own deliveries of it are
  // duplicates (decision 150), while a document run of it is decided afresh (decision 379, amending 167).
  failure: (ctx) => ({
    title: 'Fix the error, then make the change by hand',
    lines: [
      'The remediation failed with the error above: fix what it names first (a missing permission, a resource that is gone, a throttled API).',
      `Then make the change by hand, as the automation planned it (${planCommand(ctx)} shows what it would change now, and changes nothing): the automation recorded this alarm state change as handled and will not act on its events again.`,
      alreadyHandled(ctx),
    ],
  }),
  'alarm-time-unknown': (ctx) => ({
    title: "Check the alarm's history, then make the planned change by hand if it is still wanted",
    lines: [
      "CloudWatch answered the alarm without a state timestamp, so the automation could not tell whether this state change is still the alarm's current one, and changed nothing (the reason names what it planned).",
      `Look at the alarm's history in CloudWatch: if it is still in this state change and the change is still wanted, make it by hand (${planCommand(ctx)} shows what the automation would change now, and changes nothing).`,
      alreadyHandled(ctx),
    ],
  }),
  // The alarm fired but the playbook's own reading did not bear it out (decision 217): find out which is true first.
  'not-corroborated': (ctx) => ({
    title: 'Find out why the alarm fired: a test of the alarm, or a condition that passed before it was read',
    lines: [
      "The alarm is in ALARM, but what the automation read (the reason names it) does not show the condition, so it changed nothing. Look at the alarm's history in CloudWatch and at CloudTrail for SetAlarmState on it: CloudWatch's testing call moves an alarm without its metric.",
      `If the condition is real (it shows in the metric now, or the reading lagged), make the change by hand (${planCommand(ctx)} shows what the automation would change now, and changes nothing).`,
      alreadyHandled(ctx),
    ],
  }),
  'cap-reached': capReached,
  guardrail,
  'consumer-failing': (ctx) => ({
    title: "Look at the consumer's errors; more consumers would fail faster",
    lines: [
      "Read the consumer function's log group and the queue's DLQ: poison messages or a failing dependency. Fix or redrive them; scaling resumes on the alarm's next state change once the error rate is back under the threshold.",
      noRerun(ctx, 'refuses to scale a failing consumer the same way'),
    ],
  }),
  'approval-required': (ctx) =>
    ctx.named
      ? namedStep(ctx, [
          `In ${ctx.environment} this change is made by a person: ${ctx.named} makes the planned change (before -> after above) after a configured approver approves.`,
          ...approvalLines(ctx),
        ])
      : {
          title: 'Make the planned change through your change process',
          lines: [
            `In ${ctx.environment} this change needs approval and no document makes it: make the planned change (before -> after above) by hand.`,
            noRerun(ctx, 'stops at the same approval requirement'),
          ],
        },
  diagnosis: (ctx) => {
    if (ctx.named) return namedStep(ctx, ['The diagnosis above names a fix this document makes behind approval; it re-checks the finding before anyone is asked.', ...approvalLines(ctx)]);
    if (ctx.playbook === 'watch-standby' && ctx.rowRunbook) {
      return {
        title: `If the primary region is lost: run ${ctx.rowRunbook} (asks for approval)`,
        lines: ['Otherwise fix the standby as the findings say: a failover is a decision, never a reflex.', ...approvalLines(ctx)],
        run: 'row',
      };
    }
    return {
      title: 'Act on the diagnosis above',
      lines: [
        'The automation only diagnoses here and changed nothing: the findings name the likely cause and, where it has one, its fix.',
        ...(ctx.playbook === 'check-db-connections'
          ? ['Connections saturated: find the client holding them before raising max_connections; CPU high: NotificationService-ScaleUpDatabase (asks for approval where required); replica lag: the replica\'s class and the write load.']
          : []),
        noRerun(ctx, 'would read the same'),
      ],
    };
  },
  'not-applicable': (ctx) => ({
    title: 'Fix what the reason names; the automatic response does not fit the resource as it is',
    lines: [
      ctx.playbook === 'scale-consumers'
        ? 'No enabled event source mapping consumes the queue: check that the consumer is deployed and its mapping enabled.'
        : 'The reason says what does not fit (an instance that is not available, a class off the ladder): a person decides.',
      noRerun(ctx, 'refuses the same way'),
    ],
  }),
  'publish-required': (ctx) => {
    const lines = [
      'The function is invoked through a published version: set the memory, publish a new version and move the alias to it (and put the memory in your IaC).',
      ...(ctx.named ? [`${ctx.named} sets the memory of $LATEST behind approval; the publish and the alias move stay yours.`] : [noRerun(ctx, 'stops the same way')]),
    ];
    return ctx.named ? namedStep(ctx, lines) : { title: 'Publish a new version with the memory, and move the alias', lines };
  },
  'cross-playbook': (ctx) => ({
    title: 'Work the database first: more consumers would make it worse',
    lines: [
      'The database is saturated (the reason names it and the figures): each consumer holds a connection, so more consumers would push it further past max_connections and slow every consumer.',
      "Find the database's incident (runbook incidents: the High Latency or CPU alarm): NotificationService-CheckDbConnections reads connections, CPU and replica lag; NotificationService-ScaleUpDatabase raises the class (asks for approval where required).",
      `Scale-consumers holds back until check-db-connections reads the database below the threshold. ${noRerun(ctx, 'holds back the same way while the database is saturated')}`,
    ],
  }),
  'made-worse': (ctx) => ({
    title: 'Do not re-apply the change: find why it made things worse',
    lines: [
      `After its change the automation's health check found the row's signal worse (figures above). The reason says whether it reverted the change; if it says "not reverted", put the before value back by hand (${historyOf(ctx)}).`,
      ctx.rowRunbook ? `Do not run ${ctx.rowRunbook}: it would make the same change again.` : 'Do not make the same change again.',
    ],
  }),
  unverifiable: (ctx) => ({
    title: "Check the change's effect by hand: its health signal had no data",
    lines: [
      `The change stands, unjudged: read the signal the findings name in CloudWatch, and keep the change or revert it to the before value (${historyOf(ctx)}).`,
      'Missing data can also mean the metric stopped (a deleted resource, an outage): check that the resource is there.',
    ],
  }),
  'still-firing': (ctx) => {
    const lines = [
      ctx.outcome === 'dry-run'
        ? 'The automation only planned (dry run: report-only environment or DRY_RUN; the reason says which): nothing was changed.'
        : `The automation's change did not clear the alarm: check that it took effect (${historyOf(ctx)}) and what else drives the signal.`,
      'The automation takes one step per alarm state change: it will not step again while this one stands.',
      ...(ctx.named ? [`${ctx.named} makes the planned change behind approval.`] : []),
    ];
    return ctx.named ? namedStep(ctx, lines) : { title: 'Find why the alarm still fires', lines };
  },
  // Never the failover document: the region already serves (review 11a, finding 6).
  'region-serving': (ctx) => ({
    title: 'This region serves since a failover: the standby watch no longer applies; switch regionRoles and redeploy',
    lines: [
      `Set environments.${ctx.environment}.regionRoles so that this region is primary (and the old primary is dr, once it is rebuilt as a standby), then deploy: this region's stack then has the primary alarms and playbooks, and the standby alarms are gone.`,
      "Until then the standby alarms stay in ALARM (a promoted database publishes no ReplicaLag, which the lag alarm counts as breaching): this notice is sent once and climbs no further; acknowledge it. The service's incidents are this region's now (runbook incidents --region of this region).",
      'Do not run NotificationService-FailoverToDR again: the replica is already promoted. The way back is NotificationService-FailbackToPrimary.',
    ],
  }),
  // A notice (review 12 R12-4): the queue drained and the consumers stayed scaled up; never the row's runbook (it runs the
  // same automation into the same guardrail) and never a climb.
  'restore-held': (ctx) => ({
    title: 'Not urgent: the queue drained but the consumers stay scaled up; restore them to their baseline when convenient',
    lines: [
      'The automation did not put the consumers back to the baseline it recorded at the scale-up: the reason says why (a guardrail such as the hourly budget or the DR region guard, or a failed call). Nothing is down: the consumers are over-provisioned, a cost, and the next drain of the queue tries the restore again.',
      `To restore now: ${historyOf(ctx)} shows the scale-up and the values before it; put MaximumConcurrency back with aws lambda update-event-source-mapping --uuid <mapping uuid> --scaling-config MaximumConcurrency=<value before> (and reserved concurrency, if the scale-up raised it).`,
      'This notice is sent to the first tier once and climbs no further; an applied restore resolves it, else acknowledge it once the consumers are back.',
    ],
  }),
  alarm: () => ({
    title: 'Look at the errors: this row has no automatic response',
    lines: ['The troubleshooting table says "alert and escalate": the findings list the most frequent errors; the function\'s log group has the rest.'],
  }),
};

/** A cause this code does not know (a newer handler's): the step says so, offers nothing. */
function unknownCause(ctx: CauseStepContext): CauseStep {
  return { title: 'Read the reason above', lines: [`The cause "${ctx.cause}" has no step of its own here: read the reason and the findings.`] };
}

export function isIncidentCause(cause: string): cause is IncidentCause {
  return Object.hasOwn(CAUSE_STEPS, cause);
}

export function nextStepForCause(ctx: CauseStepContext): CauseStep {
  const step = isIncidentCause(ctx.cause) ? CAUSE_STEPS[ctx.cause](ctx) : unknownCause(ctx);
  // A step can offer only a document that exists.
  if ((step.run === 'named' && !ctx.named) || (step.run === 'row' && !ctx.rowRunbook)) {
    const { run: _none, ...rest } = step;
    return rest;
  }
  return step;
}
