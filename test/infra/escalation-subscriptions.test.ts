// A deploy reaches people: each tier's configured email endpoints are subscribed with the channel filter policy, and
// cdk synth warns for a tier nobody is subscribed to.
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { EscalationTopics } from '../../infra/lib/constructs/escalation-topics';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';

function synth(emailsByLevel: Record<number, string[]>): Stack {
  const production = defaultConfig.environments.production?.escalation;
  if (!production) throw new Error('the default configuration has no production escalation');
  const tiers = production.tiers.map((tier) => ({ ...tier, ...(emailsByLevel[tier.level] ? { emails: emailsByLevel[tier.level] } : {}) }));
  const config = parseAutomationConfig(mergeConfig(defaultConfig, { environments: { production: { escalation: { ...production, tiers } } } }));
  const stack = new Stack(new App(), 'Topics');
  new EscalationTopics(stack, 'EscalationTopics', { config, key: new Key(stack, 'Key'), environment: 'production' });
  return stack;
}

describe('escalation tier subscriptions', () => {
  it('subscribes each configured email endpoint to its tier topic with the filter policy {"channel":["email"]}', () => {
    const template = Template.fromStack(synth({ 1: ['oncall@example.com', 'devops@example.com'], 2: ['infra@example.com'] }));
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      FilterPolicy: { channel: ['email'] },
    });
  });

  it('warns at synth for each tier with no subscriber, naming the configuration field, and not for a subscribed tier', () => {
    const annotations = Annotations.fromStack(synth({ 1: ['oncall@example.com'] }));
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('has no email subscriber in production'));
    expect(warnings.map((w) => String(w.entry.data)).map((text) => /tier (L\d)/.exec(text)?.[1])).toEqual(['L2', 'L3', 'L4']);
    expect(String(warnings[0]?.entry.data)).toContain('environments.production.escalation.tiers[].emails');
  });

  it('refuses an email endpoint that is not an address', () => {
    expect(() => synth({ 1: ['not-an-address'] })).toThrow();
  });
});
