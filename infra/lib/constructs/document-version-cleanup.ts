// After the runbook documents are created or updated, deletes every version of each but its default (review 13 R13-15,
// decision 240): UpdateMethod NewVersion adds a version and makes it the default; the earlier ones would stay startable.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Annotations, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { contentHash } from '../../../shared/config/content-hash';
import { acknowledge } from '../nag';
import { HANDLER_RUNTIME } from './runbook-function';

/** The function and its role (IAM names are global: the region in the role's). */
export const CLEANUP_FUNCTION_NAME = 'notification-runbooks-document-versions';
export const cleanupRoleNameOf = (region: string): string => `notification-runbooks-document-versions-${region}`.slice(0, 64);

export interface DocumentVersionCleanupProps {
  /** The stack's documents: the cleanup runs after each is created or updated. */
  documents: ReadonlyArray<{ name: string; resource: CfnDocument; deployedContent: unknown }>;
  /** dist/custom-resources/prune-document-versions/function.zip (npm run build). */
  bundleZip: string;
}

/**
 * `<name>=<hash>` of each document whose deployed content is known at synth (no CloudFormation intrinsic left once
 * resolved: the stack has its account), the hash preflight compares (shared/runbooks/document-versions.ts). The cleanup
 * deletes a document's other versions only when its default has this content (review 15, R15-7).
 */
function reviewedHashes(documents: DocumentVersionCleanupProps['documents'], stack: Stack): string[] {
  return documents.flatMap((d) => {
    const resolved: unknown = stack.resolve(d.deployedContent);
    return deployTimeValues(resolved).length > 0 ? [] : [`${d.name}=${contentHash(resolved)}`];
  });
}

/** The CloudFormation intrinsics left in a resolved content ("Ref AWS::AccountId", "Fn::GetAtt"): values known only at deploy. */
function deployTimeValues(resolved: unknown): string[] {
  const text = JSON.stringify(resolved);
  const found = [...text.matchAll(/"Ref":"([^"]+)"/g)].map((m) => `Ref ${m[1] ?? '?'}`).concat([...text.matchAll(/"(Fn::[A-Za-z]+)":/g)].map((m) => m[1] ?? '?'));
  return [...new Set(found)].sort();
}

/**
 * Decision 278 (268's "not done"): a document without a hash is one whose superseded versions the cleanup never deletes
 * (decision 268: no hash, no deletion). Synthesis says which, and why, where it happens: on the cleanup construct.
 */
function warnOnUnhashed(scope: Construct, documents: DocumentVersionCleanupProps['documents'], stack: Stack): void {
  const unhashed = documents.flatMap((d) => {
    const values = deployTimeValues(stack.resolve(d.deployedContent));
    return values.length > 0 ? [{ name: d.name, values }] : [];
  });
  if (unhashed.length === 0) return;
  const values = [...new Set(unhashed.flatMap((u) => u.values))].sort();
  const why = values.includes('Ref AWS::AccountId')
    ? `the stack is synthesized without its account, so their content holds values CloudFormation fills in only at deploy (${values.join(', ')})`
    : `their content holds values CloudFormation fills in only at deploy (${values.join(', ')})`;
  Annotations.of(scope).addWarningV2(
    '@notification-runbooks/document-versions-unhashed',
    `the document-version cleanup gets no content hash for ${unhashed.length} of ${documents.length} runbook documents (${unhashed.map((u) => u.name).join(', ')}): ${why}. Without the reviewed content's hash it deletes none of their superseded versions at deploy (decision 268): each earlier version stays startable by number. Synthesize with the account (cdk deploy -c account=<id>, or the accounts context); runbook preflight FAILs on the superseded versions left (decision 233)`,
  );
}

export class DocumentVersionCleanup extends Construct {
  readonly role: Role;
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: DocumentVersionCleanupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!existsSync(props.bundleZip)) throw new Error(`${props.bundleZip} is missing: run \`npm run build\` before synthesizing (the stack deploys the built bundles)`);
    const names = props.documents.map((d) => d.name);
    warnOnUnhashed(this, props.documents, stack);
    const logGroup = new LogGroup(this, 'Logs', { logGroupName: `/aws/lambda/${CLEANUP_FUNCTION_NAME}`, retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', {
      roleName: cleanupRoleNameOf(stack.region),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deletes the runbook documents\' superseded versions at deploy: lists and deletes versions of those documents only, reads its own stack\'s status',
    });
    // DeleteDocument has no condition key for the version (Service Authorization Reference): the function names one always.
    const policy = new Policy(this, 'DeleteSupersededVersions', {
      roles: [this.role],
      statements: [
        new PolicyStatement({
          sid: 'ListReadAndDeleteVersionsOfTheRunbookDocuments',
          // GetDocument: the default's content is compared with the deployed content before anything is deleted (R15-7).
          actions: ['ssm:ListDocumentVersions', 'ssm:GetDocument', 'ssm:DeleteDocument'],
          resources: names.map((n) => `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:document/${n}`),
        }),
        // Its own stack's status, read when a failure is to be answered: a rollback's Update is not failed (decision 262).
        new PolicyStatement({ sid: 'ReadOwnStackStatus', actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
        new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      ],
    });
    // Any change to a document's deployed content changes this property: CloudFormation sends Update after the document's
    // own update (the dependency below), so each deploy that adds a version deletes the one it superseded. The function
    // carries the same string: an Update whose property differs is a rollback's (decision 262), and deletes nothing.
    const contents = createHash('sha256')
      .update(JSON.stringify(props.documents.map((d) => [d.name, stack.resolve(d.deployedContent)])))
      .digest('hex');
    this.fn = new LambdaFunction(this, 'Function', {
      functionName: CLEANUP_FUNCTION_NAME,
      description: 'Notification Service runbook automation: deletes superseded runbook document versions at deploy (CloudFormation custom resource)',
      code: Code.fromAsset(props.bundleZip),
      handler: 'index.handler',
      runtime: HANDLER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(5),
      role: this.role,
      logGroup,
      environment: { DOCUMENT_NAMES: names.join(','), DOCUMENT_HASHES: reviewedHashes(props.documents, stack).join(','), DEPLOYED_CONTENTS: contents, STACK_ID: stack.stackId },
    });
    this.fn.node.addDependency(policy);
    const cleanup = new CustomResource(this, 'Cleanup', {
      serviceToken: this.fn.functionArn,
      resourceType: 'Custom::SupersededDocumentVersions',
      properties: { Documents: names, DeployedContents: contents },
    });
    for (const d of props.documents) cleanup.node.addDependency(d.resource);
    acknowledge(this.fn, 'Serverless-LambdaDLQ', 'invoked synchronously by CloudFormation only (a custom resource): a failure is the deployment\'s failure, reported to CloudFormation with its reason');
    acknowledge(this.fn, 'Serverless-LambdaTracing', 'runs once per deploy for CloudFormation; its log names each version deleted');
    acknowledge(this.fn, 'AwsSolutions-L1', 'the bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
    acknowledge(this.fn, 'Serverless-LambdaLatestVersion', 'the bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
  }
}
