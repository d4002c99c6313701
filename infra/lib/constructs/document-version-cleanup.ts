// After the runbook documents are created or updated, deletes every version of each but its default (review 13 R13-15,
// decision 240): UpdateMethod NewVersion adds a version and makes it the default; the earlier ones would stay startable.
import { createHash } from 'node:crypto';
import { Annotations, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { contentHash } from '../../../shared/config/content-hash';
import { customResourceFunction } from './custom-resource-function';

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
    const names = props.documents.map((d) => d.name);
    warnOnUnhashed(this, props.documents, stack);
    // Any change to a document's deployed content changes this property: CloudFormation sends Update after the document's
    // own update (the dependency below), so each deploy that adds a version deletes the one it superseded. The function
    // carries the same string: an Update whose property differs is a rollback's (decision 262), and deletes nothing.
    const contents = createHash('sha256')
      .update(JSON.stringify(props.documents.map((d) => [d.name, stack.resolve(d.deployedContent)])))
      .digest('hex');
    ({ role: this.role, fn: this.fn } = customResourceFunction(this, {
      bundleZip: props.bundleZip,
      functionName: CLEANUP_FUNCTION_NAME,
      functionDescription: 'Notification Service runbook automation: deletes superseded runbook document versions at deploy (CloudFormation custom resource)',
      roleName: cleanupRoleNameOf(stack.region),
      roleDescription: 'Deletes the runbook documents\' superseded versions at deploy: lists and deletes versions of those documents only, reads its own stack\'s status',
      // DeleteDocument has no condition key for the version (Service Authorization Reference): the function names one always.
      policyId: 'DeleteSupersededVersions',
      statements: [
        new PolicyStatement({
          sid: 'ListReadAndDeleteVersionsOfTheRunbookDocuments',
          // GetDocument: the default's content is compared with the deployed content before anything is deleted (R15-7).
          actions: ['ssm:ListDocumentVersions', 'ssm:GetDocument', 'ssm:DeleteDocument'],
          resources: names.map((n) => `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:document/${n}`),
        }),
        // Its own stack's status, read when a failure is to be answered: a rollback's Update is not failed (decision 262).
        new PolicyStatement({ sid: 'ReadOwnStackStatus', actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
      ],
      timeout: Duration.minutes(5),
      environment: { DOCUMENT_NAMES: names.join(','), DOCUMENT_HASHES: reviewedHashes(props.documents, stack).join(','), DEPLOYED_CONTENTS: contents, STACK_ID: stack.stackId },
      untracedBecause: 'runs once per deploy for CloudFormation; its log names each version deleted',
    }));
    const cleanup = new CustomResource(this, 'Cleanup', {
      serviceToken: this.fn.functionArn,
      resourceType: 'Custom::SupersededDocumentVersions',
      properties: { Documents: names, DeployedContents: contents },
    });
    for (const d of props.documents) cleanup.node.addDependency(d.resource);
  }
}
