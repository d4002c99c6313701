// A deploy reaches people: each tier's configured email endpoints are subscribed with the channel filter policy, each
// configured Slack channel gets an AWS Chatbot channel configuration on its tiers' topics (a role without permissions,
// a read-only guardrail), and cdk synth warns for a tier nobody is subscribed to.
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { EscalationTopics } from '../../infra/lib/constructs/escalation-topics';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { noSubscriberFix } from '../../shared/config/tier-subscribers';
import type { EscalationChannel } from '../../shared/config/schema';

type Slack = Array<Record<string, unknown>>;
interface TierOverride {
  emails?: string[];
  slack?: Slack;
  channels?: string[];
}

function synth(byLevel: Record<number, TierOverride>): Stack {
  const production = defaultConfig.environments.production?.escalation;
  if (!production) throw new Error('the default configuration has no production escalation');
  const tiers = production.tiers.map((tier) => ({ ...tier, ...(byLevel[tier.level] ?? {}) }));
  const config = parseAutomationConfig(mergeConfig(defaultConfig, { environments: { production: { escalation: { ...production, tiers } } } }));
  const stack = new Stack(new App(), 'Topics');
  new EscalationTopics(stack, 'EscalationTopics', { config, key: new Key(stack, 'Key'), environment: 'production', region: 'us-east-1' });
  return stack;
}

const WORKSPACE = 'T012ABCDEFG';
const ONCALL = 'C0123ABCDEF';
const INFRA = 'C0456GHIJKL';
const topicRef = (level: number) => ({ Ref: Match.stringLikeRegexp(`^EscalationTopicsLevel${level}[0-9A-F]{8}$`) });

describe('escalation tier subscriptions', () => {
  it('subscribes each configured email endpoint to its tier topic with the filter policy {"channel":["email"]}', () => {
    const template = Template.fromStack(synth({ 1: { emails: ['oncall@example.com', 'devops@example.com'] }, 2: { emails: ['infra@example.com'] } }));
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      FilterPolicy: { channel: ['email'] },
    });
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::IAM::Role', 0);
  });

  it('warns at synth for each tier with no subscriber, naming the configuration field, and not for a subscribed tier', () => {
    const annotations = Annotations.fromStack(synth({ 1: { emails: ['oncall@example.com'] } }));
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('has no subscriber \\(email or Slack channel\\) in production'));
    expect(warnings.map((w) => String(w.entry.data)).map((text) => /tier (L\d)/.exec(text)?.[1])).toEqual(['L2', 'L3', 'L4']);
    expect(String(warnings[0]?.entry.data)).toContain('environments.production.escalation.tiers[] (level 2).emails or its Slack channels to .slack');
  });

  it("the warning's fix is the configuration and a deploy: `aws sns subscribe` is refused by the topic's policy (review 12 R12-6)", () => {
    const warnings = Annotations.fromStack(synth({})).findWarning('*', Match.stringLikeRegexp('has no subscriber'));
    expect(warnings).toHaveLength(4);
    for (const w of warnings) {
      const text = String(w.entry.data);
      const level = Number(/tier L(\d)/.exec(text)?.[1]);
      const channels = defaultConfig.environments.production?.escalation?.tiers.find((t) => t.level === level)?.channels ?? [];
      expect(text).toContain(`so nobody is notified: ${noSubscriberFix('production', { level, channels }, false)}`);
      expect(text).toContain('and deploy (cdk deploy)');
      expect(text).toContain('`aws sns subscribe` is refused: only the deployment may subscribe');
      expect(text).not.toContain('yourself');
    }
  });

  it('refuses an email endpoint that is not an address', () => {
    expect(() => synth({ 1: { emails: ['not-an-address'] } })).toThrow();
  });
});

