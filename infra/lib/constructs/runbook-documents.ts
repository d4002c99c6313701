// The SSM Automation documents from runbooks/*.yaml, and the role they run as, granted exactly the APIs the documents call.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Annotations, CfnOutput, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { defaultConfig } from '../../../shared/config/defaults';
import type { AutomationConfig, EnvironmentName } from '../../../shared/config/schema';
import { OPERATIONS_DOCUMENTS } from '../settings';
import { hasDeployTokens, renderRunbookContent, runbookDeployValues, type DeployedWhere } from '../../../shared/config/runbook-deploy-values';
import { APPROVAL_TOPIC_NAME, approvalTopicArnOf } from '../../../shared/config/names';
import { ApprovalTopic } from './approval-topic';
import { DocumentVersionCleanup } from './document-version-cleanup';
import { automationApiAction } from '../iam/api-actions';
import { scriptCalls } from '../iam/script-actions';
import { documentTableWriteCondition } from '../iam/document-table-writes';
import { scopedStatements, type ScopeTargets } from '../iam/scoped-policy';
import { acknowledgeWildcards } from '../nag';
import { attachFittedPolicies } from '../iam/policy-size';
import { functionOfStep, invokedHandlerFunctions } from '../iam/invoked-functions';

export { invokedHandlerFunctions };

export interface RunbookDocument {
  name: string;
  file: string;
  /** The document, parsed; deployed as its compact JSON text (decision 347). */
  content: Record<string, unknown>;
  /** IAM actions its steps call (aws:executeAwsApi and friends, aws:invokeLambdaFunction, aws:executeAutomation). */
  actions: string[];
  /**
   * IAM actions its aws:executeScript steps call in the other region of the DR pair (a boto3 client built with
   * region_name): granted only where the document runs (PEER_REGION_DOCUMENTS), on that other region's resources.
   */
  peerActions: string[];
  /** Lambda functions it invokes by literal name. */
  invokedFunctions: string[];
  /** An aws:invokeLambdaFunction step names its function through a parameter. */
  invokesParameterizedFunction: boolean;
  /**
   * An aws:approve step names a NotificationArn: the role publishes the approval request there (sns:Publish on the
   * approval topic only, never an escalation tier: addAutomationRole), and the topic is deployed beside the document.
   */
  requestsApprovals: boolean;
}

/**
 * The documents that act in the other region of the DR pair, and the region role they run in: only that region's
 * automation role is granted their scripts' cross-region calls (FailbackToPrimary runs in the primary region and stops
 * the DR consumers; FailoverToDR runs in the DR region and, best effort, stops the primary's).
 */
export const PEER_REGION_DOCUMENTS: Readonly<Record<string, 'primary' | 'dr'>> = {
  'NotificationService-FailbackToPrimary': 'primary',
  'NotificationService-FailoverToDR': 'dr',
};

// SSM document names: 3-128 of [a-zA-Z0-9_.-], not starting with a prefix AWS reserves (SSM CreateDocument Name).
const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;
const RESERVED_PREFIXES = ['aws', 'amazon', 'amzn', 'AWSEC2', 'AWSConfigRemediation', 'AWSSupport'];

const API_STEP_ACTIONS = new Set(['aws:executeAwsApi', 'aws:waitForAwsResourceProperty', 'aws:assertAwsResourceProperty']);
/** Steps that call no AWS API with the automation role (aws:updateVariable sets a document variable: decision 166). */
const LOCAL_STEP_ACTIONS = new Set(['aws:sleep', 'aws:branch', 'aws:pause', 'aws:updateVariable']);

interface Step {
  name?: unknown;
  action?: unknown;
  inputs?: Record<string, unknown>;
}

