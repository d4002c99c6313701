// Only the default version of a runbook document may be started (review 13 R13-15, decision 221), judged by the IAM
// policy simulator (moto enforces no IAM): the automation role's grant for a document's aws:executeAutomation step, and
// the policy README gives the people who start runbooks (docs/iam/runbook-starter-policy.json). An earlier version may
// lack a later check (the pre-202 FailoverToDR has no requester-is-not-approver step), so naming it must be refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addAutomationRole, readRunbookDocument } from '../../infra/lib/constructs/runbook-documents';
import { watchedResources } from '../../shared/config/alarm-specs';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { deployedRoles, type DeployedRole, type PolicyDocument } from './support/cfn-policies';
import { editCondition, editStatements, policyFindings, simulate, type SimulatedCall, type SimulationPrincipal } from './support/iam-simulation';
import { ROOT_DIR, type CfnTemplate } from './support/synth';
import { mayAssume, type PolicyDoc } from '../support/trust-oracle';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const ROLE_NAME = `notification-runbooks-automation-${REGION}`;
const PARENT = 'NotificationService-StartsAnother';
const CHILD = 'NotificationService-ScaleConsumers';
const GATED = 'NotificationService-FailoverToDR';
const ssmArn = (resource: string): string => `arn:aws:ssm:${REGION}:${ACCOUNT}:${resource}`;

