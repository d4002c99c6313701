// After the runbook documents are created or updated, deletes every version of each but its default (review 13 R13-15,
// decision 240): UpdateMethod NewVersion adds a version and makes it the default; the earlier ones would stay startable.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
    return /"(Ref|Fn::[A-Za-z]+)":/.test(JSON.stringify(resolved)) ? [] : [`${d.name}=${contentHash(resolved)}`];
  });
}

export class DocumentVersionCleanup extends Construct {
  readonly role: Role;
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: DocumentVersionCleanupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!existsSync(props.bundleZip)) throw new Error(`${props.bundleZip} is missing: run \`npm run build\` before synthesizing (the stack deploys the built bundles)`);
    const names = props.documents.map((d) => d.name);
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
