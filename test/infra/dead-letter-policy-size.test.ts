// Review 22a, R22a-9: CDK adds one statement per rule to the undelivered-events queue's policy, and SQS refuses a policy
// over 20 statements or 8,192 bytes (SQS quotas, "Policy"). The rules' statements are merged into one whose ArnEquals
// aws:SourceArn lists exactly the rules that use the queue as their dead-letter queue: measured at 10 channels, the
// largest channel count that synthesizes today (at 12 the verify-change execution role's inline policies pass IAM's
// 10,240 and synthesis refuses, decision 368; past 13 the recoveries' rule buckets cannot hold their names, decision 364).
import { mergeRuleStatements } from '../../infra/lib/constructs/dead-letter-queue';
import { resourcesOfType, synthesizeApp, type CfnTemplate } from './support/synth';

const CHANNELS = Array.from({ length: 10 }, (_, i) => `channel${String(i).padStart(2, '0')}`);
const config = {
  environments: {
    production: {
      resources: { queues: CHANNELS.map((c) => `notification-service-${c}-queue`), functions: CHANNELS.map((c) => `notification-service-${c}-consumer`), databases: ['notification-service-db'] },
      // The bucket counts synthesis asks for at 10 channels (decision 364).
      alarmRuleBuckets: { 'notification-runbooks-scale-consumers': 2, 'notification-runbooks-escalate-recoveries': 5, 'notification-runbooks-watch-standby': 2 },
    },
  },
};

interface Statement {
  Sid?: string;
  Effect: string;
  Action: unknown;
  Condition?: { ArnEquals?: { 'aws:SourceArn'?: unknown } };
}

/** The undelivered-events queue's policy, and the rules whose target names it as dead-letter queue. */
function undelivered(template: CfnTemplate): { statements: Statement[]; rules: string[] } {
  const [queueId] = resourcesOfType(template, 'AWS::SQS::Queue').find(([, q]) => q.Properties?.QueueName === 'notification-runbooks-undelivered-events')!;
  const policy = resourcesOfType(template, 'AWS::SQS::QueuePolicy').find(([, p]) => JSON.stringify(p.Properties?.Queues).includes(queueId))![1];
  const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
  const rules = resourcesOfType(template, 'AWS::Events::Rule')
    .filter(([, r]) => (r.Properties?.Targets as Array<{ DeadLetterConfig?: { Arn?: unknown } }> | undefined)?.some((t) => JSON.stringify(t.DeadLetterConfig?.Arn ?? '').includes(queueId)))
    .map(([id]) => id);
  return { statements, rules };
}

describe('the undelivered-events queue policy stays within SQS\'s 20 statements / 8,192 bytes (review 22a, R22a-9)', () => {
  it('at 10 channels (production us-west-2, the larger): one statement for every rule, exactly those rules', () => {
    const synthesized = synthesizeApp({ environment: 'production', account: '123456789012', config: JSON.stringify(config) }, { cfnValidation: false });
    try {
      const template = synthesized.json.get('NotificationRunbooks-production-us-west-2')!;
      const { statements, rules } = undelivered(template);
      const ruleStatements = statements.filter((s) => s.Action === 'sqs:SendMessage' && s.Effect === 'Allow');
      expect(ruleStatements).toHaveLength(1);
      const sources = [ruleStatements[0]?.Condition?.ArnEquals?.['aws:SourceArn']].flat() as Array<{ 'Fn::GetAtt': [string, string] }>;
      expect(sources.map((s) => s['Fn::GetAtt'][0]).sort()).toEqual([...rules].sort());
      // The figures, the rule ARNs resolved to their longest plausible form (partition aws, 12-digit account, rule names as deployed).
      const resolved = JSON.stringify({ Version: '2012-10-17', Statement: statements }).replace(/\{"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]\}/g, (_m, id: string) => {
        const name = String(template.Resources[id]?.Properties?.Name ?? id);
        const bus = template.Resources[id]?.Properties?.EventBusName ? 'notification-runbooks/' : '';
        return `"arn:aws:events:us-west-2:123456789012:rule/${bus}${name}"`;
      }).replace(/\{"Fn::Join":[^\]]*\][^\]]*\]\]\}/g, '"arn:aws:sqs:us-west-2:123456789012:notification-runbooks-undelivered-events"');
      // Before the merge (review 22a): 26 statements, 10,459 bytes at 20 channels. Now the TLS-only deny and one allow.
      expect({ rules: rules.length, statements: statements.length, bytes: Buffer.byteLength(resolved) }).toEqual({ rules: 18, statements: 2, bytes: 2364 });
      expect(Buffer.byteLength(resolved)).toBeLessThanOrEqual(8192);
    } finally {
      synthesized.dispose();
    }
  });

  it('merges only the per-rule statements, and would leave a single one or differing queues alone', () => {
    const rule = (arn: string) => ({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: 'q', Condition: { ArnEquals: { 'aws:SourceArn': arn } } });
    const tls = { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Resource: 'q', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    expect(mergeRuleStatements({ Statement: [tls, rule('r1'), rule('r2')] }).Statement).toEqual([tls, { ...rule('r1'), Sid: 'AllowEventRules', Condition: { ArnEquals: { 'aws:SourceArn': ['r1', 'r2'] } } }]);
    const one = { Statement: [tls, rule('r1')] };
    expect(mergeRuleStatements(one)).toBe(one);
    const two = { Statement: [rule('r1'), { ...rule('r2'), Resource: 'other' }] };
    expect(mergeRuleStatements(two)).toBe(two);
  });
});