/** The automation role as addAutomationRole builds it for a document whose step starts another document. */
function automationRoleStartingAnother(): DeployedRole {
  const dir = mkdtempSync(join(tmpdir(), 'start-version-'));
  try {
    writeFileSync(
      join(dir, `${PARENT}.yaml`),
      [
        "schemaVersion: '0.3'",
        'description: Starts ScaleConsumers as a child automation',
        "assumeRole: '{{ AutomationAssumeRole }}'",
        'parameters:',
        '  AutomationAssumeRole:',
        '    type: String',
        'mainSteps:',
        '  - name: runChild',
        '    action: aws:executeAutomation',
        '    inputs:',
        `      DocumentName: ${CHILD}`,
        '',
      ].join('\n'),
    );
    const parent = readRunbookDocument(join(dir, `${PARENT}.yaml`));
    const child = readRunbookDocument(join(ROOT_DIR, 'runbooks', `${CHILD}.yaml`));
    const app = new App();
    const stack = new Stack(app, 'Docs', { env: { account: ACCOUNT, region: REGION } });
    const functionArns = new Map(child.invokedFunctions.map((fn) => [fn, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`]));
    addAutomationRole(stack, {
      roleName: ROLE_NAME,
      documents: [parent, child],
      targets: { partition: 'aws', account: ACCOUNT, regions: [REGION], environment: 'production', watched: watchedResources(parseAutomationConfig(mergeConfig(defaultConfig, {})), 'production'), alarmNames: [] },
      handlerFunctionArns: functionArns,
      environment: 'production',
    });
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const role = deployedRoles(template, { partition: 'aws', region: REGION, account: ACCOUNT }).find((r) => r.name === ROLE_NAME);
    if (!role) throw new Error('no automation role');
    return role;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PRINCIPAL_ACCOUNT = '${aws:PrincipalAccount}';
/**
 * A policy of docs/iam/ exactly as published: nothing is substituted. Review 16, R16-6: IAM resolves a policy variable in
 * a Resource "only in the resource portion of the ARN ... You can't use a variable to replace parts of the ARN before the
 * fifth colon, such as the service or account" (IAM User Guide, policy variables), so the policies pin their account
 * with the condition aws:ResourceAccount = ${aws:PrincipalAccount}, which the simulator resolves as IAM does (simulate()
 * sets aws:ResourceAccount as AWS does).
 */
const publishedPolicy = (file: string): PolicyDocument => JSON.parse(readFileSync(join(ROOT_DIR, 'docs', 'iam', file), 'utf8')) as PolicyDocument;

const call = (action: string, resource: string, why: string, context?: Record<string, string | string[]>): SimulatedCall => ({
  action,
  resource,
  resourceAccount: ACCOUNT,
  why,
  ...(context ? { context } : {}),
});

/**
 * One StartAutomationExecution as the resources IAM authorizes it on: the SAR's required document/<name> and
 * automation-execution/<id>, and its optional automation-definition/<name>:<VersionId>. `version` is what the request
 * names (undefined: none, the default runs; AWS does not document the VersionId or ssm:DocumentVersion it then
 * evaluates, so the no-version request is judged without the key and on :$DEFAULT).
 */
function start(name: string, version: string | undefined, why: string): SimulatedCall[] {
  const context = version === undefined ? undefined : { 'ssm:DocumentVersion': [version] };
  return [
    call('ssm:StartAutomationExecution', ssmArn(`document/${name}`), `${why}: the document`, context),
    call('ssm:StartAutomationExecution', ssmArn(`automation-definition/${name}:${version ?? '$DEFAULT'}`), `${why}: the automation definition`, context),
  ];
}

const execution = ssmArn('automation-execution/0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b');

function startCalls(names: readonly string[]): { allowed: SimulatedCall[]; denied: SimulatedCall[] } {
  return {
    allowed: [
      ...names.flatMap((n) => start(n, undefined, `${n} with no version (runbook exec, aws:executeAutomation without DocumentVersion)`)),
      ...names.flatMap((n) => start(n, '$DEFAULT', `${n} at $DEFAULT`)),
      call('ssm:StartAutomationExecution', execution, 'the execution it creates'),
    ],
    denied: [
      ...names.flatMap((n) => start(n, '1', `${n} version 1 (before decision 202's requester check)`)),
      ...names.flatMap((n) => start(n, '12', `${n} version 12 (a number, not the default)`)),
      ...names.flatMap((n) => start(n, '$LATEST', `${n} at $LATEST (a version made default by nobody)`)),
      ...start('AWS-RunShellScript', undefined, 'a document that is not the project\'s'),
    ],
  };
}

const judge = async (principal: SimulationPrincipal, calls: SimulatedCall[]): Promise<string[]> =>
  Promise.all(calls.map(async (c) => `${(await simulate(principal, c, REGION)).result}: ${c.action} on ${c.resource} (${c.why})`));
const expectResults = (calls: SimulatedCall[], result: string | RegExp): Array<string | RegExp> =>
  calls.map((c) => (typeof result === 'string' ? `${result}: ${c.action} on ${c.resource} (${c.why})` : result));
const deniedAs = (principal: SimulationPrincipal, calls: SimulatedCall[]): Promise<string[]> => judge(principal, calls).then((r) => r.map((line) => line.replace(/^(ImplicitlyDenied|ExplicitlyDenied): /, 'Denied: ')));

describe('the automation role starts another document at its default version only (aws:executeAutomation)', () => {
  const role = automationRoleStartingAnother();
  const principal: SimulationPrincipal = { arn: role.arn, roleArn: role.arn, account: ACCOUNT, policies: role.policies };

  it('is granted StartAutomationExecution on the documents, their :$DEFAULT definition and new executions, held to the default by ssm:DocumentVersion, with no wildcard version', () => {
    const starts = role.policies.flatMap((p) => p.document.Statement).filter((s) => [s.Action ?? []].flat().includes('ssm:StartAutomationExecution'));
    expect(starts).toHaveLength(1);
    expect([starts[0]?.Resource ?? []].flat().sort()).toEqual(
      [
        ...[CHILD, PARENT].map((n) => ssmArn(`automation-definition/${n}:$DEFAULT`)),
        ...[CHILD, PARENT].map((n) => ssmArn(`document/${n}`)),
        ssmArn('automation-execution/*'),
      ].sort(),
    );
    expect(starts[0]?.Condition).toEqual({ 'ForAllValues:StringEquals': { 'ssm:DocumentVersion': ['$DEFAULT'] } });
  });

  it('allows the no-version and $DEFAULT starts, denies version 1, 12 and $LATEST of each document and any other document; the policy is valid against the Service Authorization Reference', async () => {
    const { allowed, denied } = startCalls([CHILD, PARENT]);
    expect(await judge(principal, allowed)).toEqual(expectResults(allowed, 'Allowed'));
    expect(await deniedAs(principal, denied)).toEqual(expectResults(denied, 'Denied'));
    expect(await policyFindings(role.policies.map((p) => ({ where: p.name, kind: 'identity' as const, document: p.document })))).toEqual([]);
  });

  it('catches the grant before decision 221 (any version, no condition): every earlier-version start is then allowed', async () => {
    const before = editStatements(role.policies, (s) =>
      [s.Action ?? []].flat().includes('ssm:StartAutomationExecution')
        ? { ...editCondition(s, () => false), Resource: [s.Resource ?? []].flat().map((r) => r.replace(/:\$DEFAULT$/, ':*')) }
        : s,
    );
    const { denied } = startCalls([CHILD, PARENT]);
    const oldVersions = denied.filter((c) => !c.resource.includes('AWS-RunShellScript') && c.resource.includes(':document/'));
    expect(await judge({ ...principal, policies: before }, oldVersions)).toEqual(expectResults(oldVersions, 'Allowed'));
  });
});

describe('the policy README gives the people who start runbooks (docs/iam/runbook-starter-policy.json)', () => {
  const starter = publishedPolicy('runbook-starter-policy.json');
  const operatorRole = `arn:aws:iam::${ACCOUNT}:role/OnCallOperator`;
  const operator = (policies: Array<{ name: string; document: PolicyDocument }>): SimulationPrincipal => ({
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/OnCallOperator/jane`,
    roleArn: operatorRole,
    account: ACCOUNT,
    policies,
  });
  // PowerUserAccess allows every action but IAM, Organizations and account management: ssm:* on "*" among them.
  const powerUser: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }] };
  const automationRole = `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-automation-${REGION}`;
  const follow = [
    call('ssm:GetAutomationExecution', execution, 'follows the execution (runbook exec)'),
    call('ssm:DescribeAutomationStepExecutions', execution, 'reads its steps'),
    call('iam:PassRole', automationRole, 'the document\'s pinned AutomationAssumeRole, to Systems Manager', { 'iam:PassedToService': 'ssm.amazonaws.com' }),
  ];
  const changes = [
    call('ssm:UpdateDocumentDefaultVersion', ssmArn(`document/${GATED}`), 'makes an earlier version the default for everyone'),
    call('ssm:UpdateDocument', ssmArn(`document/${GATED}`), 'adds a version of its own'),
    call('ssm:DeleteDocument', ssmArn(`document/${GATED}`), 'deletes the reviewed document'),
    call('iam:PassRole', automationRole, 'the automation role to another service', { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    // A requester never answers (decision 202); a StartStep signal could run a step of an Interactive execution out of
    // order (review 13 R13-6, decision 227).
    call('ssm:SendAutomationSignal', execution, 'signals an execution (StartStep of an Interactive one, or an answer)'),
  ];

  it('allows starting each document with no version or $DEFAULT, following and answering it, and denies an earlier version, $LATEST, another document and any change to the documents', async () => {
    const principal = operator([{ name: 'starter', document: starter }]);
    const { allowed, denied } = startCalls([GATED, CHILD]);
    expect(await judge(principal, [...allowed, ...follow])).toEqual(expectResults([...allowed, ...follow], 'Allowed'));
    expect(await deniedAs(principal, [...denied, ...changes])).toEqual(expectResults([...denied, ...changes], 'Denied'));
    expect(await policyFindings([{ where: 'docs/iam/runbook-starter-policy.json', kind: 'identity', document: starter }])).toEqual([]);
  });

  it('still denies an earlier version and a new default version to someone who also holds ssm:* (PowerUserAccess): explicit denies', async () => {
    const principal = operator([
      { name: 'starter', document: starter },
      { name: 'power-user', document: powerUser },
    ]);
    const { allowed, denied } = startCalls([GATED]);
    const earlier = denied.filter((c) => c.resource.includes(GATED));
    const ssmChanges = changes.filter((c) => c.action.startsWith('ssm:'));
    expect(await judge(principal, allowed)).toEqual(expectResults(allowed, 'Allowed'));
    expect(await judge(principal, [...earlier, ...ssmChanges])).toEqual(expectResults([...earlier, ...ssmChanges], 'ExplicitlyDenied'));
  });

  it('catches the starter policy without its denies: ssm:* then starts version 1 of FailoverToDR again', async () => {
    const withoutDenies = editStatements([{ name: 'starter', document: starter }], (s) => (s.Effect === 'Deny' ? null : s));
    const principal = operator([...withoutDenies, { name: 'power-user', document: powerUser }]);
    const version1 = start(GATED, '1', 'FailoverToDR version 1');
    expect(await judge(principal, version1)).toEqual(expectResults(version1, 'Allowed'));
  });
});

// Review 13 R13-6 (decision 227): StartAutomationExecution takes --mode Interactive, and SendAutomationSignal StartStep
// names the step to run; AWS documents no check that it is one of the execution's ValidNextSteps, and IAM has no condition
// key for the mode or the signal type (Service Authorization Reference: StartAutomationExecution's keys are
// ssm:DocumentVersion and tags, SendAutomationSignal's aws:ResourceTag only). So no principal holds both: the people who
// start the runbooks may not signal an execution, and the approvers may not start a project document.
describe('Interactive mode: nobody both starts a gated document and signals its execution (review 13 R13-6)', () => {
  const starter = publishedPolicy('runbook-starter-policy.json');
  const approverPolicy = publishedPolicy('runbook-approver-policy.json');
  const powerUser: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }] };
  const as = (role: string, session: string, policies: Array<{ name: string; document: PolicyDocument }>): SimulationPrincipal => ({
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
    account: ACCOUNT,
    policies,
  });
  const signal = [call('ssm:SendAutomationSignal', execution, 'StartStep promoteReplica of an Interactive FailoverToDR, or Approve')];
  const read = [
    call('ssm:GetAutomationExecution', execution, 'reads the execution waiting for approval'),
    call('ssm:DescribeAutomationStepExecutions', execution, 'reads its steps'),
  ];

  it('denies the starter every SendAutomationSignal, also beside ssm:* (PowerUserAccess): its Interactive execution cannot run a step', async () => {
    expect(await judge(as('OnCallOperator', 'jane', [{ name: 'starter', document: starter }]), signal)).toEqual(expectResults(signal, 'ExplicitlyDenied'));
    const withPowerUser = as('OnCallOperator', 'jane', [
      { name: 'starter', document: starter },
      { name: 'power-user', document: powerUser },
    ]);
    expect(await judge(withPowerUser, signal)).toEqual(expectResults(signal, 'ExplicitlyDenied'));
    // Starting stays allowed: the execution it starts runs every step in order, the requester check first.
    const { allowed } = startCalls([GATED]);
    expect(await judge(withPowerUser, allowed)).toEqual(expectResults(allowed, 'Allowed'));
  });

  it('lets an approver read and answer an execution, and denies it starting any project document at any version, also beside ssm:*', async () => {
    const approver = as('NotificationServiceRunbookApprover', 'alice', [
      { name: 'approver', document: approverPolicy },
      { name: 'power-user', document: powerUser },
    ]);
    expect(await judge(approver, [...read, ...signal])).toEqual(expectResults([...read, ...signal], 'Allowed'));
    const { allowed, denied } = startCalls([GATED, CHILD]);
    const projectStarts = [...allowed, ...denied].filter((c) => c.resource.includes(':document/NotificationService-') || c.resource.includes(':automation-definition/NotificationService-'));
    expect(await judge(approver, projectStarts)).toEqual(expectResults(projectStarts, 'ExplicitlyDenied'));
    expect(await policyFindings([{ where: 'docs/iam/runbook-approver-policy.json', kind: 'identity', document: approverPolicy }])).toEqual([]);
    expect(await policyFindings([{ where: 'docs/iam/runbook-starter-policy.json', kind: 'identity', document: starter }])).toEqual([]);
  });

  it('catches the starter policy as it was before (SendAutomationSignal allowed, no deny): the requester signals its own execution', async () => {
    const before = editStatements([{ name: 'starter', document: starter }], (s) =>
      s.Effect === 'Deny' && [s.Action ?? []].flat().includes('ssm:SendAutomationSignal') ? null : s,
    ).map((p) => ({
      ...p,
      document: { ...p.document, Statement: [...p.document.Statement, { Effect: 'Allow' as const, Action: 'ssm:SendAutomationSignal', Resource: 'arn:aws:ssm:*:*:automation-execution/*' }] },
    }));
    expect(await judge(as('OnCallOperator', 'jane', before), signal)).toEqual(expectResults(signal, 'Allowed'));
  });
});

// Review 15 R15-1 (decision 250): iam:PassRole of the automation role cannot be tied to a document (the Service
// Authorization Reference gives PassRole iam:PassedToService and iam:AssociatedResourceArn, and Systems Manager documents
// neither an AssociatedResourceArn for Automation nor a document in the execution ARN its role's trust sees). So whoever
// may pass the role and start some other Automation document, or have another Systems Manager feature start one, runs
// it with every grant of the gated documents and none of their aws:approve steps. Each route the review found is a
// request of the attacker here, judged by the simulator on docs/iam/runbook-starter-policy.json as published.
describe('the people who start runbooks run only the project\'s documents of their own account, and only by StartAutomationExecution (review 15 R15-1)', () => {
  const starter = publishedPolicy('runbook-starter-policy.json');
  const powerUser: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }] };
  const OTHER = '999999999999';
  const jane = (policies: Array<{ name: string; document: PolicyDocument }>): SimulationPrincipal => ({
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/OnCallOperator/jane`,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/OnCallOperator`,
    account: ACCOUNT,
    policies,
  });
  const alone = jane([{ name: 'starter', document: starter }]);
  const withSsm = jane([
    { name: 'starter', document: starter },
    { name: 'ssm-operator', document: powerUser },
  ]);
  // SSM's document sharing is no IAM policy document; the share stands in as the document's resource policy admitting
  // this account, so the simulator judges the cross-account request as AWS would once the owner has shared it.
  const share: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'ssm:StartAutomationExecution', Resource: '*' }] };
  const shared: SimulatedCall[] = [
    { ...call('ssm:StartAutomationExecution', `arn:aws:ssm:${REGION}:${OTHER}:document/NotificationService-Evil`, 'a NotificationService-* document another account shares (assumeRole: this account\'s automation role)'), resourceAccount: OTHER, resourcePolicy: share },
    { ...call('ssm:StartAutomationExecution', `arn:aws:ssm:${REGION}:${OTHER}:automation-definition/NotificationService-Evil:$DEFAULT`, 'its automation definition'), resourceAccount: OTHER, resourcePolicy: share },
  ];
  const own = 'Jane-Promote';
  const ownDocument = [
    call('ssm:StartAutomationExecution', ssmArn(`document/${own}`), 'her own document (assumeRole: the automation role; steps: promote, rename, switch the record)'),
    call('ssm:StartAutomationExecution', ssmArn(`automation-definition/${own}:$DEFAULT`), 'its automation definition'),
  ];
  const otherRoutes = [
    call('ssm:CreateAssociation', ssmArn('document/NotificationService-FailbackToPrimary'), 'State Manager runs a project document at the version the association names, as the role it is given'),
    call('ssm:CreateAssociation', ssmArn(`document/${own}`), 'State Manager runs her own document as the automation role'),
    call('ssm:CreateAssociationBatch', ssmArn('document/NotificationService-FailbackToPrimary'), 'the same, in a batch'),
    call('ssm:UpdateAssociation', ssmArn('association/0123abcd-4567-89ef-0123-456789abcdef'), 'repoints an existing association at a document, version or role'),
    call('ssm:StartAssociationsOnce', ssmArn('association/0123abcd-4567-89ef-0123-456789abcdef'), 'runs an existing association now (review 16, R16-6)'),
    call('ssm:StartChangeRequestExecution', ssmArn('document/NotificationService-FailbackToPrimary'), 'Change Manager runs it after the change template\'s approvals, not the document\'s approvers\''),
    call('ssm:RegisterTaskWithMaintenanceWindow', ssmArn('maintenancewindow/mw-0123456789abcdef0'), 'a maintenance-window AUTOMATION task with a DocumentVersion and the automation role'),
    call('ssm:UpdateMaintenanceWindowTask', ssmArn('maintenancewindow/mw-0123456789abcdef0'), 'repoints an existing task'),
  ];

  it('pins the account by condition, never by a variable in an ARN\'s account (review 16, R16-6): every Allow but iam:PassRole holds aws:ResourceAccount = ${aws:PrincipalAccount}, and both policies are valid against the reference as published', async () => {
    for (const file of ['runbook-starter-policy.json', 'runbook-approver-policy.json']) {
      const raw = publishedPolicy(file);
      const arns = raw.Statement.flatMap((st) => [...[st.Resource ?? []].flat(), ...[st.NotResource ?? []].flat()]).filter((arn) => arn !== '*');
      expect(arns.length).toBeGreaterThan(0);
      // IAM resolves a variable only after the fifth colon: the partition, service, region and account segments hold none.
      expect(arns.filter((arn) => arn.split(':').slice(0, 5).some((segment) => segment.includes('${')))).toEqual([]);
      // A role can be passed only within its own account, and PassRole's context may lack aws:ResourceAccount (R17-4).
      const allows = raw.Statement.filter((st) => st.Effect === 'Allow' && st.Action !== 'iam:PassRole');
      expect(allows.length).toBeGreaterThan(0);
      expect(allows.filter((st) => (st.Condition as Record<string, Record<string, unknown>> | undefined)?.StringEquals?.['aws:ResourceAccount'] !== PRINCIPAL_ACCOUNT).map((st) => st.Sid)).toEqual([]);
      expect(await policyFindings([{ where: `docs/iam/${file}`, kind: 'identity', document: raw }])).toEqual([]);
    }
  });

  it('passes the automation role to Systems Manager without aws:ResourceAccount in PassRole\'s context (review 17, R17-4); planted: 257\'s condition on the PassRole grant refuses it', async () => {
    const pass = [call('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`, 'the document\'s pinned AutomationAssumeRole, to Systems Manager', { 'iam:PassedToService': 'ssm.amazonaws.com' })];
    expect(await judge(alone, pass)).toEqual(expectResults(pass, 'Allowed'));
    const with257 = editStatements([{ name: 'starter', document: starter }], (s) =>
      s.Sid === 'PassTheRunbooksOwnRoleToSystemsManager' ? { ...s, Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com', 'aws:ResourceAccount': PRINCIPAL_ACCOUNT } } } : s,
    );
    expect(await deniedAs(jane(with257), pass)).toEqual(expectResults(pass, 'Denied'));
  });

  it('catches the policy of decision 250 (the variable in the ARNs\' account segment): IAM matches no resource, so every legitimate start and the PassRole are refused', async () => {
    const { allowed } = startCalls([GATED]);
    const pass = [call('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`, 'the document\'s pinned AutomationAssumeRole, to Systems Manager', { 'iam:PassedToService': 'ssm.amazonaws.com' })];
    const before250Fix = editStatements([{ name: 'starter', document: starter }], (s) => {
      const inAccount = (arn: string) => arn.replace(/^(arn:aws:[a-z]+:[^:]*):\*:/, `$1:${PRINCIPAL_ACCOUNT}:`);
      const edited = { ...s };
      if (edited.Effect === 'Allow' && edited.Resource !== undefined) edited.Resource = [edited.Resource].flat().map(inAccount);
      if (edited.NotResource !== undefined) edited.NotResource = [edited.NotResource].flat().map(inAccount);
      return s.Sid === 'NeverAnotherAccountsDocument' ? null : editCondition(edited, (_operator, key) => key !== 'aws:ResourceAccount');
    });
    expect(await deniedAs(jane(before250Fix), [...allowed, ...pass])).toEqual(expectResults([...allowed, ...pass], 'Denied'));
  });

  it('catches the starter without its account deny: beside ssm:*, another account\'s shared document starts again', async () => {
    const withoutAccountDeny = editStatements([{ name: 'starter', document: starter }], (s) => (s.Sid === 'NeverAnotherAccountsDocument' ? null : s));
    expect(await judge(jane([...withoutAccountDeny, { name: 'ssm-operator', document: powerUser }]), shared)).toEqual(expectResults(shared, 'Allowed'));
  });

  it('denies the starter alone a NotificationService-* document shared by another account (its ARN names that account)', async () => {
    expect(await judge(alone, shared)).toEqual(expectResults(shared, 'ExplicitlyDenied'));
    expect(await judge(withSsm, shared)).toEqual(expectResults(shared, 'ExplicitlyDenied'));
  });

  it('denies the starter beside ssm:* its own document and every other Systems Manager route that runs a document as a passed role', async () => {
    expect(await judge(withSsm, [...ownDocument, ...otherRoutes])).toEqual(expectResults([...ownDocument, ...otherRoutes], 'ExplicitlyDenied'));
    // The policy alone grants none of these either.
    expect(await deniedAs(alone, [...ownDocument, ...otherRoutes])).toEqual(expectResults([...ownDocument, ...otherRoutes], 'Denied'));
  });

  it('still allows the legitimate start: each project document of this account at no version or $DEFAULT, its execution, and passing the automation role to Systems Manager, alone and beside ssm:*', async () => {
    const { allowed } = startCalls([GATED, CHILD]);
    const pass = [call('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`, 'the document\'s pinned AutomationAssumeRole, to Systems Manager', { 'iam:PassedToService': 'ssm.amazonaws.com' })];
    expect(await judge(alone, [...allowed, ...pass])).toEqual(expectResults([...allowed, ...pass], 'Allowed'));
    expect(await judge(withSsm, allowed)).toEqual(expectResults(allowed, 'Allowed'));
    expect(await policyFindings([{ where: 'docs/iam/runbook-starter-policy.json', kind: 'identity', document: starter }])).toEqual([]);
  });

  it('catches the starter policy as it was before (any account in its ARNs, no NotResource deny, no deny of the other routes): every route of the review is Allowed', async () => {
    const newDenies = new Set(['NeverAnyOtherAutomationDocument', 'NeverAnotherAccountsDocument', 'NeverRunADocumentThroughAnotherService']);
    // The ARNs already name any account; the pin of the account (aws:ResourceAccount) is the other thing 250 added.
    const before = editStatements([{ name: 'starter', document: starter }], (s) => (newDenies.has(s.Sid ?? '') ? null : editCondition(s, (_operator, key) => key !== 'aws:ResourceAccount')));
    expect(await judge(jane(before), shared)).toEqual(expectResults(shared, 'Allowed'));
    const beside = jane([...before, { name: 'ssm-operator', document: powerUser }]);
    expect(await judge(beside, [...ownDocument, ...otherRoutes])).toEqual(expectResults([...ownDocument, ...otherRoutes], 'Allowed'));
  });

  // What IAM can pin on the role's side: Automation names the execution as aws:SourceArn (Systems Manager User Guide,
  // "Cross-service confused deputy prevention"), an ARN with a region and an account but no document. So the trust admits
  // this account's executions of the role's own region, and nothing narrower is possible.
  it('lets Systems Manager assume the automation role only for an execution of this account in the role\'s region', async () => {
    const role = automationRoleStartingAnother();
    const execution = (region: string, account: string): Record<string, string> => ({ 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:ssm:${region}:${account}:automation-execution/0f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b` });
    const assume = (context: Record<string, string>, trust: PolicyDocument = role.trust): Promise<boolean> =>
      mayAssume(JSON.parse(JSON.stringify(trust)) as PolicyDoc, { principal: 'ssm.amazonaws.com', role: { arn: role.arn, account: ACCOUNT }, context });
    expect(await assume(execution(REGION, ACCOUNT))).toBe(true);
    expect(await assume(execution('us-west-2', ACCOUNT))).toBe(false);
    expect(await assume(execution(REGION, OTHER))).toBe(false);
    expect(await assume({ 'aws:SourceAccount': ACCOUNT })).toBe(false);
    // Planted: the trust before decision 250 (any region) admits the other region's execution.
    const anyRegion = JSON.parse(JSON.stringify(role.trust).split(`arn:aws:ssm:${REGION}:`).join('arn:aws:ssm:*:')) as PolicyDocument;
    expect(anyRegion).not.toEqual(role.trust);
    expect(await assume(execution('us-west-2', ACCOUNT), anyRegion)).toBe(true);
  });
});