/** Reads and checks one document; the actions come from its steps, so the role and the documents cannot drift. */
export function readRunbookDocument(file: string): RunbookDocument {
  const name = basename(file).replace(/\.ya?ml$/, '');
  if (!DOCUMENT_NAME.test(name) || RESERVED_PREFIXES.some((p) => name.toLowerCase().startsWith(p.toLowerCase()))) {
    throw new Error(`${file}: "${name}" is not a valid SSM document name (3-128 of a-z A-Z 0-9 _ . -, no reserved AWS prefix)`);
  }
  const doc = parse(readFileSync(file, 'utf8')) as { schemaVersion?: unknown; mainSteps?: unknown } | null;
  if (String(doc?.schemaVersion) !== '0.3') throw new Error(`${file}: an Automation document has schemaVersion '0.3'`);
  if (!Array.isArray(doc?.mainSteps)) throw new Error(`${file}: mainSteps is missing`);
  const actions = new Set<string>();
  const peerActions = new Set<string>();
  const invokedFunctions = new Set<string>();
  let invokesParameterizedFunction = false;
  let requestsApprovals = false;
  for (const step of doc.mainSteps as Step[]) {
    const action = String(step.action);
    const inputs = step.inputs ?? {};
    if (API_STEP_ACTIONS.has(action)) {
      actions.add(automationApiAction(String(inputs.Service), String(inputs.Api)));
    } else if (action === 'aws:invokeLambdaFunction') {
      actions.add('lambda:InvokeFunction');
      const fn = functionOfStep(String(inputs.FunctionName ?? ''), (doc as { parameters?: unknown }).parameters);
      if (fn === undefined) invokesParameterizedFunction = true;
      else invokedFunctions.add(fn);
    } else if (action === 'aws:executeAutomation') {
      actions.add('ssm:StartAutomationExecution');
      actions.add('ssm:GetAutomationExecution');
    } else if (action === 'aws:executeScript') {
      const calls = scriptCalls(String(inputs.Script ?? ''), `${file}: step ${String(step.name)}`);
      for (const a of calls.here) actions.add(a);
      for (const a of calls.peer) peerActions.add(a);
    } else if (action === 'aws:approve') {
      if (inputs.NotificationArn !== undefined) {
        // The project's documents name the approval topic this stack deploys, and no other (a topic of someone else's
        // would get the role a grant on it, and the request would go to whoever subscribes there).
        if (String(inputs.NotificationArn) !== '${Deploy.ApprovalTopicArn}') {
          throw new Error(`${file}: step ${String(step.name)} sends its approval request to ${String(inputs.NotificationArn)}: name \${Deploy.ApprovalTopicArn}, the approval topic infra deploys`);
        }
        requestsApprovals = true;
      }
    } else if (!LOCAL_STEP_ACTIONS.has(action)) {
      throw new Error(`${file}: step ${String(step.name)} uses ${action}, whose IAM needs infra/lib/constructs/runbook-documents.ts does not know yet`);
    }
  }
  return { name, file, content: doc as Record<string, unknown>, actions: [...actions].sort(), peerActions: [...peerActions].sort(), invokedFunctions: [...invokedFunctions], invokesParameterizedFunction, requestsApprovals };
}

/** The actions of runbooks/automation-role-policy.json (the runbook author's declaration), if it exists. */
export function declaredAutomationActions(runbooksDir: string): string[] {
  const file = join(runbooksDir, 'automation-role-policy.json');
  if (!existsSync(file)) return [];
  const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement?: Array<{ Effect?: string; Action?: string | string[]; Resource?: string | string[] }> };
  return (
    (policy.Statement ?? [])
      .filter((s) => s.Effect !== 'Deny')
      // Publishing to the approval topic is granted on that topic alone (addAutomationRole's ApprovalRequests), never
      // as a declared sns:Publish, which would make the role an escalation tier's publisher.
      .filter((s) => !isApprovalTopicOnly(s.Resource))
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : []))
  );
}

function isApprovalTopicOnly(resource: string | string[] | undefined): boolean {
  const resources = Array.isArray(resource) ? resource : resource ? [resource] : [];
  return resources.length > 0 && resources.every((r) => r.endsWith(`:${APPROVAL_TOPIC_NAME}`));
}

export function readRunbookDocuments(runbooksDir: string): RunbookDocument[] {
  if (!existsSync(runbooksDir)) return [];
  return readdirSync(runbooksDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => readRunbookDocument(join(runbooksDir, f)));
}

/** Where a set of documents is deployed: one account's documents in single-account mode, or one side of cross-account mode. */
export type DocumentPlacement = 'all' | 'operations' | 'workload';

/** The documents of `placement`: in cross-account mode those of OPERATIONS_DOCUMENTS stay with the handlers. */
export function documentsFor(documents: readonly RunbookDocument[], placement: DocumentPlacement): RunbookDocument[] {
  if (placement === 'all') return [...documents];
  return documents.filter((d) => OPERATIONS_DOCUMENTS.has(d.name) === (placement === 'operations'));
}

/** What a region has of the automation: its deployed handler functions (by name) and the documents it does not take. */
export interface RegionDocuments {
  deployedFunctions: readonly string[];
  /** shared/config/alarm-specs.ts runbooksNotRegisteredIn: the runbooks of rows that change something not watched there. */
  notRegistered: ReadonlySet<string>;
}

