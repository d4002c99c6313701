// Every command a message prints starts its document: the table of declared parameters is the documents' own, and each
// row's and cause's command passes the parameter check `runbook rehearse` makes (review 11a, finding 4).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../../shared/config/defaults';
import { parseAutomationConfig } from '../../../shared/config/load-config';
import { configuredParameters, documentParameters, DOCUMENT_PARAMETERS } from '../../../shared/escalation/document-parameters';
import { INCIDENT_CAUSES, type Incident } from '../../../shared/escalation/incident';
import { buildMessageView } from '../../../shared/escalation/message-view';
import { renderEmail } from '../../../shared/escalation/render-email';
import { readRunbook, type RunbookModel } from '../../../shared/runbooks/document';
import { renderLoadedRunbook } from '../../../shared/runbooks/rendered-runbook';
import { runbookFor } from '../../../shared/playbooks/connection-timeout-plan';
import { RehearsalInputError, resolveParameters } from '../../../sandbox/rehearsal/parameters';
import { ACCOUNT, capReachedIncident, policy, runtime } from './fixtures';

const RUNBOOKS = join(__dirname, '..', '..', '..', 'runbooks');
const config = parseAutomationConfig(defaultConfig);
const rows = runtime().config.troubleshooting;

/**
 * The document as `runbook rehearse` checks parameters against it: rendered for the account and region (cli/rehearse.ts).
 * Read and rendered once per document and region: the NEXT STEP loop below checks hundreds of commands against the same
 * few documents, and resolveParameters only reads the model.
 */
const deployedModels = new Map<string, RunbookModel>();
function deployed(documentName: string, region: string): RunbookModel {
  const key = `${documentName} ${region}`;
  const cached = deployedModels.get(key);
  if (cached) return cached;
  const model = renderLoadedRunbook(readRunbook(join(RUNBOOKS, `${documentName}.yaml`)), config, 'production', { account: ACCOUNT, partition: 'aws', region }).model;
  if (!model) throw new Error(`${documentName} did not render`);
  deployedModels.set(key, model);
  return model;
}

/** rehearse's own check (sandbox/rehearsal/parameters.ts resolveParameters): the problems it lists, none when it starts. */
function refusal(documentName: string, parameters: Record<string, string[]>, region: string): string[] {
  try {
    resolveParameters(deployed(documentName, region), parameters);
    return [];
  } catch (error) {
    if (error instanceof RehearsalInputError) return [...error.problems];
    throw error;
  }
}

describe('DOCUMENT_PARAMETERS', () => {
  const documents = readdirSync(RUNBOOKS)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();

  it('lists every document in runbooks/ and no other', () => {
    expect(Object.keys(DOCUMENT_PARAMETERS).sort()).toEqual(documents);
  });

  it.each(documents)('%s: the same parameters as the deployed document, required exactly where it gives no default', (documentName) => {
    const model = deployed(documentName, 'us-east-1');
    expect(DOCUMENT_PARAMETERS[documentName]).toEqual(Object.fromEntries(Object.values(model.parameters).map((p) => [p.name, p.hasDefault ? 'optional' : 'required'])));
  });
});

const recordPair = configuredParameters({ hostedZoneId: 'Z0123456789ABCDEFGHIJ', failoverRecordName: 'api.notification.example.com.' });