describe('AWS Chatbot Slack channels per tier', () => {
  // L1 and L2 share the on-call channel; L2 also has the infrastructure channel with its own guardrail and logging.
  const slackStack = (): Stack =>
    synth({
      1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL }] },
      2: {
        slack: [
          { workspaceId: WORKSPACE, channelId: ONCALL },
          { workspaceId: WORKSPACE, channelId: INFRA, guardrailPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], loggingLevel: 'INFO' },
        ],
      },
    });

  it('synthesizes one channel configuration per Slack channel, subscribed to the topics of every tier that names it', () => {
    const template = Template.fromStack(slackStack());
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 2);
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: `notification-runbooks-production-us-east-1-${ONCALL}`,
      SlackWorkspaceId: WORKSPACE,
      SlackChannelId: ONCALL,
      SnsTopicArns: [topicRef(1), topicRef(2)],
      LoggingLevel: 'ERROR',
      UserRoleRequired: false,
    });
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: `notification-runbooks-production-us-east-1-${INFRA}`,
      SlackChannelId: INFRA,
      SnsTopicArns: [topicRef(2)],
      LoggingLevel: 'INFO',
      GuardrailPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
  });

  it("applies the project's read-only guardrail (CloudWatchReadOnlyAccess) where a channel names none: never AWS's default AdministratorAccess", () => {
    const template = Template.fromStack(slackStack());
    const configurations = Object.values(template.findResources('AWS::Chatbot::SlackChannelConfiguration'));
    expect(configurations).toHaveLength(2);
    for (const c of configurations) expect(c.Properties.GuardrailPolicies).toBeDefined();
    const oncall = configurations.find((c) => c.Properties.SlackChannelId === ONCALL);
    expect(JSON.stringify(oncall?.Properties.GuardrailPolicies)).toMatch(/:iam::aws:policy\/CloudWatchReadOnlyAccess"/);
    expect(JSON.stringify(configurations)).not.toMatch(/AdministratorAccess|FullAccess|PowerUser/);
  });

  it('gives the channels a role only Chatbot can assume, with no permissions at all (no inline, attached or managed policy)', () => {
    const template = Template.fromStack(slackStack());
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId, role] = Object.entries(roles)[0]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
    ]);
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const attached = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles ?? []).includes(roleId));
    expect(attached).toEqual([]);
    for (const c of Object.values(template.findResources('AWS::Chatbot::SlackChannelConfiguration'))) {
      expect(c.Properties.IamRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    }
  });

  it('counts a Slack channel as a subscriber: only the tiers with neither email nor Slack are warned about', () => {
    const annotations = Annotations.fromStack(slackStack());
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('has no subscriber'));
    expect(warnings.map((w) => /tier (L\d)/.exec(String(w.entry.data))?.[1])).toEqual(['L3', 'L4']);
  });

  it.each([
    ['a workspace id in lower case', { 1: { slack: [{ workspaceId: 't012abcdefg', channelId: ONCALL }] } }, 'must be a Slack workspace (team) id'],
    ['a workspace id that is not a team id', { 1: { slack: [{ workspaceId: 'X012ABCDEFG', channelId: ONCALL }] } }, 'must be a Slack workspace (team) id'],
    ['a direct-message id as channel', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: 'D0123ABCDEF' }] } }, 'must be a Slack channel id'],
    ['a channel name instead of its id', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: '#oncall' }] } }, 'must be a Slack channel id'],
    ['AdministratorAccess as guardrail', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] }] } }, 'must not grant writes'],
    ['a *FullAccess policy as guardrail', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: ['arn:aws:iam::aws:policy/AWSLambda_FullAccess'] }] } }, 'must not grant writes'],
    // Write-capable AWS managed policies that no "FullAccess" or "Administrator" pattern would catch (reviewer finding).
    ['job-function/SystemAdministrator as guardrail', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: ['arn:aws:iam::aws:policy/job-function/SystemAdministrator'] }] } }, 'must not grant writes'],
    ['AWSSupportAccess as guardrail', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: ['arn:aws:iam::aws:policy/AWSSupportAccess'] }] } }, 'must not grant writes'],
    ['AmazonSSMAutomationRole as guardrail', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: ['arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole'] }] } }, 'must not grant writes'],
    ['a guardrail that is not a policy ARN', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: ['ReadOnlyAccess'] }] } }, 'must be an IAM managed policy ARN'],
    ['an unknown logging level', { 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, loggingLevel: 'DEBUG' }] } }, 'loggingLevel'],
    ['Slack on a tier without the chat channel', { 3: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL }] } }, 'slack channels need "chat"'],
    [
      'one channel with two guardrails under two tiers',
      {
        1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL }] },
        2: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }] },
      },
      'must have the same guardrailPolicies',
    ],
  ] as Array<[string, Record<number, TierOverride>, string]>)('refuses %s, naming the problem', (_case, override, message) => {
    expect(() => synth(override)).toThrow(message);
  });

  it.each(['arn:aws:iam::aws:policy/job-function/ViewOnlyAccess', 'arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess', 'arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess'])(
    "accepts AWS's read-only managed policy %s as guardrail",
    (arn) => {
      Template.fromStack(synth({ 1: { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL, guardrailPolicies: [arn] }] } })).hasResourceProperties(
        'AWS::Chatbot::SlackChannelConfiguration',
        { GuardrailPolicies: [arn] },
      );
    },
  );

  it('accepts a project policy of the account as guardrail, as given', () => {
    const template = Template.fromStack(
      synth({ 1: { slack: [{ workspaceId: 'E0ABCDEFGH1', channelId: 'G0123ABCDEF', guardrailPolicies: ['arn:aws:iam::111122223333:policy/notification-chat-read'] }] } }),
    );
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'E0ABCDEFGH1',
      SlackChannelId: 'G0123ABCDEF',
      GuardrailPolicies: ['arn:aws:iam::111122223333:policy/notification-chat-read'],
      SnsTopicArns: [topicRef(1)],
    });
  });
});

