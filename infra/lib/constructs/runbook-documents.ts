// The SSM Automation documents from runbooks/*.yaml, and the role they run as, granted exactly the APIs the documents call.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Annotations, CfnOutput, Stack } from 'aws-cdk-lib';
import { Policy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import type { AutomationConfig, EnvironmentName } from '../../../shared/config/schema';
import { hasDeployTokens, renderRunbookContent, runbookDeployValues, type DeployedWhere } from '../../../shared/config/runbook-deploy-values';
import { automationApiAction } from '../iam/api-actions';
import { scopedStatements, type ScopeTargets } from '../iam/scoped-policy';
import { acknowledgeWildcards } from '../nag';

export interface RunbookDocument {
  name: string;
  file: string;
  /** The document, parsed: CloudFormation takes Content as JSON and writes it in DocumentFormat (YAML). */
  content: Record<string, unknown>;
  /** IAM actions its steps call (aws:executeAwsApi and friends, aws:invokeLambdaFunction, aws:executeAutomation). */
  actions: string[];
  /** Lambda functions it invokes by literal name. */
  invokedFunctions: string[];
  /** An aws:invokeLambdaFunction step names its function through a parameter. */
  invokesParameterizedFunction: boolean;
}

// SSM document names: 3-128 of [a-zA-Z0-9_.-], not starting with a prefix AWS reserves (SSM CreateDocument Name).
const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;
const RESERVED_PREFIXES = ['aws', 'amazon', 'amzn', 'AWSEC2', 'AWSConfigRemediation', 'AWSSupport'];

const API_STEP_ACTIONS = new Set(['aws:executeAwsApi', 'aws:waitForAwsResourceProperty', 'aws:assertAwsResourceProperty']);
/** Steps that call no AWS API with the automation role. */
const LOCAL_STEP_ACTIONS = new Set(['aws:sleep', 'aws:branch', 'aws:pause']);

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
  const invokedFunctions = new Set<string>();
  let invokesParameterizedFunction = false;
  for (const step of doc.mainSteps as Step[]) {
    const action = String(step.action);
    const inputs = step.inputs ?? {};
    if (API_STEP_ACTIONS.has(action)) {
      actions.add(automationApiAction(String(inputs.Service), String(inputs.Api)));
    } else if (action === 'aws:invokeLambdaFunction') {
      actions.add('lambda:InvokeFunction');
      const fn = String(inputs.FunctionName ?? '');
      if (fn.includes('{{')) invokesParameterizedFunction = true;
      else invokedFunctions.add(fn.split(':').pop() ?? fn);
    } else if (action === 'aws:executeAutomation') {
      actions.add('ssm:StartAutomationExecution');
      actions.add('ssm:GetAutomationExecution');
    } else if (action === 'aws:approve') {
      if (inputs.NotificationArn) actions.add('sns:Publish');
    } else if (!LOCAL_STEP_ACTIONS.has(action)) {
      throw new Error(`${file}: step ${String(step.name)} uses ${action}, whose IAM needs infra/lib/constructs/runbook-documents.ts does not know yet`);
    }
  }
  return { name, file, content: doc as Record<string, unknown>, actions: [...actions].sort(), invokedFunctions: [...invokedFunctions], invokesParameterizedFunction };
}

/** The actions of runbooks/automation-role-policy.json (the runbook author's declaration), if it exists. */
export function declaredAutomationActions(runbooksDir: string): string[] {
  const file = join(runbooksDir, 'automation-role-policy.json');
  if (!existsSync(file)) return [];
  const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement?: Array<{ Effect?: string; Action?: string | string[] }> };
  return (policy.Statement ?? []).filter((s) => s.Effect !== 'Deny').flatMap((s) => (Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : []));
}

export function readRunbookDocuments(runbooksDir: string): RunbookDocument[] {
  if (!existsSync(runbooksDir)) return [];
  return readdirSync(runbooksDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => readRunbookDocument(join(runbooksDir, f)));
}