/** What each row's playbook acts on, in the field (each playbook's resolveTarget), in the region it runs. */
const RESOURCES: ReadonlyArray<[playbook: string, region: string, resource: { type: string; id: string; arn: string }]> = [
  ['scale-consumers', 'us-east-1', { type: 'sqs-queue-consumers', id: 'notification-service-queue', arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:notification-service-queue` }],
  ['raise-lambda-memory', 'us-east-1', { type: 'lambda-function', id: 'notification-service-consumer', arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:notification-service-consumer` }],
  ['inspect-security-groups', 'us-east-1', { type: 'lambda-function', id: 'notification-service-consumer', arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:notification-service-consumer` }],
  ['check-db-connections', 'us-east-1', { type: 'rds-db-instance', id: 'notification-service-db', arn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:notification-service-db` }],
  ['scale-up-database', 'us-east-1', { type: 'rds-db-instance', id: 'notification-service-db', arn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:notification-service-db` }],
  ['alert-error-rate', 'us-east-1', { type: 'lambda-function', id: 'notification-service-consumer', arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:notification-service-consumer` }],
  ['watch-standby', 'us-west-2', { type: 'rds-db-instance', id: 'notification-service-db-replica', arn: `arn:aws:rds:us-west-2:${ACCOUNT}:db:notification-service-db-replica` }],
  ['watch-standby', 'us-west-2', { type: 'sqs-queue', id: 'notification-service-queue', arn: `arn:aws:sqs:us-west-2:${ACCOUNT}:notification-service-queue` }],
];