// Review 12 R12-6: preflight's fix for a tier with no subscriber must be one that works. The topic's policy refuses
// Subscribe to all but the deployment (test/infra/escalation-topic-policy.test.ts), so the fix names a configuration
// field; here that field, set as the fix says and synthesized, subscribes the tier (and the synth warning goes).
describe("preflight's fix for a tier with no subscriber, applied as written", () => {
  /** The field the fix names: "environments.<env>.escalation.tiers[] (level <n>).emails" (or .slack first). */
  function fieldOf(fix: string): { environment: string; level: number; field: 'emails' | 'slack' } {
    const m = /add its (?:addresses|Slack channels) to environments\.(\w+)\.escalation\.tiers\[\] \(level (\d+)\)\.(emails|slack)/.exec(fix);
    if (!m) throw new Error(`the fix names no configuration field: ${fix}`);
    return { environment: m[1] ?? '', level: Number(m[2]), field: m[3] === 'slack' ? 'slack' : 'emails' };
  }

  it.each([
    [1, ['chat', 'email']],
    [2, ['chat', 'email']],
    [3, ['email']],
    [4, ['email']],
    // A chat-only tier (as staging's L1): emails there would not be subscribed, so the fix names .slack first.
    [1, ['chat']],
  ] as Array<[number, EscalationChannel[]]>)('L%i with channels %j: the field the fix names subscribes the tier', (level, channels) => {
    const fix = noSubscriberFix('production', { level, channels }, false);
    expect(fix).not.toMatch(/aws sns subscribe --/);
    const { environment, level: named, field } = fieldOf(fix);
    expect([environment, named]).toEqual(['production', level]);
    const override: TierOverride = { channels, ...(field === 'emails' ? { emails: ['new-oncall@example.com'] } : { slack: [{ workspaceId: WORKSPACE, channelId: ONCALL }] }) };
    const stack = synth({ [level]: override });
    const template = Template.fromStack(stack);
    if (field === 'emails') {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'new-oncall@example.com', TopicArn: topicRef(level), FilterPolicy: { channel: ['email'] } });
    } else {
      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { SlackChannelId: ONCALL, SnsTopicArns: [topicRef(level)] });
    }
    const warned = Annotations.fromStack(stack)
      .findWarning('*', Match.stringLikeRegexp('has no subscriber'))
      .map((w) => Number(/tier L(\d)/.exec(String(w.entry.data))?.[1]));
    expect(warned).not.toContain(level);
    expect(warned).toHaveLength(3);
  });

  it('with confirmations pending, the fix says to confirm them first', () => {
    expect(noSubscriberFix('staging', { level: 2, channels: ['chat', 'email'] }, true)).toMatch(/^the pending address\(es\) confirm by the link in the email AWS sent them; otherwise add its addresses to environments\.staging\.escalation\.tiers\[\] \(level 2\)\.emails/);
  });
});
