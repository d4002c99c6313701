// Decision 278 (268's "not done"): a stack synthesized without its account gives the document-version cleanup no content
// hash for the documents whose content carries the account, and the cleanup then deletes none of their superseded
// versions at deploy (decision 268). `cdk synth` warns on the cleanup construct, naming those documents and why, and
// does not once the account is set.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { synthesizeApp, type SynthesizedApp } from './support/synth';

const ID = '@notification-runbooks/document-versions-unhashed';
const STACK = 'NotificationRunbooks-staging-us-east-1';

function stackOf(synthesized: SynthesizedApp): Stack {
  const stack = synthesized.built.stacks.get(STACK);
  if (!stack) throw new Error(`no ${STACK} in ${[...synthesized.built.stacks.keys()].join(', ')}`);
  return stack;
}

/** The DOCUMENT_HASHES the cleanup function carries: `<name>=<hash>` of each document hashed at synth. */
function hashedDocuments(synthesized: SynthesizedApp): string[] {
  const template = synthesized.json.get(STACK);
  const fn = Object.values(template?.Resources ?? {}).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === 'notification-runbooks-document-versions');
  const hashes = String((fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.DOCUMENT_HASHES ?? '');
  return hashes === '' ? [] : hashes.split(',').map((h) => h.split('=')[0] ?? '');
}

describe('cdk synth and the document-version cleanup without a content hash (decision 278)', () => {
  it('warns on the cleanup construct without the account, naming each document left without a hash and why', () => {
    const synthesized = synthesizeApp({ environment: 'staging' }, { cfnValidation: false });
    try {
      const annotations = Annotations.fromStack(stackOf(synthesized));
      annotations.hasWarning(`/${STACK}/Runbooks/SupersededVersions`, Match.stringLikeRegexp('the document-version cleanup gets no content hash for'));
      const found = annotations.findWarning('*', Match.stringLikeRegexp('document-version cleanup gets no content hash'));
      expect(found).toHaveLength(1);
      const text = String(found[0]?.entry.data);
      const named = /runbook documents \(([^)]*)\)/.exec(text)?.[1]?.split(', ') ?? [];
      // Exactly the documents the cleanup got no hash for: every registered one not in DOCUMENT_HASHES.
      const hashed = hashedDocuments(synthesized);
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((n) => hashed.includes(n))).toEqual([]);
      expect(text).toMatch(new RegExp(`no content hash for ${named.length} of ${named.length + hashed.length} runbook documents`));
      expect(text).toContain('the stack is synthesized without its account, so their content holds values CloudFormation fills in only at deploy (');
      expect(text).toContain('Ref AWS::AccountId');
      expect(text).toContain('it deletes none of their superseded versions at deploy (decision 268)');
      expect(text).toContain('cdk deploy -c account=<id>');
      expect(text).toContain(`[ack: ${ID}]`);
    } finally {
      synthesized.dispose();
    }
  });

  it('does not warn once the account is set: every document is hashed', () => {
    const synthesized = synthesizeApp({ environment: 'staging', account: '222222222222' }, { cfnValidation: false });
    try {
      Annotations.fromStack(stackOf(synthesized)).hasNoWarning('*', Match.stringLikeRegexp('document-version cleanup gets no content hash'));
      expect(hashedDocuments(synthesized).length).toBeGreaterThan(0);
    } finally {
      synthesized.dispose();
    }
  });
});