/**
 * The documents registered in a region: none whose handler is not deployed there (a step that runs it would fail) and
 * none of a row that changes something not watched there (its resources are not there: decision 82).
 */
export function documentsForRegion(documents: readonly RunbookDocument[], region: RegionDocuments): RunbookDocument[] {
  return documents.filter((d) => !region.notRegistered.has(d.name) && d.invokedFunctions.every((fn) => region.deployedFunctions.includes(fn)));
}

export interface AutomationRoleProps {
  roleName: string;
  /** The documents that run as this role: its actions are exactly theirs (plus the author's declaration, see below). */
  documents: readonly RunbookDocument[];
  /** runbooks/automation-role-policy.json's actions, added where their resources are here (single account, operations). */
  declaredActions?: readonly string[];
  /** Where the documents' API calls act; automation documents and functions are filled in here. */
  targets: ScopeTargets;
  /**
   * Every handler function by name -> its ARN (in the operations account in cross-account mode): the role may invoke
   * those the documents invoke, and no other.
   */
  handlerFunctionArns: ReadonlyMap<string, string>;
  environment: EnvironmentName;
}

/** The executions that may assume a region's automation role: this account's, in the role's region(s) (decision 250). */
export function automationExecutionSourceArns(partition: string, account: string, regions: readonly string[]): string | string[] {
  if (regions.length === 0) throw new Error('the automation role runs in no region');
  const arns = regions.map((region) => `arn:${partition}:ssm:${region}:${account}:automation-execution/*`);
  return arns.length === 1 ? (arns[0] as string) : arns;
}

/**
 * The role runbook documents run as (Automation's service role), added to `scope` as AutomationRole with its policy
 * DocumentActions: assumable only by Systems Manager for executions in this account (confused-deputy guard), granted
 * exactly the APIs the documents' steps call, on this account's resources.
 */
export function addAutomationRole(scope: Construct, props: AutomationRoleProps): Role {
  const stack = Stack.of(scope);
  const dr = props.targets.disasterRecovery;
  const switchesRecords = props.documents.some((d) => d.actions.includes('route53:ChangeResourceRecordSets'));
  if (dr && !dr.failoverRecordName && switchesRecords) {
    Annotations.of(scope).addWarningV2(
      '@notification-runbooks/failover-record-unset',
      `environments.${props.environment}.disasterRecovery.failoverRecordName is not set: the failover documents are deployed, but their role may not change any Route 53 record, so their switchRecord step will be refused (AccessDenied)`,
    );
  } else if (dr?.failoverRecordName && !dr.hostedZoneId && switchesRecords) {
    Annotations.of(scope).addWarningV2(
      '@notification-runbooks/failover-zone-unset',
      `environments.${props.environment}.disasterRecovery.hostedZoneId is not set: the failover documents are deployed, but their role is granted no Route 53 action in any hosted zone (never "any zone"), so their readRecords and switchRecord steps will be refused (AccessDenied); set the zone of ${dr.failoverRecordName}`,
    );
  }
  const role = new Role(scope, 'AutomationRole', {
    roleName: props.roleName,
    description: 'Runs the Notification Service runbook documents: exactly the APIs their steps call',
    assumedBy: new ServicePrincipal('ssm.amazonaws.com', {
      // Confused-deputy guard (Systems Manager User Guide, "Cross-service confused deputy prevention": Automation names
      // the execution as aws:SourceArn), pinned to the role's own region(s) (review 15 R15-1): the documents run as the
      // role of their region, so an execution of another region has no business assuming it. An execution ARN names no
      // document, so no trust condition can tell the project's documents from any other (decision 250).
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': automationExecutionSourceArns(stack.partition, stack.account, props.targets.regions) },
      },
    }),
  });
  const actions = [...new Set([...props.documents.flatMap((d) => d.actions), ...(props.declaredActions ?? [])])];
  const runbookFunctionArns = invokedHandlerFunctions(props.documents, [...props.handlerFunctionArns.keys()]).map((name) => props.handlerFunctionArns.get(name) ?? name);
  const grant = scopedStatements(
    actions,
    { ...props.targets, automationDocumentNames: props.documents.map((d) => d.name), runbookFunctionArns },
    `runbooks/*.yaml (${props.documents.length} documents)`,
  );
  // Review 11b F7: the state table only as the documents' own UpdateItem steps write it (their items, their attributes).
  const tableWrite = documentTableWriteCondition(props.documents);
  for (const statement of grant.statements.filter((st) => st.actions.some((a) => a.startsWith('dynamodb:')))) {
    if (!tableWrite) throw new Error(`${props.roleName}: ${statement.actions.join(', ')} granted, but no document's UpdateItem step names what it writes`);
    statement.addConditions(tableWrite);
  }
  if (props.documents.some((d) => d.requestsApprovals)) {
    // aws:approve's NotificationArn: Automation publishes the approval request as this role (the AWS managed
    // AmazonSSMAutomationRole grants sns:Publish on Automation* topics for it), to this account's approval topic only.
    grant.statements.push(
      new PolicyStatement({
        sid: 'ApprovalRequests',
        actions: ['sns:Publish'],
        resources: props.targets.regions.map((region) => approvalTopicArnOf(stack.partition, region, props.targets.account)),
      }),
    );
  }
  // Review 13 R13-2: the documents that run in this region's role may act in the other region of the DR pair (FailbackToPrimary
  // stops the DR consumers and reads the DR queue there; FailoverToDR, best effort, stops the primary's consumers), on
  // that region's watched consumers and queues only.
  const peer = dr?.peer;
  const peerActions = peer ? [...new Set(props.documents.filter((d) => PEER_REGION_DOCUMENTS[d.name] === dr.role).flatMap((d) => d.peerActions))] : [];
  if (peer && peerActions.length > 0) {
    // What the other region holds is named here alone (never regionScopes: a role of several regions has its own).
    const { regionScopes: _ownRegions, ...own } = props.targets;
    const peerGrant = scopedStatements(
      peerActions,
      { ...own, regions: [peer.region], watched: { queues: peer.queues, functions: peer.functions, databases: [], apis: [] }, alarmNames: [] },
      `runbooks/*.yaml's scripts in ${peer.region}`,
    );
    for (const statement of peerGrant.statements) grant.statements.push(PolicyStatement.fromJson({ ...statement.toStatementJson(), Sid: `Peer${String((statement.toStatementJson() as { Sid?: string }).Sid ?? '')}` }));
    grant.wildcards.push(...peerGrant.wildcards);
  }
  // One inline policy while it fits; past that (about 8 channels), customer managed policies (R22a-3, decision 368).
  if (grant.statements.length > 0) attachFittedPolicies(scope, 'DocumentActions', role, grant.statements);
  acknowledgeWildcards(scope, grant.wildcards);
  return role;
}