export interface RunbookDocumentsProps {
  runbooksDir: string;
  roleName: string;
  /** Where the documents' API calls act; automation documents and functions are filled in here. */
  targets: ScopeTargets;
  /** Our handlers by function name, for aws:invokeLambdaFunction. */
  functionArns: ReadonlyMap<string, string>;
  /** The configuration and environment whose approvers, ladders and caps are written into the documents (`${Deploy.…}`). */
  config: AutomationConfig;
  environment: EnvironmentName;
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

export class RunbookDocuments extends Construct {
  readonly documents: RunbookDocument[];
  readonly role?: Role;

  constructor(scope: Construct, id: string, props: RunbookDocumentsProps) {
    super(scope, id);
    this.documents = readRunbookDocuments(props.runbooksDir);
    const where = { account: Stack.of(this).account, partition: Stack.of(this).partition, region: Stack.of(this).region };
    for (const doc of this.documents) {
      new CfnDocument(this, doc.name, {
        name: doc.name,
        documentType: 'Automation',
        documentFormat: 'YAML',
        content: deployedContent(doc, props.config, props.environment, where),
        // A changed document becomes a new default version instead of a replacement (which a fixed name would block).
        updateMethod: 'NewVersion',
      });
    }
    if (this.documents.length === 0) return;
    const dr = props.targets.disasterRecovery;
    if (dr && !dr.failoverRecordName && this.documents.some((d) => d.actions.includes('route53:ChangeResourceRecordSets'))) {
      Annotations.of(this).addWarningV2(
        '@notification-runbooks/failover-record-unset',
        `environments.${props.environment}.disasterRecovery.failoverRecordName is not set: the failover documents are deployed, but their role may not change any Route 53 record, so their switchRecord step will be refused (AccessDenied)`,
      );
    } else if (dr?.failoverRecordName && !dr.hostedZoneId && this.documents.some((d) => d.actions.includes('route53:ChangeResourceRecordSets'))) {
      Annotations.of(this).addWarningV2(
        '@notification-runbooks/failover-zone-unset',
        `environments.${props.environment}.disasterRecovery.hostedZoneId is not set: the failover documents are deployed, but their role is granted no Route 53 action in any hosted zone (never "any zone"), so their readRecords and switchRecord steps will be refused (AccessDenied); set the zone of ${dr.failoverRecordName}`,
      );
    }

    const stack = Stack.of(this);
    this.role = new Role(this, 'AutomationRole', {
      roleName: props.roleName,
      description: 'Runs the Notification Service runbook documents: exactly the APIs their steps call',
      assumedBy: new ServicePrincipal('ssm.amazonaws.com', {
        // Confused-deputy guard (Systems Manager Automation service role setup).
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:ssm:*:${stack.account}:automation-execution/*` },
        },
      }),
    });
    const invoked = new Set(this.documents.flatMap((d) => d.invokedFunctions));
    const everyFunction = this.documents.some((d) => d.invokesParameterizedFunction);
    const runbookFunctionArns = [...props.functionArns].filter(([name]) => everyFunction || invoked.has(name)).map(([, arn]) => arn);
    const actions = [...new Set([...this.documents.flatMap((d) => d.actions), ...declaredAutomationActions(props.runbooksDir)])];
    const grant = scopedStatements(
      actions,
      { ...props.targets, automationDocumentNames: this.documents.map((d) => d.name), runbookFunctionArns },
      `runbooks/*.yaml (${this.documents.length} documents)`,
    );
    if (grant.statements.length > 0) new Policy(this, 'DocumentActions', { statements: grant.statements, roles: [this.role] });
    acknowledgeWildcards(this, grant.wildcards);
    new CfnOutput(this, 'AutomationAssumeRole', {
      value: this.role.roleArn,
      description: 'Pass as AutomationAssumeRole when starting a runbook document',
    });
  }
}
