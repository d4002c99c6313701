// The default runbook approvers (role/NotificationServiceRunbookApprover) are a name no stack creates (review 11a,
// finding 8): `cdk synth` warns where documents with approval steps are deployed and the environment keeps the default,
// and not once approvers are configured. `runbook preflight` FAILs while a configured approver does not exist
// (test/unit/cli/preflight/runbook-principal-checks.test.ts).
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { synthesizeApp, type SynthesizedApp } from './support/synth';

const WARNING = Match.stringLikeRegexp('environments\\.production\\.runbookApprovers is the project default \\(role/NotificationServiceRunbookApprover\\), which no stack creates');
const STACK = 'NotificationRunbooks-production-us-east-1';

function warnings(synthesized: SynthesizedApp): Annotations {
  const stack = synthesized.built.stacks.get(STACK);
  if (!stack) throw new Error(`no ${STACK} in ${[...synthesized.built.stacks.keys()].join(', ')}`);
  return Annotations.fromStack(stack);
}

describe('cdk synth and the default runbook approvers', () => {
  it('warns with the default, naming the documents nobody could approve', () => {
    const synthesized = synthesizeApp({ environment: 'production' }, { cfnValidation: false });
    try {
      const found = warnings(synthesized).findWarning('*', WARNING);
      expect(found).toHaveLength(1);
      const text = String(found[0]?.entry.data);
      for (const doc of ['NotificationService-FailoverToDR', 'NotificationService-ScaleUpDatabase', 'NotificationService-RaiseLambdaMemory', 'NotificationService-TroubleshootConnectionTimeout']) expect(text).toContain(doc);
      expect(text).toContain('runbook preflight FAILs while one does not');
    } finally {
      synthesized.dispose();
    }
  });

  it('does not warn once the environment names its own approvers', () => {
    const config = { environments: { production: { runbookApprovers: { principals: ['role/ops/DbApprover'], minRequiredApprovals: 1 } } } };
    const synthesized = synthesizeApp({ environment: 'production', config: JSON.stringify(config) }, { cfnValidation: false });
    try {
      warnings(synthesized).hasNoWarning('*', Match.stringLikeRegexp('runbookApprovers is the project default'));
    } finally {
      synthesized.dispose();
    }
  });
});