export interface RunbookDocumentsProps {
  runbooksDir: string;
  /** Which documents of runbooks/ this stack registers (default: all). */
  placement?: DocumentPlacement;
  /** The region's handlers and excluded rows: only the documents that can run there are registered (default: every one). */
  region?: RegionDocuments;
  /** Create the role they run as here (single account, operations), or name the one another stack created (workload). */
  role: { create: Omit<AutomationRoleProps, 'documents' | 'environment' | 'declaredActions'> } | { arn: string };
  /** The account the handler functions run in, for the documents' function ARNs (default: this stack's account). */
  handlerAccount?: string;
  /** The configuration and environment whose approvers, ladders and caps are written into the documents (`${Deploy.…}`). */
  config: AutomationConfig;
  environment: EnvironmentName;
  /** The built cleanup bundle (default: dist/custom-resources/prune-document-versions/function.zip beside runbooks/). */
  cleanupBundleZip?: string;
}

/**
 * The document as deployed to this stack: its `${Deploy.…}` tokens filled from the environment's configuration, with
 * approvers given as role/<name> resolved in the stack's own account. Throws (failing synth) on a token it cannot fill.
 */
export function deployedContent(doc: RunbookDocument, config: AutomationConfig, environment: EnvironmentName, where: DeployedWhere): Record<string, unknown> {
  if (!hasDeployTokens(doc.content)) return doc.content;
  try {
    return renderRunbookContent(doc.content, runbookDeployValues(config, environment, where));
  } catch (error) {
    throw new Error(`${doc.file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The documents with an approval step (aws:approve), by name. */
export function approvalDocuments(documents: readonly RunbookDocument[]): string[] {
  return documents.filter((d) => ((d.content.mainSteps ?? []) as Step[]).some((step) => step.action === 'aws:approve')).map((d) => d.name);
}

/**
 * The default approvers (role/NotificationServiceRunbookApprover) are a name: no stack creates that role, and until
 * someone does, nobody can approve (review 11a, finding 8). Synthesis says so where documents with approval steps are
 * deployed and the environment keeps the default; `runbook preflight` FAILs while the role does not exist.
 */
export function warnOnDefaultApprovers(scope: Construct, documents: readonly RunbookDocument[], config: AutomationConfig, environment: EnvironmentName): void {
  const gated = approvalDocuments(documents);
  const configured = config.environments[environment]?.runbookApprovers?.principals ?? [];
  const defaults = defaultConfig.environments[environment]?.runbookApprovers?.principals ?? [];
  if (gated.length === 0 || configured.length !== defaults.length || !configured.every((p, i) => p === defaults[i])) return;
  Annotations.of(scope).addWarningV2(
    '@notification-runbooks/default-approvers',
    `environments.${environment}.runbookApprovers is the project default (${configured.join(', ')}), which no stack creates: until that role exists in this account, nobody can approve the approval steps of ${gated.join(', ')} (each execution waits an hour and fails); create it for the people who approve, or configure approvers that exist (runbook preflight FAILs while one does not)`,
  );
}

export class RunbookDocuments extends Construct {
  readonly documents: RunbookDocument[];
  readonly role?: Role;
  /** The role created here may publish to the tiers (the author's declaration): a tier publisher. */
  readonly rolePublishes: boolean = false;
  /** Where the registered documents' aws:approve steps send their requests (none: no document here asks for approval). */
  readonly approvalTopic?: ApprovalTopic;

  constructor(scope: Construct, id: string, props: RunbookDocumentsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const placement = props.placement ?? 'all';
    const placed = documentsFor(readRunbookDocuments(props.runbooksDir), placement);
    this.documents = props.region ? documentsForRegion(placed, props.region) : placed;
    const where: DeployedWhere = {
      account: stack.account,
      partition: stack.partition,
      region: stack.region,
      ...(props.handlerAccount ? { handlerAccount: props.handlerAccount } : {}),
    };
    warnOnDefaultApprovers(this, this.documents, props.config, props.environment);
    const registered = this.documents.map((doc) => {
      const content = deployedContent(doc, props.config, props.environment, where);
      const resource = new CfnDocument(this, doc.name, {
        name: doc.name,
        documentType: 'Automation',
        documentFormat: 'JSON',
        content,
        // A changed document becomes a new default version instead of a replacement (which a fixed name would block);
        // the version it supersedes is deleted by DocumentVersionCleanup below (decision 240).
        updateMethod: 'NewVersion',
      });
      // Content as text, compact JSON: CloudFormation hands a string to CreateDocument as it is, while an object it writes
      // out again (Jackson: YAML double-quoted and folded at 80 columns, or indented JSON), 8-9% more bytes than this text
      // and none this project can measure. SSM refuses a document over 64 KB (review 21a, R21-1; decision 347), so the
      // bytes sent are these, measured by the linter and test/infra/document-size.test.ts.
      resource.addPropertyOverride('Content', stack.toJsonString(content));
      return { name: doc.name, resource, deployedContent: content };
    });
    if (this.documents.length === 0) return;
    new DocumentVersionCleanup(this, 'SupersededVersions', {
      documents: registered,
      bundleZip: props.cleanupBundleZip ?? join(dirname(props.runbooksDir), 'dist', 'custom-resources', 'prune-document-versions', 'function.zip'),
    });
    let roleArn: string;
    if ('create' in props.role) {
      // The author's declaration (runbooks/automation-role-policy.json) covers every document; a role that runs only the
      // operations' documents gets the declared actions those documents call, nothing on the service's resources.
      // Less what only the documents not registered in this region call (props.region): none of their calls is granted here.
      const registered = new Set(this.documents.flatMap((d) => d.actions));
      const elsewhereOnly = new Set(placed.filter((d) => !this.documents.includes(d)).flatMap((d) => d.actions).filter((a) => !registered.has(a)));
      const declared = placement === 'all' ? declaredAutomationActions(props.runbooksDir).filter((a) => !elsewhereOnly.has(a)) : [];
      this.role = addAutomationRole(this, { ...props.role.create, documents: this.documents, declaredActions: declared, environment: props.environment });
      this.rolePublishes = this.documents.some((d) => d.actions.includes('sns:Publish')) || declared.includes('sns:Publish');
      roleArn = this.role.roleArn;
    } else {
      roleArn = props.role.arn;
    }
    if (this.documents.some((d) => d.requestsApprovals)) {
      this.approvalTopic = new ApprovalTopic(this, 'ApprovalTopic', {
        topicName: APPROVAL_TOPIC_NAME,
        publisherRoleArn: roleArn,
        approvers: props.config.environments[props.environment]?.runbookApprovers,
        environment: props.environment,
      });
    }
    new CfnOutput(this, 'AutomationAssumeRole', {
      value: roleArn,
      description: 'Pass as AutomationAssumeRole when starting a runbook document',
    });
  }
}