/** The runbook each playbook names in its decision (Decision.runbook), as its plan builds it. */
const connectionFix = runbookFor(
  'NotificationService-TroubleshootConnectionTimeout',
  {
    api: 'AuthorizeSecurityGroupIngress',
    input: { GroupId: 'sg-0123456789abcdef0', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-0fedcba9876543210', Description: 'consumer to database' }] }] },
  } as Parameters<typeof runbookFor>[1],
  'notification-service-api',
);
const NAMED: Readonly<Record<string, { documentName: string; parameters: Record<string, string[]> } | undefined>> = {
  'raise-lambda-memory': { documentName: 'NotificationService-RaiseLambdaMemory', parameters: { FunctionName: ['notification-service-consumer'], MemorySize: ['768'] } },
  'scale-up-database': { documentName: 'NotificationService-ScaleUpDatabase', parameters: { DBInstanceIdentifier: ['notification-service-db'], TargetInstanceClass: ['db.r6g.2xlarge'] } },
  'inspect-security-groups': connectionFix,
};

const guardrails = [undefined, 'cooldown', 'hourly-budget', 'dr-region'];
const outcomes = ['escalate', 'applied', 'dry-run'];

function incidentFor(cause: string, playbook: string, region: string, resource: { type: string; id: string; arn: string }, extra: { guardrail?: string; outcome: string; named: boolean }): Incident {
  const named = extra.named ? NAMED[playbook] : undefined;
  return capReachedIncident({
    region,
    cause,
    decision: {
      key: 'k',
      playbook,
      outcome: extra.outcome,
      reason: 'a real reason',
      decidedAt: '2026-11-25T14:00:04.512Z',
      dryRun: extra.outcome === 'dry-run',
      cause,
      resource,
      ...(extra.guardrail ? { guardrail: extra.guardrail } : {}),
      ...(named ? { runbook: named } : {}),
    },
  });
}

describe("every message's NEXT STEP command", () => {
  it('the connection fix the inspection names is a document run (the fixture is what the plan builds)', () => {
    expect(connectionFix?.parameters.SecurityGroupId).toEqual(['sg-0123456789abcdef0']);
  });

  describe.each([
    ['with the failover record pair configured', recordPair],
    ['with no failover record pair configured (the default)', configuredParameters(undefined)],
  ])('%s', (_case, configured) => {
    it('starts its document: every row, cause, guardrail, outcome, with and without a named runbook, passes rehearse\'s parameter check', () => {
      const printed = new Set<string>();
      const refused: string[] = [];
      // Resolved once for every view below (each resolution zod-parses the whole configuration); buildMessageView only reads it.
      const production = policy('production');
      const firstTier = production.tiers[0]!;
      for (const cause of INCIDENT_CAUSES) {
        for (const [playbook, region, resource] of RESOURCES) {
          for (const guardrail of guardrails) {
            for (const outcome of outcomes) {
              for (const named of [false, true]) {
                const incident = incidentFor(cause, playbook, region, resource, { ...(guardrail ? { guardrail } : {}), outcome, named });
                const view = buildMessageView({ kind: 'opened', incident, tier: firstTier, sent: [], policy: production, rows, now: new Date('2026-11-25T14:00:06.000Z'), configured });
                const run = view.nextStep?.run;
                if (!run) continue;
                printed.add(`${run.documentName} for ${resource.id}`);
                const problems = refusal(run.documentName, run.parameters, region);
                if (problems.length > 0) refused.push(`${cause} ${playbook} ${resource.id} ${guardrail ?? '-'} ${outcome}: ${run.command} -> ${problems.join('; ')}`);
                // The email prints the command that was checked.
                expect(renderEmail(view).text).toContain(run.command);
              }
            }
          }
        }
      }
      expect(refused).toEqual([]);
      // Documents are printed at all (the check above is not vacuous).
      const failovers = ['NotificationService-FailoverToDR for notification-service-db-replica', 'NotificationService-FailoverToDR for notification-service-queue'];
      expect([...printed].sort()).toEqual(
        [
          'NotificationService-RaiseLambdaMemory for notification-service-consumer',
          'NotificationService-ScaleUpDatabase for notification-service-db',
          'NotificationService-TroubleshootConnectionTimeout for notification-service-consumer',
          ...(configured.HostedZoneId?.value ? failovers : []),
        ].sort(),
      );
    });
  });

  it('says what the failover needs instead of printing a command SSM would refuse', () => {
    const incident = incidentFor('diagnosis', 'watch-standby', 'us-west-2', RESOURCES[6]![2], { outcome: 'escalate', named: false });
    const view = buildMessageView({ kind: 'opened', incident, tier: policy('production').tiers[0]!, sent: [], policy: policy('production'), rows, now: new Date('2026-11-25T14:00:06.000Z'), configured: configuredParameters(undefined) });
    expect(view.nextStep?.run).toBeUndefined();
    expect(view.nextStep?.lines.join('\n')).toContain(
      'No command is printed for NotificationService-FailoverToDR: it requires HostedZoneId (environments.production.disasterRecovery.hostedZoneId, not set) and RecordName (environments.production.disasterRecovery.failoverRecordName, not set)',
    );
  });
});

describe('documentParameters', () => {
  it.each([
    ['the DR replica as FailoverToDR names it', 'NotificationService-FailoverToDR', { resource: { id: 'r', arn: 'arn:aws:rds:us-west-2:1:db:r' }, configured: recordPair }, { ReplicaDBInstanceIdentifier: ['r'], HostedZoneId: ['Z0123456789ABCDEFGHIJ'], RecordName: ['api.notification.example.com.'] }],
    ['the database as ScaleUpDatabase names it, the class from the decision', 'NotificationService-ScaleUpDatabase', { resource: { id: 'db', arn: 'arn:aws:rds:us-east-1:1:db:db' }, named: { TargetInstanceClass: ['db.r6g.2xlarge'] } }, { DBInstanceIdentifier: ['db'], TargetInstanceClass: ['db.r6g.2xlarge'] }],
    ['no resource for a document that takes none of its kind', 'NotificationService-ScaleConsumers', { resource: { id: 'fn', arn: 'arn:aws:lambda:us-east-1:1:function:fn' } }, {}],
  ])('fills %s', (_case, documentName, sources, parameters) => {
    expect(documentParameters(documentName, { environment: 'production', ...sources })).toEqual({ ok: true, parameters });
  });

  it.each([
    ['a parameter the document does not declare', 'NotificationService-FailoverToDR', { named: { DBInstanceIdentifier: ['r'] }, configured: recordPair }, { ok: false, missing: [], unknown: ['DBInstanceIdentifier'] }],
    ['a required parameter nobody supplies', 'NotificationService-TroubleshootConnectionTimeout', {}, { ok: false, missing: ['SecurityGroupId', 'SourceSecurityGroupId', 'Port'], unknown: [] }],
    ['a document that is not the project\'s', 'AWS-RestartEC2Instance', {}, { ok: false, missing: [], unknown: ['AWS-RestartEC2Instance is not a project document'] }],
  ])('refuses %s', (_case, documentName, sources, result) => {
    expect(documentParameters(documentName, { environment: 'production', ...sources })).toEqual(result);
  });
});
